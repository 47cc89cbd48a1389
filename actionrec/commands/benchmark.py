"""`actionrec benchmark CONFIG [CHECKPOINT]`: inference speed (videos/s) and peak memory, with their batch."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os

from actionrec.commands.config import CONFIG_HELP, UsageError, add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "benchmark",
        help="videos/s and peak memory, model only and end to end, each with its batch",
        description="Model only: --batch random videos of the test protocol's input (clips x crops) per run. "
        "End to end: the test loader (decoding + transforms, its batch and workers) plus the model, if the data "
        "exists. Each mode is warmed up, then timed until the 95%% confidence interval of its mean is within "
        "--target of it (or --max-seconds). Memory is the peak during each mode. fp32 always; bf16 too when the "
        "hardware has bf16 matmuls (read from /proc/cpuinfo or the CUDA device), or when asked with --amp. The model "
        "runs as `actionrec test` runs it (BatchNorm folded, linears fused; test.fuse / test.compile / "
        "test.max_testing_views apply).",
    )
    p.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    p.add_argument("checkpoint", nargs="?", metavar="CHECKPOINT")
    p.add_argument("--batch", type=int, default=1, help="videos per run, model only (default 1)")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    p.add_argument("--min-runs", type=int, default=5, help="timed runs at least (default 5)")
    p.add_argument("--target", type=float, default=0.05, help="relative 95%% CI to reach (default 0.05)")
    p.add_argument("--max-seconds", type=float, default=60.0, help="time cap per mode (default 60)")
    p.add_argument("--amp", nargs="+", choices=("fp32", "bf16", "fp16"), help="default: fp32, + bf16 if native")
    p.add_argument("--no-end-to-end", action="store_true")
    p.add_argument("--device", choices=("cpu", "cuda"))
    p.add_argument("--out", metavar="JSON")
    add_cfg_options(p)
    p.set_defaults(func=run)


def _line(r) -> str:
    memory = f"peak memory {r.peak_memory_mb:.0f} MB (+{r.memory_growth_mb:.0f} MB during the mode)"
    if not r.memory_measured or r.memory_measured.startswith("not measured"):
        memory = "memory not measured"
    return (
        f"{r.mode}, batch {r.batch}: {r.videos_per_s:.3g} videos/s ({r.ms_per_video:.1f} ms/video "
        f"±{100 * r.ci95_rel:.1f}% at 95%, {r.runs} runs, stopped by {r.stopped_by}); {memory}"
    )


def run(args: argparse.Namespace) -> int:
    import torch

    from actionrec import hardware
    from actionrec.build import build_model
    from actionrec.checkpoints import load_checkpoint
    from actionrec.config import load_config
    from actionrec.engine import distributed
    from actionrec.engine.benchmark import StopRule, benchmark_end_to_end, benchmark_model, input_shape_from_pipeline
    from actionrec.engine.data import build_eval_loader
    from actionrec.engine.evaluate import for_testing
    from actionrec.errors import ActionrecError
    from actionrec.models.fuse import describe_graph

    if args.batch < 1 or args.warmup < 0 or args.min_runs < 2 or not 0 < args.target < 1 or args.max_seconds <= 0:
        raise UsageError("--batch >= 1, --warmup >= 0, --min-runs >= 2, 0 < --target < 1 and --max-seconds > 0")
    cfg = load_config(args.config, args.cfg_options)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = build_model(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint)
    model = for_testing(model, cfg)  # time the model as `actionrec test` runs it, not the training module
    graph = describe_graph(model)
    split = cfg.data.test or cfg.data.val
    if split is None:
        raise UsageError(f"{args.config}: no data.test (or data.val) split, so no test protocol to benchmark")
    shape = input_shape_from_pipeline(split.pipeline, split.modality)
    native_bf16, source = hardware.native_bf16(device), hardware.describe(device)
    modes = args.amp or (["fp32", "bf16"] if native_bf16 else ["fp32"])
    rule = StopRule(args.warmup, args.min_runs, 1000, args.target, args.max_seconds)

    threads = torch.get_num_threads()
    print(f"device: {device} ({threads} torch threads); one video = {tuple(shape)} uint8 (views x ...)")
    print(f"bf16 hardware: {'yes' if native_bf16 else 'no'} ({source})")
    print(f"model as tests run it: {graph}")
    if not args.amp and not native_bf16:
        print("bf16 not timed (no bf16 hardware); time it anyway with --amp fp32 bf16")
    results: dict = {
        "input_per_video": list(shape),
        "device": str(device),
        "threads": threads,
        "bf16_hardware": native_bf16,
        "bf16_detected_from": source,
        "graph": graph,
        "runs": [],
    }
    for mode in modes:
        timing = benchmark_model(model, shape, device, None if mode == "fp32" else mode, args.batch, rule)
        results["runs"].append(timing.to_dict())
        print(_line(timing), flush=True)
    if not args.no_end_to_end:
        amp = None if modes[0] == "fp32" else modes[0]
        try:
            loader = build_eval_loader(cfg, "test" if cfg.data.test else "val", distributed.DistInfo(device=device))
            timing = benchmark_end_to_end(model, loader, device, amp, dataclasses.replace(rule, warmup=2))
        except (OSError, ActionrecError) as e:
            print(f"end to end: skipped, the test data cannot be read or is too small ({e})")
        else:
            results["runs"].append(timing.to_dict())
            print(_line(timing) + f"; {split.num_workers} loader workers (their memory not counted)")
    if results["runs"]:
        print(f"memory measured as: {results['runs'][0]['memory_measured']}")
    unstable = [r["mode"] for r in results["runs"] if r["ci95_rel"] > args.target]
    if unstable:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"not stable within ±{100 * args.target:g}%: {', '.join(unstable)} (load average {load:.1f} on "
            f"{os.cpu_count()} cores: other processes may compete; raise --max-seconds or benchmark on an idle machine)"
        )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
    return 0
