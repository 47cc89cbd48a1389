"""Training throughput: steps/s of the trainer's own step, amp off / auto, against MMAction2 in the same run.

    PYTHONPATH=. python -u benchmarks/train_step.py [--family tsn uniformerv2] [--reps 5] [--threads 2]
        [--mmaction2 /tmp/mmenv/bin/python] [--profile]

One step is what `actionrec train` does per batch: `engine.trainer.forward_backward` (autocast forward, loss,
backward) and `engine.trainer.optimizer_step` (grad clip, optimizer step, zero_grad), with the seed configs'
optimizers (TSN-R50: SGD momentum 0.9, clip 40; UniFormerV2-B/16: AdamW, no decay on norms and biases, clip 20),
on random uint8 batches shaped as MMAction2 trains them: TSN 2 videos x 3 segments at 224, UniFormerV2 1 video
x 8 frames at 224 (data loading excluded, as in MMAction2's row). Variants: amp off (fp32) and amp 'auto' (bf16
autocast where the hardware multiplies bf16 natively, else fp32), and for TSN channels_last on/off. Timing
alternates the variants within each rep and keeps each one's best. `--mmaction2 PY` runs
`benchmarks/mmaction2_reference.py --train-step --train-only` (MMAction2 1.2.0's `model.train_step` with the
config's optim_wrapper, fp32) with the same threads and prints our speed-up over it. `--profile` prints the
top ops of one amp-auto step per family (torch.profiler).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import torch

from actionrec import hardware
from actionrec.build import build_model
from actionrec.config import load_config
from actionrec.engine import distributed
from actionrec.engine.optim import build_optimizer
from actionrec.engine.trainer import StepTally, forward_backward, optimizer_step

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "tsn": "tsn_r50_1x1x3_100e_kinetics400_rgb",
    "uniformerv2": "uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics400-rgb",
}
# (videos, uint8 shape of one video's input), as benchmarks/mmaction2_reference.py's TRAIN_BATCH
BATCH = {"tsn": (2, (3, 3, 224, 224)), "uniformerv2": (1, (1, 3, 8, 224, 224))}


def make_run(family: str, amp: str | None, channels_last: bool = True) -> SimpleNamespace:
    """The parts of `engine.trainer.Run` one step touches, built as `trainer.setup` builds them (no download)."""
    cfg = load_config(CONFIGS[family])
    cfg.train.amp = None if amp is None or hardware.resolve_precision(amp) == "fp32" else "bf16"
    torch.manual_seed(0)
    extra = {"channels_last": channels_last} if family == "tsn" else {}
    model = build_model({**cfg.model, "pretrained": False, **extra}).train()
    optimizer = build_optimizer(model, cfg.optimizer, cfg.optimizer.lr)
    videos, shape = BATCH[family]
    batch = {
        "inputs": torch.randint(0, 256, (videos, *shape), dtype=torch.uint8),
        "label": torch.arange(videos) % cfg.data.num_classes,
    }
    dist = distributed.DistInfo()  # one process on the CPU
    run = SimpleNamespace(
        cfg=cfg,
        dist=dist,
        model=model,
        net=model,
        optimizer=optimizer,
        scaler=torch.amp.GradScaler("cuda", enabled=False),
        state=SimpleNamespace(epoch=0, epoch_iteration=0, iteration=0),
    )
    run.step = lambda: step(run, batch)
    return run


def step(run: SimpleNamespace, batch: dict) -> float:
    tally = StepTally(readable=len(batch["label"]), skipped=0, empty_ranks=0, stop=False)
    loss = forward_backward(run, batch, tally, boundary=True)
    optimizer_step(run)
    return loss


def mmaction2_row(python: str, family: str, args) -> dict | None:
    command = [python, str(ROOT / "benchmarks" / "mmaction2_reference.py"), "--model", family, "--train-step"]
    command += ["--train-only", "--threads", str(args.threads), "--reps", str(args.reps)]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=3600).stdout
    except (OSError, subprocess.SubprocessError) as e:
        print(f"  MMAction2 reference not run ({e})")
        return None
    return json.loads(out.strip().splitlines()[-1])


def run_family(family: str, args) -> dict[str, float]:
    variants = {"amp off (fp32)": make_run(family, None), "amp auto": make_run(family, "auto")}
    if family == "tsn":
        variants["amp off (fp32), channels_last off"] = make_run(family, None, channels_last=False)
        variants["amp auto, channels_last off"] = make_run(family, "auto", channels_last=False)
    auto = variants["amp auto"].cfg.train.amp or "fp32"
    videos, shape = BATCH[family]
    print(f"\n{family}: {videos} x {list(shape)} uint8 per step, {CONFIGS[family]}; amp auto -> {auto}")
    for run in variants.values():
        run.step()  # warm-up: allocates the optimizer state, oneDNN primitives
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(args.reps):
        for name, run in variants.items():
            start = time.perf_counter()
            run.step()
            best[name] = min(best[name], time.perf_counter() - start)
    for name, seconds in best.items():
        print(f"  {name:36s} {seconds:6.3f} s/step  {1 / seconds:6.2f} steps/s")
    if args.profile:
        with torch.profiler.profile() as prof:
            variants["amp auto"].step()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.profile_rows))
    if args.mmaction2:
        row = mmaction2_row(args.mmaction2, family, args)
        if row:
            ref = row["train_step_s"]
            print(f"  MMAction2 1.2.0 (same run, fp32)     {ref:6.3f} s/step  {1 / ref:6.2f} steps/s")
            for name in ("amp off (fp32)", "amp auto"):
                print(f"  speed-up over MMAction2, {name}: {ref / best[name]:.2f}x")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", nargs="+", default=["tsn", "uniformerv2"], choices=sorted(CONFIGS))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--mmaction2", metavar="PYTHON", help="an MMAction2 environment's python, for a same-run row")
    parser.add_argument("--profile", action="store_true", help="print the top ops of one amp-auto step")
    parser.add_argument("--profile-rows", type=int, default=25)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(hardware.describe("cpu"), f"torch {torch.__version__}")
    for family in args.family:
        run_family(family, args)


if __name__ == "__main__":
    main()
