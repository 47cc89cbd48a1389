"""`actionrec train CONFIG`: one process, or many under torchrun.

Exit codes: 0 done; 2 bad input (config, data, checkpoint); 3 the loss diverged; 130 / 143 stopped
by SIGINT / SIGTERM after saving `latest.pth` (the message says how to resume).
"""

from __future__ import annotations

import argparse
import sys

from actionrec.commands.config import add_cfg_options
from actionrec.config import ConfigError, load_config, load_config_dict
from actionrec.config.retarget import retarget_overrides, schedule_overrides


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a model from a config",
        description="Trains CONFIG's model. Multi-GPU / multi-node: "
        "torchrun --nproc-per-node N -m actionrec train CONFIG.",
    )
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--work-dir", help="checkpoints and logs (default: the config's work_dir)")
    p.add_argument("--seed", type=int, help="overrides train.seed")
    p.add_argument("--deterministic", action="store_true", help="deterministic algorithms (bit-reproducible on CPU)")
    p.add_argument(
        "--resume", nargs="?", const="latest", metavar="CKPT", help="continue from CKPT (default: WORK_DIR/latest.pth)"
    )
    p.add_argument(
        "--amp",
        choices=("auto", "bf16", "fp16"),
        help="mixed precision; auto = bf16 where the hardware multiplies bf16 natively, else fp32 (fp16 needs CUDA)",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: CUDA when available")
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="torch threads per process (overrides train.threads; default: its cores less one per data worker)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    own = p.add_argument_group("train on your own videos (see actionrec data prepare folder)")
    own.add_argument(
        "--data-root",
        metavar="DIR",
        help="train on DIR's train/val_list_videos.txt and label_map.txt instead of the config's dataset",
    )
    own.add_argument("--num-classes", type=int, metavar="N", help="with --data-root: default, the label map's length")
    own.add_argument("--epochs", type=int, metavar="N", help="schedule length (milestones and warm-up rescaled)")
    add_cfg_options(p)
    p.set_defaults(func=run)


def config_with_flags(args: argparse.Namespace):
    """The config with command-line flags applied as overrides (flags win over --cfg-options)."""
    options = list(args.cfg_options)
    if getattr(args, "work_dir", None):
        options.append(f"work_dir={args.work_dir!r}")
    if getattr(args, "seed", None) is not None:
        options.append(f"train.seed={args.seed}")
    if getattr(args, "deterministic", False):
        options.append("train.deterministic=True")
    if getattr(args, "amp", None):
        options.append(f"train.amp={args.amp!r}")
    if getattr(args, "threads", None) is not None:
        options.append(f"train.threads={args.threads}")
    if getattr(args, "data_root", None) or getattr(args, "epochs", None) is not None:
        raw, _ = load_config_dict(args.config, options)
        if getattr(args, "data_root", None):
            options += retarget_overrides(raw, args.data_root, args.num_classes, args.epochs, str(args.config))
        else:
            options += schedule_overrides(raw.get("schedule") or {}, args.epochs)
    elif getattr(args, "num_classes", None) is not None:
        raise ConfigError("--num-classes goes with --data-root")
    return load_config(args.config, options)


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: every `actionrec` command would otherwise load torch and the models
    from actionrec.engine.trainer import NonFiniteLossError, TrainingInterrupted, train

    cfg = config_with_flags(args)  # errors: printed by cli.main
    try:
        train(cfg, resume=args.resume, device=args.device, progress=not args.no_progress)
    except NonFiniteLossError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except TrainingInterrupted as e:
        # the run's own config.json holds every override, so this resumes exactly this run
        print(f"{e}; resume with: actionrec train {e.latest.parent / 'config.json'} --resume", file=sys.stderr)
        return e.exit_code
    return 0
