"""`actionrec export CONFIG_OR_NAME CKPT --format onnx|torch-export --out FILE`: a deployable recognizer, checked."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from actionrec.commands.config import add_cfg_options

_CONFIG_SUFFIXES = (".py", ".yaml", ".yml", ".json")
_NAME_RESOLUTION = 224  # TSN built by name: the view size of every zoo TSN's test protocol


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export",
        help="export a trained recognizer to ONNX or torch.export, checked against PyTorch",
        description="The whole recognizer, from uint8 views (N, V, C, H, W) or (N, V, C, T, H, W) to test-time "
        "scores (N, K): normalisation and view averaging included, N and V dynamic. After writing, the file is run "
        "on a clip (--video through the config's test pipeline, else a random uint8 clip of the test input shape) "
        "and the largest difference from PyTorch is printed; above the tolerance the command fails (exit 2). "
        "ONNX needs `pip install 'actionrec[export]'`.",
    )
    p.add_argument("model", metavar="CONFIG_OR_NAME", help="a config file, or a registered model name (`tsn_r50`)")
    p.add_argument("checkpoint", metavar="CKPT", help="trained weights: path or URL")
    p.add_argument("--format", choices=("onnx", "torch-export"), default="onnx")
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write (.onnx, .pt2)")
    p.add_argument("--views", type=int, metavar="N", help="views of the synthetic clip (default: the test protocol's)")
    p.add_argument("--video", metavar="V", help="check on this video (or frame folder) through the config's pipeline")
    p.add_argument("--num-classes", type=int, help="classes of a model given by name (default 400)")
    p.add_argument("--opset", type=int, help="ONNX opset (default: torch's)")
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest difference / largest |score| (1e-4)")
    add_cfg_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actionrec.export import ExportArgumentError, export

    if args.views is not None and args.views < 1:
        raise ExportArgumentError(f"--views must be at least 1, got {args.views}")
    if args.views is not None and args.video:
        raise ExportArgumentError("--views sets the synthetic clip; with --video the test pipeline makes the views")
    is_config = args.model.endswith(_CONFIG_SUFFIXES) or os.path.isfile(args.model)
    if args.video and not is_config:
        raise ExportArgumentError(
            f"--video needs a config (its test pipeline samples the clip); {args.model} is a name"
        )
    model, cfg = _from_config(args) if is_config else (_from_name(args), None)
    _load_weights(model, args.checkpoint)
    model.eval()
    if args.video:
        example, where = _clip_views(cfg, args.model, args.video), f"{args.video} through the test pipeline"
    else:
        split = _test_split(cfg, args.model) if cfg is not None else None
        example, where = _synthetic_views(model, split, args.views), "a random uint8 clip"
    average_clips = ... if cfg is None or cfg.test.average_clips is None else _averaging(cfg.test.average_clips)
    if not args.verbose:  # the ONNX exporter's passes log every rewrite at INFO
        for name in ("onnxscript", "onnx_ir"):
            logging.getLogger(name).setLevel(logging.WARNING)
    print(f"exporting {type(model).__name__} to {args.format}, checked on {where} {tuple(example.shape)}", flush=True)
    report = export(
        model,
        example,
        args.format,
        Path(args.out),
        opset=args.opset,
        average_clips=average_clips,
        tolerance=args.tolerance,
    )
    print(report)
    return 0


def _from_config(args: argparse.Namespace):
    from actionrec.build import build_model
    from actionrec.config import load_config
    from actionrec.export import ExportArgumentError

    if args.num_classes is not None:
        raise ExportArgumentError(f"--num-classes is for a model name; {args.model} sets model.num_classes itself")
    if not os.path.isfile(args.model):
        raise FileNotFoundError(f"config file not found: {args.model}")
    cfg = load_config(args.model, args.cfg_options)
    return build_model(cfg.model), cfg


def _from_name(args: argparse.Namespace):
    from actionrec.build import build_model
    from actionrec.export import ExportArgumentError

    if args.cfg_options:
        raise ExportArgumentError(f"--cfg-options needs a config file; {args.model} is a model name")
    spec = {"name": args.model}
    if args.num_classes is not None:
        spec["num_classes"] = args.num_classes
    return build_model(spec)


def _load_weights(model, checkpoint: str) -> None:
    """All the model's tensors must come from CKPT: exporting half-initialised weights helps nobody."""
    from actionrec.checkpoints import CheckpointError, load_checkpoint

    report = load_checkpoint(model, checkpoint)
    if report.missing or report.mismatched:
        raise CheckpointError(f"{checkpoint} does not fit the model:\n{report}")


def _averaging(mode: str) -> str | None:
    return None if mode == "none" else mode


def _test_split(cfg, source: str):
    from actionrec.config import ConfigError

    split = cfg.data.test or cfg.data.val
    if split is None:
        raise ConfigError(f"{source}: no data.test (or data.val) split, so no test input shape or pipeline")
    return split


def _synthetic_views(model, split, views: int | None):
    """Random uint8 views `(1, V, ...)`: the test split's input shape, or the model's natural view for a name."""
    import torch

    from actionrec.engine.benchmark import input_shape_from_pipeline

    if split is not None:
        shape = input_shape_from_pipeline(split.pipeline, split.modality)
    elif model.view_ndim == 3:  # UniFormerV2: its frame count and resolution
        backbone = model.backbone
        size = backbone.input_resolution
        shape = (1, model.mean.numel(), backbone.t_size, size, size)
    else:
        shape = (1, model.mean.numel(), _NAME_RESOLUTION, _NAME_RESOLUTION)
    if views is not None:
        shape = (views, *shape[1:])
    generator = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (1, *shape), dtype=torch.uint8, generator=generator)


def _clip_views(cfg, source: str, video: str):
    """`video` sampled and transformed by the config's test pipeline: uint8 views `(1, V, ...)`."""
    import numpy as np

    from actionrec.data.decoders import FlowFolderReader, FrameFolderReader, open_video
    from actionrec.export import ExportArgumentError
    from actionrec.recognize import pipeline_from_config

    pipeline, split = pipeline_from_config(cfg, source)
    if not os.path.exists(video):
        raise FileNotFoundError(f"video not found: {video}")
    template = {"filename_tmpl": split.filename_tmpl} if split.filename_tmpl else {}
    if pipeline.modality == "Flow":
        if not os.path.isdir(video):
            raise ExportArgumentError(f"{video}: a flow model takes a folder of flow frames (x_00001.jpg, y_00001.jpg)")
        reader = FlowFolderReader(video, **template)
    elif os.path.isdir(video):
        reader = FrameFolderReader(video, **template)
    else:
        reader = open_video(video, split.backend)
    with reader:
        views = pipeline(reader, np.random.default_rng(0), fps=getattr(reader, "fps", None))
    return views[None]
