"""Inference speed and memory: the model alone on a test-protocol input, and end to end with decoding.

The input shape comes from the test pipeline (sampler clips x frames, crops, FormatShape), so
the figure is per *video* as the zoo tables test it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable

import torch
from torch import nn

from .evaluate import autocast

_SAMPLERS = ("SampleFrames", "UniformSample", "DenseSampleFrames")
_CROPS = {"CenterCrop": 1, "ThreeCrop": 3, "TenCrop": 10}


def _pair(size) -> tuple[int, int]:
    """MMAction2 sizes are int or (w, h); returns (h, w)."""
    if isinstance(size, int):
        return size, size
    return int(size[1]), int(size[0])


def input_shape_from_pipeline(steps: Iterable[dict], modality: str = "RGB") -> tuple[int, ...]:
    """The uint8 input of one video under a test pipeline: `(V, C, H, W)` or `(V, C, T, H, W)`."""
    clip_len = clips = crops = None
    hw = None
    fmt = "NCHW"
    for step in steps:
        kind = step.get("type")
        if kind in _SAMPLERS:
            clip_len = step.get("clip_len", 1)
            clips = step.get("num_clips", 1) * (2 if step.get("twice_sample") else 1)
            if kind == "DenseSampleFrames" and step.get("test_mode"):
                clips *= step.get("num_sample_positions", 10)
        elif kind in _CROPS:
            crops, hw = _CROPS[kind], _pair(step["crop_size"])
        elif kind == "Resize" and step.get("keep_ratio") is False:
            hw = _pair(step["scale"])
        elif kind == "FormatShape":
            fmt = step["input_format"]
    if clip_len is None or hw is None:
        raise ValueError(
            "cannot tell the input size from the test pipeline: it needs a sampler step "
            "(SampleFrames/UniformSample/DenseSampleFrames) and a crop or a fixed-size Resize"
        )
    crops = crops or 1
    if fmt == "NCTHW":
        return (crops * clips, 3, clip_len, *hw)
    if modality == "Flow":
        return (crops * clips, 2 * clip_len, *hw)
    return (crops * clips * clip_len, 3, *hw)


def view_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """One view of a video input: V set to 1."""
    return (1, *shape[1:])


def peak_memory_mb(device: torch.device) -> float:
    """CUDA: max allocated since the last reset; CPU: the process's peak resident set size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def benchmark_model(
    model: nn.Module,
    shape: tuple[int, ...],
    device: torch.device,
    amp: str | None = None,
    warmup: int = 3,
    iters: int = 10,
) -> dict[str, float]:
    """Videos per second of `model.predict` on one random uint8 video of `shape` (batch 1)."""
    model.eval().to(device)
    x = torch.randint(0, 256, (1, *shape), dtype=torch.uint8, device=device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(warmup):
        with autocast(device, amp):
            model.predict(x)
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        with autocast(device, amp):
            model.predict(x)
    _sync(device)
    seconds = (time.perf_counter() - start) / iters
    return {"videos_per_s": 1 / seconds, "ms_per_video": 1000 * seconds, "peak_memory_mb": peak_memory_mb(device)}


@torch.no_grad()
def benchmark_end_to_end(
    model: nn.Module, loader, device: torch.device, amp: str | None = None, videos: int = 20, warmup: int = 2
) -> dict[str, float]:
    """Videos per second including decoding and transforms (the loader's workers), batch as configured."""
    model.eval().to(device)
    seen = 0
    start = None
    for i, batch in enumerate(loader):
        if i == warmup:
            _sync(device)
            start, seen = time.perf_counter(), 0
        with autocast(device, amp):
            model.predict(batch["inputs"].to(device))
        seen += len(batch["index"])
        if start is not None and seen >= videos:
            break
    _sync(device)
    if start is None or seen == 0:
        raise ValueError(f"end-to-end benchmark needs more than {warmup} batches of data")
    seconds = time.perf_counter() - start
    return {
        "videos_per_s": seen / seconds,
        "ms_per_video": 1000 * seconds / seen,
        "videos": seen,
        "peak_memory_mb": peak_memory_mb(device),
    }
