"""A small, deterministic synthetic action dataset (real H.264 mp4s) for tests and CPU training runs.

Twelve classes. Eight form four *temporal pairs* whose second class is the first played backwards
(moving left/right, rotating clockwise/counter-clockwise, growing/shrinking, appearing/
disappearing): both draw their parameters from the same distribution and the second renders the
first's frames in reverse, so the set of frames is the same and only temporal order tells them
apart. Four *static* classes differ by shape (ring, cross, two dots, checkered square), so one
frame suffices. Colours, positions, speeds, sizes and background texture are drawn per video from
a seeded rng: `numpy.random.default_rng([seed, class, split, k])`, so any video can be rebuilt alone.
Contrast is high on purpose (a bright shape on a dark, nearly grey background, mild texture and
flicker, shapes of 0.14-0.20 of the short side in half size): the dataset is for small models
trained from scratch in minutes on a CPU, which should spend that time on shape and motion.

Shapes are drawn with signed distance functions (negative inside) and one pixel of anti-aliasing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import av
import numpy as np
import torch
from torchvision.io import write_jpeg

WIDTH, HEIGHT, NUM_FRAMES, FPS, GOP = 128, 96, 32, 10, 12

TEMPORAL_PAIRS = [
    ("moving_left", "moving_right"),
    ("rotating_clockwise", "rotating_counterclockwise"),
    ("growing", "shrinking"),
    ("appearing", "disappearing"),
]
STATIC_CLASSES = ["static_ring", "static_cross", "static_two_dots", "static_checkered_square"]
CLASSES = [name for pair in TEMPORAL_PAIRS for name in pair] + STATIC_CLASSES
# The class whose frames each reversed class plays backwards.
REVERSED_OF = {backward: forward for forward, backward in TEMPORAL_PAIRS}


# ---------------------------------------------------------------------------------------------
# Shapes as signed distance functions over a pixel grid.


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs + 0.5, ys + 0.5


def _rotate(x: np.ndarray, y: np.ndarray, cx, cy, angle) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates relative to (cx, cy) in a frame rotated by `angle` (radians, clockwise on screen)."""
    dx, dy = x - cx, y - cy
    c, s = np.cos(angle), np.sin(angle)
    return c * dx + s * dy, -s * dx + c * dy


def _box(u: np.ndarray, v: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
    qx, qy = np.abs(u) - half_w, np.abs(v) - half_h
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0)


def _triangle(u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    """An isosceles triangle pointing up (-v), circumradius r; convex, so max of the edge distances."""
    apex, left, right = (0.0, -r), (-0.8 * r, 0.7 * r), (0.8 * r, 0.7 * r)
    edges = [(apex, right), (right, left), (left, apex)]
    dist = None
    for (ax, ay), (bx, by) in edges:
        nx, ny = by - ay, ax - bx  # outward normal for clockwise-on-screen vertex order
        norm = np.hypot(nx, ny)
        d = ((u - ax) * nx + (v - ay) * ny) / norm
        dist = d if dist is None else np.maximum(dist, d)
    return dist


def _shape_sdf(kind: str, x: np.ndarray, y: np.ndarray, cx, cy, size, angle) -> np.ndarray:
    """Signed distance to a shape centred at (cx, cy); scalars or (T, 1, 1) arrays give (T, H, W)."""
    u, v = _rotate(x, y, cx, cy, angle)
    if kind == "square":
        return _box(u, v, size, size)
    if kind == "bar":
        return _box(u, v, 1.6 * size, 0.45 * size)
    if kind == "triangle":
        return _triangle(u, v, 1.3 * size)
    if kind == "disk":
        return np.hypot(u, v) - size
    if kind == "ring":
        return np.abs(np.hypot(u, v) - size) - 0.3 * size
    if kind == "cross":
        return np.minimum(_box(u, v, 1.3 * size, 0.35 * size), _box(u, v, 0.35 * size, 1.3 * size))
    if kind == "two_dots":
        return np.minimum(np.hypot(u - 0.9 * size, v) - 0.55 * size, np.hypot(u + 0.9 * size, v) - 0.55 * size)
    if kind == "checkered_square":
        return _box(u, v, size, size)
    raise ValueError(f"unknown shape kind {kind!r}")


# ---------------------------------------------------------------------------------------------
# One video: parameters drawn from an rng, then a pure rendering function.


@dataclass(frozen=True)
class VideoParams:
    """Everything random about one video; `render` is a pure function of these."""

    kind: str
    colour: tuple[float, float, float]
    background: tuple[tuple[float, float, float], tuple[float, float, float]]  # gradient end colours
    gradient_angle: float
    texture_seed: int
    texture_sigma: float
    flicker_sigma: float
    # Each pair below holds the value at the start and at the end of the ramp.
    centre_x: tuple[float, float]
    centre_y: tuple[float, float]
    size: tuple[float, float]  # half size
    angle: tuple[float, float]  # orientation (radians, clockwise on screen)
    opacity: tuple[float, float]
    ramp: tuple[int, int]  # the change happens over frames [ramp[0], ramp[1])


def _colours(rng: np.random.Generator) -> tuple[tuple, tuple, tuple]:
    """Background gradient ends (dark, slightly tinted greys) and a bright shape colour of any hue.

    Every channel of the shape is at least 60 levels above every channel of the background, so the
    shape is always clearly visible: small from-scratch models then learn shapes and motion instead
    of first having to separate low-contrast shapes from the background.
    """
    bg0, bg1 = rng.uniform(15, 80, size=(2, 1)) + rng.uniform(-12, 12, size=(2, 3))
    fg = rng.uniform(155, 255, size=3)
    return tuple(bg0), tuple(bg1), tuple(fg)


def draw_params(
    class_name: str, rng: np.random.Generator, width: int = WIDTH, height: int = HEIGHT, num_frames: int = NUM_FRAMES
) -> VideoParams:
    """Random parameters of one video of `class_name`; a reversed class draws its partner's."""
    name = REVERSED_OF.get(class_name, class_name)
    bg0, bg1, fg = _colours(rng)
    short = min(width, height)
    size = rng.uniform(0.14, 0.20) * short
    cx, cy = rng.uniform(0.35, 0.65) * width, rng.uniform(0.35, 0.65) * height
    angle = rng.uniform(0, 2 * np.pi)
    ramp_len = int(rng.integers(num_frames // 2, num_frames))
    ramp_start = int(rng.integers(0, num_frames - ramp_len + 1))
    common = dict(
        colour=fg,
        background=(bg0, bg1),
        gradient_angle=float(rng.uniform(0, 2 * np.pi)),
        texture_seed=int(rng.integers(2**31)),
        texture_sigma=float(rng.uniform(0, 5)),
        flicker_sigma=float(rng.uniform(0, 2)),
        ramp=(ramp_start, ramp_start + ramp_len),
    )
    geometry = dict(centre_x=(cx, cx), centre_y=(cy, cy), size=(size, size), angle=(angle, angle), opacity=(1.0, 1.0))
    moving_kinds = ["square", "triangle", "disk", "bar"]
    if name == "moving_left":
        travel = rng.uniform(0.35, 0.6) * width
        x0 = rng.uniform(travel + 0.2 * width, 0.8 * width)
        y0, dy = rng.uniform(0.3, 0.7) * height, rng.uniform(-0.1, 0.1) * height
        geometry.update(centre_x=(x0, x0 - travel), centre_y=(y0, y0 + dy))
        return VideoParams(kind=str(rng.choice(moving_kinds)), **common, **geometry)
    if name == "rotating_clockwise":
        turn = rng.uniform(0.5, 1.0) * np.pi  # under 180 degrees so the bar's symmetry cannot alias
        geometry.update(angle=(angle, angle + turn), size=(1.2 * size, 1.2 * size))
        return VideoParams(kind=str(rng.choice(["triangle", "bar"])), **common, **geometry)
    if name == "growing":
        geometry.update(size=(0.4 * size, rng.uniform(1.6, 2.2) * size))
        return VideoParams(kind=str(rng.choice(moving_kinds)), **common, **geometry)
    if name == "appearing":
        geometry.update(opacity=(0.0, 1.0), size=(1.3 * size, 1.3 * size))
        return VideoParams(kind=str(rng.choice(moving_kinds)), **common, **geometry)
    if name in STATIC_CLASSES:
        # A slow drift in a random direction, so "no motion" is not what identifies these classes.
        drift = rng.uniform(-0.08, 0.08, size=2) * short
        geometry.update(centre_x=(cx, cx + drift[0]), centre_y=(cy, cy + drift[1]), size=(1.3 * size, 1.3 * size))
        return VideoParams(kind=name.removeprefix("static_"), **common, **geometry)
    raise ValueError(f"unknown synthetic class {class_name!r}; known: {CLASSES}")


def _background(p: VideoParams, width: int, height: int) -> np.ndarray:
    x, y = _grid(height, width)
    c, s = np.cos(p.gradient_angle), np.sin(p.gradient_angle)
    t = (c * (x - width / 2) + s * (y - height / 2)) / np.hypot(width, height) + 0.5
    bg0, bg1 = np.array(p.background, dtype=np.float32)
    image = bg0 + t[..., None] * (bg1 - bg0)
    texture = np.random.default_rng(p.texture_seed).normal(0, p.texture_sigma, size=(height, width, 1))
    return image + texture.astype(np.float32)


def render(
    class_name: str, params: VideoParams, width: int = WIDTH, height: int = HEIGHT, num_frames: int = NUM_FRAMES
) -> np.ndarray:
    """uint8 frames (T, H, W, 3); a reversed class renders its partner's frames in reverse order."""
    if class_name in REVERSED_OF:
        return render(REVERSED_OF[class_name], params, width, height, num_frames)[::-1].copy()
    background = _background(params, width, height)
    x, y = _grid(height, width)
    # Every per-frame quantity as a (T, 1, 1) array, so all frames are drawn in one vectorised pass.
    r0, r1 = params.ramp
    a = np.clip((np.arange(num_frames, dtype=np.float32) - r0) / max(r1 - r0 - 1, 1), 0.0, 1.0)[:, None, None]
    cx, cy, size, angle, opacity = (
        np.float32(start) + a * np.float32(end - start)
        for start, end in (params.centre_x, params.centre_y, params.size, params.angle, params.opacity)
    )
    sdf = _shape_sdf(params.kind, x, y, cx, cy, size, angle)
    alpha = (np.clip(0.5 - sdf, 0.0, 1.0) * opacity)[..., None]
    fill = np.array(params.colour, dtype=np.float32)
    if params.kind == "checkered_square":
        fill = fill * (0.35 + 0.65 * ((np.floor(x / 4) + np.floor(y / 4)) % 2))[..., None]
    flicker = np.random.default_rng(params.texture_seed + 1).normal(0, params.flicker_sigma, size=num_frames)
    frames = alpha * (fill - background)  # in place from here on: this is the bulk of the time
    frames += background
    frames += flicker.astype(np.float32)[:, None, None, None] + 0.5  # + 0.5: round, not truncate
    return np.clip(frames, 0, 255, out=frames).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Files on disk.


def rgb_to_yuv420p(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) RGB -> (T, H*3/2, W) planar yuv420p, BT.601 limited range (what swscale assumes).

    Done here in numpy because PyAV's per-frame swscale conversion costs more than the encoding.
    """
    rgb = frames.astype(np.float32)
    y = 16 + rgb @ (np.array([65.481, 128.553, 24.966], dtype=np.float32) / 255)
    # Chroma is linear in RGB, so average each 2x2 block first (chroma sited between the luma samples).
    quad = 0.25 * (rgb[:, 0::2, 0::2] + rgb[:, 1::2, 0::2] + rgb[:, 0::2, 1::2] + rgb[:, 1::2, 1::2])
    u = 128 + quad @ (np.array([-37.797, -74.203, 112.0], dtype=np.float32) / 255)
    v = 128 + quad @ (np.array([112.0, -93.786, -18.214], dtype=np.float32) / 255)
    t, h, w = y.shape
    planes = np.concatenate([y, u.reshape(t, h // 4, w), v.reshape(t, h // 4, w)], axis=1)
    return np.clip(np.rint(planes), 0, 255).astype(np.uint8)


def write_mp4(path: str, frames: np.ndarray, fps: int = FPS, gop: int = GOP) -> None:
    """H.264 (libx264, yuv420p, one thread so the bytes are reproducible) in an mp4 container."""
    height, width = frames.shape[1:3]
    with av.open(path, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "g": str(gop), "preset": "veryfast", "threads": "1"}
        for planes in rgb_to_yuv420p(frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(planes, format="yuv420p")))
        container.mux(stream.encode(None))


def write_frame_folder(folder: str, frames: np.ndarray) -> None:
    """img_00001.jpg, img_00002.jpg, ... (MMAction2's rawframe layout, 1-based)."""
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(frames, start=1):
        write_jpeg(
            torch.from_numpy(image).permute(2, 0, 1).contiguous(), os.path.join(folder, f"img_{i:05d}.jpg"), quality=90
        )


SPLITS = ("train", "val")


@dataclass(frozen=True)
class _Job:
    out_dir: str
    class_index: int
    split: str
    k: int
    seed: int
    frames: bool

    @property
    def relpath(self) -> str:
        return f"{CLASSES[self.class_index]}/{self.split}_{self.k:03d}"


def _make_video(job: _Job) -> None:
    rng = np.random.default_rng([job.seed, job.class_index, SPLITS.index(job.split), job.k])
    name = CLASSES[job.class_index]
    frames = render(name, draw_params(name, rng))
    path = os.path.join(job.out_dir, "videos", job.relpath + ".mp4")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_mp4(path, frames)
    if job.frames:
        write_frame_folder(os.path.join(job.out_dir, "rawframes", job.relpath), frames)


def generate(
    out_dir: str,
    seed: int = 0,
    videos_per_class: int = 40,
    val_videos_per_class: int = 15,
    frames: bool = False,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write the dataset into `out_dir` and return its metadata (also saved as synthetic.json).

    Layout: videos/<class>/<split>_<k>.mp4, {train,val}_list_videos.txt (`relpath label`),
    label_map.txt, synthetic.json, README.txt; with `frames` also rawframes/<class>/<split>_<k>/
    img_00001.jpg... and {train,val}_list_rawframes.txt (`frame_dir total_frames label`).
    """
    counts = {"train": videos_per_class, "val": val_videos_per_class}
    jobs = [
        _Job(out_dir, c, split, k, seed, frames)
        for split in SPLITS
        for c in range(len(CLASSES))
        for k in range(counts[split])
    ]
    os.makedirs(out_dir, exist_ok=True)
    # Each video depends only on its own seed, so the worker count cannot change the bytes.
    pool = ProcessPoolExecutor(workers, initializer=torch.set_num_threads, initargs=(1,)) if workers > 1 else None
    with pool or nullcontext():
        made = pool.map(_make_video, jobs, chunksize=8) if pool else map(_make_video, jobs)
        for done, _ in enumerate(made, start=1):
            if progress:
                progress(done, len(jobs))

    for split in SPLITS:
        split_jobs = [job for job in jobs if job.split == split]
        _write_lines(
            os.path.join(out_dir, f"{split}_list_videos.txt"),
            [f"{job.relpath}.mp4 {job.class_index}" for job in split_jobs],
        )
        if frames:
            _write_lines(
                os.path.join(out_dir, f"{split}_list_rawframes.txt"),
                [f"{job.relpath} {NUM_FRAMES} {job.class_index}" for job in split_jobs],
            )
    _write_lines(os.path.join(out_dir, "label_map.txt"), CLASSES)
    meta = {
        "name": "actionrec-synthetic",
        "seed": seed,
        "classes": CLASSES,
        "temporal_pairs": [[CLASSES.index(a), CLASSES.index(b)] for a, b in TEMPORAL_PAIRS],
        "temporal_only_classes": [CLASSES.index(n) for pair in TEMPORAL_PAIRS for n in pair],
        "single_frame_classes": [CLASSES.index(n) for n in STATIC_CLASSES],
        "width": WIDTH,
        "height": HEIGHT,
        "num_frames": NUM_FRAMES,
        "fps": FPS,
        "gop": GOP,
        "videos_per_class": counts,
        "frames": frames,
    }
    with open(os.path.join(out_dir, "synthetic.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "README.txt"), "w") as f:
        f.write(_readme(meta))
    return meta


def write_sequence(path: str, class_names: list[str], seed: int = 0) -> list[tuple[str, float, float]]:
    """One mp4 playing a video of each class in turn: a long video for windowed recognition.

    The i-th part is the val split's video i of its class (the same draw `generate` makes for
    videos/<class>/val_<i>.mp4 with this seed). Returns (class, start s, end s) per part.
    """
    unknown = [name for name in class_names if name not in CLASSES]
    if unknown or not class_names:
        raise ValueError(f"write_sequence: unknown synthetic classes {unknown or class_names}; known: {CLASSES}")
    parts, spans = [], []
    for k, name in enumerate(class_names):
        rng = np.random.default_rng([seed, CLASSES.index(name), SPLITS.index("val"), k])
        parts.append(render(name, draw_params(name, rng)))
        spans.append((name, k * NUM_FRAMES / FPS, (k + 1) * NUM_FRAMES / FPS))
    write_mp4(path, np.concatenate(parts))
    return spans


def _write_lines(path: str, lines: list[str]) -> None:
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))


def _readme(meta: dict) -> str:
    pairs = "\n".join(f"  {a:<28} <-> {b}" for a, b in TEMPORAL_PAIRS)
    static = "\n".join(f"  {name}" for name in STATIC_CLASSES)
    listing = "\n".join(f"  {i:>2}  {name}" for i, name in enumerate(CLASSES))
    return f"""actionrec synthetic action dataset (seed {meta["seed"]})

{len(CLASSES)} classes; {meta["videos_per_class"]["train"]} train and {meta["videos_per_class"]["val"]} val videos per class.
Videos: {meta["width"]}x{meta["height"]} H.264 mp4 (yuv420p, GOP {meta["gop"]}), {meta["num_frames"]} frames at {meta["fps"]} fps.
Generated by `actionrec data synth`; the same seed gives the same files.

Temporal pairs: the second class of each pair is the first played backwards. Both draw their
parameters from the same distribution, so the set of frames is identical and only the order of
the frames separates them. A single-frame model is at chance (50%) within each pair, and so is
any order-invariant model, such as TSN with average consensus over its segments.
{pairs}

Single-frame classes: a distinct static shape with a slow random drift; one frame suffices.
{static}

Per video, at random: background gradient (dark, slightly tinted greys) and texture, shape colour
(bright, any hue: every channel at least 60 levels above the background's), position, size,
speed, rotation amount, timing of the change, and a small brightness flicker.

Class indices (label_map.txt):
{listing}

Files: videos/<class>/<split>_<k>.mp4, train_list_videos.txt and val_list_videos.txt
(`relpath label`), label_map.txt, synthetic.json (classes, temporal pairs as index pairs,
temporal_only_classes, single_frame_classes); with --frames also rawframes/<class>/<split>_<k>/
img_00001.jpg ... and train_list_rawframes.txt / val_list_rawframes.txt
(`frame_dir total_frames label`).
"""
