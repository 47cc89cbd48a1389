"""Kinetics-400/600/700 and Kinetics-710 lists from the official CSVs.

Official CSV: `label,youtube_id,time_start,time_end,split[,is_cc]` (train.csv / validate.csv, or
MMAction2's renamed kinetics_train.csv / kinetics_val.csv). As MMAction2's `parse_kinetics_splits`:
classes are the train CSV's label names sorted (compared with spaces as underscores), a clip is
`{class_with_underscores}/{youtube_id}_{start:06d}_{end:06d}`, and clips named by YouTube id only
(OpenDataLab copies) resolve too.

Kinetics-710 (UniFormerV2 `DATASET.md`, FACTS §3.10): the K400, K600 and K700 train sets merged,
deduplicated by YouTube id (first seen wins, in K400, K600, K700 order), minus every id of any
Kinetics validation set; labels are K710 indices via the shipped channel maps `map_k{400,600,700}.json`.
The validation lists are the three validation sets, deduplicated the same way (our choice; the
published lists are not documented).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from actionrec.prepare.common import (
    LABEL_MAP_DIR,
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    class_index,
    first_existing,
    lookup_label,
    read_csv_dicts,
    shipped_label_map,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

CSV_COLUMNS = ("label", "youtube_id", "time_start", "time_end")
SPLIT_FILES = {"train": ("kinetics_train.csv", "train.csv"), "val": ("kinetics_val.csv", "validate.csv", "val.csv")}
VERSIONS = {"kinetics400": 400, "kinetics600": 600, "kinetics700": 700}


@dataclass(frozen=True)
class Clip:
    class_name: str
    youtube_id: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return f"{underscored(self.class_name)}/{self.youtube_id}_{self.start:06d}_{self.end:06d}"


def underscored(name: str) -> str:
    return name.replace('"', "").replace(" ", "_")


def read_clips(path: Path) -> list[Clip]:
    clips = []
    for number, row in read_csv_dicts(path, CSV_COLUMNS):
        try:
            start, end = int(float(row["time_start"])), int(float(row["time_end"]))
        except ValueError:
            raise PrepareError(f"{path}:{number}: expected numeric time_start,time_end, got {row!r}") from None
        name = row["label"].replace('"', "").strip()
        if not name or not row["youtube_id"]:
            raise PrepareError(f"{path}:{number}: expected a label and a youtube_id, got {row!r}")
        clips.append(Clip(name, row["youtube_id"], start, end))
    return clips


def sorted_classes(clips: list[Clip]) -> list[str]:
    """MMAction2's class order: the distinct names, sorted as their underscored forms."""
    return sorted({c.class_name for c in clips}, key=underscored)


def video_root(dataset_dir: Path, split: str, options: PrepareOptions) -> Path:
    """`videos_{split}` (MMAction2 layout), else one `videos` folder (OpenDataLab K600/K700 layout)."""
    if options.videos is not None:
        return options.videos
    per_split = dataset_dir / f"videos_{split}"
    return per_split if per_split.is_dir() or not (dataset_dir / "videos").is_dir() else dataset_dir / "videos"


def frame_root(dataset_dir: Path, split: str, options: PrepareOptions) -> Path:
    return options.frames if options.frames is not None else dataset_dir / f"rawframes_{split}"


def read_split_clips(dataset_dir: Path, options: PrepareOptions) -> dict[str, list[Clip]]:
    folder = options.annotations or dataset_dir / "annotations"
    return {
        split: read_clips(first_existing(folder, names, f"Kinetics {split} CSV"))
        for split, names in SPLIT_FILES.items()
    }


def to_entries(clips: list[Clip], labels: dict[str, int], source: str) -> list[Entry]:
    return [Entry(c.key, lookup_label(labels, c.class_name, source), (c.youtube_id,)) for c in clips]


def prepare_kinetics(name: str, src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`{name}_{train,val}_list_videos.txt` (+ `_rawframes.txt` when frames exist) and `label_map_k*.txt`."""
    report = PrepareReport(out)
    clips = read_split_clips(src, options)
    classes = sorted_classes(clips["train"])
    write_label_map(report, f"label_map_k{VERSIONS[name]}.txt", classes)
    labels = class_index(classes, src)
    for split, split_clips in clips.items():
        entries = to_entries(split_clips, labels, f"{src} {split} CSV")
        write_video_list(report, f"{name}_{split}_list_videos.txt", entries, video_root(src, split, options), options)
        frames = frame_root(src, split, options)
        if frames.is_dir():
            write_rawframe_list(report, f"{name}_{split}_list_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report


def _k710_channel_map(version: int) -> list[int]:
    with open(LABEL_MAP_DIR / f"map_k{version}.json", encoding="utf-8") as f:
        return json.load(f)


def prepare_kinetics710(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`k{400,600,700}_{train,val}_list_videos.txt` with K710 labels, from `src/kinetics{400,600,700}/`."""
    report = PrepareReport(out)
    write_label_map(report, "label_map_k710.txt", shipped_label_map("label_map_k710.txt"))
    per_version: dict[int, dict[str, list[Clip]]] = {}
    for name, version in VERSIONS.items():
        dataset_dir = src / name
        if not dataset_dir.is_dir():
            raise PrepareError(f"Kinetics-710 needs {dataset_dir} (K400, K600 and K700 in MMAction2 layout)")
        per_version[version] = read_split_clips(dataset_dir, PrepareOptions(annotations=None))

    val_ids = {c.youtube_id for splits in per_version.values() for c in splits["val"]}
    seen: dict[str, set[str]] = {"train": set(val_ids), "val": set()}
    for name, version in VERSIONS.items():
        k_labels = class_index(shipped_label_map(f"label_map_k{version}.txt"), LABEL_MAP_DIR)
        to_k710 = _k710_channel_map(version)
        for split in ("train", "val"):
            kept = []
            for clip in per_version[version][split]:
                if clip.youtube_id in seen[split]:
                    continue
                seen[split].add(clip.youtube_id)
                kept.append(clip)
            k_entries = to_entries(kept, k_labels, f"{src / name} {split} CSV")
            entries = [Entry(e.key, to_k710[e.label], e.alt_stems) for e in k_entries]
            root = video_root(src / name, split, PrepareOptions())
            write_video_list(report, f"k{version}_{split}_list_videos.txt", entries, root, options)
    write_missing_report(report)
    return report
