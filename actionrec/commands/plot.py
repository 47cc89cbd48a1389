"""`actionrec plot WORK_DIR`: loss, accuracy and LR curves, confusion matrix, as PNGs."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plot", help="plot a work dir's training curves and confusion matrix")
    p.add_argument("work_dir", metavar="WORK_DIR")
    p.add_argument("--out", help="folder for the PNGs (default: WORK_DIR/plots)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actionrec.plots import plot_work_dir

    for path in plot_work_dir(args.work_dir, args.out):
        print(path)
    return 0
