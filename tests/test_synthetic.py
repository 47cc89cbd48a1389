"""The synthetic dataset: temporal pairs differ only in frame order, generation is deterministic,
the mp4s are real H.264 with the promised layout, and `actionrec data synth` writes it all."""

from __future__ import annotations

import dataclasses
import filecmp
import json
import os

import av
import numpy as np
import pytest
from video_factory import decode_all_frames_pyav

from actionrec.cli import main
from actionrec.data import synthetic
from actionrec.data.annotations import load_label_map, load_rawframe_list, load_video_list


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    meta = synthetic.generate(str(out), seed=3, videos_per_class=1, val_videos_per_class=1, frames=True, workers=2)
    return out, meta


@pytest.mark.parametrize("forward, backward", synthetic.TEMPORAL_PAIRS)
def test_temporal_pairs_are_the_same_frames_reversed(forward, backward):
    for seed in range(3):
        # Both classes draw their parameters the same way, so the distributions of frame sets match ...
        params = synthetic.draw_params(backward, np.random.default_rng(seed))
        assert params == synthetic.draw_params(forward, np.random.default_rng(seed))
        # ... and for the same parameters the backward video is the forward one played backwards.
        ahead, behind = synthetic.render(forward, params), synthetic.render(backward, params)
        assert np.array_equal(behind, ahead[::-1])
        assert sorted(f.tobytes() for f in ahead) == sorted(f.tobytes() for f in behind)
        assert not np.array_equal(ahead, ahead[::-1])  # the order really carries the class


def test_the_temporal_changes_go_the_named_way():
    def centroid_and_area(frames: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = np.abs(frames.astype(np.int16) - background).sum(axis=-1) > 60
        xs = np.arange(frames.shape[2])
        area = mask.sum(axis=(1, 2))
        return (mask.sum(axis=1) * xs).sum(axis=1) / np.maximum(area, 1), area

    for seed in range(3):
        for name, check in [
            ("moving_left", lambda x, a: x[-1] < x[0] - 20),
            ("moving_right", lambda x, a: x[-1] > x[0] + 20),
            ("growing", lambda x, a: a[-1] > 3 * a[0]),
            ("shrinking", lambda x, a: a[0] > 3 * a[-1]),
            ("appearing", lambda x, a: a[0] == 0 and a[-1] > 50),
            ("disappearing", lambda x, a: a[0] > 50 and a[-1] == 0),
        ]:
            params = synthetic.draw_params(name, np.random.default_rng(seed))
            empty = dataclasses.replace(params, opacity=(0.0, 0.0))  # same video without the shape
            frames = synthetic.render(name, params)
            x, area = centroid_and_area(frames, synthetic.render(name, empty)[0].astype(np.int16))
            assert check(x, area), (name, seed, x[[0, -1]], area[[0, -1]])


def test_rotation_direction_is_clockwise_on_screen():
    params = synthetic.draw_params("rotating_clockwise", np.random.default_rng(0))
    bar = dataclasses.replace(params, kind="bar", angle=(0.0, np.pi / 2), ramp=(0, synthetic.NUM_FRAMES))
    frames = synthetic.render("rotating_clockwise", bar).astype(np.int16)
    background = synthetic.render("rotating_clockwise", dataclasses.replace(bar, opacity=(0.0, 0.0)))[0]
    mask = np.abs(frames - background).sum(axis=-1) > 60
    ys, xs = np.nonzero(mask[synthetic.NUM_FRAMES // 2])
    cx, cy = bar.centre_x[0], bar.centre_y[0]
    # Halfway (45 degrees) a horizontal bar turned clockwise on screen (y down) runs from upper-left to
    # lower-right: x and y offsets from the centre have the same sign.
    assert np.corrcoef(xs - cx, ys - cy)[0, 1] > 0.8


def test_single_frame_classes_have_their_own_shapes():
    kinds = {name: synthetic.draw_params(name, np.random.default_rng(0)).kind for name in synthetic.STATIC_CLASSES}
    assert set(kinds.values()) == {"ring", "cross", "two_dots", "checkered_square"}
    temporal_kinds = {
        synthetic.draw_params(name, np.random.default_rng(seed)).kind
        for pair in synthetic.TEMPORAL_PAIRS
        for name in pair
        for seed in range(20)
    }
    assert not temporal_kinds & set(kinds.values())


def test_rgb_to_yuv420p_matches_swscale():
    frames = synthetic.render("growing", synthetic.draw_params("growing", np.random.default_rng(1)))[:4]
    ours = synthetic.rgb_to_yuv420p(frames).astype(int)
    assert ours.shape == (4, 96 * 3 // 2, 128)
    # swscale's full-resolution BT.601 conversion (yuv444p planes), then our documented 2x2 box for chroma
    full = (
        np.stack(
            [av.VideoFrame.from_ndarray(f, format="rgb24").reformat(format="yuv444p").to_ndarray() for f in frames]
        )
        .astype(float)
        .reshape(4, 3, 96, 128)
    )
    box = full[:, 1:].reshape(4, 2, 48, 2, 64, 2).mean(axis=(3, 5))
    assert np.abs(ours[:, :96] - full[:, 0]).max() <= 1
    assert np.abs(ours[:, 96:].reshape(4, 2, 48, 64) - box).max() <= 1.5


def test_layout_lists_and_metadata(dataset):
    out, meta = dataset
    names = load_label_map(out / "label_map.txt")
    assert names == synthetic.CLASSES and len(names) == 12
    saved = json.loads((out / "synthetic.json").read_text())
    assert saved == meta
    pairs = [(names[a], names[b]) for a, b in saved["temporal_pairs"]]
    assert pairs == synthetic.TEMPORAL_PAIRS
    assert sorted(saved["temporal_only_classes"] + saved["single_frame_classes"]) == list(range(12))
    assert {names[i] for i in saved["single_frame_classes"]} == set(synthetic.STATIC_CLASSES)
    for split in ("train", "val"):
        videos = load_video_list(out / f"{split}_list_videos.txt", root=out / "videos")
        assert sorted(s.label for s in videos) == list(range(12))
        assert all(os.path.getsize(s.path) > 0 for s in videos)
        frames = load_rawframe_list(out / f"{split}_list_rawframes.txt", root=out / "rawframes")
        assert [s.label for s in frames] == [s.label for s in videos]
        for sample in frames:
            assert sample.total_frames == 32
            assert sorted(os.listdir(sample.path)) == [f"img_{i:05d}.jpg" for i in range(1, 33)]
    readme = (out / "README.txt").read_text()
    assert all(name in readme for name in synthetic.CLASSES)


def test_videos_are_h264_with_short_gop_and_match_the_render(dataset):
    out, _ = dataset
    path = out / "videos" / "moving_left" / "val_000.mp4"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (128, 96)
        assert float(stream.average_rate) == 10.0
        keyframes = [i for i, packet in enumerate(p for p in container.demux(stream) if p.size) if packet.is_keyframe]
    assert keyframes == [0, 12, 24]
    decoded, times = decode_all_frames_pyav(path)
    assert decoded.shape == (32, 3, 96, 128)
    assert times == pytest.approx([i / 10 for i in range(32)])
    # The same video rendered again from its seed ([seed, class, split, k]); H.264 at crf 18 stays close.
    rng = np.random.default_rng([3, synthetic.CLASSES.index("moving_left"), 1, 0])
    rendered = synthetic.render("moving_left", synthetic.draw_params("moving_left", rng))
    error = np.abs(decoded.permute(0, 2, 3, 1).numpy().astype(int) - rendered)
    assert error.mean() < 4


def test_generation_is_deterministic_byte_for_byte(dataset, tmp_path):
    out, _ = dataset
    again = tmp_path / "again"
    synthetic.generate(str(again), seed=3, videos_per_class=1, val_videos_per_class=1, frames=True, workers=1)
    files = sorted(os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs)
    files_again = sorted(os.path.relpath(os.path.join(d, f), again) for d, _, fs in os.walk(again) for f in fs)
    assert files == files_again
    match, mismatch, errors = filecmp.cmpfiles(out, again, files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(files)


def test_synth_command(dataset, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(
        [
            "data",
            "synth",
            str(out),
            "--seed",
            "1",
            "--videos-per-class",
            "1",
            "--val-videos-per-class",
            "0",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    assert "wrote 12 videos of 12 classes" in capsys.readouterr().out
    assert len(load_video_list(out / "train_list_videos.txt")) == 12
    assert (out / "val_list_videos.txt").read_text() == ""
    assert not (out / "rawframes").exists()
    seed_3 = dataset[0] / "videos" / "growing" / "train_000.mp4"  # another seed, other videos
    assert not filecmp.cmp(out / "videos" / "growing" / "train_000.mp4", seed_3, shallow=False)
    assert (
        main(
            [
                "data",
                "inspect",
                str(out / "train_list_videos.txt"),
                "--root",
                str(out / "videos"),
                "--label-map",
                str(out / "label_map.txt"),
                "--decode-all",
            ]
        )
        == 0
    )
    assert "static_two_dots" in capsys.readouterr().out


def test_shapes_are_bright_on_a_dark_background():
    # The documented contrast: every shape channel at least 60 levels above every background channel.
    for name in synthetic.CLASSES:
        for seed in range(10):
            params = synthetic.draw_params(name, np.random.default_rng(seed))
            assert min(params.colour) - max(max(end) for end in params.background) >= 60, (name, seed)
