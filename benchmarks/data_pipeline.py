"""Data-pipeline throughput on one CPU thread, against MMAction2 + decord on the same machine.

Two pipelines from the model zoo configs, each timed per video from opening the file to the
uint8 view tensor (open, sample, decode, transforms, FormatShape):

* TSN training: SampleFrames(1x1x8) -> decode -> Resize(-1, 256) -> MultiScaleCrop(224,
  scales (1, .875, .75, .66)) -> Resize(224, 224, keep_ratio=False) -> Flip(0.5) -> NCHW.
* UniFormerV2 testing: UniformSample(8, 4 clips) -> decode -> Resize(-1, 224) -> ThreeCrop(224) -> NCTHW.

Videos: tests/data/demo.mp4 plus synthetic Kinetics-like clips (actionrec.data.synthetic,
rendered once into --video-dir), for every available decoding backend. Each measurement is the
median of --repeats runs after --warmup runs.

    python benchmarks/data_pipeline.py [--repeats 7] [--backends torchcodec pyav]

When decord is importable (`pip install decord`), a `mmaction2-decord` row decodes the way
MMAction2's DecordInit + DecordDecode do (decord's own frame count, `get_batch`, one thread) with
the same transforms, and every row's ratio is taken against it: a same-machine, same-run
reference. Without decord the ratio is against REFERENCE_MS, measured elsewhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from actionrec.data.decoders import available_backends, open_video
from actionrec.data.sampling import SampleFrames, UniformSample
from actionrec.data.synthetic import draw_params, render, write_mp4
from actionrec.data.transforms import Clip, Compose, build_transforms

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "tests" / "data" / "demo.mp4"

# MMAction2 1.x + decord, one thread, tests/data/demo.mp4 (ms per video), as measured for the
# project brief on its reference machine (not necessarily this CPU).
REFERENCE_MS = {"tsn_train": 95.0, "uniformerv2_test": 347.0}

# (name, width, height, frames, fps, gop): 10 s clips re-encoded the way Kinetics is usually prepared.
SYNTHETIC_VIDEOS = [
    ("synthetic_340x256_gop12.mp4", 340, 256, 300, 30, 12),
    ("synthetic_568x320_gop30.mp4", 568, 320, 300, 30, 30),
]


@dataclass
class Pipeline:
    name: str
    sampler: SampleFrames | UniformSample
    transforms: Compose


def pipelines() -> list[Pipeline]:
    tsn = build_transforms(
        [
            dict(type="Resize", scale=(-1, 256)),
            dict(
                type="MultiScaleCrop",
                input_size=224,
                scales=(1, 0.875, 0.75, 0.66),
                random_crop=False,
                max_wh_scale_gap=1,
            ),
            dict(type="Resize", scale=(224, 224), keep_ratio=False),
            dict(type="Flip", flip_ratio=0.5),
            dict(type="FormatShape", input_format="NCHW"),
        ]
    )
    uniformer = build_transforms(
        [
            dict(type="Resize", scale=(-1, 224)),
            dict(type="ThreeCrop", crop_size=224),
            dict(type="FormatShape", input_format="NCTHW"),
        ]
    )
    return [
        Pipeline("tsn_train", SampleFrames(clip_len=1, frame_interval=1, num_clips=8), tsn),
        Pipeline("uniformerv2_test", UniformSample(clip_len=8, num_clips=4, test_mode=True), uniformer),
    ]


def synthetic_videos(folder: Path) -> list[Path]:
    """Renders the synthetic benchmark clips once; later runs reuse the files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (name, width, height, num_frames, fps, gop) in enumerate(SYNTHETIC_VIDEOS):
        path = folder / name
        if not path.exists():
            params = draw_params("moving_left", np.random.default_rng([0, index]), width, height, num_frames)
            frames = render("moving_left", params, width, height, num_frames)
            write_mp4(os.fspath(path) + ".part", frames, fps=fps, gop=gop)
            os.replace(os.fspath(path) + ".part", path)
        paths.append(path)
    return paths


@dataclass
class Run:
    decode_ms: float  # wall time: open + sample + decode
    transform_ms: float  # wall time: transforms + FormatShape
    cpu_ms: float  # process CPU time of the whole video: the fair figure on a shared, loaded machine
    shape: tuple


DECORD_REFERENCE = "mmaction2-decord"


def decord_frames(path: Path, sampler, rng: np.random.Generator) -> tuple[np.ndarray, torch.Tensor]:
    """MMAction2's DecordInit + DecordDecode: decord's frame count, then `get_batch`."""
    import decord

    reader = decord.VideoReader(str(path), num_threads=1)
    indices = sampler(len(reader), rng)
    return indices, torch.from_numpy(reader.get_batch(list(indices)).asnumpy()).permute(0, 3, 1, 2)


def run_once(pipeline: Pipeline, path: Path, backend: str, rng: np.random.Generator) -> Run:
    cpu_start, start = time.process_time(), time.perf_counter()
    if backend == DECORD_REFERENCE:
        indices, frames = decord_frames(path, pipeline.sampler, rng)
    else:
        with open_video(path, backend) as reader:
            indices = pipeline.sampler(reader.num_frames, rng)
            frames = reader.read(indices)
    decoded = time.perf_counter()
    clip = Clip(frames, pipeline.sampler.clip_len, len(indices) // pipeline.sampler.clip_len)
    views = pipeline.transforms(clip, rng)
    done, cpu_done = time.perf_counter(), time.process_time()
    return Run((decoded - start) * 1000, (done - decoded) * 1000, (cpu_done - cpu_start) * 1000, tuple(views.shape))


def measure(pipeline: Pipeline, path: Path, backend: str, warmup: int, repeats: int) -> dict:
    for k in range(warmup):
        run_once(pipeline, path, backend, np.random.default_rng([1, k]))
    runs = [run_once(pipeline, path, backend, np.random.default_rng([0, k])) for k in range(repeats)]
    return {
        "ms": statistics.median(r.decode_ms + r.transform_ms for r in runs),
        "cpu_ms": statistics.median(r.cpu_ms for r in runs),
        "decode_ms": statistics.median(r.decode_ms for r in runs),
        "transform_ms": statistics.median(r.transform_ms for r in runs),
        "shape": runs[0].shape,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--backends", nargs="*", default=None, help="default: every available backend")
    parser.add_argument("--video-dir", type=Path, default=Path(tempfile.gettempdir()) / "actionrec-bench-videos")
    parser.add_argument("--no-synthetic", action="store_true", help="only tests/data/demo.mp4")
    args = parser.parse_args()

    torch.set_num_threads(1)
    backends = args.backends or [b for b in available_backends() if b != "decord"]
    try:
        import decord  # noqa: F401

        backends = [DECORD_REFERENCE] + backends
    except ImportError:
        pass
    videos = [DEMO] + ([] if args.no_synthetic else synthetic_videos(args.video_dir))

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} thread, median of {args.repeats} "
        f"after {args.warmup} warm-up runs; backends: {', '.join(backends)}"
    )
    header = (
        f"{'pipeline':<17} {'video':<28} {'backend':<16} {'ms/video':>9} {'videos/s':>9} {'clips/s':>8} "
        f"{'decode':>8} {'transf.':>8} {'cpu ms':>8} {'views':<22} {'ref. ms':>9} {'ratio':>6} {'cpu r.':>6}"
    )
    print(header)
    print("-" * len(header))
    for pipeline in pipelines():
        for path in videos:
            measured = {}
            for backend in backends:
                result = measured[backend] = measure(pipeline, path, backend, args.warmup, args.repeats)
                num_clips = pipeline.sampler.num_clips
                if DECORD_REFERENCE in measured:  # same machine, same run
                    ref = measured[DECORD_REFERENCE]
                    reference, references = ref["ms"], {"ms": ref["ms"], "cpu_ms": ref["cpu_ms"]}
                else:
                    reference = REFERENCE_MS[pipeline.name] if path == DEMO else None
                    references = {"ms": reference, "cpu_ms": reference}
                ratios = [
                    f"{result[key] / references[key]:6.2f}" if reference else f"{'':>6}" for key in ("ms", "cpu_ms")
                ]
                ref_text = f"{reference:9.0f}" if reference else f"{'':>9}"
                print(
                    f"{pipeline.name:<17} {path.name:<28} {backend:<16} {result['ms']:9.1f} "
                    f"{1000 / result['ms']:9.2f} {num_clips * 1000 / result['ms']:8.1f} "
                    f"{result['decode_ms']:8.1f} {result['transform_ms']:8.1f} {result['cpu_ms']:8.1f} "
                    f"{str(result['shape']):<22} {ref_text} {ratios[0]} {ratios[1]}"
                )
    print(
        "ms/video, decode (open + sample + decode) and transf. are wall-clock medians; cpu ms is process CPU time, "
        "the fairer figure when other jobs share the cores.\nclips/s counts sampled clips (TSN: 8 one-frame "
        "segments; UniFormerV2: 4 clips, before 3 crops). ratio = this row / the reference (lower is better): "
        f"the {DECORD_REFERENCE} row of the same run when decord is installed, else MMAction2 1.x + decord as "
        "measured on the brief's machine (demo.mp4 only)."
    )


if __name__ == "__main__":
    main()
