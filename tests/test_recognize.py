"""Single-video recognition: `actionrec.recognize`, `Recognizer` and `actionrec recognize`.

Every expected score comes from a hand-assembled path: the plainest PyAV decode
(`video_factory.decode_all_frames_pyav`) or direct JPEG reads, the sampler and transforms built by
hand (not from the config), and `model.predict` on a model loaded straight from the saved state dict.
Window timestamps are computed from the made video's known frame rate.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.io import ImageReadMode, read_image
from video_factory import decode_all_frames_pyav, make_frame_folder, make_video

import actionrec
from actionrec import build_model
from actionrec.cli import main
from actionrec.config import load_config
from actionrec.data.datasets import Pipeline
from actionrec.data.sampling import SampleFrames, UniformSample
from actionrec.data.transforms import CenterCrop, Clip, Compose, FormatShape, Resize, ThreeCrop
from actionrec.recognize import Recognizer, frames_from_array, window_spans, zoo_config_path

torch.set_num_threads(1)
recognize_module = importlib.import_module("actionrec.recognize")  # `actionrec.recognize` is the function

FPS, NUM_FRAMES, SIZE = 25, 60, (64, 80)  # 2.4 s
CLASSES = ["archery", "bowling", "cycling", "diving", "eating"]
TSN_MODEL = dict(
    type="Recognizer2D",
    backbone=dict(type="timm.resnet18", pretrained=False, channels=(8, 16, 32, 64), stem_width=8),
    cls_head=dict(type="TSNHead", num_classes=5, in_channels=64, average_clips="prob"),
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
)
TSN_TEST = [
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 40)),
    dict(type="ThreeCrop", crop_size=40),
    dict(type="FormatShape", input_format="NCHW"),
]
UNI_MODEL = dict(
    type="Recognizer3D",
    backbone=dict(
        type="UniFormerV2",
        input_resolution=32,
        patch_size=16,
        width=32,
        layers=2,
        heads=2,
        t_size=4,
        return_list=[1],
        n_layers=1,
        n_dim=32,
        n_head=2,
        mlp_factor=2.0,
        mlp_dropout=[0.1],
    ),
    cls_head=dict(type="UniFormerHead", num_classes=5, in_channels=32, average_clips="prob"),
    data_preprocessor=dict(mean=[114.75] * 3, std=[57.375] * 3, format_shape="NCTHW"),
)
UNI_TEST = [
    dict(type="UniformSample", clip_len=4, num_clips=2, test_mode=True),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 32)),
    dict(type="ThreeCrop", crop_size=32),
    dict(type="FormatShape", input_format="NCTHW"),
]
FLOW_MODEL = dict(
    type="Recognizer2D",
    backbone=dict(type="timm.resnet18", pretrained=False, channels=(8, 16, 32, 64), stem_width=8, in_chans=4),
    cls_head=dict(type="TSNHead", num_classes=5, in_channels=64, average_clips="prob"),
    data_preprocessor=dict(mean=[128.0] * 4, std=[128.0] * 4),
)
FLOW_TEST = [
    dict(type="SampleFrames", clip_len=2, frame_interval=1, num_clips=2, test_mode=True),
    dict(type="RawFrameDecode"),
    dict(type="Resize", scale=(-1, 40)),
    dict(type="ThreeCrop", crop_size=40),
    dict(type="FormatShape", input_format="NCHW_Flow"),
]


# -- hand-built protocols (what each config's test pipeline says, written out) ------------------------


def tsn_protocol():
    return SampleFrames(clip_len=1, num_clips=3, test_mode=True), Compose(
        [Resize((-1, 40)), ThreeCrop(40), FormatShape("NCHW")]
    )


def uni_protocol():
    return UniformSample(clip_len=4, num_clips=2, test_mode=True), Compose(
        [Resize((-1, 32)), ThreeCrop(32), FormatShape("NCTHW")]
    )


def reference(model, frames: torch.Tensor, protocol, average_clips, softmax: bool, modality: str = "RGB"):
    """Sample `frames` (already decoded, T x C x H x W), transform, predict; optionally softmax."""
    sampler, transform = protocol
    positions = sampler(len(frames), np.random.default_rng(0))
    clip = Clip(
        frames[torch.as_tensor(positions)],
        clip_len=sampler.clip_len,
        num_clips=len(positions) // sampler.clip_len,
        modality=modality,
    )
    scores = model.predict(transform(clip, np.random.default_rng(0))[None], average_clips=average_clips)[0]
    return (scores.softmax(-1) if softmax else scores).numpy()


# -- assets --------------------------------------------------------------------------------------------


def write_config(
    path: Path,
    model: dict,
    pipeline: list,
    *,
    kind: str = "video",
    modality: str = "RGB",
    label_map: str | None = None,
    average_clips: str | None = None,
) -> Path:
    test_split = dict(ann_file="never_read.txt", kind=kind, modality=modality, pipeline=pipeline)
    data = dict(num_classes=5, test=test_split, **({"label_map": label_map} if label_map else {}))
    lines = [f"model = {model!r}", f"data = {data!r}"]
    if average_clips:
        lines.append(f"test = {dict(average_clips=average_clips)!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def save_checkpoint(config: Path, path: Path, seed: int) -> Path:
    """Random weights with a spread-out classifier, so the class probabilities differ clearly."""
    torch.manual_seed(seed)
    model = build_model(load_config(config).model)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.startswith("cls_head.") and tensor.dtype.is_floating_point:
                tensor.normal_(0.0, 2.0)
    torch.save({"state_dict": model.state_dict()}, path)
    return path


def loaded(config: Path, checkpoint: Path):
    model = build_model(load_config(config).model)
    model.load_state_dict(torch.load(checkpoint, weights_only=True)["state_dict"])
    return model.eval()


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("recognize")
    labels = root / "labels.txt"
    labels.write_text("\n".join(CLASSES) + "\n")
    video = make_video(root / "clip.mp4", num_frames=NUM_FRAMES, size=SIZE, fps=FPS, gop=12)
    tsn_cfg = write_config(root / "tsn.py", TSN_MODEL, TSN_TEST, label_map=str(labels), average_clips="score")
    uni_cfg = write_config(root / "uni.py", UNI_MODEL, UNI_TEST, label_map=str(labels))
    a = dict(
        root=root,
        labels=labels,
        video=video,
        frames=decode_all_frames_pyav(video)[0],
        tsn_cfg=tsn_cfg,
        tsn_ckpt=save_checkpoint(tsn_cfg, root / "tsn.pth", 0),
        uni_cfg=uni_cfg,
        uni_ckpt=save_checkpoint(uni_cfg, root / "uni.pth", 1),
    )
    a["tsn"] = loaded(a["tsn_cfg"], a["tsn_ckpt"])
    a["uni"] = loaded(a["uni_cfg"], a["uni_ckpt"])
    a["tsn_recognizer"] = Recognizer.from_config(tsn_cfg, a["tsn_ckpt"], device="cpu")
    return a


def tsn_reference(assets, frames=None):
    """TSN config: test.average_clips='score' -> raw averaged scores, reported after a softmax."""
    return reference(assets["tsn"], assets["frames"] if frames is None else frames, tsn_protocol(), "score", True)


# -- whole-video recognition ---------------------------------------------------------------------------


def test_tsn_video_path_matches_the_hand_assembled_reference(assets):
    result = actionrec.recognize(
        str(assets["video"]), config=assets["tsn_cfg"], checkpoint=assets["tsn_ckpt"], device="cpu"
    )
    expected = tsn_reference(assets)
    assert result.scores.shape == (5,)
    np.testing.assert_allclose(result.scores, expected, rtol=1e-5, atol=1e-6)
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-5)
    assert result.labels == CLASSES  # from the config's data.label_map
    order = np.argsort(-expected)
    assert [name for name, _ in result.topk(3)] == [CLASSES[i] for i in order[:3]]
    assert [p for _, p in result.topk(3)] == pytest.approx(expected[order[:3]].tolist(), rel=1e-5)
    assert result.scores.max() > 0.3  # the spread-out head makes the comparison meaningful
    text = str(result)
    assert str(assets["video"]) in text and f"1. {CLASSES[order[0]]}" in text


def test_uniformerv2_video_path_matches_the_hand_assembled_reference(assets):
    result = actionrec.recognize(assets["video"], config=assets["uni_cfg"], checkpoint=assets["uni_ckpt"], device="cpu")
    expected = reference(assets["uni"], assets["frames"], uni_protocol(), "prob", False)  # 'prob': already averaged
    np.testing.assert_allclose(result.scores, expected, rtol=1e-5, atol=1e-6)
    assert result.scores.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("which", ["tsn", "uni"])
def test_frames_in_memory_in_both_layouts_equal_the_path(assets, which):
    recognizer = (
        assets["tsn_recognizer"]
        if which == "tsn"
        else Recognizer.from_config(assets["uni_cfg"], assets["uni_ckpt"], device="cpu")
    )
    from_path = recognizer(assets["video"]).scores
    channels_first = assets["frames"]  # torch (T, C, H, W)
    channels_last = channels_first.permute(0, 2, 3, 1).numpy().copy()  # numpy (T, H, W, C), as decord/OpenCV
    np.testing.assert_allclose(recognizer(channels_first).scores, from_path, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(recognizer(channels_last).scores, from_path, rtol=1e-6, atol=1e-7)


def test_in_memory_model_with_a_pipeline_or_a_config(assets):
    model = loaded(assets["tsn_cfg"], assets["tsn_ckpt"])
    pipeline = Pipeline.from_mmaction(TSN_TEST)
    with_pipeline = actionrec.recognize(
        assets["video"], model=model, pipeline=pipeline, label_map=CLASSES, device="cpu"
    )
    # no config: the model's own averaging ('prob' in its head)
    expected = reference(assets["tsn"], assets["frames"], tsn_protocol(), "prob", False)
    np.testing.assert_allclose(with_pipeline.scores, expected, rtol=1e-5, atol=1e-6)
    assert with_pipeline.labels == CLASSES
    with_config = actionrec.recognize(assets["video"], model=model, config=assets["tsn_cfg"], device="cpu")
    np.testing.assert_allclose(with_config.scores, tsn_reference(assets), rtol=1e-5, atol=1e-6)


# -- windows -------------------------------------------------------------------------------------------


def test_windows_default_stride_drop_a_short_final_window(assets):
    # 60 frames at 25 fps end at 2.4 s: [0, 1), [1, 2), and [2, 2.4) lasts 0.4 s < half a window: dropped
    windows = assets["tsn_recognizer"](assets["video"], window=1.0)
    assert [(w.start, w.end) for w in windows] == [pytest.approx((0.0, 1.0)), pytest.approx((1.0, 2.0))]
    for w, first in zip(windows, (0, 25)):
        expected = tsn_reference(assets, assets["frames"][first : first + 25])
        np.testing.assert_allclose(w.scores, expected, rtol=1e-5, atol=1e-6)


def test_windows_with_stride_keep_a_final_partial_window_of_at_least_half(assets):
    windows = assets["tsn_recognizer"](assets["video"], window=1.0, stride=0.8)
    # frame i shows at i / 25 s; a window holds the frames with start <= i / 25 < end
    expected_spans = [(0.0, 1.0, 0, 25), (0.8, 1.8, 20, 45), (1.6, 2.4, 40, 60)]
    assert len(windows) == 3
    for w, (start, end, first, stop) in zip(windows, expected_spans):
        assert (w.start, w.end) == (pytest.approx(start), pytest.approx(end))
        np.testing.assert_allclose(w.scores, tsn_reference(assets, assets["frames"][first:stop]), rtol=1e-5, atol=1e-6)
    different = np.abs(windows[0].scores - windows[2].scores).max()
    assert different > 1e-4  # the windows really see different frames


def test_windows_read_the_input_once_in_order(assets, monkeypatch):
    # windows are streamed: one sequential pass over the frames, each read once, a few at a time
    reads = []
    original = recognize_module.ArrayReader.read
    monkeypatch.setattr(
        recognize_module.ArrayReader, "read", lambda self, i: reads.append(list(i)) or original(self, i)
    )
    windows = assets["tsn_recognizer"](assets["frames"], window=1.0, stride=0.8, fps=FPS)
    assert [index for chunk in reads for index in chunk] == list(range(NUM_FRAMES))
    assert max(len(chunk) for chunk in reads) < NUM_FRAMES  # never the whole input at once
    for w, (first, stop) in zip(windows, [(0, 25), (20, 45), (40, 60)], strict=True):
        np.testing.assert_allclose(w.scores, tsn_reference(assets, assets["frames"][first:stop]), rtol=1e-5, atol=1e-6)


def test_windows_over_frames_in_memory_need_fps(assets):
    with pytest.raises(ValueError, match="fps"):
        assets["tsn_recognizer"](assets["frames"], window=1.0)
    windows = assets["tsn_recognizer"](assets["frames"], window=1.0, fps=FPS)
    assert [(w.start, w.end) for w in windows] == [pytest.approx((0.0, 1.0)), pytest.approx((1.0, 2.0))]
    np.testing.assert_allclose(windows[1].scores, tsn_reference(assets, assets["frames"][25:50]), rtol=1e-5, atol=1e-6)


def test_window_spans_rules():
    times = [i / 10 for i in range(10)]  # 10 frames at 10 fps: the video lasts 1.0 s
    spans = window_spans(times, 0.1, window=0.4)
    assert [(s.first, s.count) for s in spans] == [(0, 4), (4, 4), (8, 2)]  # [0.8, 1.0) lasts half a window: kept
    spans = window_spans(times, 0.1, window=0.3)
    # [0, .3) [.3, .6) [.6, .9) [.9, 1.0): the last lasts 0.1 s < 0.15 s: dropped
    assert [(s.first, s.count) for s in spans] == [(0, 3), (3, 3), (6, 3)]
    # a video shorter than half a window is still one window
    assert [(s.first, s.count, s.start, s.end) for s in window_spans(times[:2], 0.1, window=5.0)] == [(0, 2, 0.0, 0.2)]
    # variable frame rate with a gap: a window without frames is left out
    gap = [0.0, 0.1, 0.2, 1.5, 1.6]
    # [0, .4) [.4, .8) [.8, 1.2) [1.2, 1.6) [1.6, 1.7): the 2nd and 3rd are empty, the last too short
    assert [(s.first, s.count) for s in window_spans(gap, 0.1, window=0.4)] == [(0, 3), (3, 1)]
    with pytest.raises(ValueError, match="positive"):
        window_spans(times, 0.1, window=0.0)


# -- frame-folder configs -------------------------------------------------------------------------------


def test_rawframe_rgb_config_decodes_video_files_with_the_same_protocol(assets, tmp_path):
    steps = [dict(step, type="RawFrameDecode") if step["type"] == "DecordDecode" else step for step in TSN_TEST]
    config = write_config(
        tmp_path / "tsn_rawframes.py",
        TSN_MODEL,
        steps,
        kind="rawframes",
        label_map=str(assets["labels"]),
        average_clips="score",
    )
    recognizer = Recognizer.from_config(config, assets["tsn_ckpt"], device="cpu")
    np.testing.assert_allclose(recognizer(assets["video"]).scores, tsn_reference(assets), rtol=1e-5, atol=1e-6)
    # and an RGB frame folder is read as frames img_00001.jpg ...
    folder = make_frame_folder(tmp_path / "frames", num_frames=12, size=SIZE)
    jpegs = torch.stack([read_image(str(folder / f"img_{i:05d}.jpg"), ImageReadMode.RGB) for i in range(1, 13)])
    np.testing.assert_allclose(recognizer(folder).scores, tsn_reference(assets, jpegs), rtol=1e-5, atol=1e-6)


def test_flow_config_needs_flow_frames(assets, tmp_path):
    config = write_config(tmp_path / "flow.py", FLOW_MODEL, FLOW_TEST, kind="rawframes", modality="Flow")
    checkpoint = save_checkpoint(config, tmp_path / "flow.pth", 2)
    recognizer = Recognizer.from_config(config, checkpoint, label_map=assets["labels"], device="cpu")
    with pytest.raises(ValueError, match=r"flow model.*precomputed flow frames"):
        recognizer(assets["video"])
    folder = make_frame_folder(tmp_path / "flow", num_frames=9, size=SIZE, rgb=False, flow=True)
    flow = torch.stack(
        [
            torch.cat([read_image(str(folder / f"{d}_{i:05d}.jpg"), ImageReadMode.GRAY) for d in "xy"])
            for i in range(1, 10)
        ]
    )  # (T, 2, H, W), x first
    protocol = (
        SampleFrames(clip_len=2, num_clips=2, test_mode=True),
        Compose([Resize((-1, 40)), ThreeCrop(40), FormatShape("NCHW_Flow")]),
    )
    expected = reference(loaded(config, checkpoint), flow, protocol, "prob", False, modality="Flow")
    result = recognizer(folder)
    np.testing.assert_allclose(result.scores, expected, rtol=1e-5, atol=1e-6)
    assert result.labels == CLASSES
    # flow frames in memory: (T, 2, H, W)
    np.testing.assert_allclose(recognizer(flow).scores, expected, rtol=1e-5, atol=1e-6)


# -- the command line -----------------------------------------------------------------------------------


def test_cli_text_and_json(assets, capsys):
    video, cfg, ckpt = str(assets["video"]), str(assets["tsn_cfg"]), str(assets["tsn_ckpt"])
    expected = tsn_reference(assets)
    best = [CLASSES[i] for i in np.argsort(-expected)[:3]]

    assert main(["recognize", video, "--config", cfg, "--checkpoint", ckpt, "--topk", "3", "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == video
    assert [line.split()[:2] for line in lines[1:]] == [[f"{r}.", name] for r, name in enumerate(best, 1)]

    assert (
        main(
            [
                "recognize",
                video,
                video,
                "--config",
                cfg,
                "--checkpoint",
                ckpt,
                "--topk",
                "3",
                "--json",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    documents = json.loads(capsys.readouterr().out)
    assert len(documents) == 2
    for doc in documents:
        assert doc["video"] == video and doc["labels"] == CLASSES
        assert len(doc["scores"]) == 5 and sum(doc["scores"]) == pytest.approx(1.0, abs=1e-5)
        np.testing.assert_allclose(doc["scores"], expected, rtol=1e-5, atol=1e-6)
        assert [t["label"] for t in doc["topk"]] == best

    assert (
        main(
            [
                "recognize",
                video,
                "--config",
                cfg,
                "--checkpoint",
                ckpt,
                "--window",
                "1",
                "--stride",
                "0.8",
                "--json",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    (doc,) = json.loads(capsys.readouterr().out)
    assert [(w["start"], w["end"]) for w in doc["windows"]] == [
        pytest.approx((0.0, 1.0)),
        pytest.approx((0.8, 1.8)),
        pytest.approx((1.6, 2.4)),
    ]

    assert main(["recognize", video, "--config", cfg, "--checkpoint", ckpt, "--window", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "2 windows" in out and "0.00-1.00 s" in out and "1.00-2.00 s" in out


def test_cli_errors_name_the_problem(assets, tmp_path, capsys):
    cfg, ckpt = str(assets["tsn_cfg"]), str(assets["tsn_ckpt"])
    missing = str(tmp_path / "nope.mp4")
    # one unreadable video among several: the others are still recognised, the exit code says one was bad
    assert (
        main(["recognize", missing, str(assets["video"]), "--config", cfg, "--checkpoint", ckpt, "--device", "cpu"])
        == 2
    )
    captured = capsys.readouterr()
    assert captured.err == f"error: video not found: {missing}\n" and str(assets["video"]) in captured.out
    assert main(["recognize", str(assets["video"]), "--config", cfg]) == 2
    assert capsys.readouterr().err == "error: --config needs --checkpoint (the trained weights)\n"
    assert main(["recognize", str(assets["video"]), "--config", str(tmp_path / "none.py"), "--checkpoint", ckpt]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: config file not found: {tmp_path / 'none.py'}") and err.count("\n") == 1
    assert main(["recognize", str(assets["video"]), "--model", "tsn_r50_no_such_entry"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no zoo entry named 'tsn_r50_no_such_entry'") and "Traceback" not in err


def test_cli_checks_every_video_before_building_the_model(assets, tmp_path, capsys, monkeypatch):
    """A typo in the only video fails at once, without building (or loading) any model."""
    built = []
    monkeypatch.setattr(recognize_module, "build_model", lambda *a, **k: built.append(a) or build_model(*a, **k))
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_text("not a video")
    missing = tmp_path / "nope.mp4"
    args = ["recognize", str(missing), str(not_a_video), "--config", str(assets["tsn_cfg"]), "--checkpoint"]
    assert main([*args, str(tmp_path / "no_checkpoint.pth")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: video not found: {missing}"
    assert err[1].startswith("error: ") and str(not_a_video) in err[1] and len(err) == 2
    assert built == []  # and the missing checkpoint was never reached
    with pytest.raises(FileNotFoundError, match="video not found"):
        actionrec.recognize(missing, config=assets["tsn_cfg"], checkpoint=tmp_path / "no_checkpoint.pth")
    assert built == []


# -- errors ---------------------------------------------------------------------------------------------


def test_bad_frame_arrays_are_refused_with_the_expected_layout():
    good = np.zeros((4, 32, 40, 3), np.uint8)
    assert tuple(frames_from_array(good).shape) == (4, 3, 32, 40)
    with pytest.raises(
        ValueError,
        match=r"numpy array \(T, H, W, C\) with C=3, got shape \(4, 3, 32, 40\); "
        r"it looks channels-first: pass frames\.transpose\(0, 2, 3, 1\)",
    ):
        frames_from_array(good.transpose(0, 3, 1, 2))
    with pytest.raises(
        ValueError,
        match=r"torch tensor \(T, C, H, W\) with C=3, got shape \(4, 32, 40, 3\); "
        r"it looks channels-last: pass frames\.permute\(0, 3, 1, 2\)",
    ):
        frames_from_array(torch.from_numpy(good))
    with pytest.raises(ValueError, match=r"got shape \(32, 40, 3\) \(one image: add a time axis\)"):
        frames_from_array(good[0])
    with pytest.raises(ValueError, match="got dtype float32"):
        frames_from_array(good.astype(np.float32))
    with pytest.raises(ValueError, match="ambiguous"):
        frames_from_array(np.zeros((4, 3, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"got shape \(4, 32, 40, 4\)"):
        frames_from_array(np.zeros((4, 32, 40, 4), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        frames_from_array(np.zeros((0, 32, 40, 3), np.uint8))
    with pytest.raises(TypeError, match="list"):
        frames_from_array([good])


def test_api_errors_name_the_thing_and_what_was_expected(assets, tmp_path):
    with pytest.raises(FileNotFoundError, match=f"video not found: {tmp_path / 'missing.mp4'}"):
        assets["tsn_recognizer"](tmp_path / "missing.mp4")
    with pytest.raises(FileNotFoundError, match=f"config file not found: {tmp_path / 'missing.py'}"):
        actionrec.recognize(assets["video"], config=tmp_path / "missing.py", checkpoint=assets["tsn_ckpt"])
    with pytest.raises(ValueError, match="a checkpoint is needed"):
        actionrec.recognize(assets["video"], config=assets["tsn_cfg"])
    with pytest.raises(ValueError, match="recognize needs model=<zoo name>"):
        actionrec.recognize(assets["video"])
    with pytest.raises(ValueError, match="label map has 3 names but the model scores 5 classes"):
        actionrec.recognize(
            assets["frames"],
            model=assets["tsn"],
            pipeline=Pipeline.from_mmaction(TSN_TEST),
            label_map=CLASSES[:3],
            device="cpu",
        )
    with pytest.raises(
        ValueError,
        match=r"expected a uint8 torch tensor \(T, C, H, W\) with C=3, got shape "
        r"\(60, 64, 80, 3\); it looks channels-last",
    ):
        assets["tsn_recognizer"](assets["frames"].permute(0, 2, 3, 1))


def test_missing_label_map_falls_back_to_class_indices(assets, tmp_path, caplog):
    config = write_config(tmp_path / "nolabels.py", TSN_MODEL, TSN_TEST, label_map=str(tmp_path / "absent.txt"))
    result = actionrec.recognize(assets["frames"], config=config, checkpoint=assets["tsn_ckpt"], device="cpu")
    assert result.labels == [f"class_{i}" for i in range(5)]
    assert "absent.txt does not exist" in caplog.text and "class_<i>" in caplog.text


def test_zoo_entries_resolve_their_config_and_checkpoint_or_say_what_is_missing(assets, tmp_path, monkeypatch):
    with pytest.raises(
        FileNotFoundError,
        match=r"zoo entry x: config configs/recognition/tsn/none\.py not found in the installed package",
    ):
        zoo_config_path("x", "configs/recognition/tsn/none.py")
    # the zoo's configs are found inside the package, from any working directory
    monkeypatch.chdir(tmp_path)
    entry = actionrec.zoo.get("tsn_r50_1x1x3_75e_ucf101_rgb")
    packaged = zoo_config_path(entry.name, entry.config)
    assert packaged == Path(actionrec.__file__).parent / "configs/recognition/tsn/tsn_r50_1x1x3_75e_ucf101_rgb.py"
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:  # offline: nothing is downloaded
        actionrec.recognize(assets["video"], model=entry.name, download=False)
    message = str(error.value)
    assert entry.url in message and f"put it at {tmp_path / 'checkpoints' / entry.filename}" in message
    with pytest.raises(ValueError, match="late fusion of"):
        actionrec.recognize(assets["video"], model="tsn_r50_320p_1x1x3_kinetics400_twostream")


# -- packaged configs by name, --cfg-options, the packaged label map ------------------------------------

K400 = "tsn_r50_1x1x3_100e_kinetics400_rgb"
# the K400 TSN's test protocol (25 segments x 10 crops at 224) cut down to one 56 px view, to run in a test
FEWER_VIEWS = [
    "data.test.pipeline.0.num_clips=1",
    "data.test.pipeline.2.scale=(-1, 64)",
    "data.test.pipeline.3.type='CenterCrop'",
    "data.test.pipeline.3.crop_size=56",
]


@pytest.fixture(scope="module")
def k400_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("k400") / "tsn_k400_random.pth"
    torch.manual_seed(0)
    torch.save(build_model(K400).state_dict(), path)  # a plain state dict, as torch.save(model.state_dict())
    return path


def test_a_packaged_config_by_name_with_cfg_options_and_its_packaged_label_map(assets, k400_checkpoint, tmp_path):
    k400_names = (Path(actionrec.__file__).parent / "label_maps" / "label_map_k400.txt").read_text().splitlines()
    assert len(k400_names) == 400 and k400_names[0] == "abseiling"
    by_name = actionrec.recognize(
        assets["video"], config=K400, checkpoint=k400_checkpoint, cfg_options=FEWER_VIEWS, device="cpu"
    )
    # the config names data/kinetics400/label_map_k400.txt, which is not here: the packaged copy is used
    assert not Path("data/kinetics400/label_map_k400.txt").exists()
    assert by_name.labels == k400_names and by_name.scores.shape == (400,)
    # the same as the file itself, read from another directory
    path = Path(actionrec.__file__).parent / "configs" / "recognition" / "tsn" / f"{K400}.py"
    by_path = actionrec.recognize(
        assets["video"], config=path, checkpoint=k400_checkpoint, cfg_options=FEWER_VIEWS, device="cpu"
    )
    np.testing.assert_array_equal(by_name.scores, by_path.scores)
    # --cfg-options really changed the protocol: one 56 px centre view of one segment
    model = build_model(K400).eval()
    model.load_state_dict(torch.load(k400_checkpoint, weights_only=True))
    sampler = SampleFrames(clip_len=1, num_clips=1, test_mode=True)
    frames = assets["frames"][torch.as_tensor(sampler(len(assets["frames"]), np.random.default_rng(0)))]
    views = Compose([Resize((-1, 64)), CenterCrop(56), FormatShape("NCHW")])(
        Clip(frames, clip_len=1, num_clips=1), np.random.default_rng(0)
    )
    assert views.shape == (1, 3, 56, 56)
    # the config leaves average_clips None: the one view's raw scores, reported after a softmax
    expected = model.predict(views[None], average_clips=None)[0].softmax(-1).numpy()
    np.testing.assert_allclose(by_name.scores, expected, rtol=1e-4, atol=1e-6)


def test_cli_recognize_by_config_name_prints_class_names(assets, k400_checkpoint, capsys):
    argv = ["recognize", str(assets["video"]), "--config", K400, "--checkpoint", str(k400_checkpoint)]
    assert main([*argv, "--cfg-options", *FEWER_VIEWS, "--device", "cpu", "--topk", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    k400_names = set((Path(actionrec.__file__).parent / "label_maps" / "label_map_k400.txt").read_text().splitlines())
    assert lines[1].split()[1] in k400_names and "class_" not in lines[1]
