"""`torch.compile` for inference: same scores as eager, compiled once per chunk shape, reachable from configs and CLI.

Oracle: the eager, unfolded model (compiling must not change the answer beyond float rounding). The
model is a TSN around a one-conv trunk, so a cold compilation stays within seconds.
"""

import logging

import pytest
import torch
from torch import nn

from actionrec import cli
from actionrec.config.schema import TestConfig as ConfigTestSection
from actionrec.models.fuse import for_inference
from actionrec.models.tsn import TSN
from actionrec.recognize import Recognizer


class _OneConvTrunk(nn.Module):
    """conv1 -> bn1 -> ReLU: named as ResNet names them, so folding applies."""

    num_features = 8

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn1(self.conv1(x)))


def _tiny_tsn() -> TSN:
    torch.manual_seed(0)
    model = TSN(_OneConvTrunk(), num_classes=4).eval()
    with torch.no_grad():  # statistics far from (0, 1), so a folding mistake would show
        model.backbone.bn1.running_mean.uniform_(-0.5, 0.5)
        model.backbone.bn1.running_var.uniform_(0.5, 2.0)
        model.cls_head.fc_cls.weight.normal_(0, 1.0)
    return model


@pytest.mark.slow  # a cold compilation: ~7 s with inductor's cache warm, ~30 s without on 2 busy cores
def test_compiled_scores_equal_eager_and_compile_once_per_shape(caplog):
    model = _tiny_tsn()
    x = torch.randint(0, 256, (2, 5, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    eager = model.predict(x)
    fast = for_inference(model, compile=True)
    assert fast.compiled and not model.compiled  # the training module is untouched
    shapes = []
    compiled_forward = fast.forward_features
    fast.forward_features = lambda views: shapes.append(tuple(views.shape)) or compiled_forward(views)
    with caplog.at_level(logging.INFO, logger="actionrec.models.fuse"):
        first = fast.predict(x)
        second = fast.predict(x)
    torch.testing.assert_close(first, eager, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(second, eager, rtol=1e-5, atol=1e-6)
    # the first view is measured eagerly (not through the graph); both calls chunk the 10 views alike
    assert shapes == [(10, 3, 16, 16), (10, 3, 16, 16)]
    warmups = [r.getMessage() for r in caplog.records if "torch.compile warm-up" in r.getMessage()]
    assert len(warmups) == 1 and "(10, 3, 16, 16)" in warmups[0] and "float32" in warmups[0]


def test_recognizer_compiles_on_request_and_keeps_the_given_model():
    model = _tiny_tsn()
    recognizer = Recognizer(model, pipeline=None, device="cpu", compile=True, progress=False)
    assert recognizer.model.compiled and recognizer.model is not model and not model.compiled
    plain = Recognizer(model, pipeline=None, device="cpu", fuse=False, progress=False)
    assert plain.model is model and not plain.model.compiled
    assert ConfigTestSection().compile is False  # off unless a config or flag asks


def test_cli_compile_flags_reach_the_config_and_the_recognizer(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr("actionrec.engine.evaluate.run_test", lambda cfg, *a, **k: seen.setdefault("cfg", cfg) and {})
    assert cli.main(["test", "tsn_r50_1x1x3_100e_kinetics400_rgb", "never_read.pth", "--compile"]) == 0
    assert seen["cfg"].test.compile is True

    def from_zoo(name, **kwargs):
        seen["kwargs"] = kwargs
        raise SystemExit(0)

    monkeypatch.setattr(Recognizer, "from_zoo", staticmethod(from_zoo))
    video = tmp_path / "frames"
    video.mkdir()
    (video / "img_00001.jpg").write_bytes(b"")
    with pytest.raises(SystemExit):
        cli.main(["recognize", str(video), "--model", "any", "--compile"])
    assert seen["kwargs"]["compile"] is True
