"""Frame readers: a video file or a frame folder in, uint8 frames ``(T, C, H, W)`` out.

Every reader answers ``read(indices)`` with exactly the displayed frames at those 0-based
positions, in the order asked, duplicates allowed. Backend choice lives in ``open_video``:

* PyAV: decodes forward from the start and never seeks by timestamp (seeking gets frames
  wrong on edit-list mp4s). For H.264/HEVC in mp4/mkv/ts/flv it sends the decoder only the
  packets the requested frames depend on: unrequested non-reference pictures are left out,
  and so are closed GOPs (from an IDR) with nothing requested. Frames stay bit-identical
  to a full decode, because every decoded picture still gets all its references.
* torchcodec (``seek_mode="exact"``): frame-exact; seeks to the key frame before each frame.
  A read it fails is retried with PyAV.
* decord: MMAction2's historic default, only on request, and only where it is frame-exact.
  Safe (checked by the tests with a fresh seek to every frame): H.264 in mp4 or mkv, closed
  or open GOP; closed-GOP HEVC in mp4 or mkv; variable frame rate mp4. Refused, because its
  seeks land on wrong frames: edit-list mp4s (trimmed Kinetics clips), B-frame AVIs
  (UCF101/HMDB51), open-GOP HEVC (index 30 comes back as frame 32), MPEG-TS, truncated files.
  The first open of a file in a process verifies decord against PyAV (frame times, then a
  seek to the first key frames and the last frame) and refuses the file where they differ.

'auto' takes PyAV for H.264/HEVC in those containers and torchcodec for everything else
(e.g. MPEG-4 part 2 AVIs, where PyAV can skip nothing). Process CPU ms per video, one thread,
2 loaded cores (benchmarks/data_pipeline.py and the same pipeline on test.mp4):

    TSN train (8 sparse frames)     torchcodec   PyAV full decode   PyAV skipping
    demo.mp4 (IDR at 0/187/230/268)   116-124        182-185            83-99
    test.mp4 (IDR at 0/235)               241        281-296              139
    340x256 GOP 12, 300 frames          46-52        161-175            45-50
    568x320 GOP 30, 300 frames             81                            83
    UniFormerV2 test (32 frames)
    demo.mp4 / GOP 12 / GOP 30    173 / 179 / 202                 139 / 155 / 154

One frame policy on every backend:

* Rotation: frames come out as displayed, the display matrix applied (phones store portrait
  video sideways with a "rotate 90" matrix), as FFmpeg's command-line tool, torchcodec and
  decord show them; PyAV's frames are turned to match. An angle that is not a multiple of 90
  degrees is refused. (Like torchcodec and decord, only the matrix's angle is read: a matrix
  that also mirrors the picture is not detected.)
* A file cut short (a download that stopped: the mp4 header lists more frames than the data
  hold, or the last packet is incomplete) counts only the frames that decode whole, with a
  warning once per file; an index past them raises ``IndexError`` saying the file is
  truncated and which frame is the first missing. No backend returns a neighbouring,
  repeated or half-decoded frame for the missing ones.
* A symbolic link loop or a dangling link is reported as such, not as "no such file".

Failures to open or decode raise ``VideoDecodeError`` naming the file (a frame folder's
errors name the frame file), so datasets can skip the sample and report it; an index past
the end raises ``IndexError``.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import importlib.util
import itertools
import logging
import os
import re
import string
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
import torch
from torchvision.io import ImageReadMode, decode_jpeg, read_file

from actionrec.data.paths import missing_reason
from actionrec.errors import ActionrecError

logger = logging.getLogger(__name__)

BACKENDS = ("torchcodec", "pyav", "decord")


class VideoDecodeError(ActionrecError, RuntimeError):
    """A video or frame file that cannot be opened or decoded; the message names the file and the cause."""


def _cause(error: BaseException) -> str:
    """A library error as one readable clause (torchcodec prefixes C++ source locations)."""
    message = re.sub(r"^.*?\.cpp:\d+, ", "", str(error).strip()) or type(error).__name__
    return f"{type(error).__name__}: {message}"


def _check_video_file(path: str) -> None:
    """Catches the common bad inputs early with a plain message instead of a codec error."""
    reason = missing_reason(path)
    if reason is not None:
        raise VideoDecodeError(f"{path}: {reason}")
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


def _truncation(promised_frames: int, num_frames: int) -> str:
    return (
        f"the file is truncated, it lists {promised_frames} frames but only frames 0..{num_frames - 1} decode "
        f"(frame {num_frames} is the first missing)"
    )


_warned_truncated: set[str] = set()


def _warn_truncated(path: str, promised_frames: int, num_frames: int) -> None:
    """Once per file and process: a dataset opens the file again for every sample drawn from it."""
    if path not in _warned_truncated:
        _warned_truncated.add(path)
        logger.warning("%s: %s; using those", path, _truncation(promised_frames, num_frames))


def _check_range(indices: list[int], num_frames: int, path: str, promised_frames: int | None = None) -> None:
    for index in indices:
        if 0 <= index < num_frames:
            continue
        if promised_frames is not None and index >= num_frames:
            raise IndexError(f"{path}: frame index {index} out of range: {_truncation(promised_frames, num_frames)}")
        raise IndexError(f"{path}: frame index {index} out of range, the video has num_frames={num_frames}")


class FrameReader(ABC):
    """What every reader offers: a frame count, ``read(indices)`` and closing (also as a context manager)."""

    path: str
    num_frames: int
    # Set where the file is cut short: the frame count its header promises (num_frames counts what decodes).
    promised_frames: int | None = None

    @abstractmethod
    def read(self, indices: Sequence[int]) -> torch.Tensor:
        """uint8 frames ``(len(indices), C, H, W)`` at the given 0-based positions, in the given order."""

    def _checked(self, indices: Sequence[int]) -> list[int]:
        """The indices as a list of ints, each within ``[0, num_frames)``."""
        wanted = _as_index_list(indices, self.path)
        _check_range(wanted, self.num_frames, self.path, self.promised_frames)
        return wanted

    def iter_frames(self, chunk: int = 32) -> Iterator[torch.Tensor]:
        """Every frame ``(C, H, W)`` in display order, in one sequential pass: for long videos and
        streaming, where ``read(range(num_frames))`` would hold the whole video in memory.

        This default reads ``chunk`` consecutive frames at a time, so at most about ``chunk`` frames
        are held beyond those the caller keeps (a kept frame keeps its chunk alive). PyAV overrides it
        with one forward decode, frame by frame.
        """
        for first in range(0, self.num_frames, chunk):
            yield from self.read(range(first, min(first + chunk, self.num_frames)))

    def close(self) -> None:  # noqa: B027 (optional hook: readers that hold a file override it)
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
            problem = (
                "torchcodec imports but its FFmpeg libraries do not load "
                "(install FFmpeg 4-8, e.g. apt-get install ffmpeg)"
            )
        else:
            problem = None
    if problem is not None:
        logger.debug("%s; falling back to PyAV", problem)
    return problem


# Frames decoded at a time when torchcodec must decode to learn their pts (a chunk of 340x256 frames: ~17 MB).
_TIMESTAMP_CHUNK = 64
# PyAV's scanned pts and torchcodec's decoded pts of the same frame differ by float rounding at most.
_TIMESTAMP_TOLERANCE_S = 1e-6


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
            self._decoder = VideoDecoder(
                self.path, seek_mode="exact", dimension_order="NCHW", num_ffmpeg_threads=num_threads
            )
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: torchcodec cannot open it ({_cause(error)})") from error
        self.num_frames = len(self._decoder)
        if self.num_frames == 0:
            raise VideoDecodeError(f"{self.path}: the video stream has no frames")
        self.fps = self._decoder.metadata.average_fps
        header_frames = self._decoder.metadata.num_frames_from_header
        if header_frames is None or header_frames != self.num_frames:
            self._count_what_decodes()

    def _count_what_decodes(self) -> None:
        """A file whose header disagrees with its packets may be cut short, and torchcodec then returns
        a neighbouring or half-decoded frame for the damaged end: keep only the frames PyAV finds whole."""
        with PyAVReader(self.path) as scan:
            if scan.promised_frames is not None:
                self.promised_frames = scan.promised_frames
                self.num_frames = min(self.num_frames, scan.num_frames)

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
                raise VideoDecodeError(
                    f"{self.path}: torchcodec failed to decode frames ({_cause(error)}); so did PyAV ({fallback_error})"
                ) from error

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        """Presentation times in seconds: from PyAV's packet scan (no decoding) where it lists the same
        frames, else decoded (torchcodec has no pts-only query) a chunk at a time, so asking for every
        frame of a long video holds one chunk of frames, not the video. Where torchcodec cannot decode a
        frame, PyAV's time for it, as `read` falls back to PyAV's frame."""
        wanted = self._checked(indices)
        scanned = self._scanned_times
        if scanned is not None:
            return [scanned[index] for index in wanted]
        times: list[float] = []
        for first in range(0, len(wanted), _TIMESTAMP_CHUNK):
            chunk = wanted[first : first + _TIMESTAMP_CHUNK]
            try:
                times += self._decoded_times(chunk)
            except VideoDecodeError as error:
                pyav = self._pyav_times
                if pyav is None or max(chunk) >= len(pyav):
                    raise VideoDecodeError(f"{error}; PyAV's scan has no times for them either") from error
                times += [pyav[index] for index in chunk]
        return times

    def _decoded_times(self, indices: list[int]) -> list[float]:
        try:
            return self._decoder.get_frames_at(indices).pts_seconds.tolist()
        except Exception as error:
            raise VideoDecodeError(f"{self.path}: torchcodec failed to decode frames ({_cause(error)})") from error

    @functools.cached_property
    def _pyav_times(self) -> list[float] | None:
        """Every frame's time from PyAV's demux-only index (one scan per reader); None without pts."""
        try:
            with PyAVReader(self.path) as scan:
                return scan.timestamps(range(scan.num_frames)) if scan.has_timestamps else None
        except (VideoDecodeError, IndexError):
            return None

    @functools.cached_property
    def _scanned_times(self) -> list[float] | None:
        """PyAV's times when its scan counts the frames torchcodec does and agrees with torchcodec's decoded
        first and last pts (or torchcodec cannot decode them, and `read` would return PyAV's frames);
        None otherwise, and frames are decoded for their pts."""
        pyav = self._pyav_times
        if pyav is None or len(pyav) < self.num_frames:
            return None
        times = pyav[: self.num_frames]
        try:
            ends = self._decoded_times([0, self.num_frames - 1])
        except VideoDecodeError:
            return times
        if any(abs(a - b) > _TIMESTAMP_TOLERANCE_S for a, b in zip(ends, (times[0], times[-1]))):
            return None
        return times

    def close(self) -> None:
        self.__dict__.pop("_decoder", None)


# --------------------------------------------------------------------------- PyAV

# The index pass keeps the packets of files up to this size for the first read (no second demux).
_KEPT_PACKET_BYTES = 64 << 20
# Containers whose packet pts are presentation times (AVI stores decode order only).
_MP4 = "mov,mp4,m4a,3gp,3g2,mj2"  # the one container whose header reliably counts the frames
_PTS_CONTAINERS = frozenset({_MP4, "matroska,webm", "mpegts", "flv"})

# H.264 NAL unit types (ITU-T H.264 table 7-1).
_H264_SLICES = frozenset(range(1, 6))
_H264_IDR = 5
_H264_PARAMETER_SETS = frozenset({7, 8, 13, 15})  # SPS, PPS, SPS extension, subset SPS
_H264_HARMLESS = frozenset({9, 12})  # access unit delimiter, filler: no decoder state
# HEVC NAL unit types (ITU-T H.265 table 7-1).
_HEVC_SUBLAYER_NONREF = frozenset({0, 2, 4, 6, 8, 10, 12, 14})  # TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N, RSV_VCL_N*
_HEVC_IDR = frozenset({19, 20})  # IDR_W_RADL, IDR_N_LP
_HEVC_PARAMETER_SETS = frozenset({32, 33, 34})  # VPS, SPS, PPS
_HEVC_HARMLESS = frozenset({35, 38})  # access unit delimiter, filler


def _nal_length_size(codec: str, extradata: bytes | None) -> int:
    """Bytes of the NAL length prefix in avcC/hvcC-style packets (mp4, mkv), or 0 for Annex-B start codes."""
    if not extradata or extradata[0] != 1:
        return 0
    if codec == "h264" and len(extradata) >= 5:
        return (extradata[4] & 3) + 1
    if codec == "hevc" and len(extradata) >= 23:
        return (extradata[21] & 3) + 1
    return 0


def _nal_headers(data: bytes, length_size: int) -> list[int] | None:
    """The first two bytes (big-endian) of each NAL unit of a packet; None when the packet does not parse."""
    headers = []
    if length_size:
        position = 0
        while position < len(data):
            payload = position + length_size
            size = int.from_bytes(data[position:payload], "big")
            if size == 0 or payload + size > len(data):
                return None
            headers.append(int.from_bytes(data[payload : payload + 2].ljust(2, b"\0"), "big"))
            position = payload + size
    else:
        start = data.find(b"\x00\x00\x01")
        while start != -1:
            payload = start + 3
            headers.append(int.from_bytes(data[payload : payload + 2].ljust(2, b"\0"), "big"))
            start = data.find(b"\x00\x00\x01", payload)
    return headers or None


@dataclass(frozen=True)
class _AccessUnit:
    """What a packet's NAL headers say about its picture, for deciding what may be left undecoded."""

    nonref: bool  # no later picture of its temporal layer references it, and it carries no other decoder state
    idr: bool  # instantaneous decoder refresh: nothing after it references anything before it
    parameter_sets: bool  # carries SPS/PPS (or VPS), which later pictures may use
    temporal_id: int  # HEVC temporal sub-layer (0 for H.264)


def _h264_access_unit(headers: list[int]) -> _AccessUnit:
    types = [(header >> 8) & 31 for header in headers]
    slice_ref_idc = [(header >> 13) & 3 for header, kind in zip(headers, types) if kind in _H264_SLICES]
    return _AccessUnit(
        nonref=bool(slice_ref_idc) and not any(slice_ref_idc) and set(types) <= _H264_SLICES | _H264_HARMLESS,
        idr=bool(slice_ref_idc) and all(kind == _H264_IDR for kind in types if kind in _H264_SLICES),
        parameter_sets=not _H264_PARAMETER_SETS.isdisjoint(types),
        temporal_id=0,
    )


def _hevc_access_unit(headers: list[int]) -> _AccessUnit:
    types = [(header >> 9) & 63 for header in headers]
    base_layer = all((header >> 3) & 63 == 0 for header in headers)  # nuh_layer_id 0: no multi-layer HEVC
    slices = [kind for kind in types if kind < 32]
    temporal_ids = [(header & 7) - 1 for header, kind in zip(headers, types) if kind < 32]
    return _AccessUnit(
        nonref=bool(slices)
        and base_layer
        and set(slices) <= _HEVC_SUBLAYER_NONREF
        and set(types) <= _HEVC_SUBLAYER_NONREF | _HEVC_HARMLESS,
        idr=bool(slices) and base_layer and set(slices) <= _HEVC_IDR,
        parameter_sets=not _HEVC_PARAMETER_SETS.isdisjoint(types),
        temporal_id=max(temporal_ids, default=0),
    )


def _droppable(units: list[_AccessUnit]) -> list[bool]:
    """Pictures nothing references: non-reference ones in the top temporal sub-layer of the stream
    (an HEVC sub-layer non-reference picture may still be referenced from higher sub-layers)."""
    top_layer = max(unit.temporal_id for unit in units)
    return [unit.nonref and unit.temporal_id == top_layer for unit in units]


_ACCESS_UNIT_PARSERS = {"h264": _h264_access_unit, "hevc": _hevc_access_unit}


@dataclass
class _PacketIndex:
    """One demux pass over the video packets (non-empty ones, in decode order), without decoding.

    ``frame_pts`` are the sorted pts of the shown packets (edit lists hide lead-in packets by
    flagging them discarded), so display index = rank of a packet's pts. ``frame_packet[i]`` is
    the decode position of display index ``i``. For H.264/HEVC in a container with real
    presentation times, ``droppable`` marks packets whose picture nothing references and
    ``starts`` the positions where decoding may begin afresh (0 and closed-GOP IDRs); both are
    None where packets cannot be skipped exactly.

    A file cut short (``promised_frames`` set: an mp4 header lists more frames than the data
    hold, or the demuxer flags the last packet incomplete) keeps only the frames shown before
    the decode time of the first missing or incomplete packet. Every missing frame has a pts at or
    after that decode time, so the frames kept are complete and consecutive; ``key_frames`` are
    the display indices of the key frames among them.
    """

    frame_pts: list[int] | None  # None: a raw stream without timestamps
    frame_packet: list[int] | None = None
    droppable: list[bool] | None = None
    starts: list[int] | None = None
    parameter_sets: list[bool] | None = None
    promised_frames: int | None = None
    key_frames: list[int] = field(default_factory=list)

    @property
    def skips_packets(self) -> bool:
        return self.droppable is not None

    def plan(self, frames: set[int]) -> list[int]:
        """Decode positions to send the decoder so that ``frames`` (display indices) come out exact.

        For each frame: the packets from the latest start before it up to it, less the droppable
        ones other than itself. Packet 0 is always sent, so stream-level state carried in the first
        access unit (e.g. the encoder's identity, which libavcodec uses for bug workarounds) is
        seen as in a full decode. A skipped IDR that carries parameter sets is sent too.
        """
        assert self.frame_packet is not None and self.droppable is not None and self.starts is not None
        send = {0}
        covered = 0
        for position in sorted(self.frame_packet[frame] for frame in frames):
            start = max(self.starts[bisect.bisect_right(self.starts, position) - 1], covered)
            send.update(p for p in range(start, position) if not self.droppable[p])
            send.add(position)
            covered = max(covered, position + 1)
        last = max(send)
        send.update(p for p in self.starts if p < last and self.parameter_sets[p])
        return sorted(send)


def _access_unit_parser(container: av.container.InputContainer) -> Callable[[list[int]], _AccessUnit] | None:
    """The NAL header parser for the video stream, where packets can be skipped: H.264/HEVC with real pts."""
    if container.format.name not in _PTS_CONTAINERS:
        return None
    return _ACCESS_UNIT_PARSERS.get(container.streams.video[0].codec_context.name)


def _cut_off(packets: list[av.Packet], incomplete: int | None, missing_tail: bool) -> int | None:
    """The pts below which every frame is complete in a file cut short; None for a whole file.

    Decode times only grow and a frame is never shown before it is decoded, so no missing frame
    (an incomplete packet, or one after the last packet read) has a pts below the decode time of
    the incomplete packet, or at or below that of the last packet read when the tail is gone.
    """
    if incomplete is not None:
        first_bad = packets[incomplete]
        return first_bad.dts if first_bad.dts is not None else first_bad.pts
    if missing_tail and packets:
        last = packets[-1]
        return (last.dts if last.dts is not None else last.pts) + 1
    return None


def _index_packets(container: av.container.InputContainer, path: str) -> tuple[_PacketIndex, list[av.Packet]]:
    """Demuxes every video packet once (about 1 ms per MB) and parses H.264/HEVC NAL headers.

    Also returns the non-empty packets, so that the first read need not demux again.
    """
    stream = container.streams.video[0]
    codec = stream.codec_context.name
    parse = _access_unit_parser(container)
    length_size = _nal_length_size(codec, stream.codec_context.extradata) if parse else 0
    pts: list[int | None] = []
    shown: list[bool] = []
    units: list[_AccessUnit | None] = []
    packets = []
    timed_packets = 0  # incl. empty ones with a timestamp (skipped frames), as the header counts them
    try:
        for packet in container.demux(stream):
            timed_packets += packet.pts is not None or packet.dts is not None
            if not packet.size:
                continue
            packets.append(packet)
            pts.append(packet.pts)
            shown.append(not packet.is_discard)
            if parse is not None:
                headers = _nal_headers(bytes(packet), length_size)
                units.append(None if headers is None else parse(headers))
    except Exception as error:
        raise VideoDecodeError(f"{path}: PyAV failed while reading packets ({_cause(error)})") from error
    if None in pts:  # e.g. a raw .h264 stream: no timestamps, no skipping
        return _PacketIndex(frame_pts=None), packets
    promised = stream.frames if container.format.name == _MP4 and stream.frames > timed_packets else None
    # The demuxer flags a packet it could read only in part; at the end of the file that is a download cut short.
    incomplete = len(packets) - 1 if packets and packets[-1].is_corrupt else None
    cut_off = _cut_off(packets, incomplete, promised is not None)
    if cut_off is not None:
        promised = promised or len(packets)
        shown = [is_shown and p < cut_off for p, is_shown in zip(pts, shown)]
    frame_pts = sorted(p for p, is_shown in zip(pts, shown) if is_shown)
    key_pts = {p for p, packet, is_shown in zip(pts, packets, shown) if is_shown and packet.is_keyframe}
    index = _PacketIndex(
        frame_pts=frame_pts,
        promised_frames=promised if cut_off is not None else None,
        key_frames=[rank for rank, p in enumerate(frame_pts) if p in key_pts],
    )
    if len(set(pts)) < len(pts):  # duplicated pts cannot name frames
        return index, packets
    position_of_pts = {p: position for position, p in enumerate(pts)}
    index.frame_packet = [position_of_pts[p] for p in frame_pts]
    if parse is None or not units or None in units:
        return index, packets
    index.droppable = _droppable(units)
    index.parameter_sets = [unit.parameter_sets for unit in units]
    index.starts = [0]
    if not any(unit.parameter_sets and not unit.idr for unit in units[1:]):
        # Closed GOP, checked on the timestamps too: everything before the IDR is shown before it
        # and everything after it is shown after it.
        earlier_max = list(itertools.accumulate(pts, max))
        later_min = list(itertools.accumulate(reversed(pts), min))[::-1]
        index.starts += [
            position
            for position in range(1, len(units))
            if units[position].idr and earlier_max[position - 1] < pts[position] == later_min[position]
        ]
    return index, packets


def _displayed(frame: av.VideoFrame, path: str) -> np.ndarray:
    """The frame as RGB ``(H, W, 3)``, turned as its display matrix says (phones store portrait video
    sideways with a "rotate 90" matrix), as FFmpeg's command-line tool, torchcodec and decord show it.

    ``frame.rotation`` reads the angle in C; ``frame.side_data`` is avoided on purpose: its Python
    objects keep decoder buffers alive in a reference cycle, and a DataLoader worker forked while
    they are alive hangs in its first demux.
    """
    image = frame.to_ndarray(format="rgb24")
    degrees = frame.rotation  # counter-clockwise, 0 without a display matrix
    if degrees % 90:
        raise VideoDecodeError(f"{path}: the display matrix rotates by {degrees} degrees; only multiples of 90 work")
    return np.rot90(image, (degrees // 90) % 4) if degrees else image


class PyAVReader(VideoReader):
    """PyAV, decoding forward from the first packet, never seeking by timestamp (which gets frames
    wrong on edit-list mp4s), stopping after the last frame asked for.

    ``num_frames`` and ``timestamps`` come from one demux pass over the packets without decoding:
    the packets the demuxer does not flag as discarded and their sorted pts. A stream without
    packet pts falls back to a full decode to count.

    For H.264 and HEVC in mp4/mkv/ts/flv the decoder is only sent the packets the requested
    frames depend on (``_PacketIndex.plan``): non-reference pictures that are not requested are
    left out, and so are whole closed GOPs (from an IDR) with nothing requested. Every picture
    that is decoded sees exactly the references it sees in a full decode, so the frames are
    identical; ``packets_decoded`` counts the packets sent by the last ``read``. If a requested
    frame still fails to come out, the read is redone as a plain forward decode.
    ``may_skip_packets`` (codec and container alone, known on open) is what 'auto' decides on.

    The demux pass keeps the packets of files up to 64 MB, so the first read does not demux again.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.path = os.fspath(path)
        self.num_threads = num_threads
        self.packets_decoded = 0
        self._kept_packets: list[av.Packet] | None = None
        _check_video_file(self.path)
        self._container: av.container.InputContainer | None = self._open()
        stream = self._container.streams.video[0]
        self.fps = float(stream.average_rate) if stream.average_rate else None
        self._time_base = stream.time_base
        self.may_skip_packets = _access_unit_parser(self._container) is not None

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

    def _packets(self) -> tuple[av.container.InputContainer, Iterable[av.Packet]]:
        """A container and its non-empty video packets: the first time those kept by the index pass,
        then a new demux."""
        if self._kept_packets is not None:
            packets, self._kept_packets = self._kept_packets, None
            return self._fresh_container(), packets
        container = self._fresh_container()
        return container, (packet for packet in container.demux(container.streams.video[0]) if packet.size)

    @functools.cached_property
    def _index(self) -> _PacketIndex:
        container = self._fresh_container()
        try:
            index, packets = _index_packets(container, self.path)
        except BaseException:
            container.close()
            raise
        if index.frame_pts is not None and sum(packet.size for packet in packets) <= _KEPT_PACKET_BYTES:
            self._container, self._kept_packets = container, packets  # the first read decodes these
        else:
            container.close()
        if index.frame_pts is None:
            self._frame_count = len(self._decoded_pts())
        elif not index.frame_pts and index.promised_frames:
            raise VideoDecodeError(
                f"{self.path}: the file is truncated, it lists {index.promised_frames} frames but none decodes whole"
            )
        elif not index.frame_pts:
            raise VideoDecodeError(f"{self.path}: the video stream has no frames")
        elif index.promised_frames:
            _warn_truncated(self.path, index.promised_frames, len(index.frame_pts))
        return index

    def _decoded_pts(self) -> list[int | None]:
        """Frame pts by decoding everything: the slow, sure way for streams whose packets lack pts."""
        with self._fresh_container() as container:
            try:
                pts = [frame.pts for frame in container.decode(container.streams.video[0])]
            except Exception as error:
                raise VideoDecodeError(f"{self.path}: PyAV failed to decode ({_cause(error)})") from error
        if not pts:
            raise VideoDecodeError(f"{self.path}: the video stream has no frames")
        return pts

    @property
    def num_frames(self) -> int:  # type: ignore[override]
        frame_pts = self._index.frame_pts
        return self._frame_count if frame_pts is None else len(frame_pts)

    @property
    def promised_frames(self) -> int | None:  # type: ignore[override]
        return self._index.promised_frames

    @property
    def key_frames(self) -> list[int]:
        """Display indices of the key frames (where a seeking decoder restarts)."""
        return self._index.key_frames

    @property
    def has_timestamps(self) -> bool:
        """False for a raw elementary stream (e.g. ``.h264``), whose frames carry no pts."""
        return self._index.frame_pts is not None

    @property
    def skips_packets(self) -> bool:
        """True where ``read`` decodes only the packets the requested frames depend on (H.264/HEVC)."""
        return self._index.skips_packets

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        wanted = self._checked(indices)
        frame_pts = self._index.frame_pts
        if frame_pts is None:
            raise VideoDecodeError(f"{self.path}: the video stream carries no timestamps")
        return [float(frame_pts[index] * self._time_base) for index in wanted]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        """Frames as a channels-last strided ``(T, 3, H, W)`` view, the layout torchcodec returns."""
        wanted = self._checked(indices)
        needed = set(wanted)
        images = self._decode_planned(needed) if self.skips_packets else None
        if images is None:
            images = self._decode_forward(needed)
        return torch.from_numpy(np.stack([images[index] for index in wanted])).permute(0, 3, 1, 2)

    def _decode_planned(self, needed: set[int]) -> dict[int, np.ndarray] | None:
        """Sends only the planned packets; frames are named by pts. None if a frame did not come out."""
        index = self._index
        plan = index.plan(needed)
        to_send, last = set(plan), plan[-1]
        display_index = {pts: frame for frame, pts in enumerate(index.frame_pts)}
        images: dict[int, np.ndarray] = {}

        def keep(frames: list[av.VideoFrame]) -> None:
            for frame in frames:
                shown = display_index.get(frame.pts)
                if shown in needed and shown not in images:
                    images[shown] = _displayed(frame, self.path)

        self.packets_decoded = 0
        container, packets = self._packets()
        with container:
            stream = container.streams.video[0]
            try:
                for position, packet in enumerate(packets):
                    if position in to_send:
                        self.packets_decoded += 1
                        keep(stream.decode(packet))
                    if len(images) == len(needed):
                        return images
                    if position == last:
                        keep(stream.decode(None))
                        break
            except Exception as error:
                logger.debug("%s: decoding the planned packets failed (%s)", self.path, _cause(error))
                return None
        if len(images) < len(needed):
            logger.debug(
                "%s: frames %s did not come out of the planned packets; decoding everything",
                self.path,
                sorted(needed - images.keys()),
            )
            return None
        return images

    def _decode_forward(self, needed: set[int]) -> dict[int, np.ndarray]:
        """Every packet up to the last frame asked for; frames are named by output order."""
        last = max(needed)
        images: dict[int, np.ndarray] = {}
        decoded = 0
        with contextlib.closing(self._forward()) as frames:
            for position, frame in frames:
                decoded = position + 1
                if position in needed:
                    images[position] = _displayed(frame, self.path)
                if position == last:
                    return images
        raise VideoDecodeError(
            f"{self.path}: decoding stopped after {decoded} frames although the "
            f"container lists {self.num_frames}; the file is probably corrupt or truncated"
        )

    def _forward(self) -> Iterator[tuple[int, av.VideoFrame]]:
        """One plain decode pass from the first packet: (output position, frame); errors name the position.

        The container is closed when the pass ends or the caller stops early (the generator is closed).
        """
        position = -1
        self.packets_decoded = 0
        container, packets = self._packets()
        with container:
            stream = container.streams.video[0]
            try:
                for packet in itertools.chain(packets, [None]):  # None drains the decoder
                    self.packets_decoded += packet is not None
                    for frame in stream.decode(packet):
                        position += 1
                        yield position, frame
            except Exception as error:
                raise VideoDecodeError(
                    f"{self.path}: PyAV failed to decode after frame {position} ({_cause(error)})"
                ) from error

    def iter_frames(self, chunk: int = 32) -> Iterator[torch.Tensor]:
        """Every frame ``(3, H, W)`` in display order from one forward decode, one frame held at a time
        (``chunk`` is ignored); frames are identical to ``read``'s. A file cut short stops at the last
        frame that decodes whole."""
        count = 0
        with contextlib.closing(self._forward()) as frames:
            for position, frame in frames:
                if position >= self.num_frames:
                    return
                count += 1
                yield torch.from_numpy(np.ascontiguousarray(_displayed(frame, self.path))).permute(2, 0, 1)
        if count < self.num_frames:
            raise VideoDecodeError(
                f"{self.path}: decoding stopped after {count} frames although the container lists "
                f"{self.num_frames}; the file is probably corrupt or truncated"
            )

    def close(self) -> None:
        self._kept_packets = None
        if self._container is not None:
            self._container.close()
            self._container = None


# --------------------------------------------------------------------------- decord


# decord's verdict per file (path, size, mtime): None when it passed the checks, else the refusal.
_decord_verdicts: dict[tuple[str, int, int], str | None] = {}
# Mean absolute difference (levels of 255) under which decord's and PyAV's frame are the same picture:
# both convert the same decoded picture, so they agree to rounding; another frame of the clip differs more.
_SAME_PICTURE = 1.0


class DecordReader(VideoReader):
    """decord, for parity with MMAction2, on the files it indexes right.

    decord returns wrong frames on several common layouts: edit-list mp4s (trimmed with
    ``-c copy``, like many Kinetics clips: it counts the hidden lead-in packets, pads the end
    and shifts frames after a seek), AVIs with B-frames (UCF101/HMDB51-style: no usable
    timestamps, so seeks land on wrong frames), open-GOP HEVC (after a seek to a CRA key frame
    it drops the leading pictures and shifts by their number: index 30 comes back as frame 32)
    and MPEG-TS (every seek lands elsewhere). The first open of a file in a process therefore
    checks decord's frame times against PyAV's packet scan, then seeks decord to the first two
    key frames after the start (and the frame after each) and to the last frame, and compares
    each with PyAV's forward decode; a file that fails either check, or is truncated, is
    refused with the reason. The verdict is kept for the process, so a dataset pays for the
    check once per file.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int = 1) -> None:
        self.path = os.fspath(path)
        try:
            import decord
        except ImportError as error:
            raise ImportError(
                "the decord backend needs decord: pip install decord (wheels exist for "
                "x86_64 Linux/Windows only); or use backend='torchcodec' or 'pyav'"
            ) from error
        _check_video_file(self.path)
        stat = os.stat(self.path)
        key = (os.path.realpath(self.path), stat.st_size, stat.st_mtime_ns)
        if _decord_verdicts.get(key):
            raise VideoDecodeError(_decord_verdicts[key])
        with PyAVReader(self.path) as scan:
            shown = scan.num_frames
            if scan.promised_frames is not None:
                raise VideoDecodeError(
                    f"{self.path}: {_truncation(scan.promised_frames, shown)}, and decord would return wrong "
                    "frames for the missing ones; open it with backend='torchcodec' or 'pyav'"
                )
            try:
                self._reader = decord.VideoReader(self.path, num_threads=num_threads)
            except Exception as error:
                raise VideoDecodeError(f"{self.path}: decord cannot open it ({_cause(error)})") from error
            self.num_frames = shown
            self.fps = float(self._reader.get_avg_fps())
            if key not in _decord_verdicts:
                _decord_verdicts[key] = self._problem(scan)
        if _decord_verdicts[key]:
            raise VideoDecodeError(_decord_verdicts[key])

    def _problem(self, scan: PyAVReader) -> str | None:
        """Why decord would return wrong frames for this file (None: it passed both checks)."""
        shown = scan.num_frames
        shown_times = scan.timestamps(range(shown)) if scan.has_timestamps else None
        decord_times = self._reader.get_frame_timestamp(range(len(self._reader)))[:, 0]
        if shown_times is None:
            return (
                f"{self.path}: the stream carries no timestamps, so decord's random access cannot be checked and "
                "may return wrong frames; open it with backend='torchcodec' or 'pyav'"
            )
        if len(decord_times) != shown:
            return (
                f"{self.path}: decord counts {len(decord_times)} frames where {shown} are shown (an edit list or "
                "B-frames in AVI do this), so its random access would return wrong frames; "
                "open it with backend='torchcodec' or 'pyav'"
            )
        if not np.allclose(decord_times, shown_times, atol=1e-3):
            first = int(np.flatnonzero(~np.isclose(decord_times, shown_times, atol=1e-3))[0])
            return (
                f"{self.path}: decord times frame {first} at {decord_times[first]:.3f} s where it is shown at "
                f"{shown_times[first]:.3f} s (B-frames in AVI and MPEG-TS do this), so its random access would "
                "return wrong frames; open it with backend='torchcodec' or 'pyav'"
            )
        # A seek lands on a key frame: the wrong frames of open-GOP HEVC start there (a key frame
        # decodes on its own, so this costs a few frames), and the last frame checks the end.
        after_keys = [k for k in scan.key_frames if k > 0][:2]
        probes = sorted({shown - 1} | {i for k in after_keys for i in (k, k + 1) if i < shown}, reverse=True)
        expected = scan.read(probes)
        for probe, reference in zip(probes, expected):  # one call each, last first: every read is a seek
            try:
                got = torch.from_numpy(self._reader.get_batch([probe]).asnumpy()[0]).permute(2, 0, 1)
            except Exception as error:
                return f"{self.path}: decord failed to seek to frame {probe} ({_cause(error)})"
            difference = (got.float() - reference.float()).abs().mean().item() if got.shape == reference.shape else 255
            if difference > _SAME_PICTURE:
                return (
                    f"{self.path}: decord's random access returns wrong frames in this file (frame {probe} differs "
                    f"from PyAV's forward decode by {difference:.1f} levels on average; open-GOP HEVC and MPEG-TS do "
                    "this); open it with backend='torchcodec' or 'pyav'"
                )
        return None

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
    """Opens a video with ``backend``: 'auto', 'torchcodec', 'pyav' or 'decord'.

    'auto' takes PyAV where it skips packets (H.264/HEVC in mp4/mkv/ts/flv: the figures in the
    module docstring), torchcodec for everything else, and PyAV when torchcodec does not load.
    """
    if backend == "auto":
        reader = PyAVReader(path, num_threads)
        if reader.may_skip_packets or _torchcodec_problem() is not None:
            return reader
        reader.close()
        backend = "torchcodec"
    if backend == "torchcodec":
        return TorchCodecReader(path, num_threads)
    if backend == "pyav":
        return PyAVReader(path, num_threads)
    if backend == "decord":
        return DecordReader(path, num_threads)
    raise ValueError(f"unknown video backend {backend!r}; expected 'auto' or one of {BACKENDS}")


# --------------------------------------------------------------------------- frame folders


def _read_frame_file(path: str) -> torch.Tensor:
    """The bytes of one frame file; a missing, linked-away or empty file is named with the reason."""
    reason = missing_reason(path)
    if reason is not None:
        raise VideoDecodeError(f"{path}: frame file not found" if reason == "no such file" else f"{path}: {reason}")
    if os.path.getsize(path) == 0:
        raise VideoDecodeError(f"{path}: frame file is empty (0 bytes)")
    try:
        return read_file(path)
    except Exception as error:
        raise VideoDecodeError(f"{path}: cannot read frame file ({_cause(error)})") from error


def _decode_jpegs(paths: list[str], mode: ImageReadMode) -> torch.Tensor:
    """Batch-decodes JPEG files to uint8 ``(N, C, H, W)``; a bad file is named in the error."""
    data = [_read_frame_file(path) for path in paths]
    try:
        images = decode_jpeg(data, mode=mode)
    except Exception as batch_error:
        for path, encoded in zip(paths, data):  # find the culprit to name it
            try:
                decode_jpeg(encoded, mode=mode)
            except Exception as error:
                raise VideoDecodeError(f"{path}: cannot decode JPEG ({_cause(error)})") from error
        raise VideoDecodeError(
            f"{os.path.dirname(paths[0])}: cannot decode frames {paths[0]}..{paths[-1]} ({_cause(batch_error)})"
        ) from batch_error
    first_size = images[0].shape[1:]
    for path, image in zip(paths, images):
        if image.shape[1:] != first_size:
            raise VideoDecodeError(
                f"{path}: frame is {image.shape[2]}x{image.shape[1]} (w x h) but {os.path.basename(paths[0])} is "
                f"{first_size[1]}x{first_size[0]}; the frames of one folder must share a size"
            )
    return torch.stack(images)


def _name_pattern(template: str, fixed: dict[int, str]) -> re.Pattern[str] | None:
    """A regex matching the names ``template.format(...)`` makes: the positional fields in ``fixed``
    are those strings, the other one (the frame number) a run of digits, captured. None if the
    template has named fields."""
    parts, auto = [], 0
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name == "":
            position, auto = auto, auto + 1
        elif name.isdigit():
            position = int(name)
        else:
            return None
        parts.append(re.escape(fixed[position]) if position in fixed else r"(\d+)")
    return re.compile("".join(parts))


class _JpegFolderReader(FrameReader):
    """Shared by RGB and flow folders: position ``p`` is frame number ``p + start_index + offset``.

    Each frame number maps to one file per channel group (RGB: one; flow: x and y).
    """

    def __init__(
        self, frame_dir: str | os.PathLike, num_frames: int | None, filename_tmpl: str, start_index: int, offset: int
    ) -> None:
        self.path = os.fspath(frame_dir)
        self.filename_tmpl = filename_tmpl
        self.first_number = start_index + offset
        reason = missing_reason(self.path)
        if reason is not None:
            raise VideoDecodeError(
                f"{self.path}: no such frame folder" if reason == "no such file" else f"{self.path}: {reason}"
            )
        if not os.path.isdir(self.path):
            raise VideoDecodeError(f"{self.path}: not a folder (a frame folder was expected)")
        self.num_frames = self._count_frames() if num_frames is None else num_frames

    @abstractmethod
    def _file_names(self, number: int) -> list[str]:
        """The file name of frame ``number`` for each channel group."""

    @abstractmethod
    def _name_patterns(self) -> list[re.Pattern[str] | None]:
        """For each channel group, a regex capturing the frame number of a file name."""

    def _count_frames(self) -> int:
        """Consecutive frame numbers from the first one whose files all exist (one directory listing).

        A frame file named after a missing one means a gap in the numbering, an error naming the
        first missing file: counting up to the gap would silently drop the rest of the clip.
        """
        present = set(os.listdir(self.path))
        count = 0
        while all(name in present for name in self._file_names(self.first_number + count)):
            count += 1
        numbers = {
            int(match.group(1))
            for pattern in self._name_patterns()
            if pattern is not None
            for name in present
            if (match := pattern.fullmatch(name))
        }
        next_number = self.first_number + count
        later = [number for number in numbers if number >= next_number]
        if count == 0:
            expected = ", ".join(self._file_names(self.first_number))
            numbered_from = f"; its frame files are numbered from {min(numbers)}" if numbers else ""
            raise VideoDecodeError(f"{self.path}: no frame files found (expected {expected}){numbered_from}")
        if later:
            missing = next(name for name in self._file_names(next_number) if name not in present)
            first, last = self._file_names(self.first_number)[0], self._file_names(max(later))[0]
            raise VideoDecodeError(
                f"{os.path.join(self.path, missing)}: frame file missing, a gap in the numbering (the frames run "
                f"from {first} and the folder goes on to {last})"
            )
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

    def __init__(
        self,
        frame_dir: str | os.PathLike,
        num_frames: int | None = None,
        filename_tmpl: str = "img_{:05d}.jpg",
        start_index: int = 1,
        offset: int = 0,
    ) -> None:
        super().__init__(frame_dir, num_frames, filename_tmpl, start_index, offset)

    def _file_names(self, number: int) -> list[str]:
        return [self.filename_tmpl.format(number)]

    def _name_patterns(self) -> list[re.Pattern[str] | None]:
        return [_name_pattern(self.filename_tmpl, {})]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        (rgb,) = self._read_groups(indices, ImageReadMode.RGB)
        return rgb


class FlowFolderReader(_JpegFolderReader):
    """A TV-L1 flow folder: grayscale ``x_00001.jpg`` / ``y_00001.jpg`` pairs, read as ``(T, 2, H, W)``, x first."""

    def __init__(
        self,
        frame_dir: str | os.PathLike,
        num_frames: int | None = None,
        filename_tmpl: str = "{}_{:05d}.jpg",
        start_index: int = 1,
        offset: int = 0,
    ) -> None:
        super().__init__(frame_dir, num_frames, filename_tmpl, start_index, offset)

    def _file_names(self, number: int) -> list[str]:
        return [self.filename_tmpl.format(direction, number) for direction in ("x", "y")]

    def _name_patterns(self) -> list[re.Pattern[str] | None]:
        return [_name_pattern(self.filename_tmpl, {0: direction}) for direction in ("x", "y")]

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        flow_x, flow_y = self._read_groups(indices, ImageReadMode.GRAY)
        return torch.cat([flow_x, flow_y], dim=1)
