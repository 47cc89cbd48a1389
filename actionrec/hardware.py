"""What the machine can do fast, detected rather than assumed: bf16 matrix units and cache sizes.

`precision='auto'` picks bf16 only where the hardware multiplies bf16 natively (x86 `avx512_bf16` or
AMX, CUDA compute capability >= 8.0): on an AVX2-only CPU bf16 runs several times *slower* than
fp32, so there `auto` means fp32. `describe()` says what was found, for logs and benchmarks.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path

import torch

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def autocast_dtype(device_type: str, default: torch.dtype | None = None) -> torch.dtype | None:
    """The dtype autocast multiplies in on `device_type` ('cpu', 'cuda') right now; `default` when it is off."""
    if device_type in ("cpu", "cuda") and torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return default


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags of /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    match = re.search(r"^flags\s*:\s*(.*)$", text, re.MULTILINE)
    return frozenset(match.group(1).split()) if match else frozenset()


def native_bf16(device: str | torch.device = "cpu") -> bool:
    """True where bf16 matrix products run on dedicated hardware (so bf16 is faster than fp32)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device)[0] >= 8
    if device.type == "cpu":
        return any(flag in cpu_flags() for flag in _BF16_CPU_FLAGS)
    return False


def resolve_precision(precision: str | None, device: str | torch.device = "cpu") -> str:
    """'auto' -> 'bf16' on native-bf16 hardware, else 'fp32'; other names are checked and returned."""
    if precision is None:
        return "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    chosen = "bf16" if native_bf16(device) else "fp32"
    _log_choice(str(torch.device(device)), chosen)
    return chosen


@functools.cache
def _log_choice(device: str, chosen: str) -> None:
    log.info("precision='auto' on %s: %s (%s)", device, chosen, describe(device))


def memory_bytes() -> int:
    """Physical memory of this machine (8 GiB if the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def cache_bytes(level: int = 2, default: int = 2 * 1024**2) -> int:
    """cpu0's cache size at `level` from sysfs (`default` if unknown): the working-set budget for view batches."""
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    try:
        for index in base.glob("index*"):
            if int((index / "level").read_text()) == level and (index / "type").read_text().strip() != "Instruction":
                size = (index / "size").read_text().strip()
                unit = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(size[-1], 1)
                return int(size.rstrip("KMG")) * unit
    except (OSError, ValueError):
        pass
    return default


def describe(device: str | torch.device = "cpu") -> str:
    """One line: the device and what it offers, e.g. 'cpu: 2 threads, avx512_bf16 amx_bf16 (native bf16)'."""
    device = torch.device(device)
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        name = torch.cuda.get_device_name(device)
        return f"cuda: {name}, compute capability {major}.{minor} ({'native' if major >= 8 else 'no native'} bf16)"
    interesting = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_int8", "avx512_vnni", "avx_vnni")
    flags = " ".join(f for f in interesting if f in cpu_flags()) or "no SIMD flags found"
    native = "native bf16" if native_bf16(device) else "no native bf16: bf16 slower than fp32"
    return f"cpu: {torch.get_num_threads()} threads, {flags} ({native})"
