"""Point any seed config at your own videos with at most three options: `--data-root`, `--num-classes`, `--epochs`.

    actionrec data prepare folder --src my_videos --out my_videos      # lists + label map beside the videos
    actionrec train tsn_r50_video_1x1x8_100e_kinetics400_rgb --data-root my_videos --epochs 20

`data_root` holds `train_list_videos.txt`, `val_list_videos.txt` and `label_map.txt` (what `actionrec data
prepare folder` and `actionrec data synth` write); the videos are under `data_root/videos` when that folder
exists (the synthetic dataset), else under `data_root` itself. The class count comes from the label map
unless given. Everything else — model, pretrained initialisation, pipelines, recipe — stays the config's:
a config that decodes frame folders is switched to decoding the videos (same sampling and transforms);
flow and multi-label configs are refused, with what to do instead. `--epochs` rescales the schedule's
milestones and warm-up to the new length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actionrec.config.loader import ConfigError

TRAIN_LIST, VAL_LIST, LABEL_MAP = "train_list_videos.txt", "val_list_videos.txt", "label_map.txt"
_FRAME_DECODERS = {"RawFrameDecode"}


def retarget_overrides(
    raw: dict[str, Any],
    data_root: str | Path,
    num_classes: int | None = None,
    epochs: int | None = None,
    source: str = "config",
) -> list[str]:
    """`--cfg-options`-style overrides that point the resolved config `raw` at `data_root`'s videos."""
    root = Path(data_root)
    for name in (TRAIN_LIST, VAL_LIST):
        if not (root / name).is_file():
            raise ConfigError(
                f"--data-root {root}: no {name} there; make the lists with `actionrec data prepare folder "
                f"--src VIDEOS --out {root}` (a folder of class sub-folders of videos)"
            )
    data = raw.get("data") or {}
    if data.get("multi_label"):
        raise ConfigError(
            f"{source}: a multi-label config (HVU / MMiT) cannot train on single-label lists; "
            "pick a single-label config, e.g. tsn_r50_video_1x1x8_100e_kinetics400_rgb"
        )
    classes = num_classes if num_classes is not None else _count_classes(root / LABEL_MAP)
    videos = root / "videos" if (root / "videos").is_dir() else root
    out = [f"data.num_classes={classes}", f"model.num_classes={classes}"]
    if (root / LABEL_MAP).is_file():
        out.append(f"data.label_map={str(root / LABEL_MAP)!r}")
    for split, lst in (("train", TRAIN_LIST), ("val", VAL_LIST), ("test", VAL_LIST)):
        cfg = data.get(split)
        if not isinstance(cfg, dict):
            continue
        if cfg.get("modality", "RGB") == "Flow":
            raise ConfigError(
                f"{source}: a flow config reads optical-flow folders, not videos; extract them with "
                "`actionrec data extract-frames LIST OUT --flow tvl1`, or pick an RGB config"
            )
        out += [
            f"data.{split}.ann_file={str(root / lst)!r}",
            f"data.{split}.root={str(videos)!r}",
            f"data.{split}.kind='video'",
            f"data.{split}.filename_tmpl=None",
            f"data.{split}.with_offset=False",
        ]
        pipeline = cfg.get("pipeline") or []
        if any(step.get("type") in _FRAME_DECODERS for step in pipeline):
            out.append(f"data.{split}.pipeline={_video_pipeline(pipeline)!r}")
    if epochs is not None:
        out += schedule_overrides(raw.get("schedule") or {}, epochs)
    return out


def _count_classes(label_map: Path) -> int:
    if not label_map.is_file():
        raise ConfigError(f"{label_map} does not exist: give the number of classes with --num-classes")
    names = [line for line in label_map.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not names:
        raise ConfigError(f"{label_map}: no class names")
    return len(names)


def _video_pipeline(pipeline: list[dict]) -> list[dict]:
    """The same sampling and transforms, decoding a video file instead of a frame folder."""
    out = []
    for step in pipeline:
        if step.get("type") in _FRAME_DECODERS:
            out += [{"type": "DecordInit"}, {"type": "DecordDecode"}]
        else:
            out.append(dict(step))
    return out


def schedule_overrides(schedule: dict[str, Any], epochs: int) -> list[str]:
    """A new length: milestones and warm-up keep their place relative to the whole schedule."""
    if epochs < 1:
        raise ConfigError(f"--epochs must be at least 1, got {epochs}")
    old = schedule.get("epochs") or epochs
    scale = epochs / old
    out = [f"schedule.epochs={epochs}"]
    milestones = [m for m in (round(m * scale) for m in schedule.get("milestones") or []) if 0 < m < epochs]
    if schedule.get("milestones"):
        out.append(f"schedule.milestones={sorted(set(milestones))!r}")
    warmup = schedule.get("warmup_epochs") or 0
    if warmup:
        out.append(f"schedule.warmup_epochs={min(warmup * scale, epochs / 2)!r}")
    return out
