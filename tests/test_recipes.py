"""Every shipped config trains with MMAction2's recipe: optimizer, per-parameter LR and weight decay,
LR scaling, the LR at every iteration, clipping, frozen BatchNorm.

Expected values are transcribed from MMAction2's config files (a table, one row per config, each
naming its file: the 0.x branch for the TSN configs, which carry 0.x names and recipes; 1.2.0 for
UniFormerV2), and the per-parameter rules and the LR at each iteration are computed here with
MMAction2's / mmengine's own rules, written out from their code:
- mmengine 0.10.7 `DefaultOptimWrapperConstructor.add_params` (paramwise_cfg norm/bias decay mults),
- MMAction2 `TSMOptimizerConstructor.add_params` (0.x; the same code as 1.x `TSMOptimWrapperConstructor`),
- mmengine `LinearLR`, `MultiStepLR`, `CosineAnnealingLR` (`convert_to_iter_based`) and `Runner.scale_lr`.
Element counts per group are those mmengine's optimizer built on MMAction2's own models (measured with
benchmarks/recipes_vs_mmengine.py's MMAction2 side, MMAction2 1.2.0 / mmengine 0.10.7).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

from actionrec.build import build_model
from actionrec.cli import main
from actionrec.config import ConfigError, OptimizerConfig, ScheduleConfig, load_config
from actionrec.config.schema import ParamRule
from actionrec.engine.optim import LRSchedule, assign_params, build_optimizer, param_groups, scaled_lr
from actionrec.models.resnet import ResNet

CONFIGS = Path(__file__).resolve().parent.parent / "actionrec" / "configs"
ITERS_PER_EPOCH = 7  # a short epoch: every schedule is checked at every iteration
GPUS = 8  # MMAction2's recipes are written for 8 GPUs; auto_scale_lr uses world_size x batch


@dataclass(frozen=True)
class Recipe:
    optimizer: str  # 'sgd' (momentum 0.9) or 'adamw' (betas 0.9, 0.999)
    lr: float
    weight_decay: float
    grad_clip: float  # optimizer_config.grad_clip / optim_wrapper.clip_grad max_norm (L2)
    epochs: int
    batch: int  # videos per GPU in training
    milestones: tuple[int, ...] | None = None  # step / MultiStepLR(by_epoch=True, gamma=0.1)
    warmup: tuple[float, float] | None = None  # LinearLR(start_factor, begin=0, end=epochs), iter-based
    cosine: tuple[int, int, int | None, float] | None = None  # CosineAnnealingLR(begin, end, T_max, eta_min_ratio)
    auto_scale_lr: int | None = None  # auto_scale_lr(enable=True, base_batch_size)
    paramwise: str = "none"  # 'none', 'norm_bias_no_decay' (mmengine paramwise_cfg), 'tsm_fc_lr5'
    norm_eval: bool = False


def tsn(lr, wd, clip, epochs, steps, batch, **kw) -> Recipe:
    return Recipe("sgd", lr, wd, clip, epochs, batch, milestones=tuple(steps), **kw)


def uniformer(lr, epochs, warmup, cosine, base_batch) -> Recipe:
    return Recipe("adamw", lr, 0.05, 20, epochs, 8, None, warmup, cosine, base_batch, "norm_bias_no_decay")


# MMAction2 0.x configs/recognition/tsn/<file> (resolved with its _base_ chain); the base schedule named after ';'
RECIPES = {
    # custom_backbones/tsn_dense161_320p_1x1x3_100e_kinetics400_rgb.py; _base_/schedules/sgd_100e.py
    "tsn/custom_backbones/tsn_dense161_320p_1x1x3_100e_kinetics400_rgb.py": tsn(0.00375, 1e-4, 40, 100, [40, 80], 12),
    # custom_backbones/tsn_rn101_32x4d_320p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/custom_backbones/tsn_rn101_32x4d_320p_1x1x3_100e_kinetics400_rgb.py": tsn(0.005, 1e-4, 40, 100, [40, 80], 16),
    # custom_backbones/tsn_swin_transformer_video_320p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/custom_backbones/tsn_swin_transformer_video_320p_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.0075, 1e-4, 40, 100, [40, 80], 24
    ),
    # data_benchmark/tsn_r50_multiscalecrop_256p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_multiscalecrop_256p_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # data_benchmark/tsn_r50_multiscalecrop_320p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_multiscalecrop_320p_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # data_benchmark/tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # data_benchmark/tsn_r50_randomresizedcrop_256p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_256p_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # data_benchmark/tsn_r50_randomresizedcrop_320p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_320p_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # data_benchmark/tsn_r50_randomresizedcrop_340x256_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_340x256_1x1x3_100e_kinetics400_rgb.py": tsn(
        0.01, 1e-4, 40, 100, [40, 80], 32
    ),
    # hvu/tsn_r18_1x1x8_100e_hvu_{action,attribute,concept,event,object,scene}_rgb.py; sgd_100e.py
    **{
        f"tsn/hvu/tsn_r18_1x1x8_100e_hvu_{category}_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32)
        for category in ("action", "attribute", "concept", "event", "object", "scene")
    },
    # tsn_r101_1x1x5_50e_mmit_rgb.py; _base_/schedules/sgd_tsm_50e.py (TSMOptimizerConstructor, fc_lr5=True)
    "tsn/tsn_r101_1x1x5_50e_mmit_rgb.py": tsn(0.01, 1e-4, 20, 50, [20, 40], 16, paramwise="tsm_fc_lr5"),
    # tsn_r50_1x1x16_50e_sthv1_rgb.py; its base tsn_r50_1x1x8_50e_sthv1_rgb.py sets backbone.norm_eval=True
    "tsn/tsn_r50_1x1x16_50e_sthv1_rgb.py": tsn(0.01, 5e-4, 20, 50, [20, 40], 4, norm_eval=True),
    # tsn_r50_1x1x16_50e_sthv2_rgb.py; base tsn_r50_1x1x8_50e_sthv2_rgb.py
    "tsn/tsn_r50_1x1x16_50e_sthv2_rgb.py": tsn(0.005, 5e-4, 20, 50, [20, 40], 4),
    # tsn_r50_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32),
    # tsn_r50_1x1x3_75e_ucf101_rgb.py (own schedule: lr_config step=[], total_epochs=75)
    "tsn/tsn_r50_1x1x3_75e_ucf101_rgb.py": tsn(0.00128, 5e-4, 40, 75, [], 32),
    # tsn_r50_1x1x6_100e_mit_rgb.py; sgd_100e.py
    "tsn/tsn_r50_1x1x6_100e_mit_rgb.py": tsn(0.005, 1e-4, 40, 100, [40, 80], 16),
    # tsn_r50_1x1x8_50e_hmdb51_imagenet_rgb.py; _base_/schedules/sgd_50e.py
    "tsn/tsn_r50_1x1x8_50e_hmdb51_imagenet_rgb.py": tsn(0.025, 1e-4, 40, 50, [20, 40], 32),
    # tsn_r50_1x1x8_50e_hmdb51_kinetics400_rgb.py; sgd_50e.py
    "tsn/tsn_r50_1x1x8_50e_hmdb51_kinetics400_rgb.py": tsn(0.025, 1e-4, 40, 50, [20, 40], 32),
    # tsn_r50_1x1x8_50e_hmdb51_mit_rgb.py; sgd_50e.py (no videos_per_gpu: 0.x's default 1)
    "tsn/tsn_r50_1x1x8_50e_hmdb51_mit_rgb.py": tsn(0.025, 1e-4, 40, 50, [20, 40], 1),
    # tsn_r50_1x1x8_50e_sthv1_rgb.py; sgd_50e.py; backbone norm_eval=True
    "tsn/tsn_r50_1x1x8_50e_sthv1_rgb.py": tsn(0.02, 5e-4, 20, 50, [20, 40], 16, norm_eval=True),
    # tsn_r50_1x1x8_50e_sthv2_rgb.py; sgd_50e.py
    "tsn/tsn_r50_1x1x8_50e_sthv2_rgb.py": tsn(0.02, 1e-4, 40, 50, [20, 40], 16),
    # tsn_r50_320p_1x1x3_100e_kinetics400_rgb.py; base tsn_r50_1x1x3_100e_kinetics400_rgb.py
    "tsn/tsn_r50_320p_1x1x3_100e_kinetics400_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32),
    # tsn_r50_320p_1x1x3_110e_kinetics400_flow.py (own schedule)
    "tsn/tsn_r50_320p_1x1x3_110e_kinetics400_flow.py": tsn(0.005, 1e-4, 40, 110, [70, 100], 32),
    # tsn_r50_320p_1x1x8_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_320p_1x1x8_100e_kinetics400_rgb.py": tsn(0.00375, 1e-4, 40, 100, [40, 80], 12),
    # tsn_r50_320p_1x1x8_110e_kinetics400_flow.py (own schedule)
    "tsn/tsn_r50_320p_1x1x8_110e_kinetics400_flow.py": tsn(0.001875, 1e-4, 40, 110, [70, 100], 12),
    # tsn_r50_320p_1x1x8_150e_activitynet_clip_flow.py (own schedule)
    "tsn/tsn_r50_320p_1x1x8_150e_activitynet_clip_flow.py": tsn(0.001, 1e-4, 40, 150, [60, 120], 8),
    # tsn_r50_320p_1x1x8_150e_activitynet_video_flow.py (own schedule)
    "tsn/tsn_r50_320p_1x1x8_150e_activitynet_video_flow.py": tsn(0.001, 1e-4, 40, 150, [60, 120], 8),
    # tsn_r50_320p_1x1x8_50e_activitynet_clip_rgb.py; sgd_50e.py
    "tsn/tsn_r50_320p_1x1x8_50e_activitynet_clip_rgb.py": tsn(0.001, 1e-4, 40, 50, [20, 40], 8),
    # tsn_r50_320p_1x1x8_50e_activitynet_video_rgb.py; sgd_50e.py
    "tsn/tsn_r50_320p_1x1x8_50e_activitynet_video_rgb.py": tsn(0.001, 1e-4, 40, 50, [20, 40], 8),
    # tsn_r50_dense_1x1x5_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_dense_1x1x5_100e_kinetics400_rgb.py": tsn(0.03, 1e-4, 20, 100, [40, 80], 16),
    # tsn_r50_dense_1x1x8_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_dense_1x1x8_100e_kinetics400_rgb.py": tsn(0.005, 1e-4, 40, 100, [40, 80], 12),
    # tsn_r50_video_1x1x16_100e_diving48_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_1x1x16_100e_diving48_rgb.py": tsn(0.00125, 1e-4, 40, 100, [40, 80], 4),
    # tsn_r50_video_1x1x8_100e_diving48_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_1x1x8_100e_diving48_rgb.py": tsn(0.0025, 1e-4, 40, 100, [40, 80], 8),
    # tsn_r50_video_1x1x8_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_1x1x8_100e_kinetics400_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32),
    # tsn_r50_video_1x1x8_100e_kinetics600_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_1x1x8_100e_kinetics600_rgb.py": tsn(0.00375, 1e-4, 40, 100, [40, 80], 12),
    # tsn_r50_video_1x1x8_100e_kinetics700_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_1x1x8_100e_kinetics700_rgb.py": tsn(0.00375, 1e-4, 40, 100, [40, 80], 12),
    # tsn_r50_video_320p_1x1x3_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_320p_1x1x3_100e_kinetics400_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32),
    # tsn_r50_video_dense_1x1x8_100e_kinetics400_rgb.py; sgd_100e.py
    "tsn/tsn_r50_video_dense_1x1x8_100e_kinetics400_rgb.py": tsn(0.01, 1e-4, 40, 100, [40, 80], 32),
    # MMAction2 1.2.0 configs/recognition/uniformerv2/<file>: AdamW, paramwise_cfg(norm_decay_mult=0,
    # bias_decay_mult=0), clip_grad max_norm 20, train batch_size 8, auto_scale_lr(enable=True, ...)
    # uniformerv2-base-p16-res224_clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb.py (no T_max)
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb.py": uniformer(
        2e-5, 24, (1 / 20, 5), (5, 24, None, 1 / 20), 512
    ),
    # uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics{400,600,700}-rgb.py
    **{
        f"uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics{n}-rgb.py": uniformer(
            2e-6, 5, (0.5, 1), (1, 5, 4, 0.5), 256
        )
        for n in (400, 600, 700)
    },
    # uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics{400,700}-rgb.py
    **{
        f"uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics{n}-rgb.py": uniformer(
            1e-5, 55, (0.1, 5), (5, 55, 50, 0.1), 256
        )
        for n in (400, 700)
    },
}
# MMAction2 1.2.0's files for these have no optim_wrapper / train_dataloader: test-only (migrated weights)
TEST_ONLY = [
    f"uniformerv2/uniformerv2-{name}.py"
    for name in (
        "base-p16-res224_clip-pre_u8_kinetics710-rgb",
        *(f"large-p14-res224_clip-kinetics710-pre_u{t}_kinetics{n}-rgb" for t in (8, 16, 32) for n in (400, 600, 700)),
        "large-p14-res224_clip-pre_u8_kinetics710-rgb",
        *(f"large-p14-res336_clip-kinetics710-pre_u32_kinetics{n}-rgb" for n in (400, 600, 700)),
        "large-p14-res336_clip-pre_u8_kinetics710-rgb",
        "large-p16-res224_clip-kinetics710-kinetics-k400-pre_u8_mitv1-rgb",
        "large-p16-res336_clip-kinetics710-kinetics-k400-pre_u8_mitv1-rgb",
    )
]
# actionrec's own demo recipes (no MMAction2 counterpart), transcribed from the files themselves: what is
# checked for them is that the LR follows mmengine's formulas and the groups mmengine's rules
DEMO = {
    "demo/tsn_r18_synthetic.py": Recipe("adamw", 3e-3, 1e-4, 40, 5, 16, warmup=(0.1, 0.5), cosine=(0.5, 5, None, 0.0)),
    "demo/uniformerv2_tiny_synthetic.py": Recipe(
        "adamw", 2e-3, 0.05, 5, 6, 16, warmup=(0.1, 1), cosine=(1, 6, None, 0.01), paramwise="norm_bias_no_decay"
    ),
}
# elements per (lr multiplier, weight-decay multiplier) in the optimizer mmengine built on MMAction2's model
MMENGINE_ELEMENTS = {
    "tsn/tsn_r101_1x1x5_50e_mmit_rgb.py": {(1, 1): 42394816, (5, 1): 641024, (1, 0): 105344, (10, 0): 313},
    "tsn/tsn_r50_1x1x8_50e_sthv1_rgb.py": {(1, 1): 23864558},
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb.py": {
        (1, 1): 114369792,
        (1, 0): 135507,
    },
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics400-rgb.py": {
        (1, 1): 114416640,
        (1, 0): 135568,
    },
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics600-rgb.py": {
        (1, 1): 114570240,
        (1, 0): 135768,
    },
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics700-rgb.py": {
        (1, 1): 114647040,
        (1, 0): 135868,
    },
    "uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py": {(1, 1): 114416640, (1, 0): 135568},
    "uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics700-rgb.py": {(1, 1): 114647040, (1, 0): 135868},
}
TRAINED = {**RECIPES, **DEMO}


def test_every_shipped_config_has_a_row():
    shipped = {str(p.relative_to(CONFIGS / "recognition")) for p in (CONFIGS / "recognition").rglob("*.py")}
    assert shipped == set(RECIPES) | set(TEST_ONLY)
    assert {str(p.relative_to(CONFIGS)) for p in (CONFIGS / "demo").glob("*.py")} == set(DEMO)


def config_path(rel: str) -> Path:
    return CONFIGS / rel if rel.startswith("demo/") else CONFIGS / "recognition" / rel


def meta_model(cfg) -> nn.Module:
    with torch.device("meta"):
        model = build_model(cfg.model)
    return model.train()  # norm_eval / frozen stages take effect in train(), as in MMAction2


# -- MMAction2's per-parameter rules, on actionrec's module tree ------------------------------------------
# actionrec's names for the slices of `nn.MultiheadAttention.in_proj_bias` (MMAction2's `resblocks.N.attn` and
# `dec.N.attn`; actionrec/checkpoints/uniformerv2.py maps in_proj onto qkv, and onto q + kv)
IN_PROJ_BIAS = re.compile(r"\.attn\.(qkv|q|kv)\.bias$")
NORMS = (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm, nn.GroupNorm, nn.LayerNorm)


def expected_multipliers(model: nn.Module, paramwise: str) -> dict[str, tuple[float, float]]:
    """Parameter name -> (lr multiplier, weight-decay multiplier) as MMAction2 builds its optimizer."""
    names = {id(p): n for n, p in model.named_parameters()}
    if paramwise == "none":  # DefaultOptimizerConstructor without paramwise_cfg: one group
        return {n: (1.0, 1.0) for n in names.values()}
    if paramwise == "norm_bias_no_decay":  # DefaultOptimWrapperConstructor.add_params
        out = {}
        for module_name, module in model.named_modules():
            for local, _ in module.named_parameters(recurse=False):
                full = f"{module_name}.{local}"
                mm_local = "in_proj_bias" if IN_PROJ_BIAS.search(full) else local
                out[full] = (1.0, 0.0 if isinstance(module, NORMS) or mm_local == "bias" else 1.0)
        return out
    assert paramwise == "tsm_fc_lr5"  # TSMOptimizerConstructor.add_params
    out, weights, biases, convs = {}, [], [], 0
    for m in model.modules():
        if isinstance(m, nn.modules.conv._ConvNd):
            convs += 1
            weights.append(m.weight)
            if m.bias is not None:
                biases.append(m.bias)
        elif isinstance(m, nn.Linear):
            weights.append(m.weight)
            if m.bias is not None:
                biases.append(m.bias)
        elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)):
            out.update({names[id(p)]: (1.0, 0.0) for p in m.parameters()})
    last_weight, last_bias = weights.pop(), biases.pop()  # the cls_head fc
    out.update({names[id(p)]: (1.0, 1.0) for p in weights})  # the first conv included: default lr and decay
    out.update({names[id(p)]: (2.0, 0.0) for p in biases})
    out[names[id(last_weight)]] = (5.0, 1.0)
    out[names[id(last_bias)]] = (10.0, 0.0)
    return out


# -- mmengine's schedulers, converted to iterations -----------------------------------------------------
def expected_lr(recipe: Recipe, iteration: int, base: float) -> float:
    """The LR mmengine sets for `iteration` (0-based) of a group whose scaled LR is `base`."""
    factor = 1.0
    if recipe.warmup is not None:
        start, end_epoch = recipe.warmup
        end = int(end_epoch * ITERS_PER_EPOCH)  # build_iter_from_epoch: int(end * epoch_length)
        total_iters = end - 0 - 1  # LinearLR: total_iters = end - begin - 1
        if iteration < end:
            factor = start + (1 - start) * min(iteration, total_iters) / total_iters
    if recipe.milestones is not None:  # by_epoch: stepped after each epoch
        epoch = iteration // ITERS_PER_EPOCH
        factor *= 0.1 ** sum(epoch >= m for m in recipe.milestones)
    if recipe.cosine is not None:
        begin_epoch, end_epoch, t_max_epochs, eta_min_ratio = recipe.cosine
        begin = int(begin_epoch * ITERS_PER_EPOCH)
        t_max = t_max_epochs * ITERS_PER_EPOCH if t_max_epochs else int(end_epoch * ITERS_PER_EPOCH) - begin
        if iteration >= begin:  # starts from the value LinearLR left: base
            eta_min = base * eta_min_ratio
            return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (iteration - begin) / t_max)) / 2
    return base * factor


def scaled_base_lr(recipe: Recipe) -> float:
    """Runner.scale_lr: lr * (world_size * batch_size) / base_batch_size when auto_scale_lr is enabled."""
    return recipe.lr * GPUS * recipe.batch / recipe.auto_scale_lr if recipe.auto_scale_lr else recipe.lr


# -- the tests -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rel", sorted(TRAINED))
def test_optimizer_clip_scaling_and_frozen_bn_as_mmaction2(rel):
    recipe, cfg = TRAINED[rel], load_config(config_path(rel))
    opt = cfg.optimizer
    assert opt.type == recipe.optimizer
    if recipe.optimizer == "sgd":
        assert (opt.momentum, opt.nesterov) == (0.9, False)
    else:
        assert opt.betas == (0.9, 0.999)
    assert (opt.lr, opt.weight_decay, opt.grad_clip) == (recipe.lr, recipe.weight_decay, recipe.grad_clip)
    assert (opt.base_batch_size, opt.accumulate_steps) == (recipe.auto_scale_lr, 1)
    assert scaled_lr(opt, GPUS, cfg.data.train.batch_size) == pytest.approx(scaled_base_lr(recipe), rel=1e-12)
    assert (cfg.schedule.epochs, cfg.data.train.batch_size) == (recipe.epochs, recipe.batch)
    assert bool(cfg.model.get("norm_eval", False)) == recipe.norm_eval


@pytest.mark.parametrize("rel", sorted(TRAINED))
def test_parameter_groups_and_lr_at_every_iteration_as_mmengine(rel):
    recipe, cfg = TRAINED[rel], load_config(config_path(rel))
    model = meta_model(cfg)
    expected = expected_multipliers(model, recipe.paramwise)
    got = {a.name: (a.lr_mult, a.decay_mult) for a in assign_params(model, cfg.optimizer)}
    assert got == {n: expected[n] for n, p in model.named_parameters() if p.requires_grad}
    if rel in MMENGINE_ELEMENTS:  # element counts of mmengine's optimizer on MMAction2's own model
        counts = Counter()
        for n, p in model.named_parameters():
            counts[expected[n]] += p.numel()
        assert dict(counts) == MMENGINE_ELEMENTS[rel]

    base = scaled_base_lr(recipe)
    optimizer = build_optimizer(model, cfg.optimizer, scaled_lr(cfg.optimizer, GPUS, cfg.data.train.batch_size))
    schedule = LRSchedule(optimizer, cfg.schedule, ITERS_PER_EPOCH)
    by_id = {id(p): n for n, p in model.named_parameters()}
    groups = [(expected[by_id[id(g["params"][0])]], g) for g in optimizer.param_groups]
    for (lr_mult, decay_mult), group in groups:
        assert group["weight_decay"] == pytest.approx(recipe.weight_decay * decay_mult, abs=0)
        assert all(expected[by_id[id(p)]] == (lr_mult, decay_mult) for p in group["params"])
    for it in range(recipe.epochs * ITERS_PER_EPOCH):
        schedule.step(it)
        for (lr_mult, _), group in groups:
            assert group["lr"] == pytest.approx(expected_lr(recipe, it, base * lr_mult), rel=1e-12), (it, lr_mult)


@pytest.mark.parametrize("rel", TEST_ONLY)
def test_test_only_configs_train_nothing(rel):
    assert load_config(config_path(rel)).data.train is None


# -- the five fixes, by hand -----------------------------------------------------------------------------
def test_uniformerv2_lr_is_scaled_as_mmengine_auto_scale_lr():
    # 8 GPUs x 8 videos = 64 of base_batch_size 256: 2e-6 x 64 / 256 = 5e-7; MiT: 2e-5 x 64 / 512 = 2.5e-6
    k400 = load_config(config_path(next(r for r in RECIPES if "kinetics710-pre_8xb32-u8_kinetics400" in r)))
    assert scaled_lr(k400.optimizer, 8, 8) == pytest.approx(5e-7, rel=1e-12)
    mit = load_config(config_path(next(r for r in RECIPES if r.endswith("mitv1-rgb.py"))))
    assert scaled_lr(mit.optimizer, 8, 8) == pytest.approx(2.5e-6, rel=1e-12)


def test_attention_input_projection_biases_keep_weight_decay():
    cfg = load_config(config_path("uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py"))
    decay = {a.name: a.decay_mult for a in assign_params(meta_model(cfg), cfg.optimizer)}
    kept = sorted(n for n, d in decay.items() if n.endswith("bias") and d == 1.0)
    # 12 ViT blocks' fused qkv + 4 global blocks' q and kv: MMAction2's 16 nn.MultiheadAttention in_proj_bias
    assert kept == sorted(
        [f"backbone.blocks.{i}.attn.qkv.bias" for i in range(12)]
        + [f"backbone.global_blocks.{i}.attn.{part}.bias" for i in range(4) for part in ("q", "kv")]
    )
    assert decay["backbone.blocks.0.attn.proj.bias"] == 0.0  # out_proj.bias: named 'bias' in MMAction2 too
    assert decay["backbone.global_blocks.0.dpe.bias"] == 0.0
    assert decay["backbone.blocks.0.norm1.weight"] == 0.0
    assert decay["backbone.balance"] == decay["backbone.cls_token"] == 1.0  # 1-D but neither norm nor 'bias'


def test_warmup_reaches_the_full_lr_one_iteration_before_its_end():
    # the K710 -> K400 fine-tune: LinearLR(0.5, end=1 epoch of 7 iterations) then cosine over 4 epochs (T=28)
    # to 0.5 x lr. By hand: LinearLR's total_iters = 7 - 0 - 1 = 6, so iteration i has 0.5 + 0.5 * i / 6.
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    s = LRSchedule(
        opt, ScheduleConfig(epochs=5, policy="cosine", warmup_epochs=1, warmup_start_factor=0.5, eta_min_ratio=0.5), 7
    )
    assert [s.lr_at(i, 1.0) for i in range(8)] == pytest.approx(
        [0.5, 7 / 12, 8 / 12, 9 / 12, 10 / 12, 11 / 12, 1.0, 1.0], rel=1e-12
    )
    assert s.lr_at(7 + 14, 1.0) == pytest.approx(0.75, rel=1e-12)  # half-way: 0.5 + 0.5 * (1 + cos(pi/2)) / 2
    assert s.lr_at(34, 1.0) == pytest.approx(0.5 + 0.25 * (1 + math.cos(math.pi * 27 / 28)), rel=1e-12)
    # fractional warm-up epochs truncate like mmengine's int(end * epoch_length): 0.5 x 7 -> 3 iterations
    half = LRSchedule(opt, ScheduleConfig(epochs=2, policy="constant", warmup_epochs=0.5, warmup_start_factor=0.1), 7)
    assert [half.lr_at(i, 1.0) for i in range(4)] == pytest.approx([0.1, 0.55, 1.0, 1.0], rel=1e-12)


def test_mmit_tsm_multipliers_by_hand():
    cfg = load_config(config_path("tsn/tsn_r101_1x1x5_50e_mmit_rgb.py"))
    model = meta_model(cfg)
    groups = {(g["lr"], g["weight_decay"]): g["params"] for g in param_groups(model, cfg.optimizer, lr=0.01)}
    names = {id(p): n for n, p in model.named_parameters()}
    assert [names[id(p)] for p in groups[(0.05, 1e-4)]] == ["cls_head.fc_cls.weight"]  # 5 x lr
    assert [names[id(p)] for p in groups[(0.1, 0.0)]] == ["cls_head.fc_cls.bias"]  # 10 x lr, no decay
    bn = [n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bn) == 104  # ResNet-101: stem + 33 bottlenecks x 3 + 4 downsamples
    assert sorted(names[id(p)] for p in groups[(0.01, 0.0)]) == sorted(
        f"{m}.{w}" for m in bn for w in ("weight", "bias")
    )
    assert len(groups) == 4  # conv weights: lr, decay; ResNet convs have no biases for the 2 x lr rule


MM_TSN_MODEL = """
model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=18, pretrained=None),
             cls_head=dict(type='TSNHead', num_classes=7, in_channels=512, dropout_ratio=0.4))
train_dataloader = dict(batch_size=4, dataset=dict(type='VideoDataset', ann_file='train.txt',
                        data_prefix=dict(video='videos'), pipeline=[]))
"""


@pytest.mark.parametrize(
    ("optimizer", "paramwise"),
    [
        # 1.x: the constructor and paramwise_cfg on the optim wrapper
        (
            "optim_wrapper = dict(constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=True), "
            "optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))",
            "tsm_fc_lr5",
        ),
        # 0.x: inside `optimizer` (MMAction2 0.x _base_/schedules/sgd_tsm_50e.py)
        (
            "optimizer = dict(type='SGD', constructor='TSMOptimizerConstructor', paramwise_cfg=dict(fc_lr5=True), "
            "lr=0.01, momentum=0.9, weight_decay=1e-4)",
            "tsm_fc_lr5",
        ),
    ],
)
def test_mmaction2_tsm_constructor_imports_as_its_per_parameter_rules(tmp_path, optimizer, paramwise):
    path = tmp_path / "mm.py"
    path.write_text(MM_TSN_MODEL + optimizer + "\n")
    cfg = load_config(path)
    model = meta_model(cfg)
    got = {a.name: (a.lr_mult, a.decay_mult) for a in assign_params(model, cfg.optimizer)}
    assert got == expected_multipliers(model, paramwise)  # MMAction2's add_params, written out above
    assert got["cls_head.fc_cls.weight"] == (5.0, 1.0) and got["backbone.conv1.weight"] == (1.0, 1.0)


def test_mmaction2_tsm_constructor_without_fc_lr5_treats_the_head_as_any_linear(tmp_path):
    path = tmp_path / "mm.py"
    path.write_text(
        MM_TSN_MODEL
        + "optim_wrapper = dict(constructor='TSMOptimWrapperConstructor', paramwise_cfg=dict(fc_lr5=False),"
        " optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))\n"
    )
    cfg = load_config(path)
    got = {a.name: (a.lr_mult, a.decay_mult) for a in assign_params(meta_model(cfg), cfg.optimizer)}
    assert got["cls_head.fc_cls.weight"] == (1.0, 1.0) and got["cls_head.fc_cls.bias"] == (2.0, 0.0)
    assert got["backbone.layer1.0.bn1.weight"] == (1.0, 0.0)


def test_mmaction2_optim_wrapper_keys_without_a_counterpart_are_reported(tmp_path, caplog):
    path = tmp_path / "mm.py"
    path.write_text(
        MM_TSN_MODEL
        + "optim_wrapper = dict(type='ApexOptimWrapper', constructor='LearningRateDecayOptimizerConstructor',"
        " paramwise_cfg=dict(decay_rate=0.75, norm_decay_mult=0.0), clip_grad=dict(max_norm=5, norm_type=1),"
        " optimizer=dict(type='SGD', lr=0.01), frobnicate=1)\n"
    )
    with caplog.at_level("WARNING"):
        cfg = load_config(path)
    assert cfg.optimizer.param_rules == [] and not cfg.optimizer.zero_wd_norm_bias and cfg.optimizer.grad_clip == 5
    warned = "\n".join(r.getMessage() for r in caplog.records)
    for expected in (
        "optim_wrapper.type='ApexOptimWrapper'",
        "optim_wrapper.constructor='LearningRateDecayOptimizerConstructor': no counterpart",
        "optim_wrapper.clip_grad.norm_type=1",
        "optim_wrapper.frobnicate: not supported",
    ):
        assert f"{path}: ignored {expected}" in warned, expected


def test_mmaction2_paramwise_cfg_maps_both_zero_mults_and_reports_the_rest(tmp_path, caplog):
    path = tmp_path / "mm.py"
    path.write_text(
        MM_TSN_MODEL + "optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, "
        "bypass_duplicate=True), optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))\n"
    )
    with caplog.at_level("WARNING"):
        cfg = load_config(path)
    assert cfg.optimizer.zero_wd_norm_bias
    assert "optim_wrapper.paramwise_cfg.bypass_duplicate=True: not supported" in caplog.text
    path.write_text(
        MM_TSN_MODEL + "optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.0), optimizer=dict(lr=1))\n"
    )
    with caplog.at_level("WARNING"):
        cfg = load_config(path)
    assert not cfg.optimizer.zero_wd_norm_bias
    assert "norm_decay_mult=0.0, bias_decay_mult=None: only both 0 maps" in caplog.text


def test_norm_eval_freezes_batchnorm_statistics_but_trains_its_weights():
    # MMAction2's ResNet.train(): with norm_eval every _BatchNorm goes to eval mode; requires_grad unchanged
    for rel in ("tsn/tsn_r50_1x1x8_50e_sthv1_rgb.py", "tsn/tsn_r50_1x1x16_50e_sthv1_rgb.py"):
        model = meta_model(load_config(config_path(rel)))
        bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        assert len(bns) == 53 and not any(m.training for m in bns)
        assert all(m.weight.requires_grad for m in bns)
    torch.manual_seed(0)
    net = ResNet(depth=18, norm_eval=True).train()
    before = net.bn1.running_mean.clone()
    net(torch.randn(2, 3, 32, 32)).sum().backward()
    assert torch.equal(net.bn1.running_mean, before) and net.bn1.num_batches_tracked.item() == 0
    assert net.bn1.weight.grad is not None and net.bn1.weight.grad.abs().sum() > 0


# -- rules: validation and errors ----------------------------------------------------------------------
def test_param_rules_first_match_wins_and_kinds_follow_mmengine():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    cfg = OptimizerConfig(
        weight_decay=0.1,
        param_rules=[ParamRule(name=r"^2\.", lr_mult=3.0), ParamRule(kind="bias", lr_mult=2.0, decay_mult=0.0)],
        zero_wd_norm_bias=True,
    )
    got = {a.name: (a.lr_mult, a.decay_mult) for a in assign_params(model, cfg)}
    assert got == {
        "0.weight": (1.0, 1.0),
        "0.bias": (2.0, 0.0),  # 'bias' outside a norm layer
        "1.weight": (1.0, 0.0),  # zero_wd_norm_bias's norm rule
        "1.bias": (1.0, 0.0),  # a norm layer's bias is kind 'norm', not 'bias' (mmengine's bias_lr_mult skips it)
        "2.weight": (3.0, 1.0),  # the name rule comes first
        "2.bias": (3.0, 1.0),
    }
    model[0].weight.requires_grad = False  # mmengine leaves frozen parameters out of the optimizer
    assert "0.weight" not in {a.name for a in assign_params(model, cfg)}


def test_a_name_rule_that_selects_nothing_is_an_error():
    cfg = OptimizerConfig(param_rules=[ParamRule(name=r"cls_head\.fc\.weight", lr_mult=5.0)])
    with pytest.raises(ConfigError, match=r"param_rules\.0 .*selects no parameter"):
        assign_params(nn.Sequential(nn.Linear(2, 2)), cfg)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"lr_mult": 2.0}], r"optimizer\.param_rules\.0 selects nothing"),
        ([{"name": "fc[", "lr_mult": 2.0}], r"optimizer\.param_rules\.0\.name 'fc\[' is not a regular expression"),
        ([{"kind": "bias", "decay_mult": -1.0}], r"optimizer\.param_rules\.0\.decay_mult must be >= 0"),
        ([{"kind": "weights"}], r"optimizer\.param_rules\.0\.kind must be one of \['norm', 'bias'\]"),
    ],
)
def test_bad_param_rules_name_the_file_and_key(tmp_path, rules, message):
    path = tmp_path / "bad.py"
    path.write_text(
        f"model = dict(name='tsn_r18')\ndata = dict(num_classes=2)\noptimizer = dict(param_rules={rules!r})\n"
    )
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_bad_schedule_names_the_key(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "model = dict(name='tsn_r18')\ndata = dict(num_classes=2)\nschedule = dict(epochs=5, milestones=[4, 2])\n"
    )
    with pytest.raises(ConfigError, match=r"bad\.py: schedule\.milestones must be increasing epochs"):
        load_config(path)


# -- actionrec config show --recipe ----------------------------------------------------------------------
def test_config_show_recipe_prints_the_resolved_recipe(capsys):
    rel = "uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py"
    assert main(["config", "show", "--recipe", str(config_path(rel)), "--iters-per-epoch", "7"]) == 0
    out = capsys.readouterr().out
    # 1e-5 x (8 x 8) / 256; groups with mmengine's element counts; warm-up over 35 iterations
    assert "1e-05 for a total batch of 256 -> 2.5e-06 (x 64/256) for 8 processes x 8 videos" in out
    assert re.search(r"2\.5e-06\s+0\.05\s+98\s+114,416,640\s+default", out)
    assert re.search(r"2\.5e-06\s+0\s+129\s+135,568\s+kind=norm, kind=bias", out)
    assert "max L2 norm 20" in out
    assert re.search(r"\n\s+34\s+5\s+2\.5e-06\n", out)  # iteration 34 (last of the warm-up): the full lr
    assert re.search(r"\n\s+0\s+1\s+2\.5e-07\n", out)
    assert main(["config", "show", "--recipe", str(config_path(TEST_ONLY[0]))]) == 0
    assert "test-only config" in capsys.readouterr().out


def test_config_show_recipe_shows_frozen_batchnorm_and_tsm_groups(capsys):
    assert main(["config", "show", "--recipe", str(config_path("tsn/tsn_r50_1x1x8_50e_sthv1_rgb.py"))]) == 0
    assert "norm_eval: every BatchNorm in eval mode" in capsys.readouterr().out
    assert main(["config", "show", "--recipe", str(config_path("tsn/tsn_r101_1x1x5_50e_mmit_rgb.py"))]) == 0
    out = capsys.readouterr().out
    assert re.search(r"0\.05\s+0\.0001\s+1\s+641,024\s+name=/\^cls_head", out)
    assert re.search(r"0\.1\s+0\s+1\s+313\s+name=/\^cls_head", out)
