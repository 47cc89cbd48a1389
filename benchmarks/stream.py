"""Time per frame of streaming recognition (`Recognizer.stream` over `video_frames`), random weights.

Streams a video file through a model's test protocol in windows and reports, per source frame,
the whole cost (decoding every frame, cutting windows, sampling, transforms, the model) and the
decoding alone (one plain pass of `video_frames`), plus the model's share per window.

    python benchmarks/stream.py [--video tests/data/demo.mp4] [--window 2 --stride 1] [--models demo_tsn tsn_r50]

Models: `demo_tsn` and `demo_uniformerv2` are the demo's small configs (configs/demo, 64 px);
`tsn_r50` is TSN-R50 at 224 with the 3-segment centre-crop protocol of its val split (3 views
per window; the 25 x 10 test protocol is 250 views, about 80x the model time).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from actionrec import build_model
from actionrec.config import load_config
from actionrec.data.datasets import Pipeline
from actionrec.data.decoders import open_video
from actionrec.hardware import describe
from actionrec.recognize import Recognizer, pipeline_from_config, video_frames

REPO = Path(__file__).resolve().parent.parent
_TSN_R50_STREAMING = [
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 256)),
    dict(type="CenterCrop", crop_size=224),
    dict(type="FormatShape", input_format="NCHW"),
]
MODELS = {
    "demo_tsn": (REPO / "configs/demo/tsn_r18_synthetic.py", None),
    "demo_uniformerv2": (REPO / "configs/demo/uniformerv2_tiny_synthetic.py", None),
    "tsn_r50": (REPO / "configs/recognition/tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py", _TSN_R50_STREAMING),
}


def recognizer_for(name: str, device: str) -> Recognizer:
    config, pipeline = MODELS[name]
    cfg = load_config(config)
    torch.manual_seed(0)
    model = build_model(cfg.model)
    if pipeline is None:
        test_pipeline, _ = pipeline_from_config(cfg, str(config))
    else:
        test_pipeline = Pipeline.from_mmaction(pipeline, "RGB")
    labels = [f"class_{i}" for i in range(cfg.data.num_classes)]
    return Recognizer(model, test_pipeline, labels, device=device, progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(REPO / "tests/data/demo.mp4"))
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--stride", type=float, default=1.0)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many passes")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{describe(args.device)}; torch threads {torch.get_num_threads()}")

    def decode_pass() -> int:
        return sum(1 for _ in video_frames(args.video))

    decode_s, frames = min(_timed(decode_pass) for _ in range(args.repeats))
    print(f"{Path(args.video).name}: {frames} frames, window {args.window} s, stride {args.stride} s")
    print(f"decoding alone: {1000 * decode_s / frames:.2f} ms/frame")
    print(f"{'model':<18} {'windows':>7} {'ms/frame':>9} {'ms/window (less decoding)':>26} {'x real time':>12}")
    duration = frames / _fps(args.video)
    for name in args.models:
        recognizer = recognizer_for(name, args.device)

        def stream_pass(recognizer=recognizer) -> int:
            results = recognizer.stream(video_frames(args.video), window=args.window, stride=args.stride)
            return sum(1 for _ in results)

        stream_pass()  # warm-up: allocator, kernels, cudnn autotune
        seconds, windows = min(_timed(stream_pass) for _ in range(args.repeats))
        model_per_window = (seconds - decode_s) / max(windows, 1)
        print(
            f"{name:<18} {windows:>7} {1000 * seconds / frames:>9.2f} {1000 * model_per_window:>26.1f} "
            f"{duration / seconds:>12.1f}"
        )


def _timed(fn) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, count


def _fps(video: str) -> float:
    with open_video(video) as reader:
        return reader.fps


if __name__ == "__main__":
    main()
