"""`actionrec fuse SCORES... --coefficients 1 1 --labels ANN`: two-stream (late) score fusion."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fuse",
        help="weighted sum of score files (e.g. RGB + flow TSN), then accuracy",
        description="MMAction2's report_accuracy.py: sum coefficient * scores over the files (optionally "
        "softmaxed first), then mean class accuracy and top-1/top-5 (or MMiT mAP with --multi-label). "
        "Score files: .npy (N, K), .pkl (an array, a list of per-video arrays, or an MMAction2 --dump), .pt.",
    )
    p.add_argument("scores", nargs="+", metavar="SCORES")
    p.add_argument("--coefficients", nargs="+", type=float, help="one per score file (default: all 1)")
    p.add_argument("--apply-softmax", action="store_true", help="softmax each file's scores before the sum")
    p.add_argument("--multi-label", action="store_true", help="report MMiT mAP instead of accuracies")
    p.add_argument(
        "--labels",
        metavar="ANN_OR_NPY",
        help="annotation list or .npy of labels (default: the labels inside an MMAction2 --dump)",
    )
    p.add_argument(
        "--annotation-format",
        choices=("video", "rawframe", "json"),
        default="video",
        help="layout of a text --labels file (.json files are always json)",
    )
    p.add_argument("--delimiter", default=" ", help="field separator of a text --labels file")
    p.add_argument("--out", metavar="NPY", help="also save the fused (N, K) scores")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from actionrec.fusion import fuse_and_evaluate, load_labels

    coefficients = args.coefficients or [1.0] * len(args.scores)
    labels = None
    if args.labels:
        labels = load_labels(args.labels, args.multi_label, args.annotation_format, args.delimiter)
    fused, results = fuse_and_evaluate(args.scores, coefficients, labels, args.apply_softmax, args.multi_label)
    names = {
        "mean1": "Mean Class Accuracy",
        "top1": "Top 1 Accuracy",
        "top5": "Top 5 Accuracy",
        "mmit_mean_average_precision": "MMiT Average Precision",
    }
    for key, value in results.items():
        print(f"{names[key]}: {value:.4f}")
    if args.out:
        np.save(args.out, fused)
        print(f"fused scores: {args.out}")
    return 0
