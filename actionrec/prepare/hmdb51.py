"""HMDB51 lists for its three official splits.

Official files (test_train_splits.rar): `{class}_test_split{1,2,3}.txt`, one per class and split,
lines `video.avi 1|2|0` (1 = train, 2 = test, 0 = unused). As MMAction2's `parse_hmdb51_split`,
classes are the class names sorted, and a video is `{class}/{video}`.
"""

from __future__ import annotations

import re
from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    read_text_lines,
    split_ext,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

NUM_SPLITS = 3
SUBSETS = {"1": "train", "2": "val"}


def find_split_files(annotations: Path) -> dict[int, dict[str, Path]]:
    """{split: {class: file}} for every `{class}_test_split{n}.txt` in the folder."""
    found: dict[int, dict[str, Path]] = {n: {} for n in range(1, NUM_SPLITS + 1)}
    pattern = re.compile(r"(.+)_test_split([123])\.txt$")
    for path in sorted(annotations.glob("*_test_split*.txt")):
        match = pattern.match(path.name)
        if match:
            found[int(match.group(2))][match.group(1)] = path
    if not found[1]:
        raise PrepareError(f"no HMDB51 split files ({{class}}_test_split1.txt) found in {annotations}")
    for n in range(2, NUM_SPLITS + 1):
        if set(found[n]) != set(found[1]):
            absent = sorted(set(found[1]) ^ set(found[n]))
            raise PrepareError(f"{annotations}: split {n} files do not cover the same classes as split 1: {absent[:5]}")
    return found


def read_class_split(path: Path, class_name: str, label: int) -> dict[str, list[Entry]]:
    subsets: dict[str, list[Entry]] = {"train": [], "val": []}
    for number, text in read_text_lines(path):
        fields = text.split()
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise PrepareError(f"{path}:{number}: expected 'video.avi 0|1|2', got {text!r}")
        if fields[1] in SUBSETS:
            key, ext = split_ext(f"{class_name}/{fields[0]}")
            subsets[SUBSETS[fields[1]]].append(Entry(key, label, ext=ext))
    return subsets


def prepare_hmdb51(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`hmdb51_{train,val}_split_{1,2,3}_videos.txt` (+ `_rawframes.txt`) and `label_map_hmdb51.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    split_files = find_split_files(annotations)
    classes = sorted(split_files[1])
    write_label_map(report, "label_map_hmdb51.txt", classes)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for split in range(1, NUM_SPLITS + 1):
        subsets: dict[str, list[Entry]] = {"train": [], "val": []}
        for label, class_name in enumerate(classes):
            for subset, entries in read_class_split(split_files[split][class_name], class_name, label).items():
                subsets[subset].extend(entries)
        for subset, entries in subsets.items():
            write_video_list(report, f"hmdb51_{subset}_split_{split}_videos.txt", entries, videos, options)
            if frames.is_dir():
                write_rawframe_list(report, f"hmdb51_{subset}_split_{split}_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
