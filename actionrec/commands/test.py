"""`actionrec test CONFIG CHECKPOINT`: the config's test protocol, MMAction2's metrics."""

from __future__ import annotations

import argparse

from actionrec.commands.config import add_cfg_options
from actionrec.commands.train import config_with_flags


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "test",
        help="test a checkpoint with the config's test protocol",
        description="Scores every video of data.test (clips x crops as the test pipeline says), gathers across "
        "processes (torchrun) without duplicates, prints metrics; saves WORK_DIR/confusion_matrix.npy.",
    )
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="path or URL; actionrec or MMAction2 layout")
    p.add_argument("--dump", metavar="PKL", help="pickle of per-video score arrays (MMAction2 --dump format)")
    p.add_argument("--out", metavar="JSON", help="write the metrics here")
    p.add_argument(
        "--metrics",
        nargs="+",
        help="override test.metrics (top_k_accuracy mean_class_accuracy "
        "mmit_mean_average_precision mean_average_precision)",
    )
    p.add_argument("--split", default="test", choices=("test", "val"))
    p.add_argument("--work-dir")
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="override test.precision; auto = bf16 where the hardware has native bf16 matmuls, else fp32",
    )
    p.add_argument("--amp", choices=("bf16", "fp16"), help="older spelling of --precision")
    p.add_argument(
        "--compile", action="store_true", help="torch.compile the model (test.compile); its warm-up is logged"
    )
    p.add_argument("--device", choices=("cpu", "cuda"))
    p.add_argument("--no-progress", action="store_true")
    add_cfg_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: every `actionrec` command would otherwise load torch and the models
    from actionrec.engine.evaluate import run_test
    from actionrec.engine.logging import format_metrics

    options = [*args.cfg_options, *(["test.compile=True"] if args.compile else [])]
    cfg = config_with_flags(argparse.Namespace(**{**vars(args), "amp": None, "cfg_options": options}))
    results = run_test(
        cfg,
        args.checkpoint,
        split=args.split,
        dump=args.dump,
        out=args.out,
        metrics=args.metrics,
        precision=args.precision or args.amp,
        device=args.device,
        progress=not args.no_progress,
    )
    print(format_metrics(results))
    return 0
