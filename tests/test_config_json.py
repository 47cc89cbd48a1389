"""JSON configs (the config.json every training run writes): read as data, duplicated keys refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actionrec.config import ConfigError, load_config

DEMO = Path(__file__).resolve().parents[1] / "actionrec" / "configs" / "demo" / "tsn_r18_synthetic.py"


def test_a_config_written_as_json_reads_back_equal(tmp_path):
    cfg = load_config(DEMO, ["optimizer.betas=(0.8, 0.9)", "work_dir='somewhere'"])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg.to_dict(), indent=2))  # as `actionrec train` writes it
    again = load_config(path)
    assert json.dumps(again.to_dict(), indent=2) == path.read_text()  # the same data, nothing added or lost
    assert again.optimizer.betas == (0.8, 0.9)  # JSON lists become the schema's tuples again
    assert again.data.train.pipeline[2] == {"type": "Resize", "scale": [-1, 64]}  # the config's (-1, _size)


def test_json_duplicated_keys_and_syntax_errors_name_the_file(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"model": {"name": "tsn_r18"}, "data": {"num_classes": 3, "num_classes": 4}}')
    with pytest.raises(ConfigError, match=rf"{path}: duplicated key 'num_classes'"):
        load_config(path)
    path = tmp_path / "bad.json"
    path.write_text('{"model": {"name": "tsn_r18"},\n "data": {"num_classes": 3,}}')
    with pytest.raises(ConfigError, match=rf"{path}:2:\d+: not valid JSON"):
        load_config(path)
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="a config must be a mapping at the top level, got list"):
        load_config(path)


def test_json_configs_take_a_base(tmp_path):
    (tmp_path / "base.json").write_text('{"model": {"name": "tsn_r18", "num_classes": 3}, "data": {"num_classes": 3}}')
    (tmp_path / "child.json").write_text(
        '{"_base_": "base.json", "model": {"num_classes": 5}, "data": {"num_classes": 5}}'
    )
    cfg = load_config(tmp_path / "child.json")
    assert cfg.model == {"name": "tsn_r18", "num_classes": 5} and cfg.data.num_classes == 5
