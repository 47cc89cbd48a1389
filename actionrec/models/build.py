"""`build_model`: one entry point for registered names, kwargs dicts and MMAction2 configs.

MMAction2 config files are Python, but they are read here without running them: the file is
parsed with `ast` and only literal-like expressions are evaluated (literals, `dict(...)`,
names assigned earlier in the same file, arithmetic and f-strings). `_base_` files are merged
the way mmengine merges them (nested dicts merge, `_delete_=True` replaces, others override).
"""

from __future__ import annotations

import ast
import operator
from pathlib import Path
from typing import Any

from torch import nn

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
            config = read_mmaction_config(cfg)
            if "model" not in config:
                raise ValueError(f"{cfg}: no `model = dict(...)` in the config")
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
    model_cfg = _strip_delete(model_cfg)
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


def _strip_delete(value: Any) -> Any:
    """Deep copy without mmengine's `_delete_` markers."""
    if isinstance(value, dict):
        return {k: _strip_delete(v) for k, v in value.items() if k != "_delete_"}
    if isinstance(value, list):
        return [_strip_delete(v) for v in value]
    return value


# -- safe reading of MMAction2 config files --------------------------------------------------------

class ConfigError(ValueError):
    """A config file that cannot be read without executing it."""


class _Unresolved:
    """A variable whose expression could not be evaluated; an error only if something uses it."""

    def __init__(self, error: ConfigError):
        self.error = error


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def read_mmaction_config(path: str | Path) -> dict[str, Any]:
    """Top-level variables of an MMAction2 config file, merged over its `_base_` files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    tree = ast.parse(path.read_text(), filename=str(path))
    variables: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.With) or (isinstance(node, ast.ImportFrom) and node.module == "mmengine.config"):
            raise ConfigError(f"{path}:{node.lineno}: new-style (read_base/import) configs are not supported; "
                              "use a classic config with `_base_ = [...]`")
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                variables[name] = _evaluate(node.value, variables, path)
            except ConfigError as e:
                variables[name] = _Unresolved(e)
    bases = variables.pop("_base_", [])
    if isinstance(bases, _Unresolved):
        raise bases.error
    merged: dict[str, Any] = {}
    for base in [bases] if isinstance(bases, str) else bases:
        base_path = (path.parent / base).resolve()
        if not base_path.is_file():
            raise FileNotFoundError(f"{path}: _base_ file {base!r} not found (looked at {base_path})")
        merged = _merge(merged, read_mmaction_config(base_path))
    merged = _merge(merged, variables)
    if isinstance(merged.get("model"), _Unresolved):
        raise merged["model"].error
    return merged


def _merge(base: dict, child: dict) -> dict:
    """mmengine's rule: nested dicts merge key by key unless the child says `_delete_=True`."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not value.get("_delete_"):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _evaluate(node: ast.AST, variables: dict[str, Any], path: Path) -> Any:
    def fail(what: str) -> ConfigError:
        return ConfigError(f"{path}:{getattr(node, 'lineno', '?')}: {what} cannot be read without running the file")

    ev = lambda n: _evaluate(n, variables, path)  # noqa: E731
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [ev(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(ev(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                out.update(ev(v))
            else:
                out[ev(k)] = ev(v)
        return out
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        out = {}
        for kw in node.keywords:
            if kw.arg is None:
                out.update(ev(kw.value))
            else:
                out[kw.arg] = ev(kw.value)
        return out
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise fail(f"name {node.id!r} (not assigned earlier in this file)")
        value = variables[node.id]
        if isinstance(value, _Unresolved):
            raise value.error
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = ev(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(ev(v)) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = ev(node.format_spec) if node.format_spec is not None else ""
        return format(ev(node.value), spec)
    if isinstance(node, ast.Set):
        raise fail("a `{{_base_.x}}` reference or set literal")
    raise fail(f"a {type(node).__name__} expression")
