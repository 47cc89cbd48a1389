"""ActivityNet v1.3 video-level and clip-level lists.

Official file: `activity_net.v1-3.min.json`, `{"database": {id: {"subset", "duration",
"annotations": [{"segment": [start_s, end_s], "label"}]}}}`. Videos from the official crawler are
`v_{id}.mp4`. Classes follow the shipped `label_map_activitynet.txt` (MMAction2's `action_name.csv`
order, which the zoo checkpoints use).

As MMAction2's `generate_rawframes_filelist.py`:
- video level: one line per video, labelled with its first annotation; written as a video list and,
  when frame folders exist, as the rawframe list `anet_{split}_video.txt` (`frame_dir total label`);
- clip level (needs frame counts, so frame folders): one line per annotated segment,
  `frame_dir offset count label` with `fps = total / duration`, `offset = int(start * fps)`,
  `end = min(int(end * fps), total - 1)`, `count = end - offset + 1` (load with `with_offset=True`).
"""

from __future__ import annotations

from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    SplitResult,
    class_index,
    count_frames,
    first_existing,
    lookup_label,
    read_json,
    shipped_label_map,
    split_root,
    write_label_map,
    write_lines,
    write_missing_report,
    write_rawframe_list,
    write_video_list,
)

SUBSETS = {"train": "training", "val": "validation"}
ANNOTATION_NAMES = ("activity_net.v1-3.min.json", "activity_net.v1-3.json")


def read_database(path: Path) -> dict[str, dict]:
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("database"), dict):
        raise PrepareError(f"{path}: expected a JSON object with a 'database' mapping video ids to annotations")
    return data["database"]


def video_entries(database: dict[str, dict], subset: str, labels: dict[str, int], source: Path) -> list[Entry]:
    entries = []
    for video_id, info in database.items():
        if info.get("subset") != subset:
            continue
        annotations = info.get("annotations")
        if not annotations:
            raise PrepareError(f"{source}: database[{video_id!r}] ({subset}) has no annotations")
        label = lookup_label(labels, annotations[0].get("label", ""), f"{source}: database[{video_id!r}]")
        entries.append(Entry(f"v_{video_id}", label, (video_id,)))
    return entries


def clip_lines(
    video_id: str, info: dict, frame_dir: str, total: int, labels: dict[str, int], source: Path
) -> tuple[list[str], list[str]]:
    """(`frame_dir offset count label` lines, descriptions of segments that fall outside the frames)."""
    duration = float(info.get("duration", 0))
    if duration <= 0:
        raise PrepareError(f"{source}: database[{video_id!r}] has no positive 'duration'")
    fps = total / duration
    lines, outside = [], []
    for segment in info["annotations"]:
        try:
            start_s, end_s = (float(t) for t in segment["segment"])
        except (KeyError, TypeError, ValueError):
            raise PrepareError(f"{source}: database[{video_id!r}]: expected 'segment': [start, end]") from None
        label = lookup_label(labels, segment.get("label", ""), f"{source}: database[{video_id!r}]")
        start, end = int(start_s * fps), min(int(end_s * fps), total - 1)
        if end < start:
            outside.append(f"{frame_dir} (segment {start_s:g}-{end_s:g} s beyond its {total} frames)")
            continue
        lines.append(f"{frame_dir} {start} {end - start + 1} {label}")
    return lines, outside


def prepare_activitynet(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """Video lists `anet_{split}_list_videos.txt`; with frames also `anet_{split}_video.txt` and `_clip.txt`."""
    report = PrepareReport(out)
    annotations = options.annotations or src
    source = first_existing(annotations, ANNOTATION_NAMES, "ActivityNet annotation JSON")
    database = read_database(source)
    classes = shipped_label_map("label_map_activitynet.txt")
    write_label_map(report, "label_map_activitynet.txt", classes)
    labels = class_index(classes, source)
    videos, frames = split_root(options.videos, src, "videos"), split_root(options.frames, src, "rawframes")
    for split, subset in SUBSETS.items():
        entries = video_entries(database, subset, labels, source)
        write_video_list(report, f"anet_{split}_list_videos.txt", entries, videos, options)
        if not frames.is_dir():
            continue
        write_rawframe_list(report, f"anet_{split}_video.txt", entries, frames)
        lines, outside = [], []
        for entry in entries:
            total = count_frames(frames / entry.key)
            if total is None:
                continue  # already reported by the video-level rawframe list
            video_id = entry.alt_stems[0]
            more, bad = clip_lines(video_id, database[video_id], entry.key, total, labels, source)
            lines += more
            outside += bad
        write_lines(out / f"anet_{split}_clip.txt", lines)
        report.add(SplitResult(f"anet_{split}_clip.txt", len(lines), outside))
    write_missing_report(report)
    return report
