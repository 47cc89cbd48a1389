"""Configs: readable files (Python read as data, or YAML) -> a validated, typed `Config`.

load_config(path, overrides)  file + `_base_` chain + `--cfg-options` -> Config
resolve_config(path_or_name)  a file, or a packaged config by name -> its path
packaged_configs()            the configs that ship inside the package, by name
loader.py                     reading, `_base_` merging, overrides
schema.py                     the dataclasses and the key checking
mmaction_import.py            MMAction2 1.x / 0.x config dicts -> this schema
mmaction_model.py             MMAction2 `model` dicts -> {'name': ..., **kwargs} (the model language)
"""

from __future__ import annotations

import difflib
import functools
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from actionrec.errors import ActionrecError

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
    "ConfigNotFoundError",
    "PackagedConfig",
    "config_catalog",
    "load_config",
    "load_config_dict",
    "packaged_configs",
    "resolve_config",
]

#: the configs shipped as package data (`configs/` at the repository root links here)
PACKAGED_DIR = Path(__file__).resolve().parents[1] / "configs"
CONFIG_SUFFIXES = (".py", ".yaml", ".yml", ".json")


class ConfigNotFoundError(ActionrecError, FileNotFoundError):
    """Neither a config file nor a packaged config's name; the message lists the closest names."""


@functools.cache
def packaged_configs() -> dict[str, Path]:
    """Every complete config inside the package, by file name without extension (`_base_` files are parts)."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGED_DIR.rglob("*")):
        relative = path.relative_to(PACKAGED_DIR)
        if path.suffix not in CONFIG_SUFFIXES or "_base_" in relative.parts or not path.is_file():
            continue
        if path.stem in found:  # two packaged configs may not share a name: the name must say which
            raise ConfigError(f"packaged configs {found[path.stem]} and {path} have the same name {path.stem!r}")
        found[path.stem] = path
    return found


def resolve_config(source: str | os.PathLike) -> Path:
    """A config path from what a user typed: an existing file wins, then a packaged config.

    A packaged config is found by its name (`tsn_r50_1x1x3_100e_kinetics400_rgb`, with or without
    `.py`) or by its path in the repository (`configs/recognition/tsn/....py`), so every command
    works the same from a checkout and from an installed wheel.
    """
    path = Path(source)
    if path.is_file():
        return path
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; expected a config file (.py or .yaml) or a packaged config's name")
    text = os.fspath(source)
    if path.parts[:1] == ("configs",) and (PACKAGED_DIR.joinpath(*path.parts[1:])).is_file():
        return PACKAGED_DIR.joinpath(*path.parts[1:])
    packaged = packaged_configs()
    name = path.stem if path.suffix in CONFIG_SUFFIXES else path.name
    if len(path.parts) == 1 and name in packaged:
        return packaged[name]
    close = difflib.get_close_matches(name, list(packaged), n=5, cutoff=0.6)
    hint = f"; packaged configs with close names: {', '.join(close)}" if close else ""
    raise ConfigNotFoundError(
        f"config file not found: {text} (not a file, nor a packaged config's name{hint}; "
        "`actionrec config list` shows the packaged configs)"
    )


@dataclass(frozen=True)
class PackagedConfig:
    """One row of `actionrec config list`."""

    name: str
    family: str  # the model family: tsn, uniformerv2
    model: str  # the registered model the config builds
    dataset: str  # the folder of its annotation files (kinetics400, hvu, ...)
    num_classes: int | None
    path: Path


def config_catalog() -> list[PackagedConfig]:
    """The packaged configs, each with its model family and dataset (read from the config itself)."""
    rows = []
    for name, path in packaged_configs().items():
        raw, _ = load_config_dict(path)
        model = str((raw.get("model") or {}).get("name", "?"))
        data = raw.get("data") or {}
        split = next((data[s] for s in ("test", "val", "train") if isinstance(data.get(s), dict)), {})
        annotations = split.get("ann_file") or data.get("label_map") or ""
        if isinstance(annotations, (list, tuple)):  # several lists merged (Kinetics-710)
            annotations = annotations[0] if annotations else ""
        dataset = Path(str(annotations)).parent.name or "-"
        rows.append(PackagedConfig(name, model.split("_")[0], model, dataset, data.get("num_classes"), path))
    return rows


def load_config_dict(path: str | Path, overrides: Iterable[str] = ()) -> tuple[dict, list[str]]:
    """The resolved config as a plain dict in actionrec's schema, plus what an import ignored.

    `path`: a config file, or a packaged config's name (see `resolve_config`).
    """
    path = resolve_config(path)
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
    """Read, merge, import if MMAction2-style, override and validate a config file (or a packaged name)."""
    path = resolve_config(path)
    raw, ignored = load_config_dict(path, overrides)
    for item in ignored:
        log.warning("%s: ignored %s", path, item)
    return Config.from_dict(raw, str(path))
