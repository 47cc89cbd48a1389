"""The golden files' weight procedure (/work/shared/golden/README.md), as a test helper.

Every tensor is a deterministic function of its key, shape and dtype alone, so a state dict in
MMAction2's exact checkpoint layout can be rebuilt from the file's `state_dict_keys` list.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import torch

GOLDEN_DIR = Path("/work/shared/golden")


def procedure_tensor(key: str, shape: tuple[int, ...], dtype: str) -> torch.Tensor:
    """The README's rule for one `(key, shape, dtype)` entry."""
    shape = tuple(shape)
    g = torch.Generator().manual_seed(zlib.crc32(key.encode()))
    if not getattr(torch, dtype.removeprefix("torch.")).is_floating_point:
        return torch.zeros(shape, dtype=torch.int64)
    if key.endswith("running_mean"):
        return 0.1 * torch.randn(shape, generator=g)
    if key.endswith("running_var"):
        return 0.5 + torch.rand(shape, generator=g)
    if len(shape) >= 2:
        return torch.randn(shape, generator=g) / math.sqrt(math.prod(shape[1:]))
    if len(shape) == 1 and key.endswith("weight"):
        return 1 + 0.1 * torch.randn(shape, generator=g)
    return 0.1 * torch.randn(shape, generator=g)


def procedure_state_dict(state_dict_keys) -> dict[str, torch.Tensor]:
    """`[(key, shape, dtype), ...]` -> the MMAction2-layout state dict the golden run used."""
    return {key: procedure_tensor(key, shape, dtype) for key, shape, dtype in state_dict_keys}


def load_golden(name: str) -> dict:
    """A golden file by stem (e.g. 'tsn_r50_k400'), loaded without executing pickled code."""
    return torch.load(GOLDEN_DIR / f"{name}.pt", weights_only=True)
