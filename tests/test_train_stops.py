"""Training runs stop for the right reasons: too many unreadable samples (with the files and the likely
cause named), no readable sample at all, nothing to validate; and the torch thread rule."""

from __future__ import annotations

import json

import pytest
import torch
from engine_standins import TinyDataset, standin_config, use_standin_data
from torch.utils.data import DataLoader

from actionrec.cli import main
from actionrec.config import Config, ConfigError
from actionrec.data.datasets import collate
from actionrec.engine.data import ShardSampler, TrainSampler, UnreadableDataError, likely_cause
from actionrec.engine.distributed import default_threads
from actionrec.engine.evaluate import predict
from actionrec.engine.logging import read_runs
from actionrec.engine.trainer import train

EVERY_SAMPLE = frozenset(range(24))


def run(work_dir, monkeypatch, unreadable=frozenset(), resume=None, **overrides):
    use_standin_data(monkeypatch.setattr, length=24, unreadable=unreadable)
    return train(standin_config(str(work_dir), **overrides), resume=resume, device="cpu", progress=False)


def test_an_epoch_of_unreadable_samples_stops_naming_them_and_keeps_earlier_checkpoints(tmp_path, monkeypatch):
    run(tmp_path, monkeypatch, **{"schedule.epochs": 1})
    kept = {name: (tmp_path / name).read_bytes() for name in ("latest.pth", "epoch_1.pth", "best.pth")}
    with pytest.raises(UnreadableDataError) as error:  # the second epoch: every file broken since
        run(tmp_path, monkeypatch, EVERY_SAMPLE, resume="latest", **{"schedule.epochs": 2})
    first = TrainSampler(24, 4, seed=0).epoch_order(1)[:3].tolist()  # epoch 2's first batch
    message = str(error.value)
    # 4 > 0.1 * 24 after the first batch of 4: certain to exceed the limit, so it stops there
    assert message.startswith(
        "epoch 2: 4 of the 4 samples read so far are unreadable, more than train.max_corrupt_fraction=0.1 "
        f"of the epoch's 24; the run stopped (checkpoints already in {tmp_path} are kept). Likely cause: 4 of the "
        "4 paths checked do not exist; check data.train.root"
    )
    shown = "; ".join(f"standin/{i}.mp4 (VideoDecodeError: standin/{i}.mp4: moov atom not found)" for i in first)
    assert f"First unreadable: {shown}, ..." in message
    assert {name: (tmp_path / name).read_bytes() for name in kept} == kept  # finished work untouched


def test_a_few_unreadable_samples_are_skipped_and_counted_one_more_stops_the_run(tmp_path, monkeypatch):
    order = TrainSampler(24, 4, seed=0).epoch_order(0).tolist()
    two = frozenset(order[i] for i in (0, 5))  # 2 <= 0.1 * 24: tolerated in every epoch
    run(tmp_path / "two", monkeypatch, two, **{"schedule.epochs": 2})
    records = read_runs(tmp_path / "two")
    assert [r["skipped_samples"] for r in records if "skipped_samples" in r] == [2, 2]

    three = frozenset(order[i] for i in (0, 5, 9))  # the third is in batch 3 (positions 8..11)
    with pytest.raises(UnreadableDataError, match="epoch 1: 3 of the 12 samples read so far are unreadable"):
        run(tmp_path / "three", monkeypatch, three, **{"schedule.epochs": 2})


def test_no_batch_formed_stops_even_when_any_fraction_is_allowed(tmp_path, monkeypatch):
    with pytest.raises(UnreadableDataError) as error:
        run(tmp_path, monkeypatch, EVERY_SAMPLE, **{"train.max_corrupt_fraction": 1.0})
    assert str(error.value).startswith("epoch 1: no batch could be formed, all 24 samples are unreadable;")
    assert not list(tmp_path.glob("*.pth"))  # nothing trained, nothing written


def test_the_command_line_prints_the_stop_message_and_exits_2(tmp_path, monkeypatch, capsys):
    use_standin_data(monkeypatch.setattr, length=24, unreadable=EVERY_SAMPLE)
    config = tmp_path / "standin.json"
    config.write_text(json.dumps(standin_config(str(tmp_path / "work")).to_dict()))
    assert main(["train", str(config), "--no-progress", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: epoch 1: 4 of the 4 samples read so far are unreadable")
    assert len(err.splitlines()) == 1


def _real_config(tmp_path, kind: str, decoder: str) -> Config:
    pipeline = [
        dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=2),
        dict(type=decoder),
        dict(type="Resize", scale=(6, 6), keep_ratio=False),
        dict(type="FormatShape", input_format="NCHW"),
    ]
    split = dict(ann_file=str(tmp_path / "list.txt"), root=str(tmp_path), kind=kind, pipeline=pipeline, batch_size=4)
    split["num_workers"] = 0
    return Config.from_dict(
        dict(
            model=dict(name="standin_tiny", num_classes=3),
            data=dict(num_classes=3, train=split),
            train=dict(threads=1),
            work_dir=str(tmp_path / "work"),
        )
    )


def test_a_list_of_video_files_read_as_frame_folders_names_the_likely_cause(tmp_path):
    for i in range(8):
        (tmp_path / f"v{i}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")  # files, whatever their content
    (tmp_path / "list.txt").write_text("".join(f"v{i}.mp4 16 {i % 3}\n" for i in range(8)))
    with pytest.raises(UnreadableDataError) as error:
        train(_real_config(tmp_path, "rawframes", "RawFrameDecode"), device="cpu", progress=False)
    message = str(error.value)
    assert "epoch 1: 4 of the 4 samples read so far are unreadable" in message
    assert "Likely cause: the lists name files (videos?) but data.train reads frame folders" in message
    assert f"First unreadable: {tmp_path}/v" in message


def test_a_list_of_frame_folders_read_as_videos_names_the_likely_cause(tmp_path):
    for i in range(8):
        (tmp_path / f"clip{i}").mkdir()
        (tmp_path / f"clip{i}" / "img_00001.jpg").write_bytes(b"")
    (tmp_path / "list.txt").write_text("".join(f"clip{i} {i % 3}\n" for i in range(8)))
    with pytest.raises(UnreadableDataError) as error:
        train(_real_config(tmp_path, "video", "DecordDecode"), device="cpu", progress=False)
    assert "Likely cause: the lists name frame folders but data.train decodes video files" in str(error.value)


def test_likely_cause_from_what_the_paths_are(tmp_path):
    assert likely_cause([str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4")], "video", "val").startswith(
        "2 of the 2 paths checked do not exist; check data.val.root"
    )
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert likely_cause([str(tmp_path / "empty.mp4")], "video", "train").startswith("the files are empty (0 bytes)")
    (tmp_path / "junk.mp4").write_bytes(b"junk")
    assert likely_cause([str(tmp_path / "junk.mp4")], "video", "train").startswith(
        "the files exist but cannot be decoded"
    )


def test_validation_without_one_readable_sample_is_a_clear_error():
    dataset = TinyDataset(5, unreadable=frozenset(range(5)), test_mode=True)
    loader = DataLoader(dataset, batch_size=2, sampler=ShardSampler(5), collate_fn=collate)
    with pytest.raises(UnreadableDataError, match=r"data\.val: 5 of 5 samples are unreadable, nothing to score"):
        predict(torch.nn.Identity(), loader, torch.device("cpu"), 5, split="val")


def test_default_threads_leave_a_core_per_data_worker():
    assert default_threads(cores=16, num_workers=8) == 8
    assert default_threads(cores=16, num_workers=0) == 16
    assert default_threads(cores=2, num_workers=4) == 1  # never fewer than one
    assert default_threads(cores=16, num_workers=2, local_processes=4) == 2  # 4 processes share 16 cores
    assert default_threads(cores=3, num_workers=0, local_processes=2) == 1


def test_missing_data_is_reported_before_any_pretrained_download(tmp_path, monkeypatch):
    """A seed config (pretrained=True) with lists that do not exist fails on the lists, not on a download."""
    from actionrec.config import load_config
    from actionrec.engine import trainer

    def no_download(*args, **kwargs):
        raise AssertionError("a download was attempted before the data were checked")

    monkeypatch.setattr("actionrec.checkpoints.download", no_download)
    cfg = load_config("tsn_r50_video_1x1x8_100e_kinetics400_rgb", [f"work_dir={str(tmp_path)!r}"])
    with pytest.raises(ConfigError, match=r"data\.train\.ann_file: .* does not exist \(checked before any download\)"):
        trainer.train(cfg, device="cpu", progress=False)
