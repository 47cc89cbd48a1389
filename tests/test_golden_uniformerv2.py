"""UniFormerV2 against MMAction2's own outputs (/work/shared/golden, see its README).

The MMAction2-layout state dict is rebuilt by the golden weight procedure, loaded through the
generic loader (which calls the model's `adapt_state_dict`), and the test-time scores compared.
"""

from __future__ import annotations

import torch
from golden_weights import load_golden, procedure_state_dict

from actionrec import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.models.base import average_views

RTOL = 1e-4


def _close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    scale = expected.abs().max()
    assert (actual - expected).abs().max() <= RTOL * scale, (actual - expected).abs().max() / scale


def _golden_model(golden: dict) -> torch.nn.Module:
    model = build_model(golden["model_cfg"]).eval()
    report = load_checkpoint(model, procedure_state_dict(golden["state_dict_keys"]), strict=True)
    assert report.complete
    assert sum(p.numel() for p in model.parameters()) == golden["num_params"]
    return model


def test_tiny_with_local_uniblocks_matches_mmaction2():
    golden = load_golden("uniformerv2_tiny_lmhra")
    model = _golden_model(golden)
    assert golden["average_clips"] == model.average_clips == "prob"
    logits = model.forward_views(golden["input"])
    _close(logits.flatten(0, 1), golden["logits"])
    _close(model.predict(golden["input"]), golden["probs"])


def test_b16_k400_u8_matches_mmaction2():
    golden = load_golden("uniformerv2_b16_k400_u8")
    model = _golden_model(golden)
    with torch.no_grad():  # one forward (2 views of 8x224): predict() is average_views of these
        logits = model.forward_views(golden["input"])
    _close(logits.flatten(0, 1), golden["logits"])
    _close(average_views(logits, model.average_clips), golden["probs"])


def test_bf16_autocast_keeps_the_golden_top1():
    golden = load_golden("uniformerv2_tiny_lmhra")
    model = _golden_model(golden)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model.forward_views(golden["input"]).flatten(0, 1)
    assert torch.equal(logits.float().argmax(-1), golden["logits"].argmax(-1))
    probs = model.predict(golden["input"], amp="bf16")
    assert probs.dtype == torch.float32
    assert torch.equal(probs.argmax(-1), golden["probs"].argmax(-1))
    assert (probs - golden["probs"]).abs().max() < 0.02
