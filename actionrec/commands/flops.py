"""`actionrec flops CONFIG`: parameters and multiply-adds per view of the test input."""

from __future__ import annotations

import argparse

from actionrec.commands.config import CONFIG_HELP, UsageError, add_cfg_options


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "flops",
        help="parameter count and FLOPs (multiply-adds) per view",
        description="A view is one test input of the model: a frame for TSN, a clip for UniFormerV2.",
    )
    p.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    p.add_argument(
        "--shape", type=int, nargs="+", help="one view's shape, e.g. 3 8 224 224 (default: from the test pipeline)"
    )
    add_cfg_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from actionrec.build import build_model
    from actionrec.config import load_config
    from actionrec.engine.benchmark import input_shape_from_pipeline, view_shape
    from actionrec.flops import count_flops, count_params

    cfg = load_config(args.config, args.cfg_options)
    split = cfg.data.test or cfg.data.val
    if split is None and not args.shape:
        raise UsageError(
            f"{args.config}: no data.test (or data.val) pipeline to take the input size from; give --shape"
        )
    if args.shape:
        shape = (1, *args.shape)
    else:
        shape = view_shape(input_shape_from_pipeline(split.pipeline, split.modality))
    model = build_model(cfg.model).eval()
    x = torch.zeros((1, *shape), dtype=torch.uint8)
    params, macs = count_params(model), count_flops(model, x)
    print(f"input per view: {tuple(shape[1:])}")
    print(f"params: {params / 1e6:.2f} M ({params})")
    print(f"FLOPs (multiply-adds) per view: {macs / 1e9:.3f} G ({macs})")
    return 0
