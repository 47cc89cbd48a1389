"""Export to ONNX and torch.export: the written file, run by its own runtime, gives PyTorch's test-time scores.

The expected scores are `model.predict` (the PyTorch path the golden tests pin to MMAction2). Each
file is loaded here independently of `actionrec.export` (an onnxruntime session, `torch.export.load`)
and run on inputs whose batch and view counts differ from the export example, so the dynamic axes
are exercised. Weights follow the golden procedure (tests/golden_weights.py), so the zero-initialised
branches (L-MHRA, the global blocks' projections) really contribute.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import onnx
import onnxruntime
import pytest
import torch
from golden_weights import procedure_tensor

from actionrec.cli import main
from actionrec.errors import ActionrecError
from actionrec.export import ExportArgumentError, ExportError, ExportMismatchError, export
from actionrec.models import create_model
from actionrec.models.fuse import for_inference

torch.set_num_threads(1)  # the machine is shared; one thread avoids oversubscription

VIDEO = Path(__file__).parent / "data" / "test.mp4"
RTOL = 1e-4
CLASSES = 7


def _procedure_weights(model: torch.nn.Module) -> torch.nn.Module:
    """Every parameter and buffer by the golden weight procedure (BatchNorm statistics included)."""
    state = {
        key: procedure_tensor(key, tuple(value.shape), str(value.dtype)) for key, value in model.state_dict().items()
    }
    model.load_state_dict(state)
    return model.eval()


def _tsn_rgb():
    return create_model("tsn_r18", num_classes=CLASSES), (3, 32, 32)


def _tsn_flow():
    # 'score' averaging: the flow stream of two-stream TSN is fused on raw scores
    return create_model("tsn_r18", num_classes=CLASSES, in_channels=10, average_clips="score"), (10, 32, 32)


def _uniformerv2_tiny():
    model = create_model(
        "uniformerv2",
        num_classes=CLASSES,
        input_resolution=32,
        width=64,
        layers=2,
        heads=2,
        return_list=(1,),
        n_layers=1,
        n_dim=64,
        n_head=2,
        mlp_dropout=(0.5,),
        no_lmhra=False,
    )
    return model, (3, 4, 32, 32)


MODELS = {"tsn_rgb": _tsn_rgb, "tsn_flow": _tsn_flow, "uniformerv2_local_global": _uniformerv2_tiny}


def _views(n: int, v: int, view_shape: tuple[int, ...], seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, v, *view_shape), dtype=torch.uint8, generator=generator)


def _load_file(path: Path, fmt: str):
    """The exported file as a function of uint8 views, loaded by its own runtime."""
    if fmt == "onnx":
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return lambda views: torch.from_numpy(session.run(None, {session.get_inputs()[0].name: views.numpy()})[0])
    module = torch.export.load(path).module()
    return lambda views: module(views)


def _assert_close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert actual.shape == expected.shape
    difference = (actual - expected).abs().max()
    assert difference <= RTOL * expected.abs().max(), f"{difference} of scale {expected.abs().max()}"


@pytest.mark.parametrize("fmt", ["onnx", "torch-export"])
@pytest.mark.parametrize("name", list(MODELS))
def test_exported_file_reproduces_predict_with_other_batch_and_view_counts(name, fmt, tmp_path):
    model, view_shape = MODELS[name]()
    model = _procedure_weights(model)
    example = _views(2, 3, view_shape, seed=0)
    path = tmp_path / ("model.onnx" if fmt == "onnx" else "model.pt2")

    report = export(model, example, fmt, path)

    assert path.is_file() and report.files == [path]
    run = _load_file(path, fmt)
    with torch.no_grad():
        expected = model.predict(example)
        own_difference = (run(example) - expected).abs().max().item()
    assert report.max_abs_diff == pytest.approx(own_difference, abs=1e-6 * expected.abs().max().item())
    assert report.relative_diff <= RTOL
    for n, v in ((1, 1), (3, 2), (1, 5)):  # none is the example's (2, 3)
        views = _views(n, v, view_shape, seed=10 * n + v)
        with torch.no_grad():
            _assert_close(run(views), model.predict(views))
    if fmt == "onnx":
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (inputs,), (outputs,) = session.get_inputs(), session.get_outputs()
        assert (inputs.name, inputs.type, outputs.name, outputs.type) == (
            "views",
            "tensor(uint8)",
            "scores",
            "tensor(float)",
        )
        assert all(isinstance(axis, str) for axis in inputs.shape[:2]) and inputs.shape[2:] == list(view_shape)
        assert isinstance(outputs.shape[0], str) and outputs.shape[1] == CLASSES


@pytest.mark.parametrize("fmt", ["onnx", "torch-export"])
def test_the_inference_copy_exports_with_plain_linears(fmt, tmp_path):
    """`for_inference` swaps linears for oneDNN-fused ones; traced for export they are plain `linear` ops."""
    model, view_shape = _uniformerv2_tiny()
    fast = for_inference(_procedure_weights(model))
    assert fast.fused_linears > 0
    example = _views(2, 3, view_shape, seed=0)
    path = tmp_path / ("model.onnx" if fmt == "onnx" else "model.pt2")
    report = export(fast, example, fmt, path)
    assert report.relative_diff <= RTOL
    if fmt == "torch-export":
        graph = str(torch.export.load(str(path)).graph)
        assert "linear" in graph and "mkldnn" not in graph
    views = _views(1, 2, view_shape, seed=7)
    with torch.no_grad():
        _assert_close(_load_file(path, fmt)(views), model.predict(views))


def test_average_clips_none_averages_raw_view_scores_as_predict_does(tmp_path):
    # average_views branches on V for None; the graph must give the same mean for any V
    model, view_shape = _uniformerv2_tiny()
    model = _procedure_weights(model)
    path = tmp_path / "uniformerv2.pt2"
    export(model, _views(1, 2, view_shape, seed=0), "torch-export", path, average_clips=None)
    run = _load_file(path, "torch-export")
    for v in (1, 3):
        views = _views(2, v, view_shape, seed=v)
        with torch.no_grad():
            raw = model.forward_views(views)  # (N, V, K) logits
            _assert_close(run(views), raw.mean(dim=1))


def test_example_with_one_video_and_one_view_still_exports_dynamic_axes(tmp_path):
    # torch.export would fix an axis whose example size is 1; the exporter must not
    model, view_shape = _tsn_rgb()
    model = _procedure_weights(model)
    path = tmp_path / "tsn.pt2"
    export(model, _views(1, 1, view_shape, seed=0), "torch-export", path)
    views = _views(2, 4, view_shape, seed=1)
    with torch.no_grad():
        _assert_close(_load_file(path, "torch-export")(views), model.predict(views))


def test_a_difference_above_the_tolerance_raises_and_keeps_the_file(tmp_path):
    model, view_shape = _tsn_rgb()
    model = _procedure_weights(model)
    honest_predict = model.predict
    # PyTorch's side disagrees by 0.01 in every score; the graph is traced from forward_features/forward_head
    model.predict = lambda views, **kwargs: honest_predict(views, **kwargs) + 0.01
    path = tmp_path / "tsn.pt2"
    with pytest.raises(ExportMismatchError, match="above the tolerance") as failure:
        export(model, _views(2, 2, view_shape, seed=0), "torch-export", path)
    assert isinstance(failure.value, ActionrecError)
    assert failure.value.report.max_abs_diff == pytest.approx(0.01, rel=1e-4)
    assert path.is_file()


def test_bad_arguments_are_named(tmp_path):
    model, view_shape = _tsn_rgb()
    views = _views(1, 2, view_shape, seed=0)
    with pytest.raises(ExportArgumentError, match="uint8"):
        export(model, views.float(), "onnx", tmp_path / "m.onnx")
    with pytest.raises(ExportArgumentError, match="4 channels"):
        export(model, _views(1, 2, (4, 32, 32), seed=0), "onnx", tmp_path / "m.onnx")
    with pytest.raises(ExportArgumentError, match="'tflite'"):
        export(model, views, "tflite", tmp_path / "m.tflite")
    with pytest.raises(ExportArgumentError, match="Linear"):
        export(torch.nn.Linear(3, 3), views, "onnx", tmp_path / "m.onnx")
    assert issubclass(ExportArgumentError, ValueError) and not any(tmp_path.iterdir())


def test_onnx_without_the_export_extra_says_how_to_install(tmp_path, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a)
    )
    model, view_shape = _tsn_rgb()
    with pytest.raises(ExportError, match=r"onnxruntime: pip install 'actionrec\[export\]'"):
        export(model, _views(1, 2, view_shape, seed=0), "onnx", tmp_path / "m.onnx")


# -- the command ---------------------------------------------------------------------------------

CONFIG = """
model = dict(name='tsn_r18', num_classes=5)
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 40)),
    dict(type='CenterCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCHW'),
]
data = dict(num_classes=5, test=dict(ann_file='unused.txt', pipeline=_test_pipeline))
"""


@pytest.fixture
def trained(tmp_path):
    """A config, its checkpoint and the model the checkpoint holds."""
    model = _procedure_weights(create_model("tsn_r18", num_classes=5))
    (tmp_path / "tsn.py").write_text(CONFIG)
    torch.save({"state_dict": model.state_dict()}, tmp_path / "tsn.pth")
    return tmp_path / "tsn.py", tmp_path / "tsn.pth", model


def test_cli_exports_a_config_checked_on_a_real_clip(trained, tmp_path, capsys):
    config, checkpoint, model = trained
    out = tmp_path / "tsn.onnx"
    argv = ["export", str(config), str(checkpoint), "--format", "onnx", "--out", str(out), "--opset", "21"]
    assert main([*argv, "--video", str(VIDEO)]) == 0
    printed = capsys.readouterr().out
    assert ("", 21) in {(o.domain, o.version) for o in onnx.load(out).opset_import}
    assert f"checked on {VIDEO} through the test pipeline (1, 1, 3, 32, 32)" in printed
    assert "largest |difference| from PyTorch" in printed
    views = _views(2, 3, (3, 32, 32), seed=5)  # the file holds the checkpoint's weights, N and V free
    with torch.no_grad():
        _assert_close(_load_file(out, "onnx")(views), model.predict(views))


def test_cli_exports_a_model_name_with_a_synthetic_clip(trained, tmp_path, capsys):
    _, checkpoint, model = trained
    out = tmp_path / "tsn.pt2"
    argv = ["export", "tsn_r18", str(checkpoint), "--num-classes", "5", "--format", "torch-export", "--out", str(out)]
    assert main([*argv, "--views", "2"]) == 0
    assert "random uint8 clip (1, 2, 3, 224, 224)" in capsys.readouterr().out
    views = _views(3, 1, (3, 224, 224), seed=6)
    with torch.no_grad():
        _assert_close(_load_file(out, "torch-export")(views), model.predict(views))


def test_cli_refuses_a_video_without_a_config(trained, tmp_path, capsys):
    _, checkpoint, _ = trained
    argv = ["export", "tsn_r18", str(checkpoint), "--out", str(tmp_path / "m.onnx"), "--video", str(VIDEO)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --video needs a config") and "Traceback" not in err
    assert not (tmp_path / "m.onnx").exists()
