"""Configs: readable files (Python read as data, or YAML) -> a validated, typed `Config`.

load_config(path, overrides)  file + `_base_` chain + `--cfg-options` -> Config
loader.py                     reading, `_base_` merging, overrides
schema.py                     the dataclasses and the key checking
mmaction_import.py            MMAction2 1.x / 0.x config dicts -> this schema
mmaction_model.py             MMAction2 `model` dicts -> {'name': ..., **kwargs} (the model language)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from .loader import ConfigError, apply_overrides, drop_private, read_config_file
from .mmaction_import import convert_mmaction, is_mmaction_config
from .mmaction_model import is_mmaction_model, translate_model
from .schema import (
    Config,
    DataConfig,
    OptimizerConfig,
    ScheduleConfig,
    SplitConfig,
    TestConfig,
    TrainConfig,
)

log = logging.getLogger(__name__)

__all__ = [
    "Config",
    "ConfigError",
    "DataConfig",
    "OptimizerConfig",
    "ScheduleConfig",
    "SplitConfig",
    "TestConfig",
    "TrainConfig",
    "load_config",
    "load_config_dict",
]


def load_config_dict(path: str | Path, overrides: Iterable[str] = ()) -> tuple[dict, list[str]]:
    """The resolved config as a plain dict in actionrec's schema, plus what an import ignored."""
    raw = drop_private(read_config_file(path))
    ignored: list[str] = []
    if is_mmaction_config(raw):
        raw, ignored = convert_mmaction(raw, str(path))
    elif is_mmaction_model(raw.get("model")):  # an actionrec config still in MMAction2's model dialect
        raw["model"] = translate_model(raw["model"], raw, f"{path}: model")
    raw = apply_overrides(raw, overrides)
    if raw.get("work_dir") is None:
        raw["work_dir"] = str(Path("work_dirs") / Path(path).stem)
    return raw, ignored


def load_config(path: str | Path, overrides: Iterable[str] = ()) -> Config:
    """Read, merge, import if MMAction2-style, override and validate a config file."""
    raw, ignored = load_config_dict(path, overrides)
    for item in ignored:
        log.warning("%s: ignored %s", path, item)
    return Config.from_dict(raw, str(path))
