"""`actionrec recognize VIDEO... --model NAME | --config CFG --checkpoint CKPT`: top-k classes per video."""

from __future__ import annotations

import argparse
import json
import sys


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
    source.add_argument("--config", metavar="CONFIG", help="an actionrec or MMAction2 config (needs --checkpoint)")
    p.add_argument("--checkpoint", metavar="CKPT", help="weights for --config: path or URL")
    p.add_argument("--topk", type=int, default=5, metavar="K", help="classes shown per prediction (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON: every class score and the top-k")
    p.add_argument("--window", type=float, metavar="SECONDS", help="predict per window of this many seconds")
    p.add_argument("--stride", type=float, metavar="SECONDS", help="seconds between window starts (default: --window)")
    p.add_argument("--fps", type=float, help="frame rate of frame folders (for --window)")
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")
    p.add_argument("--amp", choices=("bf16", "fp16"), help="mixed-precision inference")
    p.add_argument("--label-map", metavar="FILE", help="class names (default: the zoo entry's or the config's)")
    p.add_argument(
        "--backend",
        choices=("auto", "pyav", "torchcodec", "decord"),
        help="video decoder (default: the config's, else auto)",
    )
    p.add_argument("--no-download", action="store_true", help="with --model: use the cached checkpoint only")
    p.set_defaults(func=run)


def _fail(message: object, code: int) -> int:
    print(f"actionrec recognize: error: {message}", file=sys.stderr)
    return code


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
    from actionrec.checkpoints import CheckpointError
    from actionrec.config import ConfigError
    from actionrec.data.decoders import VideoDecodeError
    from actionrec.download import DownloadError
    from actionrec.recognize import Recognizer
    from actionrec.zoo import UnknownEntryError

    if args.config and not args.checkpoint:
        return _fail("--config needs --checkpoint (the trained weights)", 2)
    if args.model and args.checkpoint:
        return _fail("--model brings its own checkpoint; use --config CONFIG --checkpoint CKPT for other weights", 2)
    if args.topk < 1:
        return _fail(f"--topk must be at least 1, got {args.topk}", 2)
    options = dict(label_map=args.label_map, device=args.device, amp=args.amp, backend=args.backend)
    try:
        if args.model:
            recognizer = Recognizer.from_zoo(args.model, download=not args.no_download, **options)
        else:
            recognizer = Recognizer.from_config(args.config, args.checkpoint, **options)
    except (UnknownEntryError, ConfigError, CheckpointError, DownloadError, OSError, ValueError) as e:
        return _fail(e, 1)

    documents, failed = [], 0
    for video in args.videos:
        try:
            result = recognizer(video, window=args.window, stride=args.stride, fps=args.fps)
        except (VideoDecodeError, OSError, ValueError) as e:
            failed += 1
            _fail(e, 1)
            continue
        if args.json:
            if isinstance(result, list):
                documents.append({"video": video, "windows": [w.to_dict(args.topk) for w in result]})
            else:
                documents.append({"video": video, **result.to_dict(args.topk)})
        else:
            print(_text(video, result, args.topk), flush=True)
    if args.json:
        print(json.dumps(documents, indent=1))
    return 1 if failed else 0
