"""MMAction2 `model` dicts -> actionrec's model language, `{'name': <registered model>, **kwargs}`.

MMAction2 describes a model as registry strings (`type='Recognizer2D', backbone=dict(type='ResNet',
...), cls_head=dict(type='TSNHead', ...)`); actionrec names a constructor and its keyword arguments.
This module is the only place that speaks the first language: configs and `build_model` translate
here, at the boundary, and `actionrec.models` never sees an MMAction2 dict. Options MMAction2 has but
actionrec does not implement are refused by name, never dropped silently.
"""

from __future__ import annotations

import inspect
from typing import Any

from actionrec.config.loader import ConfigError, strip_delete_markers
from actionrec.models.resnet import ARCH as RESNET_ARCH
from actionrec.models.uniformerv2 import B16, CLIP_VISUAL_URLS, L14, UNIFORMERV2_MEAN, UNIFORMERV2_STD, UniFormerV2


def is_mmaction_model(model: Any) -> bool:
    """True for an MMAction2 model dict (`backbone=...` / `type=...`), False for `{'name': ...}`."""
    return isinstance(model, dict) and "name" not in model and ("backbone" in model or "type" in model)


def translate_model(model: dict, config: dict | None = None, where: str = "model") -> dict:
    """An MMAction2 `model` dict (1.x, or 0.x with `config` for its `img_norm_cfg`) -> `{'name': ..., **kwargs}`.

    `pretrained` in the result is the initialisation MMAction2 would train from (ImageNet or CLIP
    weights named by the backbone); `build_model` applies it only when asked to (training).
    """
    backbone = model.get("backbone")
    if not isinstance(backbone, dict) or not isinstance(backbone.get("type"), str):
        raise ConfigError(f"{where}.backbone.type: expected a string type, got {backbone!r}")
    model = _with_0x_norm(strip_delete_markers(model), config or {})
    kind = backbone["type"]
    if kind == "UniFormerV2":
        return _uniformerv2(model, where)
    if kind in ("ResNet", "mmcls.ResNet", "mmpretrain.ResNet", "ResNeXt", "mmcls.ResNeXt", "mmpretrain.ResNeXt"):
        return _tsn_resnet(model, where)
    if kind.startswith(("torchvision.", "timm.")):
        return _tsn_third_party(model, where)
    raise ConfigError(
        f"{where}.backbone.type: {kind!r} is not supported; known: ResNet, ResNeXt (mmcls), 'torchvision.<name>', "
        "'timm.<name>', UniFormerV2"
    )


# -- TSN -------------------------------------------------------------------------------------------------
def _tsn_head(model: dict, where: str) -> dict:
    """The recognizer-level settings of an MMAction2 Recognizer2D + TSNHead model dict."""
    if model.get("type", "Recognizer2D") != "Recognizer2D":
        raise ConfigError(f"{where}.type: TSN needs 'Recognizer2D', got {model.get('type')!r}")
    head = dict(model.get("cls_head") or {})
    if head.get("type") != "TSNHead":
        raise ConfigError(f"{where}.cls_head.type: expected 'TSNHead', got {head.get('type')!r}")
    if head.get("spatial_type", "avg") != "avg":
        raise ConfigError(f"{where}.cls_head.spatial_type: only 'avg' is supported, got {head['spatial_type']!r}")
    consensus = head.get("consensus") or {"type": "AvgConsensus"}
    if consensus.get("type") != "AvgConsensus":
        raise ConfigError(f"{where}.cls_head.consensus: only AvgConsensus is supported, got {consensus!r}")
    if "num_classes" not in head:
        raise ConfigError(f"{where}.cls_head.num_classes is missing")
    test_cfg = model.get("test_cfg") or {}
    if test_cfg.get("fcn_test"):
        raise ConfigError(f"{where}.test_cfg.fcn_test: fully-convolutional testing is not supported for TSN")
    pre = model.get("data_preprocessor") or {}
    if pre.get("to_rgb") or pre.get("to_bgr"):
        raise ConfigError(f"{where}.data_preprocessor: channel swapping is not supported; feed RGB frames")
    if pre.get("format_shape", "NCHW") != "NCHW":
        raise ConfigError(f"{where}.data_preprocessor.format_shape: TSN needs 'NCHW', got {pre['format_shape']!r}")
    kwargs = {
        "num_classes": head["num_classes"],
        "dropout": head.get("dropout_ratio", 0.4),
        "init_std": head.get("init_std", 0.01),
        # 1.x keeps average_clips in the head, 0.x in test_cfg; both default to None (raw scores)
        "average_clips": head.get("average_clips", test_cfg.get("average_clips")),
        "max_testing_views": test_cfg.get("max_testing_views") or None,
    }
    if pre.get("mean") is not None:
        kwargs["mean"], kwargs["std"] = list(pre["mean"]), list(pre["std"])
    return kwargs


_RESNET_OPTIONS = {"in_channels", "frozen_stages", "norm_eval", "partial_bn", "with_cp"}
_RESNET_INIT_ONLY = {"type", "init_cfg", "torchvision_pretrain", "zero_init_residual", "pretrained"}
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


def _tsn_resnet(model: dict, where: str) -> dict:
    """TSN with MMAction2's ResNet or MMClassification's ResNet / ResNeXt (same computation)."""
    backbone = model["backbone"]
    resnext = backbone["type"].endswith("ResNeXt")
    depth = backbone.get("depth", 101 if resnext else 50)
    kwargs = {}
    for key, value in backbone.items():
        if key in _RESNET_OPTIONS:
            kwargs[key] = value
        elif key == "norm_cfg":
            if value.get("type") not in ("BN", "BN2d") or not value.get("requires_grad", True):
                raise ConfigError(f"{where}.backbone.norm_cfg: only trainable BN is supported, got {value!r}")
        elif key in _RESNET_DEFAULTS:
            if _as_tuple(value) != _as_tuple(_RESNET_DEFAULTS[key]):
                raise ConfigError(f"{where}.backbone.{key}={value!r} is not supported (only {_RESNET_DEFAULTS[key]!r})")
        elif key not in _RESNET_INIT_ONLY | {"depth", "groups", "width_per_group"}:
            raise ConfigError(f"{where}.backbone.{key}: unknown ResNet option (type {backbone['type']!r})")
    groups, width = backbone.get("groups", 32 if resnext else 1), backbone.get("width_per_group", 4 if resnext else 64)
    if (groups, width) == (1, 64) and depth in RESNET_ARCH:
        name = f"tsn_r{depth}"
    elif (depth, groups, width) == (101, 32, 4):
        name = "tsn_resnext101_32x4d"
    else:
        raise ConfigError(
            f"{where}.backbone: no registered TSN for depth={depth}, groups={groups}, width_per_group={width} "
            "(ResNet-18/34/50/101/152 or ResNeXt-101 32x4d)"
        )
    features = 512 if depth in (18, 34) else 2048
    declared = (model.get("cls_head") or {}).get("in_channels")
    if declared is not None and declared != features:
        raise ConfigError(f"{where}.cls_head.in_channels is {declared} but the backbone gives {features} features")
    return {"name": name, **_tsn_head(model, where), **kwargs, "pretrained": _resnet_pretrained(backbone, depth, where)}


def _resnet_pretrained(backbone: dict, depth: int, where: str) -> bool | str:
    """MMAction2's backbone initialisation -> `pretrained` (True: torchvision's V1 ImageNet weights)."""
    init = backbone.get("init_cfg") or {}
    if init.get("type") == "Pretrained" and init.get("checkpoint"):
        return init["checkpoint"]  # e.g. MMClassification's ImageNet ResNeXt
    source = backbone.get("pretrained")
    if not source:
        return False
    if backbone.get("torchvision_pretrain") is False:
        raise ConfigError(
            f"{where}.backbone.pretrained with torchvision_pretrain=False (an MMAction2-layout backbone file) "
            "is not supported here; load it with actionrec.load_checkpoint"
        )
    if not isinstance(source, (str, bool)):
        raise ConfigError(f"{where}.backbone.pretrained: expected a path/URL, got {source!r}")
    if source is True or source == f"torchvision://resnet{depth}":
        return True
    if isinstance(source, str) and source.startswith("torchvision://"):
        import torchvision.models  # only for this rare spelling

        return torchvision.models.get_model_weights(source.removeprefix("torchvision://")).IMAGENET1K_V1.url
    return source


def _tsn_third_party(model: dict, where: str) -> dict:
    """MMAction2 TSN with 'torchvision.<name>' or 'timm.<name>' backbones (the custom_backbones rows)."""
    backbone = dict(model["backbone"])
    source, _, arch = backbone.pop("type").partition(".")
    backbone.pop("num_classes", None)  # MMAction2 forces 0 for timm; the wrapper does too
    backbone.pop("init_cfg", None)
    pretrained = bool(backbone.pop("pretrained", False))
    return {"name": f"tsn_{source}", "arch": arch, **_tsn_head(model, where), **backbone, "pretrained": pretrained}


# -- UniFormerV2 -----------------------------------------------------------------------------------------
_UNIFORMERV2_PARAMS = inspect.signature(UniFormerV2).parameters
_UNIFORMERV2_IGNORED = {"type", "clip_pretrained", "pretrained", "init_cfg"}
_HEAD_TYPES = {"UniFormerHead", "TimeSformerHead"}
_HEAD_IGNORED = {"type", "in_channels", "init_cfg", "channel_map", "loss_cls", "label_smooth_eps", "multi_class"}
_VARIANTS = {  # registered name -> (architecture defaults, the CLIP encoder pretrained=True loads)
    "uniformerv2_b16": (dict(B16, input_resolution=224), "ViT-B/16"),
    "uniformerv2_l14": (dict(L14, input_resolution=224), "ViT-L/14"),
    "uniformerv2_l14_336": (dict(L14, input_resolution=336), "ViT-L/14_336"),
}
_ARCH_KEYS = ("input_resolution", "patch_size", "width", "layers", "heads", "return_list", "n_dim", "n_head")


def _uniformerv2(model: dict, where: str) -> dict:
    """An MMAction2 `Recognizer3D` + `UniFormerV2` + `UniFormerHead` dict -> a uniformerv2_* spec."""
    if model.get("type", "Recognizer3D") != "Recognizer3D":
        raise ConfigError(f"{where}.type: UniFormerV2 runs in a Recognizer3D, got {model.get('type')!r}")
    backbone = dict(model["backbone"])
    unknown = set(backbone) - set(_UNIFORMERV2_PARAMS) - _UNIFORMERV2_IGNORED
    if unknown:
        raise ConfigError(f"{where}.backbone: unsupported UniFormerV2 option(s) {sorted(unknown)}")
    arch = {k: v for k, v in backbone.items() if k in _UNIFORMERV2_PARAMS}
    class_defaults = {k: p.default for k, p in _UNIFORMERV2_PARAMS.items() if p.default is not inspect.Parameter.empty}
    full = {**class_defaults, **arch}
    name, defaults, clip = "uniformerv2", dict(B16, input_resolution=224), None
    for variant, (variant_defaults, variant_clip) in _VARIANTS.items():
        if all(_as_tuple(full.get(k)) == _as_tuple(variant_defaults[k]) for k in _ARCH_KEYS):
            name, defaults, clip = variant, variant_defaults, variant_clip
            break
    base = {**class_defaults, **defaults}  # what the registered constructor uses when not told
    kwargs = {k: v for k, v in full.items() if _as_tuple(base.get(k)) != _as_tuple(v)}

    head = dict(model.get("cls_head") or {})
    if head.get("type") not in _HEAD_TYPES:
        raise ConfigError(f"{where}.cls_head.type must be one of {sorted(_HEAD_TYPES)}, got {head.get('type')!r}")
    width = full["width"]
    if head.get("in_channels", width) != width:
        raise ConfigError(f"{where}.cls_head.in_channels={head['in_channels']} but the backbone gives {width} features")
    unknown = set(head) - _HEAD_IGNORED - {"num_classes", "dropout_ratio", "average_clips", "init_std"}
    if unknown:
        raise ConfigError(f"{where}.cls_head: unsupported option(s) {sorted(unknown)}")
    if "num_classes" not in head:
        raise ConfigError(f"{where}.cls_head.num_classes is missing")
    pre = model.get("data_preprocessor") or {}
    if pre.get("format_shape", "NCTHW") != "NCTHW":
        raise ConfigError(f"{where}.data_preprocessor.format_shape must be 'NCTHW', got {pre['format_shape']!r}")
    test_cfg = model.get("test_cfg") or {}
    spec = {"name": name, "num_classes": head["num_classes"]}
    spec.update(_nondefault("dropout", head.get("dropout_ratio", 0.5), 0.5))
    spec.update(_nondefault("init_std", head.get("init_std", 0.02), 0.02))
    spec.update(_nondefault("mean", list(pre.get("mean", UNIFORMERV2_MEAN)), list(UNIFORMERV2_MEAN)))
    spec.update(_nondefault("std", list(pre.get("std", UNIFORMERV2_STD)), list(UNIFORMERV2_STD)))
    spec.update(_nondefault("average_clips", head.get("average_clips", "prob"), "prob"))
    spec.update(_nondefault("max_testing_views", test_cfg.get("max_testing_views"), None))
    spec.update(kwargs)
    spec["pretrained"] = _clip_pretrained(backbone, clip, where)
    return spec


def _clip_pretrained(backbone: dict, variant_clip: str | None, where: str) -> bool | str:
    """MMAction2's `clip_pretrained` + `pretrained='ViT-B/16'` -> True (the variant's CLIP) or its URL."""
    clip_name = backbone.get("pretrained")
    if not backbone.get("clip_pretrained", True) or not clip_name:
        return False
    if clip_name not in CLIP_VISUAL_URLS:
        raise ConfigError(
            f"{where}.backbone.pretrained: unknown CLIP encoder {clip_name!r}, known {sorted(CLIP_VISUAL_URLS)}"
        )
    return True if clip_name == variant_clip else CLIP_VISUAL_URLS[clip_name]


# -- shared ----------------------------------------------------------------------------------------------
def _nondefault(key: str, value: Any, default: Any) -> dict:
    return {} if _as_tuple(value) == _as_tuple(default) else {key: value}


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _with_0x_norm(model: dict, config: dict) -> dict:
    """0.x configs normalise in the pipeline (`img_norm_cfg`); 1.x in `model.data_preprocessor`."""
    if model.get("data_preprocessor") is not None:
        return model
    norm = config.get("img_norm_cfg")
    if not isinstance(norm, dict):
        return model
    if norm.get("to_bgr"):
        raise ConfigError("img_norm_cfg.to_bgr=True is not supported: actionrec feeds RGB frames")
    in_channels = model.get("backbone", {}).get("in_channels", len(norm["mean"]))
    repeat = max(1, in_channels // len(norm["mean"]))  # flow: one (x, y) norm per stacked pair
    return {**model, "data_preprocessor": {"mean": list(norm["mean"]) * repeat, "std": list(norm["std"]) * repeat}}
