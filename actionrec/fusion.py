"""Late fusion of score files, as MMAction2's `tools/analysis_tools/report_accuracy.py`.

Two-stream TSN is evaluated by adding the RGB and flow scores of each video with coefficients
(1:1 in the zoo, on raw scores: "without applying softmax"), optionally softmaxing each file's
scores first, and computing the usual metrics on the sum. Note that MMAction2 1.x dumps are
already softmaxed when the model used `average_clips='prob'`.

Score files: `.npy` `(N, K)`; `.pkl` holding an `(N, K)` array, a list of per-video arrays
(MMAction2 0.x `--out`) or a list of dicts with 'pred_score' and 'gt_label' (1.x `--dump`);
`.pt`/`.pth` holding the same as tensors. Pickles go through the restricted unpickler
(`actionrec.checkpoints.io`), never plain `pickle.load`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from actionrec.checkpoints.io import Placeholder, read_checkpoint, read_pickle
from actionrec.data.annotations import AnnotationError, load_json_list, load_rawframe_list, load_video_list
from actionrec.errors import ActionrecError
from actionrec.metrics import evaluate


class FusionError(ActionrecError, ValueError):
    """Score files or labels that cannot be fused (shapes, counts, formats); names the file."""


Labels = np.ndarray | list  # (N,) class indices, (N, K) multi-hot, or per-video index tuples


def _array(value: Any, where: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().float().numpy()
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value
    raise FusionError(f"{where}: expected a score array, got {value!r:.80}")


def _dump_label(value: Any, where: str) -> int | np.ndarray:
    """A 1.x dump's 'gt_label': one class index, or a multi-hot row (as MMAction2's AccMetric)."""
    label = _array(value, where).reshape(-1)
    return int(label[0]) if label.size == 1 else label


def load_scores(path: str | os.PathLike) -> tuple[np.ndarray, Labels | None]:
    """`(N, K)` float scores from a score file, and the labels when the file carries them."""
    path = Path(path)
    if path.suffix == ".npy":
        try:
            obj: Any = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise FusionError(f"{path}: not a plain numeric .npy array ({e})") from e
    elif path.suffix in (".pt", ".pth"):
        obj = read_checkpoint(path)
    else:
        obj = read_pickle(path)
    labels = None
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], dict) and not isinstance(obj[0], Placeholder):
        if any("pred_score" not in sample for sample in obj):
            raise FusionError(f"{path}: a list of dicts without 'pred_score' in every entry (MMAction2 --dump format)")
        if all("gt_label" in sample for sample in obj):
            labels = [_dump_label(sample["gt_label"], f"{path}: entry {i} 'gt_label'") for i, sample in enumerate(obj)]
        obj = [sample["pred_score"] for sample in obj]
    if isinstance(obj, (list, tuple)):
        if not obj:
            raise FusionError(f"{path}: holds an empty list, expected per-video scores")
        scores = np.stack([_array(row, f"{path}: entry {i}").reshape(-1) for i, row in enumerate(obj)])
    else:
        scores = _array(obj, str(path))
    if scores.ndim != 2:
        raise FusionError(f"{path}: scores have shape {scores.shape}, expected (num_videos, num_classes)")
    if isinstance(labels, list) and labels and isinstance(labels[0], np.ndarray):
        labels = np.stack(labels)
    return scores.astype(np.float64), labels


def load_labels(
    path: str | os.PathLike, multi_label: bool = False, annotation_format: str = "video", delimiter: str = " "
) -> Labels:
    """Ground truth from a `.npy` array or an annotation list ('video', 'rawframe' or 'json')."""
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".json":
        annotation_format = "json"
    if annotation_format == "json":
        samples = load_json_list(path, multi_label=multi_label)
    elif annotation_format == "rawframe":
        samples = load_rawframe_list(path, delimiter=delimiter, multi_label=multi_label)
    elif annotation_format == "video":
        samples = load_video_list(path, delimiter=delimiter, multi_label=multi_label)
    else:
        raise FusionError(f"annotation_format must be 'video', 'rawframe' or 'json', got {annotation_format!r}")
    unlabelled = [i for i, s in enumerate(samples) if s.label == -1]
    if unlabelled:
        raise AnnotationError(f"{path}: entry {unlabelled[0]} (and {len(unlabelled) - 1} more) has no label")
    return [s.label for s in samples]


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def fuse_scores(
    score_list: Sequence[np.ndarray], coefficients: Sequence[float], apply_softmax: bool = False
) -> np.ndarray:
    """`sum_i coefficients[i] * scores[i]` (each softmaxed first with `apply_softmax`)."""
    if len(score_list) != len(coefficients):
        raise FusionError(f"{len(score_list)} score arrays but {len(coefficients)} coefficients")
    shapes = {np.shape(s) for s in score_list}
    if len(shapes) != 1:
        raise FusionError(
            f"score arrays differ in shape: {sorted(shapes)}; they must cover the same videos and classes"
        )
    fused = np.zeros(shapes.pop(), dtype=np.float64)
    for scores, coefficient in zip(score_list, coefficients):
        fused += coefficient * (softmax(scores) if apply_softmax else scores)
    return fused


def fuse_and_evaluate(
    paths: Sequence[str | os.PathLike],
    coefficients: Sequence[float],
    labels: Labels | None = None,
    apply_softmax: bool = False,
    multi_label: bool = False,
) -> tuple[np.ndarray, dict[str, float]]:
    """Fused scores of the files and their metrics: mean1/top1/top5, or mmit_mAP with `multi_label`.

    Without `labels`, the labels stored in the first file (a 1.x dump) are used.
    """
    loaded = [load_scores(p) for p in paths]
    if labels is None:
        labels = loaded[0][1]
        if labels is None:
            raise FusionError(f"{paths[0]} carries no labels; pass labels (an annotation list or .npy)")
    fused = fuse_scores([scores for scores, _ in loaded], coefficients, apply_softmax)
    if len(labels) != len(fused):
        raise FusionError(f"{len(labels)} labels for {len(fused)} videos in the score files")
    metrics = ("mmit_mean_average_precision",) if multi_label else ("mean_class_accuracy", "top_k_accuracy")
    return fused, evaluate(fused, labels, metrics=metrics, topk=(1, 5))
