"""A seed config retargeted to your own videos with at most three options (`--data-root`, `--num-classes`, `--epochs`)."""

import json

import pytest
from video_factory import make_video

from actionrec.cli import main
from actionrec.config import ConfigError, load_config, load_config_dict
from actionrec.config.retarget import retarget_overrides, schedule_overrides

FRAMES_CONFIG = "actionrec/configs/recognition/tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py"  # reads frame folders
FLOW_CONFIG = "actionrec/configs/recognition/tsn/tsn_r50_320p_1x1x3_110e_kinetics400_flow.py"
HVU_CONFIG = "actionrec/configs/recognition/tsn/hvu/tsn_r18_1x1x8_100e_hvu_action_rgb.py"


@pytest.fixture
def my_videos(tmp_path):
    """Three classes of two short videos each, with the lists `actionrec data prepare folder` writes beside them."""
    root = tmp_path / "my_videos"
    lines = {"train": [], "val": []}
    for label, name in enumerate(("clap", "jump", "wave")):
        (root / name).mkdir(parents=True)
        for split in ("train", "val"):
            make_video(root / name / f"{split}.mp4", num_frames=12, size=(48, 40))
            lines[split].append(f"{name}/{split}.mp4 {label}")
    (root / "train_list_videos.txt").write_text("\n".join(lines["train"]) + "\n")
    (root / "val_list_videos.txt").write_text("\n".join(lines["val"]) + "\n")
    (root / "label_map.txt").write_text("clap\njump\nwave\n")
    return root


def _retargeted(config, root, **kw):
    raw, _ = load_config_dict(config)
    return load_config(config, retarget_overrides(raw, root, **kw))


def test_a_frame_folder_config_is_switched_to_the_videos(my_videos):
    cfg = _retargeted(FRAMES_CONFIG, my_videos)
    assert cfg.data.num_classes == 3 and cfg.model["num_classes"] == 3  # from the label map's three lines
    assert cfg.data.train.ann_file == str(my_videos / "train_list_videos.txt")
    assert cfg.data.test.ann_file == cfg.data.val.ann_file == str(my_videos / "val_list_videos.txt")
    assert cfg.data.train.root == str(my_videos) and cfg.data.train.kind == "video"
    steps = [s["type"] for s in cfg.data.train.pipeline]
    assert "RawFrameDecode" not in steps and steps[:3] == ["SampleFrames", "DecordInit", "DecordDecode"]
    original = [s["type"] for s in load_config(FRAMES_CONFIG).data.train.pipeline]
    assert [s for s in steps if not s.startswith("Decord")] == [s for s in original if s != "RawFrameDecode"]


def test_flow_and_multi_label_configs_are_refused_with_what_to_do(my_videos):
    with pytest.raises(ConfigError, match="flow config reads optical-flow folders.*extract-frames"):
        _retargeted(FLOW_CONFIG, my_videos)
    with pytest.raises(ConfigError, match="multi-label config"):
        _retargeted(HVU_CONFIG, my_videos)


def test_missing_lists_say_how_to_make_them(tmp_path):
    raw, _ = load_config_dict(FRAMES_CONFIG)
    with pytest.raises(ConfigError, match="actionrec data prepare folder"):
        retarget_overrides(raw, tmp_path)


def test_epochs_rescale_milestones_and_warm_up():
    # 100 epochs with milestones [40, 80] -> 10 epochs: [4, 8] (hand-computed); warm-up 5 of 55 -> 1 of 11
    out = schedule_overrides({"epochs": 100, "milestones": [40, 80]}, 10)
    assert out == ["schedule.epochs=10", "schedule.milestones=[4, 8]"]
    out = schedule_overrides({"epochs": 55, "warmup_epochs": 5}, 11)
    assert out == ["schedule.epochs=11", "schedule.warmup_epochs=1.0"]


def test_train_a_seed_config_on_my_videos_with_three_options(my_videos, tmp_path, capsys):
    work = tmp_path / "run"
    code = main(
        [
            "train",
            FRAMES_CONFIG,
            "--data-root",
            str(my_videos),
            "--epochs",
            "1",
            "--no-progress",
            "--work-dir",
            str(work),
            "--cfg-options",
            "model.pretrained=False",
            "data.train.batch_size=3",
            "data.val.batch_size=3",
            "train.val_interval=1",
        ]
    )
    assert code == 0, capsys.readouterr().err
    written = json.loads((work / "config.json").read_text())
    assert written["data"]["num_classes"] == 3 and written["model"]["num_classes"] == 3
    assert (work / "latest.pth").is_file()


def test_num_classes_alone_is_refused(capsys):
    assert main(["train", FRAMES_CONFIG, "--num-classes", "3"]) == 2
    assert "--num-classes goes with --data-root" in capsys.readouterr().err
