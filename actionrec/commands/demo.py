"""`actionrec demo`: synthetic data -> train a small TSN and a small UniFormerV2 -> test -> compare.

The synthetic dataset has temporal pairs (a class and the same motion played backwards) and
static classes. A single-frame model (TSN) can only guess within a pair; a temporal model
(UniFormerV2) can tell them apart. The table shows both, overall and per group.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("actionrec.demo")

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs" / "demo"
DEMO_CONFIGS = ("tsn_r18_synthetic.py", "uniformerv2_tiny_synthetic.py")
# More training videos than `actionrec data synth`'s default (40): from-scratch models need them, and
# the 480 extra videos take about 10 s to generate on 2 cores.
FULL = {"videos_per_class": 80, "val_videos_per_class": 15}
# --quick: fewer videos and epochs (a smoke run; the accuracy gap is not expected to be clear)
QUICK = {
    "videos_per_class": 12,
    "val_videos_per_class": 6,
    "epochs": {"tsn_r18_synthetic": 2, "uniformerv2_tiny_synthetic": 2},
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train and test TSN and UniFormerV2 on the synthetic dataset, print a comparison",
        description="Generates the synthetic dataset (OUT/synth, reused when present), trains both "
        "configs/demo/*.py models on it, tests them on the validation split and prints top-1 / mean-class "
        "accuracy overall, on the temporal-only classes and on the static classes (OUT/results.json).",
    )
    p.add_argument("--out", default="work_dirs/demo", help="output folder (default work_dirs/demo)")
    p.add_argument("--quick", action="store_true", help="tiny dataset and 2 epochs each: a smoke run")
    p.add_argument(
        "--seed",
        type=int,
        nargs="+",
        default=[0],
        metavar="N",
        help="training seed(s) of both models (default 0); several seeds run one after another, each in "
        "OUT/seed<N>/, and the table ends with the spread over them",
    )
    p.add_argument("--device", choices=("cpu", "cuda"))
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def ensure_synthetic(folder: Path, quick: bool) -> dict:
    from actionrec.data.synthetic import generate

    counts = QUICK if quick else FULL
    want = {"train": counts["videos_per_class"], "val": counts["val_videos_per_class"]}
    meta_path = folder / "synthetic.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta["videos_per_class"] == want:
            log.info("reusing the synthetic dataset in %s", folder)
            return meta
    log.info("generating the synthetic dataset in %s", folder)
    return generate(str(folder), videos_per_class=want["train"], val_videos_per_class=want["val"])


def group_metrics(scores: np.ndarray, labels: np.ndarray, classes: list[int]) -> dict[str, float]:
    """Top-1 and mean-class accuracy over the samples whose true class is in `classes`."""
    keep = np.isin(labels, classes)
    pred = scores[keep].argmax(axis=1)
    truth = labels[keep]
    per_class = [float((pred[truth == c] == c).mean()) for c in classes if (truth == c).any()]
    return {"top1": float((pred == truth).mean()), "mean_class": float(np.mean(per_class))}


def pair_accuracy(scores: np.ndarray, labels: np.ndarray, pairs: list[list[int]]) -> float:
    """Within each temporal pair: how often the true class outscores its reversed twin (chance 0.5)."""
    partner = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    hits = [scores[i, y] > scores[i, partner[y]] for i, y in enumerate(labels) if y in partner]
    return float(np.mean(hits))


def _overrides(synth: Path, work_dir: Path) -> list[str]:
    out = [f"work_dir={str(work_dir)!r}", f"data.label_map={str(synth / 'label_map.txt')!r}"]
    for split, listing in (("train", "train"), ("val", "val"), ("test", "val")):
        out += [
            f"data.{split}.ann_file={str(synth / f'{listing}_list_videos.txt')!r}",
            f"data.{split}.root={str(synth / 'videos')!r}",
        ]
    return out


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    out = Path(args.out)
    synth = out / ("synth_quick" if args.quick else "synth")
    meta = ensure_synthetic(synth, args.quick)
    seeds = list(dict.fromkeys(args.seed))
    runs = {}
    for seed in seeds:
        folder = out if len(seeds) == 1 else out / f"seed{seed}"
        runs[seed] = train_and_test(args, synth, folder, meta, seed)
        if len(seeds) > 1:
            print(f"seed {seed}:")
        print(format_table(runs[seed]))
    if len(seeds) > 1:
        print(f"spread over seeds {', '.join(map(str, seeds))} (min / mean / max):")
        print(format_spread(runs))
    total = time.perf_counter() - start
    print(f"total time {total:.0f} s; results in {out / 'results.json'}")
    record = {"rows": runs[seeds[0]], "seeds": {str(s): rows for s, rows in runs.items()}}
    record |= {"total_seconds": round(total, 1), "quick": args.quick}
    (out / "results.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


def train_and_test(args: argparse.Namespace, synth: Path, out: Path, meta: dict, seed: int) -> dict[str, dict]:
    """Train both demo models with `seed` into `out/<config name>`, test them, return their table rows."""
    from actionrec.config import load_config
    from actionrec.engine.evaluate import predict_checkpoint
    from actionrec.engine.trainer import train

    rows = {}
    for config_name in DEMO_CONFIGS:
        name = Path(config_name).stem
        overrides = _overrides(synth, out / name) + [f"train.seed={seed}"]
        if args.quick:
            overrides.append(f"schedule.epochs={QUICK['epochs'][name]}")
        cfg = load_config(CONFIG_DIR / config_name, overrides)
        shutil.rmtree(cfg.work_dir, ignore_errors=True)  # the demo's own folder: a fresh run every time
        tic = time.perf_counter()
        train(cfg, device=args.device, progress=not args.no_progress)
        train_s = time.perf_counter() - tic
        pred = predict_checkpoint(
            cfg,
            str(Path(cfg.work_dir) / "latest.pth"),
            "test",
            precision=cfg.train.amp,
            device=args.device,
            progress=False,
        )
        labels = np.asarray(pred.labels)
        everything = list(range(len(meta["classes"])))
        rows[name] = {
            "overall": group_metrics(pred.scores, labels, everything),
            "temporal": group_metrics(pred.scores, labels, meta["temporal_only_classes"]),
            "static": group_metrics(pred.scores, labels, meta["single_frame_classes"]),
            "pair_accuracy": pair_accuracy(pred.scores, labels, meta["temporal_pairs"]),
            "train_seconds": round(train_s, 1),
            "videos_tested": len(labels),
        }
    return rows


def format_table(rows: dict[str, dict]) -> str:
    head = (
        f"{'model':<28} {'top1':>6} {'mean':>6} | {'temporal top1':>13} {'mean':>6} {'pair':>6} | "
        f"{'static top1':>11} {'mean':>6} | {'train s':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, r in rows.items():
        lines.append(
            f"{name:<28} {100 * r['overall']['top1']:6.1f} {100 * r['overall']['mean_class']:6.1f} | "
            f"{100 * r['temporal']['top1']:13.1f} {100 * r['temporal']['mean_class']:6.1f} "
            f"{100 * r['pair_accuracy']:6.1f} | {100 * r['static']['top1']:11.1f} "
            f"{100 * r['static']['mean_class']:6.1f} | {r['train_seconds']:7.0f}"
        )
    lines.append("(%; 'pair': the true class outscores its time-reversed twin, chance = 50)")
    return "\n".join(lines)


SPREAD_COLUMNS = {
    "top1": lambda r: r["overall"]["top1"],
    "temporal": lambda r: r["temporal"]["top1"],
    "pair": lambda r: r["pair_accuracy"],
    "static": lambda r: r["static"]["top1"],
}


def format_spread(runs: dict[int, dict[str, dict]]) -> str:
    """Per model and metric: min / mean / max over the seeds' runs (in %)."""
    names = list(next(iter(runs.values())))
    head = f"{'model':<28} " + " ".join(f"{col:>18}" for col in SPREAD_COLUMNS)
    lines = [head, "-" * len(head)]
    for name in names:
        cells = []
        for get in SPREAD_COLUMNS.values():
            values = 100 * np.array([get(rows[name]) for rows in runs.values()])
            cells.append(f"{values.min():5.1f} /{values.mean():5.1f} /{values.max():5.1f}")
        lines.append(f"{name:<28} " + " ".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)
