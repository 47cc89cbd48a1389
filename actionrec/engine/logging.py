"""Where a run's numbers go: a JSON-lines file per run, TensorBoard when it imports, the console.

Each JSON line is `{"mode": "train"|"val"|"test"|"event", "epoch": e, "iteration": i, "time": t, ...scalars}`;
`actionrec plot` reads these files back. Only the main process writes.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("actionrec.train")


def _tensorboard_writer(folder: Path):
    try:
        import tensorboard  # noqa: F401  - torch's SummaryWriter needs it
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder))


class RunLogger:
    """Appends scalars to work_dir/runs/<start time>.jsonl and to TensorBoard event files."""

    def __init__(self, work_dir: str | Path, enabled: bool = True, tensorboard: bool = True):
        self.enabled = enabled
        self.path: Path | None = None
        self.tb = None
        if not enabled:
            return
        runs = Path(work_dir) / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.path = runs / f"{stamp}.jsonl"
        n = 1
        while self.path.exists():  # two runs started within the same second
            self.path = runs / f"{stamp}-{n}.jsonl"
            n += 1
        self._file = open(self.path, "a", buffering=1)
        self.tb = _tensorboard_writer(Path(work_dir) / "tensorboard") if tensorboard else None

    def log(self, mode: str, epoch: int, iteration: int, **scalars: Any) -> None:
        if not self.enabled:
            return
        record = {"mode": mode, "epoch": epoch, "iteration": iteration, "time": round(time.time(), 3)}
        record.update({k: _plain(v) for k, v in scalars.items()})
        self._file.write(json.dumps(record) + "\n")
        if self.tb is not None:
            for key, value in scalars.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    self.tb.add_scalar(f"{mode}/{key}", value, iteration)

    def close(self) -> None:
        if self.enabled:
            self._file.close()
            if self.tb is not None:
                self.tb.close()


def _plain(value: Any) -> Any:
    """JSON-safe scalars: tensors/numpy to Python numbers, non-finite floats to strings."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def read_runs(work_dir: str | Path) -> list[dict[str, Any]]:
    """All records of all runs in a work dir, oldest run first.

    Records of the same mode and iteration are merged; a resumed run repeats the iterations
    after its checkpoint, and its values win.
    """
    records: dict[tuple, dict] = {}
    for path in sorted((Path(work_dir) / "runs").glob("*.jsonl")):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    record = json.loads(line)
                    key = (record["mode"], record["iteration"])
                    records[key] = {**records.get(key, {}), **record}
    return sorted(records.values(), key=lambda r: (r["iteration"], r["time"]))


def format_metrics(metrics: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
