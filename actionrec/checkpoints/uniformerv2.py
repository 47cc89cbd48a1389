"""Published UniFormerV2 / CLIP weight layouts -> actionrec's `UniFormerV2Recognizer` keys.

Layouts (facts read from the public code; see the rule table below for every key):

* **mmaction2** - `backbone.conv1.weight`, `backbone.transformer.resblocks.{i}.*`,
  `backbone.transformer.{temporal_cls_token, balance, dpe.{j}, dec.{j}, norm}.*`,
  `cls_head.fc_cls.*`.
* **opengvlab** - the original release (SlowFast, `model_state`): as MMAction2, except the
  head lives in the backbone as `backbone.transformer.proj = Sequential(LayerNorm, Dropout,
  Linear)`, so `proj.0` is our `backbone.norm` and `proj.2` our `cls_head.fc_cls`.
* **clip** - OpenAI CLIP (`clip` package files: TorchScript archives or state dicts, both
  read by `actionrec.checkpoints.io.read_checkpoint`): the
  `visual.*` tensors (or MMAction2's pre-extracted visual encoders, which are the same keys
  without the prefix); `proj` and `ln_post` are dropped, the 2D patch conv is inflated to the
  centre temporal slice, tensors whose shape cannot be reconciled are skipped, and everything
  the video layers add (L-MHRA, global UniBlocks, balance, norm, head) stays at its init.
* **actionrec** - our own names, returned unchanged.

A Kinetics-710 head (710 rows) loaded into a 400/600/700-class model is mapped row-by-row with
the channel maps in `actionrec/label_maps/map_k{400,600,700}.json`, as MMAction2's
`UniFormerHead(channel_map=...)` and the original `label_mixto{N}.json` do.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import torch

from actionrec.checkpoints.io import extract_state_dict, read_checkpoint

log = logging.getLogger(__name__)

K710_CLASSES = 710

# -- the MMAction2 backbone names -> ours ---------------------------------------------------
# (source name inside `backbone.`, our name inside `backbone.`, how the tensor changes)
_LINEAR = "conv1x1x1 -> linear"
_SPLIT_Q_KV = "split in_proj into q and kv"
_RULES: list[tuple[re.Pattern, str, str | None]] = [
    (re.compile(p), r, t)
    for p, r, t in [
        (r"conv1\.weight", "patch_embed.proj.weight", None),
        (r"class_embedding", "cls_token", None),
        (r"positional_embedding", "pos_embed", None),
        (r"ln_pre\.(weight|bias)", r"norm_pre.\1", None),
        (r"transformer\.resblocks\.(\d+)\.ln_1\.(weight|bias)", r"blocks.\1.norm1.\2", None),
        (r"transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)", r"blocks.\1.attn.qkv.\2", None),
        (r"transformer\.resblocks\.(\d+)\.attn\.out_proj\.(weight|bias)", r"blocks.\1.attn.proj.\2", None),
        (r"transformer\.resblocks\.(\d+)\.ln_2\.(weight|bias)", r"blocks.\1.norm2.\2", None),
        (r"transformer\.resblocks\.(\d+)\.mlp\.c_fc\.(weight|bias)", r"blocks.\1.mlp.fc1.\2", None),
        (r"transformer\.resblocks\.(\d+)\.mlp\.c_proj\.(weight|bias)", r"blocks.\1.mlp.fc2.\2", None),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.0\.(\w+)", r"blocks.\1.\2.norm.\3", None),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.1\.(weight|bias)", r"blocks.\1.\2.down.\3", _LINEAR),
        (
            r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.2\.(weight|bias)",
            r"blocks.\1.\2.temporal.\3",
            _LINEAR,
        ),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.3\.(weight|bias)", r"blocks.\1.\2.up.\3", _LINEAR),
        (r"transformer\.temporal_cls_token", "video_token", None),
        (r"transformer\.dpe\.(\d+)\.(weight|bias)", r"global_blocks.\1.dpe.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_1\.(weight|bias)", r"global_blocks.\1.norm_q.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_3\.(weight|bias)", r"global_blocks.\1.norm_kv.\2", None),
        (r"transformer\.dec\.(\d+)\.attn\.in_proj_(weight|bias)", r"global_blocks.\1.attn.{part}.\2", _SPLIT_Q_KV),
        (r"transformer\.dec\.(\d+)\.attn\.out_proj\.(weight|bias)", r"global_blocks.\1.attn.proj.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_2\.(weight|bias)", r"global_blocks.\1.norm2.\2", None),
        (r"transformer\.dec\.(\d+)\.mlp\.c_fc\.(weight|bias)", r"global_blocks.\1.mlp.fc1.\2", None),
        (r"transformer\.dec\.(\d+)\.mlp\.c_proj\.(weight|bias)", r"global_blocks.\1.mlp.fc2.\2", None),
        (r"transformer\.balance", "balance", None),
        (r"transformer\.norm\.(weight|bias)", r"norm.\1", None),
        (r"transformer\.proj\.0\.(weight|bias)", r"norm.\1", None),  # OpenGVLab's head LayerNorm
    ]
]
_OPENGVLAB_CLASSIFIER = re.compile(r"backbone\.transformer\.proj\.2\.(weight|bias)")
_CLIP_DROPPED = {"proj", "ln_post.weight", "ln_post.bias"}


def _map_backbone_key(name: str, value: torch.Tensor) -> list[tuple[str, torch.Tensor]] | None:
    """One MMAction2 backbone tensor (name inside `backbone.`) -> our full (name, tensor) pairs;
    None if no rule matches."""
    for pattern, replacement, change in _RULES:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        new = match.expand(replacement)
        if change == _LINEAR and value.dim() > 1:
            value = value.reshape(value.shape[0], -1)
        if change == _SPLIT_Q_KV:
            d = value.shape[0] // 3
            return [
                ("backbone." + new.replace("{part}", "q"), value[:d]),
                ("backbone." + new.replace("{part}", "kv"), value[d:]),
            ]
        return [("backbone." + new, value)]
    return None


def _map_keys(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """MMAction2 or OpenGVLab keys -> ours; keys no rule knows are kept as they are, so the
    loader's unexpected-key report names them."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        if _OPENGVLAB_CLASSIFIER.fullmatch(key):
            out["cls_head.fc_cls." + key.rsplit(".", 1)[1]] = value
            continue
        mapped = _map_backbone_key(key[len("backbone.") :], value) if key.startswith("backbone.") else None
        out.update(mapped or [(key, value)])
    return out


# -- layout detection ---------------------------------------------------------------------
def detect_layout(state_dict: Mapping[str, torch.Tensor]) -> str:
    """'actionrec', 'opengvlab', 'mmaction2' or 'clip'."""
    keys = set(state_dict)
    if "backbone.patch_embed.proj.weight" in keys or any(k.startswith("backbone.blocks.") for k in keys):
        return "actionrec"
    if any(k.startswith("backbone.transformer.proj.") for k in keys):
        return "opengvlab"
    if "backbone.conv1.weight" in keys or any(k.startswith("backbone.transformer.") for k in keys):
        return "mmaction2"
    if "visual.conv1.weight" in keys or {"conv1.weight", "class_embedding"} <= keys:
        return "clip"
    raise ValueError(
        "unrecognised UniFormerV2 checkpoint layout: expected MMAction2 ('backbone.transformer.*'), "
        "OpenGVLab ('backbone.transformer.proj.*'), CLIP ('visual.conv1.weight') or actionrec "
        f"('backbone.blocks.*') keys; first keys are {sorted(keys)[:5]}"
    )


# -- Kinetics-710 heads ------------------------------------------------------------------
def k710_channel_map(num_classes: int) -> list[int]:
    """Row of the K710 head for each class of K400/K600/K700 (`label_maps/map_k{N}.json`)."""
    if num_classes not in (400, 600, 700):
        raise ValueError(f"Kinetics-710 heads map to 400, 600 or 700 classes, not {num_classes}")
    path = resources.files("actionrec") / "label_maps" / f"map_k{num_classes}.json"
    channels = json.loads(path.read_text())
    if len(channels) != num_classes or not all(0 <= c < K710_CLASSES for c in channels):
        raise ValueError(f"{path}: expected {num_classes} indices in 0..{K710_CLASSES - 1}")
    return channels


def map_k710_head(state_dict: dict[str, torch.Tensor], num_classes: int, prefix: str = "cls_head.fc_cls.") -> None:
    """In place: select the K710 classifier rows of a K400/K600/K700 model."""
    index = torch.tensor(k710_channel_map(num_classes))
    for name in ("weight", "bias"):
        state_dict[prefix + name] = state_dict[prefix + name][index]


# -- CLIP --------------------------------------------------------------------------------
@dataclass
class ClipLoadReport:
    """What happened to each tensor when CLIP weights initialised a UniFormerV2."""

    loaded: list[str] = field(default_factory=list)
    inflated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # 'key: why'
    not_initialised: list[str] = field(default_factory=list)  # our keys left at their init, summarised

    def __str__(self) -> str:
        return (
            f"CLIP weights: {len(self.loaded)} tensors loaded, inflated {self.inflated}, skipped {self.skipped}; "
            f"not initialised (kept at init): {self.not_initialised}"
        )


def _inflate_centre(weight_2d: torch.Tensor, time_dim: int) -> torch.Tensor:
    """2D conv weight (O, I, kh, kw) -> 3D (O, I, t, kh, kw), zeros except the middle slice."""
    weight = weight_2d.new_zeros(weight_2d.shape[0], weight_2d.shape[1], time_dim, *weight_2d.shape[2:])
    weight[:, :, time_dim // 2] = weight_2d
    return weight


def _summarise(keys: list[str]) -> list[str]:
    """`backbone.global_blocks.0.attn.q.weight`, ... -> `backbone.global_blocks.*` style groups."""
    groups: dict[str, None] = {}
    for key in keys:
        parts = key.split(".")
        cut = next((i for i, p in enumerate(parts) if p.isdigit()), None)
        groups[".".join(parts[:cut]) + ".*" if cut is not None else key] = None
    return list(groups)


def convert_clip(
    state_dict: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor]
) -> tuple[dict[str, torch.Tensor], ClipLoadReport]:
    """CLIP visual weights -> our keys that exist in `target` (a model's state_dict), with a report."""
    visual = {k[len("visual.") :]: v for k, v in state_dict.items() if k.startswith("visual.")}
    if not visual:  # MMAction2's pre-extracted encoders: visual keys without the prefix
        visual = dict(state_dict)
    report = ClipLoadReport()
    out: dict[str, torch.Tensor] = {}
    for key, value in visual.items():
        if key in _CLIP_DROPPED:
            continue
        mapped = _map_backbone_key(key, value)
        if mapped is None:
            report.skipped.append(f"visual.{key}: not part of the UniFormerV2 backbone")
            continue
        for new, tensor in mapped:
            want = target.get(new)
            if want is None:
                report.skipped.append(f"visual.{key}: the model has no {new}")
                continue
            if tensor.shape != want.shape:
                if tensor.dim() + 1 == want.dim() == 5 and tensor.shape == want.shape[:2] + want.shape[3:]:
                    tensor = _inflate_centre(tensor, want.shape[2])
                    report.inflated.append(new)
                else:
                    report.skipped.append(f"visual.{key}: shape {tuple(tensor.shape)}, model wants {tuple(want.shape)}")
                    continue
            out[new] = tensor.to(want.dtype)
            report.loaded.append(new)
    report.not_initialised = _summarise([k for k in target if k not in out])
    return out, report


# -- the entry point ---------------------------------------------------------------------
def convert_state_dict(
    state_dict: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Any supported layout -> our keys; `target` is the receiving model's state_dict (shapes).

    CLIP weights come back partial (log says what stays at init); a K710 head is mapped to
    the model's 400/600/700 classes.
    """
    state_dict = extract_state_dict(state_dict, "state dict")  # no-op on a plain tensor dict
    layout = detect_layout(state_dict)
    if layout == "clip":
        out, report = convert_clip(state_dict, target)
        log.warning("%s", report)
        return out
    out = dict(state_dict) if layout == "actionrec" else _map_keys(state_dict)
    head = out.get("cls_head.fc_cls.weight")
    want = target.get("cls_head.fc_cls.weight")
    if head is not None and want is not None and head.shape[0] == K710_CLASSES and want.shape[0] in (400, 600, 700):
        map_k710_head(out, want.shape[0])
        log.info("mapped the Kinetics-710 head to %d classes with map_k%d.json", want.shape[0], want.shape[0])
    return out


def load_clip_pretrained(model: torch.nn.Module, source: str | Path | Mapping[str, torch.Tensor]) -> ClipLoadReport:
    """Initialise a UniFormerV2 recognizer's ViT from CLIP (file or state dict), as MMAction2's
    `clip_pretrained=True`; returns what was loaded, inflated, skipped and left at init."""
    checkpoint = read_checkpoint(source) if isinstance(source, (str, Path)) else source
    state_dict = extract_state_dict(checkpoint, str(source) if isinstance(source, (str, Path)) else "state dict")
    converted, report = convert_clip(state_dict, model.state_dict())
    model.load_state_dict(converted, strict=False)
    return report
