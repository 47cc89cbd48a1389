"""A folder of class sub-folders of videos -> train/val video lists and a label map.

The most common layout of a private dataset:

    SRC/
      cooking/   a.mp4  b.mp4 ...
      dancing/   c.mkv  sub/d.mp4 ...

becomes `OUT/train_list_videos.txt` and `OUT/val_list_videos.txt` (`relpath label` lines, paths
relative to SRC) and `OUT/label_map.txt` (the class folder names, sorted: line i is class i). With
OUT = SRC the lists sit beside the videos, where `actionrec train CONFIG --data-root SRC` reads them.
The split is stratified (each class puts `round(n * val_fraction)` of its n videos into val, at least
one when it has two or more, never all of them) and seeded per class, so adding a class does not
reshuffle the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from actionrec.prepare.common import (
    VIDEO_EXTENSIONS,
    PrepareError,
    PrepareReport,
    SplitResult,
    check_path_field,
    write_label_map,
    write_lines,
)

TRAIN_LIST, VAL_LIST, LABEL_MAP = "train_list_videos.txt", "val_list_videos.txt", "label_map.txt"


@dataclass
class FolderReport(PrepareReport):
    """What `prepare_folder` wrote, plus what it left out and why."""

    classes: list[str] = field(default_factory=list)
    videos_per_class: dict[str, int] = field(default_factory=dict)
    train_only: list[str] = field(default_factory=list)  # classes with one video: nothing to spare for val
    ignored_files: int = 0  # files that are not videos (by extension), and videos outside a class folder


def val_count(num_videos: int, val_fraction: float) -> int:
    """Videos of one class that go to val: round(n * fraction), at least 1 when n >= 2, at most n - 1."""
    if num_videos < 2:
        return 0
    return max(1, min(num_videos - 1, round(num_videos * val_fraction)))


def prepare_folder(
    src: str | Path,
    out: str | Path,
    val_fraction: float = 0.2,
    seed: int = 0,
    extensions: tuple[str, ...] = VIDEO_EXTENSIONS,
) -> FolderReport:
    """Write train/val lists and a label map for SRC/<class>/<videos>; see the module docstring."""
    src, out = Path(src), Path(out)
    if not 0 < val_fraction < 1:
        raise PrepareError(f"--val-fraction must be between 0 and 1 (exclusive), got {val_fraction}")
    if not src.is_dir():
        raise PrepareError(f"source folder not found: {src}")
    wanted = {e.lower() for e in extensions}
    skip = {out.resolve()}  # lists written into a sub-folder of SRC are not a class
    class_dirs = sorted(
        p for p in src.iterdir() if p.is_dir() and not p.name.startswith(".") and p.resolve() not in skip
    )
    loose = [p for p in src.iterdir() if p.is_file() and p.suffix.lower() in wanted]
    if not class_dirs:
        found = f" ({len(loose)} videos lie directly in it)" if loose else ""
        raise PrepareError(
            f"{src}: no class sub-folders{found}; expected {src}/<class name>/<videos>, one folder per class"
        )
    report = FolderReport(out, ignored_files=len(loose))
    train, val = [], []
    for label, class_dir in enumerate(class_dirs):
        files = sorted(p for p in class_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
        videos = [p.relative_to(src).as_posix() for p in files if p.suffix.lower() in wanted]
        report.ignored_files += len(files) - len(videos)
        if not videos:
            what = f"{len(files)} files, none a video" if files else "it is empty"
            raise PrepareError(
                f"{class_dir}: class folder without videos ({what}); expected files ending in "
                f"{', '.join(sorted(wanted))}; remove the folder or add its videos"
            )
        for video in videos:
            check_path_field(video, str(src))
        shuffled = list(videos)
        random.Random(f"{seed}/{class_dir.name}").shuffle(shuffled)  # str seeds are stable across runs
        n_val = val_count(len(videos), val_fraction)
        val += [(video, label) for video in shuffled[:n_val]]
        train += [(video, label) for video in shuffled[n_val:]]
        report.classes.append(class_dir.name)
        report.videos_per_class[class_dir.name] = len(videos)
        if n_val == 0:
            report.train_only.append(class_dir.name)
    for name, rows in ((TRAIN_LIST, train), (VAL_LIST, val)):
        write_lines(out / name, [f"{video} {label}" for video, label in sorted(rows)])
        report.add(SplitResult(name, len(rows)))
    write_label_map(report, LABEL_MAP, report.classes)
    return report
