"""Inference graphs: a copy of a trained recognizer rewritten for speed; the training module is untouched.

`fold_batchnorm(model)` folds every eval-mode BatchNorm into the convolution that feeds it
(`w' = w * g / sqrt(v + eps)`, `b' = (b - m) * g / sqrt(v + eps) + beta`), which removes a full pass
over each activation map: on TSN-R50 eval-mode batch norm was 18% of the 25x10 protocol's time.
Pairs are found by name, as the ResNet family lays them out (`convN` -> `bnN`, `downsample.0` ->
`downsample.1`), so a layer is folded only where the convolution really feeds that BatchNorm. The
result agrees with the unfused model to float rounding (about 1e-6 relative); keep the original for
training and for MMAction2-exact numerics.

`for_inference(model, fuse=True, compile=False)` is what `predict`-heavy callers use (recognize,
test, benchmark): the folded copy in eval mode, optionally wrapped by `torch.compile`. Compilation
happens on the first call with each new input shape and precision (tens of seconds on a small CPU);
that warm-up is logged, since it can outweigh the gain on a single video.
"""

from __future__ import annotations

import copy
import logging
import re
import time

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

log = logging.getLogger(__name__)

_CONV_NAME = re.compile(r"^conv(\d+)$")


def _pairs(module: nn.Module) -> list[tuple[str, str]]:
    """(conv name, bn name) children of `module` whose names say the conv feeds the BatchNorm."""
    children = dict(module.named_children())
    pairs = []
    for name, child in children.items():
        match = _CONV_NAME.match(name)
        if match and isinstance(child, nn.Conv2d) and isinstance(children.get(f"bn{match.group(1)}"), nn.BatchNorm2d):
            pairs.append((name, f"bn{match.group(1)}"))
    if isinstance(module, nn.Sequential) and len(module) == 2:  # ResNet's downsample: Sequential(conv, bn)
        conv, bn = module[0], module[1]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            pairs.append(("0", "1"))
    return pairs


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """An eval-mode copy of `model` with BatchNorms folded into their convolutions (see module doc)."""
    folded = copy.deepcopy(model).eval()
    count = 0
    for module in list(folded.modules()):
        for conv_name, bn_name in _pairs(module):
            conv, bn = getattr(module, conv_name), getattr(module, bn_name)
            channels_last = (
                conv.weight.is_contiguous(memory_format=torch.channels_last) and not conv.weight.is_contiguous()
            )
            fused = fuse_conv_bn_eval(conv, bn)
            if channels_last:
                fused = fused.to(memory_format=torch.channels_last)
            setattr(module, conv_name, fused)
            setattr(module, bn_name, nn.Identity())
            count += 1
    folded.folded_batchnorms = count
    return folded


def for_inference(model: nn.Module, fuse: bool = True, compile: bool = False) -> nn.Module:
    """The model as test-time code should run it: BatchNorm folded (when `fuse`), eval mode, optionally compiled.

    `compile=True` wraps `forward_features` with `torch.compile` (static shapes: one graph per
    chunk shape, see `BaseRecognizer.compiled`); the first call with each shape pays the
    compilation (seconds to minutes), which is logged and which `benchmarks/` report separately.
    """
    out = fold_batchnorm(model) if fuse else copy.deepcopy(model).eval()
    if compile:
        compiled = torch.compile(out.forward_features, dynamic=False)
        out.forward_features = _log_warmups(compiled, type(out).__name__)
        out.compiled = True
    return out


def _log_warmups(fn, name: str):
    """`fn` (a compiled forward), logging how long the first call with each input shape and precision took."""
    seen: set[tuple] = set()

    def forward_features(views: torch.Tensor) -> torch.Tensor:
        kind = views.device.type
        dtype = torch.get_autocast_dtype(kind) if torch.is_autocast_enabled(kind) else torch.float32
        key = (tuple(views.shape), dtype, kind)
        if key in seen:
            return fn(views)
        start = time.perf_counter()
        out = fn(views)
        seen.add(key)
        log.info(
            "torch.compile warm-up: %s on views %s, %s, %s: %.1f s (later calls of this shape reuse the graph)",
            name,
            tuple(views.shape),
            str(dtype).removeprefix("torch."),
            kind,
            time.perf_counter() - start,
        )
        return out

    return forward_features
