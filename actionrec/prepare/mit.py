"""Moments in Time (v1) lists.

MiT official files: `moments_categories.txt` (`class,index` per line), `trainingSet.csv` and
`validationSet.csv` (`filename,label,positive_responses,negative_responses`, no header; filename
like `blocking/getty-karate-video-id635808620_4.mp4`), videos in `videos/training` and
`videos/validation`.
"""

from __future__ import annotations

from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    class_index,
    first_existing,
    lookup_label,
    read_csv_rows,
    read_text_lines,
    split_ext,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

SPLIT_FILES = {"train": "trainingSet", "val": "validationSet"}


def read_categories(path: Path) -> list[str]:
    """`class,index` lines (indices 0..K-1, any order) -> names in index order."""
    by_index: dict[int, str] = {}
    for number, text in read_text_lines(path):
        name, sep, index = text.rpartition(",")
        if not sep or not index.strip().isdigit() or not name:
            raise PrepareError(f"{path}:{number}: expected 'class,index', got {text!r}")
        if int(index) in by_index:
            raise PrepareError(f"{path}:{number}: index {index} given twice")
        by_index[int(index)] = name.strip()
    if sorted(by_index) != list(range(len(by_index))):
        raise PrepareError(f"{path}: class indices must be 0..{len(by_index) - 1} without gaps")
    return [by_index[i] for i in range(len(by_index))]


def read_mit_split(path: Path, labels: dict[str, int]) -> list[Entry]:
    entries = []
    for number, row in read_csv_rows(path):
        if len(row) < 2 or not row[0]:
            raise PrepareError(f"{path}:{number}: expected 'filename,label,positive,negative', got {row!r}")
        key, ext = split_ext(row[0])
        entries.append(Entry(key, lookup_label(labels, row[1], f"{path}:{number}"), ext=ext))
    return entries


def prepare_mit(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`mit_{train,val}_list_videos.txt` (+ `_rawframes.txt`) and `label_map_mit.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    categories = first_existing(annotations, ["moments_categories.txt"], "MiT categories")
    classes = read_categories(categories)
    write_label_map(report, "label_map_mit.txt", classes)
    labels = class_index(classes, categories)
    for subset, official in SPLIT_FILES.items():
        entries = read_mit_split(first_existing(annotations, [f"{official}.csv"], "MiT split CSV"), labels)
        folder = "training" if subset == "train" else "validation"
        videos = split_root(options.videos, src, f"videos/{folder}")
        write_video_list(report, f"mit_{subset}_list_videos.txt", entries, videos, options)
        frames = split_root(options.frames, src, f"rawframes/{folder}")
        if frames.is_dir():
            write_rawframe_list(report, f"mit_{subset}_list_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
