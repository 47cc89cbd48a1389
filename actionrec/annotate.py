"""Annotated videos: every frame with the current window's top-k classes drawn in its top-left corner.

    annotated = AnnotatedVideo("annotated.mp4", topk=3)
    for result in recognizer.windows("long.mp4", window=2.0, tap=annotated.tap):
        annotated.show(result)
    annotated.close()

What a frame shows: the latest window that had *ended* by that frame's time, as a live camera
feed would show it at that moment (the labels lag the action by up to one window). Frames
before the first window ends read "(warming up)"; the last, partial window ends with the video,
so no frame shows it. Writing needs no look-ahead: a frame is encoded as soon as the next one
is pulled, so memory stays at the stream's one window.

The video is H.264 (yuv420p, no audio) through PyAV at the source's average frame rate, one
output frame per source frame; an odd width or height is padded by one edge pixel (yuv420p
needs even sizes). Text is drawn with Pillow's built-in font; no FFmpeg program is needed.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from actionrec.errors import ActionrecError
from actionrec.stream import TIME_TOLERANCE

if TYPE_CHECKING:
    from actionrec.recognize import FrameStream, Recognition

WARMING_UP = "(warming up)"
# Software H.264 encoders, best first: PyPI's PyAV wheels bundle libx264.
H264_ENCODERS = ("libx264", "libopenh264")
# The dark box behind the text keeps this fraction of the picture's brightness.
_BOX_SHADE = 0.35


class AnnotateError(ActionrecError, RuntimeError):
    """An annotated video that cannot be written (no H.264 encoder, frames that are not RGB); says why."""


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font at `size` pixels (its fixed bitmap font where Pillow lacks FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def label_lines(result: Recognition | None, k: int) -> list[str]:
    """`name: probability` for the top `k` classes, best first; `(warming up)` before any window."""
    if result is None:
        return [WARMING_UP]
    return [f"{name}: {score:.2f}" for name, score in result.topk(k)]


def draw_text_box(frame: np.ndarray, lines: list[str]) -> np.ndarray:
    """A copy of `frame` (H, W, 3 uint8) with `lines` in white on a darkened box in the top-left corner.

    Only the box's pixels change. The font scales with the frame height (1/22 of it, at least 9 px);
    a line too wide for the frame loses the end of its class name.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise AnnotateError(f"expected an RGB frame (H, W, 3) uint8 to draw on, got {frame.shape} {frame.dtype}")
    height, width = frame.shape[:2]
    font = _font(max(9, round(height / 22)))
    margin = pad = max(2, round(height / 100))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line_height = measure.textbbox((0, 0), "Ag", font=font)[3] + 1
    lines = [
        _fit(line, width - 2 * (margin + pad), lambda text: measure.textbbox((0, 0), text, font=font)[2])
        for line in lines
    ]
    text_width = max(measure.textbbox((0, 0), line, font=font)[2] for line in lines)
    x1 = min(width, margin + 2 * pad + text_width)
    y1 = min(height, margin + 2 * pad + line_height * len(lines))
    out = np.array(frame)
    box = out[margin:y1, margin:x1]
    box[...] = (box * _BOX_SHADE).astype(np.uint8)
    # Text is drawn on the box alone, so nothing outside it can change.
    image = Image.fromarray(np.ascontiguousarray(box))
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((pad, pad + row * line_height), line, fill=(255, 255, 255), font=font)
    out[margin:y1, margin:x1] = np.asarray(image)
    return out


def _fit(line: str, room: int, width_of) -> str:
    """`line` shortened to `room` pixels: a `name: score` line loses the end of its name ("rotating_cou…: 0.02")."""
    if width_of(line) <= room:
        return line
    head, colon, tail = line.rpartition(": ")
    head, tail = (head, colon + tail) if colon else (line, "")
    while head and width_of(head + "\u2026" + tail) > room:
        head = head[:-1]
    return head + "\u2026" + tail


def _h264_encoder() -> str:
    for name in H264_ENCODERS:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # av raises its own UnknownCodecError (a ValueError) for an encoder it lacks
            continue
        return name
    raise AnnotateError(
        f"PyAV here has no H.264 encoder ({' or '.join(H264_ENCODERS)}); install PyAV's PyPI wheel "
        "(pip install --force-reinstall av), which bundles libx264"
    )


class VideoWriter:
    """An audio-free H.264 video (yuv420p) at a constant `fps`, written frame by frame with PyAV.

    The stream opens on the first frame (its size decides the video's); `fps` becomes an exact
    rate (29.97 -> 30000/1001). Use as a context manager, or call `close` to finish the file.
    """

    def __init__(self, path: str | os.PathLike, fps: float, crf: int = 20) -> None:
        if not fps > 0:
            raise AnnotateError(f"{os.fspath(path)}: the frame rate must be positive, got {fps}")
        self.path = os.fspath(path)
        self.rate = Fraction(fps).limit_denominator(1001)
        self.crf = crf
        self.frames_written = 0
        self._container: av.container.OutputContainer | None = None
        self._stream = None
        self._size: tuple[int, int] | None = None

    def _open(self, height: int, width: int) -> None:
        encoder = _h264_encoder()
        self._container = av.open(self.path, mode="w")
        stream = self._container.add_stream(encoder, rate=self.rate)
        stream.height, stream.width = height + height % 2, width + width % 2
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / self.rate
        if encoder == "libx264":
            stream.options = {"crf": str(self.crf), "preset": "veryfast"}
        self._stream, self._size = stream, (height, width)

    def write(self, frame: np.ndarray) -> None:
        """Appends one RGB frame (H, W, 3) uint8; every frame must have the first one's size."""
        height, width = frame.shape[:2]
        if self._container is None:
            self._open(height, width)
        elif (height, width) != self._size:
            raise AnnotateError(
                f"{self.path}: frame {self.frames_written} is {width}x{height} but the video is "
                f"{self._size[1]}x{self._size[0]} (w x h)"
            )
        if height % 2 or width % 2:
            frame = np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        picture.pts = self.frames_written
        self._container.mux(self._stream.encode(picture))
        self.frames_written += 1

    def close(self) -> None:
        if self._container is not None:
            self._container.mux(self._stream.encode())  # flush the encoder's delayed frames
            self._container.close()
            self._container = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AnnotatedVideo:
    """Writes a stream's frames, each with the latest completed window's top-`k` labels (see the module doc).

    `tap(frames)` passes a `FrameStream`'s items on to the recognizer and keeps the frames whose
    label is not yet known; `show(result)` is called with each window's result as it comes out;
    `close()` writes the last frames and finishes the file.
    """

    def __init__(self, path: str | os.PathLike, topk: int = 5, crf: int = 20) -> None:
        self.path = os.fspath(path)
        self.topk = topk
        self.crf = crf
        self.writer: VideoWriter | None = None
        self._current: Recognition | None = None
        self._pending: deque[tuple[float, torch.Tensor]] = deque()

    def tap(self, frames: FrameStream) -> Iterator[tuple[float, torch.Tensor]]:
        self.writer = VideoWriter(self.path, frames.fps, self.crf)
        return self._passing(frames)

    def _passing(self, frames: Iterable[tuple[float, torch.Tensor]]) -> Iterator[tuple[float, torch.Tensor]]:
        for item in frames:
            # The windows ending by the previous frame's time were shown before this pull: its label is known.
            self._write_before(math.inf)
            self._pending.append(item)
            yield item

    def show(self, result: Recognition) -> None:
        self._write_before(result.end - TIME_TOLERANCE)
        self._current = result

    def _write_before(self, time: float) -> None:
        while self._pending and self._pending[0][0] < time:
            _, frame = self._pending.popleft()
            if frame.shape[0] != 3:
                raise AnnotateError(f"{self.path}: annotated videos need RGB frames, got {frame.shape[0]} channels")
            picture = frame.permute(1, 2, 0).numpy()
            self.writer.write(draw_text_box(picture, label_lines(self._current, self.topk)))

    def close(self) -> None:
        if self.writer is not None:
            self._write_before(math.inf)
            self.writer.close()
