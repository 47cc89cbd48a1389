"""`actionrec features (CONFIG_OR_NAME CKPT | --model ZOO_NAME) LIST_OR_VIDEOS... --out feats.npz`: pre-logit
features per video or clip."""

from __future__ import annotations

import argparse
import os
import sys

from actionrec.commands.config import CONFIG_HELP, UsageError, add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "features",
        usage="actionrec features (CONFIG_OR_NAME CKPT | --model ZOO_NAME) LIST_OR_VIDEO [LIST_OR_VIDEO ...] "
        "--out FILE [options]",
        help="pre-logit feature vectors of videos (per video or per clip) into a .npz, resumably",
        description="Samples and transforms each video with the config's test protocol (clips x crops), runs the "
        "model up to its classifier and writes one feature vector per video (the views' mean) or, with --per-clip, "
        "one per clip (the mean over its crops). Output .npz: features (N, D) float32 or (N, clips, D), paths, "
        "labels (-1: none), failed, failed_reasons, meta. Progress is saved in OUT.partial/ every --save-every "
        "videos: rerunning the same command after a kill computes only the videos not finished. Unreadable videos "
        "are skipped and listed; more than --max-corrupt-fraction of them stops the run.",
    )
    p.add_argument(
        "arguments",
        nargs="+",
        metavar="ARG",
        help=f"CONFIG_OR_NAME CKPT (without --model; {CONFIG_HELP}; CKPT: trained weights, path or URL), then "
        "video files, frame folders, or lists of them (.txt .lst .list .csv .json: `path [label]` per line)",
    )
    p.add_argument("--model", metavar="ZOO_NAME", help="a zoo entry (`actionrec zoo list`) instead of CONFIG CKPT")
    p.add_argument("--no-download", action="store_true", help="with --model: use the cached checkpoint only")
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
    from actionrec import zoo
    from actionrec.config import load_config
    from actionrec.features import check_output, partial_dir, read_inputs, write_features
    from actionrec.recognize import Recognizer, pipeline_from_config, zoo_config_path

    if args.save_every < 1:
        raise UsageError(f"--save-every must be at least 1, got {args.save_every}")
    if not 0.0 <= args.max_corrupt_fraction <= 1.0:
        raise UsageError(f"--max-corrupt-fraction must be between 0 and 1, got {args.max_corrupt_fraction}")
    check_output(args.out)
    if args.no_download and not args.model:
        raise UsageError("--no-download applies to --model (a zoo entry's checkpoint)")
    if args.model:  # the zoo entry's shipped config; its hash-checked checkpoint is fetched below
        entry = zoo.get(args.model)
        if entry.is_fusion:
            raise UsageError(f"{entry.name} is a late fusion; extract features with each of {', '.join(entry.members)}")
        config, checkpoint, inputs = zoo_config_path(entry.name, entry.config), None, args.arguments
    elif len(args.arguments) < 3:
        raise UsageError(
            "give CONFIG_OR_NAME CKPT and at least one list or video (or --model ZOO_NAME and the lists or videos)"
        )
    else:
        config, checkpoint, *inputs = args.arguments
    cfg = load_config(config, list(args.cfg_options))
    _, split = pipeline_from_config(cfg, config)
    list_format = args.list_format if args.list_format != "auto" else _list_format(split.kind)
    # every list is read before the weights are fetched and the model built (minutes): a typo fails at once
    entries = read_inputs(inputs, args.root, list_format=list_format, delimiter=args.delimiter)
    if args.model:
        checkpoint = os.fspath(zoo.checkpoint_path(entry.name, download=not args.no_download))
    # no class names: features need none (and a config's missing label map is no reason to warn)
    options = dict(device=args.device, backend=args.backend, progress=False, label_map=())
    if args.precision:
        options["precision"] = args.precision
    recognizer = Recognizer.from_config(cfg, checkpoint, **options)
    settings = dict(
        config=args.model or os.fspath(config),
        checkpoint=os.fspath(checkpoint),
        checkpoint_file=_stamp(checkpoint),
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
