"""TSN: a 2D backbone on every view, features averaged over views, one linear classifier.

    model = create_model('tsn_r50', num_classes=400)                   # random init
    model = create_model('tsn_r50', num_classes=101, pretrained=True)  # ImageNet backbone (torchvision V1)
    model.eval()
    scores = model.predict(uint8_views)                   # (N, V, 3, H, W) -> (N, 400)
    scores = model.predict(uint8_views, amp='bf16')       # bf16 autocast, same top-1
    model.to(memory_format=torch.contiguous_format)       # opt out of the default NHWC layout

Test-time semantics are MMAction2's `Recognizer2D` + `TSNHead`: pooled features of all V views
(segments x crops) are averaged *before* the linear layer, so one row of scores per video
reaches `average_clips` ('prob' is then just a softmax).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from actionrec.checkpoints import load_checkpoint, load_pretrained
from actionrec.models.base import BaseRecognizer
from actionrec.models.heads import TSNHead
from actionrec.models.registry import register_model
from actionrec.models.resnet import ResNet
from actionrec.models.resnext import ResNeXt
from actionrec.models.third_party import ThirdPartyBackbone, library_weights

StateDict = dict[str, Tensor]

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
FLOW_MEAN, FLOW_STD = 128.0, 128.0


class TSN(BaseRecognizer):
    """Temporal Segment Network over uint8 views `(N, V, C, H, W)`.

    Args:
        backbone: a module mapping `(B, C, H, W)` floats to `(B, F, h, w)` maps or `(B, F)`
            vectors, with a `num_features` attribute (ResNet, ResNeXt, ThirdPartyBackbone).
        num_classes: classifier outputs.
        mean, std: per-input-channel normalisation of the uint8 views; default ImageNet for
            3 channels, 128/128 (MMAction2's flow setting) otherwise.
        dropout, init_std: the head's dropout ratio and normal init std (MMAction2: 0.4, 0.01).
        average_clips: 'prob', 'score' or None (see `average_views`).
        max_testing_views: run the backbone on at most this many views at a time in `predict`.
        channels_last: keep conv weights (and so activations) in NHWC memory order, the fast
            layout for oneDNN on CPU and cuDNN on GPU (1.7x on a 2-core CPU for ResNet-50).
            Loading weights keeps it; `model.to(memory_format=...)` changes it.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int = 400,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        dropout: float = 0.4,
        init_std: float = 0.01,
        average_clips: str | None = "prob",
        max_testing_views: int | None = None,
        channels_last: bool = True,
    ):
        in_ch = _input_channels(backbone)
        mean = mean if mean is not None else (IMAGENET_MEAN if in_ch == 3 else (FLOW_MEAN,) * in_ch)
        std = std if std is not None else (IMAGENET_STD if in_ch == 3 else (FLOW_STD,) * in_ch)
        super().__init__(mean, std, average_clips, max_testing_views)
        self.backbone = backbone
        self.cls_head = TSNHead(backbone.num_features, num_classes, dropout, init_std)
        if channels_last:
            self.to(memory_format=torch.channels_last)

    def forward_features(self, views: Tensor) -> Tensor:
        """uint8 `(B, C, H, W)` -> backbone maps `(B, F, h, w)` (or vectors `(B, F)`)."""
        if _is_channels_last(self.backbone):
            # convert while still uint8: 4x cheaper than converting the normalised floats
            views = views.contiguous(memory_format=torch.channels_last)
        return self.backbone(self.normalize(views))

    def forward_head(self, features: Tensor, num_views: int, pre_logits: bool = False) -> Tensor:
        """Pool each view, average all views of a video (the segment consensus), classify: `(N, 1, K)`."""
        out = self.cls_head(features, num_views=num_views, pre_logits=pre_logits)
        return out.float().unsqueeze(1)

    def adapt_state_dict(self, state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
        """MMAction2 (1.x/0.x), torchvision, timm or MMClassification keys -> this model's names."""
        return checkpoint_filter_fn(state_dict, self)


def _first_conv(backbone: nn.Module) -> nn.Conv2d | None:
    return next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)


def _is_channels_last(backbone: nn.Module) -> bool:
    conv = _first_conv(backbone)
    return (
        conv is not None
        and conv.weight.is_contiguous(memory_format=torch.channels_last)
        and not (conv.weight.is_contiguous())
    )


def _input_channels(backbone: nn.Module) -> int:
    conv = _first_conv(backbone)
    return conv.in_channels if conv is not None else 3


# -- named constructors: (num_classes, pretrained, **kwargs), construct then load ---------------------

_TSN_ARGS = ("mean", "std", "dropout", "init_std", "average_clips", "max_testing_views", "channels_last")


def _create_tsn(backbone_cls, fixed: dict, num_classes: int, pretrained, default, kwargs: dict) -> TSN:
    """TSN around `backbone_cls(**fixed, **backbone kwargs)`, then the pretrained weights, if asked for.

    `default` is what `pretrained=True` loads: a URL, or a function returning a URL or a state dict.
    """
    tsn_kwargs = {k: kwargs.pop(k) for k in _TSN_ARGS if k in kwargs}
    model = TSN(backbone_cls(**fixed, **kwargs), num_classes=num_classes, **tsn_kwargs)
    if pretrained is True and callable(default):
        default = default()
        if isinstance(default, Mapping):  # weights a library handed over in memory
            load_checkpoint(model, default, strict=False)  # an initialisation: the head stays new
            return model
    if pretrained:
        load_pretrained(model, pretrained, default=default)
    return model


def _torchvision_v1(arch: str):
    """torchvision's original ImageNet weights (MMAction2's `torchvision://<arch>`), looked up when needed."""

    def url() -> str:
        import torchvision.models

        return torchvision.models.get_model_weights(arch).IMAGENET1K_V1.url

    return url


def _resnet_tsn(depth: int, num_classes: int, pretrained, kwargs: dict) -> TSN:
    return _create_tsn(ResNet, {"depth": depth}, num_classes, pretrained, _torchvision_v1(f"resnet{depth}"), kwargs)


@register_model(accepts=(TSN, ResNet))
def tsn_r18(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """TSN with ResNet-18; kwargs: TSN's (mean, dropout, ...) and ResNet's (in_channels, norm_eval, ...)."""
    return _resnet_tsn(18, num_classes, pretrained, kwargs)


@register_model(accepts=(TSN, ResNet))
def tsn_r34(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """TSN with ResNet-34."""
    return _resnet_tsn(34, num_classes, pretrained, kwargs)


@register_model(accepts=(TSN, ResNet))
def tsn_r50(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """The zoo's default: TSN ResNet-50 (24.3 M parameters, 4.1 G multiply-adds per 224 view)."""
    return _resnet_tsn(50, num_classes, pretrained, kwargs)


@register_model(accepts=(TSN, ResNet))
def tsn_r101(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """TSN with ResNet-101."""
    return _resnet_tsn(101, num_classes, pretrained, kwargs)


@register_model(accepts=(TSN, ResNet))
def tsn_r152(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """TSN with ResNet-152."""
    return _resnet_tsn(152, num_classes, pretrained, kwargs)


MMCLS_RESNEXT101_32X4D = "https://download.openmmlab.com/mmclassification/v0/resnext/resnext101_32x4d_batch256_imagenet_20200708-87f2d1c9.pth"


@register_model(accepts=(TSN, ResNet))
def tsn_resnext101_32x4d(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """The custom-backbone row: MMClassification's ResNeXt-101 32x4d (pretrained=True: its ImageNet weights)."""
    fixed = {"depth": 101, "groups": 32, "width_per_group": 4}
    return _create_tsn(ResNeXt, fixed, num_classes, pretrained, MMCLS_RESNEXT101_32X4D, kwargs)


@register_model(accepts=(TSN, ThirdPartyBackbone))
def tsn_torchvision(arch: str = "densenet161", num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> TSN:
    """Any torchvision classification model by name (e.g. 'densenet161'); pretrained=True: its DEFAULT weights."""
    fixed = {"name": arch, "source": "torchvision"}
    default = lambda: library_weights("torchvision", arch)  # noqa: E731
    return _create_tsn(ThirdPartyBackbone, fixed, num_classes, pretrained, default, kwargs)


@register_model(accepts=(TSN, ThirdPartyBackbone))
def tsn_timm(
    arch: str = "swin_base_patch4_window7_224", num_classes: int = 400, pretrained: bool | str = False, **kwargs
) -> TSN:
    """Any timm model by name (e.g. 'swin_base_patch4_window7_224'); pretrained=True: timm's weights for it."""
    fixed = {"name": arch, "source": "timm"}
    default = lambda: library_weights("timm", arch)  # noqa: E731
    return _create_tsn(ThirdPartyBackbone, fixed, num_classes, pretrained, default, kwargs)


# -- foreign checkpoint layouts -> this model's names (pure functions) -----------------------------
# actionrec's TSN keys are `backbone.<torchvision ResNet names>` (or `backbone.model.<library names>`
# for torchvision/timm backbones) and `cls_head.fc_cls.{weight,bias}`.

# MMAction2 wraps each conv+BN pair in a ConvModule (`convX.conv`, `convX.bn`, `downsample.conv/bn`);
# torchvision (and actionrec) name them `convX` + `bnX` and `downsample.0/1`.
_MMACTION_RESNET_RULES = [
    (re.compile(r"^backbone\.conv1\.conv\."), r"backbone.conv1."),
    (re.compile(r"^backbone\.conv1\.bn\."), r"backbone.bn1."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.conv(\d)\.conv\."), r"\1.conv\2."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.conv(\d)\.bn\."), r"\1.bn\2."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.downsample\.conv\."), r"\1.downsample.0."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.downsample\.bn\."), r"\1.downsample.1."),
]


def mmaction_resnet_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMAction2 1.x / 0.x TSN with its own `ResNet` backbone -> actionrec names.

    `backbone.conv1.conv.weight` -> `backbone.conv1.weight`, `backbone.conv1.bn.*` -> `backbone.bn1.*`,
    `...convK.conv.*` -> `...convK.*`, `...convK.bn.*` -> `...bnK.*`,
    `...downsample.conv/bn.*` -> `...downsample.0/1.*`; `cls_head.fc_cls.*` is already ours.
    """
    out = {}
    for key, value in state_dict.items():
        for pattern, replacement in _MMACTION_RESNET_RULES:
            key, hits = pattern.subn(replacement, key)
            if hits:
                break
        out[key] = value
    return out


def torchvision_resnet_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """torchvision ImageNet ResNet/ResNeXt (`conv1.weight`, ..., `fc.*`) -> backbone keys only."""
    return {f"backbone.{k}": v for k, v in state_dict.items() if not k.startswith("fc.")}


def mmcls_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMClassification ImageNet checkpoint (`backbone.*` in torchvision names + `head.fc.*`) ->
    backbone keys only (the ImageNet head is not the action head)."""
    return {k: v for k, v in state_dict.items() if k.startswith("backbone.")}


def mmaction_third_party_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMAction2 TSN with a 'torchvision.<name>' / 'timm.<name>' backbone: the library model *is*
    MMAction2's `backbone`, ours wraps it as `backbone.model`."""
    return {
        ("backbone.model." + k.removeprefix("backbone.")) if k.startswith("backbone.") else k: v
        for k, v in state_dict.items()
    }


def library_backbone_to_actionrec(state_dict: Mapping[str, Tensor], own_keys: set[str]) -> StateDict:
    """Plain torchvision / timm ImageNet weights of the backbone model -> `backbone.model.*`.

    Keys the backbone does not have (the ImageNet classifier, which the backbone replaced by an
    identity) are dropped.
    """
    mapped = {f"backbone.model.{k}": v for k, v in state_dict.items()}
    return {k: v for k, v in mapped.items() if k in own_keys}


def tsn_layout(keys: set[str], third_party: bool) -> str:
    """Which layout a TSN-family state dict is in: 'actionrec', 'mmaction', 'torchvision' / 'library'
    (plain ImageNet backbone weights), or 'mmcls' (MMClassification ImageNet checkpoint)."""
    if third_party:
        if any(k.startswith("backbone.model.") for k in keys):
            return "actionrec"
        if any(k.startswith("backbone.") for k in keys):
            return "mmaction"
        return "library"
    if any(k.startswith("backbone.") and k.endswith((".conv.weight", ".bn.weight")) for k in keys):
        return "mmaction"
    if "conv1.weight" in keys:
        return "torchvision"
    if any(k.startswith("head.") for k in keys) and any(k.startswith("backbone.") for k in keys):
        return "mmcls"
    return "actionrec"


def checkpoint_filter_fn(state_dict: Mapping[str, Tensor], model: TSN) -> StateDict:
    """Any known TSN / backbone layout -> `model.state_dict()` names (see `tsn_layout`)."""
    third_party = isinstance(model.backbone, ThirdPartyBackbone)
    layout = tsn_layout(set(state_dict), third_party)
    if layout == "mmaction":
        return (mmaction_third_party_to_actionrec if third_party else mmaction_resnet_to_actionrec)(state_dict)
    if layout == "torchvision":
        return torchvision_resnet_to_actionrec(state_dict)
    if layout == "mmcls":
        return mmcls_to_actionrec(state_dict)
    if layout == "library":
        return library_backbone_to_actionrec(state_dict, set(model.state_dict()))
    return dict(state_dict)
