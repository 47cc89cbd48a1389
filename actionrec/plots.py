"""PNG plots: a training run's loss, validation accuracy, learning rate and confusion matrix; a long video's timeline.

Reads the JSON-lines logs the trainer writes (work_dir/runs/*.jsonl) and the confusion matrix
`actionrec test` saves (work_dir/confusion_matrix.npy, with class names if a label map is known).
`plot_timeline` draws windowed recognition (`actionrec recognize --window --timeline`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .engine.logging import read_runs


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(records: list[dict], mode: str, key: str) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for r in records:
        if r["mode"] == mode and isinstance(r.get(key), (int, float)):
            xs.append(r["iteration"])
            ys.append(r[key])
    return xs, ys


def plot_curves(records: list[dict], out_dir: Path) -> list[Path]:
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    written = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    xs, ys = _series(records, "train", "loss")
    if xs:
        fig, ax = plt.subplots(figsize=(6.4, 4))
        ax.plot(xs, ys, lw=1, alpha=0.5, label="loss (logged)")
        if len(ys) >= 5:
            k = max(2, len(ys) // 20)
            smooth = np.convolve(ys, np.ones(k) / k, mode="valid")
            ax.plot(xs[k - 1 :], smooth, lw=2, label=f"moving mean ({k})")
        ax.set(xlabel="iteration", ylabel="training loss", title="Training loss")
        ax.grid(alpha=0.3)
        ax.legend()
        save(fig, "loss.png")

    val_keys = sorted(
        {
            k
            for r in records
            if r["mode"] == "val"
            for k, v in r.items()
            if k not in ("mode", "epoch", "iteration", "time") and isinstance(v, (int, float))
        }
    )
    if val_keys:
        fig, ax = plt.subplots(figsize=(6.4, 4))
        for key in val_keys:
            vx, vy = _series(records, "val", key)
            epochs = [r["epoch"] for r in records if r["mode"] == "val" and key in r]
            ax.plot(epochs, [100 * v for v in vy], marker="o", label=key)
        ax.set(xlabel="epoch", ylabel="%", title="Validation metrics", ylim=(0, 100))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
        save(fig, "accuracy.png")

    xs, ys = _series(records, "train", "lr")
    if xs:
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        ax.plot(xs, ys, lw=1.5)
        ax.set(xlabel="iteration", ylabel="learning rate", title="Learning rate")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        ax.grid(alpha=0.3)
        save(fig, "lr.png")
    return written


def plot_confusion_matrix(matrix: np.ndarray, class_names: list[str] | None, path: Path) -> Path:
    """Row-normalised confusion matrix (row = true class), counts written in the cells when few."""
    plt = _pyplot()
    k = matrix.shape[0]
    names = class_names if class_names and len(class_names) == k else [str(i) for i in range(k)]
    rows = matrix.sum(axis=1, keepdims=True)
    norm = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=float), where=rows > 0)
    size = min(4 + 0.45 * k, 24)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    if k <= 40:
        ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(k), names, fontsize=8)
        for i in range(k):
            for j in range(k):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        int(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if norm[i, j] > 0.5 else "black",
                    )
    ax.set(xlabel="predicted class", ylabel="true class", title="Confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_work_dir(work_dir: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Every plot the work dir has data for; returns the PNG paths."""
    work_dir = Path(work_dir)
    out = Path(out_dir) if out_dir else work_dir / "plots"
    out.mkdir(parents=True, exist_ok=True)
    written = plot_curves(read_runs(work_dir), out)
    matrix_path = work_dir / "confusion_matrix.npy"
    if matrix_path.is_file():
        names_path = work_dir / "class_names.json"
        names = json.loads(names_path.read_text()) if names_path.is_file() else None
        written.append(plot_confusion_matrix(np.load(matrix_path), names, out / "confusion_matrix.png"))
    if not written:
        raise FileNotFoundError(f"{work_dir}: nothing to plot (no runs/*.jsonl, no confusion_matrix.npy)")
    return written


def plot_timeline(windows: Sequence, path: str | Path, classes: int = 5, title: str | None = None) -> Path:
    """Probability over time of the `classes` classes with the highest probability in any window.

    `windows`: results with `start`, `end` (seconds), `scores` and `labels` (`Recognition`s of
    one video, in time order). Each window is one point at its centre; under the curves, a strip
    shows every window's extent as a bar (overlapping windows in separate rows), and the
    windows' edges are faint vertical lines across both.
    """
    if not windows:
        raise ValueError(f"{path}: no windows to plot")
    plt = _pyplot()
    scores = np.stack([np.asarray(w.scores, dtype=float) for w in windows])
    labels = list(windows[0].labels)
    top = np.argsort(-scores.max(axis=0), kind="stable")[:classes]
    rows: list[int] = []
    row_ends: list[float] = []  # each window goes in the first row free at its start
    for w in windows:
        row = next((r for r, end in enumerate(row_ends) if end <= w.start + 1e-6), len(row_ends))
        if row == len(row_ends):
            row_ends.append(w.end)
        row_ends[row] = w.end
        rows.append(row)
    fig, (ax, strip) = plt.subplots(
        2, 1, figsize=(8, 3.4 + 0.15 * len(row_ends)), sharex=True, height_ratios=[5, 0.6 + 0.3 * len(row_ends)]
    )
    for edge in sorted({t for w in windows for t in (w.start, w.end)}):
        for axis in (ax, strip):
            axis.axvline(edge, color="0.85", lw=0.8, zorder=0)
    centres = [(w.start + w.end) / 2 for w in windows]
    for k in top:
        ax.plot(centres, scores[:, k], marker="o", ms=3, lw=1.5, label=labels[k])
    ax.set(ylabel="probability", title=title or "Top classes over time", ylim=(0, 1.02))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    for w, row in zip(windows, rows):
        strip.broken_barh([(w.start, w.end - w.start)], (row + 0.15, 0.7), color="0.6", edgecolor="white")
    strip.set(
        xlabel="time (s)",
        ylim=(len(row_ends), 0),
        yticks=[],
        xlim=(windows[0].start, max(w.end for w in windows)),
    )
    strip.set_ylabel("windows", rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
