"""Data loaders for training and evaluation, built from the config's splits.

Training order: one permutation per epoch from (seed, epoch), cut into global batches of
`world_size * batch_size` (the last incomplete one dropped, so every rank steps the same number
of times), each rank taking its slice. Items are requested as `(epoch, index)` so each sample's
augmentation comes from (seed, epoch, index), whatever worker decodes it. Resuming mid-epoch
skips the batches already done. Evaluation: each rank scores its shard, no sample twice.

Unreadable samples are skipped and listed by the datasets (actionrec.data.datasets); when too
many are, `UnreadableDataError` stops the run and `unreadable_summary` says what they are and why.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Sampler

from actionrec.data.annotations import load_json_list, load_rawframe_list, load_video_list
from actionrec.data.datasets import Pipeline, RawframeDataset, VideoDataset, collate, worker_init_fn
from actionrec.errors import ActionrecError

from ..config import Config, ConfigError
from .distributed import DistInfo

SHOWN_UNREADABLE = 3  # unreadable paths an error message names
CHECKED_UNREADABLE = 20  # unreadable paths looked at on disk to guess the cause


class UnreadableDataError(ActionrecError, RuntimeError):
    """Too many samples of a split cannot be read; the message names some and the likely cause."""


class TrainSampler(Sampler[tuple[int, int]]):
    """Yields this rank's `(epoch, index)` items for one epoch; `set_epoch` before each."""

    def __init__(self, length: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1):
        self.length = length
        self.batch_size = batch_size
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.global_batch = batch_size * world_size
        if length < self.global_batch:
            raise ConfigError(
                f"the training set has {length} samples, fewer than one global batch "
                f"({world_size} processes x {batch_size})"
            )
        self.epoch = 0
        self.skip_batches = 0

    @property
    def batches_per_epoch(self) -> int:
        return self.length // self.global_batch

    def set_epoch(self, epoch: int, skip_batches: int = 0) -> None:
        self.epoch = epoch
        self.skip_batches = skip_batches

    def epoch_order(self, epoch: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.length, generator=generator)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        order = self.epoch_order(self.epoch)
        for b in range(self.skip_batches, self.batches_per_epoch):
            start = b * self.global_batch + self.rank * self.batch_size
            for index in order[start : start + self.batch_size].tolist():
                yield self.epoch, index

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.skip_batches) * self.batch_size


class ShardSampler(Sampler[int]):
    """Indices rank, rank + world_size, ...: a partition of the dataset, no padding."""

    def __init__(self, length: int, rank: int = 0, world_size: int = 1):
        self.indices = range(rank, length, world_size)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


class _ResumableLoader:
    """A DataLoader whose `len` is the full epoch (so progress bars and schedules see the epoch)."""

    def __init__(self, loader: DataLoader, sampler: TrainSampler):
        self.loader = loader
        self.sampler = sampler
        self.dataset = loader.dataset

    def __iter__(self):
        return iter(self.loader)

    def __len__(self) -> int:
        return self.sampler.batches_per_epoch


def build_dataset(cfg: Config, split_name: str, test_mode: bool):
    """The dataset of one split of the config (train / val / test).

    `test_mode` is carried by the pipeline's sampler step (MMAction2 style), not by the dataset.
    """
    split = getattr(cfg.data, split_name)
    if split is None:
        raise ConfigError(f"config has no data.{split_name} split")
    multi = cfg.data.multi_label
    ann_files = [split.ann_file] if isinstance(split.ann_file, str) else split.ann_file
    roots = [split.root] * len(ann_files) if isinstance(split.root, str) else split.root
    if len(roots) != len(ann_files):
        raise ConfigError(
            f"data.{split_name}: {len(ann_files)} ann_file entries but {len(roots)} roots; "
            "give one root, or one per list"
        )
    samples = []
    for ann_file, root in zip(ann_files, roots):
        if split.kind == "video":
            samples += load_video_list(ann_file, root, split.delimiter, multi)
        elif split.kind == "rawframes":
            samples += load_rawframe_list(ann_file, root, split.delimiter, split.with_offset, multi)
        else:
            samples += load_json_list(ann_file, root, multi)
    pipeline = Pipeline.from_mmaction(split.pipeline, split.modality)
    frames = split.kind == "rawframes" or (split.kind == "json" and pipeline.source == "rawframes")
    start = {} if split.start_index is None else {"start_index": split.start_index}
    if not frames:
        return VideoDataset(samples, pipeline, cfg.data.num_classes, cfg.train.seed, backend=split.backend, **start)
    return RawframeDataset(
        samples, pipeline, cfg.data.num_classes, cfg.train.seed, filename_tmpl=split.filename_tmpl, **start
    )


def _worker_init(worker_id: int) -> None:
    """A worker decodes on one thread and leaves SIGINT / SIGTERM to the main process, which saves
    `latest` before stopping (a worker that ended on Ctrl-C would make the loader raise instead)."""
    worker_init_fn(worker_id)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _loader_kwargs(num_workers: int, seed: int) -> dict:
    kwargs = dict(
        num_workers=num_workers,
        collate_fn=collate,
        pin_memory=torch.cuda.is_available(),
        generator=torch.Generator().manual_seed(seed),
    )  # keeps the global torch RNG untouched
    if num_workers > 0:
        kwargs.update(worker_init_fn=_worker_init)
    return kwargs


def build_train_loader(cfg: Config, dist: DistInfo) -> tuple[_ResumableLoader, TrainSampler]:
    dataset = build_dataset(cfg, "train", test_mode=False)
    split = cfg.data.train
    sampler = TrainSampler(len(dataset), split.batch_size, cfg.train.seed, dist.rank, dist.world_size)
    loader = DataLoader(
        dataset, batch_size=split.batch_size, sampler=sampler, **_loader_kwargs(split.num_workers, cfg.train.seed)
    )
    return _ResumableLoader(loader, sampler), sampler


def build_eval_loader(cfg: Config, split_name: str, dist: DistInfo) -> DataLoader:
    dataset = build_dataset(cfg, split_name, test_mode=True)
    split = getattr(cfg.data, split_name)
    sampler = ShardSampler(len(dataset), dist.rank, dist.world_size)
    return DataLoader(
        dataset, batch_size=split.batch_size, sampler=sampler, **_loader_kwargs(split.num_workers, cfg.train.seed)
    )


def unreadable_summary(examples: Sequence[tuple[str, str]], reads: str | None, split: str) -> str:
    """'Likely cause: ... First unreadable: path (reason); ...' for `examples` of (path, reason).

    `reads` is what the dataset opens ('video' files or 'rawframes' folders); the cause is judged
    from what the paths really are on disk.
    """
    shown = "; ".join(f"{path} ({reason})" for path, reason in examples[:SHOWN_UNREADABLE])
    more = ", ..." if len(examples) > SHOWN_UNREADABLE else ""
    cause = likely_cause([path for path, _ in examples[:CHECKED_UNREADABLE]], reads, split)
    return f"Likely cause: {cause}. First unreadable: {shown}{more}"


def likely_cause(paths: Sequence[str], reads: str | None, split: str) -> str:
    """Why these samples cannot be read, from what the paths are: folders, files, or nothing."""
    if not paths:
        return "unknown (no unreadable path was recorded)"
    half = len(paths) / 2
    folders = [p for p in paths if os.path.isdir(p)]
    files = [p for p in paths if os.path.isfile(p)]
    missing = [p for p in paths if not os.path.exists(p)]
    if reads == "video" and len(folders) >= half:
        return (
            f"the lists name frame folders but data.{split} decodes video files; frame folders need "
            f"data.{split}.kind='rawframes' and a RawFrameDecode step in the pipeline"
        )
    if reads == "rawframes" and len(files) >= half:
        return (
            f"the lists name files (videos?) but data.{split} reads frame folders; video files need "
            f"data.{split}.kind='video' and a video decoder step (e.g. DecordInit + DecordDecode) in the pipeline"
        )
    if len(missing) >= half:
        return (
            f"{len(missing)} of the {len(paths)} paths checked do not exist; check data.{split}.root "
            f"(the lists' paths are relative to it) and data.{split}.ann_file"
        )
    if files and all(os.path.getsize(p) == 0 for p in files):
        return "the files are empty (0 bytes), e.g. an interrupted download or copy"
    return (
        "the files exist but cannot be decoded (damaged, or a format the decoder does not read); "
        "`actionrec data inspect LIST --root ROOT` checks every file of a list"
    )
