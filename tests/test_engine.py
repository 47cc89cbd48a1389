"""Engine pieces against hand computations: LR schedules, param groups, LR scaling, samplers,
atomic checkpoints, loss, metrics through the test path; plus a short end-to-end run."""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from engine_standins import standin_config, use_standin_data
from torch import nn

from actionrec.config import OptimizerConfig, ScheduleConfig
from actionrec.engine import checkpointing
from actionrec.engine.data import ShardSampler, TrainSampler
from actionrec.engine.evaluate import Predictions, compute_metrics, dump_scores
from actionrec.engine.optim import LRSchedule, build_optimizer, param_groups, scaled_lr


def schedule(cfg: ScheduleConfig, iters_per_epoch: int, lr: float = 1.0) -> LRSchedule:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)
    return LRSchedule(opt, cfg, iters_per_epoch)


def test_multistep_with_warmup_by_hand():
    s = schedule(
        ScheduleConfig(
            epochs=6, policy="multistep", milestones=[2, 4], gamma=0.1, warmup_epochs=1, warmup_start_factor=0.2
        ),
        iters_per_epoch=5,
        lr=0.5,
    )
    # warm-up over 5 iterations, mmengine's LinearLR (total_iters = end - begin - 1 = 4): 0.5 * (0.2 + 0.8 * i / 4)
    assert [s.lr_at(i, 0.5) for i in range(5)] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert s.lr_at(5, 0.5) == pytest.approx(0.5)  # epoch 1
    assert s.lr_at(9, 0.5) == pytest.approx(0.5)
    assert s.lr_at(10, 0.5) == pytest.approx(0.05)  # epoch 2 >= milestone 2
    assert s.lr_at(19, 0.5) == pytest.approx(0.05)
    assert s.lr_at(20, 0.5) == pytest.approx(0.005)  # epoch 4


def test_cosine_after_warmup_by_hand():
    # the MMAction2 UniFormerV2 recipe shape: LinearLR(0.1) over 1 epoch, cosine to eta_min_ratio 0.1
    s = schedule(
        ScheduleConfig(epochs=5, policy="cosine", eta_min_ratio=0.1, warmup_epochs=1, warmup_start_factor=0.1),
        iters_per_epoch=4,
    )
    assert s.lr_at(0, 1.0) == pytest.approx(0.1)
    assert s.lr_at(2, 1.0) == pytest.approx(0.1 + 0.9 * 2 / 3)  # LinearLR's total_iters = 4 - 1
    assert s.lr_at(4, 1.0) == pytest.approx(1.0)  # cosine starts at the base lr
    # 16 cosine iterations: t = 8 is the midpoint -> floor + (1 - floor) / 2
    assert s.lr_at(12, 1.0) == pytest.approx(0.1 + 0.9 * 0.5)
    assert s.lr_at(8, 1.0) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 4 / 16)))
    s2 = schedule(ScheduleConfig(epochs=2, policy="cosine", eta_min=0.01), iters_per_epoch=2)
    assert s2.lr_at(1, 0.1) == pytest.approx(0.01 + 0.09 * 0.5 * (1 + math.cos(math.pi / 4)))


def test_schedule_sets_every_param_group():
    model = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))
    opt = build_optimizer(model, OptimizerConfig(type="adamw", lr=0.1, zero_wd_norm_bias=True), lr=0.1)
    s = LRSchedule(opt, ScheduleConfig(epochs=3, policy="multistep", milestones=[1]), iters_per_epoch=2)
    s.step(2)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.01, 0.01])


@pytest.mark.parametrize("kind", ["sgd", "adamw"])
def test_cpu_optimizers_are_fused_and_step_as_torchs_loop(kind):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.LayerNorm(5))
    cfg = OptimizerConfig(type=kind, lr=0.1, weight_decay=0.01, zero_wd_norm_bias=True)
    fused = build_optimizer(model, cfg, lr=0.1)
    assert all(group["fused"] for group in fused.param_groups)
    twin = copy.deepcopy(model)
    groups = param_groups(twin, cfg, lr=0.1)
    loop = (
        torch.optim.SGD(groups, lr=0.1, momentum=cfg.momentum, foreach=False)
        if kind == "sgd"
        else torch.optim.AdamW(groups, lr=0.1, betas=cfg.betas, foreach=False)
    )
    for _ in range(3):  # the oracle: torch's per-tensor loop implementation on the same gradients
        for net, opt in ((model, fused), (twin, loop)):
            opt.zero_grad()
            net(torch.linspace(-1, 1, 12).view(2, 6)).square().sum().backward()
            opt.step()
    for a, b in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    meta = nn.Linear(2, 2, device="meta")  # no fused kernel there: torch's default loop
    assert not build_optimizer(meta, cfg, lr=0.1).param_groups[0]["fused"]


def test_param_groups_zero_wd_on_norms_and_biases():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2), nn.LayerNorm(2))
    decay, free = param_groups(model, OptimizerConfig(weight_decay=0.05, zero_wd_norm_bias=True), lr=0.1)
    names = {id(p): n for n, p in model.named_parameters()}
    assert sorted(names[id(p)] for p in decay["params"]) == ["0.weight", "2.weight"]
    assert sorted(names[id(p)] for p in free["params"]) == [
        "0.bias",
        "1.bias",
        "1.weight",
        "2.bias",
        "3.bias",
        "3.weight",
    ]
    assert (decay["weight_decay"], free["weight_decay"]) == (0.05, 0.0)
    (only,) = param_groups(model, OptimizerConfig(weight_decay=0.05), lr=0.1)
    assert len(only["params"]) == 8


def test_linear_scaling_rule():
    cfg = OptimizerConfig(lr=0.01, base_batch_size=256)
    assert scaled_lr(cfg, world_size=8, batch_size=32) == pytest.approx(0.01)
    assert scaled_lr(cfg, world_size=1, batch_size=8) == pytest.approx(0.01 * 8 / 256)
    assert scaled_lr(OptimizerConfig(lr=0.01, base_batch_size=64, accumulate_steps=4), 2, 8) == pytest.approx(0.01)
    assert scaled_lr(OptimizerConfig(lr=0.01), 8, 32) == 0.01  # no base batch size: no scaling


def test_train_sampler_partitions_global_batches_and_skips():
    one = TrainSampler(10, batch_size=4, seed=3)
    order = one.epoch_order(0).tolist()
    assert sorted(order) == list(range(10))
    assert [i for _, i in one] == order[:8]  # 2 full batches, the rest dropped
    ranks = [TrainSampler(10, 2, seed=3, rank=r, world_size=2) for r in (0, 1)]
    r0, r1 = ([i for _, i in s] for s in ranks)
    assert r0 == order[0:2] + order[4:6] and r1 == order[2:4] + order[6:8]
    one.set_epoch(1, skip_batches=1)
    assert [i for _, i in one] == one.epoch_order(1).tolist()[4:8] and len(one) == 4
    assert all(e == 1 for e, _ in one)
    assert one.epoch_order(1).tolist() != order


def test_shard_sampler_no_padding_no_duplicates():
    shards = [list(ShardSampler(7, r, 3)) for r in range(3)]
    assert shards == [[0, 3, 6], [1, 4], [2, 5]]


def test_metrics_through_the_test_path_by_hand(tmp_path):
    # 4 videos, 3 classes. argmax: 0, 2, 1, 1; labels 0, 1, 1, 2.
    scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.3, 0.4, 0.3]], np.float32)
    pred = Predictions(np.arange(4), scores, [0, 1, 1, 2])
    m = compute_metrics(pred, ["top_k_accuracy", "mean_class_accuracy"], [1, 2])
    assert m["top1"] == pytest.approx(2 / 4)
    # top-2 sets: {0,1}, {2,1}, {1,2}, {1, 0 or 2 (tie)} -> labels 0,1,1 hit; video 3's label 2 ties with 0
    assert m["top2"] in (pytest.approx(3 / 4), pytest.approx(1.0))
    # per class: class 0 1/1, class 1 1/2, class 2 0/1 -> mean (1 + .5 + 0) / 3
    assert m["mean1"] == pytest.approx(0.5)
    dump_scores(pred, tmp_path / "s.pkl")
    with open(tmp_path / "s.pkl", "rb") as f:
        dumped = pickle.load(f)
    assert isinstance(dumped, list) and len(dumped) == 4 and np.array_equal(dumped[1], scores[1])


def test_atomic_save_replaces_whole_files(tmp_path):
    path = tmp_path / "latest.pth"
    checkpointing.atomic_save({"x": torch.ones(3)}, path)
    checkpointing.atomic_save({"x": torch.zeros(3)}, path)
    assert torch.equal(checkpointing.read_training_checkpoint(path)["x"], torch.zeros(3))
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pth"]  # no temp files left
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.pth is empty"):
        checkpointing.read_training_checkpoint(tmp_path / "empty.pth")
    (tmp_path / "cut.pth").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="cut.pth is truncated"):
        checkpointing.read_training_checkpoint(tmp_path / "cut.pth")


def test_kill_during_save_leaves_the_old_checkpoint(tmp_path):
    """SIGKILL a process in the middle of writing a large checkpoint: the file is the old one, whole."""
    path = tmp_path / "latest.pth"
    checkpointing.atomic_save({"version": 1, "w": torch.ones(10)}, path)
    script = textwrap.dedent(f"""
        import os, sys, torch
        sys.path.insert(0, {os.getcwd()!r})
        from actionrec.engine import checkpointing
        real_save = torch.save
        def slow_save(obj, f):
            real_save(obj, f)
            f.flush()
            print("written", flush=True)
            import time; time.sleep(30)  # killed here: data on disk, not yet renamed
        torch.save = slow_save
        checkpointing.atomic_save({{"version": 2, "w": torch.zeros(2_000_000)}}, {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    ckpt = checkpointing.read_training_checkpoint(path)
    assert ckpt["version"] == 1 and torch.equal(ckpt["w"], torch.ones(10))


def test_rng_state_round_trip_is_weights_only_safe(tmp_path):
    import random

    state = checkpointing.rng_state()
    expected = (torch.rand(3), np.random.rand(3), random.random())
    checkpointing.atomic_save({"rng": state}, tmp_path / "r.pth")
    checkpointing.set_rng_state(checkpointing.read_training_checkpoint(tmp_path / "r.pth")["rng"])
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1]) and random.random() == expected[2]


def test_label_smoothing_and_bce_loss_by_hand():
    from actionrec.engine.trainer import compute_loss

    logits = torch.tensor([[2.0, 0.0, 0.0]])
    cfg = standin_config("unused", **{"train.label_smoothing": 0.3})
    logp = torch.log_softmax(logits, 1)[0]
    target = torch.tensor([1 - 0.3 + 0.1, 0.1, 0.1])  # (1 - eps) * onehot + eps / K
    assert compute_loss(cfg, logits, torch.tensor([0])).item() == pytest.approx(-(target * logp).sum().item(), rel=1e-6)
    cfg = standin_config("unused", **{"train.loss": "bce", "train.loss_weight": 160.0})
    y = torch.tensor([[1.0, 0.0, 1.0]])
    p = torch.sigmoid(logits)
    bce = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    assert compute_loss(cfg, logits, y).item() == pytest.approx(160 * bce.item(), rel=1e-5)


def test_short_training_learns_logs_and_checkpoints(tmp_path, monkeypatch, caplog):
    from actionrec.engine.logging import read_runs
    from actionrec.engine.trainer import train

    use_standin_data(monkeypatch.setattr, length=24)
    cfg = standin_config(str(tmp_path), **{"schedule.epochs": 4, "train.amp": "bf16", "train.log_interval": 1})
    with caplog.at_level("INFO", logger="actionrec.train"):
        state = train(cfg, device="cpu", progress=False)
    assert state.epoch == 4 and state.iteration == 4 * 6
    assert {p.name for p in tmp_path.glob("*.pth")} == {
        "latest.pth",
        "best.pth",
        "epoch_1.pth",
        "epoch_2.pth",
        "epoch_3.pth",
        "epoch_4.pth",
    }
    records = read_runs(tmp_path)
    val = [r for r in records if r["mode"] == "val"]
    assert len(val) == 4 and val[-1]["top1"] == 1.0  # a trivially separable task
    lrs = {r["iteration"]: r["lr"] for r in records if r["mode"] == "train" and "lr" in r}
    assert lrs[2] == pytest.approx(0.2) and lrs[24] == pytest.approx(0.02)  # milestone at epoch 2
    ckpt = checkpointing.read_training_checkpoint(tmp_path / "latest.pth")
    assert ckpt["epoch"] == 4 and ckpt["epoch_iteration"] == 0 and ckpt["config"]["optimizer"]["lr"] == 0.2
    # without progress bars the console still gets one line per epoch: its mean loss is that of the logged batches
    lines = [r.getMessage() for r in caplog.records if re.match(r"epoch \d/4: loss", r.getMessage())]
    assert len(lines) == 4
    for epoch, line in enumerate(lines, 1):
        losses = [r["loss"] for r in records if r["mode"] == "train" and r["epoch"] == epoch and "loss" in r]
        assert len(losses) == 6
        match = re.fullmatch(
            r"epoch \d/4: loss ([\d.]+) \(mean of 6 batches\), lr ([\d.e+-]+), [\d.]+ clips/s, \d+ s", line
        )
        assert match and float(match[1]) == pytest.approx(sum(losses) / 6, abs=1e-4), line


def test_non_finite_loss_stops_with_a_clear_message(tmp_path, monkeypatch):
    from actionrec.engine.trainer import NonFiniteLossError, train

    use_standin_data(monkeypatch.setattr)
    cfg = standin_config(str(tmp_path), **{"optimizer.lr": 1e30, "optimizer.momentum": 0.0, "schedule.epochs": 3})
    with pytest.raises(NonFiniteLossError, match=r"loss is (nan|inf) at epoch \d+, batch \d+ \(iteration \d+\)"):
        train(cfg, device="cpu", progress=False)


def test_train_test_plot_commands_on_real_videos(tmp_path, capsys):
    """The CLI on a few synthetic mp4s: train (one corrupt video skipped and counted); test with the
    config.json the run wrote and --dump/--out (checked against the dumped scores by hand); recognize
    with that config.json gives the same scores as test; plot."""
    from actionrec.cli import main
    from actionrec.data.synthetic import generate
    from actionrec.engine.logging import read_runs

    synth = tmp_path / "synth"
    generate(str(synth), videos_per_class=1, val_videos_per_class=1, workers=1)
    (synth / "videos" / "broken.mp4").write_bytes(b"")
    with open(synth / "train_list_videos.txt", "a") as f:
        f.write("broken.mp4 0\n")
    work = tmp_path / "work"
    options = [f"work_dir={str(work)!r}", "schedule.epochs=1", "train.val_interval=1"]
    for split, listing in (("train", "train"), ("val", "val"), ("test", "val")):
        options += [
            f"data.{split}.ann_file={str(synth / f'{listing}_list_videos.txt')!r}",
            f"data.{split}.root={str(synth / 'videos')!r}",
            f"data.{split}.batch_size=4",
            f"data.{split}.num_workers=0",
        ]
    options.append(f"data.label_map={str(synth / 'label_map.txt')!r}")
    config = "configs/demo/tsn_r18_synthetic.py"
    assert main(["train", config, "--no-progress", "--cfg-options", *options]) == 0
    records = read_runs(work)
    assert [r["skipped_samples"] for r in records if "skipped_samples" in r] == [1]
    assert len([r for r in records if r["mode"] == "val"]) == 1

    dump, out = tmp_path / "scores.pkl", tmp_path / "metrics.json"
    written = str(work / "config.json")  # every override above is in it
    assert (
        main(["test", written, str(work / "latest.pth"), "--dump", str(dump), "--out", str(out), "--no-progress"]) == 0
    )
    metrics = json.loads(out.read_text())
    with open(dump, "rb") as f:
        scores = pickle.load(f)
    labels = [int(line.split()[1]) for line in (synth / "val_list_videos.txt").read_text().splitlines()]
    assert len(scores) == len(labels) == metrics["num_samples"] == 12 and metrics["missing"] == []
    assert all(s.shape == (12,) and abs(float(s.sum()) - 1) < 1e-4 for s in scores)  # 'prob' averaging
    top1 = np.mean([int(np.argmax(s)) == y for s, y in zip(scores, labels)])
    assert metrics["top1"] == pytest.approx(top1)
    matrix = np.load(work / "confusion_matrix.npy")
    assert matrix.shape == (12, 12) and matrix.sum() == 12 and np.trace(matrix) == round(top1 * 12)
    first_video = (synth / "val_list_videos.txt").read_text().split()[0]
    capsys.readouterr()
    recognize = ["recognize", str(synth / "videos" / first_video), "--config", written, "--checkpoint"]
    assert main([*recognize, str(work / "latest.pth"), "--json", "--device", "cpu"]) == 0
    (recognized,) = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(recognized["scores"], scores[0], rtol=0, atol=1e-5)
    assert main(["plot", str(work)]) == 0
    assert {p.name for p in (work / "plots").iterdir()} == {
        "loss.png",
        "lr.png",
        "accuracy.png",
        "confusion_matrix.png",
    }


def test_a_split_concatenates_several_lists_each_with_its_root(tmp_path):
    """Kinetics-710 style: three lists, each relative to its own video folder, read as one dataset."""
    from actionrec.config import Config
    from actionrec.engine.data import build_dataset

    (tmp_path / "a.txt").write_text("x.mp4 0\ny.mp4 1\n")
    (tmp_path / "b.txt").write_text("z.mp4 2\n")
    pipeline = [
        dict(type="UniformSample", clip_len=2, test_mode=True),
        dict(type="DecordDecode"),
        dict(type="FormatShape", input_format="NCTHW"),
    ]
    split = dict(ann_file=[str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], root=["/ra", "/rb"], pipeline=pipeline)
    cfg = Config.from_dict(dict(model=dict(name="tsn_r18", num_classes=3), data=dict(num_classes=3, test=split)))
    dataset = build_dataset(cfg, "test", test_mode=True)
    assert [(s.path, s.label) for s in dataset.samples] == [("/ra/x.mp4", 0), ("/ra/y.mp4", 1), ("/rb/z.mp4", 2)]

    split["root"] = ["/ra"]
    with pytest.raises(ValueError, match="2 ann_file entries but 1 roots"):
        build_dataset(
            Config.from_dict(dict(model=dict(name="tsn_r18", num_classes=3), data=dict(num_classes=3, test=split))),
            "test",
            test_mode=True,
        )
