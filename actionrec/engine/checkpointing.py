"""Training checkpoints: written atomically, read without executing pickled code.

A checkpoint is one dict: `state_dict` (the model, the key MMAction2/mmengine use, so other
tools read it), `optimizer`, `scaler`, `rng` (torch, numpy, python), `epoch`, `iteration`
(batches done, counting from 0 at the start of training), `epoch_iteration` (batches done in
`epoch`; 0 for an end-of-epoch checkpoint), `best`, `config`. Plain containers and tensors
only, so `torch.load(weights_only=True)` reads it. The LR schedule is a pure function of the
iteration and needs no state of its own.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch


def atomic_save(obj: Any, path: str | Path) -> None:
    """Write `obj` to a temp file in the same folder, fsync, then os.replace: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)  # make the rename itself durable
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_training_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint written by `atomic_save`, safely; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"checkpoint {path} is empty")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, EOFError, RuntimeError) as e:
        raise ValueError(f"checkpoint {path} is truncated or not a torch checkpoint: {e}") from e


def rng_state() -> dict[str, Any]:
    """torch / numpy legacy / python RNG states as tensors and plain values (weights_only-safe)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": pos,
            "has_gauss": has_gauss,
            "cached_gaussian": gauss,
        },
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(
        (n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"])
    )
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def checkpoint_path(work_dir: str | Path, name: str) -> Path:
    """`latest` -> work_dir/latest.pth, `epoch_3` -> work_dir/epoch_3.pth."""
    return Path(work_dir) / f"{name}.pth"


def prune_epoch_checkpoints(work_dir: str | Path, keep: int | None) -> None:
    """Keep only the newest `keep` epoch_N.pth files (latest/best are never pruned)."""
    if keep is None:
        return
    epochs = sorted(Path(work_dir).glob("epoch_*.pth"), key=lambda p: int(p.stem.split("_")[1]))
    for old in epochs[:-keep] if keep > 0 else epochs:
        old.unlink()
