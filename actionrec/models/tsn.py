"""TSN: a 2D backbone on every view, features averaged over views, one linear classifier.

    model = create_model('tsn_r50', num_classes=400)    # or build_model(mmaction2_config)
    model.eval()
    scores = model.predict(uint8_views)                   # (N, V, 3, H, W) -> (N, 400)
    scores = model.predict(uint8_views, amp='bf16')       # bf16 autocast, same top-1
    model.to(memory_format=torch.contiguous_format)       # opt out of the default NHWC layout

Test-time semantics are MMAction2's `Recognizer2D` + `TSNHead`: pooled features of all V views
(segments x crops) are averaged *before* the linear layer, so one row of scores per video
reaches `average_clips` ('prob' is then just a softmax).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from actionrec.models.base import BaseRecognizer
from actionrec.models.heads import TSNHead
from actionrec.models.registry import register_mmaction_backbone, register_model
from actionrec.models.resnet import ResNet
from actionrec.models.resnext import ResNeXt
from actionrec.models.third_party import ThirdPartyBackbone

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

    def extract_features(self, x: Tensor) -> Tensor:
        """Float `(B, C, H, W)` -> backbone output, in chunks of `max_testing_views` at test time."""
        chunk = self.max_testing_views
        if self.training or not chunk or x.shape[0] <= chunk:
            return self.backbone(x)
        return torch.cat([self.backbone(part) for part in x.split(chunk)])

    def forward_views(self, x: Tensor) -> Tensor:
        """uint8 `(N, V, C, H, W)` -> logits `(N, 1, K)` (views fused by the segment consensus)."""
        n, v = x.shape[:2]
        x = x.flatten(0, 1)
        if self.backbone_is_channels_last():
            # convert while still uint8: 4x cheaper than converting the normalised floats
            x = x.contiguous(memory_format=torch.channels_last)
        features = self.extract_features(self.normalize(x))
        logits = self.cls_head(features, num_views=v)
        return logits.float().view(n, 1, -1)

    def backbone_is_channels_last(self) -> bool:
        first_conv = next((m for m in self.backbone.modules() if isinstance(m, nn.Conv2d)), None)
        return (
            first_conv is not None
            and first_conv.weight.is_contiguous(memory_format=torch.channels_last)
            and not first_conv.weight.is_contiguous()
        )

    def adapt_state_dict(self, state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
        """MMAction2 (1.x/0.x), torchvision, timm or MMClassification keys -> this model's names."""
        from actionrec.checkpoints.tsn import to_actionrec_tsn

        return to_actionrec_tsn(self, state_dict)


def _input_channels(backbone: nn.Module) -> int:
    first_conv = next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)
    return first_conv.in_channels if first_conv is not None else 3


# -- named constructors ----------------------------------------------------------------------------

_TSN_KWARGS = (
    "num_classes",
    "mean",
    "std",
    "dropout",
    "init_std",
    "average_clips",
    "max_testing_views",
    "channels_last",
)


def _split(kwargs: dict) -> tuple[dict, dict]:
    """Separate the recognizer's own keyword arguments from the backbone's."""
    tsn = {k: kwargs.pop(k) for k in _TSN_KWARGS if k in kwargs}
    return tsn, kwargs


def _resnet_tsn(depth: int, **kwargs) -> TSN:
    tsn_kwargs, backbone_kwargs = _split(kwargs)
    return TSN(ResNet(depth=depth, **backbone_kwargs), **tsn_kwargs)


@register_model
def tsn_r18(**kwargs) -> TSN:
    """TSN with ResNet-18; kwargs: TSN's (num_classes, mean, ...) and ResNet's (in_channels, ...)."""
    return _resnet_tsn(18, **kwargs)


@register_model
def tsn_r34(**kwargs) -> TSN:
    return _resnet_tsn(34, **kwargs)


@register_model
def tsn_r50(**kwargs) -> TSN:
    """The zoo's default: TSN ResNet-50 (24.3 M parameters, 4.1 G multiply-adds per 224 view)."""
    return _resnet_tsn(50, **kwargs)


@register_model
def tsn_r101(**kwargs) -> TSN:
    return _resnet_tsn(101, **kwargs)


@register_model
def tsn_r152(**kwargs) -> TSN:
    return _resnet_tsn(152, **kwargs)


@register_model
def tsn_resnext101_32x4d(**kwargs) -> TSN:
    """The custom-backbone row: MMClassification's ResNeXt-101 32x4d."""
    tsn_kwargs, backbone_kwargs = _split(kwargs)
    return TSN(ResNeXt(depth=101, groups=32, width_per_group=4, **backbone_kwargs), **tsn_kwargs)


@register_model
def tsn_torchvision(arch: str = "densenet161", **kwargs) -> TSN:
    """Any torchvision classification model by name (e.g. 'densenet161') as the backbone."""
    tsn_kwargs, backbone_kwargs = _split(kwargs)
    return TSN(ThirdPartyBackbone(arch, source="torchvision", **backbone_kwargs), **tsn_kwargs)


@register_model
def tsn_timm(arch: str = "swin_base_patch4_window7_224", **kwargs) -> TSN:
    """Any timm model by name (e.g. 'swin_base_patch4_window7_224', 'resnet50.fb_swsl_ig1b_ft_in1k')."""
    tsn_kwargs, backbone_kwargs = _split(kwargs)
    return TSN(ThirdPartyBackbone(arch, source="timm", **backbone_kwargs), **tsn_kwargs)


# -- MMAction2 `model` dicts -----------------------------------------------------------------------


def _tsn_kwargs_from_mmaction(model_cfg: dict) -> dict:
    """The recognizer-level settings of an MMAction2 Recognizer2D + TSNHead model dict."""
    if model_cfg.get("type", "Recognizer2D") != "Recognizer2D":
        raise ValueError(f"model.type: TSN needs 'Recognizer2D', got {model_cfg.get('type')!r}")
    head = dict(model_cfg.get("cls_head") or {})
    if head.get("type") != "TSNHead":
        raise ValueError(f"model.cls_head.type: expected 'TSNHead', got {head.get('type')!r}")
    if head.get("spatial_type", "avg") != "avg":
        raise ValueError(f"model.cls_head.spatial_type: only 'avg' is supported, got {head['spatial_type']!r}")
    consensus = head.get("consensus") or {"type": "AvgConsensus"}
    if consensus.get("type") != "AvgConsensus":
        raise ValueError(f"model.cls_head.consensus: only AvgConsensus is supported, got {consensus!r}")
    test_cfg = model_cfg.get("test_cfg") or {}
    if test_cfg.get("fcn_test"):
        raise ValueError("model.test_cfg.fcn_test: fully-convolutional testing is not supported for TSN")
    # 1.x keeps average_clips in the head, 0.x in test_cfg; both default to None (raw scores)
    average_clips = head.get("average_clips", test_cfg.get("average_clips"))
    pre = model_cfg.get("data_preprocessor") or {}
    if pre.get("to_rgb") or pre.get("to_bgr"):
        raise ValueError("model.data_preprocessor: channel swapping is not supported; feed RGB frames")
    if pre.get("format_shape", "NCHW") != "NCHW":
        raise ValueError(f"model.data_preprocessor.format_shape: TSN needs 'NCHW', got {pre['format_shape']!r}")
    kwargs = {
        "num_classes": head["num_classes"],
        "dropout": head.get("dropout_ratio", 0.4),
        "init_std": head.get("init_std", 0.01),
        "average_clips": average_clips,
        "max_testing_views": test_cfg.get("max_testing_views") or None,
    }
    if pre.get("mean") is not None:
        kwargs["mean"], kwargs["std"] = list(pre["mean"]), list(pre["std"])
    return kwargs


def _check_head_width(model: TSN, model_cfg: dict) -> TSN:
    declared = model_cfg["cls_head"].get("in_channels")
    if declared is not None and declared != model.backbone.num_features:
        raise ValueError(
            f"model.cls_head.in_channels is {declared} but the backbone gives {model.backbone.num_features} features"
        )
    return model


_RESNET_ACCEPTED = {
    "depth",
    "in_channels",
    "frozen_stages",
    "norm_eval",
    "partial_bn",
    "with_cp",
    "pretrained",
    "groups",
    "width_per_group",
}
# settings that must keep MMAction2's defaults (others are not implemented)
_RESNET_DEFAULTS = {
    "num_stages": 4,
    "out_indices": (3,),
    "strides": (1, 2, 2, 2),
    "dilations": (1, 1, 1, 1),
    "style": "pytorch",
    "conv_cfg": {"type": "Conv"},
    "act_cfg": {"type": "ReLU", "inplace": True},
    "deep_stem": False,
    "avg_down": False,
    "stem_channels": 64,
    "base_channels": 64,
    "conv1_kernel": 7,
}


def _resnet_kwargs(backbone: dict) -> dict:
    kwargs = {}
    for key, value in backbone.items():
        if key in ("type", "init_cfg", "torchvision_pretrain", "zero_init_residual"):
            continue  # initialisation only, or handled by the converters
        if key in _RESNET_ACCEPTED:
            kwargs[key] = value
        elif key == "norm_cfg":
            if value.get("type") not in ("BN", "BN2d") or not value.get("requires_grad", True):
                raise ValueError(f"model.backbone.norm_cfg: only trainable BN is supported, got {value!r}")
        elif key in _RESNET_DEFAULTS:
            default = _RESNET_DEFAULTS[key]
            if _as_tuple(value) != _as_tuple(default):
                raise ValueError(f"model.backbone.{key}={value!r} is not supported (only {default!r})")
        else:
            raise ValueError(f"model.backbone.{key}: unknown ResNet option (type {backbone.get('type')!r})")
    if kwargs.get("pretrained") is not None and not isinstance(kwargs["pretrained"], (str, bool)):
        raise ValueError(f"model.backbone.pretrained: expected a path/URL, got {kwargs['pretrained']!r}")
    return kwargs


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@register_mmaction_backbone("ResNet")
@register_mmaction_backbone("mmcls.ResNet")
@register_mmaction_backbone("mmpretrain.ResNet")
def tsn_from_mmaction_resnet(model_cfg: dict) -> TSN:
    """MMAction2 TSN with a ResNet backbone (its own or MMClassification's; same computation)."""
    backbone = dict(model_cfg["backbone"])
    if backbone.get("torchvision_pretrain") is False and backbone.get("pretrained"):
        raise ValueError(
            "model.backbone.pretrained with torchvision_pretrain=False (an MMAction2-layout "
            "backbone file) is not supported here; load it with actionrec.load_checkpoint"
        )
    model = TSN(ResNet(**_resnet_kwargs(backbone)), **_tsn_kwargs_from_mmaction(model_cfg))
    return _check_head_width(model, model_cfg)


@register_mmaction_backbone("ResNeXt")
@register_mmaction_backbone("mmcls.ResNeXt")
@register_mmaction_backbone("mmpretrain.ResNeXt")
def tsn_from_mmaction_resnext(model_cfg: dict) -> TSN:
    """MMAction2 TSN with MMClassification's ResNeXt (the `custom_backbones` rn101-32x4d row)."""
    backbone = dict(model_cfg["backbone"])
    init = backbone.get("init_cfg") or {}
    if init.get("type") == "Pretrained":
        warnings.warn(
            f"model.backbone.init_cfg: MMClassification weights {init.get('checkpoint')} are not "
            "fetched here; load them with actionrec.load_checkpoint(model, path)",
            stacklevel=2,
        )
    kwargs = _resnet_kwargs(backbone)
    kwargs.setdefault("depth", 101)
    kwargs.setdefault("groups", 32)
    kwargs.setdefault("width_per_group", 4)
    model = TSN(ResNeXt(**kwargs), **_tsn_kwargs_from_mmaction(model_cfg))
    return _check_head_width(model, model_cfg)


@register_mmaction_backbone("torchvision.*")
@register_mmaction_backbone("timm.*")
def tsn_from_mmaction_third_party(model_cfg: dict) -> TSN:
    """MMAction2 TSN with 'torchvision.<name>' or 'timm.<name>' backbones (custom_backbones rows)."""
    backbone = dict(model_cfg["backbone"])
    source, _, name = backbone.pop("type").partition(".")
    backbone.pop("num_classes", None)  # MMAction2 forces 0 for timm; the wrapper does too
    model = TSN(ThirdPartyBackbone(name, source=source, **backbone), **_tsn_kwargs_from_mmaction(model_cfg))
    return _check_head_width(model, model_cfg)
