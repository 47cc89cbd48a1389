"""Frame readers: a video file or a frame folder in, uint8 frames ``(T, C, H, W)`` out.

Every reader answers ``read(indices)`` with exactly the displayed frames at those 0-based
positions, in the order asked, duplicates allowed. Backend choice lives in ``open_video``:

* torchcodec (``seek_mode="exact"``): fastest and frame-exact; used when it imports and
  its FFmpeg libraries load. A read it fails is retried with PyAV.
* PyAV: decodes forward from the start, never seeks by timestamp (seeking gets frames
  wrong on edit-list mp4s), and stops at the largest requested index.
* decord: MMAction2's historic default, only on request. It returns wrong frames on
  edit-list mp4s (trimmed Kinetics clips) and B-frame AVIs, so it refuses those files.

Failures to open or decode raise ``VideoDecodeError`` naming the file, so datasets can
skip the sample and report it; an index past the end raises ``IndexError``.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import av
import numpy as np
import torch
from torchvision.io import ImageReadMode, decode_jpeg, read_file

logger = logging.getLogger(__name__)

BACKENDS = ("torchcodec", "pyav", "decord")


class VideoDecodeError(RuntimeError):
    """A video or frame file that cannot be opened or decoded; the message names the file and the cause."""


def _cause(error: BaseException) -> str:
    """A library error as one readable clause (torchcodec prefixes C++ source locations)."""
    message = re.sub(r"^.*?\.cpp:\d+, ", "", str(error).strip()) or type(error).__name__
    return f"{type(error).__name__}: {message}"


def _check_video_file(path: str) -> None:
    """Catches the common bad inputs early with a plain message instead of a codec error."""
    if not os.path.exists(path):
        raise VideoDecodeError(f"{path}: no such file")
    if os.path.isdir(path):
        raise VideoDecodeError(f"{path}: is a directory, not a video file")
    if os.path.getsize(path) == 0:
        raise VideoDecodeError(f"{path}: file is empty (0 bytes)")


def _as_index_list(indices: Sequence[int] | np.ndarray | torch.Tensor, path: str) -> list[int]:
    array = np.asarray(indices.cpu() if isinstance(indices, torch.Tensor) else indices)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{path}: expected a non-empty 1-D sequence of frame indices, got shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{path}: frame indices must be integers, got dtype {array.dtype}")
    return array.tolist()


def _check_range(indices: list[int], num_frames: int, path: str) -> None:
    for index in indices:
        if not 0 <= index < num_frames:
            raise IndexError(f"{path}: frame index {index} out of range, the video has num_frames={num_frames}")


class FrameReader(ABC):
    """What every reader offers: a frame count, ``read(indices)`` and closing (also as a context manager)."""

    path: str
    num_frames: int

    @abstractmethod
    def read(self, indices: Sequence[int]) -> torch.Tensor:
        """uint8 frames ``(len(indices), C, H, W)`` at the given 0-based positions, in the given order."""

    def _checked(self, indices: Sequence[int]) -> list[int]:
        """The indices as a list of ints, each within ``[0, num_frames)``."""
        wanted = _as_index_list(indices, self.path)
        _check_range(wanted, self.num_frames, self.path)
        return wanted

    def close(self) -> None:
        """Releases the file; readers holding nothing open need no more than this."""

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"


class VideoReader(FrameReader):
    """A video file: RGB frames ``(T, 3, H, W)``, its average fps and per-frame presentation times."""

    fps: float | None

    @abstractmethod
    def timestamps(self, indices: Sequence[int]) -> list[float]:
        """Presentation time in seconds of each frame, from its pts (right on variable-frame-rate video)."""


# --------------------------------------------------------------------------- torchcodec


@functools.cache
def _torchcodec_problem() -> str | None:
    """Why torchcodec cannot decode in this process, or None when it can. Probed once, then cached."""
    try:
        import torchcodec
        from torchcodec.decoders import VideoDecoder  # noqa: F401
    except Exception as error:  # ImportError, or RuntimeError/OSError from a broken install
        problem = f"torchcodec does not import ({_cause(error)})"
    else:
        # torchcodec imports without FFmpeg and reports the failed library load here.
        if getattr(torchcodec, "ffmpeg_major_version", "unknown") is None:
            problem = "torchcodec imports but its FFmpeg libraries do not load (install FFmpeg 4-8, e.g. apt-get install ffmpeg)"
        else:
            problem = None
    if problem is not None:
        logger.debug("%s; falling back to PyAV", problem)
    return problem


class TorchCodecReader(VideoReader):
    """torchcodec in exact mode: a packet scan on open gives the true frame count, then frame-exact seeks."""

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.path = os.fspath(path)
        problem = _torchcodec_problem()
        if problem is not None:
            raise ImportError(f"the torchcodec backend is unavailable: {problem}")
        from torchcodec.decoders import VideoDecoder

        _check_video_file(self.path)
        try:
            self._decoder = VideoDecoder(self.path, seek_mode="exact", dimension_order="NCHW",
                                         num_ffmpeg_threads=num_threads)
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: torchcodec cannot open it ({_cause(error)})") from error
        self.num_frames = len(self._decoder)
        if self.num_frames == 0:
            raise VideoDecodeError(f"{self.path}: the video stream has no frames")
        self.fps = self._decoder.metadata.average_fps

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        """torchcodec's frames; where it fails, PyAV's forward decode of the same indices.

        torchcodec 0.17 cannot return the last frame of an AVI with B-frames (its count is
        right, its seek is not); PyAV decodes such files right, and a truly broken file
        fails both ways.
        """
        wanted = self._checked(indices)
        try:
            return self._decoder.get_frames_at(wanted).data
        except Exception as error:
            logger.debug("%s: torchcodec failed (%s); retrying with PyAV", self.path, _cause(error))
            try:
                with PyAVReader(self.path) as fallback:
                    return fallback.read(wanted)
            except (VideoDecodeError, IndexError) as fallback_error:
                raise VideoDecodeError(f"{self.path}: torchcodec failed to decode frames ({_cause(error)}); "
                                       f"so did PyAV ({fallback_error})") from error

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        """Decodes the frames to get their pts (torchcodec has no public pts-only query)."""
        wanted = self._checked(indices)
        try:
            return self._decoder.get_frames_at(wanted).pts_seconds.tolist()
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: torchcodec failed to decode frames ({_cause(error)})") from error

    def close(self) -> None:
        self.__dict__.pop("_decoder", None)


# --------------------------------------------------------------------------- PyAV


class PyAVReader(VideoReader):
    """PyAV, decoding forward from the first packet: the cost grows with the largest index asked
    for (no seeking at all), but the frames are always the displayed ones.

    ``num_frames`` and ``timestamps`` come from one demux pass over the packets without
    decoding (cost: reading the file once, about 1 ms per MB): the count of packets the
    demuxer does not flag as discarded (edit lists hide the lead-in packets that way) and
    their sorted pts. A stream without packet pts falls back to a full decode to count.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.path = os.fspath(path)
        self.num_threads = num_threads
        _check_video_file(self.path)
        self._container: av.container.InputContainer | None = self._open()
        stream = self._container.streams.video[0]
        self.fps = float(stream.average_rate) if stream.average_rate else None
        self._time_base = stream.time_base

    def _open(self) -> av.container.InputContainer:
        try:
            container = av.open(self.path)
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: PyAV cannot open it ({_cause(error)})") from error
        if not container.streams.video:
            container.close()
            raise VideoDecodeError(f"{self.path}: the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_count = self.num_threads
        stream.thread_type = "AUTO" if self.num_threads > 1 else "SLICE"
        return container

    def _fresh_container(self) -> av.container.InputContainer:
        """The container opened by ``__init__`` on first use, then a new one per pass (no seeking back)."""
        container, self._container = self._container, None
        return container if container is not None else self._open()

    @functools.cached_property
    def _scan(self) -> tuple[int, list[int] | None]:
        """(number of displayed frames, their sorted pts or None when the stream has no timestamps)."""
        with self._fresh_container() as container:
            pts: list[int | None] = []
            try:
                for packet in container.demux(container.streams.video[0]):
                    if packet.size and not packet.is_discard:
                        pts.append(packet.pts)
            except Exception as error:
                raise VideoDecodeError(f"{self.path}: PyAV failed while reading packets ({_cause(error)})") from error
        if None in pts:  # e.g. a raw .h264 stream: only decoding can count its frames
            pts = self._decoded_pts()
        if not pts:
            raise VideoDecodeError(f"{self.path}: the video stream has no frames")
        return len(pts), None if None in pts else sorted(pts)

    def _decoded_pts(self) -> list[int | None]:
        """Frame pts by decoding everything: the slow, sure way for streams whose packets lack pts."""
        with self._fresh_container() as container:
            try:
                return [frame.pts for frame in container.decode(container.streams.video[0])]
            except Exception as error:
                raise VideoDecodeError(f"{self.path}: PyAV failed to decode ({_cause(error)})") from error

    @property
    def num_frames(self) -> int:  # type: ignore[override]
        return self._scan[0]

    @property
    def has_timestamps(self) -> bool:
        """False for a raw elementary stream (e.g. ``.h264``), whose frames carry no pts."""
        return self._scan[1] is not None

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        wanted = self._checked(indices)
        frame_pts = self._scan[1]
        if frame_pts is None:
            raise VideoDecodeError(f"{self.path}: the video stream carries no timestamps")
        return [float(frame_pts[index] * self._time_base) for index in wanted]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        wanted = self._checked(indices)
        needed, last = set(wanted), max(wanted)
        images: dict[int, np.ndarray] = {}
        position = -1
        with self._fresh_container() as container:
            try:
                for position, frame in enumerate(container.decode(container.streams.video[0])):
                    if position in needed:
                        images[position] = frame.to_ndarray(format="rgb24")
                    if position == last:
                        break
            except Exception as error:
                raise VideoDecodeError(
                    f"{self.path}: PyAV failed to decode after frame {position} ({_cause(error)})") from error
        if last not in images:
            raise VideoDecodeError(f"{self.path}: decoding stopped after {position + 1} frames although the "
                                   f"container lists {self.num_frames}; the file is probably corrupt or truncated")
        batch = torch.from_numpy(np.stack([images[index] for index in wanted]))
        return batch.permute(0, 3, 1, 2).contiguous()

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


# --------------------------------------------------------------------------- decord


class DecordReader(VideoReader):
    """decord, for parity with MMAction2, on the files it indexes right.

    decord returns wrong frames on two common layouts: edit-list mp4s (trimmed with
    ``-c copy``, like many Kinetics clips: it counts the hidden lead-in packets, pads the
    end and shifts frames after a seek) and AVIs with B-frames (UCF101/HMDB51-style: no
    usable timestamps, so seeks land on wrong frames). Opening therefore checks decord's
    frame times against PyAV's packet scan (a few ms) and refuses a file where they differ.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.path = os.fspath(path)
        try:
            import decord
        except ImportError as error:
            raise ImportError("the decord backend needs decord: pip install decord (wheels exist for "
                              "x86_64 Linux/Windows only); or use backend='torchcodec' or 'pyav'") from error
        _check_video_file(self.path)
        try:
            self._reader = decord.VideoReader(self.path, num_threads=num_threads)
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: decord cannot open it ({_cause(error)})") from error
        with PyAVReader(self.path) as scan:
            shown = scan.num_frames
            shown_times = scan.timestamps(range(shown)) if scan.has_timestamps else None
        decord_times = self._reader.get_frame_timestamp(range(len(self._reader)))[:, 0]
        if shown_times is None or len(decord_times) != shown or not np.allclose(decord_times, shown_times, atol=1e-3):
            raise VideoDecodeError(
                f"{self.path}: decord's frame index disagrees with the displayed frames ({len(decord_times)} frames "
                f"vs {shown}; an edit list or B-frames in AVI do this) and it would return wrong frames; "
                "open it with backend='torchcodec' or 'pyav'")
        self.num_frames = shown
        self.fps = float(self._reader.get_avg_fps())

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        wanted = self._checked(indices)
        try:
            batch = self._reader.get_batch(wanted).asnumpy()
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: decord failed to decode frames ({_cause(error)})") from error
        return torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous()

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        wanted = self._checked(indices)
        return self._reader.get_frame_timestamp(wanted)[:, 0].astype(float).tolist()

    def close(self) -> None:
        self.__dict__.pop("_reader", None)


# --------------------------------------------------------------------------- backend choice


def available_backends() -> list[str]:
    """Video backends usable in this process, best first."""
    backends = []
    if _torchcodec_problem() is None:
        backends.append("torchcodec")
    backends.append("pyav")  # a hard dependency
    if importlib.util.find_spec("decord") is not None:
        backends.append("decord")
    return backends


def open_video(path: str | os.PathLike, backend: str = "auto", num_threads: int = 1) -> VideoReader:
    """Opens a video with ``backend``: 'auto' (torchcodec, else PyAV), 'torchcodec', 'pyav' or 'decord'."""
    if backend == "auto":
        backend = "torchcodec" if _torchcodec_problem() is None else "pyav"
    if backend == "torchcodec":
        return TorchCodecReader(path, num_threads)
    if backend == "pyav":
        return PyAVReader(path, num_threads)
    if backend == "decord":
        return DecordReader(path, num_threads)
    raise ValueError(f"unknown video backend {backend!r}; expected 'auto' or one of {BACKENDS}")


# --------------------------------------------------------------------------- frame folders


def _decode_jpegs(paths: list[str], mode: ImageReadMode) -> torch.Tensor:
    """Batch-decodes JPEG files to uint8 ``(N, C, H, W)``; a bad file is named in the error."""
    for path in paths:
        if not os.path.isfile(path):
            raise VideoDecodeError(f"{path}: frame file not found")
    data = [read_file(path) for path in paths]
    try:
        images = decode_jpeg(data, mode=mode)
    except Exception:
        for path, encoded in zip(paths, data):  # find the culprit to name it
            try:
                decode_jpeg(encoded, mode=mode)
            except Exception as error:
                raise VideoDecodeError(f"{path}: cannot decode JPEG ({_cause(error)})") from error
        raise
    try:
        return torch.stack(images)
    except RuntimeError as error:
        sizes = sorted({tuple(image.shape[1:]) for image in images})
        raise VideoDecodeError(f"{os.path.dirname(paths[0])}: frames differ in size {sizes}") from error


class _JpegFolderReader(FrameReader):
    """Shared by RGB and flow folders: position ``p`` is frame number ``p + start_index + offset``.

    Each frame number maps to one file per channel group (RGB: one; flow: x and y).
    """

    def __init__(self, frame_dir: str | os.PathLike, num_frames: int | None, filename_tmpl: str,
                 start_index: int, offset: int) -> None:
        self.path = os.fspath(frame_dir)
        self.filename_tmpl = filename_tmpl
        self.first_number = start_index + offset
        if not os.path.isdir(self.path):
            raise VideoDecodeError(f"{self.path}: no such frame folder")
        self.num_frames = self._count_frames() if num_frames is None else num_frames

    @abstractmethod
    def _file_names(self, number: int) -> list[str]:
        """The file name of frame ``number`` for each channel group."""

    def _count_frames(self) -> int:
        """Consecutive frame numbers from the first one whose files all exist (one directory listing)."""
        present = set(os.listdir(self.path))
        count = 0
        while all(name in present for name in self._file_names(self.first_number + count)):
            count += 1
        if count == 0:
            expected = ", ".join(self._file_names(self.first_number))
            raise VideoDecodeError(f"{self.path}: no frame files found (expected {expected})")
        return count

    def _read_groups(self, indices: Sequence[int], mode: ImageReadMode) -> list[torch.Tensor]:
        """One ``(len(indices), C, H, W)`` batch per channel group; each file is decoded once."""
        wanted = self._checked(indices)
        unique = sorted(set(wanted))
        row_of = {position: row for row, position in enumerate(unique)}
        rows = torch.tensor([row_of[position] for position in wanted])
        names = [self._file_names(self.first_number + position) for position in unique]
        groups = []
        for group in range(len(names[0])):
            paths = [os.path.join(self.path, frame_names[group]) for frame_names in names]
            groups.append(_decode_jpegs(paths, mode)[rows])
        return groups


class FrameFolderReader(_JpegFolderReader):
    """An RGB rawframe folder (``img_00001.jpg`` ...), as MMAction2's RawframeDataset lays it out."""

    def __init__(self, frame_dir: str | os.PathLike, num_frames: int | None = None,
                 filename_tmpl: str = "img_{:05d}.jpg", start_index: int = 1, offset: int = 0) -> None:
        super().__init__(frame_dir, num_frames, filename_tmpl, start_index, offset)

    def _file_names(self, number: int) -> list[str]:
        return [self.filename_tmpl.format(number)]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        (rgb,) = self._read_groups(indices, ImageReadMode.RGB)
        return rgb


class FlowFolderReader(_JpegFolderReader):
    """A TV-L1 flow folder: grayscale ``x_00001.jpg`` / ``y_00001.jpg`` pairs, read as ``(T, 2, H, W)``, x first."""

    def __init__(self, frame_dir: str | os.PathLike, num_frames: int | None = None,
                 filename_tmpl: str = "{}_{:05d}.jpg", start_index: int = 1, offset: int = 0) -> None:
        super().__init__(frame_dir, num_frames, filename_tmpl, start_index, offset)

    def _file_names(self, number: int) -> list[str]:
        return [self.filename_tmpl.format(direction, number) for direction in ("x", "y")]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        flow_x, flow_y = self._read_groups(indices, ImageReadMode.GRAY)
        return torch.cat([flow_x, flow_y], dim=1)
