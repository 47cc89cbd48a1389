"""Timing helpers shared by the benchmarks: one timer, one definition of the matmul peak.

The model benchmarks divide achieved FLOP/s by `matmul_limit`, so the peak is measured the
same way everywhere: the best of a few square products, grown until one takes about
`budget_s / 8` (small sizes where a dtype has no fast kernel, e.g. bf16 on AVX2 CPUs), through
each matmul backend torch has on the device, the fastest one counting. Why several: on AMD CPUs
`torch.mm` in fp32 goes to MKL, which may run its AVX2 code there (177 GFLOP/s on a 2-core AMD EPYC
with `avx_vnni`) while oneDNN, which the convolutions and the fused linears use, reaches 372 on the
same cores; the slower backend alone would make the limit a floor, not a ceiling.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F


def sync(device: str) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def timed(
    fn: Callable[[], object], device: str, reps: int, warmup: int = 1, reduce: Callable[[list[float]], float] = min
) -> float:
    """Seconds of `fn()` over `reps` runs after `warmup` runs, reduced by `reduce` (best by default)."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return reduce(times)


#: oneDNN's matmul as torch calls it for fused linears (absent from builds without oneDNN)
_ONEDNN_LINEAR = getattr(getattr(torch.ops, "mkldnn", None), "_linear_pointwise", None)


def matmul_ops(device: str) -> list[str]:
    """The matmul backends `matmul_rate` can time on `device`."""
    ops = ["mm", "linear"]
    if str(device) == "cpu" and _ONEDNN_LINEAR is not None:
        ops.append("onednn")
    return ops


def matmul_rate(
    dtype: torch.dtype, device: str, op: str = "mm", budget_s: float = 1.0, max_n: int = 8192
) -> tuple[float, int]:
    """(FLOP/s, n) of the best of 3 square products through `op`: 'mm' (`torch.mm`: MKL / OpenBLAS on
    CPUs), 'linear' (`F.linear`) or 'onednn' (oneDNN's matmul, CPU only)."""
    n = 512
    while True:
        a = torch.randn(n, n, device=device).to(dtype)
        b = torch.randn(n, n, device=device).to(dtype)
        if op == "mm":
            fn = lambda a=a, b=b: torch.mm(a, b)  # noqa: E731
        elif op == "linear":
            fn = lambda a=a, b=b: F.linear(a, b)  # noqa: E731
        elif op == "onednn":
            fn = lambda a=a, b=b: _ONEDNN_LINEAR(a, b, None, "none", [], "")  # noqa: E731
        else:
            raise ValueError(f"op must be one of mm, linear, onednn; got {op!r}")
        seconds = timed(fn, device, reps=3)
        if seconds * 8 > budget_s or n >= max_n:
            return 2 * n**3 / seconds, n
        n *= 2


def matmul_limit(dtype: torch.dtype, device: str, max_n: int = 8192) -> tuple[float, dict[str, float]]:
    """(the fastest backend's FLOP/s, {backend: FLOP/s}) for `dtype` on `device`: the limit ratios divide by."""
    rates = {op: matmul_rate(dtype, device, op, max_n=max_n)[0] for op in matmul_ops(device)}
    return max(rates.values()), rates


def describe_rates(rates: dict[str, float]) -> str:
    """'torch.mm 177, F.linear 176, oneDNN 372' (GFLOP/s)."""
    names = {"mm": "torch.mm", "linear": "F.linear", "onednn": "oneDNN"}
    return ", ".join(f"{names[op]} {rate / 1e9:.0f}" for op, rate in rates.items())
