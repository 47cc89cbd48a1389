"""`actionrec benchmark CONFIG [CHECKPOINT]`: inference speed (videos/s) and peak memory."""

from __future__ import annotations

import argparse
import json

from actionrec.commands.config import add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "benchmark",
        help="videos/s and peak memory, model only and end to end",
        description="Model only: batch 1, one video under the test protocol (clips x crops), after warm-up, "
        "fp32 and bf16. End to end: the test loader (decoding + transforms) plus the model, if the data exists.",
    )
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--videos", type=int, default=20, help="videos timed end to end")
    p.add_argument("--amp", nargs="+", default=["fp32", "bf16"], choices=("fp32", "bf16", "fp16"))
    p.add_argument("--no-end-to-end", action="store_true")
    p.add_argument("--device", choices=("cpu", "cuda"))
    p.add_argument("--out", metavar="JSON")
    add_cfg_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from actionrec.build import build_model
    from actionrec.config import load_config
    from actionrec.engine import distributed
    from actionrec.engine.benchmark import benchmark_end_to_end, benchmark_model, input_shape_from_pipeline

    cfg = load_config(args.config, args.cfg_options)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = build_model(cfg.model)
    if args.checkpoint:
        from actionrec.checkpoints import load_checkpoint

        load_checkpoint(model, args.checkpoint)
    split = cfg.data.test or cfg.data.val
    shape = input_shape_from_pipeline(split.pipeline, split.modality)
    results: dict = {"input": list(shape), "device": str(device), "threads": torch.get_num_threads()}
    for mode in args.amp:
        amp = None if mode == "fp32" else mode
        r = benchmark_model(model, shape, device, amp, args.warmup, args.iters)
        results[f"model_{mode}"] = r
        print(
            f"model only {mode}: {r['videos_per_s']:.2f} videos/s ({r['ms_per_video']:.1f} ms/video), "
            f"peak memory {r['peak_memory_mb']:.0f} MB"
        )
    if not args.no_end_to_end:
        from actionrec.engine.data import build_eval_loader

        try:
            loader = build_eval_loader(cfg, "test" if cfg.data.test else "val", distributed.DistInfo(device=device))
        except (FileNotFoundError, OSError, ValueError) as e:
            print(f"end to end: skipped, the test data cannot be read ({e})")
        else:
            amp = None if args.amp[0] == "fp32" else args.amp[0]
            r = benchmark_end_to_end(model, loader, device, amp, args.videos)
            results["end_to_end"] = r
            print(
                f"end to end ({args.amp[0]}, {split.num_workers} workers): {r['videos_per_s']:.2f} videos/s "
                f"over {r['videos']} videos, peak memory {r['peak_memory_mb']:.0f} MB"
            )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
    return 0
