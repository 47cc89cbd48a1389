"""Two-stream score fusion and `actionrec fuse` on hand-made score files."""

import argparse
import math
import os
import pickle

import numpy as np
import pytest
import torch

from actionrec.checkpoints import UnsafeCheckpointError
from actionrec.cli import main
from actionrec.commands import fuse as fuse_command
from actionrec.fusion import fuse_and_evaluate, fuse_scores, load_labels, load_scores

RGB = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])
FLOW = np.array([[2.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 4.0]])
LABELS = [0, 1, 2]
# 1:1 sum = [[3, 2, 0], [1, 1, 3], [2, 0, 5]] -> argmax [0, 2, 2]
# top1: videos 0 and 2 -> 2/3; top5 (3 classes) -> 1
# mean class: class 0 1/1, class 1 0/1, class 2 1/1 -> 2/3


def test_weighted_sum_by_hand():
    np.testing.assert_array_equal(fuse_scores([RGB, FLOW], [1, 1]), [[3, 2, 0], [1, 1, 3], [2, 0, 5]])
    np.testing.assert_array_equal(fuse_scores([RGB, FLOW], [0.5, 2]), [[4.5, 1, 0], [2, 0.5, 1.5], [1, 0, 8.5]])


def test_softmax_before_fusion_by_hand():
    ln3 = math.log(3)
    rgb = np.array([[0.0, ln3], [0.0, 0.0]])  # softmax rows: [1/4, 3/4], [1/2, 1/2]
    flow = np.array([[ln3, 0.0], [0.0, ln3]])  # softmax rows: [3/4, 1/4], [1/4, 3/4]
    np.testing.assert_allclose(fuse_scores([rgb, flow], [1, 1], apply_softmax=True), [[1, 1], [0.75, 1.25]])
    np.testing.assert_allclose(fuse_scores([rgb, flow], [1, 1]), [[ln3, ln3], [0, ln3]])


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match="differ in shape"):
        fuse_scores([RGB, FLOW[:2]], [1, 1])
    with pytest.raises(ValueError, match="2 score arrays but 3 coefficients"):
        fuse_scores([RGB, FLOW], [1, 1, 1])


def _write_formats(tmp_path):
    """RGB as MMAction2 0.x `--out` (a pickled list of arrays); flow as .npy."""
    rgb = tmp_path / "rgb.pkl"
    rgb.write_bytes(pickle.dumps(list(RGB)))
    flow = tmp_path / "flow.npy"
    np.save(flow, FLOW)
    return rgb, flow


def test_score_file_formats(tmp_path):
    rgb, flow = _write_formats(tmp_path)
    array_pickle = tmp_path / "array.pkl"
    array_pickle.write_bytes(pickle.dumps(RGB))
    tensor_file = tmp_path / "scores.pt"
    torch.save(torch.from_numpy(FLOW).float(), tensor_file)
    for path, expected in [(rgb, RGB), (flow, FLOW), (array_pickle, RGB), (tensor_file, FLOW)]:
        scores, labels = load_scores(path)
        np.testing.assert_array_equal(scores, expected)
        assert labels is None


def test_mmaction2_1x_dump_carries_labels(tmp_path):
    dump = tmp_path / "dump.pkl"
    samples = [
        {"pred_score": torch.tensor(row, dtype=torch.float32), "gt_label": torch.tensor([label]), "index": i}
        for i, (row, label) in enumerate(zip(RGB, LABELS))
    ]
    dump.write_bytes(pickle.dumps(samples))
    scores, labels = load_scores(dump)
    np.testing.assert_array_equal(scores, RGB)
    assert labels == LABELS
    flow = tmp_path / "flow.npy"
    np.save(flow, FLOW)
    fused, results = fuse_and_evaluate([dump, flow], [1, 1])
    assert results == {"mean1": pytest.approx(2 / 3), "top1": pytest.approx(2 / 3), "top5": 1.0}


def _run_cli(argv):
    parser = argparse.ArgumentParser()
    fuse_command.register(parser.add_subparsers())
    args = parser.parse_args(["fuse", *argv])
    return args.func(args)


def test_cli_two_stream_with_annotation_list(tmp_path, capsys):
    rgb, flow = _write_formats(tmp_path)
    annotations = tmp_path / "val_list_videos.txt"
    annotations.write_text("a.mp4 0\nb.mp4 1\nc.mp4 2\n")
    out = tmp_path / "fused.npy"
    rc = _run_cli([str(rgb), str(flow), "--coefficients", "1", "1", "--labels", str(annotations), "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Mean Class Accuracy: 0.6667" in printed
    assert "Top 1 Accuracy: 0.6667" in printed and "Top 5 Accuracy: 1.0000" in printed
    np.testing.assert_array_equal(np.load(out), [[3, 2, 0], [1, 1, 3], [2, 0, 5]])


def test_cli_labels_from_npy_and_rawframe_lists(tmp_path, capsys):
    rgb, flow = _write_formats(tmp_path)
    # coefficients 1:0 -> RGB alone: argmax [1, 2, 0] vs [0, 1, 2]: top1 0, mean class 0;
    # top-5 is 1 with three classes
    labels = tmp_path / "labels.npy"
    np.save(labels, np.array(LABELS))
    assert _run_cli([str(rgb), str(flow), "--coefficients", "1", "0", "--labels", str(labels)]) == 0
    assert "Top 1 Accuracy: 0.0000" in capsys.readouterr().out
    rawframes = tmp_path / "val_list_rawframes.txt"
    rawframes.write_text("a 300 0\nb 250 1\nc 120 2\n")
    assert load_labels(rawframes, annotation_format="rawframe") == LABELS


def test_cli_multi_label_mmit_map(tmp_path, capsys):
    scores = tmp_path / "scores.npy"
    np.save(scores, np.array([[0.9, 0.1, 0.5], [0.2, 0.6, 0.4]]))
    annotations = tmp_path / "mmit_val.txt"
    annotations.write_text("a.mp4 0 2\nb.mp4 2\n")
    # video 0: positives ranked 1st and 2nd -> AP 1; video 1: 0.6(-) 0.4(+) -> AP 1/2; mean 0.75
    assert _run_cli([str(scores), "--multi-label", "--labels", str(annotations)]) == 0
    assert "MMiT Average Precision: 0.7500" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    rgb, flow = _write_formats(tmp_path)
    assert main(["fuse", str(rgb), str(flow)]) == 2  # no labels anywhere
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "carries no labels" in err and err.count("\n") == 1
    short = tmp_path / "short.txt"
    short.write_text("a.mp4 0\n")
    assert main(["fuse", str(rgb), str(flow), "--labels", str(short)]) == 2
    assert capsys.readouterr().err == "error: 1 labels for 3 videos in the score files\n"
    assert main(["fuse", str(tmp_path / "absent.npy"), "--labels", str(short)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "absent.npy" in err and "Traceback" not in err


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_score_pickle_is_refused(tmp_path):
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps([np.zeros(3), _RunsShell(marker)]))
    with pytest.raises(UnsafeCheckpointError, match="system"):
        load_scores(evil)
    assert not marker.exists()
