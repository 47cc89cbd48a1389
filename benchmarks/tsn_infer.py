"""TSN-R50 inference speed against this machine's own matmul rate.

    python benchmarks/tsn_infer.py [--views 9] [--size 224] [--iters 5] [--device cpu]

Run with `python -u` to see lines as they come. Measures, in one run: the fp32 and bf16 rate
of large products through each matmul backend, the fastest being the peak (`timing.matmul_limit`), then
TSN-R50 `predict` on one video of `--views` views in fp32 (channels_last) and in bf16 (autocast +
channels_last), and torchvision's ResNet-50 on the same batch for comparison. Achieved rate =
model FLOPs (2 x multiply-adds, counted by torch's FLOP counter) / time; the figure of merit is
achieved / peak. Also checks that the bf16 top-1 equals the fp32 top-1.
"""

from __future__ import annotations

import argparse
import copy

import torch
import torchvision
from timing import describe_rates, matmul_limit, timed

from actionrec.flops import count_flops
from actionrec.models import create_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--views", type=int, default=9)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--matmul-size", type=int, default=4096, help="largest matmul tried")
    args = parser.parse_args()
    device = args.device
    torch.manual_seed(0)

    print(f"device {device}, threads {torch.get_num_threads()}")
    peak = {}
    for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        peak[precision], rates = matmul_limit(dtype, device, max_n=args.matmul_size)
        print(f"{precision} matmul peak {peak[precision] / 1e9:.1f} GFLOP/s (fastest of {describe_rates(rates)})")

    model = create_model("tsn_r50", num_classes=400).eval().to(device)
    x = torch.randint(0, 256, (1, args.views, 3, args.size, args.size), dtype=torch.uint8, device=device)
    flops = 2 * count_flops(model, x)
    print(
        f"TSN-R50, 1 video x {args.views} views at {args.size}: {flops / 2e9:.2f} G multiply-adds "
        f"({flops / 2e9 / args.views:.2f} per view)"
    )

    fast = model  # TSN defaults to channels_last
    model = copy.deepcopy(fast).to(memory_format=torch.contiguous_format)
    tv = torchvision.models.resnet50().eval().to(device).to(memory_format=torch.channels_last)
    tv_input = ((x[0].float() - 128) / 64).contiguous(memory_format=torch.channels_last)
    runs = {
        "fp32 contiguous": ("fp32", lambda: model.predict(x)),
        "fp32 channels_last": ("fp32", lambda: fast.predict(x)),
        "bf16 autocast + channels_last": ("bf16", lambda: fast.predict(x, amp="bf16")),
        "torchvision resnet50 fp32 (ref)": ("fp32", lambda: tv(tv_input)),
        "torchvision resnet50 bf16 (ref)": ("bf16", lambda: _autocast_bf16(tv, tv_input, device)),
    }
    for name, (precision, fn) in runs.items():
        with torch.no_grad():
            seconds = timed(fn, device, args.iters)
        achieved = flops / seconds
        print(
            f"{name:34s} {seconds * 1e3:8.1f} ms  {achieved / 1e9:7.1f} GFLOP/s  "
            f"{achieved / peak[precision]:.2f} of {precision} matmul peak"
        )

    fp32 = fast.predict(x)
    bf16 = fast.predict(x, amp="bf16")
    agree = bool((fp32.argmax(-1) == bf16.argmax(-1)).all())
    print(f"bf16 top-1 equals fp32 top-1: {agree}; max |prob diff| {(fp32 - bf16).abs().max().item():.2e}")


def _autocast_bf16(model: torch.nn.Module, x: torch.Tensor, device: str) -> torch.Tensor:
    with torch.autocast(torch.device(device).type, dtype=torch.bfloat16):
        return model(x)


if __name__ == "__main__":
    main()
