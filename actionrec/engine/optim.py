"""Optimizers with per-parameter LR / weight-decay rules, the linear LR scaling rule, and LR schedules.

These reproduce what MMAction2 trains with: mmengine's `DefaultOptimWrapperConstructor`
(`paramwise_cfg`), MMAction2's `TSMOptimizerConstructor` (expressed as `param_rules`), mmengine's
`auto_scale_lr`, and its `LinearLR` / `MultiStepLR` / `CosineAnnealingLR` converted to iterations.
Schedules are written in epochs (as MMAction2 configs are) and evaluated per iteration:
`lr_at(it)` is a pure function of the iteration, so resuming needs only the iteration.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import torch
from torch import nn

from ..config import ConfigError, OptimizerConfig, ScheduleConfig
from ..config.schema import ParamRule
from ..models.uniformerv2 import CrossAttention, SelfAttention

log = logging.getLogger(__name__)

# mmengine's `is_norm` (BatchNorm incl. SyncBatchNorm, InstanceNorm, GroupNorm, LayerNorm)
NORM_TYPES = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm,
    nn.LayerNorm,
)
# Modules that stand in for `nn.MultiheadAttention`, and their linears that hold its `in_proj_weight` /
# `in_proj_bias`. mmengine's `bias_decay_mult` matches parameters named exactly `bias`, so in MMAction2 the
# input-projection biases keep their weight decay; ours are named `bias` and must be told apart.
IN_PROJ_LINEARS: dict[type, tuple[str, ...]] = {SelfAttention: ("qkv",), CrossAttention: ("q", "kv")}

ZERO_WD_NORM_BIAS_RULES = (ParamRule(kind="norm", decay_mult=0.0), ParamRule(kind="bias", decay_mult=0.0))


def scaled_lr(cfg: OptimizerConfig, world_size: int, batch_size: int) -> float:
    """Linear scaling rule: lr * (world_size * batch_size * accumulate_steps) / base_batch_size.

    mmengine's runner applies `auto_scale_lr` whenever its `enable` is true (MMAction2's `--auto-scale-lr`
    only switches it on for configs that leave it off), with the total batch `world_size * batch_size`;
    here gradient accumulation counts too (mmengine ignores it), which is the same for accumulate_steps=1.
    """
    if cfg.base_batch_size is None:
        return cfg.lr
    total = world_size * batch_size * cfg.accumulate_steps
    lr = cfg.lr * total / cfg.base_batch_size
    log.info(
        "linear LR scaling: %g x %d (= %d processes x %d per process x %d accumulated) / %d = %g",
        cfg.lr,
        total,
        world_size,
        batch_size,
        cfg.accumulate_steps,
        cfg.base_batch_size,
        lr,
    )
    return lr


@dataclass
class ParamAssignment:
    """One trainable parameter and the multipliers the rules gave it."""

    name: str
    param: nn.Parameter
    lr_mult: float
    decay_mult: float
    rule: str  # which rule decided ('default' when none did)


def effective_rules(cfg: OptimizerConfig) -> list[ParamRule]:
    """`param_rules`, then the two rules `zero_wd_norm_bias` stands for."""
    return list(cfg.param_rules) + (list(ZERO_WD_NORM_BIAS_RULES) if cfg.zero_wd_norm_bias else [])


def describe_rule(rule: ParamRule) -> str:
    what = " ".join(
        x for x in (f"kind={rule.kind}" if rule.kind else "", f"name=/{rule.name}/" if rule.name else "") if x
    )
    return f"{what}: lr x{rule.lr_mult:g}, wd x{rule.decay_mult:g}"


def assign_params(model: nn.Module, cfg: OptimizerConfig) -> list[ParamAssignment]:
    """Every trainable parameter (in `named_parameters` order) with its LR and weight-decay multipliers.

    The first rule that selects a parameter decides both multipliers; parameters no rule selects get 1
    and 1. Parameters with `requires_grad=False` are left out, as mmengine leaves them out.
    """
    rules = effective_rules(cfg)
    patterns = [re.compile(r.name) if r.name is not None else None for r in rules]
    in_proj_biases: set[int] = set()
    for module in model.modules():
        for linear_name in IN_PROJ_LINEARS.get(type(module), ()):
            in_proj_biases.add(id(getattr(module, linear_name).bias))
    out: list[ParamAssignment] = []
    seen: set[int] = set()
    used = [False] * len(rules)
    for module_name, module in model.named_modules():
        is_norm = isinstance(module, NORM_TYPES)
        for local, param in module.named_parameters(recurse=False):
            if id(param) in seen:
                continue
            seen.add(id(param))
            name = f"{module_name}.{local}" if module_name else local
            kind = "norm" if is_norm else "bias" if local == "bias" and id(param) not in in_proj_biases else None
            for i, (rule, pattern) in enumerate(zip(rules, patterns)):
                if (rule.kind is None or rule.kind == kind) and (pattern is None or pattern.search(name)):
                    used[i] = True
                    if param.requires_grad:
                        out.append(ParamAssignment(name, param, rule.lr_mult, rule.decay_mult, describe_rule(rule)))
                    break
            else:
                if param.requires_grad:
                    out.append(ParamAssignment(name, param, 1.0, 1.0, "default"))
    for i, rule in enumerate(cfg.param_rules):
        if rule.name is not None and not used[i]:  # a kind may be absent (a ResNet has no conv biases)
            raise ConfigError(
                f"optimizer.param_rules.{i} ({describe_rule(rule)}) selects no parameter of this "
                f"{type(model).__name__}; check its name pattern against the model's parameter names"
            )
    return out


def param_groups(model: nn.Module, cfg: OptimizerConfig, lr: float) -> list[dict]:
    """torch parameter groups: one per distinct (lr multiplier, weight-decay multiplier), in order of first use."""
    groups: dict[tuple[float, float], dict] = {}
    for a in assign_params(model, cfg):
        key = (a.lr_mult, a.decay_mult)
        if key not in groups:
            groups[key] = {"params": [], "lr": lr * a.lr_mult, "weight_decay": cfg.weight_decay * a.decay_mult}
        groups[key]["params"].append(a.param)
    return list(groups.values())


# Devices with torch's fused (one kernel over all parameters) SGD and AdamW.
FUSED_DEVICES = ("cpu", "cuda")


def build_optimizer(model: nn.Module, cfg: OptimizerConfig, lr: float) -> torch.optim.Optimizer:
    """SGD or AdamW over `param_groups`, fused where every parameter's device has the fused kernel.

    torch's default on CPU is a Python loop of small ops per tensor: for UniFormerV2-B/16's AdamW that
    was 276 ms a step on 2 cores against 57 ms fused (a whole bf16 step: 1.02x); the update is the
    same up to float rounding. Parameters elsewhere (meta tensors in tests) get the default loop.
    """
    groups = param_groups(model, cfg, lr)
    devices = {p.device.type for group in groups for p in group["params"]}
    fused = {"fused": True} if devices and devices <= set(FUSED_DEVICES) else {}
    if cfg.type == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=cfg.momentum, nesterov=cfg.nesterov, **fused)
    return torch.optim.AdamW(groups, lr=lr, betas=cfg.betas, **fused)


class LRSchedule:
    """Multi-step / cosine / constant LR after an optional linear warm-up, set every iteration.

    Equal to mmengine's chained schedulers as MMAction2's configs build them, iteration by iteration:
    - warm-up, `LinearLR(start_factor, begin=0, end=W)` converted to iterations (W = int(warmup_epochs *
      iters_per_epoch), mmengine's `int(end * epoch_length)`): its `total_iters` is `end - begin - 1`, so
      the factor is `start + (1 - start) * i / (W - 1)` and reaches 1 at iteration W - 1. (With W = 1
      mmengine never leaves the start factor; here the full LR follows at iteration 1.)
    - multistep, `MultiStepLR(by_epoch=True)`: factor gamma ** (number of milestones <= current epoch),
      changing at epoch starts, multiplied with the warm-up factor (both schedulers chain);
    - cosine, `CosineAnnealingLR(begin=W, end=total, T_max=total - W)`: at iteration i >= W,
      `floor + (lr - floor) * (1 + cos(pi * (i - W) / (total - W))) / 2`, where floor is `eta_min`
      or `eta_min_ratio * lr` of the group.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, cfg: ScheduleConfig, iters_per_epoch: int):
        self.optimizer = optimizer
        self.cfg = cfg
        self.iters_per_epoch = iters_per_epoch
        self.total_iters = cfg.epochs * iters_per_epoch
        self.warmup_iters = int(cfg.warmup_epochs * iters_per_epoch)
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def lr_at(self, iteration: int, base_lr: float) -> float:
        cfg = self.cfg
        warmup = self.warmup_iters
        if cfg.policy == "cosine" and iteration >= warmup:
            floor = base_lr * cfg.eta_min_ratio if cfg.eta_min_ratio is not None else cfg.eta_min
            progress = (iteration - warmup) / max(self.total_iters - warmup, 1)
            return floor + (base_lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        factor = 1.0
        if iteration < warmup:
            ramp = iteration / (warmup - 1) if warmup > 1 else 0.0
            factor = cfg.warmup_start_factor + (1 - cfg.warmup_start_factor) * ramp
        if cfg.policy == "multistep":
            epoch = iteration // self.iters_per_epoch
            factor *= cfg.gamma ** sum(epoch >= m for m in cfg.milestones)
        return base_lr * factor

    def step(self, iteration: int) -> None:
        """Set the learning rate used by the optimizer step at `iteration` (0-based)."""
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(iteration, base_lr)
