"""One error style, end to end: each command says `error: <message>` in one line and exits 2; --debug raises."""

from __future__ import annotations

import pytest

from actionrec.cli import main
from actionrec.errors import ActionrecError


def _cases(tmp):
    return {
        "flops, unknown config name": (
            ["flops", "tsn_r50_1x1x3_100e_kinetic400_rgb"],
            "config file not found: tsn_r50_1x1x3_100e_kinetic400_rgb",
        ),
        "benchmark, missing config file": (["benchmark", f"{tmp}/none.py"], f"config file not found: {tmp}/none.py"),
        "benchmark, bad option": (
            ["benchmark", "tsn_r18_synthetic", "--target", "2"],
            "--batch >= 1, --warmup >= 0, --min-runs >= 2, 0 < --target < 1",
        ),
        "config show, unknown name": (
            ["config", "show", "uniformerv2_tiny"],
            "close names: uniformerv2_tiny_synthetic",
        ),
        "zoo list, unknown dataset": (["zoo", "list", "--dataset", "k401"], "unknown dataset 'k401'"),
        "zoo show, unknown entry": (["zoo", "show", "tsn_r50_kinetics"], "no zoo entry named 'tsn_r50_kinetics'"),
        "zoo download, unknown entry": (
            ["zoo", "download", "nope_twostream"],
            "no zoo entry named 'nope_twostream'",
        ),
        "plot, empty work dir": (["plot", str(tmp)], "nothing to plot"),
        "data prepare folder, no source": (
            ["data", "prepare", "folder", "--src", f"{tmp}/absent", "--out", f"{tmp}/o"],
            f"source folder not found: {tmp}/absent",
        ),
        "recognize, model and checkpoint": (
            ["recognize", "v.mp4", "--model", "x", "--checkpoint", "c.pth"],
            "--model brings its own checkpoint",
        ),
    }


@pytest.mark.parametrize("case", list(_cases("TMP")))
def test_each_command_prints_one_line_and_exits_2(case, tmp_path, capsys):
    argv, expected = _cases(tmp_path)[case]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert expected in captured.err and "Traceback" not in captured.err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ActionrecError, match="no zoo entry named"):
        main(["--debug", "zoo", "show", "tsn_r50_kinetics"])
    with pytest.raises(FileNotFoundError):
        main(["--debug", "flops", str(tmp_path / "none.py")])
