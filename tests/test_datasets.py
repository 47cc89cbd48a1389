"""Datasets: sampling -> decoding -> transforms, reproducible per (epoch, index), unreadable samples
skipped and counted; `actionrec data inspect`.

Test videos paint their own frame index (tests/video_factory.py), so which frames a dataset
returned is read back from the pixels rather than trusted.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler
from video_factory import (
    FLOW_Y_BIT,
    make_corrupt_video,
    make_frame_folder,
    make_video,
    make_zero_byte_file,
    read_index,
)

from actionrec.cli import main
from actionrec.data.annotations import Sample, load_rawframe_list, load_video_list
from actionrec.data.datasets import (
    EpochSampler,
    Pipeline,
    RawframeDataset,
    SkipCounter,
    Skipped,
    VideoDataset,
    collate,
    worker_init_fn,
)

NUM_FRAMES = 30


def test_pipeline(num_clips: int = 3, test_mode: bool = True, flow_format: bool = False, clip_len: int = 1) -> list:
    """An MMAction2 pipeline without resizing, so returned frames keep their painted codes."""
    decode = [dict(type="RawFrameDecode")] if flow_format else [dict(type="DecordDecode")]
    init = [] if flow_format else [dict(type="DecordInit")]
    return [
        *init,
        dict(type="SampleFrames", clip_len=clip_len, frame_interval=1, num_clips=num_clips, test_mode=test_mode),
        *decode,
        dict(type="FormatShape", input_format="NCHW_Flow" if flow_format else "NCHW"),
        dict(type="PackActionInputs"),
    ]


test_pipeline.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Four good videos and three bad ones (missing, empty, truncated) in one list."""
    root = tmp_path_factory.mktemp("videos")
    for k in range(4):
        make_video(root / f"good{k}.mp4", num_frames=NUM_FRAMES)
    make_zero_byte_file(root / "empty.mp4")
    make_corrupt_video(root / "good0.mp4", root / "corrupt.mp4", mode="truncate")
    names = ["good0.mp4", "missing.mp4", "good1.mp4", "empty.mp4", "good2.mp4", "corrupt.mp4", "good3.mp4"]
    ann = root / "list.txt"
    ann.write_text("".join(f"{name} {k % 3}\n" for k, name in enumerate(names)))
    return root, ann


def test_test_mode_sampling_returns_the_documented_frames(videos):
    root, ann = videos
    dataset = VideoDataset(load_video_list(ann, root=root), Pipeline.from_mmaction(test_pipeline()))
    item = dataset[0]
    # SampleFrames test mode, clip_len 1: avg = 30 / 3 = 10, offsets = [0, 10, 20] + 5
    assert [read_index(view) for view in item["inputs"]] == [5, 15, 25]
    assert item["inputs"].dtype == torch.uint8 and item["inputs"].shape == (3, 3, 64, 80)
    assert item["label"].dtype == torch.long and item["label"].ndim == 0 and item["label"].item() == 0
    assert item["index"] == 0


def test_unreadable_samples_are_skipped_with_one_warning_each(videos, caplog):
    root, ann = videos
    dataset = VideoDataset(load_video_list(ann, root=root), Pipeline.from_mmaction(test_pipeline()))
    with caplog.at_level(logging.WARNING, logger="actionrec.data.datasets"):
        items = [dataset[i] for i in range(len(dataset))]
    skipped = [item for item in items if isinstance(item, Skipped)]
    assert [s.index for s in skipped] == [1, 3, 5]
    assert [s.path for s in skipped] == [str(root / n) for n in ("missing.mp4", "empty.mp4", "corrupt.mp4")]
    assert all(s.reason for s in skipped)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert all(s.path in r.getMessage() for s, r in zip(skipped, warnings))


@pytest.mark.parametrize("num_workers", [0, 2])
def test_dataloader_survives_bad_files_and_counts_them(videos, num_workers):
    root, ann = videos
    dataset = VideoDataset(load_video_list(ann, root=root), Pipeline.from_mmaction(test_pipeline(test_mode=False)))
    loader = DataLoader(
        dataset,
        batch_size=3,
        sampler=EpochSampler(range(len(dataset))),
        collate_fn=collate,
        num_workers=num_workers,
        worker_init_fn=worker_init_fn,
    )
    counter = SkipCounter()
    seen = []
    for batch in loader:
        counter.update(batch)
        seen += batch["index"].tolist()
        if batch["inputs"] is not None:
            assert batch["inputs"].shape[1:] == (3, 3, 64, 80)
            assert batch["label"].shape == (len(batch["index"]),)
    assert seen == [0, 2, 4, 6]
    assert counter.count == 3
    assert counter.files == sorted(str(root / n) for n in ("missing.mp4", "empty.mp4", "corrupt.mp4"))
    report = counter.report()
    assert report.startswith("skipped 3 unreadable samples (3 files)")
    assert all(path in report for path in counter.files)
    counter.reset()
    assert counter.count == 0 and counter.report() == "skipped 0 unreadable samples"


def test_a_batch_of_only_skipped_samples():
    batch = collate([Skipped(4, "a.mp4", "gone"), Skipped(9, "b.mp4", "empty")])
    assert batch["inputs"] is None and batch["label"] is None
    assert batch["index"].tolist() == []
    assert batch["skipped"] == [("a.mp4", "gone"), ("b.mp4", "empty")]


def test_sampling_is_reproducible_per_epoch_and_index(videos):
    root, ann = videos
    samples = load_video_list(ann, root=root)
    pipeline = Pipeline.from_mmaction(test_pipeline(num_clips=4, test_mode=False))
    dataset = VideoDataset(samples, pipeline, seed=7)
    other = VideoDataset(samples, Pipeline.from_mmaction(test_pipeline(num_clips=4, test_mode=False)), seed=7)

    def codes(ds, key):
        return [read_index(view) for view in ds[key]["inputs"]]

    for epoch, index in [(0, 0), (1, 0), (3, 4)]:
        # SampleFrames train mode, clip_len 1, 4 clips, 30 frames: avg = (30 - 1 + 1) // 4 = 7,
        # offsets = arange(4) * 7 + rng.integers(7, size=4), rng seeded by [seed, epoch, index].
        rng = np.random.default_rng([7, epoch, index])
        expected = (np.arange(4) * 7 + rng.integers(7, size=4)).tolist()
        assert codes(dataset, (epoch, index)) == expected
        assert codes(other, (epoch, index)) == expected
    assert codes(dataset, 2) == codes(dataset, (0, 2))  # a plain int is epoch 0
    draws = {tuple(codes(dataset, (epoch, 0))) for epoch in range(6)}
    assert len(draws) > 1
    seeds = {tuple(codes(VideoDataset(samples, pipeline, seed=s), (0, 0))) for s in range(6)}
    assert len(seeds) > 1


def test_epoch_sampler_wraps_random_and_distributed_samplers():
    data = list(range(10))
    random_base = RandomSampler(data, generator=torch.Generator().manual_seed(0))
    reference = list(RandomSampler(data, generator=torch.Generator().manual_seed(0)))
    sampler = EpochSampler(random_base)
    sampler.set_epoch(2)
    assert list(sampler) == [(2, i) for i in reference]
    assert len(sampler) == 10

    dist = EpochSampler(DistributedSampler(data, num_replicas=2, rank=1, shuffle=True, seed=3))
    plain = DistributedSampler(data, num_replicas=2, rank=1, shuffle=True, seed=3)
    for epoch in (0, 5):
        dist.set_epoch(epoch)
        plain.set_epoch(epoch)
        assert list(dist) == [(epoch, i) for i in plain]
    assert len(dist) == 5


def test_worker_init_fn_uses_one_thread():
    before = torch.get_num_threads()
    try:
        worker_init_fn(0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_rawframe_dataset_rgb_and_missing_folder(tmp_path):
    make_frame_folder(tmp_path / "a", 20)
    (tmp_path / "list.txt").write_text("a 20 1\nmissing 20 2\na 0 1\n")
    samples = load_rawframe_list(tmp_path / "list.txt", root=tmp_path)
    steps = test_pipeline(num_clips=2)
    steps[0], steps[2] = dict(type="RawFrameDecode"), dict(type="RawFrameDecode")
    dataset = RawframeDataset(samples, Pipeline.from_mmaction(steps))
    item = dataset[0]
    # test mode, clip_len 1, 20 frames, 2 clips: avg = 10, offsets [5, 15]; img_00006.jpg shows code 5
    assert [read_index(view) for view in item["inputs"]] == [5, 15]
    assert isinstance(dataset[1], Skipped) and dataset[1].path == str(tmp_path / "missing")
    assert isinstance(dataset[2], Skipped) and "no frames" in dataset[2].reason  # total_frames 0 in the list


def test_rawframe_dataset_flow(tmp_path):
    make_frame_folder(tmp_path / "f", 12, rgb=False, flow=True)
    samples = [Sample(str(tmp_path / "f"), 0, total_frames=12)]
    pipeline = Pipeline.from_mmaction(test_pipeline(num_clips=2, flow_format=True, clip_len=3))
    assert pipeline.modality == "Flow" and pipeline.source == "rawframes"
    item = RawframeDataset(samples, pipeline)[0]
    # 0.x-style FormatShape stacks x/y pairs: (clips, 2 * clip_len, H, W) with channels x0 y0 x1 y1 x2 y2.
    # 1.x test mode, clip_len 3 > 1: ori = 3, max_offset = 9, offsets round([0, 1] * 9 / 1) = [0, 9].
    assert item["inputs"].shape == (2, 6, 64, 80)
    codes = [[read_index(channel[None]) for channel in view] for view in item["inputs"]]
    assert codes == [[p + bit for p in start for bit in (0, FLOW_Y_BIT)] for start in ([0, 1, 2], [9, 10, 11])]


def test_multi_label_targets(videos):
    root, _ = videos
    samples = [Sample(str(root / "good0.mp4"), (1, 3))]
    pipeline = Pipeline.from_mmaction(test_pipeline())
    with pytest.raises(ValueError, match="num_classes"):
        VideoDataset(samples, pipeline)
    item = VideoDataset(samples, pipeline, num_classes=4)[0]
    assert torch.equal(item["label"], torch.tensor([0.0, 1.0, 0.0, 1.0]))


def test_pipeline_errors():
    steps = test_pipeline()
    with pytest.raises(ValueError, match="exactly one sampler step"):
        Pipeline.from_mmaction([s for s in steps if s["type"] != "SampleFrames"])
    with pytest.raises(ValueError, match="must end with FormatShape"):
        Pipeline.from_mmaction([s for s in steps if s["type"] != "FormatShape"])
    rawframe_pipeline = Pipeline.from_mmaction(test_pipeline(flow_format=True))
    with pytest.raises(ValueError, match="VideoDataset reads video"):
        VideoDataset([], rawframe_pipeline)


# ------------------------------------------------------------------------------ data inspect


def test_inspect_lists_counts_histogram_and_bad_files(videos, tmp_path, capsys):
    root, ann = videos
    label_map = tmp_path / "labels.txt"
    label_map.write_text("run\njump\nswim\n")
    code = main(["data", "inspect", str(ann), "--root", str(root), "--label-map", str(label_map)])
    out = capsys.readouterr().out
    assert code == 1
    assert "7 samples" in out
    # labels are k % 3 for k = 0..6: class 0 three times, classes 1 and 2 twice
    assert any(line.split()[:3] == ["0", "run", "3"] for line in out.splitlines())
    assert any(line.split()[:3] == ["2", "swim", "2"] for line in out.splitlines())
    assert "2 unreadable files" in out  # without --decode-all: only missing and empty files are visible
    assert f"{root / 'missing.mp4'}: no such file" in out and f"{root / 'empty.mp4'}: empty file" in out
    assert f"sample {root / 'good0.mp4'}: 30 frames, fps 25.00, frame shape (C, H, W) = (3, 64, 80)" in out


def test_inspect_decode_all_finds_the_corrupt_file(videos, capsys):
    root, ann = videos
    assert main(["data", "inspect", str(ann), "--root", str(root), "--decode-all"]) == 1
    out = capsys.readouterr().out
    assert "3 unreadable files" in out and str(root / "corrupt.mp4") in out


def test_inspect_rawframes_all_readable(tmp_path, capsys):
    make_frame_folder(tmp_path / "a", 6)
    (tmp_path / "list.txt").write_text("a 6 0\n")
    args = ["data", "inspect", str(tmp_path / "list.txt"), "--root", str(tmp_path), "--type", "rawframes"]
    assert main(args + ["--decode-all"]) == 0
    assert "all 1 frame folders decoded" in capsys.readouterr().out


def test_inspect_malformed_list_exits_nonzero_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("a.mp4 1\nb.mp4 1\nc.mp4 two\n")
    assert main(["data", "inspect", str(bad)]) == 2
    assert f"{bad}:3: expected 'relpath label', got 'c.mp4 two'" in capsys.readouterr().err
    assert main(["data", "inspect", str(tmp_path / "absent.txt")]) == 2
    assert "absent.txt" in capsys.readouterr().err


def test_a_frame_folder_numbered_from_zero_reads_with_start_index_0_from_a_config(tmp_path):
    """MMAction2's RawframeDataset(start_index=0): position p is img_{p:05d}.jpg; the default 1 would read p + 1."""
    from actionrec.config import Config
    from actionrec.engine.data import build_dataset

    make_frame_folder(tmp_path / "a", 20, start_index=0)
    (tmp_path / "list.txt").write_text("a 20 1\n")
    steps = test_pipeline(num_clips=2)
    steps[0], steps[2] = dict(type="RawFrameDecode"), dict(type="RawFrameDecode")
    split = dict(kind="rawframes", ann_file=str(tmp_path / "list.txt"), root=str(tmp_path), pipeline=steps)
    model = dict(name="tsn_r18", num_classes=3)
    zero = build_dataset(
        Config.from_dict(dict(model=model, data=dict(num_classes=3, test={**split, "start_index": 0}))), "test", True
    )
    assert [read_index(view) for view in zero[0]["inputs"]] == [5, 15]  # test mode, 20 frames, 2 clips: 5, 15
    one = build_dataset(Config.from_dict(dict(model=model, data=dict(num_classes=3, test=split))), "test", True)
    assert [read_index(view) for view in one[0]["inputs"]] == [6, 16]  # files img_00006 / img_00016 show codes 6, 16


@pytest.mark.parametrize(
    ("key", "value", "least"), [("start_index", -1, 0), ("batch_size", 0, 1), ("num_workers", -2, 0)]
)
def test_a_split_with_a_negative_count_names_the_key(key, value, least):
    from actionrec.config import Config, ConfigError

    split = {"ann_file": "a.txt", key: value}
    with pytest.raises(ConfigError, match=rf"data\.val\.{key} must be an integer >= {least}, got {value}"):
        Config.from_dict(dict(model=dict(name="tsn_r18", num_classes=3), data=dict(num_classes=3, val=split)))
