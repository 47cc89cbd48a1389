"""HVU lists: one JSON list per tag category, plus the all-category lists.

Official files (HVU-Dataset repo): `HVU_Tags_Categories_V1.0.csv` (`Tag,Category`) and
`HVU_{Train,Val}_V1.0.csv` (`Tags,youtube_id,time_start,time_end`, tags joined by '|'); MMAction2
renames them `hvu_categories.csv`, `hvu_train.csv`, `hvu_val.csv` (both accepted). As MMAction2's
`parse_tag_list.py` / `generate_file_list.py`: a category's classes are its tags sorted, and a clip
is `{youtube_id}_{int(start*10):06d}_{int(end*10):06d}.mp4` in `videos_{train,val}/`.

Written (MMAction2 0.x JSON lists, FACTS §3.9):
- `hvu_{category}_{split}.json`: `[{"filename", "label": [indices]}]` with only the clips that carry a
  tag of that category (the per-category TSN configs, BCE multi-label);
- `hvu_{split}_video.json`: `[{"filename", "label": {category: [indices]}}]`, every category;
- `label_map_hvu.json`: `{category: [tags]}`, categories sorted.
"""

from __future__ import annotations

from pathlib import Path

from actionrec.prepare.common import (
    Entry,
    PrepareError,
    PrepareOptions,
    PrepareReport,
    SplitResult,
    VideoIndex,
    first_existing,
    read_csv_dicts,
    resolve,
    split_root,
    write_json,
    write_missing_report,
)

CATEGORIES = ("action", "attribute", "concept", "event", "object", "scene")
SPLIT_FILES = {"train": ("hvu_train.csv", "HVU_Train_V1.0.csv"), "val": ("hvu_val.csv", "HVU_Val_V1.0.csv")}


def read_tag_categories(path: Path) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for number, row in read_csv_dicts(path, ("Tag", "Category")):
        if row["Category"] not in CATEGORIES:
            raise PrepareError(f"{path}:{number}: unknown category {row['Category']!r}, expected one of {CATEGORIES}")
        tags.setdefault(row["Category"], []).append(row["Tag"])
    return {category: sorted(tags[category]) for category in sorted(tags)}


def read_clips(path: Path, tag_index: dict[str, tuple[str, int]]) -> list[tuple[Entry, dict[str, list[int]]]]:
    """(entry, {category: [indices]}) per row; the entry's own label is unused (labels are per category)."""
    clips = []
    for number, row in read_csv_dicts(path, ("Tags", "youtube_id", "time_start", "time_end")):
        try:
            start_s, end_s = float(row["time_start"]), float(row["time_end"])
        except ValueError:
            raise PrepareError(f"{path}:{number}: expected numeric time_start,time_end, got {row!r}") from None
        labels: dict[str, list[int]] = {}
        for tag in row["Tags"].split("|"):
            if tag not in tag_index:
                raise PrepareError(f"{path}:{number}: tag {tag!r} is not in the tag-category CSV")
            category, index = tag_index[tag]
            labels.setdefault(category, []).append(index)
        youtube_id = row["youtube_id"]
        key = f"{youtube_id}_{int(start_s * 10):06d}_{int(end_s * 10):06d}"
        alt = (f"{youtube_id}_{int(start_s):06d}_{int(end_s):06d}", youtube_id)
        clips.append((Entry(key, -1, alt), labels))
    return clips


def prepare_hvu(src: Path, out: Path, options: PrepareOptions) -> PrepareReport:
    """`hvu_{category}_{split}.json`, `hvu_{split}_video.json` and `label_map_hvu.json`."""
    report = PrepareReport(out)
    annotations = options.annotations or src / "annotations"
    tags = read_tag_categories(
        first_existing(annotations, ("hvu_categories.csv", "HVU_Tags_Categories_V1.0.csv"), "HVU tag-category CSV")
    )
    label_map = out / "label_map_hvu.json"
    write_json(label_map, tags)
    report.label_maps.append(label_map)
    tag_index = {tag: (category, i) for category, names in tags.items() for i, tag in enumerate(names)}
    for split, names in SPLIT_FILES.items():
        clips = read_clips(first_existing(annotations, names, f"HVU {split} CSV"), tag_index)
        video_root = split_root(options.videos, src, f"videos_{split}")
        resolved = resolve([entry for entry, _ in clips], VideoIndex(video_root), options.ext or ".mp4")
        missing = [rel for _, rel, found in resolved if not found]
        kept = [
            (rel, labels) for (_, rel, found), (_, labels) in zip(resolved, clips) if found or not options.drop_missing
        ]
        write_json(out / f"hvu_{split}_video.json", [{"filename": rel, "label": labels} for rel, labels in kept])
        report.add(SplitResult(f"hvu_{split}_video.json", len(kept), missing))
        for category in tags:
            items = [{"filename": rel, "label": labels[category]} for rel, labels in kept if category in labels]
            write_json(out / f"hvu_{category}_{split}.json", items)
            report.add(SplitResult(f"hvu_{category}_{split}.json", len(items)))
    write_missing_report(report)
    return report
