"""Two gloo processes (torchrun) with batch 2 each end with the weights of one process with batch 4."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch
from engine_standins import standin_config, use_standin_data

from actionrec.engine.checkpointing import read_training_checkpoint

SCRIPT = str(Path(__file__).with_name("engine_standins.py"))
OVERRIDES = {"schedule.epochs": 2, "optimizer.weight_decay": 1e-3}


def test_two_process_gloo_matches_one_process(tmp_path, monkeypatch):
    from actionrec.engine.trainer import train

    spec = {"work_dir": str(tmp_path / "ddp"), "length": 26, "data.train.batch_size": 2, **OVERRIDES}
    ddp = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            SCRIPT,
            json.dumps(spec),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    use_standin_data(monkeypatch.setattr, length=26)  # 26 samples: 6 global batches of 4, 2 dropped
    single = train(
        standin_config(str(tmp_path / "one"), **{"data.train.batch_size": 4, **OVERRIDES}), device="cpu", progress=False
    )
    out, _ = ddp.communicate(timeout=180)
    assert ddp.returncode == 0, out
    a = read_training_checkpoint(tmp_path / "one" / "latest.pth")
    b = read_training_checkpoint(tmp_path / "ddp" / "latest.pth")
    assert single.iteration == a["iteration"] == b["iteration"] == 12
    for key, value in a["state_dict"].items():
        torch.testing.assert_close(b["state_dict"][key], value, rtol=0, atol=1e-6, msg=key)
    # validation was sharded over the two ranks (5 + 5 of 10 samples) and gathered without duplicates
    runs = [
        json.loads(line) for p in (tmp_path / "ddp" / "runs").glob("*.jsonl") for line in p.read_text().splitlines()
    ]
    one_runs = [
        json.loads(line) for p in (tmp_path / "one" / "runs").glob("*.jsonl") for line in p.read_text().splitlines()
    ]
    val_ddp = [r["top1"] for r in runs if r["mode"] == "val"]
    val_one = [r["top1"] for r in one_runs if r["mode"] == "val"]
    assert val_ddp == val_one and len(val_ddp) == 2


def test_a_rank_with_an_unreadable_batch_joins_the_step_with_zero_contribution(tmp_path):
    """One step of two ranks (batch 2 each) where rank 1's two samples are unreadable: the run does not
    raise or hang, and the weights are one SGD step on (rank 0's gradient + 0) / 2, computed here by hand."""
    from engine_standins import TinyDataset, TinyRecognizer

    from actionrec.engine.data import TrainSampler

    seed, lr, weight_decay = 0, 0.2, 1e-3
    rank0, rank1 = ([i for _, i in TrainSampler(4, 2, seed, rank, 2)] for rank in (0, 1))
    overrides = {
        "schedule.epochs": 1,
        "schedule.policy": "constant",
        "optimizer.weight_decay": weight_decay,
        "data.train.batch_size": 2,
        "train.max_corrupt_fraction": 0.5,  # 2 of the 4 samples are unreadable
    }
    spec = {"work_dir": str(tmp_path / "ddp"), "length": 4, "unreadable": rank1, **overrides}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            SCRIPT,
            json.dumps(spec),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout
    trained = read_training_checkpoint(tmp_path / "ddp" / "latest.pth")
    assert trained["iteration"] == 1 and trained["skipped"] == 2

    torch.manual_seed(seed)  # the trainer seeds with train.seed before building the model
    model = TinyRecognizer(num_classes=3)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    data = TinyDataset(4, 3, seed)
    items = [data[(0, i)] for i in rank0]
    inputs, labels = torch.stack([x["inputs"] for x in items]), torch.stack([x["label"] for x in items])
    torch.nn.functional.cross_entropy(model(inputs), labels).backward()
    for name, param in model.named_parameters():
        gradient = param.grad / 2  # DDP averages over 2 ranks; rank 1 adds zero
        expected = start[name] - lr * (gradient + weight_decay * start[name])  # SGD's first step: buffer = gradient
        torch.testing.assert_close(trained["state_dict"][name], expected, rtol=0, atol=1e-6, msg=name)


def test_the_process_group_setup_created_is_destroyed_at_exit(tmp_path):
    """A gloo group left to interpreter teardown aborted a rank now and then ("terminate called without an
    active exception", SIGABRT after training had finished): `setup` destroys the group it made at exit."""
    script = tmp_path / "group.py"
    script.write_text(
        "import atexit\n"
        "import torch.distributed as dist\n"
        "from actionrec.engine import distributed\n"
        "# atexit runs last-in first-out: this runs after whatever setup registers\n"
        "atexit.register(lambda: print(f'rank {dist.get_rank() if dist.is_initialized() else None}: at exit', flush=True))\n"
        "info = distributed.setup('cpu')\n"
        "print(f'rank {info.rank} of {info.world_size}: joined', flush=True)\n"
        "distributed.barrier()\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 0, out.stdout
    assert "rank 0 of 2: joined" in out.stdout and "rank 1 of 2: joined" in out.stdout
    assert out.stdout.count("rank None: at exit") == 2, out.stdout  # the group was gone before the last handler
