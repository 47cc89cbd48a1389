"""Time windows over a stream of frames (a decoder, a camera, a network feed) in bounded memory.

    cutter = WindowCutter(window=4.0, stride=2.0, fps=30)
    for t, frame in timed_frames(camera, fps=30):
        for w in cutter.push(t, frame):      # the windows this frame's arrival completes
            use(w.start, w.end, w.frames)
    for w in cutter.finish():                # the end of the stream completes the last one
        use(...)

The windows are exactly those `recognize.window_spans` cuts from a whole file (same start,
end, frames and last-window rule), found without knowing the stream's length: a window is
complete when the first frame at or after its end arrives, or when the stream ends. Only the
frames of windows still open are kept, fewer than one window's worth plus one frame.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch

from actionrec.errors import ActionrecError

# Seconds within which a frame's time counts as equal to a window edge (as in `recognize.window_spans`).
TIME_TOLERANCE = 1e-6


class StreamError(ActionrecError, ValueError):
    """A stream that cannot be cut into windows (frame layout, time order, window sizes); says what was expected."""


@dataclass
class Window:
    """Window `index` of a stream: its frames `(C, H, W)`, the first one at stream position `first`."""

    index: int
    start: float
    end: float
    first: int
    frames: list[torch.Tensor]
    times: list[float]


def frame_from_array(frame: np.ndarray | torch.Tensor, channels: int = 3, name: str = "frame") -> torch.Tensor:
    """One uint8 frame as `(C, H, W)`: a numpy `(H, W, C)` array (PyAV, OpenCV: pass BGR as `frame[..., ::-1]`,
    camera libraries) or a torch `(C, H, W)` tensor (torchvision, torchcodec). The memory is shared, not copied,
    where the layout allows."""
    is_numpy = isinstance(frame, np.ndarray)
    if not is_numpy and not isinstance(frame, torch.Tensor):
        raise StreamError(
            f"{name}: expected a numpy (H, W, C) array or a torch (C, H, W) tensor, got {type(frame).__name__}"
        )
    kind, layout = ("numpy array", "(H, W, C)") if is_numpy else ("torch tensor", "(C, H, W)")
    expected = f"a uint8 {kind} {layout} with C={channels}"
    if frame.dtype != (np.uint8 if is_numpy else torch.uint8):
        raise StreamError(f"{name}: expected {expected}, got dtype {frame.dtype}")
    shape = tuple(frame.shape)
    channel_axis, other_axis = (2, 0) if is_numpy else (0, 2)
    if len(shape) != 3 or shape[channel_axis] != channels or 0 in shape:
        hint = ""
        if len(shape) == 3 and shape[other_axis] == channels:
            hint = f"; it looks {'channels-first' if is_numpy else 'channels-last'}"
        elif len(shape) == 4:
            hint = "; a stream takes one frame per item (iterate over the time axis)"
        raise StreamError(f"{name}: expected {expected}, got shape {shape}{hint}")
    if is_numpy:
        return torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)
    return frame.detach().cpu()


def _is_pair(item: object) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Real | np.floating | np.integer)


def timed_frames(items: Iterable, fps: float | None = None, channels: int = 3) -> Iterator[tuple[float, torch.Tensor]]:
    """`(seconds, frame (C, H, W))` from a stream's items, checked one by one as they arrive.

    The contract: every item is a frame (see `frame_from_array`), or every item is a
    `(seconds, frame)` pair (a camera's or network feed's timestamps; times must increase). Bare
    frames are timed `position / fps`. The first item decides which for the whole stream. Every
    frame must have the first frame's size.
    """
    if fps is not None and not fps > 0:
        raise StreamError(f"fps must be positive, got {fps}")
    pairs: bool | None = None
    first_shape: tuple[int, ...] | None = None
    last_time = -math.inf
    for position, item in enumerate(items):
        is_pair = _is_pair(item)
        if pairs is None:
            pairs = is_pair
            if not pairs and fps is None:
                raise StreamError(
                    "stream: bare frames need fps= to be timed (or give (seconds, frame) pairs, e.g. camera timestamps)"
                )
        if is_pair != pairs:
            what = "(seconds, frame) pairs" if pairs else "bare frames"
            raise StreamError(f"stream item {position}: the stream started with {what}; do not mix the two")
        time, frame = (float(item[0]), item[1]) if pairs else (position / fps, item)
        if not math.isfinite(time) or time <= last_time:
            raise StreamError(
                f"stream item {position}: time {time} s does not follow the previous frame's {last_time} s; "
                "frame times must increase"
            )
        tensor = frame_from_array(frame, channels, f"stream frame {position}")
        if first_shape is None:
            first_shape = tuple(tensor.shape)
        elif tuple(tensor.shape) != first_shape:
            raise StreamError(
                f"stream frame {position}: shape (C, H, W) {tuple(tensor.shape)} differs from frame 0's "
                f"{first_shape}; the frames of one stream must share a size"
            )
        last_time = time
        yield time, tensor


class WindowCutter:
    """Cuts timed frames into windows of `window` seconds every `stride` (default `window`) seconds.

    Window k covers `[t0 + k * stride, t0 + k * stride + window)`, t0 being the first frame's time;
    a frame belongs to it when `start <= t < end`. `push` returns the windows a frame's arrival
    completes; `finish` closes the stream, which ends one frame duration (`1 / fps`, else the
    average frame spacing) after its last frame: the first window reaching that end is the last,
    kept only if it lasts at least half a window (or is the only one). Windows holding no frame
    are left out. `buffered` is how many frames are held now (never more than fit in one window,
    plus the frame being pushed).
    """

    def __init__(self, window: float, stride: float | None = None, fps: float | None = None) -> None:
        stride = window if stride is None else stride
        if not window > 0 or not stride > 0:
            raise StreamError(f"window and stride must be positive seconds, got window={window}, stride={stride}")
        if fps is not None and not fps > 0:
            raise StreamError(f"fps must be positive, got {fps}")
        self.window, self.stride, self.fps = float(window), float(stride), fps
        self._buffer: deque[tuple[int, float, torch.Tensor]] = deque()
        self._next = 0  # the first window not yet complete
        self._first_time: float | None = None
        self._last_time: float | None = None
        self._count = 0
        self._cut_any = False
        self._finished = False

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def frames_seen(self) -> int:
        return self._count

    def estimated_fps(self) -> float | None:
        """`fps` if given, else the average frame rate so far (None before the second frame)."""
        if self.fps is not None:
            return self.fps
        if self._count < 2 or self._last_time == self._first_time:
            return None
        return (self._count - 1) / (self._last_time - self._first_time)

    def _start(self, k: int) -> float:
        return self._first_time + k * self.stride

    def _cut(self, k: int, start: float, end: float) -> Window | None:
        inside = [(p, t, f) for p, t, f in self._buffer if start - TIME_TOLERANCE <= t < end - TIME_TOLERANCE]
        if not inside:
            return None
        self._cut_any = True
        return Window(k, start, end, inside[0][0], [f for _, _, f in inside], [t for _, t, _ in inside])

    def push(self, time: float, frame: torch.Tensor) -> list[Window]:
        """Adds one frame (times must increase); returns the windows that end at or before it."""
        if self._finished:
            raise StreamError("the stream is finished; make a new WindowCutter")
        if self._last_time is not None and not time > self._last_time:
            raise StreamError(
                f"stream frame {self._count}: time {time} s does not follow the previous frame's "
                f"{self._last_time} s; frame times must increase"
            )
        if self._first_time is None:
            self._first_time = time
        complete = []
        while time >= self._start(self._next) + self.window - TIME_TOLERANCE:
            start = self._start(self._next)
            window = self._cut(self._next, start, start + self.window)
            if window is not None:
                complete.append(window)
            self._next += 1
        next_start = self._start(self._next) - TIME_TOLERANCE
        while self._buffer and self._buffer[0][1] < next_start:
            self._buffer.popleft()
        if time >= next_start:  # a frame between windows (stride > window) is in none: not kept
            self._buffer.append((self._count, time, frame))
        self._count += 1
        self._last_time = time
        return complete

    def finish(self) -> list[Window]:
        """The windows still open when the stream ends, by the last-window rule above."""
        if self._finished or self._first_time is None:
            self._finished = True
            return []
        self._finished = True
        fps = self.estimated_fps()
        if fps is None:
            raise StreamError("a stream of one frame needs fps= to know when it ends")
        video_end = self._last_time + 1.0 / fps
        complete = []
        k = self._next
        while True:
            start = self._start(k)
            end = min(start + self.window, video_end)
            if self._cut_any and end - start < self.window / 2 - TIME_TOLERANCE:
                break
            window = self._cut(k, start, end)
            if window is not None:
                complete.append(window)
            if start + self.window >= video_end:
                break
            k += 1
        self._buffer.clear()
        return complete
