"""Checkpoints, model-blind: safe reading (`io`), `load_checkpoint`, `load_pretrained`, the load report.

`load_checkpoint(model, src)` reads a file or URL without executing pickled code, finds the
state dict, lets the model convert a foreign layout (`model.adapt_state_dict`, which each model
family defines beside its model: MMAction2, OpenGVLab, CLIP, torchvision, timm -> actionrec's own
names), then loads every tensor whose name and shape match. Shape-mismatched tensors are skipped
and reported rather than fatal, as in MMAction2: a flow TSN's 10-channel conv1 stays as
initialised when the weights come from RGB. Nothing here knows a model family.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor, nn

from actionrec import zoo
from actionrec.checkpoints.io import (
    CheckpointError,
    CheckpointWarning,
    Placeholder,
    UnsafeCheckpointError,
    extract_state_dict,
    read_checkpoint,
    read_pickle,
)
from actionrec.download import download

log = logging.getLogger(__name__)

_URL_SCHEMES = ("http://", "https://", "file://")
_SHOWN = 10  # names listed per category in LoadReport's text


@dataclass
class LoadReport:
    """What `load_checkpoint` did with each tensor."""

    source: str
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the model, not in the checkpoint
    unexpected: list[str] = field(default_factory=list)  # in the checkpoint, not in the model
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    # (name, checkpoint shape, model shape)

    @property
    def complete(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def __str__(self) -> str:
        total = len(self.loaded) + len(self.missing) + len(self.mismatched)
        lines = [f"loaded {len(self.loaded)}/{total} model tensors from {self.source}"]
        mismatched = [f"{k} checkpoint {tuple(a)} vs model {tuple(b)}" for k, a, b in self.mismatched]
        for title, names in (
            ("missing", self.missing),
            ("unexpected", self.unexpected),
            ("shape mismatch (skipped)", mismatched),
        ):
            if names:
                more = f", ... and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
                lines.append(f"  {title} ({len(names)}): {', '.join(names[:_SHOWN])}{more}")
        return "\n".join(lines)


def load_checkpoint(
    model: nn.Module,
    src: str | os.PathLike | Mapping[str, Any],
    strict: bool | None = None,
    map_location: Any = "cpu",
) -> LoadReport:
    """Load `src` (path, http(s)/file URL, or an already-loaded checkpoint/state dict) into `model`.

    `strict=True`: any missing, unexpected or shape-mismatched tensor raises CheckpointError (and
    nothing is loaded). Default (None): tensors may be missing or mismatched (a new head, a flow
    conv1), but a file that fits less than half of the model's tensors raises: it is almost surely
    the checkpoint of another model. `strict=False` loads whatever fits and warns with the counts.
    Tensors holding NaN or inf are refused in every mode, by name.
    """
    if isinstance(src, Mapping):
        source, obj = "state dict", src
    else:
        source = os.fspath(src)
        if source.startswith(_URL_SCHEMES):
            source = os.fspath(download(source))
        obj = read_checkpoint(source, map_location=map_location)
    state_dict = extract_state_dict(obj, source)
    adapt = getattr(model, "adapt_state_dict", None)
    if callable(adapt):
        state_dict = adapt(state_dict)

    report = _match(model.state_dict(), state_dict, source)
    if strict and not report.complete:
        raise CheckpointError(f"strict loading failed:\n{report}")
    fitting = len(report.loaded) / max(len(report.loaded) + len(report.missing) + len(report.mismatched), 1)
    if strict is None and fitting < MIN_FITTING:
        raise CheckpointError(
            f"{source} fits only {len(report.loaded)} of the model's "
            f"{len(report.loaded) + len(report.missing) + len(report.mismatched)} tensors: a checkpoint of another "
            f"model? (load with strict=False to take what fits anyway)\n{report}"
        )
    _refuse_non_finite(state_dict, report.loaded, source)
    model.load_state_dict({k: state_dict[k] for k in report.loaded}, strict=False)
    log.log(logging.WARNING if strict is False and not report.complete else logging.INFO, "%s", report)
    return report


def export_weights(src: str | os.PathLike, out: str | os.PathLike) -> tuple[str, int, int]:
    """Write the state dict of checkpoint `src` to `out` as safetensors; returns (path, tensors, bytes).

    The file is written beside `out` first and renamed, so an interrupted export never leaves a
    half file under the final name.
    """
    from safetensors.torch import save_file

    source = os.fspath(src)
    out_path = os.fspath(out)
    if not out_path.endswith(".safetensors"):
        raise CheckpointError(f"{out_path}: the output name must end in .safetensors")
    state = extract_state_dict(read_checkpoint(source), source)
    tensors = {k: v.detach().contiguous().clone() for k, v in state.items() if isinstance(v, Tensor)}
    if not tensors:
        raise CheckpointError(f"{source}: no tensors to export")
    part = out_path + ".part"
    save_file(tensors, part, metadata={"source": os.path.basename(source), "written_by": "actionrec export-weights"})
    os.replace(part, out_path)
    return out_path, len(tensors), os.path.getsize(out_path)


MIN_FITTING = 0.5  # the share of a model's tensors a checkpoint must fit when `strict` is not given


def _refuse_non_finite(state_dict: Mapping[str, Tensor], names: list[str], source: str) -> None:
    bad = [n for n in names if state_dict[n].is_floating_point() and not bool(state_dict[n].isfinite().all())]
    if bad:
        shown = ", ".join(bad[:_SHOWN]) + (f", ... and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else "")
        raise CheckpointError(f"{source}: {len(bad)} tensors hold NaN or inf values: {shown}; the file is broken")


def load_pretrained(model: nn.Module, pretrained: bool | str | os.PathLike, default: str | None = None) -> LoadReport:
    """Initialise a freshly built `model` (the second step of "construct, then load").

    `pretrained`: True -> `default` (the family's initialisation, e.g. torchvision ImageNet or CLIP
    weights); a zoo entry name -> that checkpoint, hash-checked and cached; else a path or URL.
    Tensors the source lacks (a new head) keep their initialisation and are reported.
    """
    if pretrained is True:
        if default is None:
            raise CheckpointError(f"{type(model).__name__} has no default pretrained weights; pass a path or zoo name")
        source: str | os.PathLike = default
    else:
        source = pretrained
    if isinstance(source, str) and not source.startswith(_URL_SCHEMES) and not os.path.exists(source):
        try:
            source = zoo.checkpoint_path(source)
        except zoo.UnknownEntryError as e:
            raise CheckpointError(f"pretrained={source!r} is neither a file, a URL nor a zoo entry: {e}") from e
    # an initialisation is partial by design (CLIP has no video blocks, ImageNet no action head)
    return load_checkpoint(model, source, strict=False)


def _match(model_state: Mapping[str, Tensor], state_dict: Mapping[str, Tensor], source: str) -> LoadReport:
    report = LoadReport(source)
    for name, tensor in state_dict.items():
        if name not in model_state:
            report.unexpected.append(name)
        elif tensor.shape != model_state[name].shape:
            report.mismatched.append((name, tuple(tensor.shape), tuple(model_state[name].shape)))
        else:
            report.loaded.append(name)
    report.missing = [name for name in model_state if name not in state_dict]
    return report


__all__ = [
    "CheckpointError",
    "CheckpointWarning",
    "LoadReport",
    "Placeholder",
    "UnsafeCheckpointError",
    "extract_state_dict",
    "export_weights",
    "load_checkpoint",
    "load_pretrained",
    "read_checkpoint",
    "read_pickle",
]
