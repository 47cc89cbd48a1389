"""The training loop: set-up, the epoch loop, validation, checkpoints. Read it top to bottom.

    python -m actionrec train CONFIG                      # one process
    torchrun --nproc-per-node 2 -m actionrec train CONFIG # DDP (gloo on CPU, NCCL on GPUs)

The data order of an epoch is a function of (seed, epoch), per-sample augmentation of
(seed, epoch, index), and the LR of the iteration; so a resumed run (from an end-of-epoch or a
mid-epoch checkpoint) replays exactly what an uninterrupted run would have done.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from actionrec.errors import ActionrecError

from ..config import Config
from . import checkpointing, distributed, evaluate
from .data import build_eval_loader, build_train_loader
from .logging import RunLogger, format_metrics
from .optim import LRSchedule, build_optimizer, scaled_lr

log = logging.getLogger("actionrec.train")


class NonFiniteLossError(ActionrecError, RuntimeError):
    """The loss became NaN/inf; the run stops and the last good checkpoint is kept."""


@dataclass
class TrainState:
    epoch: int = 0  # the epoch in progress (or the next one)
    epoch_iteration: int = 0  # batches already done in `epoch`
    iteration: int = 0  # batches done since the start of training
    best: float | None = None
    skipped: int = 0  # corrupt samples skipped so far


def seed_everything(seed: int, deterministic: bool = False, device: torch.device | None = None) -> None:
    """Seed torch / numpy / python; `deterministic` forces deterministic CUDA kernels.

    CPU kernels are already deterministic for a fixed thread count, and the global switch costs
    seconds of imports (torch._inductor), so it is only flipped for CUDA.
    """
    import os
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic and device is not None and device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


def train(cfg: Config, resume: str | None = None, device: str | None = None, progress: bool = True) -> TrainState:
    """Train `cfg.model` on `cfg.data.train`; `resume` is a checkpoint path (or 'latest')."""
    from actionrec.build import build_model

    dist = distributed.setup(device)
    work_dir = Path(cfg.work_dir)
    seed_everything(cfg.train.seed, cfg.train.deterministic, dist.device)  # same seed on every rank: same init
    # pretrained=True: start from the ImageNet / CLIP weights the config names, as MMAction2 does
    model = build_model(cfg.model, pretrained=True).to(dist.device)
    if cfg.load_from:
        from actionrec.checkpoints import load_checkpoint

        load_checkpoint(model, cfg.load_from)
    train_loader, sampler = build_train_loader(cfg, dist)
    val_loader = build_eval_loader(cfg, "val", dist) if cfg.data.val is not None else None
    iters_per_epoch = len(train_loader)
    lr = scaled_lr(cfg.optimizer, dist.world_size, cfg.data.train.batch_size)
    optimizer = build_optimizer(model, cfg.optimizer, lr)
    schedule = LRSchedule(optimizer, cfg.schedule, iters_per_epoch)
    scaler = torch.amp.GradScaler("cuda", enabled=cfg.train.amp == "fp16")
    if cfg.train.amp == "fp16" and dist.device.type != "cuda":
        raise ValueError("train.amp='fp16' needs CUDA; use 'bf16' on CPU")

    state = TrainState()
    if resume:
        path = checkpointing.checkpoint_path(work_dir, "latest") if resume == "latest" else Path(resume)
        state = restore(path, model, optimizer, scaler)
        log.info(
            "resumed from %s: epoch %d, batch %d of the epoch (iteration %d)",
            path,
            state.epoch + 1,
            state.epoch_iteration,
            state.iteration,
        )
    else:
        torch.manual_seed(cfg.train.seed + dist.rank)  # dropout etc. differ per rank
    ddp = nn.parallel.DistributedDataParallel(model) if dist.distributed else model
    logger = RunLogger(work_dir, enabled=dist.is_main)
    if dist.is_main:
        (work_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
        log.info(
            "%d iterations per epoch, %d epochs, lr %g, work dir %s", iters_per_epoch, cfg.schedule.epochs, lr, work_dir
        )

    def save(name: str) -> None:
        if dist.is_main:
            checkpointing.atomic_save(
                checkpoint_dict(cfg, model, optimizer, scaler, state), checkpointing.checkpoint_path(work_dir, name)
            )

    try:
        for epoch in range(state.epoch, cfg.schedule.epochs):
            state.epoch = epoch
            sampler.set_epoch(epoch, skip_batches=state.epoch_iteration)
            train_one_epoch(cfg, ddp, train_loader, optimizer, schedule, scaler, state, logger, dist, save, progress)
            state.epoch, state.epoch_iteration = epoch + 1, 0
            if val_loader is not None and (epoch + 1) % cfg.train.val_interval == 0:
                metrics = validate(cfg, model, val_loader, dist)
                logger.log("val", epoch + 1, state.iteration, **metrics)
                log.info("epoch %d val: %s", epoch + 1, format_metrics(metrics))
                score = metrics.get(cfg.train.best_metric)
                if score is not None and (state.best is None or score > state.best):
                    state.best = score
                    save("best")
            if (epoch + 1) % cfg.train.checkpoint_interval == 0 or epoch + 1 == cfg.schedule.epochs:
                save(f"epoch_{epoch + 1}")
                if dist.is_main:
                    checkpointing.prune_epoch_checkpoints(work_dir, cfg.train.max_keep_checkpoints)
            save("latest")
    finally:
        logger.close()
    return state


def train_one_epoch(cfg, model, loader, optimizer, schedule, scaler, state, logger, dist, save, progress) -> None:
    """One pass over the (remaining) batches of `state.epoch`."""
    from tqdm import tqdm

    model.train()
    accumulate = cfg.optimizer.accumulate_steps
    iters_per_epoch = schedule.iters_per_epoch
    skipped_before = state.skipped
    bar = tqdm(
        loader,
        total=iters_per_epoch,
        initial=state.epoch_iteration,
        disable=not (progress and dist.is_main),
        desc=f"epoch {state.epoch + 1}/{cfg.schedule.epochs}",
        dynamic_ncols=True,
    )
    tic = time.perf_counter()
    for batch in bar:
        step = state.epoch_iteration  # batch index within the epoch
        schedule.step(state.iteration)
        state.skipped += len(batch["skipped"])
        if batch["inputs"] is None:  # every sample of the batch was unreadable
            if dist.distributed:
                raise RuntimeError(
                    f"epoch {state.epoch + 1}, batch {step + 1}: every sample of this rank's batch "
                    f"is unreadable ({batch['skipped'][:3]}...); fix or remove them from the list"
                )
            state.iteration += 1
            state.epoch_iteration += 1
            continue
        inputs = batch["inputs"].to(dist.device, non_blocking=True)
        labels = batch["label"].to(dist.device, non_blocking=True)
        boundary = (step + 1) % accumulate == 0 or step + 1 == iters_per_epoch
        sync = model.no_sync() if (dist.distributed and not boundary) else contextlib.nullcontext()
        with sync:
            with evaluate.autocast(dist.device, cfg.train.amp):
                loss = compute_loss(cfg, model(inputs), labels)
            scaler.scale(loss / accumulate).backward()
        loss_value = distributed.reduce_sum(loss.detach().float()).item() / dist.world_size
        if not math.isfinite(loss_value):
            raise NonFiniteLossError(
                f"loss is {loss_value} at epoch {state.epoch + 1}, batch {step + 1} (iteration {state.iteration + 1}); "
                f"stopped; the last good checkpoint in {cfg.work_dir} is kept (try a lower lr or grad_clip)"
            )
        if boundary:
            if cfg.optimizer.grad_clip is not None:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optimizer.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
        state.iteration += 1
        state.epoch_iteration += 1
        lr = optimizer.param_groups[0]["lr"]
        clips_per_s = len(inputs) * dist.world_size / (time.perf_counter() - tic)
        tic = time.perf_counter()
        bar.set_postfix(loss=f"{loss_value:.4f}", lr=f"{lr:.2e}", clips_s=f"{clips_per_s:.1f}", refresh=False)
        if state.iteration % cfg.train.log_interval == 0 or step + 1 == iters_per_epoch:
            logger.log("train", state.epoch + 1, state.iteration, loss=loss_value, lr=lr, clips_per_s=clips_per_s)
        latest = cfg.train.latest_interval
        if latest and boundary and state.iteration % latest == 0 and step + 1 < iters_per_epoch:
            save("latest")  # mid-epoch: a SIGKILL loses at most `latest_interval` batches
    bar.close()
    skipped = distributed.reduce_sum(torch.tensor(state.skipped - skipped_before)).item()
    if skipped:
        log.warning("epoch %d: %d corrupt samples skipped", state.epoch + 1, skipped)
    logger.log("train", state.epoch + 1, state.iteration, skipped_samples=skipped)


def compute_loss(cfg: Config, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """CE (optionally label-smoothed) or BCE for multi-label data, times `loss_weight`."""
    logits = logits.float()
    if cfg.train.loss == "bce":
        loss = F.binary_cross_entropy_with_logits(logits, labels.float())
    else:
        loss = F.cross_entropy(logits, labels, label_smoothing=cfg.train.label_smoothing)
    return cfg.train.loss_weight * loss


def validate(cfg: Config, model: nn.Module, loader, dist) -> dict[str, float]:
    pred = evaluate.predict(model, loader, dist.device, len(loader.dataset), amp=cfg.train.amp)
    return evaluate.compute_metrics(pred, cfg.test.metrics, cfg.test.topk)


def checkpoint_dict(cfg: Config, model: nn.Module, optimizer, scaler, state: TrainState) -> dict:
    return {
        "state_dict": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": checkpointing.rng_state(),
        "epoch": state.epoch,
        "epoch_iteration": state.epoch_iteration,
        "iteration": state.iteration,
        "best": state.best,
        "skipped": state.skipped,
        "config": cfg.to_dict(),
    }


def restore(path: Path, model: nn.Module, optimizer, scaler) -> TrainState:
    ckpt = checkpointing.read_training_checkpoint(path)
    model.load_state_dict(ckpt["state_dict"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if ckpt.get("scaler"):
        scaler.load_state_dict(ckpt["scaler"])
    checkpointing.set_rng_state(ckpt["rng"])
    return TrainState(
        epoch=ckpt["epoch"],
        epoch_iteration=ckpt["epoch_iteration"],
        iteration=ckpt["iteration"],
        best=ckpt.get("best"),
        skipped=ckpt.get("skipped", 0),
    )
