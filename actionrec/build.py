"""`build_model`: a model from any description a user has — one road, through `create_model`.

Accepted: a registered name ('tsn_r50'); a model spec `{'name': 'tsn_r50', **kwargs}`; an
actionrec or MMAction2 config file (Python read as data, never executed; or YAML/JSON), or a
packaged config's name ('tsn_r50_1x1x3_100e_kinetics400_rgb', see `actionrec config list`); a
whole config dict; an MMAction2 `model` dict. Every form becomes a model spec first (MMAction2's
dialect is translated by `actionrec.config.mmaction_model`), then `create_model(**spec)` builds it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from torch import nn

from actionrec.config import CONFIG_SUFFIXES, packaged_configs, resolve_config
from actionrec.config.loader import ConfigError, Unresolved, read_config_file
from actionrec.config.mmaction_model import is_mmaction_model, translate_model
from actionrec.download import DownloadError
from actionrec.models.registry import UnknownModelError, create_model, list_models


def model_spec(cfg: str | Path | dict, where: str = "model") -> dict[str, Any]:
    """Any accepted description -> `{'name': ..., **kwargs}` (nothing built yet)."""
    if isinstance(cfg, (str, Path)):
        text = str(cfg)
        is_file = text.endswith(CONFIG_SUFFIXES) or Path(cfg).is_file() or len(Path(cfg).parts) > 1
        if not is_file and text in list_models():
            return {"name": text}
        if not is_file and text not in packaged_configs():
            close = difflib.get_close_matches(text, [*list_models(), *packaged_configs()], n=5, cutoff=0.6)
            hint = f"; close names: {', '.join(close)}" if close else ""
            raise UnknownModelError(
                f"{text!r} is not a registered model (actionrec.list_models()), a config file, nor a packaged "
                f"config (`actionrec config list`){hint}"
            )
        path = resolve_config(cfg)
        config = read_config_file(path, lenient=True)
        if "model" not in config:
            raise ConfigError(f"{path}: no `model = dict(...)` in the config")
        if isinstance(config["model"], Unresolved):
            raise config["model"].error
        return model_spec_from_config(config, f"{path}: model")
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
    try:
        return create_model(**spec)
    except DownloadError as e:
        if not spec.get("pretrained"):
            raise
        # the file was the model's initialisation: say how to do without it (one line, as every DownloadError)
        raise DownloadError(
            f"{e} This file is the model's initialisation (pretrained={spec['pretrained']!r}); to start "
            "without it, pass --cfg-options model.pretrained=False"
        ) from e
