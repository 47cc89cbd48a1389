"""Same-run MMAction2 reference: time MMAction2 1.2.0's own test pipeline, model and train step.

Run BY an MMAction2 environment (/work/shared/tools/mmaction2-env.sh builds one), never by actionrec's:

    /tmp/mmenv/bin/python benchmarks/mmaction2_reference.py --model tsn --video tests/data/demo.mp4 --threads 2
    /tmp/mmenv/bin/python benchmarks/mmaction2_reference.py --model uniformerv2 --views-only 3 --train-step

Builds the model-zoo config's `model` (weights at their construction-time init: timing does not depend
on values; no download), runs the config's `test_pipeline` on the video the way `inference_recognizer`
does (filename dict -> Compose -> pseudo_collate) and `model.test_step` under `torch.no_grad()` as
MMEngine's test loop does. After one warm-up, best of --reps: `whole_video_s` (pipeline + test_step),
`pipeline_s` (decode + transforms + packing) and `model_s` (test_step on the prepared batch, its data
preprocessor included). OpenCV threads follow the config's env_cfg (0, as MMEngine's runner sets them);
torch threads are --threads. --views-only N feeds the model the first N views only (the pipeline still
makes all of them). --train-step adds `train_step_s`: `model.train_step` with the config's optim_wrapper
on a random uint8 batch shaped like the config's training batch; with --train-only the test-time timings
are skipped (no video is read).
"""

import argparse
import json
import time
import warnings

import cv2
import mmaction
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

CONFIGS = f"{mmaction.__path__[0]}/.mim/configs/recognition"
MODEL_CONFIGS = {
    "tsn": f"{CONFIGS}/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py",
    "uniformerv2": f"{CONFIGS}/uniformerv2/"
    "uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics400-rgb.py",
}
# Training batch like the configs train with, per GPU item: (videos, uint8 shape of one video's input).
TRAIN_BATCH = {"tsn": (2, (3, 3, 224, 224)), "uniformerv2": (1, (1, 3, 8, 224, 224))}


def load_config(name: str) -> tuple[Config, list[str]]:
    """The model-zoo config with the no-download overrides, and the test-pipeline changes made (if any)."""
    cfg = Config.fromfile(MODEL_CONFIGS[name])
    backbone = cfg.model.backbone
    backbone.pretrained = None
    if name == "uniformerv2":
        backbone.clip_pretrained = False
        backbone.init_cfg = None  # a Pretrained URL; init_weights is never called, but keep it offline
        cfg.model.cls_head.pop("init_cfg")  # UniFormerHead's class default (TruncNormal)
        return cfg, []
    # TSN's protocol: 25 segments x TenCrop(224) after Resize(-1, 256), decoded from a video file.
    wanted = {
        "SampleFrames": dict(clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
        "Resize": dict(scale=(-1, 256)),
        "TenCrop": dict(crop_size=224),
    }
    changes = []
    for step in cfg.test_pipeline:
        for key, value in wanted.get(step.type, {}).items():
            if step.get(key) != value:
                changes.append(f"{step.type}.{key}: {step.get(key)} -> {value}")
                step[key] = value
    types = [step.type for step in cfg.test_pipeline]
    expected = ["DecordInit", "SampleFrames", "DecordDecode", "Resize", "TenCrop", "FormatShape", "PackActionInputs"]
    assert types == expected, f"unexpected TSN test_pipeline {types}; expected {expected}"
    return cfg, changes


def describe(pipeline: list) -> str:
    """One line naming each transform and its arguments."""
    steps = []
    for step in pipeline:
        args = ", ".join(f"{k}={v}" for k, v in step.items() if k != "type")
        steps.append(f"{step['type']}({args})")
    return " -> ".join(steps)


def best_of(fn, reps: int, device: str) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(MODEL_CONFIGS), required=True)
    parser.add_argument("--video", default="tests/data/demo.mp4")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--reps", type=int, default=1, help="timed runs after one warm-up; the best is reported")
    parser.add_argument("--views-only", type=int, default=None, metavar="N", help="run the model on N views only")
    parser.add_argument("--train-step", action="store_true", help="also time one training step")
    parser.add_argument("--train-only", action="store_true", help="with --train-step: skip the test-time timings")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # mmcv-lite's missing-CUDA-op notices
    MMLogger.get_instance("mmengine", log_level="ERROR")  # its deprecation notices go to stdout, before the JSON
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    cfg, changes = load_config(args.model)
    init_default_scope(cfg.get("default_scope", "mmaction"))
    cv2.setNumThreads(cfg.env_cfg.mp_cfg.opencv_num_threads)
    model = MODELS.build(cfg.model).to(args.device).eval()
    pipeline = Compose(cfg.test_pipeline)

    def pack() -> dict:
        """The test pipeline on the video, collated into a batch of one, as `inference_recognizer` does."""
        return pseudo_collate([pipeline(dict(filename=args.video, label=-1, start_index=0, modality="RGB"))])

    def select_views(batch: dict) -> dict:
        if args.views_only:
            batch["inputs"] = [inputs[: args.views_only] for inputs in batch["inputs"]]
        return batch

    def prepare() -> dict:
        return select_views(pack())

    def test_step(batch: dict) -> list:
        with torch.no_grad():
            return model.test_step(batch)

    result = {
        "framework": f"mmaction2 {mmaction.__version__}, torch {torch.__version__}",
        "model": args.model,
        "config": MODEL_CONFIGS[args.model].split("/configs/")[1],
        "device": args.device,
        "threads": torch.get_num_threads(),
        "reps": args.reps,
    }
    if not (args.train_only and args.train_step):
        batch = pack()
        pipeline_views = batch["inputs"][0].shape[0]
        batch = select_views(batch)
        prediction = test_step(batch)[0]  # the warm-up
        result.update(
            pipeline=describe(cfg.test_pipeline),
            pipeline_changes=changes,
            video=args.video,
            opencv_threads=cv2.getNumThreads(),
            pipeline_views=pipeline_views,
            num_views=batch["inputs"][0].shape[0],
            input_shape=list(batch["inputs"][0].shape),
            input_dtype=str(batch["inputs"][0].dtype),
            views_only=args.views_only,
            top1=int(prediction.pred_score.argmax()),
            whole_video_s=best_of(lambda: test_step(prepare()), args.reps, args.device),
            pipeline_s=best_of(prepare, args.reps, args.device),
            model_s=best_of(lambda: test_step(batch), args.reps, args.device),
        )

    if args.train_step:
        videos, shape = TRAIN_BATCH[args.model]
        train_batch = {
            "inputs": [torch.randint(0, 256, shape, dtype=torch.uint8) for _ in range(videos)],
            "data_samples": [ActionDataSample().set_gt_label(i) for i in range(videos)],
        }
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        model.train()

        def step() -> dict:
            return model.train_step(train_batch, optim_wrapper)

        step()  # the warm-up (also allocates the optimizer state)
        result.update(
            train_batch=f"{videos} x {list(shape)} uint8",
            optimizer=cfg.optim_wrapper.optimizer.type,
            clip_grad=cfg.optim_wrapper.get("clip_grad"),
            train_step_s=best_of(step, args.reps, args.device),
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
