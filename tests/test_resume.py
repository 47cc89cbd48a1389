"""Resuming: a run SIGKILLed mid-epoch and resumed ends bit-identical to an uninterrupted one (CPU, deterministic)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from engine_standins import standin_config, use_standin_data

from actionrec.engine.checkpointing import read_training_checkpoint

SCRIPT = str(Path(__file__).with_name("engine_standins.py"))
# 3 epochs of 6 batches; a mid-epoch 'latest' every 2 batches; momentum + weight decay + dropout +
# multistep LR, so optimizer state, RNG and schedule all have to be restored for equality.
OVERRIDES = {"model.dropout": 0.3, "train.latest_interval": 2, "schedule.epochs": 3}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run, in this process with one thread like the subprocess runs."""
    from actionrec.engine.trainer import train

    work_dir = tmp_path_factory.mktemp("reference")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as mp:
        use_standin_data(mp.setattr)
        train(standin_config(str(work_dir), **OVERRIDES), device="cpu", progress=False)
    torch.set_num_threads(threads)
    return work_dir


def run_spec(work_dir: Path, resume: str | None = None, item_sleep: float = 0.0) -> subprocess.Popen:
    spec = {"work_dir": str(work_dir), "length": 24, "item_sleep": item_sleep, **OVERRIDES}
    if resume:
        spec["resume"] = resume
    return subprocess.Popen([sys.executable, SCRIPT, json.dumps(spec)], stderr=subprocess.PIPE, text=True)


def assert_same_weights(a: Path, b: Path) -> None:
    ca, cb = read_training_checkpoint(a), read_training_checkpoint(b)
    assert ca["iteration"] == cb["iteration"] == 18
    for key, value in ca["state_dict"].items():
        assert torch.equal(value, cb["state_dict"][key]), key
    for pa, pb in zip(ca["optimizer"]["state"].values(), cb["optimizer"]["state"].values()):
        assert torch.equal(pa["momentum_buffer"], pb["momentum_buffer"])


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path, reference):
    victim = run_spec(tmp_path, item_sleep=0.05)  # slow data: about 0.2 s per batch
    latest = tmp_path / "latest.pth"
    deadline = time.time() + 90
    while time.time() < deadline:  # wait for a mid-epoch checkpoint of the second epoch
        if latest.exists():
            ckpt = read_training_checkpoint(latest)
            if ckpt["epoch"] == 1 and ckpt["epoch_iteration"] > 0:
                break
        time.sleep(0.05)
    else:
        victim.kill()
        raise AssertionError(f"no mid-epoch checkpoint appeared: {victim.stderr.read()}")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL
    ckpt = read_training_checkpoint(latest)
    assert ckpt["epoch"] == 1 and 0 < ckpt["epoch_iteration"] < 6  # it really died mid-epoch
    resumed = run_spec(tmp_path, resume="latest")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert_same_weights(reference / "latest.pth", tmp_path / "latest.pth")
    assert_same_weights(reference / "epoch_3.pth", tmp_path / "epoch_3.pth")


def test_resume_from_an_end_of_epoch_checkpoint(tmp_path, reference, monkeypatch):
    from actionrec.engine.trainer import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    use_standin_data(monkeypatch.setattr)
    try:
        state = train(
            standin_config(str(tmp_path), **OVERRIDES),
            resume=str(reference / "epoch_1.pth"),
            device="cpu",
            progress=False,
        )
    finally:
        torch.set_num_threads(threads)
    assert state.iteration == 18
    assert_same_weights(reference / "latest.pth", tmp_path / "latest.pth")
