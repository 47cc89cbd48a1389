"""`actionrec recognize VIDEO... --model NAME | --config CFG --checkpoint CKPT`: top-k classes per video.

With `--window S [--stride S]`: top-k per time window, the video streamed in one decoding pass;
`--out-video` writes it back with the labels drawn on, `--timeline` plots them over time.

`--json` prints one list, a document per video. Whole video: `{"video", "source", "topk":
[{"label", "score"}, ...], "labels", "scores"}`. Windows: `{"video", "windows": [{"source",
"start", "end", "topk", "labels", "scores"}, ...]}`, start/end in seconds, windows in time
order; topk best first (--topk of them), "scores" every class's probability in "labels" order.
`--jsonl` prints the same records one per line, each as soon as it is done (a window as its end
frame is decoded), with "video" in every record: a live feed for another program. Keys may be
added, never renamed or removed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from actionrec.commands.config import CONFIG_HELP, UsageError, add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "recognize",
        help="recognise actions in videos (whole, or in time windows)",
        description="Samples and transforms each video with the config's test protocol (clips x crops), averages the "
        "views as the config says and prints the most probable classes. With --window, one prediction per window "
        "of that many seconds (frame timestamps from the video's pts). Flow models take flow frame folders.",
    )
    p.add_argument(
        "videos", nargs="+", metavar="VIDEO", help="video file, or frame folder (flow folder for flow models)"
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="ZOO_NAME", help="a zoo entry (`actionrec zoo list`)")
    source.add_argument("--config", metavar="CONFIG", help=f"{CONFIG_HELP}; needs --checkpoint")
    p.add_argument("--checkpoint", metavar="CKPT", help="weights for --config: path or URL")
    p.add_argument("--topk", type=int, default=5, metavar="K", help="classes shown per prediction (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON: every class score and the top-k")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="print one JSON record per line as each window (or video) is done, flushed: for live consumers",
    )
    p.add_argument("--window", type=float, metavar="SECONDS", help="predict per window of this many seconds")
    p.add_argument("--stride", type=float, metavar="SECONDS", help="seconds between window starts (default: --window)")
    p.add_argument("--fps", type=float, help="frame rate of frame folders (for --window)")
    p.add_argument(
        "--out-video",
        metavar="FILE",
        help="with --window and one VIDEO: write it as H.264 (no audio, the source frame rate) with the top-k "
        "labels of the latest completed window drawn on each frame ('(warming up)' before the first ends)",
    )
    p.add_argument(
        "--timeline",
        metavar="PNG",
        help="with --window and one VIDEO: plot the probability over time of the classes with the highest probability "
        "in any window, windows marked (needs matplotlib)",
    )
    p.add_argument(
        "--timeline-classes", type=int, default=5, metavar="N", help="classes in the --timeline plot (default 5)"
    )
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="auto = bf16 where the hardware multiplies bf16 natively (AMX / avx512_bf16, recent GPUs), else fp32",
    )
    p.add_argument("--amp", choices=("bf16", "fp16"), help="older spelling of --precision")
    p.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the model (test.compile): faster per view, but the first video of each shape waits "
        "for the compilation (logged); pays off over many videos",
    )
    p.add_argument("--label-map", metavar="FILE", help="class names (default: the zoo entry's or the config's)")
    p.add_argument(
        "--backend",
        choices=("auto", "pyav", "torchcodec", "decord"),
        help="video decoder (default: the config's, else auto)",
    )
    p.add_argument("--no-download", action="store_true", help="with --model: use the cached checkpoint only")
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    add_cfg_options(p)
    p.set_defaults(func=run)


def _text(video: str, result, topk: int) -> str:
    if isinstance(result, list):
        lines = [f"{video}: {len(result)} windows"]
        for window in result:
            best = ", ".join(f"{name} {score:.3f}" for name, score in window.topk(topk))
            lines.append(f"  {window.span:>17}  {best}")
        return "\n".join(lines)
    rows = [f"  {rank}. {name}  {score:.4f}" for rank, (name, score) in enumerate(result.topk(topk), 1)]
    return "\n".join([video, *rows])


def run(args: argparse.Namespace) -> int:
    from actionrec.errors import ActionrecError
    from actionrec.recognize import Recognizer, check_video

    if args.config and not args.checkpoint:
        raise UsageError("--config needs --checkpoint (the trained weights)")
    if args.model and args.checkpoint:
        raise UsageError("--model brings its own checkpoint; use --config CONFIG --checkpoint CKPT for other weights")
    if args.topk < 1:
        raise UsageError(f"--topk must be at least 1, got {args.topk}")
    if args.json and args.jsonl:
        raise UsageError("--json and --jsonl are two formats of the same records: choose one")
    if args.timeline_classes < 1:
        raise UsageError(f"--timeline-classes must be at least 1, got {args.timeline_classes}")
    for option, value in (("--out-video", args.out_video), ("--timeline", args.timeline)):
        if value and args.window is None:
            raise UsageError(f"{option} needs --window SECONDS (it shows the recognition of each time window)")
        if value and len(args.videos) != 1:
            raise UsageError(f"{option} writes one file: give one VIDEO, got {len(args.videos)}")
    if args.timeline and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--timeline needs matplotlib: pip install 'actionrec[plot]'")
    # Every video is opened before the model is built (which can take a minute): a typo fails at once.
    videos, bad = [], 0
    for video in args.videos:
        try:
            check_video(video, args.backend)
        except (ActionrecError, OSError) as e:
            bad += 1
            print(f"error: {_one_line(e)}", file=sys.stderr)
        else:
            videos.append(video)
    if not videos:
        return 2
    options = dict(
        label_map=args.label_map,
        device=args.device,
        amp=args.amp,
        backend=args.backend,
        cfg_options=args.cfg_options,
        progress=not args.no_progress,
    )
    if args.precision:
        options["precision"] = args.precision
    if args.compile:
        options["compile"] = True
    if args.model:
        recognizer = Recognizer.from_zoo(args.model, download=not args.no_download, **options)
    else:
        recognizer = Recognizer.from_config(args.config, args.checkpoint, **options)

    if args.out_video and recognizer.pipeline.modality != "RGB":
        raise UsageError(f"--out-video draws on RGB video; this is a {recognizer.pipeline.modality} model")
    documents = []
    for video in videos:
        try:
            if args.window is None:
                result = recognizer(video, fps=args.fps)
                if args.jsonl:
                    _print_record(video, result, args.topk)
            else:
                emit = (lambda window, video=video: _print_record(video, window, args.topk)) if args.jsonl else None
                result = _windows(recognizer, video, args, emit)
        except (ActionrecError, OSError) as e:  # one unreadable video does not stop the others
            bad += 1
            print(f"error: {_one_line(e)}", file=sys.stderr)
            continue
        if args.jsonl:
            continue
        if args.json:
            if isinstance(result, list):
                documents.append({"video": video, "windows": [w.to_dict(args.topk) for w in result]})
            else:
                documents.append(_record(video, result, args.topk))
        else:
            print(_text(video, result, args.topk), flush=True)
    if args.json:
        print(json.dumps(documents, indent=1))
    return 2 if bad else 0


def _record(video: str, result, topk: int) -> dict:
    """One video's (or window's) JSON record: its result's keys, with the video's path."""
    return {"video": video, **result.to_dict(topk)}


def _print_record(video: str, result, topk: int) -> None:
    print(json.dumps(_record(video, result, topk)), flush=True)


def _windows(recognizer, video: str, args: argparse.Namespace, emit=None) -> list:
    """The windows of one video; with --out-video drawn onto its frames as they stream, each passed to `emit`
    as it is done, with --timeline plotted."""
    from actionrec.annotate import AnnotatedVideo

    annotated = AnnotatedVideo(args.out_video, topk=args.topk) if args.out_video else None
    results = []
    try:
        for result in recognizer.windows(
            video, window=args.window, stride=args.stride, fps=args.fps, tap=annotated and annotated.tap
        ):
            if annotated is not None:
                annotated.show(result)
            if emit is not None:
                emit(result)
            results.append(result)
    finally:
        if annotated is not None:
            annotated.close()
    if annotated is not None:
        print(f"wrote {args.out_video} ({annotated.writer.frames_written} frames)", file=sys.stderr)
    if args.timeline:
        _timeline(results, args)
    return results


def _timeline(results: list, args: argparse.Namespace) -> None:
    from actionrec.plots import plot_timeline

    if not results:
        print(f"warning: no windows to plot in {args.timeline}", file=sys.stderr)
        return
    name = Path(results[0].source).name
    plot_timeline(
        results, args.timeline, classes=args.timeline_classes, title=f"{name}: top {args.timeline_classes} classes"
    )
    print(f"wrote {args.timeline}", file=sys.stderr)


def _one_line(error: BaseException) -> str:
    """The message `actionrec.cli.main` would print for this error."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.strerror}: {error.filename}"
    return str(error)
