"""Timing helpers shared by the benchmarks: one timer, one definition of the matmul peak.

Both model benchmarks divide achieved FLOP/s by `matmul_rate`, so the peak is measured the
same way everywhere: the best of a few square products, grown until one takes about
`budget_s / 8` (small sizes where a dtype has no fast kernel, e.g. bf16 on AVX2 CPUs).
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


def matmul_rate(
    dtype: torch.dtype, device: str, op: str = "mm", budget_s: float = 1.0, max_n: int = 8192
) -> tuple[float, int]:
    """(FLOP/s, n) of the best of 3 square `torch.mm` (op='mm') or `F.linear` (op='linear') products."""
    n = 512
    while True:
        a = torch.randn(n, n, device=device).to(dtype)
        b = torch.randn(n, n, device=device).to(dtype)
        fn = (lambda a=a, b=b: torch.mm(a, b)) if op == "mm" else (lambda a=a, b=b: F.linear(a, b))
        seconds = timed(fn, device, reps=3)
        if seconds * 8 > budget_s or n >= max_n:
            return 2 * n**3 / seconds, n
        n *= 2
