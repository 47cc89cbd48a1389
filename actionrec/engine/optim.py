"""Optimizers with parameter groups, the linear LR scaling rule, and per-iteration LR schedules.

Schedules are written in epochs (as MMAction2 configs are) and evaluated per iteration:
`lr_factor(it)` is a pure function of the iteration, so resuming needs only the iteration.
"""

from __future__ import annotations

import logging
import math

import torch
from torch import nn

from ..config import OptimizerConfig, ScheduleConfig

log = logging.getLogger(__name__)

_NORM_TYPES = (
    nn.modules.batchnorm._BatchNorm,
    nn.GroupNorm,
    nn.LayerNorm,
    nn.LocalResponseNorm,
    nn.modules.instancenorm._InstanceNorm,
)


def scaled_lr(cfg: OptimizerConfig, world_size: int, batch_size: int) -> float:
    """Linear scaling rule: lr * (world_size * batch_size * accumulate_steps) / base_batch_size."""
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


def param_groups(model: nn.Module, weight_decay: float, zero_wd_norm_bias: bool) -> list[dict]:
    """One group with weight decay; with `zero_wd_norm_bias`, norm weights and all biases go to a wd=0 group."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not zero_wd_norm_bias:
        return [{"params": params, "weight_decay": weight_decay}]
    no_decay: set[int] = set()
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if isinstance(module, _NORM_TYPES) or name == "bias" or name.endswith("_bias"):
                no_decay.add(id(p))
    decay = [p for p in params if id(p) not in no_decay]
    free = [p for p in params if id(p) in no_decay]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": free, "weight_decay": 0.0}]


def build_optimizer(model: nn.Module, cfg: OptimizerConfig, lr: float) -> torch.optim.Optimizer:
    groups = param_groups(model, cfg.weight_decay, cfg.zero_wd_norm_bias)
    if cfg.type == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=cfg.momentum, nesterov=cfg.nesterov)
    return torch.optim.AdamW(groups, lr=lr, betas=cfg.betas)


class LRSchedule:
    """Multi-step / cosine / constant LR after an optional linear warm-up, set every iteration.

    - warm-up (iterations < W = warmup_epochs * iters_per_epoch): factor goes linearly from
      `warmup_start_factor` at 0 to 1 at W (MMAction2's LinearLR converted to iterations);
    - multistep: factor gamma ** (number of milestones <= current epoch), changing at epoch starts;
    - cosine: from W to the last iteration, `eta_min + (lr - eta_min) * (1 + cos(pi * t / T)) / 2`.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, cfg: ScheduleConfig, iters_per_epoch: int):
        self.optimizer = optimizer
        self.cfg = cfg
        self.iters_per_epoch = iters_per_epoch
        self.total_iters = cfg.epochs * iters_per_epoch
        self.warmup_iters = round(cfg.warmup_epochs * iters_per_epoch)
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]

    def lr_at(self, iteration: int, base_lr: float) -> float:
        cfg = self.cfg
        if cfg.policy == "cosine" and iteration >= self.warmup_iters:
            floor = base_lr * cfg.eta_min_ratio if cfg.eta_min_ratio is not None else cfg.eta_min
            progress = (iteration - self.warmup_iters) / max(self.total_iters - self.warmup_iters, 1)
            return floor + (base_lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        factor = 1.0
        if iteration < self.warmup_iters:
            factor = cfg.warmup_start_factor + (1 - cfg.warmup_start_factor) * iteration / self.warmup_iters
        if cfg.policy == "multistep":
            epoch = iteration // self.iters_per_epoch
            factor *= cfg.gamma ** sum(epoch >= m for m in cfg.milestones)
        return base_lr * factor

    def step(self, iteration: int) -> None:
        """Set the learning rate used by the optimizer step at `iteration` (0-based)."""
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(iteration, base_lr)
