"""One contract for every registered model (timm's `test_models.py` idea): a name is tested the moment it exists.

For each name of `list_models()`: the constructor takes `(num_classes, pretrained, **kwargs)`; forward and
backward run; `predict` returns one row of probabilities per video; `extract_features` returns one pre-logit
vector per video; a state dict saved from one instance loads strictly into a fresh one and gives the same
scores. Large models run on the meta device (shapes only); small inputs keep the rest fast.
"""

import inspect

import pytest
import torch

from actionrec.models import create_model, list_models
from actionrec.models.registry import _MODELS

# models too large for a real forward in a unit test, or whose input size is fixed at 224: shapes only
ON_META = {
    "uniformerv2_b16",
    "uniformerv2_l14",
    "uniformerv2_l14_336",
    "tsn_timm",
    "tsn_r101",
    "tsn_r152",
    "tsn_resnext101_32x4d",
}
# small kwargs where the default architecture would be slow; the contract does not depend on size
SMALL = {
    "uniformerv2": dict(
        input_resolution=32,
        width=64,
        layers=2,
        heads=2,
        return_list=(1,),
        n_layers=1,
        n_dim=64,
        n_head=2,
        mlp_dropout=(0.5,),
        t_size=4,
    ),
    "tsn_torchvision": dict(arch="resnet18"),
}
NUM_CLASSES, N, V = 5, 2, 2
# actionrec's own models (test helpers such as engine_standins register stand-ins in the same registry)
MODELS = [n for n in list_models() if _MODELS[n].__module__.startswith("actionrec.")]


def _views(model, device: str) -> torch.Tensor:
    """uint8 views `(N, V, C, H, W)` or `(N, V, C, T, H, W)` at a size the model accepts."""
    c = model.mean.numel()
    if model.view_ndim == 3:
        res = model.backbone.input_resolution
        shape = (N, V, c, 4, res, res)
    else:
        size = 224 if device == "meta" else 32
        shape = (N, V, c, size, size)
    if device == "meta":
        return torch.empty(shape, dtype=torch.uint8, device="meta")
    return torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def _build(name: str, device: str):
    with torch.device(device):
        torch.manual_seed(0)
        return create_model(name, num_classes=NUM_CLASSES, **SMALL.get(name, {}))


def test_every_family_is_registered():
    names = set(MODELS)
    assert {"tsn_r18", "tsn_r34", "tsn_r50", "tsn_r101", "tsn_r152", "tsn_resnext101_32x4d"} <= names
    assert {"tsn_torchvision", "tsn_timm", "uniformerv2_b16", "uniformerv2_l14", "uniformerv2_l14_336"} <= names


@pytest.mark.parametrize("name", MODELS)
def test_uniform_constructor_signature(name):
    params = inspect.signature(_MODELS[name]).parameters
    assert params["num_classes"].default == 400
    assert params["pretrained"].default is False
    assert any(p.kind is p.VAR_KEYWORD for p in params.values())


@pytest.mark.parametrize("name", MODELS)
def test_forward_backward_predict_features(name):
    device = "meta" if name in ON_META else "cpu"
    model = _build(name, device)
    x = _views(model, device)

    model.train()
    logits = model(x)
    assert logits.shape == (N, NUM_CLASSES)
    logits.float().sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads[-2:])  # at least the classifier got gradients

    model.eval()
    scores = model.predict(x, average_clips="prob")
    assert scores.shape == (N, NUM_CLASSES)
    features = model.extract_features(x)
    assert features.shape == (N, model.cls_head.fc_cls.in_features)
    if device == "cpu":
        torch.testing.assert_close(scores.sum(dim=1), torch.ones(N))
        # the head applied to the averaged pre-logit features gives the scores again (TSN averages
        # features before its classifier; UniFormerV2 scores each view, so compare per view there)
        if model.view_ndim == 2:
            torch.testing.assert_close(model.cls_head.fc_cls(features).softmax(-1), scores, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(set(MODELS) - ON_META))
def test_state_dict_round_trip(name):
    source = _build(name, "cpu").eval()
    with torch.no_grad():  # make every tensor differ from a fresh init
        for p in source.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    target = _build(name, "cpu").eval()
    target.load_state_dict(source.state_dict(), strict=True)
    x = _views(source, "cpu")
    torch.testing.assert_close(target.predict(x), source.predict(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(ON_META))
def test_state_dict_keys_round_trip_on_meta(name):
    a, b = _build(name, "meta"), _build(name, "meta")
    assert {k: v.shape for k, v in a.state_dict().items()} == {k: v.shape for k, v in b.state_dict().items()}


def test_misspelt_keyword_names_the_closest_valid_one():
    with pytest.raises(KeyError, match="did you mean 'in_channels'"):
        create_model("tsn_r18", in_chanels=10)
    with pytest.raises(KeyError, match="did you mean 'uniformerv2_b16'"):
        create_model("uniformerv2_b61")
