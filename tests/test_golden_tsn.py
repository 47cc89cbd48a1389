"""TSN-R50 against MMAction2's own outputs (/work/shared/golden/tsn_r50_k400.pt).

The model is built from the file's MMAction2 `model` dict, the weights are the README's
procedure in MMAction2's checkpoint layout, converted by the model's own key map.
"""

from __future__ import annotations

import torch
from golden_weights import load_golden, procedure_state_dict

from actionrec import build_model
from actionrec.flops import count_params

torch.set_num_threads(1)  # the machine is shared; one thread avoids oversubscription


def test_tsn_r50_k400_matches_mmaction2():
    golden = load_golden("tsn_r50_k400")
    model = build_model(golden["model_cfg"])
    assert count_params(model) == golden["num_params"]
    state = model.adapt_state_dict(procedure_state_dict(golden["state_dict_keys"]))
    model.load_state_dict(state, strict=True)
    model.eval()
    assert model.average_clips == golden["average_clips"]
    assert torch.equal(model.mean, torch.tensor(golden["mean"])) and torch.equal(model.std, torch.tensor(golden["std"]))

    logits = model.predict(golden["input"], average_clips=None)
    torch.testing.assert_close(logits, golden["logits"], rtol=1e-4, atol=1e-4 * golden["logits"].abs().max().item())
    # 'prob' over the single post-consensus row is its softmax; predict() applies it itself
    probs = model.predict(golden["input"])
    torch.testing.assert_close(probs, golden["probs"], rtol=1e-4, atol=1e-4 * golden["probs"].abs().max().item())
    assert probs.argmax() == golden["probs"].argmax()
