"""torch Datasets gluing annotation `Sample`s, a sampler, a frame reader and transforms together.

One item: `rng = numpy.random.default_rng([seed, epoch, index])` -> sampler picks frame positions ->
reader decodes them -> transforms (ending in FormatShape) -> `{'inputs', 'label', 'index'}`.
The rng depends only on (seed, epoch, index), so a run is reproducible whatever the worker count
or order; pass `(epoch, index)` keys with `EpochSampler` to get fresh draws every epoch.

A sample that cannot be read (missing, empty or corrupt file or frame; frames too large to resize;
a sampled frame past the end) is not fatal: the item is a `Skipped` record, logged once, dropped by
`collate`, which lists it under 'skipped' so `SkipCounter` can report the epoch's losses.
Labels are checked against `num_classes` when a dataset is built, naming the list's file and line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from actionrec.data.annotations import UNLABELED, AnnotationError, Label, Sample, multi_hot
from actionrec.data.decoders import FlowFolderReader, FrameFolderReader, FrameReader, VideoDecodeError, open_video
from actionrec.data.sampling import SAMPLER_TYPES, build_sampler
from actionrec.data.transforms import Clip, Compose, FormatShape, FrameSizeError, build_transforms

log = logging.getLogger(__name__)

VIDEO_DECODER_STEPS = frozenset({"DecordInit", "DecordDecode", "OpenCVInit", "OpenCVDecode", "PyAVInit", "PyAVDecode"})
FRAME_DECODER_STEPS = frozenset({"RawFrameDecode"})
# What counts as "this file is unreadable" rather than a bug: decoder failures, an index past the
# frames a file really holds, and file-system errors.
UNREADABLE = (VideoDecodeError, FrameSizeError, IndexError, OSError)


class FrameSampler(Protocol):
    """What sampling.py's samplers offer: 0-based frame positions for `total_frames`, `clip_len` per clip."""

    clip_len: int

    def __call__(
        self, total_frames: int, rng: np.random.Generator | None = None, fps: float | None = None
    ) -> np.ndarray: ...


@dataclass
class Pipeline:
    """Frame sampler + transforms (ending in FormatShape) + modality: everything between a reader and a batch."""

    sampler: FrameSampler
    transform: Compose
    modality: str = "RGB"  # or 'Flow'
    source: str | None = None  # 'video' or 'rawframes' when the MMAction2 pipeline named its decoder

    def __post_init__(self) -> None:
        steps = self.transform.transforms
        if not steps or not isinstance(steps[-1], FormatShape):
            raise ValueError(f"Pipeline: the transforms must end with FormatShape, got {self.transform!r}")

    @classmethod
    def from_mmaction(cls, steps: Sequence[dict], modality: str = "RGB") -> Pipeline:
        """Split an MMAction2 pipeline list (DecordInit, SampleFrames, DecordDecode, ..., FormatShape,
        PackActionInputs) into sampler, transforms and modality; 'NCHW_Flow' implies Flow."""
        kinds = [step.get("type") if isinstance(step, dict) else None for step in steps]
        sampler_steps = [step for step, kind in zip(steps, kinds) if kind in SAMPLER_TYPES]
        if len(sampler_steps) != 1:
            raise ValueError(
                f"Pipeline: expected exactly one sampler step ({sorted(SAMPLER_TYPES)}), got {len(sampler_steps)} "
                f"in {kinds}"
            )
        sources = {"video" for kind in kinds if kind in VIDEO_DECODER_STEPS}
        sources |= {"rawframes" for kind in kinds if kind in FRAME_DECODER_STEPS}
        if len(sources) > 1:
            raise ValueError(f"Pipeline: mixes video and rawframe decoder steps: {kinds}")
        if any(kind == "FormatShape" and step.get("input_format") == "NCHW_Flow" for step, kind in zip(steps, kinds)):
            modality = "Flow"
        source = sources.pop() if sources else None
        return cls(build_sampler(sampler_steps[0]), build_transforms(steps), modality, source)

    def __call__(self, reader: FrameReader, rng: np.random.Generator, fps: float | None = None) -> torch.Tensor:
        """uint8 views of one sample."""
        return self.run(reader, rng, fps)[0]

    def run(
        self,
        reader: FrameReader,
        rng: np.random.Generator,
        fps: float | None = None,
        label: Label | None = None,
        start_index: int = 0,
    ) -> tuple[torch.Tensor, Label | None]:
        """uint8 views of one sample and its label, which a transform may change (``Flip(flip_label_map)``).

        ``start_index`` is added to the sampled frame positions (MMAction2's offset; videos use 0).
        """
        if reader.num_frames < 1:  # e.g. a rawframe list line with total_frames 0: a bad sample, not a bug
            raise VideoDecodeError(f"{reader.path}: no frames to sample (num_frames={reader.num_frames})")
        positions = self.sampler(reader.num_frames, rng, fps=fps)
        if start_index:
            positions = positions + start_index
            beyond = positions[positions >= reader.num_frames]
            if beyond.size:
                raise IndexError(
                    f"{reader.path}: start_index={start_index} moves a sampled frame to {int(beyond[0])}, past the "
                    f"last frame ({reader.num_frames - 1})"
                )
        frames = reader.read(positions)
        clip_len = self.sampler.clip_len
        clip = Clip(
            frames, clip_len=clip_len, num_clips=len(positions) // clip_len, modality=self.modality, label=label
        )
        *steps, format_shape = self.transform.transforms
        try:
            clip = Compose(steps)(clip, rng)
        except FrameSizeError as error:
            raise FrameSizeError(f"{reader.path}: {error}") from error
        return format_shape(clip, rng), clip.label


@dataclass(frozen=True)
class Skipped:
    """The item for a sample that could not be read; `collate` drops it and reports (path, reason)."""

    index: int
    path: str
    reason: str


class _ClipDataset(Dataset):
    """Shared by video and rawframe datasets; subclasses only say how to open a sample."""

    source = ""  # 'video' or 'rawframes'

    def __init__(
        self, samples: Sequence[Sample], pipeline: Pipeline, num_classes: int | None = None, seed: int = 0
    ) -> None:
        if pipeline.source not in (None, self.source):
            raise ValueError(
                f"{type(self).__name__} reads {self.source}, but the pipeline's decoder steps are for {pipeline.source}"
            )
        if num_classes is None and any(isinstance(s.label, tuple) for s in samples):
            raise ValueError(f"{type(self).__name__}: multi-label samples need num_classes for the multi-hot target")
        if num_classes is not None:
            _check_labels(samples, num_classes)
        self.samples = list(samples)
        self.pipeline = pipeline
        self.num_classes = num_classes
        self.seed = seed

    def __len__(self) -> int:
        return len(self.samples)

    def _open(self, sample: Sample) -> tuple[FrameReader, float | None]:
        """A reader for the sample and its fps (None when unknown)."""
        raise NotImplementedError

    def __getitem__(self, key: int | tuple[int, int]) -> dict | Skipped:
        epoch, index = (int(k) for k in key) if isinstance(key, tuple) else (0, int(key))
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        index = int(index) % len(self)
        sample = self.samples[index]
        rng = np.random.default_rng([self.seed, epoch, index])
        try:
            reader, fps = self._open(sample)
            with reader:
                inputs, label = self.pipeline.run(reader, rng, fps, sample.label, self._position_offset)
        except UNREADABLE as error:
            reason = f"{type(error).__name__}: {error}"
            log.warning("skipping unreadable sample %d (%s): %s", index, sample.path, reason)
            return Skipped(index, sample.path, reason)
        return {"inputs": inputs, "label": self._target(label), "index": index}

    # Added to sampled positions: a video's start_index (frame folders fold theirs into file numbers).
    _position_offset = 0

    def _target(self, label: int | tuple[int, ...]) -> torch.Tensor:
        if isinstance(label, tuple):
            return multi_hot(label, self.num_classes)
        return torch.tensor(label, dtype=torch.long)


def _check_labels(samples: Sequence[Sample], num_classes: int) -> None:
    """Every label in ``0..num_classes - 1`` (or -1, unlabelled); the first that is not is named with its line."""
    for index, sample in enumerate(samples):
        labels = sample.label if isinstance(sample.label, tuple) else (sample.label,)
        bad = next((label for label in labels if not 0 <= label < num_classes and label != UNLABELED), None)
        if bad is not None:
            where = sample.source or f"sample {index} ({sample.path})"
            raise AnnotationError(
                f"{where}: label {bad} is outside 0..{num_classes - 1} (num_classes={num_classes}); "
                "does the list belong to this dataset?"
            )


class VideoDataset(_ClipDataset):
    """Samples from a video list; the frame count and fps come from the decoder.

    ``start_index`` (MMAction2's, 0 for videos) is added to every sampled frame position; a
    position it moves past the last frame makes the sample unreadable (skipped, named).
    """

    source = "video"

    def __init__(
        self,
        samples: Sequence[Sample],
        pipeline: Pipeline,
        num_classes: int | None = None,
        seed: int = 0,
        backend: str = "auto",
        start_index: int = 0,
    ) -> None:
        super().__init__(samples, pipeline, num_classes, seed)
        self.backend = backend
        if isinstance(start_index, bool) or not isinstance(start_index, int) or start_index < 0:
            raise ValueError(f"VideoDataset: start_index must be a non-negative int, got {start_index!r}")
        self._position_offset = self.start_index = start_index

    def _open(self, sample: Sample) -> tuple[FrameReader, float | None]:
        reader = open_video(sample.path, self.backend)
        return reader, reader.fps


class RawframeDataset(_ClipDataset):
    """Samples from a rawframe list: RGB `img_00001.jpg` folders, or flow `x_/y_00001.jpg` folders
    when the pipeline's modality is 'Flow'. The frame count comes from the list (no directory probe)."""

    source = "rawframes"

    def __init__(
        self,
        samples: Sequence[Sample],
        pipeline: Pipeline,
        num_classes: int | None = None,
        seed: int = 0,
        filename_tmpl: str | None = None,
        start_index: int = 1,
    ) -> None:
        super().__init__(samples, pipeline, num_classes, seed)
        self.reader_cls = FlowFolderReader if pipeline.modality == "Flow" else FrameFolderReader
        self.filename_tmpl = filename_tmpl
        self.start_index = start_index

    def _open(self, sample: Sample) -> tuple[FrameReader, float | None]:
        kwargs = {"filename_tmpl": self.filename_tmpl} if self.filename_tmpl else {}
        reader = self.reader_cls(
            sample.path, num_frames=sample.total_frames, start_index=self.start_index, offset=sample.offset, **kwargs
        )
        return reader, None


def collate(batch: Sequence[dict | Skipped]) -> dict:
    """Stack the readable items; list the skipped ones as (path, reason).

    Returns {'inputs': (N, V, ...) uint8, 'label': (N,) long or (N, K) float, 'index': (N,) long,
    'skipped': [(path, reason), ...]}. When every item was skipped, 'inputs' and 'label' are None
    and 'index' is empty: callers skip the step (but still count 'skipped'). In distributed
    training every rank must still join the step's collectives, e.g. with a zero loss.
    """
    kept = [item for item in batch if not isinstance(item, Skipped)]
    skipped = [(item.path, item.reason) for item in batch if isinstance(item, Skipped)]
    index = torch.tensor([item["index"] for item in kept], dtype=torch.long)
    if not kept:
        return {"inputs": None, "label": None, "index": index, "skipped": skipped}
    shapes = {tuple(item["inputs"].shape) for item in kept}
    if len(shapes) > 1:
        raise ValueError(
            f"collate: samples {index.tolist()} have different input shapes {sorted(shapes)}; "
            "the pipeline must crop or resize to a fixed size"
        )
    return {
        "inputs": torch.stack([item["inputs"] for item in kept]),
        "label": torch.stack([item["label"] for item in kept]),
        "index": index,
        "skipped": skipped,
    }


class EpochSampler(Sampler):
    """Wraps an index sampler (RandomSampler, DistributedSampler, ...) to yield (epoch, index) keys,
    so each epoch's per-sample rng differs; `set_epoch` is forwarded to the wrapped sampler."""

    def __init__(self, base_sampler: Sampler | Sequence[int]) -> None:
        self.base_sampler = base_sampler
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if hasattr(self.base_sampler, "set_epoch"):
            self.base_sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for index in self.base_sampler:
            yield self.epoch, int(index)

    def __len__(self) -> int:
        return len(self.base_sampler)


def worker_init_fn(worker_id: int) -> None:
    """DataLoader workers decode with one thread each: oversubscribed cores make decoding ~10x slower."""
    torch.set_num_threads(1)


class SkipCounter:
    """Accumulates the 'skipped' lists of collated batches over an epoch, for the end-of-epoch log."""

    def __init__(self) -> None:
        self.skipped: list[tuple[str, str]] = []

    def update(self, batch: dict) -> None:
        self.skipped.extend(batch["skipped"])

    @property
    def count(self) -> int:
        return len(self.skipped)

    @property
    def files(self) -> list[str]:
        return sorted({path for path, _ in self.skipped})

    def report(self, limit: int = 20) -> str:
        """'skipped N unreadable samples (M files): ...' listing up to `limit` files with a reason each."""
        if not self.skipped:
            return "skipped 0 unreadable samples"
        reasons = dict(self.skipped)
        lines = [f"  {path}: {reasons[path]}" for path in self.files[:limit]]
        if len(self.files) > limit:
            lines.append(f"  ... and {len(self.files) - limit} more files")
        return f"skipped {self.count} unreadable samples ({len(self.files)} files):\n" + "\n".join(lines)

    def reset(self) -> None:
        self.skipped.clear()
