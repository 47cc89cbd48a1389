"""`build_model`: one entry point for registered names, kwargs dicts and MMAction2 configs.

MMAction2 config files are Python, but they are never run: `actionrec.config.loader` reads
them as data (literals, `dict(...)`, earlier names, arithmetic; `_base_` merged as mmengine
does), leniently, since only the `model` variable has to be readable here.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from actionrec.config.loader import Unresolved, read_config_file, strip_delete_markers
from actionrec.models.registry import create_model, mmaction_converter

IMAGENET_NORM = {"mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]}


def build_model(cfg: str | dict, *, pretrained: bool = False) -> nn.Module:
    """Build a recognizer from
    - a registered model name ('tsn_r50'), or a dict {'name': 'tsn_r50', **kwargs};
    - an MMAction2 config file (.py) or its `model` dict (1.x, or 0.x with `test_cfg`).

    `pretrained=True` initialises the backbone from the ImageNet weights an MMAction2 config
    names (as MMAction2 does before training); by default they are not fetched, since a full
    checkpoint is loaded on top for inference anyway.
    """
    if isinstance(cfg, (str, Path)):
        if str(cfg).endswith(".py") or Path(cfg).is_file():
            config = read_config_file(cfg, lenient=True)
            if "model" not in config:
                raise ValueError(f"{cfg}: no `model = dict(...)` in the config")
            if isinstance(config["model"], Unresolved):
                raise config["model"].error
            return model_from_mmaction(_with_0x_norm(config["model"], config), pretrained=pretrained)
        return create_model(str(cfg))
    if not isinstance(cfg, dict):
        raise TypeError(f"build_model expects a name, a config path or a dict, got {type(cfg).__name__}")
    if "name" in cfg:
        kwargs = dict(cfg)
        return create_model(kwargs.pop("name"), **kwargs)
    if "model" in cfg and isinstance(cfg["model"], dict):  # a whole config as a dict
        return model_from_mmaction(_with_0x_norm(cfg["model"], cfg), pretrained=pretrained)
    if "backbone" in cfg:
        return model_from_mmaction(cfg, pretrained=pretrained)
    raise ValueError("build_model: a dict needs 'name' (actionrec kwargs) or 'backbone' (an MMAction2 model dict)")


def model_from_mmaction(model_cfg: dict, *, pretrained: bool = False) -> nn.Module:
    """An MMAction2 `model` dict -> the actionrec recognizer, via the converter its backbone type registered."""
    backbone = model_cfg.get("backbone")
    if not isinstance(backbone, dict) or not isinstance(backbone.get("type"), str):
        raise ValueError(f"model.backbone.type: expected a string type, got {backbone!r}")
    model_cfg = strip_delete_markers(model_cfg)
    if not pretrained:
        model_cfg["backbone"] = _without_pretrained(model_cfg["backbone"])
    return mmaction_converter(_converter_key(backbone["type"]))(model_cfg)


def _converter_key(backbone_type: str) -> str:
    """'torchvision.densenet161' -> 'torchvision.*' (one converter per library)."""
    for library in ("torchvision.", "timm."):
        if backbone_type.startswith(library):
            return library + "*"
    return backbone_type


def _without_pretrained(backbone: dict) -> dict:
    backbone = {k: v for k, v in backbone.items() if k != "init_cfg"}
    if "pretrained" in backbone:
        backbone["pretrained"] = False if isinstance(backbone["pretrained"], bool) else None
    return backbone


def _with_0x_norm(model_cfg: dict, config: dict) -> dict:
    """0.x configs normalise in the pipeline (`img_norm_cfg`); 1.x in `model.data_preprocessor`."""
    if model_cfg.get("data_preprocessor") is not None:
        return model_cfg
    norm = config.get("img_norm_cfg")
    if not isinstance(norm, dict):
        return model_cfg
    if norm.get("to_bgr"):
        raise ValueError("img_norm_cfg.to_bgr=True is not supported: actionrec feeds RGB frames")
    in_channels = model_cfg.get("backbone", {}).get("in_channels", len(norm["mean"]))
    repeat = max(1, in_channels // len(norm["mean"]))  # flow: one (x, y) norm per stacked pair
    model_cfg = dict(model_cfg)
    model_cfg["data_preprocessor"] = {"mean": list(norm["mean"]) * repeat, "std": list(norm["std"]) * repeat}
    return model_cfg
