"""Diving48 (V2 annotations) lists.

Official files: `Diving48_vocab.json` (a list of `[takeoff, somersault, twist, flight]` lists; a
label indexes it) and `Diving48_V2_{train,test}.json` (`[{"vid_name", "label", "start_frame",
"end_frame"}]`). Class names are the vocab entries joined by '+' (`Back+15som+05Twis+FREE`), as the
shipped label map. Videos are `videos/{vid_name}.mp4`.
"""

from __future__ import annotations

from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    read_json,
    require_file,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

SPLITS = {"train": "train", "val": "test"}


def read_vocab(path: Path) -> list[str]:
    vocab = read_json(path)
    if not isinstance(vocab, list) or not all(isinstance(v, list) and v for v in vocab):
        raise PrepareError(f"{path}: expected a JSON list of [takeoff, somersault, twist, flight] lists")
    return ["+".join(str(part) for part in v) for v in vocab]


def read_split(path: Path, num_classes: int) -> list[Entry]:
    items = read_json(path)
    if not isinstance(items, list):
        raise PrepareError(f"{path}: expected a JSON list of {{vid_name, label, ...}}")
    entries = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or "vid_name" not in item or not isinstance(item.get("label"), int):
            raise PrepareError(
                f"{path}[{position}]: expected {{'vid_name': str, 'label': int}}, got {str(item)[:80]!r}"
            )
        if not 0 <= item["label"] < num_classes:
            raise PrepareError(f"{path}[{position}]: label {item['label']} out of range 0..{num_classes - 1}")
        entries.append(Entry(str(item["vid_name"]), item["label"]))
    return entries


def prepare_diving48(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`diving48_{train,val}_list_videos.txt` (+ `_rawframes.txt`) and `label_map_diving48.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    classes = read_vocab(require_file(annotations / "Diving48_vocab.json", "Diving48 vocab JSON"))
    write_label_map(report, "label_map_diving48.txt", classes)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for subset, official in SPLITS.items():
        path = require_file(annotations / f"Diving48_V2_{official}.json", "Diving48 split JSON")
        entries = read_split(path, len(classes))
        write_video_list(report, f"diving48_{subset}_list_videos.txt", entries, videos, options)
        if frames.is_dir():
            write_rawframe_list(report, f"diving48_{subset}_list_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
