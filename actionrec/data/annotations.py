"""Annotation lists and label maps -> `Sample`s, with `file:line` errors.

Formats (MMAction2's, see FACTS §3.9):

    video list          relpath label            (multi-label: relpath l1 l2 ...)
    rawframe list       frame_dir total_frames label
    ... with_offset     frame_dir offset total_frames label
    JSON list           [{"filename" | "frame_dir": ..., "label": [..], "total_frames": N?}, ...]
    label map           one class name per line, or JSON (a list of names, or HVU's {category: [names]})

A line without a label gets label -1 (inference lists); blank lines are skipped. The fields are
split on `delimiter` (' ' splits on any run of whitespace; UniFormerV2 L configs use ',').
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch

from actionrec.errors import ActionrecError

Label = int | tuple[int, ...]


@dataclass(frozen=True)
class Sample:
    """One annotated video: a file (video) or a folder (frames). Paths already joined with the root."""

    path: str
    label: Label = -1
    total_frames: int | None = None
    offset: int = 0


class AnnotationError(ActionrecError, ValueError):
    """A malformed annotation file; the message reads `file:line: expected ..., got '...'`."""


def _read_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped text) of the non-blank lines."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"annotation file not found: {os.fspath(path)}")
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if text:
                yield number, text


def _split(text: str, delimiter: str) -> list[str]:
    if delimiter.isspace():
        return text.split()
    return [field.strip() for field in text.split(delimiter)]


def _join(root: str | os.PathLike, relpath: str) -> str:
    return os.path.join(root, relpath) if root else relpath


def _parse_labels(fields: list[str], multi_label: bool) -> Label:
    """No field -> -1; one -> int; several -> tuple (multi-label only). Raises ValueError."""
    labels = tuple(int(field) for field in fields)
    if any(label < -1 for label in labels):
        raise ValueError("negative label")
    if not labels:
        return -1
    if multi_label:
        return labels
    if len(labels) > 1:
        raise ValueError("several labels in a single-label list")
    return labels[0]


def load_video_list(
    path: str | os.PathLike, root: str | os.PathLike = "", delimiter: str = " ", multi_label: bool = False
) -> list[Sample]:
    """Parse `relpath label` lines (`relpath l1 l2 ...` with `multi_label`)."""
    expected = "relpath label [label ...]" if multi_label else "relpath label"
    samples = []
    for number, text in _read_lines(path):
        fields = _split(text, delimiter)
        try:
            if not fields[0]:
                raise ValueError("empty path")
            label = _parse_labels(fields[1:], multi_label)
        except ValueError:
            raise _error(path, number, expected, text) from None
        samples.append(Sample(_join(root, fields[0]), label))
    return samples


def load_rawframe_list(
    path: str | os.PathLike,
    root: str | os.PathLike = "",
    delimiter: str = " ",
    with_offset: bool = False,
    multi_label: bool = False,
) -> list[Sample]:
    """Parse `frame_dir total_frames label` lines (`frame_dir offset total_frames label` with `with_offset`)."""
    counts = "offset total_frames" if with_offset else "total_frames"
    expected = f"frame_dir {counts} label" + (" [label ...]" if multi_label else "")
    n_counts = 2 if with_offset else 1
    samples = []
    for number, text in _read_lines(path):
        fields = _split(text, delimiter)
        try:
            if len(fields) < 1 + n_counts or not fields[0]:
                raise ValueError("too few fields")
            numbers = [int(field) for field in fields[1 : 1 + n_counts]]
            if any(n < 0 for n in numbers):
                raise ValueError("negative count")
            label = _parse_labels(fields[1 + n_counts :], multi_label)
        except ValueError:
            raise _error(path, number, expected, text) from None
        offset, total = (numbers[0], numbers[1]) if with_offset else (0, numbers[0])
        samples.append(Sample(_join(root, fields[0]), label, total_frames=total, offset=offset))
    return samples


def load_json_list(
    path: str | os.PathLike,
    root: str | os.PathLike = "",
    multi_label: bool = False,
    category_offsets: Mapping[str, int] | None = None,
) -> list[Sample]:
    """Parse MMAction2 0.x JSON lists: dicts with 'filename' or 'frame_dir', 'label', optional 'total_frames'.

    'label' is an int or a list of ints (single-label lists need exactly one). HVU-style labels,
    `{category: [ids]}`, become global ids `category_offsets[category] + id` (see `category_offsets`).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"annotation file not found: {os.fspath(path)}")
    with open(path, encoding="utf-8") as f:
        try:
            entries = json.load(f)
        except json.JSONDecodeError as e:
            raise AnnotationError(f"{os.fspath(path)}:{e.lineno}: invalid JSON ({e.msg})") from None
    if not isinstance(entries, list):
        raise AnnotationError(f"{os.fspath(path)}: expected a JSON list of dicts, got {type(entries).__name__}")
    samples = []
    for i, entry in enumerate(entries):
        where = f"{os.fspath(path)}: entry {i}"
        if not isinstance(entry, dict):
            raise AnnotationError(f"{where}: expected a dict, got {entry!r:.80}")
        key = "filename" if "filename" in entry else "frame_dir"
        if not isinstance(entry.get(key), str):
            raise AnnotationError(f"{where}: expected a 'filename' or 'frame_dir' string, got {entry!r:.80}")
        try:
            label = _json_label(entry.get("label", []), multi_label, category_offsets)
            total = entry.get("total_frames")
            if total is not None and (not isinstance(total, int) or total < 0):
                raise ValueError(f"'total_frames' must be a non-negative int, got {total!r}")
            offset = int(entry.get("offset", 0))
        except (TypeError, ValueError, KeyError) as e:
            raise AnnotationError(f"{where}: {e}") from None
        samples.append(Sample(_join(root, entry[key]), label, total_frames=total, offset=offset))
    return samples


def _json_label(raw, multi_label: bool, category_offsets: Mapping[str, int] | None) -> Label:
    if isinstance(raw, dict):
        if category_offsets is None:
            raise ValueError("per-category labels {category: [ids]} need category_offsets (HVU label map)")
        unknown = set(raw) - set(category_offsets)
        if unknown:
            raise KeyError(f"unknown label categories {sorted(unknown)}")
        raw = [category_offsets[c] + int(i) for c, ids in raw.items() for i in ids]
        multi_label = True
    if isinstance(raw, int):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, int) for x in raw):
        raise ValueError(f"'label' must be an int or a list of ints, got {raw!r:.80}")
    return _parse_labels([str(x) for x in raw], multi_label)


def load_label_map(path: str | os.PathLike, category: str | None = None) -> list[str]:
    """Class names in index order: one per line, a JSON list, or a JSON {category: [names]} (HVU).

    For a category map, `category` picks one list; without it the lists are concatenated in file
    order, which is the global index order `category_offsets` describes.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"label map not found: {os.fspath(path)}")
    if os.fspath(path).endswith(".json"):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict):
            if category is not None:
                if category not in data:
                    raise KeyError(f"{os.fspath(path)}: no category {category!r}; has {list(data)}")
                data = data[category]
            else:
                data = [name for names in data.values() for name in names]
        if not isinstance(data, list) or not all(isinstance(name, str) for name in data):
            raise AnnotationError(
                f"{os.fspath(path)}: expected a JSON list of class names or {{category: [names]}}"
                " (index lists such as map_k600.json are channel maps, not label maps)"
            )
        return data
    return [text for _, text in _read_lines(path)]


def category_offsets(path: str | os.PathLike) -> dict[str, int]:
    """First global index of each category of a JSON {category: [names]} label map (HVU)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise AnnotationError(f"{os.fspath(path)}: expected a JSON {{category: [names]}} label map")
    offsets, start = {}, 0
    for name, names in data.items():
        offsets[name] = start
        start += len(names)
    return offsets


def multi_hot(labels: Label, num_classes: int) -> torch.Tensor:
    """Float vector with 1 at each label (MMAction2's multi-class target); -1 (no label) gives zeros."""
    labels = (labels,) if isinstance(labels, int) else tuple(labels)
    target = torch.zeros(num_classes, dtype=torch.float32)
    for label in labels:
        if label == -1:
            continue
        if not 0 <= label < num_classes:
            raise ValueError(f"label {label} out of range for {num_classes} classes")
        target[label] = 1.0
    return target


def _error(path: str | os.PathLike, number: int, expected: str, text: str) -> AnnotationError:
    return AnnotationError(f"{os.fspath(path)}:{number}: expected '{expected}', got {text!r}")
