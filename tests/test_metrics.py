"""Metrics against small cases worked out by hand (the arithmetic is in the comments)."""

import math

import numpy as np
import pytest
import torch

from actionrec.metrics import (
    average_precision,
    binary_precision_recall_curve,
    confusion_matrix,
    evaluate,
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)

# Four videos, three classes.
TOPK_SCORES = np.array(
    [
        [0.1, 0.5, 0.4],  # label 2: class 1 scores higher -> rank 1 (top-2 hit)
        [0.7, 0.2, 0.1],  # label 0: best -> rank 0
        [0.3, 0.3, 0.4],  # label 1: class 2 higher, class 0 ties with a lower index -> rank 2
        [0.2, 0.2, 0.6],  # label 0: class 2 higher, class 1 ties with a higher index -> rank 1
    ]
)
TOPK_LABELS = [2, 0, 1, 0]


def test_top_k_accuracy_by_hand_with_ties():
    # ranks [1, 0, 2, 1]: top1 = 1/4, top2 = 3/4, top3 = 4/4
    assert top_k_accuracy(TOPK_SCORES, TOPK_LABELS, topk=(1, 2, 3)) == [0.25, 0.75, 1.0]


def test_top_k_accuracy_tie_rule_matches_argmax():
    # all scores equal: argmax says class 0, so only label 0 is a top-1 hit
    scores = np.zeros((3, 4))
    assert top_k_accuracy(scores, [0, 1, 3], topk=(1, 2, 4)) == [1 / 3, 2 / 3, 1.0]


def test_top_k_accepts_torch_and_lists_of_rows():
    as_torch = top_k_accuracy(torch.tensor(TOPK_SCORES, dtype=torch.float64), torch.tensor(TOPK_LABELS), (1, 2))
    as_rows = top_k_accuracy(list(TOPK_SCORES), TOPK_LABELS, (1, 2))
    assert as_torch == as_rows == [0.25, 0.75]


# Labels [0, 0, 1, 1]; argmax predictions [0, 2, 1, 0]; class 2 is predicted but never true,
# class 3 is neither.
MCA_SCORES = np.array(
    [
        [0.9, 0.0, 0.1, 0.0],
        [0.1, 0.2, 0.7, 0.0],
        [0.1, 0.8, 0.1, 0.0],
        [0.6, 0.3, 0.1, 0.0],
    ]
)
MCA_LABELS = [0, 0, 1, 1]


def test_confusion_matrix_rows_true_columns_predicted():
    # (true 0, pred 0), (true 0, pred 2), (true 1, pred 1), (true 1, pred 0)
    expected = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(confusion_matrix([0, 2, 1, 0], MCA_LABELS, num_classes=4), expected)
    # without num_classes: max label + 1 = 3
    np.testing.assert_array_equal(confusion_matrix([0, 2, 1, 0], MCA_LABELS), expected[:3, :3])


def test_mean_class_accuracy_mmaction2_quirk_and_strict():
    # class 0: 1 hit of 2 = 0.5; class 1: 1 of 2 = 0.5; class 2 predicted only: 0.
    # MMAction2 averages over {0, 1, 2}: (0.5 + 0.5 + 0) / 3 = 1/3; class 3 takes no part.
    assert mean_class_accuracy(MCA_SCORES, MCA_LABELS) == pytest.approx(1 / 3)
    # strict: ground-truth classes only, (0.5 + 0.5) / 2
    assert mean_class_accuracy(MCA_SCORES, MCA_LABELS, strict=True) == pytest.approx(0.5)


def test_mean_class_accuracy_differs_from_overall_accuracy():
    # labels [0, 0, 0, 1], all predicted 0: class 0 = 3/3, class 1 = 0/1 -> mean 0.5 (overall 0.75)
    scores = np.array([[1.0, 0.0]] * 4)
    assert mean_class_accuracy(scores, [0, 0, 0, 1]) == pytest.approx(0.5)


def test_precision_recall_curve_by_hand():
    # sorted by score: 0.9(+) 0.8(-) 0.8(+) 0.3(-) 0.1(+); thresholds 0.9, 0.8, 0.3, 0.1
    # true positives 1, 2, 2, 3 of 1, 3, 4, 5 items -> precision 1, 2/3, 1/2, 3/5; recall 1/3, 2/3, 2/3, 1
    # reversed from full recall, plus the (1, 0) end point:
    precision, recall, thresholds = binary_precision_recall_curve(
        np.array([0.9, 0.8, 0.8, 0.3, 0.1]), np.array([1, 0, 1, 0, 1])
    )
    np.testing.assert_allclose(precision, [3 / 5, 1 / 2, 2 / 3, 1, 1])
    np.testing.assert_allclose(recall, [1, 2 / 3, 2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(thresholds, [0.1, 0.3, 0.8, 0.9])


def test_precision_recall_curve_stops_at_full_recall():
    # 0.9(+) 0.5(+) 0.2(-): full recall at 0.5, the 0.2 threshold is dropped
    precision, recall, thresholds = binary_precision_recall_curve(np.array([0.2, 0.9, 0.5]), np.array([0, 1, 1]))
    np.testing.assert_allclose(precision, [1, 1, 1])
    np.testing.assert_allclose(recall, [1, 0.5, 0])
    np.testing.assert_allclose(thresholds, [0.5, 0.9])


def test_average_precision_by_hand():
    # -sum(diff(recall) * precision[:-1]) with the curve above:
    # diff(recall) = [-1/3, 0, -1/3, -1/3] -> 1/3 * (3/5 + 2/3 + 1) = 34/45
    assert average_precision(np.array([0.9, 0.8, 0.8, 0.3, 0.1]), np.array([1, 0, 1, 0, 1])) == pytest.approx(34 / 45)
    assert math.isnan(average_precision(np.array([0.3, 0.1]), np.array([0, 0])))  # no positive


# Four videos x three classes for the two multi-label mAPs.
MAP_SCORES = np.array(
    [
        [0.2, 0.5, 0.3],
        [0.8, 0.5, 0.0],
        [0.4, 0.1, 0.7],
        [0.6, 0.9, 0.2],
    ]
)
MAP_LABELS = np.array(
    [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
    ]
)


def test_mmit_map_is_per_video_by_hand():
    # video 0: 0.5(-) 0.3(-) 0.2(+) -> AP 1/3;  video 1: 0.8(-) 0.5(+) -> 1/2
    # video 2: 0.7(+) first -> 1;               video 3: 0.9(-) 0.6(+) -> 1/2
    # mean = (1/3 + 1/2 + 1 + 1/2) / 4 = 7/12
    assert mmit_mean_average_precision(MAP_SCORES, MAP_LABELS) == pytest.approx(7 / 12)


def test_mean_average_precision_is_per_class_by_hand():
    # class 0: 0.8(-) 0.6(+) 0.4(-) 0.2(+) -> precision at the positives 1/2, 2/4 -> AP 1/2
    # class 1: 0.9(-) then 0.5, 0.5 tied (one +, one -) -> one threshold: 1 positive of 3 -> AP 1/3
    # class 2: 0.7(+) first -> AP 1;   mean = (1/2 + 1/3 + 1) / 3 = 11/18
    assert mean_average_precision(MAP_SCORES, MAP_LABELS) == pytest.approx(11 / 18)


def test_vectorised_aps_agree_with_the_curve_formula():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, (7, 9)).astype(float)  # many ties
    labels = (rng.random((7, 9)) < 0.4).astype(int)
    labels[:, 0] = 1  # every video has a positive
    per_video = [average_precision(s, t) for s, t in zip(scores, labels)]
    assert mmit_mean_average_precision(scores, labels) == pytest.approx(np.mean(per_video))
    per_class = [average_precision(s, t) for s, t in zip(scores.T, labels.T)]
    assert mean_average_precision(scores, labels) == pytest.approx(np.nanmean(per_class))


def test_map_nan_handling():
    # a class without positives is dropped: class 1 never true -> mean of class 0 (AP 1) and class 2 (AP 1)
    scores = np.array([[0.9, 0.1, 0.2], [0.1, 0.9, 0.8]])
    labels = np.array([[1, 0, 0], [0, 0, 1]])
    assert mean_average_precision(scores, labels) == pytest.approx(1.0)
    # a video without positives makes MMiT mAP NaN, as in MMAction2 (np.mean over a NaN)
    assert math.isnan(mmit_mean_average_precision(scores, np.array([[1, 0, 0], [0, 0, 0]])))
    assert math.isnan(mean_average_precision(scores, np.zeros((2, 3), dtype=int)))


def test_multi_label_as_index_tuples():
    # the same labels as MAP_LABELS, written as per-video index tuples
    assert mmit_mean_average_precision(MAP_SCORES, [(0,), (1,), (2,), (0,)]) == pytest.approx(7 / 12)


def test_evaluate_names():
    # top-k from the ranks above (top5 with 3 classes is 1); mean1: argmax [1, 0, 2, 2] vs
    # labels [2, 0, 1, 0]: class 0: 1/2, class 1: 0/1, class 2: 0/1 -> 1/6
    results = evaluate(TOPK_SCORES, TOPK_LABELS)
    assert list(results) == ["top1", "top5", "mean1"]
    assert results == {"top1": 0.25, "top5": 1.0, "mean1": pytest.approx(1 / 6)}
    maps = evaluate(MAP_SCORES, MAP_LABELS, metrics=("mmit_mean_average_precision", "mean_average_precision"))
    # MMAction2's result names (AccMetric), the short names of earlier versions as aliases
    assert maps == {
        "mmit_mean_average_precision": pytest.approx(7 / 12),
        "mean_average_precision": pytest.approx(11 / 18),
    }
    assert maps["mmit_mAP"] == maps["mmit_mean_average_precision"] and maps.get("mAP") == pytest.approx(11 / 18)
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate(TOPK_SCORES, TOPK_LABELS, metrics=("top1",))


def test_bad_shapes_are_reported():
    with pytest.raises(ValueError, match="3 labels for 4 score rows"):
        top_k_accuracy(TOPK_SCORES, [0, 1, 2])
    with pytest.raises(ValueError, match=r"\(num_videos, num_classes\)"):
        top_k_accuracy(np.zeros(4), [0, 1, 2, 3])
