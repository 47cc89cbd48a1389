"""`actionrec config list | show`: the packaged configs, and one config resolved (bases, import, overrides).

With `--recipe`: the training recipe the config resolves to, as `actionrec train` would build it: the LR
after the linear scaling rule (for an assumed number of processes), the parameter groups with their LR,
weight decay and parameter counts, the LR at a few iterations, clipping and frozen layers.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from actionrec.config import Config, ConfigError, config_catalog, load_config_dict
from actionrec.errors import ActionrecError


class UsageError(ActionrecError, ValueError):
    """Command-line options that cannot work together; `actionrec.cli.main` prints it and exits 2."""


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="override config keys, e.g. optimizer.lr=0.01 data.train.batch_size=4 (values are Python literals)",
    )


CONFIG_HELP = "a config file, or a packaged config's name (`actionrec config list`)"


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("config", help="the packaged configs; inspect a config")
    sub = group.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    listing = sub.add_parser(
        "list",
        help="the configs that ship with actionrec: name, model family, dataset",
        description="Every command that takes CONFIG also takes one of these names (the file name without .py).",
    )
    listing.add_argument("--family", help="only this model family (tsn, uniformerv2)")
    listing.add_argument("--dataset", help="only configs whose dataset folder contains this (e.g. kinetics400)")
    listing.add_argument("--json", action="store_true", help="print JSON (with each file's path)")
    listing.set_defaults(func=run_list)

    show = sub.add_parser(
        "show",
        help="print the resolved, validated config",
        description="Reads CONFIG (Python read as data, or YAML; actionrec or MMAction2 style), "
        "merges its _base_ chain, applies --cfg-options, validates it and prints it.",
    )
    show.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    show.add_argument("--format", choices=("yaml", "json"), default="yaml")
    show.add_argument(
        "--recipe",
        action="store_true",
        help="print the resolved training recipe instead (builds the model on the meta device: no weights)",
    )
    show.add_argument(
        "--world-size",
        type=int,
        default=8,
        metavar="N",
        help="processes assumed for the LR scaling rule with --recipe (default 8: MMAction2's recipes are for 8 GPUs)",
    )
    show.add_argument(
        "--iters-per-epoch",
        type=int,
        default=100,
        metavar="N",
        help="iterations per epoch assumed for the schedule with --recipe (default 100; training: videos / batch)",
    )
    add_cfg_options(show)
    show.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    rows = [
        r
        for r in config_catalog()
        if (args.family is None or r.family == args.family.lower())
        and (args.dataset is None or args.dataset.lower() in r.dataset.lower())
    ]
    if args.json:
        documents = [
            {
                "name": r.name,
                "family": r.family,
                "model": r.model,
                "dataset": r.dataset,
                "num_classes": r.num_classes,
                "path": str(r.path),
            }
            for r in rows
        ]
        print(json.dumps(documents, indent=1))
        return 0
    table = [("NAME", "FAMILY", "DATASET", "CLASSES")]
    table += [(r.name, r.family, r.dataset, "-" if r.num_classes is None else str(r.num_classes)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"{len(rows)} configs")
    return 0


def run_show(args: argparse.Namespace) -> int:
    import yaml

    raw, ignored = load_config_dict(args.config, args.cfg_options)  # errors: printed by cli.main
    cfg = Config.from_dict(raw, args.config)
    if args.recipe:
        if args.world_size < 1 or args.iters_per_epoch < 1:
            raise ConfigError("--world-size and --iters-per-epoch must be positive")
        print(format_recipe(cfg, args.config, args.world_size, args.iters_per_epoch), end="")
        return 0
    data = cfg.to_dict()
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print(yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False, width=110, default_flow_style=None), end="")
    for item in ignored:
        print(f"# ignored from the MMAction2 config: {item}", file=sys.stderr)
    return 0


def format_recipe(cfg: Config, source: str, world_size: int, iters_per_epoch: int) -> str:
    """The training recipe `cfg` resolves to, as text (see the module docstring)."""
    # imported here: torch and the models load only for --recipe (CLI start-up time)
    import torch

    from actionrec.build import build_model
    from actionrec.engine.optim import LRSchedule, assign_params, build_optimizer, scaled_lr

    if cfg.data.train is None:
        return f"{source}: test-only config (no data.train): nothing is trained, so there is no recipe\n"
    opt, sched, batch = cfg.optimizer, cfg.schedule, cfg.data.train.batch_size
    total_batch = world_size * batch * opt.accumulate_steps
    logging.getLogger("actionrec.engine.optim").setLevel(logging.WARNING)  # the scaling is printed below
    lr = scaled_lr(opt, world_size, batch)
    with torch.device("meta"):
        model = build_model(cfg.model)
    model.train()  # frozen stages / partial BN / norm_eval take effect as in training
    assignments = assign_params(model, opt)
    optimizer = build_optimizer(model, opt, lr)
    schedule = LRSchedule(optimizer, sched, iters_per_epoch)

    lines = [f"recipe of {source}"]
    kind = (
        f"sgd, momentum {opt.momentum:g}{', nesterov' if opt.nesterov else ''}"
        if opt.type == "sgd"
        else (f"adamw, betas ({opt.betas[0]:g}, {opt.betas[1]:g})")
    )
    lines.append(f"  optimizer   {kind}, weight decay {opt.weight_decay:g}")
    batch_text = f"{world_size} processes x {batch} videos x {opt.accumulate_steps} accumulated = {total_batch}"
    if opt.base_batch_size is None:
        lines.append(f"  lr          {lr:g}, not scaled (no optimizer.base_batch_size); batch {batch_text}")
    else:
        lines.append(
            f"  lr          {opt.lr:g} for a total batch of {opt.base_batch_size} -> {lr:g} "
            f"(x {total_batch}/{opt.base_batch_size}) for {batch_text} (--world-size)"
        )
    lines.append(f"  grad clip   {'max L2 norm ' + format(opt.grad_clip, 'g') if opt.grad_clip else 'none'}")
    lines.append(f"  frozen      {_frozen(cfg, model)}")

    lines.append("  parameter groups (the first matching rule sets both multipliers):")
    lines.append(f"    {'lr':<11} {'weight decay':<13} {'tensors':>7} {'parameters':>13}  selected by")
    by_group: dict[tuple[float, float], list] = {}
    for a in assignments:
        by_group.setdefault((a.lr_mult, a.decay_mult), []).append(a)
    for group, members in zip(optimizer.param_groups, by_group.values()):
        rules = ", ".join(dict.fromkeys(a.rule.split(":")[0] for a in members))
        count = sum(a.param.numel() for a in members)
        lines.append(f"    {group['lr']:<11.4g} {group['weight_decay']:<13g} {len(members):>7} {count:>13,}  {rules}")

    warmup, total = schedule.warmup_iters, schedule.total_iters
    parts = [f"{sched.epochs} epochs x {iters_per_epoch} iterations (--iters-per-epoch) = {total}"]
    if warmup:
        parts.append(f"linear warm-up from {sched.warmup_start_factor:g} x lr over iterations 0-{warmup - 1}")
    if sched.policy == "multistep":
        parts.append(f"x {sched.gamma:g} after epochs {sched.milestones}" if sched.milestones else "then constant")
    elif sched.policy == "cosine":
        floor = f"{sched.eta_min_ratio:g} x lr" if sched.eta_min_ratio is not None else f"{sched.eta_min:g}"
        parts.append(f"cosine from iteration {warmup} towards {floor}")
    else:
        parts.append("then constant")
    lines.append("  schedule    " + "; ".join(parts))
    lines.append(f"    {'iteration':>9} {'epoch':>5}  lr of a group with lr multiplier 1")
    for it in _key_iterations(sched, warmup, total, iters_per_epoch):
        lines.append(f"    {it:>9} {it // iters_per_epoch + 1:>5}  {schedule.lr_at(it, lr):.6g}")
    return "\n".join(lines) + "\n"


def _frozen(cfg: Config, model) -> str:
    notes = []
    if cfg.model.get("norm_eval"):
        notes.append("norm_eval: every BatchNorm in eval mode (running statistics frozen; weights still train)")
    if cfg.model.get("partial_bn"):
        notes.append("partial_bn: every BatchNorm but the first frozen")
    if cfg.model.get("frozen_stages", -1) >= 0:
        notes.append(f"frozen_stages={cfg.model['frozen_stages']}")
    fixed = [p for p in model.parameters() if not p.requires_grad]
    if fixed:
        notes.append(f"{len(fixed)} tensors ({sum(p.numel() for p in fixed):,} parameters) not trained")
    return "; ".join(notes) if notes else "nothing"


def _key_iterations(sched, warmup: int, total: int, iters_per_epoch: int) -> list[int]:
    """First, warm-up, milestone, mid-cosine and last iterations."""
    points = {0, total - 1}
    if warmup:
        points |= {warmup // 2, warmup - 1, warmup}
    if sched.policy == "multistep":
        for m in sched.milestones:
            points |= {m * iters_per_epoch - 1, m * iters_per_epoch}
    if sched.policy == "cosine":
        points.add(warmup + (total - warmup) // 2)
    return sorted(p for p in points if 0 <= p < total)
