"""Export a recognizer for deployment: uint8 views in, test-time scores out, checked against PyTorch.

    report = actionrec.export.export(model, views, format="onnx", path="tsn.onnx")   # or "torch-export"
    print(report)   # the file, and the largest |difference| of its scores from model.predict(views)

The exported graph is the whole test-time recognizer: normalisation, backbone, head and the
averaging of views as `average_clips` says ('prob': mean of per-view softmaxes; 'score' or None:
mean of raw scores), from uint8 `(N, V, C, H, W)` (TSN) or `(N, V, C, T, H, W)` (UniFormerV2) to
`(N, num_classes)` float32. N and V are dynamic axes; the rest is fixed by the example.

What the graph does not carry: `max_testing_views` chunking (a data-dependent loop; the graph runs
all N x V views in one pass, so callers that must bound memory feed fewer views per call and
average themselves). BatchNorm folding is not applied here: pass `models.fuse.for_inference(model)` to
export the folded graph (its oneDNN-fused linears are traced as plain linear ops); onnxruntime fuses
Conv+BatchNorm itself when it loads the file.

After writing, the file is loaded back (onnxruntime for ONNX, `torch.export.load` for a .pt2),
run on `example`, and compared with `model.predict(example)`. The check fails when the largest
absolute difference exceeds `tolerance` times the largest absolute PyTorch score (the score
scale: probabilities for 'prob', logits otherwise). The default 1e-4 is the tolerance the golden
tests use against MMAction2: float32 graph rewrites (other GEMM blocking, fused attention,
folded constants) move scores by ~1e-7..1e-5 of their scale, while a real export fault (wrong
normalisation, a dropped op, wrong view averaging) moves them by orders of magnitude more.

ONNX export uses the maintained path: `torch.onnx.export(..., dynamo=True)` (torch.export +
onnxscript); running it needs onnxruntime. Both come with `pip install 'actionrec[export]'`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.export import Dim

from actionrec.errors import ActionrecError
from actionrec.models.base import AVERAGE_MODES, BaseRecognizer

log = logging.getLogger(__name__)

FORMATS = ("onnx", "torch-export")
DEFAULT_TOLERANCE = 1e-4
#: protobuf cannot hold a file over 2 GiB: larger ONNX models keep their weights in `<file>.data`
_ONNX_INLINE_LIMIT = 1.8 * 2**30
_ONNX_PACKAGES = ("onnx", "onnxscript", "onnxruntime")


class ExportError(ActionrecError, RuntimeError):
    """The export (or loading the exported file back) failed."""


class ExportArgumentError(ActionrecError, ValueError):
    """`export` was called with something it cannot export (format, model, example)."""


class ExportMismatchError(ExportError):
    """The exported model's scores differ from PyTorch's by more than the tolerance."""

    def __init__(self, message: str, report: ExportReport):
        super().__init__(message)
        self.report = report


@dataclass
class ExportReport:
    """What `export` wrote and how closely the exported model reproduces PyTorch on the example."""

    path: Path
    format: str
    input_shape: tuple[int, ...]
    max_abs_diff: float  # largest |exported - PyTorch| over the example's scores
    score_scale: float  # largest |PyTorch score|
    tolerance: float  # relative to score_scale
    files: list[Path] = field(default_factory=list)  # everything written (ONNX external data too)
    opset: int | None = None  # ONNX: the default-domain opset written
    export_seconds: float = 0.0

    @property
    def relative_diff(self) -> float:
        return self.max_abs_diff / self.score_scale if self.score_scale > 0 else self.max_abs_diff

    @property
    def ok(self) -> bool:
        # written so that a NaN difference fails
        return self.relative_diff <= self.tolerance

    def __str__(self) -> str:
        size = sum(f.stat().st_size for f in self.files if f.exists()) / 2**20
        kind = f"{self.format}, opset {self.opset}" if self.opset else self.format
        return (
            f"wrote {self.path} ({kind}, {size:.1f} MB, {self.export_seconds:.1f} s); largest |difference| "
            f"from PyTorch on a {self.input_shape} input: {self.max_abs_diff:.3g} = {self.relative_diff:.3g} of the "
            f"score scale {self.score_scale:.3g} (tolerance {self.tolerance:.0e})"
        )


class ExportableRecognizer(nn.Module):
    """A recognizer's test-time path as one traceable forward: uint8 views `(N, V, ...)` -> scores `(N, K)`.

    Equals `recognizer.predict(views)` without `max_testing_views` chunking; views are averaged
    with a plain mean even for `average_clips=None`, where `average_views` branches on V (a
    branch a graph with a dynamic V cannot hold; the mean of one row is that row).
    """

    def __init__(self, recognizer: BaseRecognizer, average_clips: str | None):
        super().__init__()
        self.recognizer = recognizer
        self.average_clips = average_clips

    def forward(self, views: torch.Tensor) -> torch.Tensor:
        num_views = views.shape[1]
        features = self.recognizer.forward_features(views.flatten(0, 1))
        scores = self.recognizer.forward_head(features, num_views).float()
        if self.average_clips == "prob":
            scores = scores.softmax(dim=-1)
        return scores.mean(dim=1)


def export(
    model: nn.Module,
    example: torch.Tensor,
    format: str = "onnx",
    path: str | os.PathLike = "model.onnx",
    *,
    opset: int | None = None,
    average_clips: str | None | object = ...,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ExportReport:
    """Export `model` (a recognizer) to `path` and check the file against PyTorch on `example`.

    `example`: uint8 views `(N, V, C, H, W)` or `(N, V, C, T, H, W)` (a real clip through the test
    pipeline is the best check); C, T, H and W are fixed by it, N and V stay dynamic.
    `format`: 'onnx' (`opset`: the ONNX opset, default torch's) or 'torch-export' (a .pt2 for
    `torch.export.load`). `average_clips` overrides the model's setting, as in `predict`.
    Returns an `ExportReport`; raises `ExportMismatchError` (the file stays, for inspection) when
    the largest difference exceeds `tolerance` x the largest |score|.
    """
    if format not in FORMATS:
        raise ExportArgumentError(f"format must be one of {FORMATS}, got {format!r}")
    if not isinstance(model, BaseRecognizer):
        raise ExportArgumentError(
            f"export needs an actionrec recognizer (uint8 views -> scores), got {type(model).__name__}"
        )
    example = _checked_example(model, example)
    mode = model.average_clips if average_clips is ... else average_clips
    if mode not in AVERAGE_MODES:
        raise ExportArgumentError(f"average_clips must be one of {AVERAGE_MODES}, got {mode!r}")
    if not tolerance >= 0:
        raise ExportArgumentError(f"tolerance must be a non-negative fraction of the score scale, got {tolerance}")
    if format == "onnx":
        _require(_ONNX_PACKAGES)
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"output folder does not exist: {path.parent}")

    was_training = model.training
    model.eval()
    try:
        graph = ExportableRecognizer(model, mode).eval()
        start = time.perf_counter()
        program = _trace(graph, _tracing_example(example))
        if format == "onnx":
            files, opset = _write_onnx(program, path, opset, model, mode)
        else:
            files = _write_pt2(program, path)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            reference = model.predict(example, average_clips=mode).float().cpu()
        exported = _run_onnx(path, example) if format == "onnx" else _run_pt2(path, example)
    finally:
        model.train(was_training)

    if exported.shape != reference.shape:
        raise ExportError(
            f"{path}: the exported model returned {tuple(exported.shape)}, PyTorch {tuple(reference.shape)}"
        )
    report = ExportReport(
        path=path,
        format=format,
        input_shape=tuple(example.shape),
        max_abs_diff=float((exported - reference).abs().max()),
        score_scale=float(reference.abs().max()),
        tolerance=tolerance,
        files=files,
        opset=opset,
        export_seconds=seconds,
    )
    log.debug("%s", report)
    if not report.ok:
        raise ExportMismatchError(
            f"{path}: the exported model's scores differ from PyTorch's by {report.max_abs_diff:.3g} "
            f"({report.relative_diff:.3g} of the score scale {report.score_scale:.3g}), above the tolerance "
            f"{tolerance:.0e}; the file was kept for inspection",
            report,
        )
    return report


# -- steps --------------------------------------------------------------------------------------


def _checked_example(model: BaseRecognizer, example: torch.Tensor) -> torch.Tensor:
    if not isinstance(example, torch.Tensor) or example.dtype != torch.uint8:
        kind = example.dtype if isinstance(example, torch.Tensor) else type(example).__name__
        raise ExportArgumentError(f"example must be a uint8 tensor of views (as the test pipeline makes), got {kind}")
    if 0 in example.shape:
        raise ExportArgumentError(f"example: empty shape {tuple(example.shape)}")
    try:
        example = model.check_views(example)
        model.normalize(example[:1, :1].flatten(0, 1))  # checks the channel count against mean/std
    except ValueError as e:
        raise ExportArgumentError(f"example: {e}") from e
    device = next(model.parameters()).device
    return example.to(device)


def _tracing_example(example: torch.Tensor) -> torch.Tensor:
    """The example with N and V at least 2: torch.export fixes an axis whose example size is 1."""
    n, v = example.shape[:2]
    return example.repeat(2 if n == 1 else 1, 2 if v == 1 else 1, *([1] * (example.dim() - 2)))


def _trace(graph: ExportableRecognizer, example: torch.Tensor) -> torch.export.ExportedProgram:
    dynamic = {"views": {0: Dim("batch"), 1: Dim("views")}}
    try:
        with torch.no_grad():
            return torch.export.export(graph, (example,), dynamic_shapes=dynamic)
    except Exception as e:  # torch.export raises many types; one message saying what failed
        raise ExportError(f"torch.export could not trace {type(graph.recognizer).__name__}: {e}") from e


def _write_pt2(program: torch.export.ExportedProgram, path: Path) -> list[Path]:
    with _quiet_strided_weights():
        torch.export.save(program, path)
    return [path]


def _write_onnx(
    program: torch.export.ExportedProgram, path: Path, opset: int | None, model: BaseRecognizer, mode: str | None
) -> tuple[list[Path], int]:
    """Writes the ONNX file(s); returns them and the opset written."""
    external = sum(t.numel() * t.element_size() for t in model.state_dict().values()) > _ONNX_INLINE_LIMIT
    try:
        onnx_program = torch.onnx.export(
            program,
            dynamo=True,
            opset_version=opset,
            input_names=["views"],
            output_names=["scores"],
            external_data=external,
            verbose=False,
        )
    except Exception as e:  # the exporter raises its own error types; one message saying what failed
        raise ExportError(f"ONNX export of {type(model).__name__} failed: {e}") from e
    written = onnx_program.model.opset_imports[""]
    if opset is not None and written != opset:
        # torch raises a too-old opset to the oldest it can write and converts back only where it can
        raise ExportError(
            f"ONNX opset {opset} was asked for, but torch.onnx could only write opset {written} for "
            f"{type(model).__name__}; ask for opset {written} or newer"
        )
    layout = "N,V,C,H,W" if model.view_ndim == 2 else "N,V,C,T,H,W"
    onnx_program.model.metadata_props.update(
        {
            "actionrec.input": f"uint8 views {layout} (N, V dynamic), normalised inside the graph",
            "actionrec.output": f"float32 scores N,K averaged over V (average_clips={mode})",
        }
    )
    onnx_program.save(path, external_data=external)
    return ([path, path.with_name(path.name + ".data")] if external else [path]), written


def _run_onnx(path: Path, example: torch.Tensor) -> torch.Tensor:
    onnxruntime = importlib.import_module("onnxruntime")  # optional dependency (the `export` extra)
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (scores,) = session.run(["scores"], {"views": example.cpu().numpy()})
    except Exception as e:  # onnxruntime's errors carry no common base
        raise ExportError(f"{path}: onnxruntime could not run the exported model: {e}") from e
    return torch.from_numpy(scores)


def _run_pt2(path: Path, example: torch.Tensor) -> torch.Tensor:
    try:
        with _quiet_strided_weights():
            module = torch.export.load(path).module()
        with torch.no_grad():
            return module(example).float().cpu()
    except Exception as e:  # loading a .pt2 can fail in many ways; one message naming the file
        raise ExportError(f"{path}: torch.export.load could not run the exported model: {e}") from e


@contextlib.contextmanager
def _quiet_strided_weights():
    """torch's .pt2 archive warns about every weight stored non-contiguously (TSN's channels-last convs);
    they are saved and loaded correctly (the round-trip check says so)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No complete tensor found in the group")
        yield


def _require(packages: tuple[str, ...]) -> None:
    missing = [name for name in packages if importlib.util.find_spec(name) is None]
    if missing:
        raise ExportError(
            f"ONNX export needs {', '.join(missing)}: pip install 'actionrec[export]' "
            f"(or pip install {' '.join(_ONNX_PACKAGES)})"
        )
