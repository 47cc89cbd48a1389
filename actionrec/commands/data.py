"""`actionrec data synth | inspect` (and the `prepare | resize | extract-frames` commands of
actionrec.commands.prepare): make the synthetic dataset, look at an annotation list."""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from actionrec.data import synthetic
from actionrec.data.annotations import (
    UNLABELED,
    Sample,
    load_json_list,
    load_label_map,
    load_rawframe_list,
    load_video_list,
)
from actionrec.data.decoders import FrameFolderReader, FrameReader, VideoDecodeError, open_video
from actionrec.data.paths import missing_reason
from actionrec.progress import progress_bar

BAR_WIDTH = 40
DECODE_CHUNK = 64  # frames per read when --decode-all walks a whole video


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("data", help="datasets: synthetic data, inspection, preparation")
    sub = group.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)

    synth = sub.add_parser(
        "synth",
        help="write the deterministic synthetic action dataset",
        description="Writes H.264 mp4s, train/val video lists, label_map.txt, synthetic.json and README.txt "
        "into OUT_DIR (with --frames also JPEG frame folders and rawframe lists). Same seed, same files.",
    )
    synth.add_argument("out_dir", metavar="OUT_DIR")
    synth.add_argument("--frames", action="store_true", help="also write img_00001.jpg folders and rawframe lists")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--videos-per-class", type=int, default=40, help="training videos per class (default 40)")
    synth.add_argument("--val-videos-per-class", type=int, default=15, help="validation videos per class (default 15)")
    synth.add_argument("--workers", type=int, default=2, help="parallel encoder processes (default 2)")
    synth.set_defaults(func=run_synth)

    inspect = sub.add_parser(
        "inspect",
        help="count, histogram and check the files of an annotation list",
        description="Parses ANN_FILE, prints counts and a class histogram, reports duplicate entries, paths "
        "escaping --root and labels beyond --label-map, decodes one sample and lists missing or empty files "
        "(with --decode-all: every file that fails to decode or is truncated). Exit status: 0 all readable, "
        "1 some files unreadable or list problems reported, 2 the annotation file is missing or malformed.",
    )
    inspect.add_argument("ann_file", metavar="ANN_FILE")
    inspect.add_argument("--root", default="", help="folder the list's paths are relative to")
    inspect.add_argument("--type", choices=("video", "rawframes"), default="video", dest="list_type")
    inspect.add_argument("--label-map", help="class names (one per line, or JSON)")
    inspect.add_argument("--decode-all", action="store_true", help="decode every frame of every file")
    inspect.add_argument("--delimiter", default=" ", help="field delimiter (default: whitespace)")
    inspect.add_argument("--multi-label", action="store_true")
    inspect.add_argument("--unlabeled", action="store_true", help="the list is for inference: lines may lack labels")
    inspect.add_argument("--with-offset", action="store_true", help="rawframe lines are `frame_dir offset total label`")
    inspect.add_argument("--backend", default="auto", help="video backend: auto, torchcodec, pyav, decord")
    inspect.set_defaults(func=run_inspect)

    from actionrec.commands.prepare import register_data_subcommands

    register_data_subcommands(sub)


def run_synth(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    total = len(synthetic.CLASSES) * (args.videos_per_class + args.val_videos_per_class)
    with progress_bar(total=total, unit="video", desc="synth") as bar:
        meta = synthetic.generate(
            args.out_dir,
            seed=args.seed,
            videos_per_class=args.videos_per_class,
            val_videos_per_class=args.val_videos_per_class,
            frames=args.frames,
            workers=args.workers,
            progress=lambda done, _: bar.update(done - bar.n),
        )
    print(
        f"wrote {total} videos of {len(meta['classes'])} classes to {args.out_dir} "
        f"in {time.perf_counter() - start:.1f} s (see {os.path.join(args.out_dir, 'README.txt')})"
    )
    return 0


def _load(args: argparse.Namespace) -> list[Sample]:
    unlabeled = args.unlabeled
    if args.ann_file.endswith(".json"):
        return load_json_list(args.ann_file, args.root, multi_label=args.multi_label, allow_unlabeled=unlabeled)
    if args.list_type == "rawframes":
        return load_rawframe_list(
            args.ann_file, args.root, args.delimiter, args.with_offset, args.multi_label, allow_unlabeled=unlabeled
        )
    return load_video_list(args.ann_file, args.root, args.delimiter, args.multi_label, allow_unlabeled=unlabeled)


def run_inspect(args: argparse.Namespace) -> int:
    samples = _load(args)  # a bad list raises: cli.main prints it in the common error style (--debug: traceback)
    names = load_label_map(args.label_map) if args.label_map else None
    print(f"{args.ann_file}: {len(samples)} samples ({args.list_type})")
    _print_histogram(samples, names)
    list_problems = _list_problems(samples, args.root, names)
    if list_problems:
        print(f"{len(list_problems)} list problems:")
        for problem in list_problems:
            print(f"  {problem}")

    if args.decode_all:
        problems = {}
        for sample in progress_bar(samples, unit="file", desc="decode"):
            reason = _decode_everything(sample, args)
            if reason:
                problems[sample.path] = reason
    else:
        problems = {s.path: reason for s in samples if (reason := _quick_check(s, args.list_type))}
        readable = next((s for s in samples if s.path not in problems), None)
        if readable is not None:
            reason = _describe_one(readable, args)
            if reason:
                problems[readable.path] = reason

    if problems:
        print(f"{len(problems)} unreadable {'files' if args.list_type == 'video' else 'frame folders'}:")
        for path, reason in problems.items():
            print(f"  {path}: {reason}")
        return 1
    checked = "decoded" if args.decode_all else "present and non-empty"
    print(f"all {len(samples)} {'files' if args.list_type == 'video' else 'frame folders'} {checked}")
    return 1 if list_problems else 0


def _list_problems(samples: list[Sample], root: str, names: list[str] | None) -> list[str]:
    """Duplicate entries, paths that leave ``root`` (``../``, absolute) and labels beyond the label map."""
    problems = []
    first_seen: dict[str, Sample] = {}
    for sample in samples:
        key = os.path.normpath(sample.path)
        if key in first_seen:
            problems.append(f"duplicate entry: {sample.path} at {first_seen[key].source} and {sample.source}")
        else:
            first_seen[key] = sample
        if root:
            relative = os.path.relpath(key, os.path.normpath(root))
            if relative == os.pardir or relative.startswith(os.pardir + os.sep):
                problems.append(f"escapes the data root: {sample.source}: {relative}")
        if names:
            labels = sample.label if isinstance(sample.label, tuple) else (sample.label,)
            beyond = [label for label in labels if label >= len(names)]
            if beyond:
                problems.append(f"label {beyond[0]} is beyond the label map's {len(names)} classes: {sample.source}")
    return problems


def _print_histogram(samples: list[Sample], names: list[str] | None) -> None:
    counts: Counter[int] = Counter()
    for sample in samples:
        counts.update(sample.label if isinstance(sample.label, tuple) else (sample.label,))
    unlabeled = counts.pop(UNLABELED, 0)
    multi = sum(isinstance(s.label, tuple) for s in samples)
    print(
        f"classes with samples: {len(counts)}"
        + (f" of {len(names)}" if names else "")
        + (f"; unlabeled: {unlabeled}" if unlabeled else "")
        + (f"; multi-label lines: {multi}" if multi else "")
    )
    if not counts:
        return
    peak = max(counts.values())
    for label in sorted(counts):
        name = names[label] if names and label < len(names) else ""
        bar = "#" * max(1, round(BAR_WIDTH * counts[label] / peak))
        print(f"  {label:>4} {name[:28]:<28} {counts[label]:>7}  {bar}")


def _quick_check(sample: Sample, list_type: str) -> str | None:
    """A problem visible without decoding: missing or empty file / folder."""
    if list_type == "rawframes":
        reason = missing_reason(sample.path)
        if reason is not None or not os.path.isdir(sample.path):
            return "no such frame folder" if reason in (None, "no such file") else reason
        return None if os.listdir(sample.path) else "empty frame folder"
    reason = missing_reason(sample.path)
    if reason is not None:
        return reason
    return None if os.path.getsize(sample.path) else "empty file (0 bytes)"


def _open(sample: Sample, args: argparse.Namespace) -> FrameReader:
    if args.list_type == "rawframes":
        return FrameFolderReader(sample.path, num_frames=sample.total_frames, offset=sample.offset)
    return open_video(sample.path, args.backend)


def _describe_one(sample: Sample, args: argparse.Namespace) -> str | None:
    """Decode first, middle and last frame of one sample and print what a pipeline will see."""
    try:
        with _open(sample, args) as reader:
            n = reader.num_frames
            frames = reader.read([0, n // 2, n - 1])
            fps = getattr(reader, "fps", None)
    except (VideoDecodeError, IndexError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    if reader.promised_frames is not None:
        return f"truncated: it lists {reader.promised_frames} frames, only the first {n} decode"
    fps_text = f"{fps:.2f}" if fps else "n/a"
    print(
        f"sample {sample.path}: {n} frames, fps {fps_text}, frame shape (C, H, W) = {tuple(frames.shape[1:])}, "
        f"reader {type(reader).__name__}"
    )
    return None


def _decode_everything(sample: Sample, args: argparse.Namespace) -> str | None:
    try:
        with _open(sample, args) as reader:
            n = reader.num_frames
            if n <= 0:
                return "no frames"
            for begin in range(0, n, DECODE_CHUNK):
                reader.read(list(range(begin, min(begin + DECODE_CHUNK, n))))
            if reader.promised_frames is not None:
                return f"truncated: it lists {reader.promised_frames} frames, only the first {n} decode"
    except (VideoDecodeError, IndexError, OSError) as error:
        return f"{type(error).__name__}: {error}"
    return None
