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
