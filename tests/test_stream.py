"""Streaming recognition (`Recognizer.stream`, `actionrec.stream`), annotated videos, timelines and windowed JSON.

Expected windows are computed by hand from the made video's frame rate (frame i shows at i / 25 s);
expected scores come from recognising each window's frames as a whole clip (the non-windowed path,
which does not stream) on frames decoded by the test suite's own plain PyAV loop.
"""

from __future__ import annotations

import gc
import itertools
import json
import weakref

import av
import numpy as np
import pytest
import torch
from PIL import Image
from test_recognize import CLASSES, TSN_MODEL, TSN_TEST, UNI_MODEL, UNI_TEST, save_checkpoint, write_config
from video_factory import decode_all_frames_pyav, make_vfr_video, make_video, vfr_timestamps

from actionrec import annotate
from actionrec.annotate import WARMING_UP, AnnotatedVideo, draw_text_box
from actionrec.cli import main
from actionrec.data.decoders import open_video
from actionrec.data.synthetic import FPS as SYNTHETIC_FPS
from actionrec.data.synthetic import NUM_FRAMES as SYNTHETIC_FRAMES
from actionrec.data.synthetic import write_sequence
from actionrec.errors import ActionrecError
from actionrec.recognize import Recognizer, video_frames, window_spans
from actionrec.stream import StreamError, WindowCutter

torch.set_num_threads(1)
FPS, NUM_FRAMES, SIZE = 25, 60, (128, 160)  # 2.4 s
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("stream")
    labels = root / "labels.txt"
    labels.write_text("\n".join(CLASSES) + "\n")
    video = make_video(root / "clip.mp4", num_frames=NUM_FRAMES, size=SIZE, fps=FPS, gop=12)
    tsn_cfg = write_config(root / "tsn.py", TSN_MODEL, TSN_TEST, label_map=str(labels), average_clips="score")
    uni_cfg = write_config(root / "uni.py", UNI_MODEL, UNI_TEST, label_map=str(labels))
    tsn_ckpt = save_checkpoint(tsn_cfg, root / "tsn.pth", 0)
    uni_ckpt = save_checkpoint(uni_cfg, root / "uni.pth", 1)
    return dict(
        root=root,
        video=video,
        frames=decode_all_frames_pyav(video)[0],
        tsn_cfg=tsn_cfg,
        tsn_ckpt=tsn_ckpt,
        tsn=Recognizer.from_config(tsn_cfg, tsn_ckpt, device="cpu", progress=False),
        uni=Recognizer.from_config(uni_cfg, uni_ckpt, device="cpu", progress=False),
    )


def cut(times, window, stride=None, fps=None):
    """(first, count, start, end) of every window the cutter makes from frames at `times`."""
    cutter = WindowCutter(window, stride, fps)
    windows = [w for t in times for w in cutter.push(t, torch.zeros(1))] + cutter.finish()
    return [(w.first, len(w.frames), w.start, w.end) for w in windows]


# -- the window rule ---------------------------------------------------------------------------------------


def test_cutter_windows_by_hand():
    times = [i / 10 for i in range(10)]  # 10 frames at 10 fps: the stream lasts 1.0 s
    # [0, .4) [.4, .8) [.8, 1.0): the last lasts half a window: kept
    assert [w[:2] for w in cut(times, 0.4, fps=10)] == [(0, 4), (4, 4), (8, 2)]
    # [.9, 1.0) lasts 0.1 s < 0.15 s: dropped
    assert [w[:2] for w in cut(times, 0.3, fps=10)] == [(0, 3), (3, 3), (6, 3)]
    # stride > window: frames between windows belong to none
    assert [w[:2] for w in cut(times, 0.2, stride=0.5, fps=10)] == [(0, 2), (5, 2)]
    # a gap (variable frame rate): empty windows are left out; no fps: the end is the average spacing after
    gap = [0.0, 0.1, 0.2, 1.5, 1.6]  # average spacing 0.4 s: ends at 2.0 s, [1.6, 2.0) is a whole window
    assert [w[:2] for w in cut(gap, 0.4)] == [(0, 3), (3, 1), (4, 1)]


@pytest.mark.parametrize("seed", range(6))
def test_cutter_agrees_with_window_spans(seed):
    """The streaming cutter and the whole-file `window_spans` are two implementations of one rule."""
    rng = np.random.default_rng(seed)
    for _ in range(40):
        fps = float(rng.choice([10, 25, 29.97, 30]))
        steps = rng.choice([1, 1, 1, 2, 5], size=int(rng.integers(1, 120))) / fps  # with gaps
        times = (np.cumsum(steps) - steps[0] + rng.uniform(0, 3)).tolist()
        window = float(rng.choice([0.1, 0.4, 1.0, 2.0, 7.0]))
        stride = None if rng.random() < 0.3 else float(rng.choice([0.05, 0.3, 0.5, 1.0, 2.5])) * window
        expected = [(s.first, s.count, s.start, s.end) for s in window_spans(times, 1 / fps, window, stride)]
        got = cut(times, window, stride, fps)
        assert [g[:2] for g in got] == [e[:2] for e in expected], (times, window, stride)
        np.testing.assert_allclose([g[2:] for g in got], [e[2:] for e in expected], atol=1e-9)


def test_windows_come_out_as_soon_as_they_are_complete():
    cutter = WindowCutter(window=1.0, stride=0.8, fps=FPS)
    emitted_at = {}
    for i in range(NUM_FRAMES):
        for w in cutter.push(i / FPS, torch.zeros(1)):
            emitted_at[w.index] = i
    emitted_at.update({w.index: "end" for w in cutter.finish()})
    # [0, 1) completes when frame 25 (1.0 s) arrives, [0.8, 1.8) at frame 45; [1.6, 2.4) only at the end
    assert emitted_at == {0: 25, 1: 45, 2: "end"}


# -- stream vs whole-file windows ----------------------------------------------------------------------------


def whole_clip_scores(recognizer, frames):
    """The non-windowed path on one window's frames: the reference every windowed path must match."""
    return recognizer(frames).scores


@pytest.mark.parametrize("family", ["tsn", "uni"])
def test_stream_file_windows_and_whole_clips_agree(assets, family):
    recognizer, frames = assets[family], assets["frames"]
    spans = [(0.0, 1.0, 0, 25), (0.8, 1.8, 20, 45), (1.6, 2.4, 40, 60)]  # frame i at i / 25 s
    from_file = recognizer(assets["video"], window=1.0, stride=0.8)
    bare = (f.permute(1, 2, 0).numpy() for f in frames)  # numpy (H, W, C), timed index / fps
    streamed = list(recognizer.stream(bare, window=1.0, stride=0.8, fps=FPS))
    paired = list(recognizer.stream(video_frames(assets["video"]), window=1.0, stride=0.8, fps=FPS))
    assert len(from_file) == len(streamed) == len(paired) == 3
    for (start, end, first, stop), *results in zip(spans, from_file, streamed, paired):
        expected = whole_clip_scores(recognizer, frames[first:stop])
        for result in results:
            assert (result.start, result.end) == (pytest.approx(start), pytest.approx(end))
            np.testing.assert_allclose(result.scores, expected, rtol=1e-5, atol=1e-6)
    # the windows see different frames: their scores differ beyond the tolerance above
    assert not np.allclose(streamed[0].scores, streamed[2].scores, rtol=1e-5, atol=1e-6)


def test_stream_on_variable_frame_rate_pairs(assets, tmp_path):
    video = make_vfr_video(tmp_path / "vfr.mp4", num_frames=40, size=(64, 80))
    times = vfr_timestamps(40)  # computed independently of any decoder
    frames = decode_all_frames_pyav(video)[0]
    recognizer = assets["tsn"]
    results = list(recognizer.stream(zip(times, frames), window=0.5, fps=25))
    # the last frame shows at 1.65 s, the stream ends at 1.69 s: [1.5, 1.69) is under half a window
    bounds = np.searchsorted(times, [r.start - 1e-6 for r in results] + [results[-1].end - 1e-6])
    assert [r.start for r in results] == pytest.approx([0.0, 0.5, 1.0])
    for result, first, stop in zip(results, bounds[:-1], bounds[1:]):
        np.testing.assert_allclose(
            result.scores, whole_clip_scores(recognizer, frames[first:stop]), rtol=1e-5, atol=1e-6
        )
    from_file = recognizer(video, window=0.5)
    np.testing.assert_allclose([r.scores for r in from_file], [r.scores for r in results], rtol=1e-5, atol=1e-6)


# -- bounded memory ------------------------------------------------------------------------------------------


def test_cutter_holds_at_most_one_window():
    cutter = WindowCutter(window=1.0, stride=0.4, fps=FPS)
    peak = 0
    for i in range(2000):
        cutter.push(i / FPS, torch.zeros(1))
        peak = max(peak, cutter.buffered)
    assert peak == FPS  # one window of frames: the pushed frame completes the oldest window first


def test_stream_of_an_endless_source_keeps_only_the_open_window(assets):
    alive, pulled = [], []

    def camera():
        for i in itertools.count():
            frame = torch.full((3, 64, 80), i % 256, dtype=torch.uint8)
            alive.append(weakref.ref(frame))
            pulled.append(i)
            yield frame

    held = []
    results = assets["tsn"].stream(camera(), window=1.0, stride=0.5, fps=FPS)
    for result in itertools.islice(results, 8):
        gc.collect()
        held.append(sum(ref() is not None for ref in alive))
        assert result.end <= pulled[-1] / FPS + 1e-6  # yielded once its end has arrived, not later
    results.close()
    # window k ends at 0.5 k + 1 s: the 8th (k = 7) ends at 4.5 s, completed by frame 113 (4.52 s); nothing beyond
    assert pulled[-1] == 113
    assert max(held) <= FPS + 1  # the open window and the frame just pulled, never the whole stream


# -- the frame contract --------------------------------------------------------------------------------------


def test_stream_input_errors_name_the_frame_and_the_fix(assets):
    recognizer = assets["tsn"]
    frame = np.zeros((64, 80, 3), np.uint8)

    def run(items, **kwargs):
        return list(recognizer.stream(items, window=1.0, **kwargs))

    with pytest.raises(StreamError, match=r"bare frames need fps="):
        run([frame])
    with pytest.raises(StreamError, match=r"stream item 1: .*do not mix"):
        run([(0.0, frame), frame], fps=FPS)
    with pytest.raises(StreamError, match=r"stream item 1: time 0.0 s does not follow .*must increase"):
        run([(0.0, frame), (0.0, frame)])
    with pytest.raises(StreamError, match=r"stream frame 0: expected a uint8 numpy array \(H, W, C\).*channels-first"):
        run([np.zeros((3, 64, 80), np.uint8)], fps=FPS)
    with pytest.raises(StreamError, match=r"stream frame 0: .*dtype float32"):
        run([frame.astype(np.float32)], fps=FPS)
    with pytest.raises(StreamError, match=r"stream frame 2: shape .* differs from frame 0's"):
        run([frame, frame, np.zeros((32, 80, 3), np.uint8)], fps=FPS)
    with pytest.raises(StreamError, match="positive"):
        run([frame], fps=FPS, stride=0.0)
    assert issubclass(StreamError, ActionrecError)


def test_iterating_a_file_gives_every_frame_once_with_its_pts(assets, tmp_path):
    frames, times = decode_all_frames_pyav(assets["video"])
    for backend in ("pyav", "torchcodec"):
        try:
            pairs = list(video_frames(assets["video"], backend=backend))
        except ImportError:
            assert backend == "torchcodec"  # an optional backend whose FFmpeg libraries are absent
            continue
        assert [t for t, _ in pairs] == pytest.approx(times)
        assert torch.equal(torch.stack([f for _, f in pairs]), frames)
    with open_video(assets["video"], "pyav") as reader:  # a consumer that stops early closes the decoder
        first = list(itertools.islice(reader.iter_frames(), 3))
        assert torch.equal(torch.stack(first), frames[:3])


# -- annotated video, timeline and JSON from the command line -------------------------------------------------


def test_drawing_changes_the_top_left_corner_only():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(240, 320, 3), dtype=np.uint8)
    drawn = draw_text_box(frame, ["archery: 0.91", "bowling: 0.05", "cycling: 0.02"])
    changed = np.argwhere((drawn != frame).any(axis=2))
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    assert top <= 5 and left <= 5  # in the corner
    assert bottom < 240 / 2 and right < 320 / 2  # and within its quarter of the frame
    assert len(changed) > 0.8 * (bottom - top + 1) * (right - left + 1)  # a box, not stray pixels
    assert drawn[top : bottom + 1, left : right + 1].mean() < frame[top : bottom + 1, left : right + 1].mean()


def test_a_line_too_wide_for_the_frame_loses_the_end_of_its_class_name():
    width_of = len  # one "pixel" per character, so the expected cut is countable by hand
    assert annotate._fit("archery: 0.91", 16, width_of) == "archery: 0.91"
    assert annotate._fit("rotating_counterclockwise: 0.02", 16, width_of) == "rotating_\u2026: 0.02"
    assert annotate._fit("(warming up)", 6, width_of) == "(warm\u2026"
    grey = np.full((96, 128, 3), 128, np.uint8)
    narrow = draw_text_box(grey, ["rotating_counterclockwise: 0.02"])
    assert (narrow[:, -2:] == 128).all()  # the shortened line's box ends before the right edge
    assert (narrow[:, :20] != 128).any()


def test_each_frame_shows_the_latest_window_ended_by_its_time(assets, tmp_path, monkeypatch):
    shown = []
    original = annotate.draw_text_box
    monkeypatch.setattr(annotate, "draw_text_box", lambda frame, lines: shown.append(lines) or original(frame, lines))
    annotated = AnnotatedVideo(tmp_path / "a.mp4", topk=2)
    results = []
    for result in assets["tsn"].windows(assets["video"], window=1.0, stride=0.8, tap=annotated.tap):
        annotated.show(result)
        results.append(result)
    annotated.close()
    top = [[f"{name}: {score:.2f}" for name, score in r.topk(2)] for r in results]
    # windows end at 1.0 s (frame 25) and 1.8 s (frame 45); the last ends with the video, shown on no frame
    assert shown == [[WARMING_UP]] * 25 + [top[0]] * 20 + [top[1]] * 15


def test_cli_writes_annotated_video_timeline_and_json(assets, tmp_path, capsys):
    out_video, timeline = tmp_path / "annotated.mp4", tmp_path / "timeline.png"
    args = ["recognize", str(assets["video"]), "--config", str(assets["tsn_cfg"]), "--checkpoint"]
    args += [str(assets["tsn_ckpt"]), "--window", "1", "--stride", "0.8", "--topk", "3", "--device", "cpu"]
    args += ["--out-video", str(out_video), "--timeline", str(timeline), "--json", "--no-progress"]
    assert main(args) == 0

    # JSON: one document per video, one record per window, the documented schema
    (document,) = json.loads(capsys.readouterr().out)
    assert document["video"] == str(assets["video"])
    windows = document["windows"]
    assert [(w["start"], w["end"]) for w in windows] == [
        pytest.approx((0.0, 1.0)),
        pytest.approx((0.8, 1.8)),
        pytest.approx((1.6, 2.4)),
    ]
    expected = assets["tsn"](assets["video"], window=1.0, stride=0.8)
    for record, result in zip(windows, expected, strict=True):
        assert {"source", "start", "end", "topk", "labels", "scores"} <= record.keys()
        assert [t["label"] for t in record["topk"]] == [name for name, _ in result.topk(3)]
        assert all(isinstance(t["label"], str) and isinstance(t["score"], float) for t in record["topk"])
        assert [t["score"] for t in record["topk"]] == sorted((t["score"] for t in record["topk"]), reverse=True)
        assert record["labels"] == CLASSES and sum(record["scores"]) == pytest.approx(1.0, abs=1e-5)

    # the annotated video: every source frame, the source frame rate, H.264, no audio
    with open_video(out_video, "pyav") as reader:
        assert reader.num_frames == NUM_FRAMES and reader.fps == pytest.approx(FPS)
        decoded = reader.read(range(NUM_FRAMES))
    with av.open(str(out_video)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert len(container.streams.audio) == 0
    source = assets["frames"]
    height, width = SIZE
    labels = {0: [WARMING_UP], 30: [f"{name}: {score:.2f}" for name, score in expected[0].topk(3)]}
    for index, lines in labels.items():  # frame 0 before window 0 ends (1.0 s); frame 30 (1.2 s) after
        drawn = torch.from_numpy(draw_text_box(source[index].permute(1, 2, 0).numpy(), lines)).permute(2, 0, 1)
        assert (decoded[index].float() - drawn.float()).abs().mean() < 3  # the drawn frame, up to re-encoding
        difference = (decoded[index].float() - source[index].float()).abs().mean(dim=0)
        assert difference[:12, :50].mean() > 20  # the text box in the corner
        elsewhere = torch.cat([difference[height // 2 :].flatten(), difference[:, width // 2 :].flatten()])
        assert elsewhere.mean() < 3  # re-encoding noise only

    # the timeline: a real picture, not one colour
    data = timeline.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    image = np.asarray(Image.open(timeline).convert("RGB"))
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20


def test_cli_jsonl_prints_each_window_as_it_is_done(assets, capsys, monkeypatch):
    from actionrec.recognize import Recognizer

    printed_before = []  # lines on stdout when the stream produced each window
    windows = Recognizer.windows

    def watched(self, *args, **kwargs):
        for result in windows(self, *args, **kwargs):
            printed_before.append(capsys.readouterr().out)
            yield result

    monkeypatch.setattr(Recognizer, "windows", watched)
    args = ["recognize", str(assets["video"]), "--config", str(assets["tsn_cfg"]), "--checkpoint"]
    args += [str(assets["tsn_ckpt"]), "--window", "1", "--stride", "0.8", "--topk", "3", "--device", "cpu"]
    assert main([*args, "--jsonl", "--no-progress"]) == 0
    rest = capsys.readouterr().out
    # window k's line was on stdout before window k+1 was computed: a live feed, not a final dump
    assert [len(out.splitlines()) for out in printed_before] == [0, 1, 1]
    records = [json.loads(line) for line in "".join([*printed_before, rest]).splitlines()]
    expected = assets["tsn"](assets["video"], window=1.0, stride=0.8)
    assert len(records) == len(expected) == 3
    for record, result in zip(records, expected, strict=True):
        assert record["video"] == str(assets["video"])
        assert (record["start"], record["end"]) == pytest.approx((result.start, result.end))
        assert [t["label"] for t in record["topk"]] == [name for name, _ in result.topk(3)]
    assert main([*args, "--jsonl", "--json"]) == 2
    assert "choose one" in capsys.readouterr().err


def test_cli_annotation_options_need_a_window_and_one_video(assets, tmp_path, capsys):
    base = ["recognize", str(assets["video"]), "--config", str(assets["tsn_cfg"]), "--checkpoint"]
    base += [str(assets["tsn_ckpt"]), "--device", "cpu"]
    assert main([*base, "--out-video", str(tmp_path / "a.mp4")]) == 2
    assert "--out-video needs --window" in capsys.readouterr().err
    two = [base[0], str(assets["video"]), *base[1:]]
    assert main([*two, "--window", "1", "--timeline", str(tmp_path / "t.png")]) == 2
    assert "--timeline writes one file: give one VIDEO, got 2" in capsys.readouterr().err


def test_synthetic_sequence_plays_the_classes_in_turn(tmp_path):
    spans = write_sequence(str(tmp_path / "long.mp4"), ["static_ring", "moving_left", "growing"])
    length = SYNTHETIC_FRAMES / SYNTHETIC_FPS
    assert spans == [
        ("static_ring", 0.0, pytest.approx(length)),
        ("moving_left", pytest.approx(length), pytest.approx(2 * length)),
        ("growing", pytest.approx(2 * length), pytest.approx(3 * length)),
    ]
    with open_video(tmp_path / "long.mp4", "pyav") as reader:
        assert reader.num_frames == 3 * SYNTHETIC_FRAMES and reader.fps == pytest.approx(SYNTHETIC_FPS)
    with pytest.raises(ValueError, match="unknown synthetic classes"):
        write_sequence(str(tmp_path / "x.mp4"), ["dancing"])
