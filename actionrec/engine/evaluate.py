"""The test loop: every sample scored once, across any number of processes, in dataset order.

Each process scores its shard (`ShardSampler`: rank, rank + world, ..., no padding, so no
sample is counted twice), then `all_gather_object` collects (index, scores, label) triples and
they are put back in dataset order. Views are batched by the model up to `max_testing_views`.
Unreadable samples are left out and listed; a split of which none could be read is an error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from actionrec.build import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.data.annotations import load_label_map
from actionrec.hardware import resolve_precision
from actionrec.metrics import confusion_matrix
from actionrec.metrics import evaluate as score_metrics
from actionrec.models.base import AMP_DTYPES
from actionrec.models.fuse import for_inference
from actionrec.progress import progress_bar

from . import distributed
from .data import CHECKED_UNREADABLE, UnreadableDataError, build_eval_loader, unreadable_summary

log = logging.getLogger(__name__)


@dataclass
class Predictions:
    """Scores `(N, K)` and labels in dataset order; `missing` lists indices that could not be read."""

    indices: np.ndarray
    scores: np.ndarray
    labels: list
    missing: list[int] = field(default_factory=list)


def autocast(device: torch.device, amp: str | None):
    """The training forward's mixed precision (`predict` takes `amp=` itself)."""
    if amp is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=AMP_DTYPES[amp])


@torch.no_grad()
def predict(
    model: nn.Module,
    loader,
    device: torch.device,
    dataset_len: int,
    average_clips: str | None | object = ...,
    precision: str | None = None,
    progress: bool = False,
    split: str = "test",
) -> Predictions:
    """Score every sample of `loader`'s dataset (each process its shard) and gather them everywhere.

    Raises UnreadableDataError when not one sample of `split` could be read (metrics of nothing
    would only fail later, less clearly).
    """
    model.eval()
    indices, scores, labels, unreadable = [], [], [], []
    bar = progress_bar(loader, desc="test", disable=not progress, leave=False)
    for batch in bar:
        unreadable += batch.get("skipped", [])[: CHECKED_UNREADABLE - len(unreadable)]
        if len(batch["index"]) == 0:
            continue
        inputs = batch["inputs"].to(device, non_blocking=True)
        out = model.predict(inputs, average_clips=average_clips, precision=precision or "fp32")
        indices.extend(int(i) for i in batch["index"])
        scores.extend(out.float().cpu().numpy())
        labels.extend(_label_list(batch["label"]))
    parts = distributed.all_gather_objects((indices, scores, labels, unreadable))
    order: dict[int, tuple] = {}
    for part_indices, part_scores, part_labels, _ in parts:
        for i, s, y in zip(part_indices, part_scores, part_labels):
            order[i] = (s, y)
    kept = sorted(order)
    missing = sorted(set(range(dataset_len)) - set(kept))
    if dataset_len and not kept:
        examples = [example for *_, part_unreadable in parts for example in part_unreadable]
        reads = getattr(loader.dataset, "source", None)
        raise UnreadableDataError(
            f"data.{split}: {dataset_len} of {dataset_len} samples are unreadable, nothing to score. "
            + unreadable_summary(examples, reads, split)
        )
    if missing:
        log.warning(
            "%d of %d samples could not be read and are not scored (first: %s)", len(missing), dataset_len, missing[:10]
        )
    return Predictions(
        indices=np.asarray(kept, dtype=np.int64),
        scores=np.stack([order[i][0] for i in kept]) if kept else np.zeros((0, 0), np.float32),
        labels=[order[i][1] for i in kept],
        missing=missing,
    )


def _label_list(labels) -> list:
    """A batch of labels -> one entry per sample: an int, or a multi-hot float vector."""
    if isinstance(labels, torch.Tensor):
        return [int(y) if y.dim() == 0 else y.numpy() for y in labels.cpu()]
    return list(labels)


def compute_metrics(pred: Predictions, metrics: list[str], topk: list[int]) -> dict[str, float]:
    results = score_metrics(list(pred.scores), pred.labels, metrics, topk=tuple(topk))
    return {k: float(v) for k, v in results.items()}


def dump_scores(pred: Predictions, path: str | Path) -> None:
    """MMAction2's `--dump` layout: a pickled list of per-video score arrays, in dataset order."""
    with open(path, "wb") as f:
        pickle.dump([np.asarray(s, dtype=np.float32) for s in pred.scores], f)


def for_testing(model: nn.Module, cfg) -> nn.Module:
    """`model` as `cfg.test` runs it (test, benchmark): its view-chunk cap, then `for_inference` with
    `test.fuse` / `test.compile`."""
    if cfg.test.max_testing_views is not None:
        model.max_testing_views = cfg.test.max_testing_views
    return for_inference(model, fuse=cfg.test.fuse, compile=cfg.test.compile)


def predict_checkpoint(
    cfg,
    checkpoint: str | None,
    split: str = "test",
    precision: str | None = None,
    device: str | None = None,
    progress: bool = True,
) -> Predictions:
    """Build the model, load `checkpoint` (strictly), score `split` with its test protocol.

    `precision` overrides `test.precision`; the model runs as `for_inference` makes it (BatchNorm
    folded unless `test.fuse=False`, compiled with `test.compile=True`).
    """
    dist = distributed.setup(device)
    model = build_model(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, strict=True)
    model = for_testing(model, cfg).to(dist.device)
    precision = resolve_precision(precision or cfg.test.precision, dist.device)
    loader = build_eval_loader(cfg, split, dist)
    mode = cfg.test.average_clips
    average = ... if mode is None else (None if mode == "none" else mode)
    return predict(
        model, loader, dist.device, len(loader.dataset), average, precision, progress and dist.is_main, split
    )


def run_test(
    cfg,
    checkpoint: str | None,
    *,
    split: str = "test",
    dump: str | None = None,
    out: str | None = None,
    metrics: list[str] | None = None,
    precision: str | None = None,
    device: str | None = None,
    progress: bool = True,
) -> dict[str, float]:
    """`actionrec test`: the config's test protocol on `split`, metrics (+ confusion matrix) on rank 0."""
    pred = predict_checkpoint(cfg, checkpoint, split, precision, device, progress)
    results = compute_metrics(pred, metrics or cfg.test.metrics, cfg.test.topk)
    if distributed.is_main():
        work_dir = Path(cfg.work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
        if not cfg.data.multi_label and len(pred.scores):
            matrix = confusion_matrix(pred.scores.argmax(axis=1), np.asarray(pred.labels), cfg.data.num_classes)
            np.save(work_dir / "confusion_matrix.npy", matrix)
            _save_class_names(cfg, work_dir)
        if dump:
            dump_scores(pred, dump)
        summary = {**results, "num_samples": len(pred.scores), "missing": pred.missing, "checkpoint": checkpoint}
        if out:
            Path(out).write_text(json.dumps(summary, indent=2) + "\n")
    distributed.barrier()
    return results


def _save_class_names(cfg, work_dir: Path) -> None:
    if cfg.data.label_map and Path(cfg.data.label_map).is_file():
        names = load_label_map(cfg.data.label_map)
        (work_dir / "class_names.json").write_text(json.dumps(names))
