"""Per-view inference latency of UniFormerV2-B/16 at 8x224, fp32 vs bf16 autocast.

The same run measures the machine's dense matmul rate (the fastest of large `torch.mm`, `F.linear` and
oneDNN products, `timing.matmul_limit`) in fp32 and bf16, and prints achieved/peak: the model's
multiply-adds x 2 / latency over the matmul rate. Optionally times timm's plain ViT-B/16 on the
same 8 frames for context.

    python benchmarks/uniformerv2_infer.py [--device cpu|cuda] [--reps 3] [--threads N] [--timm]
"""

from __future__ import annotations

import argparse
import statistics

import torch
from timing import describe_rates, matmul_limit, timed

from actionrec.flops import count_flops
from actionrec.models import create_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--timm", action="store_true", help="also time timm's vit_base_patch16_224 on the frames")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    torch.manual_seed(0)

    print(
        f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}"
    )
    peak = {}
    for dtype in (torch.float32, torch.bfloat16):
        peak[dtype], rates = matmul_limit(dtype, device)
        print(f"matmul {str(dtype):15s} limit {peak[dtype] / 1e9:.0f} GFLOP/s (fastest of {describe_rates(rates)})")

    model = create_model("uniformerv2_b16").eval().to(device)
    video = torch.randint(0, 256, (1, 1, 3, args.frames, 224, 224), dtype=torch.uint8, device=device)
    macs = model.macs_per_view(args.frames)
    flops = 2 * macs["total"]
    print(
        f"UniFormerV2-B/16 {args.frames}x224: {macs['total'] / 1e9:.1f} GMACs per view "
        f"({macs['total_without_attention'] / 1e9:.1f} G without attention matmuls, MMAction2's count)"
    )

    for dtype in (torch.float32, torch.bfloat16):
        amp = None if dtype == torch.float32 else "bf16"
        # bf16 without native support (AVX2-only CPUs) runs ~100x slower than fp32: one rep
        slow = peak[dtype] < 0.25 * peak[torch.float32]
        reps, warmup = (1, 0) if slow else (args.reps, 1)
        with torch.inference_mode():
            seconds = timed(lambda amp=amp: model.predict(video, amp=amp), device, reps, warmup, statistics.median)
        achieved = flops / seconds
        print(
            f"{str(dtype):15s} {seconds * 1e3:9.1f} ms/view  {achieved / 1e9:7.1f} GFLOP/s  "
            f"achieved/peak {achieved / peak[dtype]:.2f}" + ("  (no native bf16 matmul here)" if slow else "")
        )

    if args.timm:
        import timm

        vit = timm.create_model("vit_base_patch16_224", num_classes=400).eval().to(device)
        frames = torch.randn(args.frames, 3, 224, 224, device=device)
        vit_flops = 2 * count_flops(vit, frames)
        with torch.inference_mode():
            seconds = timed(lambda: vit(frames), device, args.reps, reduce=statistics.median)
        print(
            f"timm ViT-B/16 x{args.frames} frames fp32 {seconds * 1e3:9.1f} ms  "
            f"achieved/peak {vit_flops / seconds / peak[torch.float32]:.2f}"
        )


if __name__ == "__main__":
    main()
