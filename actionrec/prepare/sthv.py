"""Something-Something V1 and V2 lists.

V1 (official CSVs, `;`-separated): `something-something-v1-labels.csv` (one class per line, in
index order), `something-something-v1-{train,validation}.csv` (`id;label`). V1 ships JPEG frames
only, named `00001.jpg` in `rawframes/{id}/`, so its main lists are rawframe lists (load them with
`filename_tmpl='{:05}.jpg'`); video lists are written too when encoded videos exist.

V2 (official JSON): `something-something-v2-labels.json` (`{"class": "index"}`) and
`something-something-v2-{train,validation}.json` (`[{"id", "label", "template", "placeholders"}]`);
the class is the template with its brackets removed, as MMAction2's `parse_sthv2_splits`.
Videos are `videos/{id}.webm`.
"""

from __future__ import annotations

from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    class_index,
    lookup_label,
    read_json,
    read_text_lines,
    require_file,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

SPLITS = {"train": "train", "val": "validation"}


def read_sthv1_split(path: Path, labels: dict[str, int]) -> list[Entry]:
    entries = []
    for number, text in read_text_lines(path):
        video_id, sep, name = text.partition(";")
        if not sep or not video_id.strip() or not name.strip():
            raise PrepareError(f"{path}:{number}: expected 'id;label', got {text!r}")
        entries.append(Entry(video_id.strip(), lookup_label(labels, name.strip(), f"{path}:{number}")))
    return entries


def prepare_sthv1(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`sthv1_{train,val}_list_rawframes.txt` (+ `_videos.txt` when videos exist) and `label_map_sthv1.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    labels_file = require_file(annotations / "something-something-v1-labels.csv", "SthV1 labels CSV")
    classes = [text for _, text in read_text_lines(labels_file)]
    write_label_map(report, "label_map_sthv1.txt", classes)
    labels = class_index(classes, labels_file)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for subset, official in SPLITS.items():
        path = require_file(annotations / f"something-something-v1-{official}.csv", "SthV1 split CSV")
        entries = read_sthv1_split(path, labels)
        write_rawframe_list(report, f"sthv1_{subset}_list_rawframes.txt", entries, frames, style="plain")
        if videos.is_dir():
            write_video_list(report, f"sthv1_{subset}_list_videos.txt", entries, videos, options)
    write_missing_report(report)
    return report


def read_sthv2_labels(path: Path) -> list[str]:
    """`{"class": "index"}` -> class names in index order (indices must be 0..K-1)."""
    mapping = read_json(path)
    if not isinstance(mapping, dict):
        raise PrepareError(f"{path}: expected a JSON object {{class: index}}, got {type(mapping).__name__}")
    try:
        by_index = {int(index): name for name, index in mapping.items()}
    except (TypeError, ValueError):
        raise PrepareError(f"{path}: expected integer indices (as strings) for every class") from None
    if sorted(by_index) != list(range(len(mapping))):
        raise PrepareError(f"{path}: class indices must be 0..{len(mapping) - 1} without gaps or repeats")
    return [by_index[i] for i in range(len(mapping))]


def read_sthv2_split(path: Path, labels: dict[str, int]) -> list[Entry]:
    items = read_json(path)
    if not isinstance(items, list):
        raise PrepareError(f"{path}: expected a JSON list of {{id, label, template, placeholders}}")
    entries = []
    for position, item in enumerate(items):
        where = f"{path}[{position}]"
        if not isinstance(item, dict) or "id" not in item or "template" not in item:
            raise PrepareError(f"{where}: expected an object with 'id' and 'template', got {str(item)[:80]!r}")
        name = item["template"].replace("[", "").replace("]", "")
        entries.append(Entry(str(item["id"]), lookup_label(labels, name, where)))
    return entries


def prepare_sthv2(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`sthv2_{train,val}_list_videos.txt` (+ `_rawframes.txt` when frames exist) and `label_map_sthv2.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    labels_file = require_file(annotations / "something-something-v2-labels.json", "SthV2 labels JSON")
    classes = read_sthv2_labels(labels_file)
    write_label_map(report, "label_map_sthv2.txt", classes)
    labels = class_index(classes, labels_file)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for subset, official in SPLITS.items():
        path = require_file(annotations / f"something-something-v2-{official}.json", "SthV2 split JSON")
        entries = read_sthv2_split(path, labels)
        write_video_list(report, f"sthv2_{subset}_list_videos.txt", entries, videos, options, ext=".webm")
        if frames.is_dir():
            write_rawframe_list(report, f"sthv2_{subset}_list_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
