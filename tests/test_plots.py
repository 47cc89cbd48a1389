"""`actionrec plot`: PNGs from the JSON-lines logs and the saved confusion matrix."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actionrec.cli import main
from actionrec.engine.logging import RunLogger, read_runs
from actionrec.plots import plot_work_dir

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fake_run(work_dir, start=0, stop=40, lr=0.1):
    logger = RunLogger(work_dir, tensorboard=False)
    for it in range(start, stop):
        logger.log("train", it // 10 + 1, it + 1, loss=2.0 / (1 + 0.1 * it), lr=lr * (0.1 if it >= 20 else 1.0))
        if (it + 1) % 10 == 0:
            logger.log("val", (it + 1) // 10, it + 1, top1=min(1.0, 0.2 * (it + 1) / 10), mean1=0.15 * (it + 1) / 10)
    logger.close()


def test_read_runs_merges_a_resumed_run(tmp_path):
    fake_run(tmp_path, 0, 25)
    import time

    time.sleep(1.1)  # the second run file sorts after the first
    fake_run(tmp_path, 20, 40, lr=0.05)  # resumed from iteration 20: its records win
    records = read_runs(tmp_path)
    train = [r for r in records if r["mode"] == "train"]
    assert [r["iteration"] for r in train] == list(range(1, 41))
    assert train[19]["lr"] == pytest.approx(0.1) and train[20]["lr"] == pytest.approx(0.005)


def test_plot_writes_curves_and_confusion_matrix(tmp_path, capsys):
    fake_run(tmp_path)
    np.save(tmp_path / "confusion_matrix.npy", np.array([[5, 1, 0], [2, 3, 1], [0, 0, 6]]))
    (tmp_path / "class_names.json").write_text(json.dumps(["walk", "run", "jump"]))
    assert main(["plot", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    names = sorted(p.rsplit("/", 1)[1] for p in printed)
    assert names == ["accuracy.png", "confusion_matrix.png", "loss.png", "lr.png"]
    for name in names:
        data = (tmp_path / "plots" / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000


def test_plot_without_data_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to plot"):
        plot_work_dir(tmp_path)
