"""`build_model`: a model from any description a user has — one road, through `create_model`.

Accepted: a registered name ('tsn_r50'); a model spec `{'name': 'tsn_r50', **kwargs}`; an
actionrec or MMAction2 config file (Python read as data, never executed; or YAML/JSON); a whole
config dict; an MMAction2 `model` dict. Every form becomes a model spec first (MMAction2's
dialect is translated by `actionrec.config.mmaction_model`), then `create_model(**spec)` builds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from actionrec.config.loader import ConfigError, Unresolved, read_config_file
from actionrec.config.mmaction_model import is_mmaction_model, translate_model
from actionrec.models.registry import create_model


def model_spec(cfg: str | Path | dict, where: str = "model") -> dict[str, Any]:
    """Any accepted description -> `{'name': ..., **kwargs}` (nothing built yet)."""
    if isinstance(cfg, (str, Path)):
        if str(cfg).endswith((".py", ".yaml", ".yml", ".json")) or Path(cfg).is_file():
            config = read_config_file(cfg, lenient=True)
            if "model" not in config:
                raise ConfigError(f"{cfg}: no `model = dict(...)` in the config")
            if isinstance(config["model"], Unresolved):
                raise config["model"].error
            return model_spec_from_config(config, f"{cfg}: model")
        return {"name": str(cfg)}
    if not isinstance(cfg, dict):
        raise TypeError(f"build_model expects a name, a config path or a dict, got {type(cfg).__name__}")
    if "model" in cfg and isinstance(cfg["model"], dict):  # a whole config as a dict
        return model_spec_from_config(cfg, where)
    if is_mmaction_model(cfg):
        return translate_model(cfg, where=where)
    if "name" in cfg:
        return dict(cfg)
    raise ConfigError(f"{where}: a model needs 'name' (a registered model) or 'backbone' (an MMAction2 model dict)")


def model_spec_from_config(config: dict, where: str = "model") -> dict[str, Any]:
    """The `model` section of a whole config, translated if it is in MMAction2's dialect."""
    model = config["model"]
    return translate_model(model, config, where) if is_mmaction_model(model) else dict(model)


def build_model(cfg: str | Path | dict, *, pretrained: bool = False) -> nn.Module:
    """Build a recognizer from a name, a model spec, a config file/dict, or an MMAction2 model dict.

    A config's `pretrained` states how training initialises the model (ImageNet / CLIP weights);
    it is applied only with `pretrained=True` (as `actionrec train` does): for inference a full
    checkpoint is loaded on top, so nothing is fetched by default.
    """
    spec = model_spec(cfg)
    if not pretrained:
        spec.pop("pretrained", None)
    return create_model(**spec)
