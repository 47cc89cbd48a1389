"""Writes small test videos and frame folders whose frames carry their own index.

Every frame is painted with a coarse binary code: the frame is split into a grid of
``CODE_ROWS x CODE_COLS`` cells, cell ``k`` is bright when bit ``k`` of the index is set.
Cells are tens of pixels wide, so the code survives H.264 and JPEG compression, and
``read_index`` recovers which frame a decoder returned. A per-frame colour tint makes
neighbouring frames differ in every pixel, so pixel comparisons are meaningful too.

Sizes are ``(height, width)``; the defaults keep each cell at least 16x16 pixels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import torch
from torchvision.io import write_jpeg

CODE_ROWS, CODE_COLS = 2, 5
MAX_INDEX = 2 ** (CODE_ROWS * CODE_COLS) - 1
FLOW_Y_BIT = 1 << (CODE_ROWS * CODE_COLS - 1)  # y-flow images encode index + FLOW_Y_BIT
DEFAULT_SIZE = (64, 80)

_DARK, _BRIGHT = 30, 225


def frame_pattern(index: int, size: tuple[int, int] = DEFAULT_SIZE) -> np.ndarray:
    """The (H, W, 3) uint8 RGB image that encodes ``index``."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"index {index} outside the codable range 0..{MAX_INDEX}")
    height, width = size
    cell_h, cell_w = height // CODE_ROWS, width // CODE_COLS
    if cell_h < 8 or cell_w < 8:
        raise ValueError(f"size {size} too small: code cells must be at least 8x8 pixels")
    bits = [(index >> k) & 1 for k in range(CODE_ROWS * CODE_COLS)]
    cells = np.where(np.array(bits).reshape(CODE_ROWS, CODE_COLS) == 1, _BRIGHT, _DARK)
    gray = np.full((height, width), 128, dtype=np.uint8)
    gray[: CODE_ROWS * cell_h, : CODE_COLS * cell_w] = np.kron(cells, np.ones((cell_h, cell_w))).astype(np.uint8)
    tint = np.array([(index * 7) % 24, (index * 13) % 24, (index * 3) % 24], dtype=np.int16) - 12
    return np.clip(gray[..., None].astype(np.int16) + tint, 0, 255).astype(np.uint8)


def read_index(frame: torch.Tensor | np.ndarray) -> int:
    """Decodes the index painted by ``frame_pattern`` from a (C, H, W) tensor or (H, W[, C]) array."""
    image = frame.numpy() if isinstance(frame, torch.Tensor) else np.asarray(frame)
    if isinstance(frame, torch.Tensor):
        image = image.mean(axis=0)  # (C, H, W) -> (H, W)
    elif image.ndim == 3:
        image = image.mean(axis=2)
    height, width = image.shape
    cell_h, cell_w = height // CODE_ROWS, width // CODE_COLS
    index = 0
    for k in range(CODE_ROWS * CODE_COLS):
        row, col = divmod(k, CODE_COLS)
        # Sample the cell's centre half, away from compression ringing at the edges.
        cell = image[
            row * cell_h + cell_h // 4 : (row + 1) * cell_h - cell_h // 4,
            col * cell_w + cell_w // 4 : (col + 1) * cell_w - cell_w // 4,
        ]
        if cell.mean() > 128:
            index |= 1 << k
    return index


ENCODERS = ("libx264", "libx265")


def _encode(
    path: Path,
    pts_and_indices: list[tuple[int, int]],
    size: tuple[int, int],
    time_base: Fraction,
    rate: Fraction,
    gop: int,
    faststart: bool = False,
    codec: str = "libx264",
    open_gop: bool = False,
) -> Path:
    """Encodes frames ``frame_pattern(i)`` at the given pts with libx264 or libx265 / yuv420p (B-frames on).

    ``open_gop``: key frames after the first are recovery points (x264 I, x265 CRA) that B-frames
    shown before them may reference across, instead of closed-GOP IDRs.
    """
    if codec not in ENCODERS:
        raise ValueError(f"codec must be one of {ENCODERS}, got {codec!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "+faststart"} if faststart else {}
    params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=2:open-gop={int(open_gop)}"
    codec_options = {"x264-params": params} if codec == "libx264" else {"x265-params": params + ":log-level=error"}
    with av.open(str(path), mode="w", options=options) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = {**codec_options, "crf": "18", "preset": "veryfast"}
        for pts, index in pts_and_indices:
            frame = av.VideoFrame.from_ndarray(frame_pattern(index, size), format="rgb24")
            frame.pts, frame.time_base = pts, time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def make_video(
    path: str | os.PathLike,
    num_frames: int = 30,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: int = 25,
    gop: int = 12,
    faststart: bool = False,
    codec: str = "libx264",
    open_gop: bool = False,
) -> Path:
    """A constant-frame-rate H.264 (or with ``codec='libx265'``, HEVC) mp4 whose frame ``i`` shows code ``i``.

    ``faststart`` moves the index (moov) to the front, so a truncated copy still opens
    and its header promises more frames than the file holds.
    """
    time_base = Fraction(1, fps)
    return _encode(
        Path(path), [(i, i) for i in range(num_frames)], size, time_base, Fraction(fps), gop, faststart, codec, open_gop
    )


def make_vfr_video(
    path: str | os.PathLike, num_frames: int = 30, size: tuple[int, int] = DEFAULT_SIZE, gop: int = 12
) -> Path:
    """A variable-frame-rate mp4: frame durations cycle through 20, 40, 33 and 80 ms."""
    durations_ms = [20, 40, 33, 80]
    pts, schedule = 0, []
    for i in range(num_frames):
        schedule.append((pts, i))
        pts += durations_ms[i % len(durations_ms)]
    return _encode(Path(path), schedule, size, Fraction(1, 1000), Fraction(25), gop)


def vfr_timestamps(num_frames: int) -> list[float]:
    """The presentation times (seconds) ``make_vfr_video`` gives its frames, computed independently."""
    durations_ms = [20, 40, 33, 80]
    return [sum(durations_ms[k % 4] for k in range(i)) / 1000 for i in range(num_frames)]


def _ffmpeg() -> str:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("the ffmpeg command-line tool is needed to make edit-list test videos")
    return ffmpeg


def make_edit_list_video(
    source: str | os.PathLike, path: str | os.PathLike, start: float = 1.3, duration: float = 2.0
) -> Path:
    """Trims ``source`` with ``ffmpeg -ss start -i source -t duration -c copy``.

    Stream copy cannot cut between key frames, so the mp4 keeps the packets from the
    previous key frame and an edit list hides them: the layout of trimmed Kinetics clips.
    """
    path = Path(path)
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-ss",
            str(start),
            "-i",
            str(source),
            "-t",
            str(duration),
            "-c",
            "copy",
            str(path),
        ],
        check=True,
    )
    return path


def make_avi_video(source: str | os.PathLike, path: str | os.PathLike, bframes: int = 2) -> Path:
    """Re-encodes ``source`` to an MPEG-4 Part 2 (Xvid) AVI with B-frames, the layout of UCF101/HMDB51 clips."""
    path = Path(path)
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c:v",
            "mpeg4",
            "-vtag",
            "xvid",
            "-q:v",
            "3",
            "-bf",
            str(bframes),
            str(path),
        ],
        check=True,
    )
    return path


def make_raw_h264_stream(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """The H.264 elementary stream of an mp4 (``.h264``, Annex B): no container, so no timestamps."""
    path = Path(path)
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c:v",
            "copy",
            "-bsf:v",
            "h264_mp4toannexb",
            "-f",
            "h264",
            str(path),
        ],
        check=True,
    )
    return path


def make_mpegts_video(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Remuxes ``source`` into MPEG-TS: Annex-B start codes, SPS/PPS repeated in band before each key frame."""
    path = Path(path)
    subprocess.run(
        [_ffmpeg(), "-v", "error", "-y", "-i", str(source), "-c:v", "copy", "-f", "mpegts", str(path)], check=True
    )
    return path


def make_mkv_video(source: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Remuxes ``source`` into Matroska (stream copy)."""
    path = Path(path)
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-i", str(source), "-c", "copy", str(path)], check=True)
    return path


def make_corrupt_video(source: str | os.PathLike, path: str | os.PathLike, mode: str = "overwrite_middle") -> Path:
    """A damaged copy of ``source``: ``'truncate'`` keeps the first 40 % of the bytes,
    ``'overwrite_middle'`` replaces the middle 50 % with pseudo-random bytes."""
    data = bytearray(Path(source).read_bytes())
    if mode == "truncate":
        data = data[: int(len(data) * 0.4)]
    elif mode == "overwrite_middle":
        begin, end = len(data) // 4, 3 * len(data) // 4
        data[begin:end] = np.random.default_rng(0).integers(0, 256, end - begin, dtype=np.uint8).tobytes()
    else:
        raise ValueError(f"mode must be 'truncate' or 'overwrite_middle', got {mode!r}")
    path = Path(path)
    path.write_bytes(bytes(data))
    return path


def make_zero_byte_file(path: str | os.PathLike) -> Path:
    """An empty file with a video file name."""
    path = Path(path)
    path.write_bytes(b"")
    return path


def make_frame_folder(
    frame_dir: str | os.PathLike,
    num_frames: int,
    size: tuple[int, int] = DEFAULT_SIZE,
    rgb: bool = True,
    flow: bool = False,
    start_index: int = 1,
) -> Path:
    """Writes an MMAction2 rawframe folder: position ``p`` (0-based) is file number ``p + start_index``.

    RGB: ``img_{:05d}.jpg`` showing code ``p``. Flow: grayscale ``x_{:05d}.jpg`` showing code ``p``
    and ``y_{:05d}.jpg`` showing code ``p + FLOW_Y_BIT``, so channel order is checkable.
    """
    frame_dir = Path(frame_dir)
    frame_dir.mkdir(parents=True, exist_ok=True)
    if flow and num_frames > FLOW_Y_BIT:
        raise ValueError(f"flow folders hold at most {FLOW_Y_BIT} codable frames, asked for {num_frames}")
    for position in range(num_frames):
        number = position + start_index
        if rgb:
            image = torch.from_numpy(frame_pattern(position, size)).permute(2, 0, 1).contiguous()
            write_jpeg(image, str(frame_dir / f"img_{number:05d}.jpg"), quality=95)
        if flow:
            for prefix, code in (("x", position), ("y", position + FLOW_Y_BIT)):
                gray = torch.from_numpy(frame_pattern(code, size)[..., 0]).unsqueeze(0).contiguous()
                write_jpeg(gray, str(frame_dir / f"{prefix}_{number:05d}.jpg"), quality=95)
    return frame_dir


def decode_all_frames_pyav(
    path: str | os.PathLike, max_frames: int | None = None
) -> tuple[torch.Tensor, list[float | None]]:
    """Reference decode: every displayed frame (or the first ``max_frames``), forward from the start,
    as (N, 3, H, W) uint8 plus pts in seconds (None for a raw stream without timestamps).

    The plainest possible PyAV loop, kept independent of actionrec's decoders so tests can compare against it.
    """
    frames, times = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if len(frames) == max_frames:
                break
            frames.append(torch.from_numpy(frame.to_ndarray(format="rgb24")).permute(2, 0, 1))
            times.append(None if frame.pts is None else float(frame.pts * frame.time_base))
    return torch.stack(frames), times


def make_rotated_video(source: str | os.PathLike, path: str | os.PathLike, rotate: int) -> Path:
    """A stream copy of ``source`` whose display matrix says "rotate by ``rotate`` degrees" (the mp4
    ``rotate`` tag, as phones write it); the stored pictures are unchanged."""
    path = Path(path)
    subprocess.run(
        [
            _ffmpeg(),
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c",
            "copy",
            "-metadata:s:v:0",
            f"rotate={rotate}",
            str(path),
        ],
        check=True,
    )
    return path


def decode_all_frames_ffmpeg(path: str | os.PathLike) -> torch.Tensor:
    """Every displayed frame as the ffmpeg command-line tool shows it (autorotate on), ``(N, 3, H, W)`` uint8.

    An oracle independent of actionrec and of PyAV: the display matrix is applied by FFmpeg itself.
    """
    probe = subprocess.run(
        [
            shutil.which("ffprobe") or "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height:stream_side_data=rotation",
            "-of",
            "default=noprint_wrappers=1",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fields = dict(line.split("=", 1) for line in probe.split())
    width, height = int(fields["width"]), int(fields["height"])
    if int(fields.get("rotation", 0)) % 180:
        width, height = height, width
    raw = subprocess.run(
        [_ffmpeg(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    ).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)
    return torch.from_numpy(frames.copy()).permute(0, 3, 1, 2)


def cut_inside_packet(source: str | os.PathLike, path: str | os.PathLike, decode_position: int) -> Path:
    """A download that stopped: ``source`` cut in the middle of the packet at ``decode_position``.

    With the index at the front (``faststart``) the header still promises every frame; the packet
    at ``decode_position`` is incomplete and the later ones are gone.
    """
    with av.open(str(source)) as container:
        packets = [packet for packet in container.demux(video=0) if packet.size]
        cut = packets[decode_position].pos + packets[decode_position].size // 2
    path = Path(path)
    path.write_bytes(Path(source).read_bytes()[:cut])
    return path


def write_frame_image(path: str | os.PathLike, index: int, size: tuple[int, int] = DEFAULT_SIZE) -> Path:
    """One RGB JPEG showing code ``index`` (for building frame folders with a defect)."""
    image = torch.from_numpy(frame_pattern(index, size)).permute(2, 0, 1).contiguous()
    write_jpeg(image, str(path), quality=95)
    return Path(path)
