"""Annotation lists and label maps -> `Sample`s, with `file:line` errors.

Formats (MMAction2's, see FACTS §3.9):

    video list          relpath label            (multi-label: relpath l1 l2 ...)
    rawframe list       frame_dir total_frames label
    ... with_offset     frame_dir offset total_frames label
    JSON list           [{"filename" | "frame_dir": ..., "label": [..], "total_frames": N?}, ...]
    label map           one class name per line, or JSON (a list of names, or HVU's {category: [names]})

Every line needs a label: a line without one, or with a negative one, is an error naming file and
line, unless the list is for inference and says so (``allow_unlabeled=True``: such lines get -1,
MMAction2's "no label"). Blank lines are skipped; a UTF-8 byte-order mark is accepted; an empty
list, a binary or non-UTF-8 file, and a line that parses only with another delimiter (``did you
mean delimiter=','``) are errors. The fields are split on `delimiter` (' ' splits on any run of
whitespace, others exactly; UniFormerV2 L configs use ','). Each `Sample` remembers its `file:line`, so that a
label found out of range later (when a dataset knows the class count) is named there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from actionrec.data.paths import missing_reason
from actionrec.errors import ActionrecError

Label = int | tuple[int, ...]
UNLABELED = -1
DELIMITERS = (" ", ",", "\t")  # tried in turn to suggest the right one for a line that does not parse


@dataclass(frozen=True)
class Sample:
    """One annotated video: a file (video) or a folder (frames). Paths already joined with the root.

    ``source`` says where it was listed (``file:line`` or ``file: entry N``), for error messages.
    """

    path: str
    label: Label = UNLABELED
    total_frames: int | None = None
    offset: int = 0
    source: str = field(default="", compare=False)


class AnnotationError(ActionrecError, ValueError):
    """A malformed annotation file; the message reads `file:line: expected ..., got '...'`."""


def _check_exists(path: str | os.PathLike, what: str) -> None:
    reason = missing_reason(path)
    if reason == "no such file":
        raise FileNotFoundError(f"{what} not found: {os.fspath(path)}")
    if reason is not None:
        raise FileNotFoundError(f"{os.fspath(path)}: {reason}")
    if os.path.isdir(path):
        raise AnnotationError(f"{os.fspath(path)}: is a directory, not a file")


def _read_text(path: str | os.PathLike, what: str = "annotation file") -> str:
    """The file as text: UTF-8 (a byte-order mark is dropped); a binary or other-encoded file is an error
    naming the line of the first offending byte."""
    _check_exists(path, what)
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise AnnotationError(
            f"{os.fspath(path)}:{line}: not a UTF-8 text file (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); is it the right file? Re-save it as UTF-8 if it is"
        ) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise AnnotationError(f"{os.fspath(path)}:{line}: not a UTF-8 text file (it holds NUL bytes: a binary file?)")
    return text


def _read_lines(path: str | os.PathLike, what: str = "annotation file") -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped text) of the non-blank lines."""
    for number, line in enumerate(_read_text(path, what).splitlines(), start=1):
        text = line.strip()
        if text:
            yield number, text


def _split(text: str, delimiter: str) -> list[str]:
    """' ' splits on runs of whitespace; any other delimiter (',', a tab) splits exactly there."""
    if delimiter == " ":
        return text.split()
    return [field.strip() for field in text.split(delimiter)]


def _join(root: str | os.PathLike, relpath: str) -> str:
    return os.path.join(root, relpath) if root else relpath


def _parse_labels(fields: list[str], multi_label: bool, allow_unlabeled: bool) -> Label:
    """No field -> -1 (only with ``allow_unlabeled``); one -> int; several -> tuple (multi-label only).

    Raises ValueError saying what is wrong.
    """
    try:
        labels = tuple(int(field) for field in fields)
    except ValueError:
        raise ValueError("a label must be an integer") from None
    negative = [label for label in labels if label < 0]
    if negative:
        raise ValueError(f"negative label {negative[0]}")
    if not labels:
        if allow_unlabeled:
            return UNLABELED
        raise ValueError("no label; a list for inference without labels needs allow_unlabeled=True")
    if multi_label:
        return labels
    if len(labels) > 1:
        raise ValueError("several labels in a single-label list")
    return labels[0]


def _parse_list(
    path: str | os.PathLike, delimiter: str, expected: str, parse: Callable[[list[str]], Sample]
) -> list[Sample]:
    """Parses every line with ``parse`` (fields -> Sample), naming file and line on failure.

    A line that fails, or parses without a label, but parses with a label under another delimiter
    gets that delimiter suggested: 'good.mp4,0' under ' ' would otherwise be a path with a comma.
    """
    samples = []
    for number, text in _read_lines(path):
        where = f"{os.fspath(path)}:{number}"
        try:
            sample = parse(_split(text, delimiter))
            problem = "no label" if sample.label == UNLABELED else None
        except ValueError as error:
            sample, problem = None, str(error)
        if problem is not None:
            hint = _delimiter_hint(text, delimiter, parse)
            if sample is None or hint:
                raise AnnotationError(f"{where}: expected '{expected}', got {text!r} ({hint or problem})")
        samples.append(Sample(sample.path, sample.label, sample.total_frames, sample.offset, source=where))
    if not samples:
        raise AnnotationError(f"{os.fspath(path)}: the list has no entries (expected lines '{expected}')")
    return samples


def _delimiter_hint(text: str, delimiter: str, parse: Callable[[list[str]], Sample]) -> str:
    for other in DELIMITERS:
        if other == delimiter or other not in text:
            continue
        try:
            if parse(_split(text, other)).label != UNLABELED:
                return f"the line splits on {other!r}: did you mean delimiter={other!r}?"
        except ValueError:
            continue
    return ""


def load_video_list(
    path: str | os.PathLike,
    root: str | os.PathLike = "",
    delimiter: str = " ",
    multi_label: bool = False,
    *,
    allow_unlabeled: bool = False,
) -> list[Sample]:
    """Parse `relpath label` lines (`relpath l1 l2 ...` with `multi_label`)."""
    expected = "relpath label [label ...]" if multi_label else "relpath label"

    def parse(fields: list[str]) -> Sample:
        if not fields or not fields[0]:
            raise ValueError("empty path")
        return Sample(_join(root, fields[0]), _parse_labels(fields[1:], multi_label, allow_unlabeled))

    return _parse_list(path, delimiter, expected, parse)


def load_rawframe_list(
    path: str | os.PathLike,
    root: str | os.PathLike = "",
    delimiter: str = " ",
    with_offset: bool = False,
    multi_label: bool = False,
    *,
    allow_unlabeled: bool = False,
) -> list[Sample]:
    """Parse `frame_dir total_frames label` lines (`frame_dir offset total_frames label` with `with_offset`)."""
    counts = "offset total_frames" if with_offset else "total_frames"
    expected = f"frame_dir {counts} label" + (" [label ...]" if multi_label else "")
    n_counts = 2 if with_offset else 1

    def parse(fields: list[str]) -> Sample:
        if len(fields) < 1 + n_counts or not fields[0]:
            raise ValueError("too few fields")
        try:
            numbers = [int(field) for field in fields[1 : 1 + n_counts]]
        except ValueError:
            raise ValueError(f"{counts} must be integers") from None
        if any(n < 0 for n in numbers):
            raise ValueError("negative count")
        label = _parse_labels(fields[1 + n_counts :], multi_label, allow_unlabeled)
        offset, total = (numbers[0], numbers[1]) if with_offset else (0, numbers[0])
        return Sample(_join(root, fields[0]), label, total_frames=total, offset=offset)

    return _parse_list(path, delimiter, expected, parse)


def load_json_list(
    path: str | os.PathLike,
    root: str | os.PathLike = "",
    multi_label: bool = False,
    category_offsets: Mapping[str, int] | None = None,
    *,
    allow_unlabeled: bool = False,
) -> list[Sample]:
    """Parse MMAction2 0.x JSON lists: dicts with 'filename' or 'frame_dir', 'label', optional 'total_frames'.

    'label' is an int or a list of ints (single-label lists need exactly one). HVU-style labels,
    `{category: [ids]}`, become global ids `category_offsets[category] + id` (see `category_offsets`).
    An entry without a label (or with an empty list) needs `allow_unlabeled`.
    """
    entries = _load_json(path)
    if not isinstance(entries, list):
        raise AnnotationError(f"{os.fspath(path)}: expected a JSON list of dicts, got {type(entries).__name__}")
    if not entries:
        raise AnnotationError(f"{os.fspath(path)}: the list has no entries (expected a JSON list of dicts)")
    samples = []
    for i, entry in enumerate(entries):
        where = f"{os.fspath(path)}: entry {i}"
        if not isinstance(entry, dict):
            raise AnnotationError(f"{where}: expected a dict, got {entry!r:.80}")
        key = "filename" if "filename" in entry else "frame_dir"
        if not isinstance(entry.get(key), str):
            raise AnnotationError(f"{where}: expected a 'filename' or 'frame_dir' string, got {entry!r:.80}")
        try:
            label = _json_label(entry.get("label", []), multi_label, category_offsets, allow_unlabeled)
            total = entry.get("total_frames")
            if total is not None and (not isinstance(total, int) or total < 0):
                raise ValueError(f"'total_frames' must be a non-negative int, got {total!r}")
            offset = int(entry.get("offset", 0))
        except (TypeError, ValueError, KeyError) as e:
            raise AnnotationError(f"{where}: {e}") from None
        samples.append(Sample(_join(root, entry[key]), label, total_frames=total, offset=offset, source=where))
    return samples


def _load_json(path: str | os.PathLike, what: str = "annotation file") -> Any:
    try:
        return json.loads(_read_text(path, what))
    except json.JSONDecodeError as e:
        raise AnnotationError(f"{os.fspath(path)}:{e.lineno}: invalid JSON ({e.msg})") from None


def _json_label(raw, multi_label: bool, category_offsets: Mapping[str, int] | None, allow_unlabeled: bool) -> Label:
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
    if not isinstance(raw, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
        raise ValueError(f"'label' must be an int or a list of ints, got {raw!r:.80}")
    try:
        return _parse_labels([str(x) for x in raw], multi_label, allow_unlabeled)
    except ValueError as error:
        raise ValueError(f"'label': {error}") from None


def load_label_map(path: str | os.PathLike, category: str | None = None) -> list[str]:
    """Class names in index order: one per line, a JSON list, or a JSON {category: [names]} (HVU).

    For a category map, `category` picks one list; without it the lists are concatenated in file
    order, which is the global index order `category_offsets` describes.
    """
    if os.fspath(path).endswith(".json"):
        data = _load_json(path, "label map")
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
    return [text for _, text in _read_lines(path, "label map")]


def category_offsets(path: str | os.PathLike) -> dict[str, int]:
    """First global index of each category of a JSON {category: [names]} label map (HVU)."""
    data = _load_json(path, "label map")
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
