"""`actionrec data prepare`: tiny copies of each official annotation format -> lists and label maps.

Expected labels come from the shipped label maps (actionrec/label_maps, MMAction2's files) or
from the fixture itself, never from the preparer; the written lists are read back with the
loaders of actionrec.data.annotations (an independent parser).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from actionrec.cli import main
from actionrec.commands.prepare import register_data_subcommands
from actionrec.data.annotations import load_json_list, load_rawframe_list, load_video_list
from actionrec.prepare import PrepareError, PrepareOptions, prepare_dataset
from actionrec.prepare.folder import prepare_folder

LABEL_MAPS = Path(__file__).resolve().parent.parent / "actionrec" / "label_maps"


def shipped(name: str) -> list[str]:
    return (LABEL_MAPS / name).read_text(encoding="utf-8").splitlines()


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00")
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shuffled(items: list, seed: int = 0) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


# ----------------------------------------------------------------------------- Kinetics


def kinetics_csv(rows: list[tuple[str, str, int, int, str]]) -> str:
    body = "".join(
        f'"{label}",{yid},{start},{end},{split}\n'
        if "," in label or " " in label
        else f"{label},{yid},{start},{end},{split}\n"
        for label, yid, start, end, split in rows
    )
    return "label,youtube_id,time_start,time_end,split\n" + body


def test_kinetics400_class_order_lists_and_missing_report(tmp_path):
    classes = shipped("label_map_k400.txt")
    src = tmp_path / "kinetics400"
    train_rows = [(name, f"tr{i:04d}", 10, 20, "train") for i, name in enumerate(shuffled(classes))]
    write(src / "annotations" / "train.csv", kinetics_csv(train_rows))  # official name
    write(
        src / "annotations" / "validate.csv",
        kinetics_csv(
            [
                ("abseiling", "0wR5jVB-WPk", 417, 427, "val"),
                ("air drumming", "flatID", 5, 15, "val"),
                ("zumba", "missingID", 1, 11, "val"),
            ]
        ),
    )
    touch(src / "videos_val" / "abseiling" / "0wR5jVB-WPk_000417_000427.mp4")
    touch(src / "videos_val" / "flatID.mp4")  # OpenDataLab style: YouTube id only, no class folder

    report = prepare_dataset("kinetics400", src, tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_k400.txt") == classes
    val = lines(out / "kinetics400_val_list_videos.txt")
    assert val == [
        f"abseiling/0wR5jVB-WPk_000417_000427.mp4 {classes.index('abseiling')}",
        f"flatID.mp4 {classes.index('air drumming')}",
        f"zumba/missingID_000001_000011.mp4 {classes.index('zumba')}",
    ]
    assert report.split("kinetics400_val_list_videos.txt").num_missing == 1
    assert report.split("kinetics400_train_list_videos.txt").num_missing == 400
    assert "kinetics400_val_list_videos.txt\tzumba/missingID_000001_000011.mp4" in lines(out / "missing_videos.txt")
    samples = load_video_list(out / "kinetics400_val_list_videos.txt", root="R")
    assert [s.label for s in samples] == [0, 1, 399] and samples[0].path == "R/abseiling/0wR5jVB-WPk_000417_000427.mp4"

    dropped = prepare_dataset("kinetics400", src, tmp_path / "dropped", PrepareOptions(drop_missing=True))
    assert len(lines(tmp_path / "dropped" / "kinetics400_val_list_videos.txt")) == 2
    assert dropped.split("kinetics400_val_list_videos.txt").written == 2


@pytest.mark.parametrize("version", [600, 700])
def test_kinetics600_700_label_maps_follow_mmaction2_sorting(tmp_path, version):
    classes = shipped(f"label_map_k{version}.txt")
    src = tmp_path / "k"
    write(
        src / "annotations" / "kinetics_train.csv",
        kinetics_csv([(name, f"id{i}", 0, 10, "train") for i, name in enumerate(shuffled(classes, version))]),
    )
    write(src / "annotations" / "kinetics_val.csv", kinetics_csv([(classes[-1], "v1", 0, 10, "val")]))
    prepare_dataset(f"kinetics{version}", src, tmp_path / "out")
    assert lines(tmp_path / "out" / f"label_map_k{version}.txt") == classes
    assert lines(tmp_path / "out" / f"kinetics{version}_val_list_videos.txt") == [
        f"{classes[-1].replace(' ', '_')}/v1_000000_000010.mp4 {version - 1}"
    ]


def test_kinetics_rawframe_lists_count_frames(tmp_path):
    src = tmp_path / "k"
    write(src / "annotations" / "kinetics_train.csv", kinetics_csv([("abseiling", "a", 0, 10, "train")]))
    write(
        src / "annotations" / "kinetics_val.csv",
        kinetics_csv([("abseiling", "b", 0, 10, "val"), ("abseiling", "c", 0, 10, "val")]),
    )
    for n in range(1, 8):
        touch(src / "rawframes_val" / "abseiling" / "b_000000_000010" / f"img_{n:05d}.jpg")
    touch(src / "rawframes_val" / "abseiling" / "b_000000_000010" / "x_00001.jpg")  # flow is not counted
    report = prepare_dataset("kinetics400", src, tmp_path / "out")
    assert lines(tmp_path / "out" / "kinetics400_val_list_rawframes.txt") == ["abseiling/b_000000_000010 7 0"]
    assert report.split("kinetics400_val_list_rawframes.txt").missing == ["abseiling/c_000000_000010"]
    assert load_rawframe_list(tmp_path / "out" / "kinetics400_val_list_rawframes.txt")[0].total_frames == 7


def test_kinetics_bad_csv_and_whitespace_paths_are_clear_errors(tmp_path):
    src = tmp_path / "k"
    write(src / "annotations" / "kinetics_train.csv", "label,youtube_id,start,end\nabseiling,a,0,10\n")
    write(src / "annotations" / "kinetics_val.csv", kinetics_csv([]))
    with pytest.raises(PrepareError, match=r"kinetics_train\.csv:1: expected header columns"):
        prepare_dataset("kinetics400", src, tmp_path / "out")
    write(
        src / "annotations" / "kinetics_train.csv",
        kinetics_csv([("abseiling", "a", 0, 10, "train")]) + "abseiling,b,zero,10,train\n",
    )
    with pytest.raises(PrepareError, match=r"kinetics_train\.csv:3: expected numeric"):
        prepare_dataset("kinetics400", src, tmp_path / "out")
    write(src / "annotations" / "kinetics_train.csv", kinetics_csv([("air drumming", "a", 0, 10, "train")]))
    touch(src / "videos_train" / "air drumming" / "a_000000_000010.mp4")  # class folders not renamed
    with pytest.raises(PrepareError, match="whitespace"):
        prepare_dataset("kinetics400", src, tmp_path / "out")


def test_kinetics710_merges_dedups_removes_val_leaks_and_maps_labels(tmp_path):
    k400, k600, k700 = (shipped(f"label_map_k{v}.txt") for v in (400, 600, 700))
    k710 = shipped("label_map_k710.txt")
    map600 = json.loads((LABEL_MAPS / "map_k600.json").read_text())
    map700 = json.loads((LABEL_MAPS / "map_k700.json").read_text())
    rows = {
        "kinetics400": {"train": [("abseiling", "A", 0, 10), ("zumba", "B", 0, 10)], "val": [("archery", "V", 0, 10)]},
        "kinetics600": {
            "train": [("abseiling", "A", 0, 10), ("acting in play", "C", 0, 10), ("archery", "V", 5, 15)],
            "val": [("archery", "V", 0, 10), ("zumba", "E", 0, 10)],
        },
        "kinetics700": {"train": [("arresting", "D", 3, 13)], "val": [("zumba", "E", 0, 10)]},
    }
    for name, splits in rows.items():
        for split, file_name in (("train", "kinetics_train.csv"), ("val", "kinetics_val.csv")):
            write(tmp_path / name / "annotations" / file_name, kinetics_csv([(*r, split) for r in splits[split]]))
    touch(tmp_path / "kinetics600" / "videos" / "vol_00" / "C_000000_000010.mp4")  # OpenDataLab layout

    report = prepare_dataset("kinetics710", tmp_path, tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_k710.txt") == k710
    assert lines(out / "k400_train_list_videos.txt") == [
        f"abseiling/A_000000_000010.mp4 {k400.index('abseiling')}",
        f"zumba/B_000000_000010.mp4 {k400.index('zumba')}",
    ]
    c_label = map600[k600.index("acting in play")]
    assert k710[c_label] == "acting in play"  # the channel map points at the same class name
    assert lines(out / "k600_train_list_videos.txt") == [f"vol_00/C_000000_000010.mp4 {c_label}"]
    d_label = map700[k700.index("arresting")]
    assert k710[d_label] == "arresting"
    assert lines(out / "k700_train_list_videos.txt") == [f"arresting/D_000003_000013.mp4 {d_label}"]
    assert lines(out / "k400_val_list_videos.txt") == [f"archery/V_000000_000010.mp4 {k400.index('archery')}"]
    assert lines(out / "k600_val_list_videos.txt") == [f"zumba/E_000000_000010.mp4 {map600[k600.index('zumba')]}"]
    assert lines(out / "k700_val_list_videos.txt") == []
    assert report.split("k600_train_list_videos.txt").num_missing == 0


# ----------------------------------------------------------------------------- UCF101 / HMDB51


def test_ucf101_three_splits_and_label_checks(tmp_path):
    classes = shipped("label_map_ucf101.txt")
    ann = tmp_path / "ucf" / "annotations"
    write(ann / "classInd.txt", "".join(f"{i + 1} {name}\r\n" for i, name in enumerate(classes)))  # CRLF as shipped
    for split in (1, 2, 3):
        write(
            ann / f"trainlist{split:02d}.txt",
            f"ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\nYoYo/v_YoYo_g{split:02d}_c01.avi 101\n",
        )
        write(ann / f"testlist{split:02d}.txt", "Archery/v_Archery_g01_c01.avi\n")
    touch(tmp_path / "ucf" / "videos" / "ApplyEyeMakeup" / "v_ApplyEyeMakeup_g08_c01.avi")
    report = prepare_dataset("ucf101", tmp_path / "ucf", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_ucf101.txt") == classes
    assert lines(out / "ucf101_train_split_2_videos.txt") == [
        "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 0",
        "YoYo/v_YoYo_g02_c01.avi 100",
    ]
    assert lines(out / "ucf101_val_split_3_videos.txt") == [f"Archery/v_Archery_g01_c01.avi {classes.index('Archery')}"]
    assert len(report.splits) == 6 and report.num_missing == 3 + 3  # YoYo (train) and Archery (val) per split

    write(ann / "trainlist02.txt", "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\nYoYo/v_YoYo_g02_c01.avi 7\n")
    with pytest.raises(PrepareError, match=r"trainlist02\.txt:2: label 7 disagrees"):
        prepare_dataset("ucf101", tmp_path / "ucf", tmp_path / "out")


def test_hmdb51_class_order_and_split_codes(tmp_path):
    classes = shipped("label_map_hmdb51.txt")
    ann = tmp_path / "hmdb" / "annotations"
    for split in (1, 2, 3):
        for name in shuffled(classes, split):
            write(
                ann / f"{name}_test_split{split}.txt",
                f"{name}_a_{split}.avi 1 \n{name}_b_{split}.avi 2 \n{name}_c_{split}.avi 0 \n",
            )
    report = prepare_dataset("hmdb51", tmp_path / "hmdb", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_hmdb51.txt") == classes
    train = load_video_list(out / "hmdb51_train_split_2_videos.txt")
    assert len(train) == 51 and report.split("hmdb51_val_split_3_videos.txt").written == 51
    wave = classes.index("wave")
    assert f"wave/wave_b_3.avi {wave}" in lines(out / "hmdb51_val_split_3_videos.txt")
    assert all(s.label == classes.index(s.path.split("/")[0]) for s in train)

    write(ann / "wave_test_split1.txt", "wave_a_1.avi train\n")
    with pytest.raises(PrepareError, match=r"wave_test_split1\.txt:1: expected 'video.avi 0\|1\|2'"):
        prepare_dataset("hmdb51", tmp_path / "hmdb", tmp_path / "out")


# ----------------------------------------------------------------------------- Something-Something


def test_sthv1_rawframe_lists_from_official_frames(tmp_path):
    classes = shipped("label_map_sthv1.txt")
    ann = tmp_path / "sthv1" / "annotations"
    write(ann / "something-something-v1-labels.csv", "\n".join(classes) + "\n")
    write(ann / "something-something-v1-train.csv", f"100218;{classes[5]}\n42;{classes[0]}\n")
    write(ann / "something-something-v1-validation.csv", f"9;{classes[173]}\n")
    for n in range(1, 4):
        touch(tmp_path / "sthv1" / "rawframes" / "100218" / f"{n:05d}.jpg")
    touch(tmp_path / "sthv1" / "rawframes" / "9" / "00001.jpg")
    report = prepare_dataset("sthv1", tmp_path / "sthv1", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_sthv1.txt") == classes
    assert lines(out / "sthv1_train_list_rawframes.txt") == ["100218 3 5"]
    assert lines(out / "sthv1_val_list_rawframes.txt") == ["9 1 173"]
    assert report.split("sthv1_train_list_rawframes.txt").missing == ["42"]

    write(ann / "something-something-v1-train.csv", "100218 Holding something\n")
    with pytest.raises(PrepareError, match=r"v1-train\.csv:1: expected 'id;label'"):
        prepare_dataset("sthv1", tmp_path / "sthv1", tmp_path / "out")


def test_sthv2_json_templates_and_label_order(tmp_path):
    classes = shipped("label_map_sthv2.txt")
    ann = tmp_path / "sthv2" / "annotations"
    mapping = {name: str(i) for i, name in shuffled(list(enumerate(classes)))}  # key order is not index order
    write(ann / "something-something-v2-labels.json", json.dumps(mapping))
    putting = "Putting something on a surface"
    write(
        ann / "something-something-v2-train.json",
        json.dumps(
            [
                {
                    "id": "78687",
                    "label": "putting a pen on a table",
                    "template": "Putting [something] on a surface",
                    "placeholders": ["a pen"],
                },
                {
                    "id": "42326",
                    "label": "approaching a cup",
                    "template": "Approaching [something] with your camera",
                    "placeholders": ["a cup"],
                },
            ]
        ),
    )
    write(
        ann / "something-something-v2-validation.json",
        json.dumps([{"id": "1", "label": "x", "template": "Opening [something]", "placeholders": ["x"]}]),
    )
    touch(tmp_path / "sthv2" / "videos" / "78687.webm")
    prepare_dataset("sthv2", tmp_path / "sthv2", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_sthv2.txt") == classes
    assert lines(out / "sthv2_train_list_videos.txt") == [
        f"78687.webm {classes.index(putting)}",
        f"42326.webm {classes.index('Approaching something with your camera')}",
    ]
    assert lines(out / "sthv2_val_list_videos.txt") == [f"1.webm {classes.index('Opening something')}"]

    write(ann / "something-something-v2-validation.json", json.dumps([{"id": "1", "template": "Flying [something]"}]))
    with pytest.raises(PrepareError, match=r"validation\.json\[0\]: unknown class 'Flying something'"):
        prepare_dataset("sthv2", tmp_path / "sthv2", tmp_path / "out")


# ----------------------------------------------------------------------------- Moments in Time


def test_mit_categories_csv_and_split_folders(tmp_path):
    classes = shipped("label_map_mit.txt")
    ann = tmp_path / "mit" / "annotations"
    write(ann / "moments_categories.txt", "".join(f"{n},{i}\n" for i, n in shuffled(list(enumerate(classes)))))
    write(ann / "trainingSet.csv", "clapping/yt-abc_1.mp4,clapping,3,1\npraying/getty-x_2.mp4,praying,2,0\n")
    write(ann / "validationSet.csv", "dropping/flickr-9.mp4,dropping,4,0\n")
    touch(tmp_path / "mit" / "videos" / "training" / "clapping" / "yt-abc_1.mp4")
    touch(tmp_path / "mit" / "videos" / "validation" / "dropping" / "flickr-9.mp4")
    report = prepare_dataset("mit", tmp_path / "mit", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_mit.txt") == classes
    assert lines(out / "mit_train_list_videos.txt") == ["clapping/yt-abc_1.mp4 0", "praying/getty-x_2.mp4 1"]
    assert lines(out / "mit_val_list_videos.txt") == ["dropping/flickr-9.mp4 2"]
    assert report.num_missing == 1

    write(ann / "moments_categories.txt", "clapping;0\n")
    with pytest.raises(PrepareError, match=r"moments_categories\.txt:1: expected 'class,index'"):
        prepare_dataset("mit", tmp_path / "mit", tmp_path / "out")


def test_mmit_multi_label_lines(tmp_path):
    classes = shipped("label_map_mmit.txt")
    ann = tmp_path / "mmit" / "annotations"
    write(ann / "moments_categories.txt", "".join(f"{n},{i}\n" for i, n in enumerate(classes)))
    write(ann / "trainingSet.txt", "crafting/0-3-6-2_5.mp4,0,5,12\nraining/yt-zxQ_56.mp4,2\n")
    write(ann / "validationSet.txt", "paddling/a.mp4,1,stroking/petting\n")  # names are accepted too
    prepare_dataset("mmit", tmp_path / "mmit", tmp_path / "out")
    out = tmp_path / "out"
    assert lines(out / "label_map_mmit.txt") == classes
    assert lines(out / "mmit_train_list_videos.txt") == ["crafting/0-3-6-2_5.mp4 0 5 12", "raining/yt-zxQ_56.mp4 2"]
    val = load_video_list(out / "mmit_val_list_videos.txt", multi_label=True)
    assert val[0].label == (1, classes.index("stroking/petting"))

    write(ann / "validationSet.txt", "paddling/a.mp4,313\n")
    with pytest.raises(PrepareError, match=r"validationSet\.txt:1: label 313 out of range"):
        prepare_dataset("mmit", tmp_path / "mmit", tmp_path / "out")


# ----------------------------------------------------------------------------- ActivityNet


def test_activitynet_video_and_clip_lists(tmp_path):
    classes = shipped("label_map_activitynet.txt")
    database = {
        "id1": {
            "subset": "training",
            "duration": 10.0,
            "resolution": "640x360",
            "url": "u",
            "annotations": [{"segment": [1.0, 3.5], "label": "Archery"}, {"segment": [8.0, 12.0], "label": "Archery"}],
        },
        "id2": {"subset": "training", "duration": 5.0, "annotations": [{"segment": [0, 1], "label": "BMX"}]},
        "id3": {
            "subset": "validation",
            "duration": 4.0,
            "annotations": [{"segment": [0.5, 2.0], "label": "Playing ten pins"}],
        },
        "id4": {"subset": "testing", "duration": 3.0, "annotations": []},
    }
    src = tmp_path / "ActivityNet"
    write(
        src / "activity_net.v1-3.min.json", json.dumps({"version": "VERSION 1.3", "taxonomy": [], "database": database})
    )
    for n in range(1, 51):
        touch(src / "rawframes" / "v_id1" / f"img_{n:05d}.jpg")
    for n in range(1, 41):
        touch(src / "rawframes" / "v_id3" / f"img_{n:05d}.jpg")
    touch(src / "videos" / "v_id1.mp4")
    report = prepare_dataset("activitynet", src, tmp_path / "out")
    out = tmp_path / "out"
    archery, bmx, pins = (classes.index(n) for n in ("Archery", "BMX", "Playing ten pins"))
    assert lines(out / "label_map_activitynet.txt") == classes
    assert lines(out / "anet_train_list_videos.txt") == [f"v_id1.mp4 {archery}", f"v_id2.mp4 {bmx}"]
    assert lines(out / "anet_train_video.txt") == [f"v_id1 50 {archery}"]
    # fps = 50 / 10 = 5: [1.0, 3.5] s -> frames 5..17 (13); [8, 12] s -> 40..min(60, 49) (10)
    assert lines(out / "anet_train_clip.txt") == [f"v_id1 5 13 {archery}", f"v_id1 40 10 {archery}"]
    # fps = 40 / 4 = 10: [0.5, 2.0] s -> frames 5..20 (16)
    assert lines(out / "anet_val_clip.txt") == [f"v_id3 5 16 {pins}"]
    clips = load_rawframe_list(out / "anet_train_clip.txt", with_offset=True)
    assert (clips[1].offset, clips[1].total_frames) == (40, 10)
    assert report.split("anet_train_video.txt").missing == ["v_id2"]


# ----------------------------------------------------------------------------- HVU / Diving48


def test_hvu_label_map_matches_shipped_and_per_category_json(tmp_path):
    label_map = json.loads((LABEL_MAPS / "label_map_hvu.json").read_text())
    rows = shuffled([(tag, category) for category, tags in label_map.items() for tag in tags])
    ann = tmp_path / "hvu" / "annotations"
    write(ann / "HVU_Tags_Categories_V1.0.csv", "Tag,Category\n" + "".join(f"{t},{c}\n" for t, c in rows))
    action, scene = label_map["action"], label_map["scene"]
    write(
        ann / "HVU_Train_V1.0.csv",
        "Tags,youtube_id,time_start,time_end\n"
        f"{action[0]}|{scene[3]}|{action[5]},OLpWTpTC4P8,57,67\n{scene[1]},xsPKW4tZZBc,233,243\n",
    )
    write(ann / "HVU_Val_V1.0.csv", "Tags,youtube_id,time_start,time_end\n")
    touch(tmp_path / "hvu" / "videos_train" / "OLpWTpTC4P8_000570_000670.mp4")
    report = prepare_dataset("hvu", tmp_path / "hvu", tmp_path / "out")
    out = tmp_path / "out"
    written = json.loads((out / "label_map_hvu.json").read_text())
    assert written == label_map and list(written) == list(label_map)
    assert json.loads((out / "hvu_action_train.json").read_text()) == [
        {"filename": "OLpWTpTC4P8_000570_000670.mp4", "label": [0, 5]}
    ]
    assert json.loads((out / "hvu_scene_train.json").read_text()) == [
        {"filename": "OLpWTpTC4P8_000570_000670.mp4", "label": [3]},
        {"filename": "xsPKW4tZZBc_002330_002430.mp4", "label": [1]},
    ]
    assert json.loads((out / "hvu_event_train.json").read_text()) == []
    assert json.loads((out / "hvu_train_video.json").read_text())[0]["label"] == {"action": [0, 5], "scene": [3]}
    assert report.split("hvu_train_video.json").missing == ["xsPKW4tZZBc_002330_002430.mp4"]
    samples = load_json_list(out / "hvu_scene_train.json", root="v", multi_label=True)
    assert samples[0].path == "v/OLpWTpTC4P8_000570_000670.mp4" and samples[0].label == (3,)

    write(ann / "HVU_Val_V1.0.csv", "Tags,youtube_id,time_start,time_end\nnot_a_tag,a,1,2\n")
    with pytest.raises(PrepareError, match=r"HVU_Val_V1\.0\.csv:2: tag 'not_a_tag'"):
        prepare_dataset("hvu", tmp_path / "hvu", tmp_path / "out")


def test_diving48_vocab_and_v2_json(tmp_path):
    classes = shipped("label_map_diving48.txt")
    ann = tmp_path / "diving48" / "annotations"
    write(ann / "Diving48_vocab.json", json.dumps([name.split("+") for name in classes]))
    write(
        ann / "Diving48_V2_train.json",
        json.dumps(
            [
                {"vid_name": "_8Vy3dlHg2w_00000", "label": 3, "start_frame": 0, "end_frame": 50},
                {"vid_name": "_8Vy3dlHg2w_00001", "label": 47, "start_frame": 51, "end_frame": 99},
            ]
        ),
    )
    write(
        ann / "Diving48_V2_test.json",
        json.dumps([{"vid_name": "2x00lRzlTVQ_00000", "label": 0, "start_frame": 0, "end_frame": 10}]),
    )
    touch(tmp_path / "diving48" / "videos" / "_8Vy3dlHg2w_00000.mp4")
    report = prepare_dataset("diving48", tmp_path / "diving48", tmp_path / "out", PrepareOptions(drop_missing=True))
    out = tmp_path / "out"
    assert lines(out / "label_map_diving48.txt") == classes
    assert lines(out / "diving48_train_list_videos.txt") == ["_8Vy3dlHg2w_00000.mp4 3"]
    assert lines(out / "diving48_val_list_videos.txt") == []
    assert report.num_missing == 2 and len(lines(out / "missing_videos.txt")) == 2

    write(ann / "Diving48_V2_test.json", json.dumps([{"vid_name": "x", "label": 48}]))
    with pytest.raises(PrepareError, match=r"Diving48_V2_test\.json\[0\]: label 48 out of range"):
        prepare_dataset("diving48", tmp_path / "diving48", tmp_path / "out")


# ----------------------------------------------------------------------------- command line


def test_prepare_command(tmp_path, capsys):
    ann = tmp_path / "d" / "annotations"
    write(ann / "Diving48_vocab.json", json.dumps([n.split("+") for n in shipped("label_map_diving48.txt")]))
    write(ann / "Diving48_V2_train.json", json.dumps([{"vid_name": "a", "label": 1}]))
    write(ann / "Diving48_V2_test.json", json.dumps([]))
    parser = argparse.ArgumentParser()
    register_data_subcommands(parser.add_subparsers())
    args = parser.parse_args(["prepare", "diving48", "--src", str(tmp_path / "d"), "--out", str(tmp_path / "o")])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "diving48_train_list_videos.txt: 1 lines, 1 missing" in printed
    assert lines(tmp_path / "o" / "diving48_train_list_videos.txt") == ["a.mp4 1"]
    assert main(["data", "prepare", "ucf101", "--src", str(tmp_path / "d"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "UCF101 classInd.txt not found" in err and err.count("\n") == 1


# ----------------------------------------------------------------------------- a folder of class folders


def class_folders(root: Path, counts: dict[str, int], ext: str = ".mp4") -> Path:
    """root/<class>/<class>_<i><ext> placeholder files (the preparer only lists them)."""
    for name, count in counts.items():
        for i in range(count):
            touch(root / name / f"{name}_{i:02d}{ext}")
    return root


def test_folder_split_is_stratified_seeded_and_complete(tmp_path):
    src = class_folders(tmp_path / "mine", {"waving": 10, "cooking": 3, "jumping": 5, "zzz_single": 1})
    touch(src / "jumping" / "extra" / "nested.mkv")  # nested, other extension: still a jumping video
    write(src / "cooking" / "notes.txt", "not a video")
    report = prepare_folder(src, tmp_path / "out", val_fraction=0.2, seed=0)

    # label map: the folder names, sorted (line i is class i)
    assert lines(tmp_path / "out" / "label_map.txt") == ["cooking", "jumping", "waving", "zzz_single"]
    train = load_video_list(tmp_path / "out" / "train_list_videos.txt", root=src)
    val = load_video_list(tmp_path / "out" / "val_list_videos.txt", root=src)
    names = ["cooking", "jumping", "waving", "zzz_single"]
    # every video once, under its own folder's label
    on_disk = sorted(str(p) for p in src.rglob("*") if p.suffix in (".mp4", ".mkv"))
    assert sorted(s.path for s in train + val) == on_disk
    for sample in train + val:
        assert Path(sample.path).relative_to(src).parts[0] == names[sample.label]
    # per class, by hand: round(0.2 n), at least 1 when n >= 2: cooking 3 -> 1, jumping 6 -> 1, waving 10 -> 2
    val_counts = {name: sum(s.label == i for s in val) for i, name in enumerate(names)}
    assert val_counts == {"cooking": 1, "jumping": 1, "waving": 2, "zzz_single": 0}
    assert report.train_only == ["zzz_single"] and report.ignored_files == 1

    again = prepare_folder(src, tmp_path / "again", val_fraction=0.2, seed=0)
    assert lines(tmp_path / "again" / "val_list_videos.txt") == lines(tmp_path / "out" / "val_list_videos.txt")
    assert again.videos_per_class == {"cooking": 3, "jumping": 6, "waving": 10, "zzz_single": 1}
    other_seeds = set()
    for seed in (1, 2, 3):
        prepare_folder(src, tmp_path / f"s{seed}", val_fraction=0.2, seed=seed)
        other_seeds.add(tuple(lines(tmp_path / f"s{seed}" / "val_list_videos.txt")))
    assert len(other_seeds | {tuple(lines(tmp_path / "out" / "val_list_videos.txt"))}) > 1  # the seed matters

    # a class added later does not reshuffle the others (each class has its own seeded shuffle)
    class_folders(src, {"added": 4})
    prepare_folder(src, tmp_path / "more", val_fraction=0.2, seed=0)
    before = {line for line in lines(tmp_path / "out" / "val_list_videos.txt")}
    after = {line.rsplit(" ", 1)[0] for line in lines(tmp_path / "more" / "val_list_videos.txt")}
    assert {line.rsplit(" ", 1)[0] for line in before} <= after


def test_folder_refuses_empty_classes_and_folders_without_videos(tmp_path):
    src = class_folders(tmp_path / "a", {"one": 2})
    (src / "two").mkdir()
    with pytest.raises(PrepareError, match=r"a/two: class folder without videos \(it is empty\)"):
        prepare_folder(src, tmp_path / "out")
    write(src / "two" / "readme.md", "x")
    with pytest.raises(PrepareError, match=r"two: class folder without videos \(1 files, none a video\)"):
        prepare_folder(src, tmp_path / "out")
    flat = tmp_path / "flat"
    touch(flat / "a.mp4")
    with pytest.raises(PrepareError, match=r"no class sub-folders \(1 videos lie directly in it\)"):
        prepare_folder(flat, tmp_path / "out")
    with pytest.raises(PrepareError, match="source folder not found"):
        prepare_folder(tmp_path / "absent", tmp_path / "out")
    with pytest.raises(PrepareError, match="between 0 and 1"):
        prepare_folder(src, tmp_path / "out", val_fraction=1.0)
    spaced = class_folders(tmp_path / "spaced", {"apply eye makeup": 2})
    with pytest.raises(PrepareError, match="contains whitespace"):
        prepare_folder(spaced, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_folder_command(tmp_path, capsys):
    src = class_folders(tmp_path / "mine", {"b": 5, "a": 5})
    out = tmp_path / "lists"
    argv = ["data", "prepare", "folder", "--src", str(src), "--out", str(out), "--val-fraction", "0.4", "--seed", "7"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 classes, 10 videos (5-5 per class)" in printed
    assert (
        f"{out / 'train_list_videos.txt'}: 6 lines" in printed and f"{out / 'val_list_videos.txt'}: 4 lines" in printed
    )
    assert lines(out / "label_map.txt") == ["a", "b"]
    (src / "c").mkdir()
    assert main(["data", "prepare", "folder", "--src", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "class folder without videos" in err and err.count("\n") == 1
    assert main(["data", "prepare", "ucf101", "--src", str(src), "--out", str(out), "--seed", "1"]) == 2
    assert "are for `data prepare folder`" in capsys.readouterr().err


def test_folder_lists_beside_the_videos_train_with_data_root(tmp_path, capsys):
    """--out inside (or equal to) --src: the lists are not taken for a class, and `train --data-root` reads them."""
    src = class_folders(tmp_path / "mine", {"b": 3, "a": 3})
    assert main(["data", "prepare", "folder", "--src", str(src), "--out", str(src / "lists")]) == 0
    assert lines(src / "lists" / "label_map.txt") == ["a", "b"]
    beside = class_folders(tmp_path / "beside", {"b": 3, "a": 3})
    assert main(["data", "prepare", "folder", "--src", str(beside), "--out", str(beside)]) == 0
    assert lines(beside / "label_map.txt") == ["a", "b"]
    assert f"train on them: actionrec train CONFIG --data-root {beside}" in capsys.readouterr().out
    assert main(["data", "prepare", "folder", "--src", str(beside), "--out", str(beside)]) == 0  # again: same
    assert len(lines(beside / "train_list_videos.txt")) == 4 and len(lines(beside / "val_list_videos.txt")) == 2
