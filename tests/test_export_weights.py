"""`actionrec export-weights`: a training checkpoint's weights as safetensors, loadable like the original."""

import torch

from actionrec.checkpoints import load_checkpoint
from actionrec.cli import main
from actionrec.models import create_model


def test_a_training_checkpoint_becomes_a_weights_only_safetensors_file(tmp_path, capsys):
    model = create_model("tsn_r18", num_classes=4).eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randint(0, 256, (2, 1, 3, 32, 32), dtype=torch.uint8)).sum().backward()
    optimizer.step()  # momentum buffers: state a weights file must not carry
    ckpt = tmp_path / "latest.pth"
    torch.save({"state_dict": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, ckpt)
    out = tmp_path / "weights.safetensors"
    assert main(["export-weights", str(ckpt), str(out)]) == 0
    assert f"to {out}" in capsys.readouterr().out
    assert out.stat().st_size < ckpt.stat().st_size * 0.6  # no momentum buffers (about half of latest.pth)

    fresh = create_model("tsn_r18", num_classes=4).eval()
    report = load_checkpoint(fresh, out, strict=True)
    assert report.complete
    x = torch.randint(0, 256, (1, 2, 3, 32, 32), dtype=torch.uint8)
    loaded, saved = fresh.state_dict(), model.state_dict()
    assert loaded.keys() == saved.keys() and all(torch.equal(loaded[k], saved[k]) for k in saved)  # bit for bit
    # the same weights; scores agree to fp32 kernel noise (after lr=0.1 the logits are large; oneDNN rounds by alignment)
    torch.testing.assert_close(fresh.predict(x), model.predict(x), rtol=1e-3, atol=1e-6)


def test_bad_input_is_one_error_line(tmp_path, capsys):
    not_a_checkpoint = tmp_path / "notes.txt"
    not_a_checkpoint.write_text("hello")
    assert main(["export-weights", str(not_a_checkpoint), str(tmp_path / "w.safetensors")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    torch.save({"w": torch.zeros(1)}, tmp_path / "a.pth")
    assert main(["export-weights", str(tmp_path / "a.pth"), str(tmp_path / "w.bin")]) == 2
    assert "must end in .safetensors" in capsys.readouterr().err
