"""Safe checkpoint reading (never executes pickled code) and load_checkpoint's matching report."""

import io
import os
import pickle
import subprocess
import sys
import types
import warnings
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from actionrec.checkpoints import (
    CheckpointError,
    CheckpointWarning,
    LoadReport,
    Placeholder,
    UnsafeCheckpointError,
    extract_state_dict,
    load_checkpoint,
    read_checkpoint,
)


def _weights():
    return {"conv.weight": torch.randn(4, 3, 3, 3), "conv.bias": torch.randn(4), "steps": torch.tensor(7)}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_round_trip_plain_state_dict(tmp_path, zip_format):
    weights = _weights()
    path = tmp_path / "w.pth"
    torch.save(weights, path, _use_new_zipfile_serialization=zip_format)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain state dict needs no placeholder
        _assert_same(read_checkpoint(path), weights)


def _mmengine_like_checkpoint(monkeypatch, weights):
    """A checkpoint as MMEngine saves it: NumPy objects in meta, HistoryBuffers in message_hub.

    The HistoryBuffer class is pickled from a stand-in `mmengine` package that is removed again
    before loading, as on a machine without mmengine.
    """

    class HistoryBuffer:
        def __init__(self, values):
            self.max_length = 1000000
            self._log_history = np.asarray(values, dtype=np.float64)
            self._count_history = np.ones(len(values))

    HistoryBuffer.__module__ = "mmengine.logging.history_buffer"
    HistoryBuffer.__qualname__ = "HistoryBuffer"
    with monkeypatch.context() as m:
        for name in ("mmengine", "mmengine.logging", "mmengine.logging.history_buffer"):
            m.setitem(sys.modules, name, types.ModuleType(name))
        sys.modules["mmengine.logging.history_buffer"].HistoryBuffer = HistoryBuffer
        checkpoint = {
            "meta": {"seed": np.int64(42), "epoch": 100, "lr": np.float64(0.01), "hw": np.array([224, 224])},
            "state_dict": weights,
            "message_hub": {"log_scalars": {"loss": HistoryBuffer([1.0, 0.5]), "acc": HistoryBuffer([0.7])}},
        }
        data = io.BytesIO()
        torch.save(checkpoint, data)
    return data.getvalue()


def test_mmengine_checkpoint_foreign_classes_become_placeholders(tmp_path, monkeypatch):
    weights = _weights()
    path = tmp_path / "mm.pth"
    path.write_bytes(_mmengine_like_checkpoint(monkeypatch, weights))
    with pytest.warns(CheckpointWarning) as record:
        checkpoint = read_checkpoint(path)
    # one warning for the class, not one per HistoryBuffer object
    messages = [str(w.message) for w in record if issubclass(w.category, CheckpointWarning)]
    assert len(messages) == 1 and "mmengine.logging.history_buffer.HistoryBuffer" in messages[0]
    _assert_same(checkpoint["state_dict"], weights)
    assert checkpoint["meta"]["seed"] == 42 and isinstance(checkpoint["meta"]["seed"], np.int64)
    np.testing.assert_array_equal(checkpoint["meta"]["hw"], [224, 224])
    loss = checkpoint["message_hub"]["log_scalars"]["loss"]
    assert isinstance(loss, Placeholder) and loss.foreign_name.endswith("HistoryBuffer")
    np.testing.assert_array_equal(loss.state["_log_history"], [1.0, 0.5])  # data kept, no code run
    _assert_same(extract_state_dict(checkpoint), weights)


@pytest.mark.parametrize("numpy_package", ["numpy.core", "numpy._core"])
def test_numpy_1x_and_2x_global_names(tmp_path, numpy_package):
    # A legacy-format file keeps its pickle inline, so the NumPy module name can be respelled
    # to what NumPy 1.x (numpy.core) or 2.x (numpy._core) writes.
    data = io.BytesIO()
    torch.save(
        {"w": torch.ones(2), "meta": {"x": np.float32(1.5), "a": np.arange(3)}},
        data,
        _use_new_zipfile_serialization=False,
    )
    raw = data.getvalue()
    current = b"numpy._core.multiarray" if b"numpy._core.multiarray" in raw else b"numpy.core.multiarray"
    path = tmp_path / "np.pth"
    path.write_bytes(raw.replace(current, numpy_package.encode() + b".multiarray"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy objects are allow-listed, not placeholders
        checkpoint = read_checkpoint(path)
    assert checkpoint["meta"]["x"] == np.float32(1.5)
    np.testing.assert_array_equal(checkpoint["meta"]["a"], [0, 1, 2])


def _rewrite_zip_record(path, record_suffix, old, new):
    """Edit one record of a torch.save zip (stored uncompressed, as torch writes them)."""
    with zipfile.ZipFile(path) as z:
        records = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, content in records.items():
            z.writestr(name, content.replace(old, new) if name.endswith(record_suffix) else content)


def test_cuda_tagged_tensors_load_with_map_location(tmp_path):
    # a DataParallel checkpoint saved on a GPU: 'module.' prefixes and storages tagged 'cuda:0'
    weights = {"module.fc.weight": torch.randn(2, 3)}
    path = tmp_path / "dp.pth"
    torch.save({"state_dict": weights}, path)
    _rewrite_zip_record(path, "data.pkl", b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    checkpoint = read_checkpoint(path, map_location="cpu")
    state_dict = extract_state_dict(checkpoint)
    assert list(state_dict) == ["fc.weight"] and state_dict["fc.weight"].device.type == "cpu"
    torch.testing.assert_close(state_dict["fc.weight"], weights["module.fc.weight"])


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _RunsEval:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


class _StartsProcess:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.Popen, (["touch", str(self.marker)],))


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_code_running_pickles_are_refused_and_never_run(tmp_path, zip_format):
    marker = tmp_path / "PWNED"
    cases = [
        (_RunsShell(marker), "system"),
        (_RunsEval(), "eval"),
        (_StartsProcess(marker), "subprocess.Popen"),
    ]
    for payload, global_name in cases:
        path = tmp_path / "evil.pth"
        torch.save({"w": torch.ones(1), "meta": payload}, path, _use_new_zipfile_serialization=zip_format)
        with pytest.raises(UnsafeCheckpointError, match=global_name) as error:
            read_checkpoint(path)
        assert "evil.pth" in str(error.value)
        assert not marker.exists()


def test_code_running_plain_pickle_is_refused(tmp_path):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_RunsShell(marker), protocol=2))
    with pytest.raises(UnsafeCheckpointError, match="system"):
        read_checkpoint(path)
    assert not marker.exists()


def test_missing_empty_and_truncated_files(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        read_checkpoint(tmp_path / "absent.pth")
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.pth: the file is empty"):
        read_checkpoint(empty)
    for zip_format in (True, False):
        data = io.BytesIO()
        torch.save(_weights(), data, _use_new_zipfile_serialization=zip_format)
        for cut in (0.3, 0.7, 0.99):
            truncated = tmp_path / f"cut_{zip_format}_{cut}.pth"
            truncated.write_bytes(data.getvalue()[: int(len(data.getvalue()) * cut)])
            with pytest.raises(CheckpointError, match="truncated") as error:
                read_checkpoint(truncated)
            assert truncated.name in str(error.value)


def test_non_checkpoint_files_are_described(tmp_path):
    text = tmp_path / "config.py"
    text.write_text("model = dict(type='Recognizer2D')\n")
    jpeg = tmp_path / "frame.pth"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100))
    html = tmp_path / "page.pth"
    html.write_text("<!DOCTYPE html><html><body>404</body></html>")
    for path, looks_like in [(text, "a text file"), (jpeg, "a JPEG image"), (html, "an HTML page")]:
        with pytest.raises(CheckpointError, match=looks_like) as error:
            read_checkpoint(path)
        assert path.name in str(error.value) and "expected a PyTorch checkpoint" in str(error.value)


def test_torchscript_archive_gives_its_state_dict(tmp_path):
    module = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    path = tmp_path / "clip.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script is deprecated in torch 2.14
        torch.jit.script(module).save(str(path))
    _assert_same(read_checkpoint(path), module.state_dict())


def test_extract_state_dict_unwraps_and_explains():
    w = torch.ones(1)
    assert extract_state_dict({"state_dict": {"a": w, "note": "x"}}) == {"a": w}  # non-tensors dropped
    assert extract_state_dict({"model": {"module": {"b": w}}}) == {"b": w}
    assert extract_state_dict({"model_state": {"module.c": w, "module.d": w}}) == {"c": w, "d": w}
    assert extract_state_dict({"e": w, "epoch": 3}) == {"e": w}
    with pytest.raises(CheckpointError, match=r"no state dict found.*'optimizer', 'epoch'"):
        extract_state_dict({"optimizer": {}, "epoch": 3}, "opt.pth")
    whole_model = type("Conv2d", (Placeholder,), {"foreign_name": "torch.nn.modules.conv.Conv2d"})()
    with pytest.raises(CheckpointError, match="holds a pickled torch.nn.modules.conv.Conv2d object"):
        extract_state_dict(whole_model)
    with pytest.raises(CheckpointError, match="'model' is a pickled torch.nn.modules.conv.Conv2d object"):
        extract_state_dict({"model": whole_model, "epoch": 3})


# -- load_checkpoint ------------------------------------------------------------------------------
class _Tiny(nn.Module):
    def __init__(self, in_channels=3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 5)


class _TinyWithAdapter(_Tiny):
    def adapt_state_dict(self, state_dict):
        # a foreign layout: 'backbone.' prefix and 'head.' instead of 'fc.'
        return {k.replace("backbone.", "").replace("head.", "fc."): v for k, v in state_dict.items()}


def test_load_checkpoint_reports_and_skips_shape_mismatch(tmp_path):
    source = _Tiny(in_channels=3)
    state = source.state_dict()
    state["extra.weight"] = torch.zeros(1)
    del state["fc.bias"]
    path = tmp_path / "rgb.pth"
    torch.save({"state_dict": state}, path)

    target = _Tiny(in_channels=10)  # a flow model: conv1 takes 2 x 5 channels
    conv_before = target.conv.weight.detach().clone()
    report = load_checkpoint(target, path)

    assert report.mismatched == [("conv.weight", (4, 3, 3, 3), (4, 10, 3, 3))]
    assert report.unexpected == ["extra.weight"]
    assert report.missing == ["fc.bias"]
    assert "conv.bias" in report.loaded and "conv.weight" not in report.loaded
    torch.testing.assert_close(target.conv.weight, conv_before)  # stays as initialised
    torch.testing.assert_close(target.fc.weight, source.fc.weight)
    torch.testing.assert_close(target.bn.running_var, source.bn.running_var)
    text = str(report)
    assert f"loaded {len(report.loaded)}/{len(target.state_dict())} model tensors from {path}" in text
    assert "conv.weight checkpoint (4, 3, 3, 3) vs model (4, 10, 3, 3)" in text
    assert "missing (1): fc.bias" in text and "unexpected (1): extra.weight" in text


def test_load_checkpoint_strict_raises_and_loads_nothing(tmp_path):
    source = _Tiny()
    target = _Tiny()
    fc_before = target.fc.weight.detach().clone()
    state = {k: v for k, v in source.state_dict().items() if k != "bn.weight"}
    with pytest.raises(CheckpointError, match=r"strict loading failed(.|\n)*missing \(1\): bn.weight"):
        load_checkpoint(target, state, strict=True)
    torch.testing.assert_close(target.fc.weight, fc_before)
    report = load_checkpoint(target, source.state_dict(), strict=True)
    assert isinstance(report, LoadReport) and report.complete


def test_load_checkpoint_uses_the_model_adapter_and_a_file_url(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "cache"))
    source = _Tiny()
    foreign = {
        ("backbone." + k if not k.startswith("fc.") else k.replace("fc.", "head.")): v
        for k, v in source.state_dict().items()
    }
    path = tmp_path / "foreign.pth"
    torch.save({"module": foreign}, path)
    target = _TinyWithAdapter()
    report = load_checkpoint(target, path.as_uri())
    assert report.complete
    assert report.source == str(tmp_path / "cache" / "checkpoints" / "foreign.pth")  # cached copy
    for k, v in source.state_dict().items():
        torch.testing.assert_close(target.state_dict()[k], v)
