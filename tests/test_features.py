"""Feature extraction: `Recognizer.features`, `actionrec.features.write_features` and `actionrec features`.

Expected features come from a hand-assembled path: the plainest PyAV decode
(`video_factory.decode_all_frames_pyav`), the sampler and transforms built by hand (not from the
config), and the model's own `forward_features` / `forward_head(..., pre_logits=True)` on the views
of one clip at a time, picked out by the crop-major view order written out here. Resume is checked
by counting the model's calls per video, and a kill by a child process that dies with `os._exit`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from test_recognize import TSN_MODEL, UNI_MODEL  # the tiny models the recognition tests use
from video_factory import decode_all_frames_pyav, make_corrupt_video, make_video, make_zero_byte_file

from actionrec import build_model
from actionrec.cli import main
from actionrec.config import load_config
from actionrec.data.sampling import SampleFrames, UniformSample
from actionrec.data.transforms import Clip, Compose, FormatShape, Resize, ThreeCrop
from actionrec.features import (
    FeatureExtractionError,
    UnreadableVideosError,
    VideoEntry,
    partial_dir,
    read_inputs,
    write_features,
)
from actionrec.recognize import Recognizer

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]

NUM_FRAMES, SIZE = 40, (64, 80)


def _pipeline(sampler: dict, size: int, fmt: str) -> list[dict]:
    return [
        sampler,
        dict(type="DecordDecode"),
        dict(type="Resize", scale=(-1, size)),
        dict(type="ThreeCrop", crop_size=size),
        dict(type="FormatShape", input_format=fmt),
    ]


# name: (model, test pipeline, the same protocol built by hand, (clips, frames per clip in a 2D model's views))
FAMILIES = {
    "tsn": (
        TSN_MODEL,
        _pipeline(dict(type="SampleFrames", clip_len=1, num_clips=3, test_mode=True), 40, "NCHW"),
        lambda: (
            SampleFrames(1, num_clips=3, test_mode=True),
            Compose([Resize((-1, 40)), ThreeCrop(40), FormatShape("NCHW")]),
        ),
        (3, 1),
    ),
    # clips of 2 frames in a 2D model: each frame is a view, a clip's views are crops x frames
    "tsn_clip2": (
        TSN_MODEL,
        _pipeline(dict(type="SampleFrames", clip_len=2, frame_interval=3, num_clips=3, test_mode=True), 40, "NCHW"),
        lambda: (
            SampleFrames(2, frame_interval=3, num_clips=3, test_mode=True),
            Compose([Resize((-1, 40)), ThreeCrop(40), FormatShape("NCHW")]),
        ),
        (3, 2),
    ),
    "uni": (
        UNI_MODEL,
        _pipeline(dict(type="UniformSample", clip_len=4, num_clips=2, test_mode=True), 32, "NCTHW"),
        lambda: (
            UniformSample(4, num_clips=2, test_mode=True),
            Compose([Resize((-1, 32)), ThreeCrop(32), FormatShape("NCTHW")]),
        ),
        (2, 1),
    ),
}
CROPS = 3


def write_config(path: Path, model: dict, pipeline: list) -> Path:
    test_split = dict(ann_file="never_read.txt", pipeline=pipeline)
    path.write_text(f"model = {model!r}\ndata = {dict(num_classes=5, test=test_split)!r}\n")
    return path


def save_checkpoint(config: Path, path: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    model = build_model(load_config(config).model)
    torch.save({"state_dict": model.state_dict()}, path)
    return path


def loaded(config: Path, checkpoint: Path):
    model = build_model(load_config(config).model)
    model.load_state_dict(torch.load(checkpoint, weights_only=True)["state_dict"])
    return model.eval()


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("features")
    videos = root / "videos"
    for k in range(5):  # different lengths: different frames are sampled, so features differ per video
        make_video(videos / f"v{k}.mp4", num_frames=NUM_FRAMES + 4 * k, size=SIZE, gop=12)
    make_zero_byte_file(videos / "empty.mp4")
    make_corrupt_video(videos / "v0.mp4", videos / "truncated.mp4", "truncate")
    a = {"root": root, "videos": videos}
    for name, (model, pipeline, _, _) in FAMILIES.items():
        cfg = write_config(root / f"{name}.py", model, pipeline)
        a[f"{name}_cfg"] = cfg
        a[f"{name}_ckpt"] = save_checkpoint(cfg, root / f"{name}.pth", seed=len(name))
    return a


def recognizer(assets, name: str = "tsn") -> Recognizer:
    return Recognizer.from_config(assets[f"{name}_cfg"], assets[f"{name}_ckpt"], device="cpu", progress=False)


def hand_views(name: str, video: Path) -> torch.Tensor:
    """The config's test views of `video`, from a reference decode and hand-built sampler + transforms."""
    frames = decode_all_frames_pyav(video)[0]
    sampler, transform = FAMILIES[name][2]()
    positions = sampler(len(frames), np.random.default_rng(0))
    clip = Clip(
        frames[torch.as_tensor(positions)], clip_len=sampler.clip_len, num_clips=len(positions) // sampler.clip_len
    )
    return transform(clip, np.random.default_rng(0))


def clip_view_indices(clip: int, clips: int, frames: int) -> list[int]:
    """Views of one clip: stacked crop-major, then clip, then frame (view = (crop * clips + clip) * frames + t)."""
    return [(crop * clips + clip) * frames + t for crop in range(CROPS) for t in range(frames)]


# -- Recognizer.features ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FAMILIES))
def test_per_clip_features_are_each_clips_views_through_the_head(assets, name):
    video = assets["videos"] / "v1.mp4"
    model = loaded(assets[f"{name}_cfg"], assets[f"{name}_ckpt"])
    clips, frames = FAMILIES[name][3]
    views = hand_views(name, video)
    assert len(views) == CROPS * clips * frames
    expected = []
    with torch.no_grad():
        for c in range(clips):
            chosen = views[clip_view_indices(c, clips, frames)]
            # TSN's head averages the views it is given (its consensus); UniFormerV2's returns one row per view
            rows = model.forward_head(model.forward_features(chosen), num_views=len(chosen), pre_logits=True)
            expected.append(rows[0].mean(dim=0))
    expected = torch.stack(expected).numpy()

    per_clip = recognizer(assets, name).features(video, per_clip=True)
    assert per_clip.dtype == np.float32
    assert per_clip.shape == (clips, model.cls_head.fc_cls.in_features)
    np.testing.assert_allclose(per_clip, expected, rtol=1e-4, atol=1e-5)
    # the clips are told apart: a wrong view order would mix them
    assert np.abs(expected[0] - expected[1]).max() > 100 * np.abs(per_clip - expected).max()


@pytest.mark.parametrize("name", ["tsn", "uni"])
def test_per_video_features_are_what_the_model_averages_and_the_mean_of_the_clips(assets, name):
    video = assets["videos"] / "v2.mp4"
    model = loaded(assets[f"{name}_cfg"], assets[f"{name}_ckpt"])
    views = hand_views(name, video)
    with torch.no_grad():
        # all views of the video through the head, as the model does for scores
        rows = model.forward_head(model.forward_features(views), num_views=len(views), pre_logits=True)[0]
        expected = rows.mean(dim=0)
        # the classifier is linear: on the mean feature it gives the 'score' average of the views
        scores = model.cls_head.fc_cls(expected)
        np.testing.assert_allclose(
            scores.numpy(), model.predict(views[None], average_clips="score")[0].numpy(), rtol=1e-4, atol=1e-5
        )
    r = recognizer(assets, name)
    features = r.features(video)
    assert features.shape == (model.cls_head.fc_cls.in_features,)
    np.testing.assert_allclose(features, expected.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(features, r.features(video, per_clip=True).mean(axis=0), rtol=1e-5, atol=1e-6)
    # frames in memory give the same vector as the file
    frames = decode_all_frames_pyav(video)[0]
    np.testing.assert_allclose(r.features(frames), features, rtol=1e-6, atol=1e-7)


# -- inputs ----------------------------------------------------------------------------------------------


def test_read_inputs_lists_with_and_without_labels_and_videos_given_directly(tmp_path):
    (tmp_path / "list.txt").write_text("a/x.mp4 3\nb/y.mp4\n\n")
    (tmp_path / "list.json").write_text(json.dumps([{"filename": "c.mp4", "label": 1}, {"filename": "d.mp4"}]))
    (tmp_path / "frames.txt").write_text("f/one 30 2\n")
    entries = read_inputs([tmp_path / "list.txt", "direct.mp4", tmp_path / "list.json"], root="/data") + read_inputs(
        [tmp_path / "frames.txt"], list_format="rawframes"
    )
    assert entries == [
        VideoEntry("a/x.mp4", "/data/a/x.mp4", 3),
        VideoEntry("b/y.mp4", "/data/b/y.mp4", -1),
        VideoEntry("direct.mp4", "direct.mp4", -1),  # the root is for lists only
        VideoEntry("c.mp4", "/data/c.mp4", 1),
        VideoEntry("d.mp4", "/data/d.mp4", -1),
        VideoEntry("f/one", "f/one", 2),
    ]
    (tmp_path / "bad.txt").write_text("a.mp4 1\nb.mp4 one\n")
    with pytest.raises(ValueError, match=r"bad.txt:2: .*a label must be an integer"):
        read_inputs([tmp_path / "bad.txt"])


# -- the resumable file job ------------------------------------------------------------------------------


def entries_of(assets, names) -> list[VideoEntry]:
    return [VideoEntry(n, str(assets["videos"] / n), label) for label, n in enumerate(names)]


GOOD = [f"v{k}.mp4" for k in range(5)]


def count_model_calls(monkeypatch, r: Recognizer, fail_after: int | None = None) -> list[int]:
    """Counts `model.extract_features` calls (one per computed video); raises KeyboardInterrupt on call `fail_after`+1."""
    calls = []
    original = r.model.extract_features

    def counted(*args, **kwargs):
        if fail_after is not None and len(calls) == fail_after:
            raise KeyboardInterrupt
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(r.model, "extract_features", counted)
    return calls


def test_writes_features_paths_labels_in_list_order(assets, tmp_path, monkeypatch):
    r = recognizer(assets, "uni")
    out = tmp_path / "feats.npz"
    calls = count_model_calls(monkeypatch, r)
    listed_twice = entries_of(assets, GOOD) + [VideoEntry("v1.mp4", str(assets["videos"] / "v1.mp4"), 9)]
    summary = write_features(r, listed_twice, out, per_clip=True, progress=False)
    assert len(calls) == 5  # a path listed twice is computed once, and has a row for each listing
    monkeypatch.undo()
    with np.load(out, allow_pickle=False) as data:
        assert data["features"].shape == (6, 2, 32) and data["features"].dtype == np.float32
        assert data["paths"].tolist() == GOOD + ["v1.mp4"]
        assert data["labels"].tolist() == [0, 1, 2, 3, 4, 9]
        np.testing.assert_array_equal(data["features"][5], data["features"][1])
        assert data["failed"].tolist() == [] and data["failed_reasons"].tolist() == []
        assert json.loads(str(data["meta"]))["per_clip"] is True
        for k, name in enumerate(GOOD):
            np.testing.assert_array_equal(data["features"][k], r.features(assets["videos"] / name, per_clip=True))
    assert (summary.rows, summary.computed, summary.resumed, summary.shape) == (6, 5, 0, (2, 32))
    assert not partial_dir(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feats.npz"]  # no temporary files left


def test_an_interrupted_run_keeps_its_finished_videos_and_a_rerun_computes_only_the_rest(assets, tmp_path, monkeypatch):
    out = tmp_path / "feats.npz"
    r = recognizer(assets)
    calls = count_model_calls(monkeypatch, r, fail_after=3)
    with pytest.raises(KeyboardInterrupt):
        write_features(r, entries_of(assets, GOOD), out, save_every=2, progress=False)
    assert len(calls) == 3 and not out.exists()
    parts = sorted(p.name for p in partial_dir(out).iterdir())
    assert parts == ["part_00000.npz", "part_00001.npz", "run.json"]  # two at save_every, one saved on the way out

    r = recognizer(assets)
    calls = count_model_calls(monkeypatch, r)
    summary = write_features(r, entries_of(assets, GOOD), out, save_every=2, progress=False)
    assert len(calls) == 2 and (summary.computed, summary.resumed) == (2, 3)
    with np.load(out) as data:
        assert data["paths"].tolist() == GOOD
        for k, name in enumerate(GOOD):
            np.testing.assert_allclose(data["features"][k], r.features(assets["videos"] / name), rtol=1e-6, atol=1e-7)
    assert not partial_dir(out).exists()


def test_a_killed_process_loses_only_the_videos_since_its_last_save(assets, tmp_path, monkeypatch):
    out = tmp_path / "feats.npz"
    # a child process extracts and dies (no cleanup, no flush) while computing its 4th video
    script = textwrap.dedent(
        f"""
        import os
        from actionrec.features import VideoEntry, write_features
        from actionrec.recognize import Recognizer

        r = Recognizer.from_config({str(assets["tsn_cfg"])!r}, {str(assets["tsn_ckpt"])!r}, device="cpu", progress=False)
        original, calls = r.model.extract_features, []

        def dying(*args, **kwargs):
            if len(calls) == 3:
                os._exit(9)
            calls.append(1)
            return original(*args, **kwargs)

        r.model.extract_features = dying
        entries = [VideoEntry(n, os.path.join({str(assets["videos"])!r}, n), k) for k, n in enumerate({GOOD!r})]
        write_features(r, entries, {str(out)!r}, save_every=2, progress=False)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == 9, child.stderr
    assert sorted(p.name for p in partial_dir(out).iterdir()) == ["part_00000.npz", "run.json"]

    r = recognizer(assets)
    calls = count_model_calls(monkeypatch, r)
    summary = write_features(r, entries_of(assets, GOOD), out, save_every=2, progress=False)
    assert len(calls) == 3 and summary.resumed == 2  # the 3rd video was finished but not yet saved
    with np.load(out) as data:
        assert data["paths"].tolist() == GOOD and data["features"].shape == (5, 64)


def test_progress_of_other_settings_is_refused_not_mixed(assets, tmp_path, monkeypatch):
    out = tmp_path / "feats.npz"
    r = recognizer(assets)
    count_model_calls(monkeypatch, r, fail_after=1)
    with pytest.raises(KeyboardInterrupt):
        write_features(r, entries_of(assets, GOOD), out, settings={"checkpoint": "a.pth"}, progress=False)
    with pytest.raises(FeatureExtractionError, match=r"other settings \(per_clip: False then, True now\).*delete"):
        write_features(r, entries_of(assets, GOOD), out, per_clip=True, settings={"checkpoint": "a.pth"})
    with pytest.raises(FeatureExtractionError, match=r"checkpoint: 'a.pth' then, 'b.pth' now"):
        write_features(r, entries_of(assets, GOOD), out, settings={"checkpoint": "b.pth"})


def test_unreadable_videos_are_skipped_and_listed(assets, tmp_path):
    out = tmp_path / "feats.npz"
    names = ["v0.mp4", "empty.mp4", "v1.mp4", "missing.mp4", "v2.mp4", "truncated.mp4", "v3.mp4", "v4.mp4"]
    summary = write_features(
        recognizer(assets), entries_of(assets, names), out, max_corrupt_fraction=0.5, progress=False
    )
    with np.load(out) as data:
        assert data["paths"].tolist() == ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4", "v4.mp4"]
        assert data["labels"].tolist() == [0, 2, 4, 6, 7]
        assert data["failed"].tolist() == ["empty.mp4", "missing.mp4", "truncated.mp4"]
        reasons = data["failed_reasons"].tolist()
    assert "VideoDecodeError" in reasons[0] and "empty" in reasons[0]
    assert "FileNotFoundError" in reasons[1] and "missing.mp4" in reasons[1]
    assert "VideoDecodeError" in reasons[2]
    assert summary.failed == list(zip(["empty.mp4", "missing.mp4", "truncated.mp4"], reasons))


def test_more_failures_than_the_budget_stop_the_run_and_keep_the_finished(assets, tmp_path):
    out = tmp_path / "feats.npz"
    names = ["v0.mp4", "empty.mp4", "v1.mp4", "missing.mp4", "v2.mp4"]
    # 0.2 of 5 videos: one unreadable video is allowed, the second stops the run
    with pytest.raises(UnreadableVideosError) as error:
        write_features(recognizer(assets), entries_of(assets, names), out, max_corrupt_fraction=0.2, progress=False)
    message = str(error.value)
    assert message.startswith("2 of the 5 videos are unreadable, more than max_corrupt_fraction=0.2; stopped")
    assert "empty.mp4 (VideoDecodeError" in message and "missing.mp4 (FileNotFoundError" in message
    assert str(partial_dir(out)) in message and not out.exists()
    with np.load(partial_dir(out) / "part_00000.npz") as part:
        assert part["paths"].tolist() == ["v0.mp4", "v1.mp4"]
    with pytest.raises(UnreadableVideosError, match=r"none of the 2 videos could be read.*do not exist"):
        write_features(
            recognizer(assets),
            entries_of(assets, ["gone1.mp4", "gone2.mp4"]),
            tmp_path / "f.npz",
            max_corrupt_fraction=1,
        )
    assert not partial_dir(tmp_path / "f.npz").exists()  # nothing finished, nothing kept


# -- the command -----------------------------------------------------------------------------------------


def test_cli_end_to_end_with_a_list_a_root_and_an_unreadable_video(assets, tmp_path, capsys):
    listing = tmp_path / "val.txt"
    listing.write_text("v3.mp4 1\nempty.mp4 2\nv4.mp4\n")
    out = tmp_path / "feats.npz"
    args = ["features", str(assets["uni_cfg"]), str(assets["uni_ckpt"]), str(listing), str(assets["videos"] / "v0.mp4")]
    args += ["--root", str(assets["videos"]), "--out", str(out), "--per-clip", "--device", "cpu", "--no-progress"]
    assert main(args + ["--max-corrupt-fraction", "0.5"]) == 0
    captured = capsys.readouterr()
    assert "wrote features (2, 32) of 3 videos to" in captured.out and "3 computed in" in captured.out
    assert "warning: 1 unreadable video(s) skipped, listed under 'failed'" in captured.err
    assert "empty.mp4 (VideoDecodeError" in captured.err
    r = recognizer(assets, "uni")
    with np.load(out) as data:
        assert data["paths"].tolist() == ["v3.mp4", "v4.mp4", str(assets["videos"] / "v0.mp4")]
        assert data["labels"].tolist() == [1, -1, -1]
        assert data["failed"].tolist() == ["empty.mp4"]
        np.testing.assert_allclose(
            data["features"][0], r.features(assets["videos"] / "v3.mp4", per_clip=True), rtol=1e-5, atol=1e-6
        )
        meta = json.loads(str(data["meta"]))
    assert meta["config"] == str(assets["uni_cfg"]) and meta["precision"] == "fp32" and meta["shape"] == [2, 32]

    # the default budget (0.1 of 4 videos) is exceeded by the one empty file: exit 2, one line
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error: 1 of the 4 videos are unreadable, more than max_corrupt_fraction=0.1" in err


def test_cli_errors_name_the_problem(assets, tmp_path, capsys):
    base = ["features", str(assets["tsn_cfg"]), str(assets["tsn_ckpt"])]
    out = ["--out", str(tmp_path / "f.npz")]
    assert main(base + [str(tmp_path / "nowhere.txt")] + out) == 2
    assert "error: annotation file not found: " in capsys.readouterr().err
    assert main(base + [str(assets["videos"] / "v0.mp4"), "--max-corrupt-fraction", "2"] + out) == 2
    assert capsys.readouterr().err == "error: --max-corrupt-fraction must be between 0 and 1, got 2.0\n"
    assert main(base + [str(assets["videos"] / "v0.mp4"), "--out", str(tmp_path / "no" / "f.npz")]) == 2
    assert "error: " in capsys.readouterr().err and not (tmp_path / "no").exists()


def test_cli_model_takes_a_zoo_entry_whose_checkpoint_is_hash_checked(assets, tmp_path, monkeypatch, capsys):
    """`--model NAME`: the entry's config and cached checkpoint (SHA-256 checked, no download with --no-download)
    give the same features as `CONFIG CKPT` with that config and file; every positional is then an input."""
    import dataclasses
    import hashlib
    import importlib

    from actionrec import zoo

    recognize_module = importlib.import_module("actionrec.recognize")  # `actionrec.recognize` is also a function

    payload = assets["tsn_ckpt"].read_bytes()
    prefix = hashlib.sha256(payload).hexdigest()[:8]
    entry = dataclasses.replace(
        zoo.get("tsn_r50_1x1x3_100e_kinetics400_rgb"),
        name="tiny",
        url=f"http://127.0.0.1:9/tiny_20240101-{prefix}.pth",  # never fetched: --no-download
        sha256_prefix=prefix,
        also_reported=(),
    )
    monkeypatch.setitem(zoo._registry(), "tiny", entry)
    monkeypatch.setattr(recognize_module, "zoo_config_path", lambda name, config: assets["tsn_cfg"])
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    cached = tmp_path / "home" / "checkpoints" / f"tiny_20240101-{prefix}.pth"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(payload)
    videos = [str(assets["videos"] / "v1.mp4"), str(assets["videos"] / "v2.mp4")]
    by_zoo, by_config = tmp_path / "zoo.npz", tmp_path / "config.npz"
    assert main(["features", "--model", "tiny", "--no-download", *videos, "--out", str(by_zoo), "--no-progress"]) == 0
    assert main(["features", str(assets["tsn_cfg"]), str(cached), *videos, "--out", str(by_config)]) == 0
    with np.load(by_zoo) as a, np.load(by_config) as b:
        assert a["features"].shape[0] == 2 and a["paths"].tolist() == videos
        np.testing.assert_array_equal(a["features"], b["features"])
    capsys.readouterr()

    cached.write_bytes(b"not the published weights")
    assert main(["features", "--model", "tiny", "--no-download", videos[0], "--out", str(tmp_path / "x.npz")]) == 2
    assert f"error: {cached}: SHA-256 mismatch: expected {prefix}" in capsys.readouterr().err
    assert main(["features", str(assets["tsn_cfg"]), videos[0], "--out", str(tmp_path / "x.npz")]) == 2
    assert "give CONFIG_OR_NAME CKPT and at least one list or video" in capsys.readouterr().err
    assert main(["features", str(assets["tsn_cfg"]), str(cached), videos[0], "--no-download", "--out", "y.npz"]) == 2
    assert "--no-download applies to --model" in capsys.readouterr().err
