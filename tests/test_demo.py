"""`actionrec demo` end to end at the smallest size: the main job's plumbing (data, train, test, table) still fits."""

from __future__ import annotations

import json

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
