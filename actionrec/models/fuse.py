"""Inference graphs: a copy of a trained recognizer rewritten for speed; the training module is untouched.

`fold_batchnorm(model)` folds every eval-mode BatchNorm into the convolution that feeds it
(`w' = w * g / sqrt(v + eps)`, `b' = (b - m) * g / sqrt(v + eps) + beta`), which removes a full pass
over each activation map: on TSN-R50 eval-mode batch norm was 18% of the 25x10 protocol's time.
Pairs are found by name, as the ResNet family lays them out (`convN` -> `bnN`, `downsample.0` ->
`downsample.1`), so a layer is folded only where the convolution really feeds that BatchNorm. The
result agrees with the unfused model to float rounding (about 1e-6 relative); keep the original for
training and for MMAction2-exact numerics.

`fuse_linears(model)` swaps every `nn.Linear` for a `FusedLinear`: on a CPU with oneDNN, one matmul
call with the bias, and for UniFormerV2's MLPs the activation, applied as oneDNN post-ops while the
output is still in cache, with the weights cast once per dtype instead of on every autocast call.
CLIP's QuickGELU `x * sigmoid(1.702 x)` becomes oneDNN's SiLU by scaling `fc1` by 1.702 and `fc2` by
1 / 1.702. On UniFormerV2-B/16 the MLP runs 1.17x faster in bf16 and 1.08x in fp32
(`benchmarks/protocols.py` times whole protocols). Elsewhere (GPUs, fp16, autograd, tracing for
export or `torch.compile`) `FusedLinear` is `F.linear` plus the activation, the same function.

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
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from actionrec.hardware import autocast_dtype
from actionrec.models.uniformerv2 import Mlp, QuickGELU

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
    return _fold_batchnorm_(copy.deepcopy(model).eval())


def _fold_batchnorm_(folded: nn.Module) -> nn.Module:
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


#: oneDNN's fused linear (bias and activation as post-ops); absent from builds without oneDNN
_ONEDNN_LINEAR = getattr(getattr(torch.ops, "mkldnn", None), "_linear_pointwise", None)
_ONEDNN_ACTIVATIONS = {None: "none", "silu": "swish"}


def _tracing() -> bool:
    """True while torch.compile, torch.export or the ONNX exporter traces: they get plain ops."""
    compiler = torch.compiler
    exporting = getattr(compiler, "is_exporting", lambda: False)
    return compiler.is_compiling() or exporting() or torch.jit.is_tracing()


class FusedLinear(nn.Module):
    """Inference-only `activation(x @ weight.T + bias)` in one oneDNN call where the CPU build has it.

    Why: `F.linear` on the CPU writes the broadcast bias into the output before the matmul and the
    activation is another pass over it; oneDNN applies both as post-ops on tiles still in cache, and
    under autocast the weight is cast once per dtype here instead of on every call. `activation` is
    None or 'silu'. The weights are frozen (`requires_grad=False`); with autograd recording, on other
    devices, for fp16 and while tracing it computes the same function with `F.linear`.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, activation: str | None = None):
        super().__init__()
        if activation not in _ONEDNN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(_ONEDNN_ACTIVATIONS)}, got {activation!r}")
        self.weight = nn.Parameter(weight.detach().clone(), requires_grad=False)
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.activation = activation
        self._cast: dict[torch.dtype, tuple] = {}  # dtype -> (key, weight, bias): cast once, not per call

    @classmethod
    def from_linear(cls, linear: nn.Linear, activation: str | None = None, scale: float = 1.0) -> FusedLinear:
        """`linear`'s weight and bias, both multiplied by `scale`, followed by `activation`."""
        bias = None if linear.bias is None else linear.bias * scale
        return cls(linear.weight * scale, bias, activation)

    def extra_repr(self) -> str:
        out, inp = self.weight.shape
        return f"in_features={inp}, out_features={out}, bias={self.bias is not None}, activation={self.activation}"

    def _weights(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
        if dtype == self.weight.dtype:
            return self.weight, self.bias
        key = (self.weight.data_ptr(), self.weight._version, self.weight.device)
        cached = self._cast.get(dtype)
        if cached is None or cached[0] != key:
            bias = None if self.bias is None else self.bias.to(dtype)
            cached = self._cast[dtype] = (key, self.weight.to(dtype), bias)
        return cached[1], cached[2]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kind = x.device.type
        dtype = autocast_dtype(kind, default=x.dtype)
        if (
            _ONEDNN_LINEAR is not None
            and kind == "cpu"
            and dtype in (torch.float32, torch.bfloat16)
            and self.weight.dtype in (torch.float32, torch.bfloat16)
            and not (torch.is_grad_enabled() and x.requires_grad)
            and not _tracing()
        ):
            weight, bias = self._weights(dtype)
            return _ONEDNN_LINEAR(x.to(dtype), weight, bias, _ONEDNN_ACTIVATIONS[self.activation], [], "")
        y = F.linear(x, self.weight, self.bias)
        return F.silu(y) if self.activation == "silu" else y


def fuse_linears(model: nn.Module) -> nn.Module:
    """An eval-mode copy of `model` with every `nn.Linear` a `FusedLinear` (see module doc); an MLP of
    linear, QuickGELU, linear becomes fused linear + SiLU (weights scaled by 1.702), linear / 1.702."""
    return _fuse_linears_(copy.deepcopy(model).eval())


def _fuse_linears_(fused: nn.Module) -> nn.Module:
    count = 0
    for module in list(fused.modules()):
        if isinstance(module, Mlp) and isinstance(module.act, QuickGELU):
            # x * sigmoid(1.702 x) = silu(1.702 x) / 1.702: the factors go into the weights
            module.fc1 = FusedLinear.from_linear(module.fc1, "silu", scale=1.702)
            module.act = nn.Identity()
            module.fc2 = FusedLinear(module.fc2.weight / 1.702, module.fc2.bias)
            count += 2
        for name, child in list(module.named_children()):
            if type(child) is nn.Linear:
                setattr(module, name, FusedLinear.from_linear(child))
                count += 1
    fused.fused_linears = count
    return fused


def for_inference(model: nn.Module, fuse: bool = True, compile: bool = False) -> nn.Module:
    """The model as test-time code should run it: BatchNorm folded and linears fused (when `fuse`), eval
    mode, optionally compiled (then the linears stay plain: the compiler fuses its own way).

    `compile=True` wraps `forward_features` with `torch.compile` (static shapes: one graph per
    chunk shape, see `BaseRecognizer.compiled`); the first call with each shape pays the
    compilation (seconds to minutes), which is logged and which `benchmarks/` report separately.
    """
    out = copy.deepcopy(model).eval()
    if fuse:
        _fold_batchnorm_(out)
    if fuse and not compile:
        _fuse_linears_(out)
    if compile:
        compiled = torch.compile(out.forward_features, dynamic=False)
        out.forward_features = _log_warmups(compiled, type(out).__name__)
        out.compiled = True
    return out


def describe_graph(model: nn.Module) -> str:
    """What `for_inference` did to `model`, in words, e.g. 'BatchNorm folded, 74 linears fused', read from
    the marks it leaves (`folded_batchnorms`, `fused_linears`, `compiled`)."""
    parts = ["BatchNorm folded" if hasattr(model, "folded_batchnorms") else "unfused"]
    if hasattr(model, "fused_linears"):
        parts.append(f"{model.fused_linears} linears fused")
    if getattr(model, "compiled", False):
        parts.append("torch.compile")
    return ", ".join(parts)


def _log_warmups(fn, name: str):
    """`fn` (a compiled forward), logging how long the first call with each input shape and precision took."""
    seen: set[tuple] = set()

    def forward_features(views: torch.Tensor) -> torch.Tensor:
        kind = views.device.type
        dtype = autocast_dtype(kind, default=torch.float32)
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
