"""Frame samplers: which frames of a video a clip is made of.

Pure functions of ``(total_frames, rng)``, no I/O. Each sampler returns 0-based frame positions
``(num_clips * clip_len,)`` (int64) plus its ``start_index``, clip after clip, and reproduces
MMAction2's ``SampleFrames``, ``DenseSampleFrames`` and ``UniformSample`` formula for formula
(``mmaction/datasets/transforms/loading.py``). Every random draw comes from the ``rng`` argument
(``numpy.random.Generator``), in the order each class documents, so a run is reproducible
and a test can replay the draws.

Two MMAction2 quirks are kept on purpose because published checkpoints were evaluated with
them: test-mode clip counts with ``twice_sample`` (2x clips) and ``DenseSampleFrames``
(``num_sample_positions`` x clips) are folded into the clip count, as MMAction2's
``FormatShape`` does.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

OUT_OF_BOUND_OPTIONS = ("loop", "repeat_last")


def _check_positive_int(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def _check_total_frames(owner: str, total_frames: int) -> int:
    if isinstance(total_frames, bool) or not isinstance(total_frames, (int, np.integer)):
        raise TypeError(f"{owner}: total_frames must be an int, got {type(total_frames).__name__}")
    if total_frames <= 0:
        raise ValueError(f"{owner}: the video has {total_frames} frames; at least 1 frame is needed to sample a clip")
    return int(total_frames)


def _require_rng(owner: str, rng: np.random.Generator | None) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{owner}: training-mode sampling needs rng=numpy.random.Generator, got {type(rng).__name__}")
    return rng


def _fix_out_of_bound(frame_inds: np.ndarray, total_frames: int, option: str) -> np.ndarray:
    """(clips, clip_len) positions -> in-range positions.

    'loop' wraps around (``mod N``); 'repeat_last' replaces every position >= N by the
    largest in-range position of its clip (0 when the clip has none), as MMAction2 does.
    """
    if option == "loop":
        return np.mod(frame_inds, total_frames)
    in_range = frame_inds < total_frames
    last_valid = np.max(np.where(in_range, frame_inds, 0), axis=1, keepdims=True)
    return np.where(in_range, frame_inds, last_valid)


class SampleFrames:
    """MMAction2 ``SampleFrames``: ``num_clips`` clips of ``clip_len`` frames, ``frame_interval`` apart.

    Train (``test_mode=False``), with ``ori = clip_len * frame_interval`` and ``N`` frames:
      ``avg = (N - ori + 1) // num_clips``; if ``avg > 0``: ``offsets = arange(num_clips) * avg +
      rng.integers(avg, size=num_clips)``; elif ``N > max(num_clips, ori)``:
      ``sort(rng.integers(N - ori + 1, size=num_clips))``; elif ``avg == 0``:
      ``around(arange(num_clips) * (N - ori + 1) / num_clips)``; else zeros.
      ``keep_tail_frames``: ``avg = (N - ori + 1) / num_clips`` (float) and
      ``offsets = int(arange * avg + rng.uniform(0, avg, num_clips))`` when ``N > ori - 1``, else zeros.
    Test, ``clip_len == 1`` (2D models): ``avg = N / num_clips``; ``offsets = arange * avg + avg / 2``
      (truncated), followed by ``arange * avg`` when ``twice_sample``.
    Test, ``clip_len > 1`` (3D models), ``ori = (clip_len - 1) * frame_interval + 1``:
      ``max_offset = max(N - ori, 0)``; with more than one clip (``2 * num_clips`` when
      ``twice_sample``) ``offsets = round(arange(clips) * max_offset / (num_clips - 1))``,
      otherwise ``[max_offset // 2]``.
    ``legacy_0x_test=True`` switches test mode to MMAction2 0.x's formula for every clip_len:
      ``ori = clip_len * frame_interval``, ``avg = (N - ori + 1) / num_clips``,
      ``offsets = int(arange * avg + avg / 2)`` (plus ``arange * avg`` when ``twice_sample``)
      when ``N > ori - 1``, else zeros. Flow TSN checkpoints (clip_len=5) of the 0.x zoo were tested with it.
    ``target_fps`` (needs ``fps`` at call time): ``ori = max(1, clip_len * frame_interval * fps / target_fps)``
      in both modes, frames within a clip at ``int(linspace(0, ori - 1, clip_len))`` and, in 3D
      test mode, ``floor`` instead of ``round``. Without ``fps`` the ratio is 1, as in MMAction2.

    Positions are ``offsets[:, None] + arange(clip_len) * frame_interval``, then (if
    ``temporal_jitter``) ``+ rng.integers(frame_interval, size=num_clips * clip_len)``, then the
    out-of-bound rule, then ``+ start_index``. Draw order: offsets first, jitter second.

    Deviation: in 0.x legacy test mode a too-short video gives ``num_clips`` zero offsets in
    MMAction2 even with ``twice_sample``; here it gives ``2 * num_clips`` so the view count never
    depends on the video length.
    """

    def __init__(
        self,
        clip_len: int,
        frame_interval: int = 1,
        num_clips: int = 1,
        temporal_jitter: bool = False,
        twice_sample: bool = False,
        out_of_bound_opt: str = "loop",
        test_mode: bool = False,
        keep_tail_frames: bool = False,
        start_index: int = 0,
        target_fps: float | None = None,
        legacy_0x_test: bool = False,
    ) -> None:
        name = type(self).__name__
        _check_positive_int(name, "clip_len", clip_len)
        _check_positive_int(name, "frame_interval", frame_interval)
        _check_positive_int(name, "num_clips", num_clips)
        if out_of_bound_opt not in OUT_OF_BOUND_OPTIONS:
            raise ValueError(
                f"{name}: out_of_bound_opt must be one of {OUT_OF_BOUND_OPTIONS}, got {out_of_bound_opt!r}"
            )
        if target_fps is not None and not target_fps > 0:
            raise ValueError(f"{name}: target_fps must be positive, got {target_fps!r}")
        if target_fps is not None and legacy_0x_test:
            raise ValueError(
                f"{name}: target_fps does not exist in MMAction2 0.x; do not combine it with legacy_0x_test"
            )
        if test_mode and twice_sample and clip_len > 1 and num_clips == 1 and not legacy_0x_test:
            raise ValueError(
                f"{name}: twice_sample with clip_len > 1 needs num_clips > 1 (MMAction2 divides by num_clips - 1)"
            )
        self.clip_len = int(clip_len)
        self.frame_interval = int(frame_interval)
        self.num_clips = int(num_clips)
        self.temporal_jitter = temporal_jitter
        self.twice_sample = twice_sample
        self.out_of_bound_opt = out_of_bound_opt
        self.test_mode = test_mode
        self.keep_tail_frames = keep_tail_frames
        self.start_index = int(start_index)
        self.target_fps = target_fps
        self.legacy_0x_test = legacy_0x_test

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(clip_len={self.clip_len}, frame_interval={self.frame_interval}, "
            f"num_clips={self.num_clips}, test_mode={self.test_mode}, twice_sample={self.twice_sample})"
        )

    def _ori_clip_len(self, fps: float | None) -> float:
        if self.target_fps is not None:
            ratio = fps / self.target_fps if fps else 1.0
            return max(1.0, self.clip_len * self.frame_interval * ratio)
        if self.test_mode and not self.legacy_0x_test:
            return (self.clip_len - 1) * self.frame_interval + 1
        return self.clip_len * self.frame_interval

    def _train_offsets(self, n: int, ori: float, rng: np.random.Generator) -> np.ndarray:
        num_clips = self.num_clips
        if self.keep_tail_frames:
            avg = (n - ori + 1) / num_clips
            if n > ori - 1:
                return (np.arange(num_clips) * avg + rng.uniform(0, avg, num_clips)).astype(np.int64)
            return np.zeros(num_clips, dtype=np.int64)
        avg = int((n - ori + 1) // num_clips)
        if avg > 0:
            return np.arange(num_clips) * avg + rng.integers(avg, size=num_clips)
        if n > max(num_clips, ori):
            return np.sort(rng.integers(int(n - ori + 1), size=num_clips))
        if avg == 0:
            return np.around(np.arange(num_clips) * ((n - ori + 1.0) / num_clips))
        return np.zeros(num_clips, dtype=np.int64)

    def _test_offsets(self, n: int, ori: float) -> np.ndarray:
        num_clips = self.num_clips
        if self.legacy_0x_test:
            avg = (n - ori + 1) / num_clips
            base = np.arange(num_clips) * avg
            if n > ori - 1:
                offsets = (base + avg / 2.0).astype(np.int64)
                return np.concatenate([offsets, base]) if self.twice_sample else offsets
            return np.zeros(num_clips * (2 if self.twice_sample else 1), dtype=np.int64)
        if self.clip_len == 1:
            avg = n / num_clips
            base = np.arange(num_clips) * avg
            offsets = base + avg / 2.0
            return np.concatenate([offsets, base]) if self.twice_sample else offsets
        max_offset = max(n - ori, 0)
        clips = num_clips * 2 if self.twice_sample else num_clips
        if clips == 1:
            return np.array([max_offset // 2])
        if self.target_fps is not None:
            return np.arange(clips) * np.floor(max_offset / (num_clips - 1))
        return np.round(np.arange(clips) * (max_offset / (num_clips - 1)))

    def __call__(
        self, total_frames: int, rng: np.random.Generator | None = None, fps: float | None = None
    ) -> np.ndarray:
        """0-based positions (+ start_index) of ``len // clip_len`` clips; ``rng`` is needed in train mode."""
        n = _check_total_frames(type(self).__name__, total_frames)
        ori = self._ori_clip_len(fps)
        if self.test_mode:
            offsets = self._test_offsets(n, ori)
        else:
            offsets = self._train_offsets(n, ori, _require_rng(type(self).__name__, rng))
        if self.target_fps is not None:
            within_clip = np.linspace(0, ori - 1, self.clip_len).astype(np.int64)
        else:
            within_clip = np.arange(self.clip_len) * self.frame_interval
        frame_inds = offsets[:, None] + within_clip[None, :]
        return self._finish(frame_inds, n, rng)

    def _finish(self, frame_inds: np.ndarray, n: int, rng: np.random.Generator | None) -> np.ndarray:
        if self.temporal_jitter:
            jitter = _require_rng(type(self).__name__, rng).integers(self.frame_interval, size=frame_inds.size)
            frame_inds = frame_inds + jitter.reshape(frame_inds.shape)
        frame_inds = _fix_out_of_bound(frame_inds, n, self.out_of_bound_opt)
        # Offsets can be fractional (2D test path): MMAction2 truncates after adding start_index.
        return (frame_inds.reshape(-1) + self.start_index).astype(np.int64)


class DenseSampleFrames(SampleFrames):
    """MMAction2 ``DenseSampleFrames``: clips spread over a window of ``sample_range`` frames.

    ``pos = max(1, 1 + N - sample_range)``, ``interval = sample_range // num_clips``,
    ``base = arange(num_clips) * interval``.
    Train: ``start = 0 if pos == 1 else rng.integers(0, pos - 1)``; ``offsets = (base + start) % N``.
    Test: for each ``start`` in ``linspace(0, pos - 1, num_sample_positions, dtype=int)``, the clips
    ``(base + start) % N``, giving ``num_sample_positions * num_clips`` clips.
    Jitter and out-of-bound handling as in ``SampleFrames``.
    """

    def __init__(
        self,
        clip_len: int,
        frame_interval: int = 1,
        num_clips: int = 1,
        sample_range: int = 64,
        num_sample_positions: int = 10,
        temporal_jitter: bool = False,
        out_of_bound_opt: str = "loop",
        test_mode: bool = False,
        start_index: int = 0,
    ) -> None:
        super().__init__(
            clip_len,
            frame_interval,
            num_clips,
            temporal_jitter=temporal_jitter,
            out_of_bound_opt=out_of_bound_opt,
            test_mode=test_mode,
            start_index=start_index,
        )
        _check_positive_int(type(self).__name__, "sample_range", sample_range)
        _check_positive_int(type(self).__name__, "num_sample_positions", num_sample_positions)
        self.sample_range = int(sample_range)
        self.num_sample_positions = int(num_sample_positions)

    def __call__(
        self, total_frames: int, rng: np.random.Generator | None = None, fps: float | None = None
    ) -> np.ndarray:
        """0-based positions (+ start_index); ``fps`` is accepted for a uniform call and unused."""
        n = _check_total_frames(type(self).__name__, total_frames)
        sample_position = max(1, 1 + n - self.sample_range)
        base = np.arange(self.num_clips) * (self.sample_range // self.num_clips)
        if self.test_mode:
            starts = np.linspace(0, sample_position - 1, num=self.num_sample_positions, dtype=int)
            offsets = ((base[None, :] + starts[:, None]) % n).reshape(-1)
        else:
            rng = _require_rng(type(self).__name__, rng)
            start = 0 if sample_position == 1 else int(rng.integers(0, sample_position - 1))
            offsets = (base + start) % n
        frame_inds = offsets[:, None] + np.arange(self.clip_len)[None, :] * self.frame_interval
        return self._finish(frame_inds, n, rng)


class UniformSample:
    """MMAction2 ``UniformSample`` (from SlowFast / UniFormerV2): one frame per equal segment.

    ``seg = (N - 1) / clip_len``; segment ``i`` spans ``round(seg * i) .. round(seg * (i + 1))``
    (numpy round-half-to-even, both ends inclusive).
    Train: one clip, frame ``i`` = ``rng.integers(start_i, end_i + 1)`` (one vectorised draw).
    Test: ``dur = seg / (num_clips + 1)``; clip ``k`` frame ``i`` = ``start_i + int(dur * (k + 1))``.
    """

    def __init__(self, clip_len: int, num_clips: int = 1, test_mode: bool = False, start_index: int = 0) -> None:
        _check_positive_int("UniformSample", "clip_len", clip_len)
        _check_positive_int("UniformSample", "num_clips", num_clips)
        if not test_mode and num_clips != 1:
            raise ValueError(
                f"UniformSample: training mode samples exactly one clip (MMAction2 ignores num_clips "
                f"there and the views would not line up), got num_clips={num_clips}"
            )
        self.clip_len = int(clip_len)
        self.num_clips = int(num_clips)
        self.test_mode = test_mode
        self.start_index = int(start_index)

    def __repr__(self) -> str:
        return f"UniformSample(clip_len={self.clip_len}, num_clips={self.num_clips}, test_mode={self.test_mode})"

    def __call__(
        self, total_frames: int, rng: np.random.Generator | None = None, fps: float | None = None
    ) -> np.ndarray:
        """0-based positions (+ start_index); ``fps`` is accepted for a uniform call and unused."""
        n = _check_total_frames("UniformSample", total_frames)
        seg = float(n - 1) / self.clip_len
        steps = np.arange(self.clip_len)
        starts = np.round(seg * steps).astype(np.int64)
        if self.test_mode:
            shifts = np.array([int(seg / (self.num_clips + 1) * (k + 1)) for k in range(self.num_clips)])
            inds = (shifts[:, None] + starts[None, :]).reshape(-1)
        else:
            ends = np.round(seg * (steps + 1)).astype(np.int64)
            inds = _require_rng("UniformSample", rng).integers(starts, ends + 1)
        return inds.astype(np.int64) + self.start_index


SAMPLERS: dict[str, type] = {
    "SampleFrames": SampleFrames,
    "DenseSampleFrames": DenseSampleFrames,
    "UniformSample": UniformSample,
}
SAMPLER_TYPES = frozenset(SAMPLERS)


def build_sampler(cfg: dict) -> SampleFrames | UniformSample:
    """A sampler from an MMAction2 pipeline step such as ``{'type': 'SampleFrames', 'clip_len': 1, ...}``."""
    if not isinstance(cfg, dict) or "type" not in cfg:
        raise ValueError(f"sampler config must be a dict with a 'type' key, got {cfg!r}")
    kind = cfg["type"]
    if kind not in SAMPLERS:
        raise ValueError(f"unknown sampler type {kind!r}; expected one of {sorted(SAMPLERS)}")
    cls = SAMPLERS[kind]
    valid = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    kwargs = {k: v for k, v in cfg.items() if k != "type"}
    for key in kwargs:
        if key not in valid:
            raise ValueError(f"{kind}: unknown key {key!r}; valid keys are {valid}")
    if "clip_len" not in kwargs:
        raise ValueError(f"{kind}: missing required key 'clip_len'")
    return cls(**kwargs)
