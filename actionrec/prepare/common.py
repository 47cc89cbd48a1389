"""What every dataset preparer shares: entries, finding videos on disk, writing lists.

A preparer reads a dataset's official annotation files into `Entry`s (a video's expected
path and its label), then `write_split` resolves each entry against the files that are
really there and writes the list formats the loaders read (FACTS §3.9):

    video list      relpath label            (multi-label: relpath l1 l2 ...)
    rawframe list   frame_dir total_frames label

Videos are found by file *stem*, anywhere under the split's video folder, so a copy laid
out one level deep or two, or re-encoded to another extension by `actionrec data resize`,
resolves the same. Referenced videos that are not on disk are counted and listed in
`missing_videos.txt`; they stay in the lists under their expected path unless
`drop_missing` is set.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actionrec.errors import ActionrecError

Label = int | tuple[int, ...]

VIDEO_EXTENSIONS = (".mp4", ".webm", ".avi", ".mkv", ".mov", ".m4v", ".flv", ".mpg", ".mpeg", ".3gp")
LABEL_MAP_DIR = Path(__file__).resolve().parent.parent / "label_maps"
MISSING_REPORT = "missing_videos.txt"


class PrepareError(ActionrecError, ValueError):
    """Malformed or absent annotation input; the message names the file (and line) and what was expected."""


@dataclass(frozen=True)
class Entry:
    """One annotated video.

    `key` is the expected path below the split's video folder, without extension, '/'-separated
    (e.g. 'abseiling/0wR5jVB-WPk_000417_000427'). `alt_stems` are other file stems the same video
    is known under (Kinetics copies named by YouTube id only). `ext` is the extension the annotation
    names, if it names one (used for a video that is not on disk).
    """

    key: str
    label: Label
    alt_stems: tuple[str, ...] = ()
    ext: str | None = None

    @property
    def stem(self) -> str:
        return self.key.rsplit("/", 1)[-1]


@dataclass
class SplitResult:
    """How one written list came out."""

    name: str
    written: int
    missing: list[str] = field(default_factory=list)

    @property
    def num_missing(self) -> int:
        return len(self.missing)


@dataclass
class PrepareOptions:
    """Choices shared by every preparer.

    `videos` / `frames` override the per-split video / frame folders of the dataset's standard
    layout (one folder for every split); `ext` overrides the dataset's usual extension, written for
    videos not found on disk.
    """

    drop_missing: bool = False
    videos: Path | None = None
    frames: Path | None = None
    annotations: Path | None = None
    ext: str | None = None


@dataclass
class PrepareReport:
    """Everything a preparer wrote, for the command's summary and the tests."""

    out: Path
    label_maps: list[Path] = field(default_factory=list)
    splits: list[SplitResult] = field(default_factory=list)

    def add(self, result: SplitResult) -> SplitResult:
        self.splits.append(result)
        return result

    @property
    def num_missing(self) -> int:
        return sum(s.num_missing for s in self.splits)

    def split(self, name: str) -> SplitResult:
        for result in self.splits:
            if result.name == name:
                return result
        raise KeyError(f"no list named {name!r}; wrote {[s.name for s in self.splits]}")


# ----------------------------------------------------------------------------- reading inputs


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise PrepareError(f"{what} not found: {path}")
    return path


def first_existing(folder: Path, names: Sequence[str], what: str) -> Path:
    """The first of `names` present in `folder` (official and MMAction2-renamed file names differ)."""
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise PrepareError(f"{what} not found in {folder}: expected one of {', '.join(names)}")


def read_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped text) of the non-blank lines."""
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if text:
                yield number, text


def read_csv_rows(path: Path, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(1-based line number, fields) of the non-blank CSV rows; quoting follows the csv module."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, [cell.strip() for cell in row]


def read_csv_dicts(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header line, checking that the header holds `required` columns."""
    rows = read_csv_rows(path)
    try:
        _, header = next(rows)
    except StopIteration:
        raise PrepareError(f"{path}: empty file, expected a header with columns {', '.join(required)}") from None
    absent = [name for name in required if name not in header]
    if absent:
        raise PrepareError(f"{path}:1: expected header columns {', '.join(required)}, got {','.join(header)!r}")
    for number, row in rows:
        if len(row) < len(header):
            raise PrepareError(f"{path}:{number}: expected {len(header)} fields ({','.join(header)}), got {row!r}")
        yield number, dict(zip(header, row))


def read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise PrepareError(f"{path}:{e.lineno}: invalid JSON ({e.msg})") from None


def shipped_label_map(name: str) -> list[str]:
    """A label map shipped in actionrec/label_maps (the class order the zoo checkpoints use)."""
    return [line for _, line in read_text_lines(LABEL_MAP_DIR / name)]


def class_index(names: Sequence[str], source: Path) -> dict[str, int]:
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise PrepareError(f"{source}: duplicated class names {duplicated[:5]}")
    return {name: i for i, name in enumerate(names)}


def lookup_label(index: dict[str, int], name: str, where: str) -> int:
    try:
        return index[name]
    except KeyError:
        raise PrepareError(f"{where}: unknown class {name!r} (not in the label map of {len(index)} classes)") from None


# ----------------------------------------------------------------------------- finding videos


class VideoIndex:
    """Video files under a folder, found by stem (recursively); built once per folder."""

    def __init__(self, root: Path | None, extensions: Sequence[str] = VIDEO_EXTENSIONS):
        self.root = root
        self.by_stem: dict[str, list[str]] = {}
        if root is None or not root.is_dir():
            return
        for folder, _, files in os.walk(root):
            rel_folder = os.path.relpath(folder, root)
            for name in files:
                stem, ext = os.path.splitext(name)
                if ext.lower() in extensions and not name.startswith("."):
                    rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
                    self.by_stem.setdefault(stem, []).append(rel)

    def find(self, entry: Entry) -> str | None:
        """The on-disk relative path of `entry`'s video, preferring the expected folder on stem clashes."""
        for stem in (entry.stem, *entry.alt_stems):
            candidates = self.by_stem.get(stem)
            if candidates:
                expected_dir = entry.key.rsplit("/", 1)[0] if "/" in entry.key else ""
                for rel in candidates:
                    if (rel.rsplit("/", 1)[0] if "/" in rel else "") == expected_dir:
                        return rel
                return candidates[0]
        return None


def split_root(options_root: Path | None, src: Path, default: str) -> Path:
    return options_root if options_root is not None else src / default


# ----------------------------------------------------------------------------- frame folders

_RGB_PATTERNS = {"img": re.compile(r"img_\d+\.jpg$"), "plain": re.compile(r"\d+\.jpg$")}


def count_frames(frame_dir: Path, style: str = "img") -> int | None:
    """Number of RGB frames in a frame folder (`img_00001.jpg` or SthV1's `00001.jpg`); None if absent/empty."""
    try:
        names = os.listdir(frame_dir)
    except (FileNotFoundError, NotADirectoryError):
        return None
    pattern = _RGB_PATTERNS[style]
    count = sum(1 for name in names if pattern.match(name))
    return count or None


# ----------------------------------------------------------------------------- writing outputs


def split_ext(filename: str) -> tuple[str, str | None]:
    """('dir/name', '.avi') from 'dir/name.avi'; (filename, None) without an extension."""
    stem, ext = os.path.splitext(filename)
    return (stem, ext) if ext else (filename, None)


def format_label(label: Label) -> str:
    return " ".join(str(x) for x in label) if isinstance(label, tuple) else str(label)


def check_path_field(relpath: str, where: str) -> None:
    """List fields are space-separated, so a path with whitespace would corrupt its line."""
    if any(ch.isspace() for ch in relpath):
        raise PrepareError(
            f"{where}: path {relpath!r} contains whitespace, which space-separated lists cannot hold; "
            "rename the folders (e.g. Kinetics class folders: spaces -> underscores) and run again"
        )


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Writes via a temporary name so an interrupted run never leaves a half list that looks complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    os.replace(tmp, path)


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def write_label_map(report: PrepareReport, name: str, classes: Sequence[str]) -> Path:
    path = report.out / name
    write_lines(path, classes)
    report.label_maps.append(path)
    return path


def resolve(entries: Sequence[Entry], index: VideoIndex, ext: str) -> list[tuple[Entry, str, bool]]:
    """(entry, relpath, found) for each entry; a video not on disk gets its expected path + `ext`."""
    resolved = []
    for entry in entries:
        rel = index.find(entry)
        resolved.append((entry, rel if rel is not None else entry.key + (entry.ext or ext), rel is not None))
    return resolved


def write_video_list(
    report: PrepareReport,
    list_name: str,
    entries: Sequence[Entry],
    video_root: Path,
    options: PrepareOptions,
    ext: str = ".mp4",
) -> SplitResult:
    """Writes `relpath label` lines for `entries`, resolving each against `video_root`."""
    index = VideoIndex(video_root)
    lines, missing = [], []
    for entry, rel, found in resolve(entries, index, options.ext or ext):
        check_path_field(rel, str(video_root))
        if not found:
            missing.append(rel)
            if options.drop_missing:
                continue
        lines.append(f"{rel} {format_label(entry.label)}")
    write_lines(report.out / list_name, lines)
    return report.add(SplitResult(list_name, len(lines), missing))


def write_rawframe_list(
    report: PrepareReport, list_name: str, entries: Sequence[Entry], frame_root: Path, style: str = "img"
) -> SplitResult:
    """Writes `frame_dir total_frames label` lines for entries whose frame folder exists.

    The folder is looked for at the entry's key, then by its stem at the top level. A folder
    without frames cannot be listed (its count is unknown), so absent ones are always dropped
    and reported.
    """
    lines, missing = [], []
    for entry in entries:
        found = None
        for rel in dict.fromkeys((entry.key, entry.stem, *entry.alt_stems)):  # nested, then flat layouts
            count = count_frames(frame_root / rel, style)
            if count is not None:
                found = rel
                break
        if found is None:
            missing.append(entry.key)
            continue
        check_path_field(found, str(frame_root))
        lines.append(f"{found} {count} {format_label(entry.label)}")
    write_lines(report.out / list_name, lines)
    return report.add(SplitResult(list_name, len(lines), missing))


def write_missing_report(report: PrepareReport) -> Path:
    """One line per missing video or frame folder: `list_name<TAB>path`."""
    path = report.out / MISSING_REPORT
    write_lines(path, (f"{s.name}\t{rel}" for s in report.splits for rel in s.missing))
    return path
