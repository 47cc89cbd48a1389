"""The typed config: what a training/testing run can be told, and nothing else.

`Config.from_dict` checks every key against these dataclasses, so a misspelt key fails
with its dotted path and the closest valid name instead of being silently ignored.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from actionrec.models.registry import UnknownModelError, model_args, passes_extra_kwargs

from .loader import ConfigError


@dataclass
class SplitConfig:
    """One data split: where the samples are and how each becomes model input."""

    ann_file: str | list[str]  # several lists are concatenated (e.g. Kinetics-710 = K400 + K600 + K700)
    root: str | list[str] = ""  # one root for all lists, or one per list
    kind: Literal["video", "rawframes", "json"] = "video"
    modality: Literal["RGB", "Flow"] = "RGB"
    pipeline: list[dict] = field(default_factory=list)  # MMAction2-style step dicts
    batch_size: int = 8  # per process
    num_workers: int = 2
    delimiter: str = " "
    with_offset: bool = False
    filename_tmpl: str | None = None  # None: 'img_{:05d}.jpg' for RGB, '{}_{:05d}.jpg' for flow
    backend: str = "auto"  # video decoder: auto | torchcodec | pyav | decord


@dataclass
class DataConfig:
    num_classes: int
    multi_label: bool = False
    train: SplitConfig | None = None
    val: SplitConfig | None = None
    test: SplitConfig | None = None
    label_map: str | None = None


@dataclass
class OptimizerConfig:
    type: Literal["sgd", "adamw"] = "sgd"
    lr: float = 0.01
    momentum: float = 0.9  # sgd
    nesterov: bool = False  # sgd
    betas: tuple[float, float] = (0.9, 0.999)  # adamw
    weight_decay: float = 1e-4
    zero_wd_norm_bias: bool = False  # no weight decay on norm layers and biases (UniFormerV2 recipe)
    grad_clip: float | None = None  # max L2 norm of all gradients
    base_batch_size: int | None = None  # linear scaling rule: lr * total batch / base_batch_size
    accumulate_steps: int = 1


@dataclass
class ScheduleConfig:
    epochs: int = 1
    policy: Literal["multistep", "cosine", "constant"] = "multistep"
    milestones: list[int] = field(default_factory=list)  # epochs (multistep)
    gamma: float = 0.1  # multistep
    eta_min: float = 0.0  # cosine floor (absolute)
    eta_min_ratio: float | None = None  # cosine floor as a fraction of lr (wins over eta_min)
    warmup_epochs: float = 0.0  # linear warm-up, per iteration
    warmup_start_factor: float = 0.1


@dataclass
class TrainConfig:
    val_interval: int = 1  # epochs
    checkpoint_interval: int = 1  # epochs
    latest_interval: int = 200  # iterations between mid-epoch 'latest' checkpoints (0: off)
    log_interval: int = 20  # iterations
    amp: Literal["bf16", "fp16"] | None = None
    label_smoothing: float = 0.0
    loss: Literal["ce", "bce"] = "ce"
    loss_weight: float = 1.0
    seed: int = 0
    deterministic: bool = False
    best_metric: str = "top1"  # validation metric that decides best.pth (higher is better)
    max_keep_checkpoints: int | None = None  # epoch_N.pth files kept (None: all)
    keep_resumable_epochs: bool = False  # epoch_N.pth with optimizer state too (else weights only, like best.pth)
    max_corrupt_fraction: float = 0.1  # an epoch with more unreadable samples than this stops the run
    threads: int | None = None  # torch threads per process (None: its share of the cores less one per data worker)


@dataclass
class TestConfig:
    max_testing_views: int | None = None
    metrics: list[str] = field(default_factory=lambda: ["top_k_accuracy", "mean_class_accuracy"])
    topk: list[int] = field(default_factory=lambda: [1, 5])
    average_clips: Literal["prob", "score", "none"] | None = None  # None: the model's own setting


@dataclass
class Config:
    model: dict  # {'name': <registered model>, **its keyword arguments}: checked by `_check_model`
    data: DataConfig
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    test: TestConfig = field(default_factory=TestConfig)
    work_dir: str | None = None  # None: work_dirs/<config file stem>
    load_from: str | None = None  # weights to start from (not a resume)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> Config:
        cfg = _build(cls, data, "", source)
        cfg.model = _check_model(cfg.model, source)
        head = cfg.model.get("num_classes", model_args(cfg.model["name"]).get("num_classes"))
        head = getattr(head, "default", head)
        if isinstance(head, int) and head != cfg.data.num_classes:
            raise ConfigError(
                f"{source}: model.num_classes is {head} but data.num_classes is {cfg.data.num_classes}: the classifier "
                "must have one output per class of the data (set both, e.g. --cfg-options "
                f"model.num_classes={cfg.data.num_classes})"
            )
        return cfg

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- validation ---------------------------------------------------------------------------


def _check_model(model: dict, source: str) -> dict:
    """The model section against the registry: a registered `name`, and each keyword that constructor
    takes with the type its signature declares (the same table `create_model` checks)."""
    if "name" not in model:
        raise ConfigError(f"{source}: model needs 'name' (a registered model, see `actionrec.list_models()`)")
    name = model["name"]
    try:
        params = model_args(name)
    except UnknownModelError as e:
        raise ConfigError(f"{source}: model.name: {e}") from None
    checked = {"name": name}
    for key, value in model.items():
        if key == "name":
            continue
        if key not in params:
            if passes_extra_kwargs(name):
                checked[key] = value  # handed on to timm / torchvision, which check it
                continue
            close = difflib.get_close_matches(str(key), list(params), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(params)}"
            raise ConfigError(f"{source}: unknown key 'model.{key}' for model {name!r}{hint}")
        checked[key] = _coerce(params[key].annotation, value, f"model.{key}", source)
    return checked


def _build(cls: type, data: Any, path: str, source: str) -> Any:
    where = path or "the top level"
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {where} must be a dict, got {type(data).__name__} {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(fields)}"
            raise ConfigError(f"{source}: unknown key {_join(path, key)!r}{hint}")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _coerce(hints[name], data[name], _join(path, name), source)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise ConfigError(f"{source}: missing required key {_join(path, name)!r}")
    return cls(**kwargs)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _coerce(tp: Any, value: Any, path: str, source: str) -> Any:
    """Check `value` against the annotation `tp`; ints become floats where floats are expected."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _coerce(option, value, path, source)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if len(errors) == 1 else f"{source}: {path}: {value!r} matches none of {tp}")
    if origin is Literal:
        if value not in args:
            close = difflib.get_close_matches(str(value), [str(a) for a in args], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{source}: {path} must be one of {list(args)}, got {value!r}{hint}")
        return value
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path, source)
    if tp is Any:
        return value
    if origin is list or origin is collections.abc.Sequence:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: {path} must be a list, got {value!r}")
        return [_coerce(args[0], v, f"{path}.{i}", source) for i, v in enumerate(value)] if args else list(value)
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or (args and len(args) != len(value) and args[-1] is not Ellipsis):
            raise ConfigError(f"{source}: {path} must be a sequence of {len(args)} values, got {value!r}")
        return tuple(_coerce(a, v, f"{path}.{i}", source) for i, (a, v) in enumerate(zip(args, value)))
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {path} must be a dict, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {path} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {path} must be an integer, got {value!r}")
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            raise ConfigError(f"{source}: {path} must be a {tp.__name__}, got {value!r}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{source}: {path} must be a {tp.__name__}, got {value!r}")
    return value  # a bug in this file, not in the config
