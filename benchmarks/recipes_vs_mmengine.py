"""actionrec's training recipes against mmengine's own optimizer construction and LR schedulers.

For each shipped config with a training split, MMAction2's model is built from MMAction2's config
of the same name (pretrained weights off), then mmengine builds the optimizer
wrapper (its `DefaultOptimWrapperConstructor`, or MMAction2's `TSMOptimWrapperConstructor`), applies
`auto_scale_lr` with the runner's own `Runner.scale_lr`, and builds the param schedulers as the runner
does (`convert_to_iter_based` with an epoch of --iters-per-epoch iterations), stepping them as
`ParamSchedulerHook` does. actionrec builds its optimizer and `LRSchedule` from its config of the same
name. Printed: per parameter (MMAction2 names mapped onto actionrec's by the models' checkpoint key maps),
LR and weight-decay mismatches; per iteration, LR mismatches; the clipping norm; BatchNorm layers
kept in eval mode while training (norm_eval).

References per family:
* UniFormerV2: MMAction2 1.2.0's configs (`mmaction/.mim/configs/recognition/uniformerv2`).
* TSN: actionrec's TSN configs carry MMAction2 0.x names and recipes. With --mmaction2-0x (the
  `configs/` folder of MMAction2's 0.x branch) each 0.x file is translated to mmengine terms (SGD +
  `optimizer_config.grad_clip` -> `optim_wrapper`, `TSMOptimizerConstructor` -> MMAction2 1.x's
  `TSMOptimWrapperConstructor`, which has the same code, `lr_config` step -> `MultiStepLR(by_epoch)`,
  as mmcv's step policy). The TSN configs of MMAction2 1.x that have an 0.x counterpart are compared
  too (`TSN_1X_COUNTERPARTS`); their recipes differ from 0.x in places, printed as such.

Runs only where an MMAction2 environment exists (`../shared/tools/mmaction2-env.sh`, default
/tmp/mmenv); the mmengine side runs in that interpreter (this same file, `--mmengine-side`), which is
why mmengine's and actionrec's imports are inside the functions that run in each.

    python benchmarks/recipes_vs_mmengine.py [--mmenv /tmp/mmenv] [--mmaction2-0x DIR] [CONFIG ...]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import subprocess
import sys
import tempfile
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "actionrec" / "configs" / "recognition"

# actionrec (0.x-named) TSN config -> the MMAction2 1.x config with the same model, data and frames
TSN_1X_COUNTERPARTS = {
    "tsn_r50_1x1x3_100e_kinetics400_rgb": "tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb",
    "tsn_r50_video_1x1x8_100e_kinetics400_rgb": "tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb",
    "tsn_r50_1x1x8_50e_sthv2_rgb": "tsn_imagenet-pretrained-r50_8xb32-1x1x8-50e_sthv2-rgb",
    "tsn_r50_1x1x16_50e_sthv2_rgb": "tsn_imagenet-pretrained-r50_8xb32-1x1x16-50e_sthv2-rgb",
    "tsn_r50_dense_1x1x5_100e_kinetics400_rgb": "tsn_imagenet-pretrained-r50_8xb32-dense-1x1x5-100e_kinetics400-rgb",
    "tsn_r50_320p_1x1x3_110e_kinetics400_flow": "tsn_imagenet-pretrained-r50_8xb32_5x1x3-110e_kinetics400-flow",
    "tsn_dense161_320p_1x1x3_100e_kinetics400_rgb": (
        "custom_backbones/tsn_imagenet-pretrained-dense161_8xb32-1x1x3-100e_kinetics400-rgb"
    ),
    "tsn_rn101_32x4d_320p_1x1x3_100e_kinetics400_rgb": (
        "custom_backbones/tsn_imagenet-pretrained-rn101-32x4d_8xb32-1x1x3-100e_kinetics400-rgb"
    ),
    "tsn_swin_transformer_video_320p_1x1x3_100e_kinetics400_rgb": (
        "custom_backbones/tsn_imagenet-pretrained-swin-transformer_8xb32-1x1x3-100e_kinetics400-rgb"
    ),
}
REL_TOL = 1e-9


# -- the mmengine side (runs in the MMAction2 environment) ------------------------------------------
def mmengine_recipe(job: dict) -> dict:
    """MMAction2's model + mmengine's optimizer, LR scaling and schedulers for one config file."""
    # imported here: this function runs in the MMAction2 interpreter, the rest of the file in actionrec's
    import torch
    from mmaction.registry import MODELS, PARAM_SCHEDULERS
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner

    cfg = Config.fromfile(job["file"])
    model_cfg = copy.deepcopy(cfg.model)
    backbone = model_cfg.backbone
    for key in ("pretrained", "init_cfg"):
        if key in backbone:
            backbone[key] = None
    if "clip_pretrained" in backbone:
        backbone.clip_pretrained = False
    if model_cfg.cls_head.get("type") == "UniFormerHead":
        model_cfg.cls_head.pop("channel_map", None)
        model_cfg.cls_head.pop("init_cfg", None)
    if job["generation"] == "0x":
        model_cfg.pop("train_cfg", None)
        model_cfg.pop("test_cfg", None)
        model_cfg.setdefault("data_preprocessor", dict(type="ActionDataPreprocessor"))
        model_cfg.cls_head.pop("multi_class", None)
        model_cfg.cls_head.pop("label_smooth_eps", None)
        optim_wrapper, param_scheduler, max_epochs, batch_size, auto_scale_lr = _translate_0x(cfg)
    else:
        optim_wrapper = cfg.optim_wrapper
        param_scheduler = cfg.param_scheduler
        max_epochs = cfg.train_cfg.max_epochs
        batch_size = cfg.train_dataloader.batch_size
        auto_scale_lr = cfg.get("auto_scale_lr")
    model = MODELS.build(model_cfg)  # on the CPU: MMAction2's UniFormerV2 cannot be built on the meta device
    model.train()  # the runner trains in train mode; frozen stages / partial BN take effect here
    wrapper = build_optim_wrapper(model, optim_wrapper)
    runner = types.SimpleNamespace(
        _train_dataloader=dict(batch_size=batch_size),
        world_size=job["world_size"],
        logger=types.SimpleNamespace(info=lambda msg: None),
        param_schedulers=None,
    )
    Runner.scale_lr(runner, wrapper, auto_scale_lr)  # the runner's own code, on a stand-in runner
    epoch_length = job["iters_per_epoch"]
    schedulers = []
    for s in param_scheduler if isinstance(param_scheduler, list) else [param_scheduler]:
        s = copy.deepcopy(s)
        s.setdefault("end", max_epochs)
        schedulers.append(PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=wrapper, epoch_length=epoch_length)))
    optimizer = wrapper.optimizer
    group_of = {id(p): i for i, g in enumerate(optimizer.param_groups) for p in g["params"]}
    params = [[name, list(p.shape), group_of[id(p)]] for name, p in model.named_parameters() if id(p) in group_of]
    # the lr each group's schedule starts from (after auto_scale_lr; the schedulers stored it)
    groups = [{"lr": g["initial_lr"], "weight_decay": g["weight_decay"]} for g in optimizer.param_groups]
    lrs = []
    for _ in range(max_epochs):
        for _ in range(epoch_length):
            lrs.append([g["lr"] for g in optimizer.param_groups])
            optimizer.step()  # no gradients: nothing changes, but the schedulers see a step
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    clip = (optim_wrapper.get("clip_grad") or {}).get("max_norm")
    frozen_bn = sum(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and not m.training for m in model.modules())
    return {
        "params": params,
        "groups": groups,
        "lrs": lrs,
        "grad_clip": clip,
        "batch_size": batch_size,
        "frozen_bn": frozen_bn,
    }


def _translate_0x(cfg) -> tuple:
    """An MMAction2 0.x recipe in mmengine terms (same optimizer groups and step schedule)."""
    optimizer = dict(cfg.optimizer)
    constructor = optimizer.pop("constructor", None)
    paramwise = optimizer.pop("paramwise_cfg", None)
    wrapper = dict(type="OptimWrapper", optimizer=optimizer)
    clip = (cfg.get("optimizer_config") or {}).get("grad_clip")
    if clip:
        wrapper["clip_grad"] = dict(clip)
    if constructor == "TSMOptimizerConstructor":
        wrapper.update(constructor="TSMOptimWrapperConstructor", paramwise_cfg=dict(paramwise))
    elif constructor is not None or paramwise:
        raise NotImplementedError(f"0.x optimizer constructor {constructor!r} / paramwise_cfg {paramwise!r}")
    lr_config = dict(cfg.lr_config)
    if lr_config.pop("policy") != "step" or lr_config.get("warmup"):
        raise NotImplementedError(f"0.x lr_config {cfg.lr_config!r}")
    epochs = cfg.total_epochs
    scheduler = dict(
        type="MultiStepLR",
        by_epoch=True,
        begin=0,
        end=epochs,
        milestones=list(lr_config["step"]),
        gamma=lr_config.get("gamma", 0.1),
    )
    data = cfg.data
    batch_size = (data.get("train_dataloader") or {}).get("videos_per_gpu", data.get("videos_per_gpu", 1))
    return wrapper, scheduler, epochs, batch_size, None  # 0.x never scaled the lr


def mmengine_side(jobs_file: str, results_file: str) -> None:
    """Read the jobs, write the references (files: mmengine logs to stdout)."""
    from mmaction.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    results = []
    for job in json.loads(Path(jobs_file).read_text()):
        try:
            results.append(mmengine_recipe(job))
        except Exception as e:  # noqa: BLE001 - one config that cannot be built must not stop the others
            results.append({"error": f"{type(e).__name__}: {e}"})
    Path(results_file).write_text(json.dumps(results))


# -- the actionrec side ------------------------------------------------------------------------------
def actionrec_recipe(config_path: Path, world_size: int, iters_per_epoch: int):
    """actionrec's model (meta device), optimizer groups and per-iteration LRs for one config."""
    import torch

    from actionrec.build import build_model
    from actionrec.config import load_config
    from actionrec.engine.optim import LRSchedule, build_optimizer, scaled_lr

    cfg = load_config(config_path)
    with torch.device("meta"):
        model = build_model(cfg.model)
    model.train()
    lr = scaled_lr(cfg.optimizer, world_size, cfg.data.train.batch_size)
    optimizer = build_optimizer(model, cfg.optimizer, lr)
    schedule = LRSchedule(optimizer, cfg.schedule, iters_per_epoch)
    lrs = []
    for it in range(cfg.schedule.epochs * iters_per_epoch):
        schedule.step(it)
        lrs.append([g["lr"] for g in optimizer.param_groups])
    return cfg, model, optimizer, lrs


def map_names(model, mm_params: list, generation_values: list[float]) -> dict:
    """MMAction2 parameter name -> a value per actionrec parameter, through the model's own checkpoint key maps.

    Each MMAction2 parameter becomes a constant (expanded, memory-free) tensor of its shape holding
    `generation_values[i]`; the converters move, split and reshape it onto actionrec's names.
    """
    import torch

    state = {
        name: torch.tensor(value, dtype=torch.float64).expand(shape)
        for (name, shape, _), value in zip(mm_params, generation_values)
    }
    mapped = model.adapt_state_dict(state)  # the family's checkpoint_filter_fn (MMAction2 layouts)
    return {name: float(t.reshape(-1)[0]) if t.numel() else math.nan for name, t in mapped.items()}


def compare(name: str, config_path: Path, reference: dict, world_size: int, iters_per_epoch: int) -> dict:
    from torch import nn

    cfg, model, optimizer, lrs = actionrec_recipe(config_path, world_size, iters_per_epoch)
    ours = {id(p): (i, g) for i, g in enumerate(optimizer.param_groups) for p in g["params"]}
    names = {n: p for n, p in model.named_parameters()}
    mm_params, mm_groups = reference["params"], reference["groups"]
    mm_lr = map_names(model, mm_params, [mm_groups[g]["lr"] for _, _, g in mm_params])
    mm_wd = map_names(model, mm_params, [mm_groups[g]["weight_decay"] for _, _, g in mm_params])
    mm_group = map_names(model, mm_params, [float(g) for _, _, g in mm_params])
    lines, lr_bad, wd_bad, pairs = [], 0, 0, set()
    missing = sorted(set(mm_lr) ^ {n for n, p in names.items() if id(p) in ours})
    for pname, p in names.items():
        if id(p) not in ours or pname not in mm_lr:
            continue
        group_index, group = ours[id(p)]
        pairs.add((int(mm_group[pname]), group_index))
        if not math.isclose(group["initial_lr"], mm_lr[pname], rel_tol=REL_TOL):
            lr_bad += 1
            lines.append(f"    lr  {pname}: actionrec {group['initial_lr']:.6g}, mmengine {mm_lr[pname]:.6g}")
        if not math.isclose(group["weight_decay"], mm_wd[pname], rel_tol=REL_TOL, abs_tol=1e-15):
            wd_bad += 1
            lines.append(f"    wd  {pname}: actionrec {group['weight_decay']:.6g}, mmengine {mm_wd[pname]:.6g}")
    iter_bad, worst = 0, 0.0
    mm_lrs = reference["lrs"]
    if len(mm_lrs) != len(lrs):
        lines.insert(0, f"    schedule length: actionrec {len(lrs)} iterations, mmengine {len(mm_lrs)}")
    for it, (ours_it, theirs_it) in enumerate(zip(lrs, mm_lrs)):
        bad = False
        for mm_index, our_index in sorted(pairs):
            a, b = ours_it[our_index], theirs_it[mm_index]
            worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
            if not math.isclose(a, b, rel_tol=REL_TOL):
                bad = True
                if iter_bad < 3:
                    lines.append(f"    it {it}: lr actionrec {a:.8g}, mmengine {b:.8g} (group {our_index}/{mm_index})")
        iter_bad += bad
    clip_ok = cfg.optimizer.grad_clip == reference["grad_clip"]
    frozen_bn = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) and not m.training for m in model.modules())
    if frozen_bn != reference["frozen_bn"]:
        lines.insert(
            0,
            f"    BatchNorm in eval mode while training: actionrec {frozen_bn}, MMAction2 {reference['frozen_bn']}",
        )
    if missing:
        lines.insert(0, f"    parameters in only one model: {missing[:6]}{' ...' if len(missing) > 6 else ''}")
    if not clip_ok:
        lines.insert(0, f"    grad clip: actionrec {cfg.optimizer.grad_clip}, mmengine {reference['grad_clip']}")
    ok = not (lr_bad or wd_bad or iter_bad or missing or not clip_ok or len(mm_lrs) != len(lrs))
    ok = ok and frozen_bn == reference["frozen_bn"]
    print(
        f"{'ok  ' if ok else 'DIFF'} {name}: {len(mm_lr)} parameters ({lr_bad} lr, {wd_bad} wd mismatches), "
        f"{len(lrs)} iterations x {len(pairs)} group pairs ({iter_bad} mismatching, max rel diff {worst:.1e}), "
        f"clip {cfg.optimizer.grad_clip}, {frozen_bn} BN frozen"
    )
    for line in lines[:12]:
        print(line)
    if len(lines) > 12:
        print(f"    ... {len(lines) - 12} more")
    return {"ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", help="actionrec config files (default: every shipped one that trains)")
    parser.add_argument("--mmenv", default="/tmp/mmenv", help="MMAction2 1.2.0 environment (mmaction2-env.sh)")
    parser.add_argument("--mmaction2-0x", type=Path, help="the configs/ folder of MMAction2's 0.x branch")
    parser.add_argument("--iters-per-epoch", type=int, default=7)
    parser.add_argument("--world-size", type=int, default=8, help="processes assumed for LR scaling")
    args = parser.parse_args()
    python = Path(args.mmenv) / "bin" / "python"
    if not python.exists():
        print(f"skipped: no MMAction2 environment at {args.mmenv} (build it with ../shared/tools/mmaction2-env.sh)")
        return 0
    site = subprocess.run(
        [str(python), "-c", "import mmaction, os; print(os.path.dirname(mmaction.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    mm1x = Path(site) / ".mim" / "configs" / "recognition"

    from actionrec.config import load_config

    paths = [Path(p) for p in args.configs] or sorted(CONFIGS.rglob("*.py"))
    jobs, labels = [], []
    for path in paths:
        if load_config(path).data.train is None:
            continue  # test-only, as MMAction2's file
        family = path.parent.name if path.parent.name == "uniformerv2" else "tsn"
        if family == "uniformerv2":
            candidates = [("1.x", mm1x / "uniformerv2" / path.name)]
        else:
            candidates = []
            if args.mmaction2_0x is not None:
                rel = path.relative_to(CONFIGS / "tsn") if path.is_relative_to(CONFIGS / "tsn") else Path(path.name)
                candidates.append(("0.x", args.mmaction2_0x / "recognition" / "tsn" / rel))
            if path.stem in TSN_1X_COUNTERPARTS:
                candidates.append(("1.x", mm1x / "tsn" / (TSN_1X_COUNTERPARTS[path.stem] + ".py")))
        for generation, ref in candidates:
            if not ref.exists():
                print(f"---- {path.name}: no MMAction2 {generation} config {ref}")
                continue
            jobs.append(
                {
                    "file": str(ref),
                    "generation": generation.replace(".", ""),
                    "world_size": args.world_size,
                    "iters_per_epoch": args.iters_per_epoch,
                }
            )
            labels.append((f"{path.stem} vs {generation} {ref.name}", path, f"{family} vs MMAction2 {generation}"))
    with tempfile.TemporaryDirectory() as tmp:
        jobs_file, results_file = Path(tmp) / "jobs.json", Path(tmp) / "results.json"
        jobs_file.write_text(json.dumps(jobs))
        done = subprocess.run(
            [str(python), "-W", "ignore", __file__, "--mmengine-side", str(jobs_file), str(results_file)],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if done.returncode != 0:
            print(done.stdout[-1500:], done.stderr[-3000:])
            return 1
        references = json.loads(results_file.read_text())
    counts: dict[str, dict[str, int]] = {}
    for (label, path, family), reference in zip(labels, references):
        count = counts.setdefault(family, {"equal": 0, "differ": 0, "not built": 0})
        if "error" in reference:
            print(f"---- {label}: MMAction2's model could not be built here ({reference['error'][:150]})")
            count["not built"] += 1
            continue
        result = compare(label, path, reference, args.world_size, args.iters_per_epoch)
        count["equal" if result["ok"] else "differ"] += 1
    print(f"\nsummary ({args.world_size} processes, {args.iters_per_epoch} iterations per epoch):")
    for family, count in counts.items():
        print(f"  {family}: " + ", ".join(f"{n} {what}" for what, n in count.items()))
    if "tsn vs MMAction2 1.x" in counts:
        print("  (actionrec's TSN configs are 0.x recipes; where a 1.x counterpart differs, the 1.x recipe changed)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--mmengine-side"]:
        mmengine_side(*sys.argv[2:4])
    else:
        sys.exit(main())
