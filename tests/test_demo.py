"""`actionrec demo` end to end at the smallest size: the main job's plumbing (data, train, test, table) still fits."""

from __future__ import annotations

import json

import torch

from actionrec.cli import main
from actionrec.commands import demo


def test_demo_runs_end_to_end(tmp_path, monkeypatch, capsys):
    # two training videos and one validation video per class (--quick's epochs): minutes of work become seconds
    tiny = {"videos_per_class": 2, "val_videos_per_class": 1, "epochs": demo.QUICK["epochs"]}
    monkeypatch.setattr(demo, "QUICK", tiny)
    assert main(["demo", "--quick", "--out", str(tmp_path), "--device", "cpu", "--no-progress"]) == 0
    out = capsys.readouterr().out
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["rows"]) == {"tsn_r18_synthetic", "uniformerv2_tiny_synthetic"}
    for name, row in results["rows"].items():
        assert row["videos_tested"] == 12 and name in out  # 12 classes x 1 validation video
        assert 0.0 <= row["overall"]["top1"] <= 1.0


def test_demo_seeds_train_differently_and_report_the_spread(tmp_path, monkeypatch, capsys):
    tiny = {"videos_per_class": 2, "val_videos_per_class": 1, "epochs": demo.QUICK["epochs"]}
    monkeypatch.setattr(demo, "QUICK", tiny)
    argv = ["demo", "--quick", "--out", str(tmp_path), "--device", "cpu", "--no-progress", "--seed", "3", "5", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    results = json.loads((tmp_path / "results.json").read_text())
    assert list(results["seeds"]) == ["3", "5"]  # a repeated seed runs once
    assert results["rows"] == results["seeds"]["3"]
    assert "spread over seeds 3, 5" in out
    weights = {}
    for seed in (3, 5):
        saved = torch.load(tmp_path / f"seed{seed}" / "tsn_r18_synthetic" / "latest.pth", weights_only=True)
        weights[seed] = saved["state_dict"]
    key = next(k for k in weights[3] if k.endswith("weight"))
    assert not torch.equal(weights[3][key], weights[5][key])  # the seed reached the initialisation


def test_spread_is_min_mean_max_over_seeds():
    def row(top1, temporal, pair, static):
        return {
            "overall": {"top1": top1},
            "temporal": {"top1": temporal},
            "pair_accuracy": pair,
            "static": {"top1": static},
        }

    runs = {0: {"m": row(0.5, 0.25, 0.5, 1.0)}, 1: {"m": row(0.7, 0.75, 0.6, 0.5)}, 2: {"m": row(0.6, 0.5, 0.4, 0.75)}}
    line = demo.format_spread(runs).splitlines()[2]
    # by hand: top1 50/60/70, temporal 25/50/75, pair 40/50/60, static 50/75/100
    assert line.split()[1:] == "50.0 / 60.0 / 70.0 25.0 / 50.0 / 75.0 40.0 / 50.0 / 60.0 50.0 / 75.0 /100.0".split()
