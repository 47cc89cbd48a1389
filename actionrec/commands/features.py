"""`actionrec features CONFIG_OR_NAME CKPT LIST_OR_VIDEOS... --out feats.npz`: pre-logit features per video or clip."""

from __future__ import annotations

import argparse
import os
import sys

from actionrec.commands.config import CONFIG_HELP, UsageError, add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "features",
        help="pre-logit feature vectors of videos (per video or per clip) into a .npz, resumably",
        description="Samples and transforms each video with the config's test protocol (clips x crops), runs the "
        "model up to its classifier and writes one feature vector per video (the views' mean) or, with --per-clip, "
        "one per clip (the mean over its crops). Output .npz: features (N, D) float32 or (N, clips, D), paths, "
        "labels (-1: none), failed, failed_reasons, meta. Progress is saved in OUT.partial/ every --save-every "
        "videos: rerunning the same command after a kill computes only the videos not finished. Unreadable videos "
        "are skipped and listed; more than --max-corrupt-fraction of them stops the run.",
    )
    p.add_argument("config", metavar="CONFIG_OR_NAME", help=CONFIG_HELP)
    p.add_argument("checkpoint", metavar="CKPT", help="trained weights: path or URL")
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="LIST_OR_VIDEO",
        help="video files, frame folders, or lists of them (.txt .lst .list .csv .json: `path [label]` per line)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the .npz to write")
    p.add_argument("--per-clip", action="store_true", help="one vector per clip: features (N, clips, D)")
    p.add_argument("--root", default="", metavar="DIR", help="folder the lists' paths are relative to")
    p.add_argument(
        "--list-format",
        choices=("auto", "video", "rawframes"),
        default="auto",
        help="lines `path [label]` (video) or `frame_dir total_frames [label]` (rawframes); auto: as the config's "
        "test split reads (.json lists are always JSON)",
    )
    p.add_argument("--delimiter", default=" ", help="list field delimiter (default: whitespace)")
    p.add_argument("--save-every", type=int, default=10, metavar="K", help="save progress every K videos (10)")
    p.add_argument(
        "--max-corrupt-fraction",
        type=float,
        default=0.1,
        metavar="F",
        help="stop when more than this fraction of the videos is unreadable (0.1, as train.max_corrupt_fraction)",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when available")
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="auto = bf16 where the hardware multiplies bf16 natively (AMX / avx512_bf16, recent GPUs), else fp32; "
        "default: the config's test.precision (features are written as float32 either way)",
    )
    p.add_argument(
        "--backend",
        choices=("auto", "pyav", "torchcodec", "decord"),
        help="video decoder (default: the config's, else auto)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    add_cfg_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actionrec.config import load_config
    from actionrec.features import check_output, partial_dir, read_inputs, write_features
    from actionrec.recognize import Recognizer, pipeline_from_config

    if args.save_every < 1:
        raise UsageError(f"--save-every must be at least 1, got {args.save_every}")
    if not 0.0 <= args.max_corrupt_fraction <= 1.0:
        raise UsageError(f"--max-corrupt-fraction must be between 0 and 1, got {args.max_corrupt_fraction}")
    check_output(args.out)
    cfg = load_config(args.config, list(args.cfg_options))
    _, split = pipeline_from_config(cfg, args.config)
    list_format = args.list_format if args.list_format != "auto" else _list_format(split.kind)
    # every list is read before the model is built (which can take a minute): a typo fails at once
    entries = read_inputs(args.inputs, args.root, list_format=list_format, delimiter=args.delimiter)
    # no class names: features need none (and a config's missing label map is no reason to warn)
    options = dict(device=args.device, backend=args.backend, progress=False, label_map=())
    if args.precision:
        options["precision"] = args.precision
    recognizer = Recognizer.from_config(cfg, args.checkpoint, **options)
    settings = dict(
        config=os.fspath(args.config),
        checkpoint=os.fspath(args.checkpoint),
        checkpoint_file=_stamp(args.checkpoint),
        cfg_options=list(args.cfg_options),
        precision=recognizer.precision,
        root=args.root,
    )
    if partial_dir(args.out).is_dir():
        print(f"resuming from {partial_dir(args.out)}", file=sys.stderr)
    summary = write_features(
        recognizer,
        entries,
        args.out,
        per_clip=args.per_clip,
        save_every=args.save_every,
        max_corrupt_fraction=args.max_corrupt_fraction,
        settings=settings,
        progress=not args.no_progress,
    )
    if summary.failed:
        listed = "; ".join(f"{name} ({reason})" for name, reason in summary.failed)
        print(
            f"warning: {len(summary.failed)} unreadable video(s) skipped, listed under 'failed' in {summary.out}: "
            f"{listed}",
            file=sys.stderr,
        )
    timing = f", {summary.seconds_per_video:.3f} s per video" if summary.computed else ""
    resumed = f" ({summary.resumed} from saved progress)" if summary.resumed else ""
    print(
        f"wrote features {tuple(summary.shape)} of {summary.rows} videos{resumed} to {summary.out}: "
        f"{summary.computed} computed in {summary.seconds:.1f} s{timing}"
    )
    return 0


def _list_format(kind: str) -> str:
    return "rawframes" if kind == "rawframes" else "video"


def _stamp(checkpoint: str) -> str | None:
    """Size and modification time of a local checkpoint: a rerun with retrained weights is not resumed."""
    try:
        stat = os.stat(checkpoint)
    except OSError:
        return None
    return f"{stat.st_size} bytes, mtime {stat.st_mtime_ns}"
