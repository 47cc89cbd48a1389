"""Parameter and compute counts, as model zoos report them (multiply-adds, not FLOPs)."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_params(model: nn.Module) -> int:
    """Number of parameter elements (buffers such as BN statistics excluded)."""
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, *inputs: torch.Tensor) -> int:
    """Multiply-adds of `model(*inputs)` (torch's FLOP counter / 2: one MAC = 2 FLOPs).

    Counts matmuls and convolutions, which dominate; element-wise ops are not counted, as in
    the model zoos' figures. Inputs on the meta device give the count without computing.
    """
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*inputs)
    return counter.get_total_flops() // 2
