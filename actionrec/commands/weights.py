"""`actionrec export-weights CKPT OUT.safetensors`: the weights of a checkpoint, nothing else, in safetensors.

A training `latest.pth` carries optimizer state, RNG states and metadata (often 2-3x the model); a
safetensors file holds only named tensors, loads without any unpickling, and is what to share or
deploy. `load_checkpoint` (and `--checkpoint` everywhere) read it like a `.pth`.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "export-weights",
        help="write a checkpoint's weights as safetensors (no optimizer state, no pickle)",
        description="Reads CKPT (actionrec, MMAction2 or any supported layout; never unpickles code) and writes "
        "its state dict to OUT as safetensors. Tensor names are kept as they are in CKPT.",
    )
    p.add_argument("checkpoint", metavar="CKPT")
    p.add_argument("out", metavar="OUT.safetensors")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: every `actionrec` command would otherwise load torch
    from actionrec.checkpoints import export_weights

    out, count, size = export_weights(args.checkpoint, args.out)
    print(f"wrote {count} tensors ({size / 1e6:.1f} MB) to {out}")
    return 0
