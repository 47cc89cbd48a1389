"""Bad configs and checkpoints fail early, fast, and name what is wrong (file, line, key, tensor)."""

import textwrap
import time

import pytest
import torch

from actionrec.checkpoints import CheckpointError, load_checkpoint
from actionrec.cli import main
from actionrec.config import ConfigError, load_config
from actionrec.models import create_model


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


GOOD_DATA = "data = dict(num_classes=4, test=dict(ann_file='a.txt'))\n"


# -- configs ---------------------------------------------------------------------------------------------
def test_yaml_syntax_error_names_file_and_line(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", "model: {name: tsn_r18\ndata:\n  num_classes: 4\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:\d+:\d+: not valid YAML"):
        load_config(path)
    assert main(["config", "show", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_python_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.py", "model = dict(name='tsn_r18'\n" + GOOD_DATA)
    with pytest.raises(ConfigError, match=r"bad\.py:\d+:\d+: not valid Python"):
        load_config(path)


def test_yaml_alias_bomb_is_refused_within_a_second(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 9)]  # 10**9 leaves
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\nmodel: {name: tsn_r18}\n")
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="expands to more than"):
        load_config(path)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("expression", ["[0] * 10**9", "'ab' * 10**9", "2 ** 10**8"])
def test_huge_python_arithmetic_is_refused_within_a_second(tmp_path, expression):
    path = write(tmp_path, "huge.py", f"_x = {expression}\nmodel = dict(name='tsn_r18', num_classes=4)\n" + GOOD_DATA)
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"huge\.py:1"):
        load_config(path)
    assert time.perf_counter() - start < 1.0


def test_base_cycle_is_named(tmp_path):
    write(tmp_path, "a.py", "_base_ = 'b.py'\n")
    path = write(tmp_path, "b.py", "_base_ = 'a.py'\n")
    with pytest.raises(ConfigError, match="circular _base_ chain"):
        load_config(path)


def test_unknown_model_key_names_the_closest(tmp_path):
    path = write(tmp_path, "c.py", "model = dict(name='tsn_r18', num_classes=4, in_chanels=10)\n" + GOOD_DATA)
    with pytest.raises(ConfigError, match=r"unknown key 'model\.in_chanels'.*did you mean 'in_channels'"):
        load_config(path)


def test_wrong_model_type_names_the_expected_type(tmp_path):
    path = write(tmp_path, "c.py", "model = dict(name='tsn_r18', num_classes='four')\n" + GOOD_DATA)
    with pytest.raises(ConfigError, match=r"model\.num_classes must be an integer, got 'four'"):
        load_config(path)


def test_head_and_data_class_counts_must_agree(tmp_path):
    path = write(tmp_path, "c.py", "model = dict(name='tsn_r18', num_classes=400)\n" + GOOD_DATA)
    with pytest.raises(ConfigError, match=r"model\.num_classes is 400 but data\.num_classes is 4"):
        load_config(path)


def test_binary_config_is_named(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(ConfigError, match=r"x\.yaml: not UTF-8"):
        load_config(path)


# -- checkpoints ---------------------------------------------------------------------------------------------
def _tiny_tsn(classes=3):
    return create_model("tsn_r18", num_classes=classes)


def test_a_checkpoint_of_another_model_is_refused_unless_asked(caplog):
    model = _tiny_tsn()
    other = {f"layer.{i}.weight": torch.zeros(2, 2) for i in range(44)}  # fits none of the model's tensors
    with pytest.raises(CheckpointError, match=r"fits only 0 of the model's \d+ tensors"):
        load_checkpoint(model, other)
    report = load_checkpoint(model, other, strict=False)  # explicitly lenient: loads nothing, warns
    assert report.loaded == [] and len(report.unexpected) == 44
    assert any("loaded 0/" in r.message for r in caplog.records if r.levelname == "WARNING")


def test_a_new_head_is_still_fine_by_default():
    source, target = _tiny_tsn(3), _tiny_tsn(5)
    report = load_checkpoint(target, source.state_dict())
    assert {name for name, *_ in report.mismatched} == {"cls_head.fc_cls.weight", "cls_head.fc_cls.bias"}


def test_non_finite_weights_are_named():
    model = _tiny_tsn()
    state = model.state_dict()
    state["backbone.layer2.0.conv1.weight"] = state["backbone.layer2.0.conv1.weight"].clone()
    state["backbone.layer2.0.conv1.weight"][0, 0, 0, 0] = float("nan")
    state["cls_head.fc_cls.bias"] = torch.full_like(state["cls_head.fc_cls.bias"], float("inf"))
    with pytest.raises(CheckpointError, match=r"2 tensors hold NaN or inf.*backbone\.layer2\.0\.conv1\.weight"):
        load_checkpoint(model, state)
    with pytest.raises(CheckpointError, match="NaN or inf"):
        load_checkpoint(model, state, strict=False)
