"""Tiny stand-ins for engine tests: a linear recognizer and an in-memory dataset, plus a training entry.

Run as a script (`python tests/engine_standins.py SPEC_JSON`) it trains the stand-in with the
real trainer; the resume and DDP tests launch it as a subprocess (or under torchrun). A spec with
"cli": [args] runs `actionrec ARGS` instead (the stand-in model and data still in place), so the
command line's exit codes and messages are what the test sees.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionrec.config import Config  # noqa: E402
from actionrec.data.datasets import Skipped  # noqa: E402
from actionrec.models.base import BaseRecognizer  # noqa: E402
from actionrec.models.registry import register_model  # noqa: E402

SIZE = 6  # frames are 3 x SIZE x SIZE
VIEWS = 2


class TinyRecognizer(BaseRecognizer):
    """Per-view linear classifier on normalised pixels; BatchNorm-free so DDP matches one process."""

    def __init__(self, num_classes: int = 3, hidden: int = 16, dropout: float = 0.0):
        super().__init__(mean=[127.5] * 3, std=[64.0] * 3)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(3 * SIZE * SIZE, hidden), nn.ReLU(), nn.Dropout(dropout))
        self.fc_cls = nn.Linear(hidden, num_classes)

    def forward_views(self, x: torch.Tensor) -> torch.Tensor:
        n, v = x.shape[:2]
        return self.fc_cls(self.body(self.normalize(x.flatten(0, 1)))).view(n, v, -1)


@register_model
def standin_tiny(**kwargs) -> TinyRecognizer:
    return TinyRecognizer(**kwargs)


class TinyDataset(torch.utils.data.Dataset):
    """Class k = a bright stripe at row k plus per-(seed, epoch, index) noise: learnable, reproducible."""

    def __init__(
        self,
        length: int = 24,
        num_classes: int = 3,
        seed: int = 0,
        test_mode: bool = False,
        item_sleep: float = 0.0,
        unreadable: frozenset[int] = frozenset(),
    ):
        self.length, self.num_classes, self.seed, self.test_mode = length, num_classes, seed, test_mode
        self.item_sleep = item_sleep  # lets a test kill a run mid-epoch
        self.unreadable = unreadable  # indices that come back as `Skipped`, as a corrupt video would

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, item):
        epoch, index = item if isinstance(item, tuple) else (0, item)
        time.sleep(self.item_sleep)
        if index in self.unreadable:
            return Skipped(index, f"standin/{index}.mp4", f"VideoDecodeError: standin/{index}.mp4: moov atom not found")
        label = index % self.num_classes
        rng = np.random.default_rng([self.seed, epoch if not self.test_mode else 0, index])
        frames = rng.integers(0, 120, size=(VIEWS, 3, SIZE, SIZE))
        frames[:, :, label, :] += 120
        return {"inputs": torch.from_numpy(frames.astype(np.uint8)), "label": torch.tensor(label), "index": index}


def standin_config(work_dir: str, **overrides) -> Config:
    raw = {
        "model": {"name": "standin_tiny", "num_classes": 3},
        "data": {
            "num_classes": 3,
            "train": {"ann_file": "-", "batch_size": 4, "num_workers": 0},
            "val": {"ann_file": "-", "batch_size": 5, "num_workers": 0},
        },
        "optimizer": {"type": "sgd", "lr": 0.2, "momentum": 0.9, "weight_decay": 1e-4},
        "schedule": {"epochs": 3, "policy": "multistep", "milestones": [2]},
        "train": {"log_interval": 2, "latest_interval": 0, "deterministic": True, "threads": 1},
        "work_dir": work_dir,
    }
    for dotted, value in overrides.items():
        node = raw
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return Config.from_dict(raw)


def use_standin_data(
    monkeypatch_setattr=None,
    length: int = 24,
    val_length: int = 10,
    item_sleep: float = 0.0,
    unreadable: frozenset[int] = frozenset(),
) -> None:
    """Route the engine's dataset building to TinyDataset (monkeypatch in tests, plain setattr in scripts).

    `unreadable` indices of the training split come back as skipped samples.
    """
    import actionrec.engine.data as engine_data

    def build_dataset(cfg, split_name, test_mode):
        if split_name != "train":
            return TinyDataset(val_length, cfg.data.num_classes, cfg.train.seed, test_mode)
        return TinyDataset(length, cfg.data.num_classes, cfg.train.seed, test_mode, item_sleep, frozenset(unreadable))

    (monkeypatch_setattr or setattr)(engine_data, "build_dataset", build_dataset)


if __name__ == "__main__":
    from actionrec.cli import main
    from actionrec.engine.trainer import train

    spec = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    use_standin_data(
        length=spec.pop("length", 24), item_sleep=spec.pop("item_sleep", 0.0), unreadable=spec.pop("unreadable", [])
    )
    if "cli" in spec:
        sys.exit(main(spec["cli"]))
    resume = spec.pop("resume", None)
    cfg = standin_config(spec.pop("work_dir"), **spec)
    train(cfg, resume=resume, device="cpu", progress=False)
