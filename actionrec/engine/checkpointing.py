"""Training checkpoints: written atomically, read without executing pickled code.

Two kinds of file, both plain containers and tensors (so `torch.load(weights_only=True)` reads them):

- resumable (`latest.pth`, and `epoch_N.pth` with `train.keep_resumable_epochs=True`): `state_dict`
  (the model, under the key MMAction2/mmengine use, so other tools read it), `optimizer`, `scaler`,
  `rng` (torch, numpy, python), `epoch`, `iteration` (batches done since the start of training),
  `epoch_iteration` (batches done in `epoch`; 0 at an epoch's end), `best`, skip counters, `config`.
  The LR schedule is a pure function of the iteration and needs no state of its own.
- weights only (`best.pth`, `epoch_N.pth` by default): `state_dict` and a small `meta` dict
  (epoch, iteration, metrics, config). Optimizer state is as large as the model again (twice for
  AdamW), so keeping it in one file instead of every epoch's roughly halves a run's disk use.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from actionrec.checkpoints import LoadReport
from actionrec.errors import ActionrecError

SHOWN_NAMES = 3  # tensor names a resume error lists per kind of misfit


class TrainingCheckpointError(ActionrecError, ValueError):
    """A training checkpoint that cannot be read or resumed from; the message names the file and the fix."""


def atomic_save(obj: Any, path: str | Path) -> None:
    """`torch.save` through `atomic_write`: a checkpoint is never half-written."""
    atomic_write(path, lambda f: torch.save(obj, f))


def atomic_write(path: str | Path, write: Callable[[BinaryIO], Any]) -> None:
    """`write(f)` into a temp file in the same folder, fsync, then os.replace: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
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
        raise TrainingCheckpointError(f"checkpoint {path} is empty")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, EOFError, RuntimeError) as e:
        raise TrainingCheckpointError(f"checkpoint {path} is truncated or not a torch checkpoint: {e}") from e


def is_resumable(ckpt: dict[str, Any]) -> bool:
    return "optimizer" in ckpt and "rng" in ckpt


def not_resumable_message(path: Path) -> str:
    return (
        f"cannot resume from {path}: it holds weights only (best.pth and epoch_N.pth do, unless the run "
        f"set train.keep_resumable_epochs=True); resume from {path.parent / 'latest.pth'} "
        f"(`--resume` without a path), or start a new run from these weights with --cfg-options load_from='{path}'"
    )


def misfit_message(
    path: Path, model_state: dict[str, torch.Tensor], saved_state: dict[str, torch.Tensor], saved_config, config
) -> str | None:
    """None when `saved_state` fits the model exactly, else a short summary and the likely cause.

    torch's own `load_state_dict` error lists every key (kilobytes for a ViT); this counts them.
    """
    report = LoadReport(str(path))
    for name, tensor in saved_state.items():
        if name not in model_state:
            report.unexpected.append(name)
        elif tensor.shape != model_state[name].shape:
            report.mismatched.append((name, tuple(tensor.shape), tuple(model_state[name].shape)))
        else:
            report.loaded.append(name)
    report.missing = [name for name in model_state if name not in saved_state]
    if report.complete:
        return None
    shapes = [f"{name} {saved} in the checkpoint, {own} in the model" for name, saved, own in report.mismatched]
    parts = [
        f"{len(names)} {kind} ({', '.join(names[:SHOWN_NAMES])}{', ...' if len(names) > SHOWN_NAMES else ''})"
        for kind, names in (("missing", report.missing), ("unexpected", report.unexpected), ("mismatched", shapes))
        if names
    ]
    return (
        f"cannot resume from {path}: its weights do not fit the model built from the config: "
        f"{len(report.loaded)} tensors fit, {'; '.join(parts)}. Likely cause: {_likely_cause(saved_config, config)}. "
        f"Resume with the config the checkpoint was written with ({path.parent / 'config.json'}), or start a new "
        f"run from its matching tensors with --cfg-options load_from='{path}'"
    )


def _likely_cause(saved: dict | None, current: dict) -> str:
    if not isinstance(saved, dict):
        return "a checkpoint of a different model or class count"
    saved_classes, classes = saved.get("data", {}).get("num_classes"), current["data"]["num_classes"]
    if saved_classes != classes:
        return f"a checkpoint for {saved_classes} classes, the config has {classes}"
    saved_model, model = saved.get("model", {}), current["model"]
    differ = [key for key in sorted(set(saved_model) | set(model), key=str) if saved_model.get(key) != model.get(key)]
    if not differ:
        return "a checkpoint of a different model"
    shown = ", ".join(f"model.{k} {_short(saved_model.get(k))} there, {_short(model.get(k))} here" for k in differ[:3])
    return f"a checkpoint of a different model ({shown})"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
