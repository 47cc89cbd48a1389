"""`actionrec data prepare | resize | extract-frames`: thin shells over `actionrec.prepare`.

`actionrec/commands/data.py` owns the `data` group and calls `register_data_subcommands` with its
sub-parsers object.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actionrec.prepare import DATASETS, PrepareError, PrepareOptions, prepare_dataset
from actionrec.prepare.common import MISSING_REPORT
from actionrec.prepare.frames import FLOW_METHODS, FlowUnavailableError, extract_frames
from actionrec.prepare.resize import RunSummary, resize_videos


def register_data_subcommands(data_subparsers: argparse._SubParsersAction) -> None:
    p = data_subparsers.add_parser(
        "prepare",
        help="write annotation lists and label maps from a dataset's official annotation files",
        description="Reads NAME's official annotations under --src (MMAction2's data/NAME layout, see "
        "docs/datasets/NAME.md) and writes the video / rawframe lists and label maps into --out.",
    )
    p.add_argument("name", choices=sorted(DATASETS), metavar="NAME", help=", ".join(DATASETS))
    p.add_argument("--src", type=Path, required=True, help="dataset folder (annotations/, videos...)")
    p.add_argument("--out", type=Path, required=True, help="folder for the lists and label maps")
    p.add_argument("--annotations", type=Path, help="annotation folder (default: the layout's)")
    p.add_argument("--videos", type=Path, help="one video folder for every split (default: the layout's)")
    p.add_argument("--frames", type=Path, help="one frame folder for every split (default: the layout's)")
    p.add_argument("--ext", help="extension written for videos not on disk (default: the dataset's, e.g. .mp4)")
    p.add_argument("--drop-missing", action="store_true", help="leave videos that are not on disk out of the lists")
    p.set_defaults(func=run_prepare)

    r = data_subparsers.add_parser(
        "resize",
        help="re-encode videos to short side 256/320 with a short GOP (faster sparse sampling)",
        description="Re-encodes every video under SRC into OUT (same relative path, .mp4, H.264, no audio). "
        "Resumable: finished outputs are skipped; unreadable videos go to OUT/resize_report.txt.",
    )
    r.add_argument("src", type=Path, metavar="SRC")
    r.add_argument("out", type=Path, metavar="OUT")
    r.add_argument("--short-side", type=int, default=256, help="256 or 320 in the zoo (default 256)")
    r.add_argument("--gop", type=int, default=12, help="key-frame interval, 12..30 recommended (default 12)")
    r.add_argument("--workers", type=int, default=1, help="parallel videos (one encoder thread each)")
    r.add_argument("--backend", choices=("auto", "ffmpeg", "pyav"), default="auto")
    r.set_defaults(func=run_resize)

    e = data_subparsers.add_parser(
        "extract-frames",
        help="write RGB frame folders (and optical flow) plus rawframe lists with true frame counts",
        description="SRC is a video folder or a video list (`relpath label...`, videos under --root). "
        "Writes OUT/<video>/img_00001.jpg... and, with --flow, x_/y_00001.jpg; resumable per video.",
    )
    e.add_argument("src", type=Path, metavar="SRC_LIST_OR_DIR")
    e.add_argument("out", type=Path, metavar="OUT")
    e.add_argument("--flow", choices=FLOW_METHODS, default="none", help="tvl1 needs `pip install actionrec[flow]`")
    e.add_argument("--workers", type=int, default=1)
    e.add_argument("--short-side", type=int, help="resize frames to this short side (default: keep)")
    e.add_argument("--root", type=Path, help="video root for a list SRC (default: the list's folder)")
    e.add_argument("--lists", type=Path, help="folder for the rawframe lists (default: OUT)")
    e.set_defaults(func=run_extract_frames)


def run_prepare(args: argparse.Namespace) -> int:
    options = PrepareOptions(
        drop_missing=args.drop_missing, videos=args.videos, frames=args.frames, annotations=args.annotations,
        ext=args.ext,
    )  # fmt: skip
    try:
        report = prepare_dataset(args.name, args.src, args.out, options)
    except (PrepareError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for split in report.splits:
        note = f", {split.num_missing} missing" if split.num_missing else ""
        print(f"{report.out / split.name}: {split.written} lines{note}")
    for path in report.label_maps:
        print(f"{path}: label map")
    if report.num_missing:
        action = "dropped from" if args.drop_missing else "kept in"
        print(
            f"{report.num_missing} referenced videos/frame folders not on disk ({action} the video lists), "
            f"listed in {report.out / MISSING_REPORT}"
        )
    return 0


def _print_summary(summary: RunSummary) -> int:
    print(f"{summary.done} done, {summary.skipped} already finished, {len(summary.failed)} failed")
    if summary.failed:
        print(f"failures listed in {summary.report}")
    return 0


def run_resize(args: argparse.Namespace) -> int:
    try:
        summary = resize_videos(args.src, args.out, args.short_side, args.gop, args.workers, args.backend)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return _print_summary(summary)


def run_extract_frames(args: argparse.Namespace) -> int:
    try:
        summary = extract_frames(
            args.src, args.out, flow=args.flow, workers=args.workers, short_side=args.short_side,
            root=args.root, lists_dir=args.lists,
        )  # fmt: skip
    except (FileNotFoundError, ValueError, FlowUnavailableError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return _print_summary(summary)
