"""Resuming: a run stopped mid-epoch (SIGKILL, or SIGTERM / SIGINT through the command line) and resumed
ends bit-identical to an uninterrupted one (CPU, deterministic); what each checkpoint file holds; short
errors for checkpoints that cannot be resumed from."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from engine_standins import TinyRecognizer, standin_config, use_standin_data

from actionrec.checkpoints import load_checkpoint
from actionrec.engine.checkpointing import TrainingCheckpointError, read_training_checkpoint

SCRIPT = str(Path(__file__).with_name("engine_standins.py"))
# 3 epochs of 6 batches; a mid-epoch 'latest' every 2 batches; momentum + weight decay + dropout +
# multistep LR, so optimizer state, RNG and schedule all have to be restored for equality.
OVERRIDES = {"model.dropout": 0.3, "train.latest_interval": 2, "schedule.epochs": 3}


def train_in_process(work_dir: Path, resume: str | None = None, **overrides):
    """The stand-in run in this process, with one thread like the subprocess runs."""
    from actionrec.engine.trainer import train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as mp:
        use_standin_data(mp.setattr)
        try:
            return train(standin_config(str(work_dir), **{**OVERRIDES, **overrides}), resume, "cpu", progress=False)
        finally:
            torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run (epoch checkpoints weights only, the default)."""
    work_dir = tmp_path_factory.mktemp("reference")
    train_in_process(work_dir)
    return work_dir


def run_spec(work_dir: Path, resume: str | None = None, item_sleep: float = 0.0) -> subprocess.Popen:
    spec = {"work_dir": str(work_dir), "length": 24, "item_sleep": item_sleep, **OVERRIDES}
    if resume:
        spec["resume"] = resume
    return subprocess.Popen([sys.executable, SCRIPT, json.dumps(spec)], stderr=subprocess.PIPE, text=True)


def _default_signal_handlers() -> None:
    """As in a terminal: the child must not inherit an ignored SIGINT (background jobs of a shell do)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_cli(args: list[str], item_sleep: float = 0.0) -> subprocess.Popen:
    """`actionrec ARGS` with the stand-in model and data."""
    spec = {"cli": [*args, "--no-progress", "--device", "cpu"], "length": 24, "item_sleep": item_sleep}
    return subprocess.Popen(
        [sys.executable, SCRIPT, json.dumps(spec)],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signal_handlers,
    )


def assert_same_weights(a: Path, b: Path) -> None:
    ca, cb = read_training_checkpoint(a), read_training_checkpoint(b)
    iterations = [c["iteration"] if "iteration" in c else c["meta"]["iteration"] for c in (ca, cb)]
    assert iterations == [18, 18]
    for key, value in ca["state_dict"].items():
        assert torch.equal(value, cb["state_dict"][key]), key
    if "optimizer" in ca or "optimizer" in cb:
        for pa, pb in zip(ca["optimizer"]["state"].values(), cb["optimizer"]["state"].values()):
            assert torch.equal(pa["momentum_buffer"], pb["momentum_buffer"])


def wait_for_second_epoch(proc: subprocess.Popen, latest: Path) -> None:
    """Until `latest` says epoch 1 (0-based) is in progress or done with, i.e. the run is in its second epoch."""
    deadline = time.time() + 90
    while time.time() < deadline:
        if latest.exists():
            ckpt = read_training_checkpoint(latest)
            if ckpt["epoch"] == 1 and ckpt["epoch_iteration"] > 0:
                return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no mid-epoch checkpoint appeared: {proc.stderr.read()}")


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path, reference):
    victim = run_spec(tmp_path, item_sleep=0.05)  # slow data: about 0.2 s per batch
    latest = tmp_path / "latest.pth"
    wait_for_second_epoch(victim, latest)
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


@pytest.mark.parametrize("signum, exit_code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_saves_latest_exits_cleanly_and_the_printed_command_resumes_bit_identical(
    tmp_path, reference, signum, exit_code
):
    work_dir = tmp_path / "work"
    config = tmp_path / "standin.json"  # the config as a file, for the command line
    config.write_text(json.dumps(standin_config(str(work_dir), **OVERRIDES).to_dict()))
    victim = run_cli(["train", str(config)], item_sleep=0.05)
    wait_for_second_epoch(victim, work_dir / "latest.pth")
    os.kill(victim.pid, signum)
    _, err = victim.communicate(timeout=60)
    assert victim.returncode == exit_code, err
    name = signal.Signals(signum).name
    match = re.search(rf"interrupted by {name} at epoch 2, batch \d of 6: saved (\S+); resume with: (.+)", err)
    assert match, err
    assert match.group(1) == str(work_dir / "latest.pth")
    assert match.group(2) == f"actionrec train {work_dir / 'config.json'} --resume"
    ckpt = read_training_checkpoint(work_dir / "latest.pth")
    assert ckpt["epoch"] == 1 and 0 < ckpt["epoch_iteration"] <= 6 and "optimizer" in ckpt

    resumed = run_cli(match.group(2).split()[1:])  # the printed command, as printed
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert_same_weights(reference / "latest.pth", work_dir / "latest.pth")
    assert_same_weights(reference / "epoch_3.pth", work_dir / "epoch_3.pth")


def test_epoch_checkpoints_hold_weights_only_and_are_about_the_model_size(reference):
    latest = read_training_checkpoint(reference / "latest.pth")
    weights_bytes = io.BytesIO()
    torch.save(latest["state_dict"], weights_bytes)  # the model alone, as torch writes it
    # SGD momentum: one buffer per parameter, as large as the parameters again
    momentum_bytes = sum(4 * t.numel() for t in latest["state_dict"].values())
    for name in ("epoch_1.pth", "epoch_2.pth", "epoch_3.pth", "best.pth"):
        ckpt = read_training_checkpoint(reference / name)
        assert set(ckpt) == {"state_dict", "meta"}, name
        assert set(ckpt["meta"]) == {"epoch", "iteration", "metrics", "config"}
        size = (reference / name).stat().st_size
        assert abs(size - len(weights_bytes.getvalue())) < 2048, (name, size)  # + a small meta dict
        assert (reference / "latest.pth").stat().st_size > size + momentum_bytes
    assert read_training_checkpoint(reference / "epoch_2.pth")["meta"]["iteration"] == 12
    report = load_checkpoint(TinyRecognizer(dropout=0.3), reference / "epoch_3.pth", strict=True)  # as `test` does
    assert report.complete and len(report.loaded) == len(latest["state_dict"])
    assert read_training_checkpoint(reference / "epoch_2.pth")["meta"]["config"] == str(reference / "config.json")


def test_resume_from_a_weights_only_epoch_checkpoint_points_at_latest(tmp_path, reference):
    with pytest.raises(TrainingCheckpointError) as error:
        train_in_process(tmp_path, resume=str(reference / "epoch_1.pth"))
    message = str(error.value)
    assert f"cannot resume from {reference / 'epoch_1.pth'}: it holds weights only" in message
    assert f"resume from {reference / 'latest.pth'}" in message and "keep_resumable_epochs=True" in message


def test_keep_resumable_epochs_then_resume_from_an_end_of_epoch_checkpoint(tmp_path, reference):
    first = tmp_path / "first"
    train_in_process(first, **{"train.keep_resumable_epochs": True, "schedule.epochs": 1})
    assert "optimizer" in read_training_checkpoint(first / "epoch_1.pth")
    state = train_in_process(tmp_path / "resumed", resume=str(first / "epoch_1.pth"))
    assert state.iteration == 18
    assert_same_weights(reference / "latest.pth", tmp_path / "resumed" / "latest.pth")


@pytest.mark.parametrize(
    "overrides, expected",
    [
        # 3 -> 4 classes: the classifier's weight (3, 16) and bias (3,) no longer fit
        (
            {"model.num_classes": 4, "data.num_classes": 4},
            "2 mismatched (fc_cls.weight (3, 16) in the checkpoint, (4, 16) in the model, fc_cls.bias (3,) in the "
            "checkpoint, (4,) in the model). Likely cause: a checkpoint for 3 classes, the config has 4",
        ),
        # hidden 16 -> 8: the hidden layer's weight and bias and the classifier's weight
        (
            {"model.hidden": 8},
            "3 mismatched (body.1.weight (16, 108) in the checkpoint, (8, 108) in the model, body.1.bias (16,) in "
            "the checkpoint, (8,) in the model, fc_cls.weight (3, 16) in the checkpoint, (3, 8) in the model). "
            "Likely cause: a checkpoint of a different model (model.hidden None there, 8 here)",
        ),
    ],
)
def test_resume_with_another_model_is_a_short_summary(tmp_path, reference, overrides, expected):
    with pytest.raises(TrainingCheckpointError) as error:
        train_in_process(tmp_path, resume=str(reference / "latest.pth"), **overrides)
    message = str(error.value)
    assert expected in message
    assert "Missing key(s)" not in message and len(message) < 800
