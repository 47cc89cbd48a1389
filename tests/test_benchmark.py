"""`actionrec benchmark`: when timing stops, what memory is measured, bf16 detection, labelled batches."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from video_factory import make_video

from actionrec import hardware
from actionrec.cli import main
from actionrec.engine import benchmark
from actionrec.engine.benchmark import PeakMemory, StopRule, relative_ci95

TINY_TSN = dict(
    name="tsn_timm", arch="resnet18", num_classes=3, channels=(8, 16, 32, 64), stem_width=8, pretrained=False
)
TEST_PIPELINE = [
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=2, test_mode=True),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 40)),
    dict(type="CenterCrop", crop_size=32),
    dict(type="FormatShape", input_format="NCHW"),
]


# -- bf16: read, not assumed ---------------------------------------------------------------------------


@pytest.mark.parametrize("flags, native", [({"avx2", "avx512f"}, False), ({"avx2", "avx512_bf16", "amx_bf16"}, True)])
def test_bf16_is_timed_by_default_only_where_the_cpu_flags_say_it_is_native(
    flags, native, tiny_config, capsys, monkeypatch
):
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset(flags))
    argv = ["benchmark", str(tiny_config), "--device", "cpu", "--no-end-to-end", "--min-runs", "2"]
    assert main([*argv, "--warmup", "0", "--max-seconds", "0.5"]) == 0
    printed = capsys.readouterr().out
    assert f"bf16 hardware: {'yes' if native else 'no'} (cpu: " in printed
    assert ("model only, bf16, batch 1: " in printed) is native
    assert ("bf16 not timed (no bf16 hardware)" in printed) is not native


# -- when timing stops ------------------------------------------------------------------------------------


def test_relative_ci95_by_hand():
    # mean 2, sample stdev 1, n 3: t(0.975, 2) = 4.303 -> 4.303 * 1 / sqrt(3) / 2
    assert relative_ci95([1.0, 2.0, 3.0]) == pytest.approx(4.303 / math.sqrt(3) / 2)
    assert relative_ci95([5.0]) == math.inf


class FakeClock:
    """perf_counter that only moves when a 'run' says how long it took."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_timing_stops_at_the_target_or_the_cap(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(benchmark.time, "perf_counter", clock)

    def steady():
        clock.now += 0.5
        return 2  # two videos per run: 0.25 s per video

    per_video, counts, why = benchmark._time_runs(steady, StopRule(min_runs=5, target=0.05), lambda: None)
    assert (why, len(per_video), counts) == ("target", 5, [2] * 5) and per_video == [0.25] * 5

    durations = iter([1.0, 3.0] * 100)

    def noisy():
        clock.now += next(durations)
        return 1

    per_video, _, why = benchmark._time_runs(noisy, StopRule(min_runs=5, target=0.05, max_seconds=20), lambda: None)
    # 1, 3, 1, 3, ... s: the interval never closes; the cap (20 s) is passed after 10 runs (20 s)
    assert why == "time cap" and len(per_video) == 10

    left = iter([1, 1, 0])

    def short_data():
        clock.now += 1.0
        return next(left)

    per_video, _, why = benchmark._time_runs(short_data, StopRule(min_runs=5), lambda: None)
    assert why == "data" and len(per_video) == 2


# -- memory per mode, not the process's lifetime peak -----------------------------------------------------


def test_cpu_peak_memory_is_per_mode():
    cpu = torch.device("cpu")
    with PeakMemory(cpu) as big:
        block = np.ones(200 * 2**20, dtype=np.uint8)  # 200 MiB, written: resident
        del block
    with PeakMemory(cpu) as small:
        block = np.ones(2 * 2**20, dtype=np.uint8)
        del block
    assert big.method.startswith("CPU: ")
    assert big.growth_mb >= 190
    assert small.growth_mb < 100  # the 200 MiB of the mode before are not this mode's peak
    assert small.peak_mb < big.peak_mb


# -- the command: batches labelled, figures with their interval ----------------------------------------


@pytest.fixture
def tiny_config(tmp_path):
    """A small TSN whose test split reads 10 made videos in batches of 2."""
    videos = [make_video(tmp_path / f"v{i}.mp4", num_frames=12) for i in range(10)]
    (tmp_path / "test.txt").write_text("".join(f"{v.name} {i % 3}\n" for i, v in enumerate(videos)))
    test_split = dict(ann_file=str(tmp_path / "test.txt"), root=str(tmp_path), batch_size=2, num_workers=0)
    config = tmp_path / "tiny.py"
    config.write_text(
        f"model = {TINY_TSN!r}\ndata = {dict(num_classes=3, test=dict(test_split, pipeline=TEST_PIPELINE))!r}\n"
    )
    return config


def test_cli_labels_batches_and_prints_what_it_measured(tiny_config, tmp_path, capsys):
    config = tiny_config
    out = tmp_path / "bench.json"
    argv = ["benchmark", str(config), "--device", "cpu", "--amp", "fp32", "--batch", "3", "--min-runs", "2"]
    assert main([*argv, "--warmup", "1", "--max-seconds", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "device: cpu" in printed and "one video = (2, 3, 32, 32) uint8" in printed
    assert printed.count("bf16 hardware: ") == 1
    # the timed model is the one `actionrec test` runs: the tiny TSN's BatchNorms folded, its head's linear fused
    assert "model as tests run it: BatchNorm folded, 1 linears fused" in printed
    assert "model only, fp32, batch 3: " in printed
    assert "end to end, fp32, batch 2: " in printed and "0 loader workers" in printed
    results = json.loads(out.read_text())
    assert results["graph"] == "BatchNorm folded, 1 linears fused"
    model_only, end_to_end = results["runs"]
    assert model_only["batch"] == 3 and end_to_end["batch"] == 2
    assert model_only["runs"] >= 2 and model_only["stopped_by"] in ("target", "time cap")
    # 10 videos in batches of 2: 2 warm-up batches, then at most the 3 left are timed
    assert 2 <= end_to_end["runs"] <= 3 and end_to_end["stopped_by"] in ("target", "time cap", "data")
    assert model_only["memory_measured"] == end_to_end["memory_measured"]
    assert f"memory measured as: {model_only['memory_measured']}" in printed
