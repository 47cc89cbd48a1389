"""`actionrec data resize` and `extract-frames` on tiny coded videos from tests/video_factory.py.

Frame content is checked with the factory's painted frame index (`read_index`), counts against a
plain PyAV decode (`decode_all_frames_pyav`), GOPs by demuxing key-frame flags.
"""

from __future__ import annotations

import os
import sys
import types
import warnings
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from torchvision.io import decode_jpeg, read_file
from video_factory import decode_all_frames_pyav, make_corrupt_video, make_video, make_zero_byte_file, read_index

from actionrec.prepare.frames import (
    FlowUnavailableError,
    extract_frames,
    flow_to_uint8,
    make_flow_method,
)
from actionrec.prepare.resize import resize_videos


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    """src/a/wide.mp4 (40 frames, 64x80, one GOP), src/tall.mp4 (20 frames, 80x64), a truncated and an empty file."""
    src = tmp_path_factory.mktemp("videos")
    make_video(src / "a" / "wide.mp4", num_frames=40, size=(64, 80), gop=100)
    make_video(src / "tall.mp4", num_frames=20, size=(80, 64), gop=100)
    make_corrupt_video(src / "a" / "wide.mp4", src / "broken.mp4", mode="truncate")
    make_zero_byte_file(src / "empty.avi")
    return src


def key_frame_positions(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size > 0]
    packets.sort(key=lambda p: p.pts)
    return [i for i, p in enumerate(packets) if p.is_keyframe]


def test_resize_size_gop_content_report_and_resume(videos, tmp_path):
    out = tmp_path / "resized"
    summary = resize_videos(videos, out, short_side=256, gop=12, workers=1, progress=False)
    assert (summary.done, summary.skipped) == (2, 0)
    assert sorted(p.name for p, _ in summary.failed) == ["broken.mp4", "empty.avi"]
    report_lines = (out / "resize_report.txt").read_text().splitlines()
    assert len(report_lines) == 2 and str(videos / "broken.mp4") in report_lines[0]

    wide, times = decode_all_frames_pyav(out / "a" / "wide.mp4")
    assert wide.shape == (40, 3, 256, 320)  # short side 64 -> 256, long side 80 * 4
    assert [read_index(f) for f in wide] == list(range(40))
    assert key_frame_positions(out / "a" / "wide.mp4") == [0, 12, 24, 36]
    assert times[1] == pytest.approx(1 / 25)
    tall, _ = decode_all_frames_pyav(out / "tall.mp4")
    assert tall.shape == (20, 3, 320, 256)

    # Resume: finished outputs are skipped untouched; a stale partial file never counts as finished.
    stamp = os.stat(out / "a" / "wide.mp4").st_mtime_ns
    (out / "tall.mp4").unlink()
    (out / "tall.mp4.part").write_bytes(b"half an encode")
    again = resize_videos(videos, out, short_side=256, gop=12, workers=2, progress=False)
    assert (again.done, again.skipped, len(again.failed)) == (1, 1, 2)
    assert os.stat(out / "a" / "wide.mp4").st_mtime_ns == stamp
    assert decode_all_frames_pyav(out / "tall.mp4")[0].shape[0] == 20
    assert not (out / "tall.mp4.part").exists()


def test_resize_with_pyav_backend(videos, tmp_path):
    summary = resize_videos(videos / "a", tmp_path / "out", short_side=320, gop=30, backend="pyav", progress=False)
    assert (summary.done, summary.failed) == (1, [])
    frames, _ = decode_all_frames_pyav(tmp_path / "out" / "wide.mp4")
    assert frames.shape == (40, 3, 320, 400)
    assert [read_index(f) for f in frames] == list(range(40))
    assert key_frame_positions(tmp_path / "out" / "wide.mp4") == [0, 30]


def read_gray(path: Path) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torchvision 0.29's codec deprecation notice
        return decode_jpeg(read_file(str(path)))


def test_extract_frames_from_list_with_true_counts_report_and_resume(videos, tmp_path):
    video_list = tmp_path / "demo_train_list_videos.txt"
    video_list.write_text("a/wide.mp4 3\ntall.mp4 5 7\nbroken.mp4 1\nnot_there.mp4 2\n")
    out = tmp_path / "frames"
    summary = extract_frames(video_list, out, root=videos, workers=1, progress=False)
    assert summary.done == 2 and sorted(p.name for p, _ in summary.failed) == ["broken.mp4", "not_there.mp4"]
    expected_wide = decode_all_frames_pyav(videos / "a" / "wide.mp4")[0].shape[0]
    assert (out / "demo_train_list_rawframes.txt").read_text().splitlines() == [
        f"a/wide {expected_wide} 3",
        "tall 20 5 7",
    ]
    assert not (out / "demo_train_list_flow.txt").exists()
    names = sorted(os.listdir(out / "a" / "wide"))
    assert names == [".done"] + [f"img_{i:05d}.jpg" for i in range(1, expected_wide + 1)]
    assert read_index(read_gray(out / "a" / "wide" / "img_00001.jpg")) == 0
    assert read_index(read_gray(out / "a" / "wide" / "img_00040.jpg")) == 39
    assert read_gray(out / "tall" / "img_00001.jpg").shape == (3, 80, 64)
    assert len((out / "extract_report.txt").read_text().splitlines()) == 2
    assert not (out / "broken").exists()

    # Resume: marked folders are skipped; an unmarked (interrupted) folder is redone from scratch.
    (out / "tall" / ".done").unlink()
    (out / "tall" / "img_00099.jpg").write_bytes(b"junk from a killed run")
    again = extract_frames(video_list, out, root=videos, workers=1, progress=False)  # pool path: resize test
    assert (again.done, again.skipped) == (1, 1)
    assert not (out / "tall" / "img_00099.jpg").exists()
    assert (out / "demo_train_list_rawframes.txt").read_text().splitlines()[1] == "tall 20 5 7"


def test_extract_farneback_flow_and_short_side(tmp_path):
    src = tmp_path / "src"
    make_video(src / "clip.mp4", num_frames=6, size=(64, 80))
    out = tmp_path / "out"
    summary = extract_frames(src, out, flow="farneback", short_side=32, progress=False)
    assert summary.done == 1
    assert (out / "rawframes.txt").read_text().splitlines() == ["clip 6"]
    assert (out / "flow.txt").read_text().splitlines() == ["clip 5"]
    assert sorted(n for n in os.listdir(out / "clip") if n.startswith("x_")) == [f"x_{i:05d}.jpg" for i in range(1, 6)]
    assert not (out / "clip" / "y_00006.jpg").exists()
    flow_y = read_gray(out / "clip" / "y_00003.jpg")
    assert flow_y.shape == (1, 32, 40)  # grayscale, frames resized to short side 32
    # The coded pattern barely moves: most of the flow is ~0, which maps to the middle grey 128.
    assert abs(float(flow_y.float().median()) - 128) <= 3
    assert read_gray(out / "clip" / "img_00001.jpg").shape == (3, 32, 40)


def test_extract_tvl1_flow(tmp_path):
    src = tmp_path / "src"
    make_video(src / "clip.mp4", num_frames=3, size=(32, 40))
    summary = extract_frames(src, tmp_path / "out", flow="tvl1", progress=False)
    assert summary.done == 1
    assert (tmp_path / "out" / "flow.txt").read_text().splitlines() == ["clip 2"]
    assert read_gray(tmp_path / "out" / "clip" / "x_00002.jpg").shape == (1, 32, 40)


def test_flow_quantisation_matches_denseflow_formula():
    flow = np.array([-30.0, -20.0, -10.0, 0.0, 0.1, 10.0, 20.0, 30.0], dtype=np.float32)
    # round(255 * (clip(v, -20, 20) + 20) / 40): -10 -> 63.75 -> 64, 0 -> 127.5 -> 128, 0.1 -> 128.1375, 10 -> 191.25
    assert flow_to_uint8(flow).tolist() == [0, 0, 64, 128, 128, 191, 255, 255]


def test_missing_opencv_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(FlowUnavailableError, match=r"pip install actionrec\[flow\]"):
        make_flow_method("farneback")
    monkeypatch.setitem(sys.modules, "cv2", types.SimpleNamespace(setNumThreads=lambda n: None))
    with pytest.raises(FlowUnavailableError, match=r"cv2\.optflow.*pip install actionrec\[flow\]"):
        make_flow_method("tvl1")
