"""The training loop: `setup` builds a `Run`, then `train` loops over epochs and batches in labelled
sections. Read `train` top to bottom.

    python -m actionrec train CONFIG                      # one process
    torchrun --nproc-per-node 2 -m actionrec train CONFIG # DDP (gloo on CPU, NCCL on GPUs)

The data order of an epoch is a function of (seed, epoch), per-sample augmentation of
(seed, epoch, index), and the LR of the iteration; so a run resumed from `latest.pth` (written at
each epoch's end, every `train.latest_interval` batches, and on SIGINT / SIGTERM) replays exactly
what an uninterrupted run would have done.

A run stops early, keeping every checkpoint already written, when
- the loss is not finite (NonFiniteLossError);
- more than `train.max_corrupt_fraction` of an epoch's samples are unreadable, or none is (UnreadableDataError);
- SIGINT or SIGTERM arrives: `latest.pth` is saved at the next optimizer step (TrainingInterrupted,
  exit code 128 + signal). SIGTERM again is ignored (schedulers repeat it); SIGINT again aborts at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from actionrec.build import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.errors import ActionrecError
from actionrec.hardware import resolve_precision
from actionrec.metrics import canonical_metric_name
from actionrec.progress import progress_bar as progress_bar_of

from ..config import Config, ConfigError
from . import checkpointing, distributed
from .data import (
    CHECKED_UNREADABLE,
    TrainSampler,
    UnreadableDataError,
    build_eval_loader,
    build_train_loader,
    unreadable_summary,
)
from .distributed import DistInfo
from .evaluate import autocast, compute_metrics, predict
from .logging import RunLogger, format_metrics
from .optim import LRSchedule, build_optimizer, scaled_lr

log = logging.getLogger("actionrec.train")


class NonFiniteLossError(ActionrecError, RuntimeError):
    """The loss became NaN/inf; the run stops and the last good checkpoint is kept."""


class TrainingInterrupted(ActionrecError, RuntimeError):
    """SIGINT / SIGTERM stopped training after `latest.pth` was saved; `exit_code` is 128 + the signal."""

    def __init__(self, signum: int, latest: Path, where: str):
        self.signum, self.latest, self.exit_code = signum, latest, 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name} at {where}: saved {latest}")


@dataclass
class TrainState:
    """Where training stands; saved in `latest.pth`, restored by `--resume`. Counts are over all ranks."""

    epoch: int = 0  # the epoch in progress (or the next one)
    epoch_iteration: int = 0  # batches already done in `epoch`
    iteration: int = 0  # batches done since the start of training
    best: float | None = None
    skipped: int = 0  # unreadable samples skipped so far
    epoch_samples: int = 0  # samples of `epoch` drawn so far
    epoch_skipped: int = 0  # ... of which unreadable


@dataclass
class StepTally:
    """One batch as every rank sees it (one all-reduce): samples read and not, ranks without data, stop requests."""

    readable: int
    skipped: int
    empty_ranks: int
    stop: bool


@dataclass
class Run:
    """The moving parts of a training run, built once by `setup`; a context that closes the log at the end."""

    cfg: Config
    dist: DistInfo
    model: nn.Module  # the bare model: what checkpoints hold and validation scores
    net: nn.Module  # what the loop calls: `model`, wrapped in DistributedDataParallel across processes
    optimizer: torch.optim.Optimizer
    schedule: LRSchedule
    scaler: torch.amp.GradScaler
    train_loader: DataLoader
    sampler: TrainSampler
    val_loader: DataLoader | None
    logger: RunLogger
    state: TrainState
    previous_threads: int
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # this rank's first of the epoch

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc) -> None:
        self.logger.close()
        torch.set_num_threads(self.previous_threads)

    def count(self, batch: dict, stop_requested: bool) -> StepTally:
        """Add the batch's samples to the epoch's counts (summed over ranks) and keep unreadable examples."""
        self.unreadable += batch["skipped"][: CHECKED_UNREADABLE - len(self.unreadable)]
        readable, skipped = len(batch["index"]), len(batch["skipped"])
        local = [readable, skipped, int(readable == 0), int(stop_requested)]
        readable, skipped, empty_ranks, stops = distributed.sum_over_ranks(local, self.dist.device)
        tally = StepTally(readable, skipped, empty_ranks, stop=stops > 0)
        self.state.epoch_samples += tally.readable + tally.skipped
        self.state.epoch_skipped += tally.skipped
        self.state.skipped += tally.skipped
        return tally

    def save(self, name: str, resumable: bool = True, metrics: dict | None = None) -> Path:
        """Write work_dir/`name`.pth on rank 0: the whole training state, or weights and a small `meta`."""
        path = checkpointing.checkpoint_path(self.cfg.work_dir, name)
        if self.dist.is_main:
            state, weights = self.state, self.model.state_dict()
            if resumable:
                ckpt = {
                    "state_dict": weights,
                    "optimizer": self.optimizer.state_dict(),
                    "scaler": self.scaler.state_dict(),
                    "rng": checkpointing.rng_state(),
                    **dataclasses.asdict(state),
                    "config": self.cfg.to_dict(),
                }
            else:
                config = str(Path(self.cfg.work_dir) / "config.json")
                meta = {"epoch": state.epoch, "iteration": state.iteration, "metrics": metrics or {}, "config": config}
                ckpt = {"state_dict": weights, "meta": meta}
            checkpointing.atomic_save(ckpt, path)
        return path


class StopSignals:
    """SIGINT / SIGTERM set `received` instead of killing the process, so the loop can save `latest` first.

    Signals the parent process set to be ignored (a background job of a script) stay ignored.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame) -> None:
        if self.received is not None:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt  # Ctrl-C twice: stop now (the last whole `latest.pth` stays)
            return
        self.received = signum
        log.warning(
            "%s: saving latest.pth at the next optimizer step, then stopping (Ctrl-C again stops at once)",
            signal.Signals(signum).name,
        )

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def train(cfg: Config, resume: str | None = None, device: str | None = None, progress: bool = True) -> TrainState:
    """Train `cfg.model` on `cfg.data.train`; `resume` is a checkpoint path (or 'latest')."""
    run = setup(cfg, device, resume)
    state, dist = run.state, run.dist
    iters_per_epoch, accumulate = len(run.train_loader), cfg.optimizer.accumulate_steps
    with run, StopSignals() as signals:
        while state.epoch < cfg.schedule.epochs:
            run.sampler.set_epoch(state.epoch, skip_batches=state.epoch_iteration)
            run.net.train()
            bar = progress_bar(run, enabled=progress and dist.is_main)
            tic = time.perf_counter()
            epoch_log = EpochLog()
            for batch in bar:
                step = state.epoch_iteration  # batch index within the epoch
                boundary = (step + 1) % accumulate == 0 or step + 1 == iters_per_epoch

                # -- determine and set the learning rate
                run.schedule.step(state.iteration)

                # -- count readable and unreadable samples on all ranks; too many unreadable stops the run
                tally = run.count(batch, stop_requested=signals.received is not None)
                check_unreadable(run, epoch_end=False)

                # -- forward backward update, with gradient accumulation (no rank with data: nothing to learn)
                loss_value = forward_backward(run, batch, tally, boundary) if tally.readable else None
                if boundary and any(p.grad is not None for p in run.model.parameters()):
                    optimizer_step(run)
                state.iteration += 1
                state.epoch_iteration += 1

                # -- timing and logging
                lr = run.optimizer.param_groups[0]["lr"]
                clips_per_s = tally.readable / (time.perf_counter() - tic)
                tic = time.perf_counter()
                epoch_log.add(loss_value, tally.readable)
                if loss_value is not None:
                    bar.set_postfix(
                        loss=f"{loss_value:.4f}", lr=f"{lr:.2e}", clips_s=f"{clips_per_s:.1f}", refresh=False
                    )
                    if state.iteration % cfg.train.log_interval == 0 or step + 1 == iters_per_epoch:
                        run.logger.log(
                            "train", state.epoch + 1, state.iteration, loss=loss_value, lr=lr, clips_per_s=clips_per_s
                        )

                # -- termination on a signal (at an optimizer step: no half-accumulated gradients); mid-epoch checkpoint
                if boundary and tally.stop:
                    raise interrupted(run, signals, f"epoch {state.epoch + 1}, batch {step + 1} of {iters_per_epoch}")
                latest = cfg.train.latest_interval
                if latest and boundary and state.iteration % latest == 0 and step + 1 < iters_per_epoch:
                    run.save("latest")  # a SIGKILL loses at most `latest_interval` batches
            bar.close()
            if dist.is_main:
                epoch_log.report(state.epoch + 1, cfg.schedule.epochs, lr)

            # -- end of the epoch: unreadable samples, evaluate and checkpoint
            check_unreadable(run, epoch_end=True)
            end_epoch(run)
            if distributed.sum_over_ranks([int(signals.received is not None)], dist.device)[0]:
                raise interrupted(run, signals, f"the end of epoch {state.epoch}", saved=True)
    return state


class EpochLog:
    """One summary line per epoch (mean loss, last lr, clips/s, time), progress bar or not."""

    def __init__(self):
        self.start, self.losses, self.clips = time.perf_counter(), [], 0

    def add(self, loss: float | None, clips: int) -> None:
        if loss is not None:
            self.losses.append(loss)
        self.clips += clips

    def report(self, epoch: int, epochs: int, lr: float) -> None:
        if not self.losses:  # a resumed run that restarted at the epoch's end
            return
        seconds = time.perf_counter() - self.start
        log.info(
            "epoch %d/%d: loss %.4f (mean of %d batches), lr %.2e, %.1f clips/s, %.0f s",
            epoch,
            epochs,
            sum(self.losses) / len(self.losses),
            len(self.losses),
            lr,
            self.clips / seconds,
            seconds,
        )


def interrupted(run: Run, signals: StopSignals, where: str, saved: bool = False) -> TrainingInterrupted:
    """Save `latest` (unless just saved) and wait for rank 0 to finish writing it; the error to raise.

    A rank that got no signal itself stops because another did; it reports SIGTERM.
    """
    latest = checkpointing.checkpoint_path(run.cfg.work_dir, "latest") if saved else run.save("latest")
    distributed.barrier()
    return TrainingInterrupted(signals.received or signal.SIGTERM, latest, where)


def setup(cfg: Config, device: str | None, resume: str | None) -> Run:
    """Everything before the first step: processes, seed, model, data, optimizer, resumed state, threads."""
    dist = distributed.setup(device)
    if cfg.train.amp == "auto":  # decided once per run, from the hardware (and logged)
        cfg.train.amp = None if resolve_precision("auto", dist.device) == "fp32" else "bf16"
    check_train_config(cfg, dist)
    seed_everything(cfg.train.seed, cfg.train.deterministic, dist.device)  # same seed on every rank: same init
    # pretrained=True: start from the ImageNet / CLIP weights the config names, as MMAction2 does
    model = build_model(cfg.model, pretrained=True).to(dist.device)
    if cfg.load_from:
        load_checkpoint(model, cfg.load_from)
    train_loader, sampler = build_train_loader(cfg, dist)
    val_loader = build_eval_loader(cfg, "val", dist) if cfg.data.val is not None else None
    lr = scaled_lr(cfg.optimizer, dist.world_size, cfg.data.train.batch_size)
    optimizer = build_optimizer(model, cfg.optimizer, lr)
    schedule = LRSchedule(optimizer, cfg.schedule, len(train_loader))
    scaler = torch.amp.GradScaler("cuda", enabled=cfg.train.amp == "fp16")
    state = TrainState()
    if resume:
        path = checkpointing.checkpoint_path(cfg.work_dir, "latest") if resume == "latest" else Path(resume)
        state = restore(path, cfg, model, optimizer, scaler)
        log.info(
            "resumed from %s: epoch %d, batch %d of the epoch (iteration %d)",
            path,
            state.epoch + 1,
            state.epoch_iteration,
            state.iteration,
        )
    else:
        torch.manual_seed(cfg.train.seed + dist.rank)  # dropout etc. differ per rank
    net = nn.parallel.DistributedDataParallel(model) if dist.distributed else model
    logger = RunLogger(cfg.work_dir, enabled=dist.is_main)
    if dist.is_main:
        (Path(cfg.work_dir) / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
        log.info(
            "%d iterations per epoch, %d epochs, lr %g, work dir %s",
            len(train_loader),
            cfg.schedule.epochs,
            lr,
            cfg.work_dir,
        )
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(choose_threads(cfg, dist))
    return Run(
        cfg,
        dist,
        model,
        net,
        optimizer,
        schedule,
        scaler,
        train_loader,
        sampler,
        val_loader,
        logger,
        state,
        previous_threads,
    )


def check_train_config(cfg: Config, dist: DistInfo) -> None:
    """The training settings that only make sense together with the machine."""
    if cfg.train.amp == "fp16" and dist.device.type != "cuda":
        raise ConfigError("train.amp='fp16' needs CUDA; use 'bf16' on CPU")
    if not 0.0 <= cfg.train.max_corrupt_fraction <= 1.0:
        raise ConfigError(f"train.max_corrupt_fraction must be between 0 and 1, got {cfg.train.max_corrupt_fraction}")
    if cfg.train.threads is not None and cfg.train.threads < 1:
        raise ConfigError(f"train.threads must be at least 1 (or None for automatic), got {cfg.train.threads}")
    # data before downloads: a missing list should not wait behind a pretrained download (or its failure)
    for split in ("train", "val") if cfg.model.get("pretrained") else ():
        split_cfg = getattr(cfg.data, split)
        files = [] if split_cfg is None else split_cfg.ann_file
        for ann_file in [files] if isinstance(files, str) else files:
            if not Path(ann_file).is_file():
                raise ConfigError(f"data.{split}.ann_file: {ann_file} does not exist (checked before any download)")


def choose_threads(cfg: Config, dist: DistInfo) -> int:
    """train.threads, else this process's share of the cores less one per data worker; logged."""
    cores, workers = distributed.available_cores(), cfg.data.train.num_workers
    if cfg.train.threads is not None:
        log.info("torch threads: %d (train.threads; %d cores, %d data workers)", cfg.train.threads, cores, workers)
        return cfg.train.threads
    threads = distributed.default_threads(cores, workers, dist.local_world_size)
    log.info(
        "torch threads: %d (%d cores / %d processes - %d data workers; set train.threads or --threads to change)",
        threads,
        cores,
        dist.local_world_size,
        workers,
    )
    return threads


def seed_everything(seed: int, deterministic: bool = False, device: torch.device | None = None) -> None:
    """Seed torch / numpy / python; `deterministic` forces deterministic CUDA kernels.

    CPU kernels are already deterministic for a fixed thread count, and the global switch costs
    seconds of imports (torch._inductor), so it is only flipped for CUDA.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic and device is not None and device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def progress_bar(run: Run, enabled: bool) -> tqdm:
    """The epoch's batches, with a bar that starts where a resumed epoch stands."""
    return progress_bar_of(  # a live bar on a terminal, a line every few seconds in a log file
        run.train_loader,
        total=len(run.train_loader),
        initial=run.state.epoch_iteration,
        disable=not enabled,
        desc=f"epoch {run.state.epoch + 1}/{run.cfg.schedule.epochs}",
    )


def forward_backward(run: Run, batch: dict, tally: StepTally, boundary: bool) -> float:
    """This rank's micro-batch: forward, loss, backward; DDP averages the gradients over ranks at `boundary`.

    Under DDP a rank whose samples were all unreadable still runs forward and backward (on zeros
    shaped like another rank's batch, loss times 0, its BatchNorm statistics restored), so the
    gradient all-reduce sees every rank; its contribution is zero. Returns the loss averaged over
    the ranks that had data; a non-finite one stops the run.
    """
    cfg, dist = run.cfg, run.dist
    inputs, labels = batch["inputs"], batch["label"]
    has_data = inputs is not None
    if tally.empty_ranks:  # only under DDP: a single process skips such a batch (tally.readable == 0)
        shapes = distributed.all_gather_objects(_batch_shape(inputs, labels) if has_data else None)
        if not has_data:
            (input_shape, input_dtype), (label_shape, label_dtype) = next(s for s in shapes if s is not None)
            inputs, labels = torch.zeros(input_shape, dtype=input_dtype), torch.zeros(label_shape, dtype=label_dtype)
    inputs = inputs.to(dist.device, non_blocking=True)
    labels = labels.to(dist.device, non_blocking=True)
    sync = run.net.no_sync() if (dist.distributed and not boundary) else contextlib.nullcontext()
    buffers = contextlib.nullcontext() if has_data else _unchanged_buffers(run.model)
    with sync, buffers:
        with autocast(dist.device, cfg.train.amp):
            loss = compute_loss(cfg, run.net(inputs), labels)
        if not has_data:
            loss = loss * 0.0
        run.scaler.scale(loss / cfg.optimizer.accumulate_steps).backward()
    loss_value = distributed.reduce_sum(loss.detach().float()).item() / (dist.world_size - tally.empty_ranks)
    if not math.isfinite(loss_value):
        state = run.state
        raise NonFiniteLossError(
            f"loss is {loss_value} at epoch {state.epoch + 1}, batch {state.epoch_iteration + 1} (iteration "
            f"{state.iteration + 1}); stopped; the last good checkpoint in {cfg.work_dir} is kept "
            "(try a lower lr or grad_clip)"
        )
    return loss_value


def _batch_shape(inputs: torch.Tensor, labels: torch.Tensor) -> tuple:
    """The shape and dtype of one sample's inputs and label, as a batch of one."""
    return ((1, *inputs.shape[1:]), inputs.dtype), ((1, *labels.shape[1:]), labels.dtype)


@contextlib.contextmanager
def _unchanged_buffers(model: nn.Module):
    """Undo what a forward pass does to buffers (BatchNorm running statistics and counters)."""
    saved = [(buffer, buffer.detach().clone()) for buffer in model.buffers()]
    yield
    with torch.no_grad():
        for buffer, value in saved:
            buffer.copy_(value)


def optimizer_step(run: Run) -> None:
    """Clip (if configured), step, and clear the accumulated gradients."""
    if run.cfg.optimizer.grad_clip is not None:
        run.scaler.unscale_(run.optimizer)
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), run.cfg.optimizer.grad_clip)
    run.scaler.step(run.optimizer)
    run.scaler.update()
    run.optimizer.zero_grad(set_to_none=True)


def check_unreadable(run: Run, epoch_end: bool) -> None:
    """Stop once the epoch is sure to exceed `max_corrupt_fraction` unreadable samples, or ended without one readable.

    Counts are summed over ranks, so every rank decides alike; the message names a few files of any rank.
    """
    state, fraction = run.state, run.cfg.train.max_corrupt_fraction
    epoch_total = len(run.train_loader) * run.sampler.global_batch
    too_many = state.epoch_skipped > fraction * epoch_total
    none_readable = epoch_end and 0 < state.epoch_samples == state.epoch_skipped
    if not (too_many or none_readable):
        return
    examples = [example for part in distributed.all_gather_objects(run.unreadable) for example in part]
    if too_many:
        counted = (
            f"{state.epoch_skipped} of the {state.epoch_samples} samples read so far are unreadable, more than "
            f"train.max_corrupt_fraction={fraction} of the epoch's {epoch_total}"
        )
    else:
        counted = f"no batch could be formed, all {state.epoch_samples} samples are unreadable"
    raise UnreadableDataError(
        f"epoch {state.epoch + 1}: {counted}; the run stopped (checkpoints already in {run.cfg.work_dir} are kept). "
        + unreadable_summary(examples, getattr(run.train_loader.dataset, "source", None), "train")
    )


def end_epoch(run: Run) -> None:
    """After an epoch's last batch: log its skipped samples, validate, write best / epoch_N / latest."""
    cfg, state = run.cfg, run.state
    epoch = state.epoch + 1  # the epoch just finished, 1-based as logged
    if state.epoch_skipped:
        log.warning(
            "epoch %d: %d of %d samples unreadable and skipped", epoch, state.epoch_skipped, state.epoch_samples
        )
    run.logger.log("train", epoch, state.iteration, skipped_samples=state.epoch_skipped)
    state.epoch, state.epoch_iteration, state.epoch_samples, state.epoch_skipped = epoch, 0, 0, 0
    run.unreadable.clear()
    metrics: dict[str, float] = {}
    if run.val_loader is not None and epoch % cfg.train.val_interval == 0:
        metrics = validate(run)
        run.logger.log("val", epoch, state.iteration, **metrics)
        log.info("epoch %d val: %s", epoch, format_metrics(metrics))
        score = metrics.get(canonical_metric_name(cfg.train.best_metric))  # mAP -> mean_average_precision
        if score is not None and (state.best is None or score > state.best):
            state.best = score
            run.save("best", resumable=False, metrics=metrics)
    if epoch % cfg.train.checkpoint_interval == 0 or epoch == cfg.schedule.epochs:
        run.save(f"epoch_{epoch}", resumable=cfg.train.keep_resumable_epochs, metrics=metrics)
        if run.dist.is_main:
            checkpointing.prune_epoch_checkpoints(cfg.work_dir, cfg.train.max_keep_checkpoints)
    run.save("latest")


def compute_loss(cfg: Config, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """CE (optionally label-smoothed) or BCE for multi-label data, times `loss_weight`."""
    logits = logits.float()
    if cfg.train.loss == "bce":
        loss = F.binary_cross_entropy_with_logits(logits, labels.float())
    else:
        loss = F.cross_entropy(logits, labels, label_smoothing=cfg.train.label_smoothing)
    return cfg.train.loss_weight * loss


def validate(run: Run) -> dict[str, float]:
    loader = run.val_loader
    pred = predict(run.model, loader, run.dist.device, len(loader.dataset), precision=run.cfg.train.amp, split="val")
    return compute_metrics(pred, run.cfg.test.metrics, run.cfg.test.topk)


def restore(path: Path, cfg: Config, model: nn.Module, optimizer, scaler) -> TrainState:
    """Load a resumable checkpoint; a file that cannot be resumed from fails with a short reason."""
    ckpt = checkpointing.read_training_checkpoint(path)
    if not checkpointing.is_resumable(ckpt):
        raise checkpointing.TrainingCheckpointError(checkpointing.not_resumable_message(path))
    misfit = checkpointing.misfit_message(
        path, model.state_dict(), ckpt["state_dict"], ckpt.get("config"), cfg.to_dict()
    )
    if misfit:
        raise checkpointing.TrainingCheckpointError(misfit)
    model.load_state_dict(ckpt["state_dict"])
    try:
        optimizer.load_state_dict(ckpt["optimizer"])
    except ValueError as e:
        raise checkpointing.TrainingCheckpointError(
            f"cannot resume from {path}: its optimizer state does not fit the optimizer of the config ({e}); "
            f"resume with the config it was written with ({path.parent / 'config.json'})"
        ) from e
    if ckpt.get("scaler"):
        scaler.load_state_dict(ckpt["scaler"])
    checkpointing.set_rng_state(ckpt["rng"])
    return TrainState(**{f.name: ckpt[f.name] for f in dataclasses.fields(TrainState) if f.name in ckpt})
