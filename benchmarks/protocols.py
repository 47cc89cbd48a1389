"""Whole test protocols on demo.mp4 against the machine's matmul limit and, in the same run, MMAction2.

    python -u benchmarks/protocols.py [--family tsn uniformerv2] [--reps 1] [--threads 2] [--compile]
        [--sweep] [--mmaction2 /tmp/mmenv/bin/python]

TSN-R50 25 segments x 10 crops (250 views at 224) and UniFormerV2-B/16 8 frames x 4 clips x 3 crops (12 views)
on tests/data/demo.mp4 (a 340x256 Kinetics clip), with the seed configs' own test pipelines. For each
precision / graph variant it prints the model-only time, the whole-video time (decode + transforms + model),
the achieved rate (model FLOPs, counted by torch's FLOP counter, / model time) as a fraction of the matching
matmul limit (the fastest backend's, `timing.matmul_limit`, the best of its measurement at the start and
one right after the variant: a shared machine's speed drifts over minutes, and a limit taken in a slow
spell would flatter the ratio), and the top-5 agreement with the fp32 reference. `--sweep` also times
fixed view-chunk sizes (the input to the automatic chunking's budget).
`--mmaction2 PY` runs `benchmarks/mmaction2_reference.py` with MMAction2's own code (an environment built by
../shared/tools/mmaction2-env.sh) in the same run and prints the speed-up against it. The CPU flags and the
precision `auto` chose are printed first: bf16 pays only where the hardware multiplies bf16 natively.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from timing import describe_rates, matmul_limit, timed

from actionrec import hardware
from actionrec.build import build_model
from actionrec.config import load_config
from actionrec.data.datasets import Pipeline
from actionrec.data.decoders import open_video
from actionrec.flops import count_flops
from actionrec.models.fuse import for_inference

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "tests" / "data" / "demo.mp4"
CONFIGS = {
    "tsn": "actionrec/configs/recognition/tsn/tsn_r50_video_1x1x8_100e_kinetics400_rgb.py",  # tests 25 x 10 crops
    "uniformerv2": "actionrec/configs/recognition/uniformerv2/"
    "uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics400-rgb.py",
}


def views_of(pipeline: Pipeline) -> torch.Tensor:
    with open_video(VIDEO) as reader:
        return pipeline(reader, np.random.default_rng(0))[None]


def run_family(family: str, args, peaks: dict[str, float]) -> dict:
    cfg = load_config(ROOT / CONFIGS[family])
    split = cfg.data.test
    pipeline = Pipeline.from_mmaction(split.pipeline, split.modality)
    model = build_model(cfg.model).eval()
    pipeline_s = timed(lambda: views_of(pipeline), "cpu", args.reps)
    x = views_of(pipeline)
    flops = 2 * count_flops(model.forward_views, x)  # multiply-adds x 2, attention matmuls included
    auto = hardware.resolve_precision("auto")
    print(
        f"\n{family}: {x.shape[1]} views of {tuple(x.shape[2:])}, {flops / 1e12:.2f} TFLOP per video; "
        f"pipeline {pipeline_s:.2f} s; auto -> {auto}"
    )
    reference = model.predict(x, precision="fp32")
    fused = for_inference(model)
    variants = {
        "fp32, one batch, unfused": (model, "fp32", len(x[0])),
        "fp32, auto chunks, fused": (fused, "fp32", None),
        "bf16, auto chunks, fused": (fused, "bf16", None),
    }
    if args.compile:
        compiled = for_inference(model, compile=True)
        start = time.perf_counter()
        compiled.predict(x, precision=auto)
        print(f"  torch.compile warm-up (first call, {auto}): {time.perf_counter() - start:.1f} s")
        variants[f"{auto}, auto chunks, fused, compiled"] = (compiled, auto, None)
    if args.sweep:
        for chunk in (1, 2, 4, 8, 16, 32, 64):
            if chunk < x.shape[1]:
                variants[f"fp32, chunks of {chunk}, fused"] = (fused, "fp32", chunk)
                variants[f"bf16, chunks of {chunk}, fused"] = (fused, "bf16", chunk)
    results = {"views": x.shape[1], "tflop": flops / 1e12, "pipeline_s": pipeline_s}
    for name, (net, precision, chunk) in variants.items():
        net.max_testing_views = chunk
        net._chunks.clear()
        seconds = timed(lambda net=net, p=precision: net.predict(x, precision=p), "cpu", args.reps)
        scores = net.predict(x, precision=precision)
        top5 = set(scores.topk(5).indices[0].tolist()) == set(reference.topk(5).indices[0].tolist())
        # the limit again, right after: on a shared machine the speed drifts over minutes
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        peak = max(matmul_limit(dtype, "cpu", max_n=4096)[0], peaks[precision])
        efficiency = flops / seconds / peak
        results[name] = {"model_s": seconds, "whole_s": seconds + pipeline_s, "efficiency": efficiency}
        print(
            f"  {name:38s} model {seconds:7.2f} s  whole video {seconds + pipeline_s:7.2f} s  "
            f"{flops / seconds / 1e9:6.0f} GFLOP/s = {efficiency:.2f} of the {precision} limit "
            f"({peak / 1e9:.0f})  top-5 kept: {top5}"
        )
    return results


def mmaction2_row(python: str, family: str, args) -> dict | None:
    script = ROOT / "benchmarks" / "mmaction2_reference.py"
    command = [
        python,
        str(script),
        "--model",
        family,
        "--video",
        str(VIDEO),
        "--threads",
        str(args.threads),
        "--reps",
        str(args.reps),
    ]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800).stdout
    except (OSError, subprocess.SubprocessError) as e:
        print(f"  MMAction2 reference not run ({e})")
        return None
    row = json.loads(out.strip().splitlines()[-1])
    print(
        f"  MMAction2 1.2.0 (same run)               model {row['model_s']:7.2f} s  whole video "
        f"{row['whole_video_s']:7.2f} s"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", nargs="+", default=["tsn", "uniformerv2"], choices=sorted(CONFIGS))
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (reports its warm-up)")
    parser.add_argument("--sweep", action="store_true", help="also time fixed chunk sizes")
    parser.add_argument("--mmaction2", metavar="PYTHON", help="an MMAction2 environment's python, for a same-run row")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(hardware.describe("cpu"))
    peaks = {}
    for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        peaks[precision], rates = matmul_limit(dtype, "cpu", max_n=4096)
        print(f"{precision} matmul limit {peaks[precision] / 1e9:.0f} GFLOP/s (fastest of {describe_rates(rates)})")
    for family in args.family:
        ours = run_family(family, args, peaks)
        if args.mmaction2:
            ref = mmaction2_row(args.mmaction2, family, args)
            if ref:
                for name in ("fp32, auto chunks, fused", "bf16, auto chunks, fused"):
                    print(
                        f"  speed-up over MMAction2, whole video, {name}: "
                        f"{ref['whole_video_s'] / ours[name]['whole_s']:.2f}x"
                    )


if __name__ == "__main__":
    main()
