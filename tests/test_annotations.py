"""Annotation lists, JSON lists and label maps: formats of FACTS §3.9, and file:line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from actionrec.data.annotations import (
    AnnotationError,
    Sample,
    category_offsets,
    load_json_list,
    load_label_map,
    load_rawframe_list,
    load_video_list,
    multi_hot,
)

LABEL_MAPS = Path(__file__).resolve().parent.parent / "actionrec" / "label_maps"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_video_list_with_root_blank_lines_and_missing_label(tmp_path):
    path = write(tmp_path, "predict.txt", "a/x.mp4 3\n\n   \nb/y.mp4 0\nc/z.mp4\n")
    # a line without a label is allowed only in lists declared unlabelled (for inference)
    assert load_video_list(path, root="/data/videos", allow_unlabeled=True) == [
        Sample("/data/videos/a/x.mp4", 3),
        Sample("/data/videos/b/y.mp4", 0),
        Sample("/data/videos/c/z.mp4", -1),
    ]
    assert load_video_list(path, allow_unlabeled=True)[0] == Sample("a/x.mp4", 3)
    assert load_video_list(path, allow_unlabeled=True)[0].source == f"{path}:1"


def test_video_list_multi_label_and_comma_delimiter(tmp_path):
    multi = write(tmp_path, "multi.txt", "a.mp4 1 4 7\nb.mp4 2\n")
    assert load_video_list(multi, multi_label=True) == [Sample("a.mp4", (1, 4, 7)), Sample("b.mp4", (2,))]
    comma = write(tmp_path, "comma.txt", "dir/with space.mp4,5\nother.mp4, 6\n")
    assert load_video_list(comma, delimiter=",") == [Sample("dir/with space.mp4", 5), Sample("other.mp4", 6)]


def test_rawframe_lists(tmp_path):
    plain = write(tmp_path, "raw.txt", "v/a 120 3\nv/b 64 0 5\n")
    assert load_rawframe_list(plain, root="/r", multi_label=True) == [
        Sample("/r/v/a", (3,), total_frames=120),
        Sample("/r/v/b", (0, 5), total_frames=64),
    ]
    assert load_rawframe_list(write(tmp_path, "one.txt", "v/a 120 3\nv/c 10\n"), allow_unlabeled=True) == [
        Sample("v/a", 3, total_frames=120),
        Sample("v/c", -1, total_frames=10),
    ]
    offset = write(tmp_path, "offset.txt", "v/a 15 100 2\n")
    assert load_rawframe_list(offset, with_offset=True) == [Sample("v/a", 2, total_frames=100, offset=15)]


@pytest.mark.parametrize(
    "loader, kwargs, text, bad_line, expected",
    [
        (load_video_list, {}, "ok.mp4 1\nbad.mp4 one\n", "bad.mp4 one", "relpath label"),
        (load_video_list, {}, "ok.mp4 1\n\nbad.mp4 1 2\n", "bad.mp4 1 2", "relpath label"),
        (load_video_list, {}, "bad.mp4 -3\n", "bad.mp4 -3", "relpath label"),
        (load_video_list, {"multi_label": True}, "a.mp4 1\nb.mp4 1 x\n", "b.mp4 1 x", "relpath label [label ...]"),
        (load_rawframe_list, {}, "a 10 1\nb ten 1\n", "b ten 1", "frame_dir total_frames label"),
        (load_rawframe_list, {}, "a 10 1\nb\n", "b", "frame_dir total_frames label"),
        (load_rawframe_list, {}, "a -5 1\n", "a -5 1", "frame_dir total_frames label"),
        (load_rawframe_list, {"with_offset": True}, "a 0 10 1\nb 10\n", "b 10", "frame_dir offset total_frames label"),
        (
            load_rawframe_list,
            {"with_offset": True},
            "a 0 10 1\nb x 10 1\n",
            "b x 10 1",
            "frame_dir offset total_frames label",
        ),
    ],
)
def test_malformed_lines_name_file_line_text_and_format(tmp_path, loader, kwargs, text, bad_line, expected):
    path = write(tmp_path, "list.txt", text)
    line_number = text.splitlines().index(bad_line) + 1
    with pytest.raises(AnnotationError) as info:
        loader(path, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path}:{line_number}: ")
    assert repr(bad_line) in message
    assert f"expected '{expected}'" in message


def test_missing_annotation_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.txt"
    for loader in (load_video_list, load_rawframe_list, load_json_list, load_label_map):
        with pytest.raises(FileNotFoundError, match="nope.txt"):
            loader(missing)


def test_json_list(tmp_path):
    entries = [
        {"filename": "a.mp4", "label": [3]},
        {"frame_dir": "b", "label": [1], "total_frames": 40},
        {"filename": "c.mp4", "label": 2},
    ]
    path = write(tmp_path, "list.json", json.dumps(entries))
    assert load_json_list(path, root="/r") == [
        Sample("/r/a.mp4", 3),
        Sample("/r/b", 1, total_frames=40),
        Sample("/r/c.mp4", 2),
    ]
    multi = write(tmp_path, "multi.json", json.dumps([{"filename": "a.mp4", "label": [0, 4]}]))
    assert load_json_list(multi, multi_label=True) == [Sample("a.mp4", (0, 4))]
    with pytest.raises(AnnotationError, match=r"multi.json: entry 0: .*single-label"):
        load_json_list(multi)


@pytest.mark.parametrize(
    "content, match",
    [
        ('{"filename": "a.mp4"}', "expected a JSON list"),
        ('[{"label": [1]}]', r"entry 0: expected a 'filename' or 'frame_dir'"),
        ('[{"filename": "a.mp4", "label": [1]}, {"filename": "b.mp4", "label": ["x"]}]', "entry 1: 'label'"),
        ('[{"filename": "a.mp4", "label": [1], "total_frames": -2}]', "entry 0: 'total_frames'"),
        ('[\n{"filename": "a.mp4",\n "label": [1]}\n,,]', r"bad.json:4: invalid JSON"),
    ],
)
def test_malformed_json_lists(tmp_path, content, match):
    path = write(tmp_path, "bad.json", content)
    with pytest.raises(AnnotationError, match=match):
        load_json_list(path)


def test_hvu_category_labels_use_label_map_offsets(tmp_path):
    hvu = LABEL_MAPS / "label_map_hvu.json"
    raw = json.loads(hvu.read_text())
    offsets = category_offsets(hvu)
    # independent: the categories in file order, each starting after the previous ones
    assert list(offsets) == list(raw)
    assert offsets["attribute"] == len(raw["action"])
    assert offsets["scene"] == sum(len(raw[c]) for c in ("action", "attribute", "concept", "event", "object"))
    entry = {"filename": "v.mp4", "label": {"action": [2], "attribute": [0, 5]}}
    path = write(tmp_path, "hvu.json", json.dumps([entry]))
    (sample,) = load_json_list(path, category_offsets=offsets)
    assert sample.label == (2, len(raw["action"]), len(raw["action"]) + 5)
    names = load_label_map(hvu)
    assert [names[i] for i in sample.label] == [raw["action"][2], raw["attribute"][0], raw["attribute"][5]]
    with pytest.raises(AnnotationError, match="category_offsets"):
        load_json_list(path)


@pytest.mark.parametrize("name", sorted(p.name for p in LABEL_MAPS.glob("label_map_*.txt")))
def test_shipped_text_label_maps(name):
    path = LABEL_MAPS / name
    expected = [line.strip() for line in path.read_text().split("\n") if line.strip()]
    names = load_label_map(path)
    assert names == expected
    assert len(names) == len(set(names))


def test_known_label_map_sizes_and_json_maps():
    assert len(load_label_map(LABEL_MAPS / "label_map_k400.txt")) == 400
    assert load_label_map(LABEL_MAPS / "label_map_k400.txt")[0] == "abseiling"
    assert len(load_label_map(LABEL_MAPS / "label_map_k710.txt")) == 710
    hvu = json.loads((LABEL_MAPS / "label_map_hvu.json").read_text())
    assert len(load_label_map(LABEL_MAPS / "label_map_hvu.json")) == sum(len(v) for v in hvu.values())
    assert load_label_map(LABEL_MAPS / "label_map_hvu.json", category="event") == hvu["event"]
    with pytest.raises(KeyError, match="no category 'colour'"):
        load_label_map(LABEL_MAPS / "label_map_hvu.json", category="colour")
    with pytest.raises(AnnotationError, match="channel maps"):
        load_label_map(LABEL_MAPS / "map_k600.json")


def test_json_list_of_names_label_map(tmp_path):
    path = write(tmp_path, "names.json", '["run", "jump"]')
    assert load_label_map(path) == ["run", "jump"]


def test_multi_hot():
    assert torch.equal(multi_hot((0, 3), 5), torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0]))
    assert torch.equal(multi_hot(2, 3), torch.tensor([0.0, 0.0, 1.0]))
    assert torch.equal(multi_hot(-1, 2), torch.zeros(2))
    assert multi_hot((1,), 4).dtype == torch.float32
    with pytest.raises(ValueError, match="label 5 out of range for 5 classes"):
        multi_hot((5,), 5)
