"""Inference speed-ups keep the answers: precision='auto', bf16, folded batch norm, cache-sized view batches.

Oracles: MMAction2's own outputs (the golden files) for the folded graph; the fp32 path for bf16 (same
top-5 on golden weights and on demo.mp4); hand-computed chunk sizes for the view batching.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from golden_weights import load_golden, procedure_state_dict
from torch import nn

from actionrec import build_model, hardware
from actionrec.checkpoints import load_checkpoint
from actionrec.data.decoders import open_video
from actionrec.data.sampling import SampleFrames, UniformSample
from actionrec.data.transforms import CenterCrop, Clip, Compose, FormatShape, Resize, ThreeCrop
from actionrec.models import create_model
from actionrec.models.base import BaseRecognizer
from actionrec.models.fuse import FusedLinear, describe_graph, fold_batchnorm, for_inference, fuse_linears
from actionrec.models.uniformerv2 import Mlp

DEMO = Path(__file__).parent / "data" / "demo.mp4"


# -- precision='auto' ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"avx2", "avx512f", "avx512_bf16"}, "bf16"),
        ({"avx2", "amx_bf16"}, "bf16"),
        ({"avx2", "fma"}, "fp32"),
        (set(), "fp32"),
    ],
)
def test_auto_picks_bf16_only_on_native_bf16_cpus(monkeypatch, flags, expected):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset(flags))
    assert hardware.resolve_precision("auto", "cpu") == expected
    assert hardware.resolve_precision("fp32", "cpu") == "fp32"  # explicit choices are kept
    assert hardware.resolve_precision("bf16", "cpu") == "bf16"


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of"):
        hardware.resolve_precision("int4")


def test_describe_names_the_flags_it_found(monkeypatch):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2", "amx_bf16"}))
    line = hardware.describe("cpu")
    assert "amx_bf16" in line and "native bf16" in line


# -- bf16 keeps the fp32 top-5 -----------------------------------------------------------------------------
def _golden_model(name: str):
    golden = load_golden(name)
    model = build_model(golden["model_cfg"]).eval()
    load_checkpoint(model, procedure_state_dict(golden["state_dict_keys"]), strict=True)
    return golden, model


def _demo_views(model) -> torch.Tensor:
    """demo.mp4 through a short test protocol the model accepts: TSN 3 segments x 3 crops (256), UniFormerV2 8 frames."""
    rng = np.random.default_rng(0)
    with open_video(DEMO) as video:
        if model.view_ndim == 2:
            frames = video.read(SampleFrames(1, 1, 3, test_mode=True)(video.num_frames, rng))
            steps = [Resize((-1, 256)), ThreeCrop(256), FormatShape("NCHW")]
            clip = Clip(frames, clip_len=1, num_clips=3)
        else:
            size = model.backbone.input_resolution
            frames = video.read(UniformSample(8, 1, test_mode=True)(video.num_frames, rng))
            steps = [Resize((-1, size)), CenterCrop(size), FormatShape("NCTHW")]
            clip = Clip(frames, clip_len=8, num_clips=1)
    return Compose(steps)(clip, rng)[None]


@pytest.mark.parametrize("name", ["tsn_r50_k400", "uniformerv2_b16_k400_u8", "uniformerv2_tiny_lmhra"])
def test_bf16_keeps_the_fp32_top5_on_golden_weights_and_demo_mp4(name):
    golden, model = _golden_model(name)
    fast = for_inference(model)  # what Recognizer and `actionrec test` run: folded BatchNorm, fused linears
    for x in (golden["input"], _demo_views(model)):
        fp32 = model.predict(x, precision="fp32")
        for bf16 in (model.predict(x, precision="bf16"), fast.predict(x, precision="bf16")):
            assert bf16.dtype == torch.float32
            for a, b in zip(fp32.topk(5).indices.tolist(), bf16.topk(5).indices.tolist()):
                assert set(a) == set(b), (name, a, b)


# -- folded batch norm ---------------------------------------------------------------------------------------
def test_folding_counts_every_conv_bn_pair_of_resnet18():
    model = create_model("tsn_r18", num_classes=3)
    # stem 1 + 8 basic blocks x 2 + 3 downsample projections = 20 BatchNorms, each after its conv
    assert fold_batchnorm(model).folded_batchnorms == 20
    assert sum(isinstance(m, nn.BatchNorm2d) for m in fold_batchnorm(model).modules()) == 0
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 20  # the original is untouched


def test_folded_tsn_still_matches_mmaction2():
    golden, model = _golden_model("tsn_r50_k400")
    fast = for_inference(model)
    logits = fast.forward_views(golden["input"])[:, 0]
    torch.testing.assert_close(logits, golden["logits"], rtol=1e-4, atol=1e-4)
    assert torch.equal(fast.predict(golden["input"]).argmax(-1), golden["probs"].argmax(-1))


@pytest.mark.parametrize("name", ["uniformerv2_b16_k400_u8", "uniformerv2_tiny_lmhra"])
def test_fused_uniformerv2_still_matches_mmaction2(name):
    golden, model = _golden_model(name)
    fast = for_inference(model)
    assert fast.fused_linears > 0 and not any(type(m) is nn.Linear for m in fast.modules())
    logits = fast.forward_views(golden["input"]).flatten(0, 1)
    scale = golden["logits"].abs().max()
    assert (logits - golden["logits"]).abs().max() <= 1e-4 * scale
    assert torch.equal(fast.predict(golden["input"]).argmax(-1), golden["probs"].argmax(-1))


# -- fused linears -------------------------------------------------------------------------------------------
def _reference_linear(x, weight, bias, silu=False):
    """The layer by hand in float64: x W^T + b, then y * sigmoid(y) for SiLU."""
    y = x.double() @ weight.double().T + bias.double()
    return y * torch.sigmoid(y) if silu else y


@pytest.mark.parametrize("activation", [None, "silu"])
def test_fused_linear_computes_the_layer_on_every_path(activation):
    g = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(24, 16, generator=g) / 4, torch.randn(24, generator=g)
    layer = FusedLinear(weight, bias, activation)
    x = torch.randn(3, 5, 16, generator=g)
    expected = _reference_linear(x, weight, bias, activation == "silu")
    with torch.no_grad():  # the oneDNN path where the build has it
        torch.testing.assert_close(layer(x).double(), expected, rtol=1e-5, atol=1e-5)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = layer(x)
        assert low.dtype == torch.bfloat16
        torch.testing.assert_close(low.double(), expected, rtol=0.05, atol=0.05)
    # autograd recording: the plain path, gradients flow to the input
    xg = x.clone().requires_grad_()
    out = layer(xg)
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert xg.grad is not None and xg.grad.abs().sum() > 0


def test_fused_linear_recasts_when_its_weights_change():
    layer = FusedLinear(torch.ones(2, 3), torch.zeros(2))
    x = torch.ones(1, 3)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        assert layer(x).float().tolist() == [[3.0, 3.0]]
        layer.weight.mul_(2)  # e.g. load_state_dict into the inference copy
        assert layer(x).float().tolist() == [[6.0, 6.0]]


def test_the_inference_graph_is_described_by_what_for_inference_did():
    model = create_model("tsn_r18", num_classes=5)
    fast = for_inference(model)
    linears = sum(type(m) is FusedLinear for m in fast.modules())
    assert linears == 1 and describe_graph(fast) == "BatchNorm folded, 1 linears fused"
    assert describe_graph(for_inference(model, fuse=False)) == "unfused"
    assert describe_graph(model) == "unfused"  # the training module is left as it was


def test_fused_quickgelu_mlp_is_clips_mlp():
    g = torch.Generator().manual_seed(1)
    mlp = Mlp(8, 32).eval()
    with torch.no_grad():
        for p in mlp.parameters():
            p.copy_(torch.randn(p.shape, generator=g) / 2)
    x = torch.randn(4, 8, generator=g)
    h = _reference_linear(x, mlp.fc1.weight, mlp.fc1.bias)
    expected = _reference_linear(h * torch.sigmoid(1.702 * h), mlp.fc2.weight, mlp.fc2.bias)  # CLIP's QuickGELU
    fused = fuse_linears(mlp)
    assert fused.fused_linears == 2 and fused.fc1.activation == "silu"
    with torch.no_grad():
        torch.testing.assert_close(fused(x).double(), expected, rtol=1e-5, atol=1e-5)
    assert type(mlp.fc1) is nn.Linear  # the original is untouched


# -- view batching ---------------------------------------------------------------------------------------------
class _Widening(BaseRecognizer):
    """A recognizer whose largest activation per view is known: a linear layer to `hidden` floats."""

    def __init__(self, hidden: int):
        super().__init__(mean=[0.0], std=[1.0])
        self.calls: list[int] = []
        self.up = nn.Linear(4, hidden)
        self.head = nn.Linear(hidden, 2)

    def forward_features(self, views):
        self.calls.append(views.shape[0])
        return self.up(self.normalize(views).flatten(1))

    def forward_head(self, features, num_views, pre_logits=False):
        out = features if pre_logits else self.head(features)
        return out.view(-1, num_views, out.shape[-1])


def test_chunk_size_follows_the_activation_budget(monkeypatch):
    model = _Widening(hidden=1000).eval()
    monkeypatch.setattr(model, "activation_budget", lambda device: 30_000)
    monkeypatch.setattr(model, "cache_budget", lambda: 10**9)  # memory decides here
    x = torch.randint(0, 256, (1, 25, 1, 2, 2), dtype=torch.uint8)
    with torch.no_grad():
        scores = model.forward_views(x)
    # largest activation: 1000 floats = 4000 bytes; 3x that is 12000 bytes per view; 30000 // 12000 = 2
    assert model.calls == [1] + [2] * 12
    model.calls.clear()
    with torch.no_grad():
        torch.testing.assert_close(model.forward_views(x), scores)  # learnt once per input shape
    assert model.calls == [2] * 12 + [1]
    model.max_testing_views = 5
    model.calls.clear()
    with torch.no_grad():
        model.forward_views(x)
    assert model.calls == [5] * 5  # an explicit setting wins


def test_cpu_chunks_keep_the_largest_layer_in_the_last_level_cache(monkeypatch):
    model = _Widening(hidden=1000).eval()
    monkeypatch.setattr(model, "activation_budget", lambda device: 10**9)
    monkeypatch.setattr(model, "cache_budget", lambda: 20_000)
    x = torch.randint(0, 256, (1, 7, 1, 2, 2), dtype=torch.uint8)
    with torch.no_grad():
        model.forward_views(x)
    # largest activation 4000 bytes; its input and output together 8000; 20000 // 8000 = 2 views per chunk
    assert model.calls == [1, 2, 2, 2]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        model.calls.clear()
        model.forward_views(x)
    # under bf16 the activation is 2000 bytes: 20000 // 4000 = 5 views per chunk (learnt per dtype)
    assert model.calls == [1, 5, 1]


def test_chunked_views_give_the_unchunked_scores():
    model = create_model("tsn_r18", num_classes=4).eval()
    x = torch.randint(0, 256, (1, 6, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    model.max_testing_views = 6
    whole = model.predict(x)
    model.max_testing_views = None
    model.activation_budget = lambda device: 1  # one view per forward
    torch.testing.assert_close(model.predict(x), whole, rtol=1e-5, atol=1e-6)


def test_predict_never_returns_nan_scores():
    model = create_model("tsn_r18", num_classes=3).eval()
    with torch.no_grad():
        model.cls_head.fc_cls.bias[1] = float("nan")  # a broken weight that slipped in after loading
    x = torch.randint(0, 256, (2, 2, 3, 32, 32), dtype=torch.uint8)
    with pytest.raises(FloatingPointError, match=r"NaN/inf scores for video\(s\) \[0, 1\]"):
        model.predict(x)
