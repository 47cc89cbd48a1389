"""Pre-logit features of many videos into one `.npz`: resumable, unreadable videos skipped and listed.

    entries = read_inputs(["val_list.txt"], root="data/videos")
    summary = write_features(Recognizer.from_config(cfg, ckpt), entries, "feats.npz", per_clip=True)

The output (read with `numpy.load(path)`; no pickles):

    features        float32 (N, D), or (N, clips, D) with per_clip (clip order: `Recognizer.features`)
    paths           str (N,): each video as its list names it (relative to `root`) or as given
    labels          int64 (N,): the list's label, -1 where there is none (a video given directly)
    failed          str (F,): the videos that could not be read
    failed_reasons  str (F,): why, one line each
    meta            str (): JSON, the settings the features were computed with

Resume: finished work goes to `OUT.partial/` next to OUT: `run.json` (the settings: a rerun with
other settings is refused rather than mixed) and `part_NNNNN.npz` every `save_every` finished
videos, each written to a temporary name and renamed, so a kill loses at most the videos since the
last part. Rerunning the same command loads the parts, skips their videos and computes the rest;
the final file is written the same atomic way and `OUT.partial/` removed. Videos that failed are
tried again on a rerun (the cause may have passed: a network mount, a copy still running).

Unreadable videos count against `max_corrupt_fraction`, the trainer's `train.max_corrupt_fraction`
idea: once more than that fraction of the list has failed the run stops (`UnreadableVideosError`);
the parts already written are kept, so a rerun after fixing the data continues from them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from actionrec.data.annotations import (
    UNLABELED,
    AnnotationError,
    load_json_list,
    load_rawframe_list,
    load_video_list,
)
from actionrec.data.datasets import UNREADABLE
from actionrec.engine.checkpointing import atomic_write
from actionrec.errors import ActionrecError
from actionrec.progress import progress_bar
from actionrec.recognize import RecognizeError, Recognizer

log = logging.getLogger(__name__)

#: inputs with these suffixes are lists of videos; anything else is a video file or frame folder
LIST_SUFFIXES = (".txt", ".lst", ".list", ".csv", ".json")
LIST_FORMATS = ("video", "rawframes", "json")
SHOWN_FAILURES = 3  # unreadable videos an error message names
# what makes one video unreadable rather than the run wrong: decoder and file-system errors, and
# input the model cannot take (a video file for a flow model)
_UNREADABLE = (*UNREADABLE, RecognizeError)


class FeatureExtractionError(ActionrecError, ValueError):
    """Feature extraction cannot start or continue as asked (state of another run, bad options)."""


class UnreadableVideosError(ActionrecError, RuntimeError):
    """More videos than `max_corrupt_fraction` of the list (or all of them) could not be read."""


@dataclass(frozen=True)
class VideoEntry:
    """One video to extract: `name` as listed (the output's `paths`), `path` as read, its label or -1."""

    name: str
    path: str
    label: int = UNLABELED


@dataclass
class FeatureSummary:
    """What `write_features` did: rows written, failures, videos computed in this run and their time."""

    out: Path
    rows: int
    shape: tuple[int, ...]
    failed: list[tuple[str, str]] = field(default_factory=list)
    computed: int = 0
    resumed: int = 0
    seconds: float = 0.0

    @property
    def seconds_per_video(self) -> float | None:
        return self.seconds / self.computed if self.computed else None


# -- inputs -----------------------------------------------------------------------------------------


def is_list_file(path: str | os.PathLike) -> bool:
    """A list of videos (by suffix: .txt .lst .list .csv .json), as opposed to a video or frame folder."""
    return Path(path).suffix.lower() in LIST_SUFFIXES and not os.path.isdir(path)


def read_inputs(
    inputs: Iterable[str | os.PathLike],
    root: str | os.PathLike = "",
    *,
    list_format: str = "video",
    delimiter: str = " ",
) -> list[VideoEntry]:
    """Video files, frame folders and lists of them -> entries, in order.

    A list is read as the annotation formats of `actionrec.data.annotations` read it (`list_format`
    'video': `relpath [label]`, 'rawframes': `frame_dir total_frames [label]`; a `.json` list is always
    JSON); labels are optional; `root` is joined to the list's paths, not to videos given directly.
    """
    if list_format not in LIST_FORMATS:
        raise FeatureExtractionError(f"list_format must be one of {LIST_FORMATS}, got {list_format!r}")
    entries = []
    for item in inputs:
        item = os.fspath(item)
        if not is_list_file(item):
            entries.append(VideoEntry(item, item))
            continue
        fmt = "json" if item.lower().endswith(".json") else list_format
        if fmt == "json":
            samples = load_json_list(item, allow_unlabeled=True)
        elif fmt == "rawframes":
            samples = load_rawframe_list(item, delimiter=delimiter, allow_unlabeled=True)
        else:
            samples = load_video_list(item, delimiter=delimiter, allow_unlabeled=True)
        for sample in samples:
            if isinstance(sample.label, tuple):  # JSON lists may hold several labels per entry
                raise AnnotationError(f"{sample.source}: several labels; feature lists take one label or none")
            path = os.path.join(root, sample.path) if root else sample.path
            entries.append(VideoEntry(sample.path, path, sample.label))
    if not entries:
        raise FeatureExtractionError("no videos to extract features from")
    return entries


# -- the resumable file job -------------------------------------------------------------------------


def write_features(
    recognizer: Recognizer,
    entries: Sequence[VideoEntry],
    out: str | os.PathLike,
    *,
    per_clip: bool = False,
    save_every: int = 10,
    max_corrupt_fraction: float = 0.1,
    settings: Mapping[str, object] | None = None,
    progress: bool = True,
) -> FeatureSummary:
    """Features of every entry (`Recognizer.features`) into the `.npz` `out`; see the module docstring.

    `settings`: JSON-able facts that make two runs comparable (config, checkpoint, options); a
    partial state left by a run with other settings is refused. A path listed twice is computed once.
    """
    if save_every < 1:
        raise FeatureExtractionError(f"save_every must be at least 1 video, got {save_every}")
    if not 0.0 <= max_corrupt_fraction <= 1.0:
        raise FeatureExtractionError(f"max_corrupt_fraction must be between 0 and 1, got {max_corrupt_fraction}")
    if not entries:
        raise FeatureExtractionError("no videos to extract features from")
    out = check_output(out)
    settings = {**(settings or {}), "per_clip": per_clip}
    state = PartialState(partial_dir(out), settings)
    done = state.load()
    names = list(dict.fromkeys(entry.name for entry in entries))  # unique, in order
    todo = {entry.name: entry for entry in entries if entry.name not in done}
    budget = max_corrupt_fraction * len(names)
    failed: list[tuple[str, str]] = []
    pending: dict[str, np.ndarray] = {}
    computed, seconds = 0, 0.0
    bar = progress_bar(
        total=len(names), initial=len(names) - len(todo), desc="features", unit="video", disable=not progress
    )
    try:
        for name, entry in todo.items():
            tic = time.perf_counter()
            try:
                pending[name] = recognizer.features(entry.path, per_clip=per_clip)
            except _UNREADABLE as error:
                reason = " ".join(f"{type(error).__name__}: {error}".split())
                failed.append((name, reason))
                log.warning("skipping unreadable video %s: %s", entry.path, reason)
                if len(failed) > budget:
                    message = _too_many(failed, entries, len(names), max_corrupt_fraction, state)
                    raise UnreadableVideosError(message) from None
            else:
                computed += 1
                seconds += time.perf_counter() - tic
            bar.update(1)
            if len(pending) >= save_every:
                done.update(state.save(pending))
                pending = {}
    finally:
        bar.close()
        if pending:  # an error or an interrupt: keep what is finished
            done.update(state.save(pending))
    if not done:
        state.remove()  # nothing was finished: no progress to keep
        raise UnreadableVideosError(
            f"none of the {len(names)} videos could be read; " + _shown(failed) + _missing_hint(entries, failed)
        )
    shape = _check_shapes(done, state.path)
    rows = [entry for entry in entries if entry.name in done]
    meta = {**settings, "shape": list(shape)}
    arrays = {
        "features": np.stack([done[entry.name] for entry in rows]).astype(np.float32),
        "paths": np.array([entry.name for entry in rows], dtype=str),
        "labels": np.array([entry.label for entry in rows], dtype=np.int64),
        "failed": np.array([name for name, _ in failed], dtype=str),
        "failed_reasons": np.array([reason for _, reason in failed], dtype=str),
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    atomic_savez(out, arrays)
    state.remove()
    resumed = len(names) - len(todo)
    return FeatureSummary(out, len(rows), shape, failed, computed, resumed, seconds)


def check_output(out: str | os.PathLike) -> Path:
    """`out` can be written: not a folder, in a folder that exists."""
    out = Path(out)
    if out.is_dir():
        raise FeatureExtractionError(f"{out}: is a directory; the output is the .npz file to write")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the output folder does not exist: {out.parent}")
    return out


def partial_dir(out: str | os.PathLike) -> Path:
    """Where `write_features` keeps its progress for `out`: `OUT.partial/` beside it."""
    out = Path(out)
    return out.with_name(out.name + ".partial")


class PartialState:
    """`OUT.partial/`: `run.json` (the settings) and `part_NNNNN.npz` files of finished videos."""

    def __init__(self, path: Path, settings: Mapping[str, object]) -> None:
        self.path = path
        self.settings = json.loads(json.dumps(dict(settings)))  # as it reads back from run.json
        self.next_part = 0

    def load(self) -> dict[str, np.ndarray]:
        """The finished videos' features by name; creates the folder (and `run.json`) on a first run."""
        run_file = self.path / "run.json"
        if not run_file.is_file():
            self.path.mkdir(exist_ok=True)
            atomic_write(run_file, lambda f: f.write(json.dumps(self.settings, sort_keys=True).encode()))
            return {}
        try:
            previous = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FeatureExtractionError(
                f"{run_file}: unreadable ({error}); delete {self.path} to start over"
            ) from None
        differ = sorted(k for k in previous.keys() | self.settings.keys() if previous.get(k) != self.settings.get(k))
        if differ:
            changes = ", ".join(f"{k}: {previous.get(k)!r} then, {self.settings.get(k)!r} now" for k in differ[:3])
            raise FeatureExtractionError(
                f"{self.path} holds the progress of a run with other settings ({changes}); rerun with those "
                f"settings to continue it, or delete {self.path} to start over"
            )
        done: dict[str, np.ndarray] = {}
        for part in sorted(self.path.glob("part_*.npz")):
            try:
                with np.load(part, allow_pickle=False) as data:
                    names, features = data["paths"], data["features"]
            except (OSError, ValueError, KeyError) as error:
                raise FeatureExtractionError(
                    f"{part}: unreadable part of the saved progress ({error}); delete it (its videos are computed "
                    "again) or delete the folder to start over"
                ) from None
            done.update(zip(names.tolist(), features))
            self.next_part = max(self.next_part, int(part.stem.split("_")[1]) + 1)
        for stray in self.path.glob(".*.tmp"):  # a write a kill interrupted
            stray.unlink()
        return done

    def save(self, features: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
        """One more part, written atomically; returns what it saved."""
        part = self.path / f"part_{self.next_part:05d}.npz"
        atomic_savez(
            part, {"paths": np.array(list(features), dtype=str), "features": np.stack(list(features.values()))}
        )
        self.next_part += 1
        return features

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def atomic_savez(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """`numpy.savez` to a temporary file in the same folder, then renamed: never half-written."""
    atomic_write(path, lambda f: np.savez(f, **arrays))


def _check_shapes(done: Mapping[str, np.ndarray], where: Path) -> tuple[int, ...]:
    shapes = {tuple(features.shape) for features in done.values()}
    if len(shapes) != 1:
        raise FeatureExtractionError(f"features of different shapes {sorted(shapes)} (from {where}); delete it")
    return shapes.pop()


def _shown(failed: Sequence[tuple[str, str]]) -> str:
    more = ", ..." if len(failed) > SHOWN_FAILURES else ""
    return "first unreadable: " + "; ".join(f"{name} ({reason})" for name, reason in failed[:SHOWN_FAILURES]) + more


def _missing_hint(entries: Sequence[VideoEntry], failed: Sequence[tuple[str, str]]) -> str:
    paths = {entry.name: entry.path for entry in entries}
    missing = sum(not os.path.exists(paths[name]) for name, _ in failed)
    if failed and missing >= len(failed) / 2:
        return f" ({missing} of them do not exist: are the list's paths relative to a --root?)"
    return ""


def _too_many(
    failed: Sequence[tuple[str, str]], entries: Sequence[VideoEntry], total: int, fraction: float, state: PartialState
) -> str:
    return (
        f"{len(failed)} of the {total} videos are unreadable, more than max_corrupt_fraction={fraction}; stopped "
        f"(finished videos are kept in {state.path}: rerun to continue); "
        + _shown(failed)
        + _missing_hint(entries, failed)
    )
