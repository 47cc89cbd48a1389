"""`actionrec data prepare | resize | extract-frames`: thin shells over `actionrec.prepare`.

`actionrec/commands/data.py` owns the `data` group and calls `register_data_subcommands` with its
sub-parsers object.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from actionrec.commands.config import UsageError
from actionrec.prepare import DATASETS, PrepareOptions, prepare_dataset
from actionrec.prepare.common import MISSING_REPORT
from actionrec.prepare.folder import FolderReport, prepare_folder
from actionrec.prepare.frames import FLOW_METHODS, extract_frames
from actionrec.prepare.resize import RunSummary, resize_videos

FOLDER = "folder"  # not a published dataset: a folder of class sub-folders of videos (a private dataset)


def register_data_subcommands(data_subparsers: argparse._SubParsersAction) -> None:
    p = data_subparsers.add_parser(
        "prepare",
        help="write annotation lists and label maps: a published dataset's annotations, or a folder of classes",
        description="Reads NAME's official annotations under --src (MMAction2's data/NAME layout, see "
        "docs/datasets/NAME.md) and writes the video / rawframe lists and label maps into --out. "
        "NAME 'folder': --src holds one sub-folder of videos per class (your own data); writes "
        "train_list_videos.txt and val_list_videos.txt (a seeded split, stratified per class, paths relative "
        "to --src) and label_map.txt (the sorted class names).",
    )
    p.add_argument("name", choices=[FOLDER, *sorted(DATASETS)], metavar="NAME", help=", ".join([FOLDER, *DATASETS]))
    p.add_argument("--src", type=Path, required=True, help="dataset folder (annotations/, videos... or class folders)")
    p.add_argument("--out", type=Path, required=True, help="folder for the lists and label maps")
    p.add_argument("--annotations", type=Path, help="annotation folder (default: the layout's)")
    p.add_argument("--videos", type=Path, help="one video folder for every split (default: the layout's)")
    p.add_argument("--frames", type=Path, help="one frame folder for every split (default: the layout's)")
    p.add_argument("--ext", help="extension written for videos not on disk (default: the dataset's, e.g. .mp4)")
    p.add_argument("--drop-missing", action="store_true", help="leave videos that are not on disk out of the lists")
    p.add_argument("--val-fraction", type=float, help="folder: share of each class's videos for val (default 0.2)")
    p.add_argument("--seed", type=int, help="folder: seed of the split (default 0)")
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
    if args.name == FOLDER:
        return _prepare_folder(args)
    if args.val_fraction is not None or args.seed is not None:
        raise UsageError("--val-fraction and --seed are for `data prepare folder`; published datasets have splits")
    options = PrepareOptions(
        drop_missing=args.drop_missing, videos=args.videos, frames=args.frames, annotations=args.annotations,
        ext=args.ext,
    )  # fmt: skip
    report = prepare_dataset(args.name, args.src, args.out, options)
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


def _prepare_folder(args: argparse.Namespace) -> int:
    other_options = {
        "--annotations": args.annotations,
        "--videos": args.videos,
        "--frames": args.frames,
        "--ext": args.ext,
        "--drop-missing": args.drop_missing,
    }
    unused = [flag for flag, value in other_options.items() if value]
    if unused:
        raise UsageError(
            f"{', '.join(unused)}: not used by `data prepare folder` (only --src, --out, --val-fraction, --seed)"
        )
    report: FolderReport = prepare_folder(
        args.src, args.out, 0.2 if args.val_fraction is None else args.val_fraction, args.seed or 0
    )
    counts = report.videos_per_class.values()
    print(f"{len(report.classes)} classes, {sum(counts)} videos ({min(counts)}-{max(counts)} per class) in {args.src}")
    for split in report.splits:
        print(f"{report.out / split.name}: {split.written} lines")
    print(f"{report.label_maps[0]}: label map")
    if report.train_only:
        print(f"one video only, so none for val: {', '.join(report.train_only)}")
    if report.ignored_files:
        print(f"{report.ignored_files} files skipped (not videos, or not inside a class folder)")
    if args.out.resolve() == args.src.resolve():
        print(f"train on them: actionrec train CONFIG --data-root {args.src}")
    else:
        print(
            f"the lists' paths are relative to {args.src}; `actionrec train CONFIG --data-root DIR` reads the "
            f"lists from beside the videos: use --out {args.src}, or give {args.src} as the config's data root"
        )
    return 0


def _print_summary(summary: RunSummary) -> int:
    print(f"{summary.done} done, {summary.skipped} already finished, {len(summary.failed)} failed")
    if summary.failed:
        print(f"failures listed in {summary.report}")
    return 0


def run_resize(args: argparse.Namespace) -> int:
    summary = resize_videos(args.src, args.out, args.short_side, args.gop, args.workers, args.backend)
    return _print_summary(summary)


def run_extract_frames(args: argparse.Namespace) -> int:
    summary = extract_frames(
        args.src, args.out, flow=args.flow, workers=args.workers, short_side=args.short_side,
        root=args.root, lists_dir=args.lists,
    )  # fmt: skip
    return _print_summary(summary)
