"""UCF101 lists for its three official splits.

Official files (UCF101TrainTestSplits-RecognitionTask.zip): `classInd.txt` (`1 ApplyEyeMakeup`),
`trainlist0{1,2,3}.txt` (`ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1`) and `testlist0{1,2,3}.txt`
(`ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi`). As MMAction2's `parse_ucf101_splits`, the label is
the 0-based classInd index of the video's folder.
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
    read_text_lines,
    require_file,
    split_ext,
    split_root,
    write_label_map,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

NUM_SPLITS = 3


def read_class_ind(path: Path) -> list[str]:
    """classInd.txt: `index name` lines, 1-based indices in order."""
    names = []
    for number, text in read_text_lines(path):
        fields = text.split()
        if len(fields) != 2 or not fields[0].isdigit() or int(fields[0]) != len(names) + 1:
            raise PrepareError(f"{path}:{number}: expected '{len(names) + 1} ClassName', got {text!r}")
        names.append(fields[1])
    return names


def read_split_list(path: Path, labels: dict[str, int]) -> list[Entry]:
    """trainlist/testlist lines: `Class/video.avi [1-based label]`; the label comes from the folder."""
    entries = []
    for number, text in read_text_lines(path):
        fields = text.split()
        if len(fields) not in (1, 2) or "/" not in fields[0]:
            raise PrepareError(f"{path}:{number}: expected 'Class/video.avi [label]', got {text!r}")
        folder, _ = fields[0].split("/", 1)
        label = lookup_label(labels, folder, f"{path}:{number}")
        if len(fields) == 2 and fields[1] != str(label + 1):
            raise PrepareError(f"{path}:{number}: label {fields[1]} disagrees with classInd ({folder} = {label + 1})")
        key, ext = split_ext(fields[0])
        entries.append(Entry(key, label, ext=ext))
    return entries


def prepare_ucf101(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`ucf101_{train,val}_split_{1,2,3}_videos.txt` (+ `_rawframes.txt`) and `label_map_ucf101.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    classes = read_class_ind(require_file(annotations / "classInd.txt", "UCF101 classInd.txt"))
    write_label_map(report, "label_map_ucf101.txt", classes)
    labels = class_index(classes, annotations / "classInd.txt")
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for split in range(1, NUM_SPLITS + 1):
        for subset, file_name in (("train", f"trainlist{split:02d}.txt"), ("val", f"testlist{split:02d}.txt")):
            entries = read_split_list(require_file(annotations / file_name, "UCF101 split file"), labels)
            write_video_list(report, f"ucf101_{subset}_split_{split}_videos.txt", entries, videos, options)
            if frames.is_dir():
                write_rawframe_list(report, f"ucf101_{subset}_split_{split}_rawframes.txt", entries, frames)
    write_missing_report(report)
    return report
