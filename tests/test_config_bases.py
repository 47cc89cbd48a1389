"""The shipped configs are small diffs over shared bases (configs/_base_), in a shallow layout.

Layout rules (the configs' design, docs/configs.md): a config reads at most three files (itself, its base and
one more level, or two bases side by side); every base serves at least two configs and says so in its
docstring; whole MMAction2 `model` dicts are written in the model bases only, so configs merely change keys.
The files are read here with `ast`, independently of the loader; the loader behaviours the layout relies on
are checked on small files with hand-written expectations.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from actionrec.config.loader import drop_private, read_config_file

CONFIGS = Path(__file__).resolve().parents[1] / "actionrec" / "configs"
BASES = CONFIGS / "_base_"
USERS = sorted(p for p in CONFIGS.rglob("*.py") if BASES not in p.parents)
MODEL_BASES = {"tsn_r50.py", "uniformerv2_b16.py", "uniformerv2_l14.py"}


def _assignments(path: Path) -> dict[str, ast.expr]:
    return {
        stmt.targets[0].id: stmt.value
        for stmt in ast.parse(path.read_text()).body
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
    }


def _bases(path: Path) -> list[Path]:
    node = _assignments(path).get("_base_")
    if node is None:
        return []
    value = ast.literal_eval(node)
    return [(path.parent / rel).resolve() for rel in ([value] if isinstance(value, str) else value)]


def _files_read(path: Path) -> list[Path]:
    """The config and every file of its `_base_` closure."""
    out = [path.resolve()]
    for base in _bases(path):
        out += [p for p in _files_read(base) if p not in out]
    return out


def _rel(path: Path) -> str:
    return path.relative_to(CONFIGS).as_posix()


def test_the_configs_and_bases_are_found():
    assert len([p for p in USERS if "recognition" in p.parts]) == 66
    assert len(list(BASES.glob("*.py"))) >= 10


@pytest.mark.parametrize("path", USERS, ids=_rel)
def test_a_config_reads_at_most_three_files(path):
    files = _files_read(path)
    assert all(p.is_file() for p in files), [str(p) for p in files if not p.is_file()]
    assert len(files) <= 3, [_rel(p) for p in files]


@pytest.mark.parametrize("base", sorted(BASES.glob("*.py")), ids=lambda p: p.name)
def test_every_base_serves_two_configs_and_has_a_docstring(base):
    users = [p for p in USERS if base.resolve() in _files_read(p)[1:]]
    assert len(users) >= 2, f"{base.name} serves {[_rel(p) for p in users]}"
    docstring = ast.get_docstring(ast.parse(base.read_text())) or ""
    assert "config" in docstring, f"{base.name}: its docstring should say which configs use it and what they change"


@pytest.mark.parametrize("path", sorted(CONFIGS.rglob("*.py")), ids=_rel)
def test_models_are_named_in_the_model_bases_and_speak_actionrec_s_language(path):
    model = _assignments(path).get("model")
    if model is None:
        return
    assert isinstance(model, ast.Call) and model.func.id == "dict", _rel(path)
    keys = {kw.arg for kw in model.keywords}
    # MMAction2's dialect (registry types, backbone / head / preprocessor dicts) is only for imported files
    assert not keys & {"type", "backbone", "cls_head", "data_preprocessor"}, f"{_rel(path)}: MMAction2 model keys"
    if (path.parent == BASES and path.name in MODEL_BASES) or "demo" in path.parts:
        assert "name" in keys  # the registered model every config below builds on


# -- loader behaviours the layout relies on ------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_a_config_uses_private_names_of_its_base_and_of_the_base_below(tmp_path):
    _write(tmp_path, "_base_/root.py", "_flip = dict(type='Flip', flip_ratio=0.5)\n")
    _write(tmp_path, "_base_/family.py", "_base_ = 'root.py'\n_sampler = dict(type='SampleFrames', num_clips=3)\n")
    config = _write(
        tmp_path,
        "configs/row.py",
        """
        _base_ = '../_base_/family.py'
        data = dict(train=dict(pipeline=[_sampler, _flip]))
        """,
    )
    assert drop_private(read_config_file(config)) == {
        "data": {"train": {"pipeline": [{"type": "SampleFrames", "num_clips": 3}, {"type": "Flip", "flip_ratio": 0.5}]}}
    }


def test_bases_side_by_side_merge_their_dicts_key_by_key(tmp_path):
    _write(tmp_path, "model.py", "data = dict(test=dict(pipeline=['steps'], batch_size=16))\n")
    _write(tmp_path, "dataset.py", "data = dict(num_classes=600, test=dict(ann_file='val.txt'))\n")
    config = _write(tmp_path, "row.py", "_base_ = ['model.py', 'dataset.py']\n")
    assert drop_private(read_config_file(config)) == {
        "data": {"num_classes": 600, "test": {"pipeline": ["steps"], "batch_size": 16, "ann_file": "val.txt"}}
    }


def test_a_value_is_computed_where_it_is_written(tmp_path):
    """A config that changes a base's helper name must restate what the base built from it."""
    _write(tmp_path, "base.py", "_clips = 3\ndata = dict(train=dict(pipeline=[dict(num_clips=_clips)]))\n")
    config = _write(tmp_path, "row.py", "_base_ = 'base.py'\n_clips = 8\n")
    assert drop_private(read_config_file(config))["data"]["train"]["pipeline"] == [{"num_clips": 3}]


def test_delete_replaces_a_base_dict_and_leaves_no_marker(tmp_path):
    _write(
        tmp_path, "base.py", "model = dict(backbone=dict(type='ResNet', depth=50), cls_head=dict(in_channels=2048))\n"
    )
    config = _write(
        tmp_path,
        "row.py",
        "_base_ = 'base.py'\nmodel = dict(backbone=dict(_delete_=True, type='timm.x'), cls_head=dict(in_channels=1024))\n",
    )
    assert drop_private(read_config_file(config)) == {
        "model": {"backbone": {"type": "timm.x"}, "cls_head": {"in_channels": 1024}}
    }
