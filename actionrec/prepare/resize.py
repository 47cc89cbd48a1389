"""Re-encode videos to a short side of 256 / 320 pixels with a short GOP.

Sparse sampling seeks to a handful of frames per clip; each seek decodes from the previous key
frame, so a GOP of 12-30 frames makes it 2-3x faster than the long GOPs of downloaded videos
(FACTS §6). Output is H.264 (libx264, yuv420p) mp4 without audio, mirroring the input tree.

One video per worker process, one encoder thread each (more threads only oversubscribe the
cores). Each output is written under a temporary name and renamed when complete, so a killed run
never leaves a half file that a rerun would skip as finished; reruns skip finished outputs.
Unreadable videos are listed in `resize_report.txt` in the output folder, not fatal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from multiprocessing import get_context
from pathlib import Path

import av

from actionrec.prepare.common import VIDEO_EXTENSIONS, PrepareError, write_lines
from actionrec.progress import progress_bar

REPORT_NAME = "resize_report.txt"
PART_SUFFIX = ".part"


@dataclass(frozen=True)
class EncodeSettings:
    short_side: int = 256
    gop: int = 12
    crf: int = 23
    preset: str = "fast"


@dataclass
class JobOutcome:
    """What one video came to: 'done', 'skipped' (already finished) or 'failed' (with the reason)."""

    source: Path
    status: str
    reason: str = ""


@dataclass
class RunSummary:
    """Counts of a parallel run over many videos, plus the failures and where they were reported."""

    done: int = 0
    skipped: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    report: Path | None = None

    def add(self, outcome: JobOutcome) -> None:
        if outcome.status == "failed":
            self.failed.append((outcome.source, outcome.reason))
        elif outcome.status == "skipped":
            self.skipped += 1
        else:
            self.done += 1


def find_videos(root: Path) -> list[Path]:
    """Video files under `root`, recursively, sorted (hidden files and partial outputs excluded)."""
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            if os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS and not name.startswith("."):
                found.append(Path(folder) / name)
    return sorted(found)


def scaled_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """(width, height) with the short side set and the long side scaled, rounded to even (H.264 4:2:0)."""
    if width <= height:
        return short_side, max(2, round(height * short_side / width / 2) * 2)
    return max(2, round(width * short_side / height / 2) * 2), short_side


def ffmpeg_command(ffmpeg: str, source: Path, target: Path, settings: EncodeSettings) -> list[str]:
    s = settings.short_side
    # The expressions see the displayed (auto-rotated) size; -2 keeps the ratio with an even side.
    scale = f"scale='if(lte(iw,ih),{s},-2)':'if(lte(iw,ih),-2,{s})'"
    return [
        ffmpeg, "-nostdin", "-v", "error", "-y", "-threads", "1", "-i", str(source),
        "-map", "0:v:0", "-vf", scale, "-filter_threads", "1", "-an",
        "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-pix_fmt", "yuv420p",
        "-g", str(settings.gop), "-keyint_min", str(settings.gop), "-sc_threshold", "0", "-threads", "1",
        "-movflags", "+faststart", "-f", "mp4", str(target),
    ]  # fmt: skip


def encode_with_ffmpeg(source: Path, target: Path, settings: EncodeSettings) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("the ffmpeg command-line tool is not installed")
    done = subprocess.run(ffmpeg_command(ffmpeg, source, target, settings), capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise RuntimeError(message[-1] if message else f"ffmpeg exited with status {done.returncode}")


def encode_with_pyav(source: Path, target: Path, settings: EncodeSettings) -> None:
    """The same encode through PyAV's bundled FFmpeg, for machines without the ffmpeg CLI."""
    with av.open(str(source)) as inp:
        if not inp.streams.video:
            raise RuntimeError("no video stream")
        in_stream = inp.streams.video[0]
        in_stream.thread_count = 1
        time_base = in_stream.time_base or Fraction(1, 25)
        rate = in_stream.average_rate or Fraction(25)
        with av.open(str(target), mode="w", format="mp4") as out:
            stream = out.add_stream("libx264", rate=rate)
            stream.pix_fmt = "yuv420p"
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
            gop = settings.gop
            stream.options = {
                "preset": settings.preset, "crf": str(settings.crf), "threads": "1",
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0",
            }  # fmt: skip
            size = None
            for frame in inp.decode(in_stream):
                if size is None:
                    size = scaled_size(frame.width, frame.height, settings.short_side)
                    stream.width, stream.height = size
                resized = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                resized.pts, resized.time_base = frame.pts, frame.time_base
                out.mux(stream.encode(resized))
            if size is None:
                raise RuntimeError("no decodable frames")
            out.mux(stream.encode())


def pick_encoder(backend: str) -> Callable[[Path, Path, EncodeSettings], None]:
    """'auto' prefers the ffmpeg CLI (it applies rotation metadata; PyAV does not)."""
    if backend == "auto":
        backend = "ffmpeg" if shutil.which("ffmpeg") else "pyav"
    if backend == "ffmpeg":
        return encode_with_ffmpeg
    if backend == "pyav":
        return encode_with_pyav
    raise PrepareError(f"backend must be 'auto', 'ffmpeg' or 'pyav', got {backend!r}")


@dataclass(frozen=True)
class ResizeJob:
    source: Path
    target: Path
    settings: EncodeSettings
    backend: str


def run_resize_job(job: ResizeJob) -> JobOutcome:
    if job.target.exists():
        return JobOutcome(job.source, "skipped")
    job.target.parent.mkdir(parents=True, exist_ok=True)
    partial = job.target.with_name(job.target.name + PART_SUFFIX)
    try:
        pick_encoder(job.backend)(job.source, partial, job.settings)
        os.replace(partial, job.target)
    except Exception as e:  # any decoder or encoder failure is reported, never fatal
        partial.unlink(missing_ok=True)
        return JobOutcome(job.source, "failed", f"{type(e).__name__}: {e}".replace("\n", " "))
    return JobOutcome(job.source, "done")


def run_parallel(
    work: Callable[[object], JobOutcome],
    jobs: list,
    workers: int,
    desc: str,
    progress: bool = True,
) -> Iterator[JobOutcome]:
    """Runs `work` over `jobs` in `workers` processes (inline when 1), yielding outcomes as they finish.

    Workers are spawned, not forked: a fork would inherit the parent's thread pools (torch, OpenCV).
    Each worker runs single-threaded codecs (ffmpeg/x264 `-threads 1`, PyAV `thread_count = 1`,
    `cv2.setNumThreads(1)`), so `workers` is the number of busy cores.
    """
    bar = progress_bar(total=len(jobs), desc=desc, unit="video", disable=not progress)
    try:
        if workers <= 1:
            for job in jobs:
                yield work(job)
                bar.update()
            return
        with get_context("spawn").Pool(workers) as pool:
            for outcome in pool.imap_unordered(work, jobs):
                yield outcome
                bar.update()
    finally:
        bar.close()


def write_failure_report(path: Path, failures: Iterable[tuple[Path, str]]) -> Path:
    write_lines(path, (f"{source}\t{reason}" for source, reason in sorted(failures)))
    return path


def resize_videos(
    src: str | Path,
    out: str | Path,
    short_side: int = 256,
    gop: int = 12,
    workers: int = 1,
    backend: str = "auto",
    progress: bool = True,
) -> RunSummary:
    """Re-encodes every video under `src` into `out` (same relative path, `.mp4`)."""
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise FileNotFoundError(f"source folder not found: {src}")
    if short_side < 2 or gop < 1:
        raise PrepareError(f"short_side must be >= 2 and gop >= 1, got {short_side} and {gop}")
    pick_encoder(backend)  # fail early on a bad backend name
    settings = EncodeSettings(short_side=short_side, gop=gop)
    jobs = [
        ResizeJob(video, (out / video.relative_to(src)).with_suffix(".mp4"), settings, backend)
        for video in find_videos(src)
    ]
    summary = RunSummary()
    for outcome in run_parallel(run_resize_job, jobs, workers, "resize", progress):
        summary.add(outcome)
    summary.report = write_failure_report(out / REPORT_NAME, summary.failed)
    return summary
