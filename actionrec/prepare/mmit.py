"""Multi-Moments in Time lists (multi-label).

Official files: `moments_categories.txt` (`class,index`), `trainingSet.csv` / `validationSet.csv`
(`.txt` in some copies): `filename,label[,label...]` with class indices (names are accepted too);
all videos in `videos/`. The lists are multi-label lines `relpath l1 l2 ...`, as MMAction2's
`parse_mmit_splits`.
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
    split_ext,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)
from actionrec.prepare.mit import SPLIT_FILES, read_categories


def read_mmit_split(path: Path, labels: dict[str, int]) -> list[Entry]:
    num_classes = len(labels)
    entries = []
    for number, row in read_csv_rows(path):
        if len(row) < 2 or not row[0]:
            raise PrepareError(f"{path}:{number}: expected 'filename,label[,label...]', got {row!r}")
        indices = []
        for field in row[1:]:
            if field.isdigit():
                if int(field) >= num_classes:
                    raise PrepareError(f"{path}:{number}: label {field} out of range 0..{num_classes - 1}")
                indices.append(int(field))
            elif field:
                indices.append(lookup_label(labels, field, f"{path}:{number}"))
        key, ext = split_ext(row[0])
        entries.append(Entry(key, tuple(dict.fromkeys(indices)), ext=ext))
    return entries


def prepare_mmit(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`mmit_{train,val}_list_videos.txt` (multi-label, + `_rawframes.txt`) and `label_map_mmit.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    categories = first_existing(annotations, ["moments_categories.txt"], "M-MiT categories")
    classes = read_categories(categories)
    write_label_map(report, "label_map_mmit.txt", classes)
    labels = class_index(classes, categories)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for subset, official in SPLIT_FILES.items():
        path = first_existing(annotations, [f"{official}.csv", f"{official}.txt"], "M-MiT split file")
        entries = read_mmit_split(path, labels)
        write_video_list(report, f"mmit_{subset}_list_videos.txt", entries, videos, options)
        if frames.is_dir():
            write_rawframe_list(report, f"mmit_{subset}_list_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
