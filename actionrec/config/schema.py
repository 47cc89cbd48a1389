"""The typed config: what a training/testing run can be told, and nothing else.

`Config.from_dict` checks every key against these dataclasses, so a misspelt key fails
with its dotted path and the closest valid name instead of being silently ignored.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import re
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
    # added to every sampled frame position; None: MMAction2's 0 for videos, 1 for frame folders (img_00001.jpg)
    start_index: int | None = None
    backend: str = "auto"  # video decoder: auto | torchcodec | pyav | decord

    def validate(self, path: str, source: str) -> None:
        for key, least in (("batch_size", 1), ("num_workers", 0), ("start_index", 0)):
            value = getattr(self, key)
            if value is not None and value < least:
                raise ConfigError(f"{source}: {path}.{key} must be an integer >= {least}, got {value}")


@dataclass
class DataConfig:
    num_classes: int
    multi_label: bool = False
    train: SplitConfig | None = None
    val: SplitConfig | None = None
    test: SplitConfig | None = None
    label_map: str | None = None


@dataclass
class ParamRule:
    """LR and weight-decay multipliers for the parameters a rule selects (mmengine's `paramwise_cfg`).

    A rule selects by `name` (a regular expression searched in the dotted parameter name, like
    mmengine's `custom_keys`), by `kind`, or by both (both must hold). Kinds, as mmengine's
    `DefaultOptimWrapperConstructor` tells them apart:
    - 'norm': the parameters of a normalisation layer (BatchNorm, GroupNorm, LayerNorm, InstanceNorm);
    - 'bias': a parameter named exactly `bias` outside norm layers. The biases of the fused attention
      input projections (`qkv`, `q`, `kv` of UniFormerV2) are not: they stand in for
      `nn.MultiheadAttention.in_proj_bias`, which mmengine's `bias_decay_mult` does not match.
    """

    name: str | None = None
    kind: Literal["norm", "bias"] | None = None
    lr_mult: float = 1.0
    decay_mult: float = 1.0

    def validate(self, path: str, source: str) -> None:
        if self.name is None and self.kind is None:
            raise ConfigError(f"{source}: {path} selects nothing: give a name pattern, a kind, or both")
        if self.name is not None:
            try:
                re.compile(self.name)
            except re.error as e:
                raise ConfigError(f"{source}: {path}.name {self.name!r} is not a regular expression ({e})") from None
        for key in ("lr_mult", "decay_mult"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{source}: {path}.{key} must be >= 0, got {getattr(self, key)}")


@dataclass
class OptimizerConfig:
    type: Literal["sgd", "adamw"] = "sgd"
    lr: float = 0.01  # for a total batch of base_batch_size (when set)
    momentum: float = 0.9  # sgd
    nesterov: bool = False  # sgd
    betas: tuple[float, float] = (0.9, 0.999)  # adamw
    weight_decay: float = 1e-4
    # per-parameter multipliers; the first rule that selects a parameter sets both of its multipliers
    param_rules: list[ParamRule] = field(default_factory=list)
    # shorthand for the rules (kind='norm', decay_mult=0), (kind='bias', decay_mult=0) after param_rules:
    # mmengine's paramwise_cfg(norm_decay_mult=0, bias_decay_mult=0) (UniFormerV2 recipe)
    zero_wd_norm_bias: bool = False
    grad_clip: float | None = None  # max L2 norm of all gradients
    # linear scaling rule: lr * total batch / base_batch_size (mmengine's auto_scale_lr with enable=True)
    base_batch_size: int | None = None
    accumulate_steps: int = 1

    def validate(self, path: str, source: str) -> None:
        if self.lr < 0 or self.weight_decay < 0:
            raise ConfigError(f"{source}: {path}.lr and .weight_decay must be >= 0, got {self.lr}, {self.weight_decay}")
        if self.base_batch_size is not None and self.base_batch_size < 1:
            raise ConfigError(
                f"{source}: {path}.base_batch_size must be a positive integer, got {self.base_batch_size}"
            )
        if self.accumulate_steps < 1:
            raise ConfigError(f"{source}: {path}.accumulate_steps must be >= 1, got {self.accumulate_steps}")
        if self.grad_clip is not None and self.grad_clip <= 0:
            raise ConfigError(f"{source}: {path}.grad_clip must be > 0 (or None: no clipping), got {self.grad_clip}")


@dataclass
class ScheduleConfig:
    """The LR over training, per iteration, as MMAction2's schedulers with `convert_to_iter_based`.

    Warm-up is mmengine's `LinearLR` over W = int(warmup_epochs * iterations per epoch) iterations:
    factor `start + (1 - start) * i / (W - 1)` at iteration i, so the full LR is reached at i = W - 1.
    Milestones are epochs (the LR changes at the first iteration of that epoch); the cosine runs from
    iteration W to the end, `floor + (lr - floor) * (1 + cos(pi * (i - W) / (total - W))) / 2`.
    """

    epochs: int = 1
    policy: Literal["multistep", "cosine", "constant"] = "multistep"
    milestones: list[int] = field(default_factory=list)  # epochs (multistep)
    gamma: float = 0.1  # multistep
    eta_min: float = 0.0  # cosine floor (absolute)
    eta_min_ratio: float | None = None  # cosine floor as a fraction of each group's lr (wins over eta_min)
    warmup_epochs: float = 0.0  # linear warm-up, per iteration
    warmup_start_factor: float = 0.1

    def validate(self, path: str, source: str) -> None:
        if self.epochs < 1:
            raise ConfigError(f"{source}: {path}.epochs must be >= 1, got {self.epochs}")
        if sorted(set(self.milestones)) != self.milestones:
            raise ConfigError(f"{source}: {path}.milestones must be increasing epochs, got {self.milestones}")
        if not 0.0 <= self.warmup_start_factor <= 1.0:
            raise ConfigError(f"{source}: {path}.warmup_start_factor must be in [0, 1], got {self.warmup_start_factor}")
        if not 0.0 <= self.warmup_epochs < self.epochs:
            raise ConfigError(
                f"{source}: {path}.warmup_epochs must be in [0, epochs={self.epochs}), got {self.warmup_epochs}"
            )


@dataclass
class TrainConfig:
    val_interval: int = 1  # epochs
    checkpoint_interval: int = 1  # epochs
    latest_interval: int = 200  # iterations between mid-epoch 'latest' checkpoints (0: off)
    log_interval: int = 20  # iterations
    # mixed precision: 'auto' = bf16 where the hardware multiplies bf16 natively, else fp32 (None)
    amp: Literal["auto", "bf16", "fp16"] | None = None
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
    # 'auto': bf16 where the hardware multiplies bf16 natively (AMX / avx512_bf16, GPUs >= sm80), else fp32
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "fp32"
    fuse: bool = True  # fold BatchNorm into the convolutions for testing (False: MMAction2-exact numerics)
    compile: bool = False  # torch.compile the inference graph (pays a warm-up per input shape, logged)


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
    obj = cls(**kwargs)
    if hasattr(obj, "validate"):  # checks across fields, with the key path for the message
        obj.validate(path, source)
    return obj


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
