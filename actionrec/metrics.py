"""Recognition metrics with MMAction2's semantics (`mmaction/evaluation/functional/accuracy.py`).

Scores are `(N, K)` (NumPy, torch or a list of per-video rows); labels are class indices `(N,)`
or, for the multi-label metrics, multi-hot `(N, K)` rows or per-video index tuples.

Two MMAction2 details are kept on purpose:
- `mean_class_accuracy` averages over the classes that occur in the ground truth *or* the
  predictions; a class that is only ever predicted counts as accuracy 0 and lowers the mean.
  `strict=True` gives the textbook mean over ground-truth classes.
- AP is the step sum `-sum(diff(recall) * precision[:-1])` over distinct score thresholds,
  stopping at full recall; `mmit_mean_average_precision` averages it per video (MMiT),
  `mean_average_precision` per class, dropping classes without positives (HVU).

Ties in top-k: among equal scores the lower class index ranks first, consistently with
argmax (MMAction2 leaves the order to NumPy's unstable default argsort).

What a metric cannot mean raises `MetricError` naming the first offending video instead of being
cast or truncated: a scalar where one entry per video is expected, fractional labels (scores
passed as labels), labels outside `0..num_classes - 1`, multi-hot values other than 0/1, NaN or
infinite scores. Results carry MMAction2's names; `mAP` and `mmit_mAP` remain as aliases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from actionrec.errors import ActionrecError

METRIC_NAMES = ("top_k_accuracy", "mean_class_accuracy", "mmit_mean_average_precision", "mean_average_precision")
# The short result names of earlier versions, still accepted wherever a result is looked up by name.
METRIC_ALIASES = {"mmit_mAP": "mmit_mean_average_precision", "mAP": "mean_average_precision"}


class MetricError(ActionrecError, ValueError):
    """Scores or labels a metric cannot mean (wrong shape, non-integer or out-of-range labels, NaN scores)."""


def canonical_metric_name(name: str) -> str:
    """MMAction2's result name for ``name``: 'mAP' -> 'mean_average_precision', 'top1' -> 'top1'."""
    return METRIC_ALIASES.get(name, name)


class MetricResults(dict):
    """Metric values under MMAction2's result names (top1, top5, mean1, mmit_mean_average_precision,
    mean_average_precision); looking up a short alias (mmit_mAP, mAP) finds the same value."""

    def __getitem__(self, key: str) -> float:
        return super().__getitem__(canonical_metric_name(key))

    def __contains__(self, key: object) -> bool:
        return super().__contains__(canonical_metric_name(key) if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(canonical_metric_name(key), default)


def _numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().float().numpy() if x.is_floating_point() else x.detach().cpu().numpy()
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (np.ndarray, torch.Tensor)):
        return np.stack([_numpy(row) for row in x])
    return np.asarray(x)


def _scores(scores: Any) -> np.ndarray:
    scores = _numpy(scores)
    if scores.ndim != 2:
        raise MetricError(f"scores must be (num_videos, num_classes), got shape {scores.shape}")
    if scores.dtype.kind not in "fiu":
        raise MetricError(f"scores must be numbers, got dtype {scores.dtype}")
    finite = np.isfinite(scores)
    if not finite.all():
        video, column = np.argwhere(~finite)[0]
        raise MetricError(
            f"scores are not finite (video {video}, class {column}: {scores[video, column]}); "
            "a NaN would rank as neither higher nor lower than any score"
        )
    return scores


def _class_indices(labels: Any, num_classes: int | None, what: str = "label") -> np.ndarray:
    """A 1-D int64 array of class indices in ``0..num_classes - 1``, or an error naming the first bad one."""
    array = _numpy(labels)
    if array.ndim != 1:
        got = f"a scalar {labels!r}" if array.ndim == 0 else f"shape {array.shape}"
        raise MetricError(f"{what}s must be a 1-D sequence of class indices (one per video), got {got}")
    if array.dtype.kind == "b" or array.dtype.kind not in "fiu":
        raise MetricError(f"{what}s must be integer class indices, got dtype {array.dtype}")
    if array.dtype.kind == "f":
        fractional = np.flatnonzero(array != np.round(array))
        if fractional.size:
            video = int(fractional[0])
            raise MetricError(
                f"{what}s must be integer class indices, got {what} {array[video]} (video {video}); "
                "were scores passed as labels?"
            )
    indices = array.astype(np.int64)
    upper = np.inf if num_classes is None else num_classes
    outside = np.flatnonzero((indices < 0) | (indices >= upper))
    if outside.size:
        video = int(outside[0])
        bounds = "0 or more" if num_classes is None else f"0..{num_classes - 1} (num_classes={num_classes})"
        raise MetricError(f"{what} {indices[video]} (video {video}) is outside {bounds}")
    return indices


def _class_labels(labels: Any, num_videos: int, num_classes: int) -> np.ndarray:
    labels = _class_indices(labels, num_classes)
    if labels.shape[0] != num_videos:
        raise MetricError(f"{labels.shape[0]} labels for {num_videos} score rows")
    return labels


def _multi_hot(labels: Any, shape: tuple[int, int]) -> np.ndarray:
    """(N, K) 0/1 matrix from multi-hot rows, per-video index tuples, or single class indices."""
    num_videos, num_classes = shape
    if not hasattr(labels, "__len__") or isinstance(labels, (np.ndarray, torch.Tensor)) and labels.ndim == 0:
        raise MetricError(f"labels must be one entry per video, got a scalar {labels!r}")
    if len(labels) != num_videos:
        raise MetricError(f"{len(labels)} labels for {num_videos} score rows")
    if isinstance(labels, (list, tuple)) and labels and isinstance(labels[0], (tuple, int, np.integer)):
        hot = np.zeros(shape, dtype=np.int64)
        for row, label in enumerate(labels):
            for index in np.atleast_1d(np.asarray(label)).tolist():
                if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < num_classes:
                    raise MetricError(
                        f"label {index} (video {row}) is outside 0..{num_classes - 1} (num_classes={num_classes})"
                    )
                hot[row, index] = 1
        return hot
    labels = _numpy(labels)
    if labels.ndim == 1:
        hot = np.zeros(shape, dtype=np.int64)
        hot[np.arange(num_videos), _class_indices(labels, num_classes)] = 1
        return hot
    if labels.shape != shape:
        raise MetricError(f"multi-hot labels have shape {labels.shape}, scores {shape}")
    not_binary = np.argwhere((labels != 0) & (labels != 1))
    if not_binary.size:
        video, column = not_binary[0]
        raise MetricError(
            f"multi-hot labels must be 0 or 1, got {labels[video, column]} (video {video}, class {column}); "
            "were scores passed as labels?"
        )
    return labels.astype(np.int64)


def top_k_accuracy(scores: Any, labels: Any, topk: Sequence[int] = (1, 5)) -> list[float]:
    """Fraction of videos whose label is among the k best-scored classes, for each k."""
    scores = _scores(scores)
    labels = _class_labels(labels, len(scores), scores.shape[1])
    label_score = scores[np.arange(len(scores)), labels][:, None]
    classes = np.arange(scores.shape[1])
    # rank of the label = classes scored higher + equal-scored classes with a lower index
    rank = (scores > label_score).sum(1) + ((scores == label_score) & (classes < labels[:, None])).sum(1)
    return [float((rank < k).mean()) for k in topk]


def confusion_matrix(
    pred_labels: Any, true_labels: Any, num_classes: int | None = None, normalize: str | None = None
) -> np.ndarray:
    """Counts `(K, K)`: row = true class, column = predicted class (K = num_classes or max label + 1).

    ``normalize`` as MMAction2's: 'true' divides each row by its sum (recall per class), 'pred' each
    column (precision per class), 'all' by the total; an empty row or column gives 0, not NaN.
    """
    if normalize not in ("true", "pred", "all", None):
        raise MetricError(f"normalize must be one of 'true', 'pred', 'all' or None, got {normalize!r}")
    pred = _class_indices(pred_labels, num_classes, "predicted label")
    true = _class_indices(true_labels, num_classes, "true label")
    if pred.shape != true.shape:
        raise MetricError(f"{pred.size} predictions for {true.size} labels")
    if num_classes is None:
        num_classes = int(max(pred.max(initial=-1), true.max(initial=-1))) + 1
    matrix = np.bincount(true * num_classes + pred, minlength=num_classes**2).reshape(num_classes, num_classes)
    if normalize is None:
        return matrix
    total = {"true": matrix.sum(1, keepdims=True), "pred": matrix.sum(0, keepdims=True), "all": matrix.sum()}
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(matrix / total[normalize])


def mean_class_accuracy(scores: Any, labels: Any, strict: bool = False) -> float:
    """Mean over classes of per-class top-1 accuracy (see the module note on `strict`)."""
    scores = _scores(scores)
    labels = _class_labels(labels, len(scores), scores.shape[1])
    matrix = confusion_matrix(scores.argmax(1), labels, num_classes=scores.shape[1])
    count = matrix.sum(1)
    present = count > 0 if strict else (count > 0) | (matrix.sum(0) > 0)
    per_class = np.divide(np.diag(matrix), count, out=np.zeros(len(count)), where=count > 0)
    return float(per_class[present].mean())


def binary_precision_recall_curve(y_score: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at each distinct score threshold, as sklearn and MMAction2 give them.

    Thresholds go from high to low until full recall is reached; the outputs are reversed (recall
    decreasing) and end with the point (precision 1, recall 0).
    """
    y_score = _numpy(y_score).reshape(-1)
    y_true = _numpy(y_true).reshape(-1) == 1
    order = np.argsort(-y_score, kind="stable")
    y_score, y_true = y_score[order], y_true[order]
    threshold_idx = np.r_[np.flatnonzero(np.diff(y_score)), y_score.size - 1]
    tps = np.cumsum(y_true)[threshold_idx]
    precision = tps / (threshold_idx + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = tps / tps[-1]
    last = tps.searchsorted(tps[-1])
    reverse = slice(last, None, -1)
    return np.r_[precision[reverse], 1], np.r_[recall[reverse], 0], y_score[threshold_idx][reverse]


def average_precision(y_score: Any, y_true: Any) -> float:
    """AP of one ranking: `-sum(diff(recall) * precision[:-1])`; NaN without positives."""
    precision, recall, _ = binary_precision_recall_curve(y_score, y_true)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def _row_average_precisions(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """AP of every row at once (the same step sum, vectorised): `(M, L) -> (M,)`.

    Summed over thresholds, (new true positives / positives) * precision is the mean over the
    positives of the precision at the end of each positive's group of tied scores, i.e.
    (positives scored >= it) / (items scored >= it). Only the positives need visiting.
    """
    num_rows, length = scores.shape
    order = np.argsort(-scores, axis=1)  # tie order is irrelevant: ties are grouped
    ranked = np.take_along_axis(scores, order, axis=1)
    hits = np.take_along_axis(truth == 1, order, axis=1)
    group_end = np.ones_like(hits)
    group_end[:, :-1] = ranked[:, 1:] != ranked[:, :-1]
    ends = np.flatnonzero(group_end)  # flat positions, row-major, so sorted
    positives = np.flatnonzero(hits)
    row = positives // length
    row_start = row * length
    end = ends[np.searchsorted(ends, positives)]  # last position tied with each positive
    true_up_to_end = np.searchsorted(positives, end, side="right") - np.searchsorted(positives, row_start)
    precision = true_up_to_end / (end - row_start + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(row, precision, num_rows) / np.bincount(row, minlength=num_rows)


def mmit_mean_average_precision(scores: Any, labels: Any) -> float:
    """Per-video AP over classes, averaged over videos (MMiT). NaN if a video has no positive."""
    scores = _scores(scores)
    return float(_row_average_precisions(scores, _multi_hot(labels, scores.shape)).mean())


def mean_average_precision(scores: Any, labels: Any) -> float:
    """Per-class AP over videos, averaged over classes that have a positive (HVU)."""
    scores = _scores(scores)
    truth = _multi_hot(labels, scores.shape)
    aps = _row_average_precisions(np.ascontiguousarray(scores.T), np.ascontiguousarray(truth.T))
    aps = aps[~np.isnan(aps)]
    return float(aps.mean()) if aps.size else float("nan")


def evaluate(
    scores: Any,
    labels: Any,
    metrics: Sequence[str] = ("top_k_accuracy", "mean_class_accuracy"),
    topk: Sequence[int] = (1, 5),
) -> MetricResults:
    """The named metrics under MMAction2's result names: top1, top5, mean1, mmit_mean_average_precision,
    mean_average_precision (the short names mmit_mAP and mAP look up the same values)."""
    unknown = [m for m in metrics if m not in METRIC_NAMES]
    if unknown:
        raise MetricError(f"unknown metric(s) {unknown}; choose from {list(METRIC_NAMES)}")
    results = MetricResults()
    for metric in metrics:
        if metric == "top_k_accuracy":
            results.update({f"top{k}": acc for k, acc in zip(topk, top_k_accuracy(scores, labels, topk))})
        elif metric == "mean_class_accuracy":
            results["mean1"] = mean_class_accuracy(scores, labels)
        elif metric == "mmit_mean_average_precision":
            results[metric] = mmit_mean_average_precision(scores, labels)
        else:
            results[metric] = mean_average_precision(scores, labels)
    return results
