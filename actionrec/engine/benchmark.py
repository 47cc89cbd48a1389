"""Inference speed and memory that can be trusted: stable timings, labelled batches, per-mode memory.

- Speed: after warm-up, a mode is timed run by run until the 95% confidence interval of the mean
  time per video is within `target` (relative) of the mean, or a time cap is reached; the figure
  comes with its interval and the number of runs, so a noisy one shows as noisy.
- Batch: model-only figures feed `batch` random videos of the test protocol's shape (clips x crops);
  end-to-end figures use the test loader's batch. Each result carries its batch.
- Memory: the peak *during that mode*, not the process's lifetime peak. CUDA: torch's peak
  allocation, its counter reset at the start of the mode. CPU: the process's peak resident set size
  (Linux VmHWM, reset through /proc/self/clear_refs at the start of the mode; where that is not
  allowed, VmRSS sampled every few milliseconds), reported as growth over the resident size at the
  start of the mode and as the absolute peak. Loader workers are other processes: not counted.
- bf16: whether the hardware has bf16 matmuls is read from /proc/cpuinfo (avx512_bf16, amx_bf16) or
  the CUDA device (`actionrec.hardware`), and printed, never assumed.

The input shape comes from the test pipeline (sampler clips x frames, crops, FormatShape), so
the figure is per *video* as the zoo tables test it.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from actionrec.errors import ActionrecError

_SAMPLERS = ("SampleFrames", "UniformSample", "DenseSampleFrames")
_CROPS = {"CenterCrop": 1, "ThreeCrop": 3, "TenCrop": 10}
# Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


class BenchmarkError(ActionrecError, ValueError):
    """A benchmark that cannot run as asked (no input size in the pipeline, too little data)."""


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
        raise BenchmarkError(
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


# -- memory during one mode -----------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class PeakMemory:
    """Peak memory while the `with` block runs: see the module docstring for what is measured."""

    def __init__(self, device: torch.device, sample_interval_s: float = 0.002) -> None:
        self.device = device
        self.sample_interval_s = sample_interval_s
        self.method = ""
        self.start_mb = self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sampled_kib = 0

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.start_mb = torch.cuda.memory_allocated(self.device) / 2**20
            self.method = "CUDA: torch's peak allocation during the mode"
            return self
        rss = _status_kib("VmRSS")
        if rss is None:
            self.method = "not measured: /proc/self/status unreadable"
            return self
        self.start_mb = rss / 1024
        try:  # "5" resets VmHWM (the peak RSS) to the current RSS (Linux >= 4.0)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.method = "CPU: peak resident set size during the mode (VmHWM, reset at its start)"
        except OSError:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
            self.method = f"CPU: resident set size sampled every {self.sample_interval_s * 1000:g} ms"
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled_kib = max(self._sampled_kib, _status_kib("VmRSS") or 0)
            self._stop.wait(self.sample_interval_s)

    def __exit__(self, *exc_info) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_mb = torch.cuda.max_memory_allocated(self.device) / 2**20
        elif self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self._sampled_kib, _status_kib("VmRSS") or 0) / 1024
        elif self.method.startswith("CPU"):
            self.peak_mb = (_status_kib("VmHWM") or 0) / 1024

    @property
    def growth_mb(self) -> float:
        return max(0.0, self.peak_mb - self.start_mb)


# -- timing until the figure is stable -----------------------------------------------------------------


@dataclass
class Timing:
    """One mode's figures. `ci95_rel`: half-width of the 95% interval of the mean time / the mean."""

    mode: str
    batch: int
    videos_per_s: float
    ms_per_video: float
    ci95_rel: float
    runs: int
    seconds: float
    stopped_by: str  # 'target', 'time cap', 'max runs' or 'data'
    peak_memory_mb: float
    memory_growth_mb: float
    memory_measured: str

    def to_dict(self) -> dict:
        return asdict(self)


def t95(degrees_of_freedom: int) -> float:
    if degrees_of_freedom < 1:
        return math.inf
    return _T95[degrees_of_freedom - 1] if degrees_of_freedom <= len(_T95) else 1.96


def relative_ci95(samples: list[float]) -> float:
    """Half-width of the 95% confidence interval of the mean, relative to the mean (inf for < 2 samples)."""
    if len(samples) < 2:
        return math.inf
    mean = statistics.fmean(samples)
    return t95(len(samples) - 1) * statistics.stdev(samples) / math.sqrt(len(samples)) / mean


@dataclass(frozen=True)
class StopRule:
    """When a mode has been timed enough: `target` relative CI after `min_runs`, else a cap."""

    warmup: int = 3
    min_runs: int = 5
    max_runs: int = 1000
    target: float = 0.05
    max_seconds: float = 60.0


def _time_runs(run: Callable[[], int], rule: StopRule, sync: Callable[[], None]) -> tuple[list[float], list[int], str]:
    """Seconds per video of each timed run (`run` returns the videos it did); why timing stopped."""
    per_video: list[float] = []
    counts: list[int] = []
    start = time.perf_counter()
    while True:
        tic = time.perf_counter()
        videos = run()
        sync()
        if videos == 0:
            return per_video, counts, "data"
        per_video.append((time.perf_counter() - tic) / videos)
        counts.append(videos)
        if len(per_video) >= rule.min_runs and relative_ci95(per_video) <= rule.target:
            return per_video, counts, "target"
        if time.perf_counter() - start >= rule.max_seconds and len(per_video) >= 2:
            return per_video, counts, "time cap"
        if len(per_video) >= rule.max_runs:
            return per_video, counts, "max runs"


def _sync_for(device: torch.device) -> Callable[[], None]:
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)


def _timing(mode: str, batch: int, per_video: list[float], counts: list[int], why: str, memory: PeakMemory) -> Timing:
    seconds = sum(t * n for t, n in zip(per_video, counts))
    videos = sum(counts)
    return Timing(
        mode=mode,
        batch=batch,
        videos_per_s=videos / seconds,
        ms_per_video=1000 * seconds / videos,
        ci95_rel=relative_ci95(per_video),
        runs=len(per_video),
        seconds=seconds,
        stopped_by=why,
        peak_memory_mb=memory.peak_mb,
        memory_growth_mb=memory.growth_mb,
        memory_measured=memory.method,
    )


@torch.no_grad()
def benchmark_model(
    model: nn.Module,
    shape: tuple[int, ...],
    device: torch.device,
    amp: str | None = None,
    batch: int = 1,
    rule: StopRule | None = None,
) -> Timing:
    """`model.predict` on `batch` random uint8 videos of `shape` (one video's views) per run."""
    rule = rule or StopRule()
    model.eval().to(device)
    x = torch.randint(0, 256, (batch, *shape), dtype=torch.uint8, device=device)
    sync = _sync_for(device)
    with PeakMemory(device) as memory:
        for _ in range(rule.warmup):
            model.predict(x, amp=amp)
        sync()

        def run() -> int:
            model.predict(x, amp=amp)
            return batch

        per_video, counts, why = _time_runs(run, rule, sync)
    return _timing(f"model only, {amp or 'fp32'}", batch, per_video, counts, why, memory)


@torch.no_grad()
def benchmark_end_to_end(
    model: nn.Module,
    loader,
    device: torch.device,
    amp: str | None = None,
    rule: StopRule | None = None,
) -> Timing:
    """Decoding and transforms (the loader, with its workers) plus the model, one loader batch per run."""
    rule = rule or StopRule(warmup=2)
    model.eval().to(device)
    sync = _sync_for(device)
    batches = iter(loader)
    batch_size = getattr(loader, "batch_size", None) or 1
    with PeakMemory(device) as memory:
        for _ in range(rule.warmup):
            batch = next(batches, None)
            if batch is None:
                raise BenchmarkError(f"end to end: the test data has no more than {rule.warmup} warm-up batches")
            model.predict(batch["inputs"].to(device), amp=amp)
        sync()

        def run() -> int:
            batch = next(batches, None)
            if batch is None:
                return 0
            model.predict(batch["inputs"].to(device), amp=amp)
            return len(batch["index"])

        per_video, counts, why = _time_runs(run, rule, sync)
    if len(per_video) < 2:
        raise BenchmarkError(
            f"end to end: too little test data to time ({len(per_video)} batch after {rule.warmup} warm-up batches)"
        )
    return _timing(f"end to end, {amp or 'fp32'}", batch_size, per_video, counts, why, memory)
