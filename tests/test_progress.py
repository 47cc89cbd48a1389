"""Progress: a live bar on a terminal, whole lines every N seconds in a log; recognition and downloads use it."""

from __future__ import annotations

import importlib
import io

import pytest
import torch
from tqdm import tqdm
from video_factory import make_video

from actionrec.build import build_model
from actionrec.config import load_config
from actionrec.progress import LineProgress, progress_bar

recognize_module = importlib.import_module("actionrec.recognize")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_whole_lines_at_most_every_interval(monkeypatch):
    log = io.StringIO()
    monkeypatch.setenv("ACTIONREC_PROGRESS_INTERVAL", "1000")
    with progress_bar(total=100, desc="work", unit="view", file=log) as bar:
        assert isinstance(bar, LineProgress)
        for _ in range(100):
            bar.update(1)
    text = log.getvalue()
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    # the start, then nothing for 1000 s, then the final count when it closes
    assert len(lines) == 2 and lines[0].startswith("work: 0/100 view (0%)")
    assert lines[1].startswith("work: 100/100 view (100%), ")


def test_every_update_is_a_line_with_interval_zero(monkeypatch):
    log = io.StringIO()
    monkeypatch.setenv("ACTIONREC_PROGRESS_INTERVAL", "0")
    with progress_bar(total=3, desc="d", unit="file", file=log) as bar:
        for _ in range(3):
            bar.update(1)
    assert [line.split(",")[0] for line in log.getvalue().splitlines()] == [
        "d: 0/3 file (0%)",
        "d: 1/3 file (33%)",
        "d: 2/3 file (67%)",
        "d: 3/3 file (100%)",
    ]


def test_a_terminal_gets_tqdms_live_bar():
    screen = Terminal()
    with progress_bar(total=3, desc="live", file=screen) as bar:
        assert type(bar) is tqdm
        bar.update(3)
    assert "\r" in screen.getvalue()


def test_nothing_is_shown_for_short_work_or_when_disabled():
    log = io.StringIO()
    with progress_bar(total=3, desc="quick", file=log, delay=60) as bar:
        bar.update(3)
    with progress_bar(total=3, desc="off", file=log, disable=True) as bar:
        bar.update(3)
    assert log.getvalue() == ""


# -- recognition: decoding, then views done / total ---------------------------------------------------


TSN = dict(name="tsn_timm", arch="resnet18", num_classes=4, channels=(8, 16, 32, 64), stem_width=8)
PIPELINE = [
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 40)),
    dict(type="ThreeCrop", crop_size=40),
    dict(type="FormatShape", input_format="NCHW"),
]


@pytest.fixture
def tiny(tmp_path):
    config = tmp_path / "tiny.py"
    test = dict(ann_file="never_read.txt", pipeline=PIPELINE)
    config.write_text(f"model = {TSN!r}\ndata = {dict(num_classes=4, test=test)!r}\n")
    checkpoint = tmp_path / "tiny.pth"
    torch.save(build_model(load_config(config).model).state_dict(), checkpoint)
    return config, checkpoint, make_video(tmp_path / "clip.mp4", num_frames=50)


def test_recognition_reports_decoding_and_views(tiny, capsys, monkeypatch):
    config, checkpoint, video = tiny
    monkeypatch.setattr(recognize_module, "_PROGRESS_DELAY_S", 0)
    monkeypatch.setenv("ACTIONREC_PROGRESS_INTERVAL", "0")
    recognizer = recognize_module.Recognizer.from_config(config, checkpoint, device="cpu", label_map=list("abcd"))
    recognizer(video)
    lines = capsys.readouterr().err.splitlines()
    # 3 segments x 3 crops = 9 views, scored in steps; the last line says all are done and how decoding went
    assert lines[-1].startswith("clip.mp4: 9/9 view (100%)") and "decoded in" in lines[-1]
    assert lines[0].startswith("clip.mp4: 0 view") and lines[0].endswith("decoding 3 frames")
    assert "\r" not in "".join(lines)

    windows = recognizer(video, window=1.0)  # 50 frames at 25 fps: two windows of 9 views
    assert len(windows) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("clip.mp4: 18/18 view (100%)")


def test_quick_recognition_prints_nothing(tiny, capsys):
    config, checkpoint, video = tiny
    recognizer = recognize_module.Recognizer.from_config(config, checkpoint, device="cpu", label_map=list("abcd"))
    recognizer(video)  # well under the delay: silent
    assert capsys.readouterr().err == ""
