"""Bad and tricky inputs never pass silently (issue 14): videos, frame folders, annotation lists,
metrics and transforms.

Every input is generated here (PyAV, the ffmpeg command-line tool, torchvision's JPEG writer), and
every expectation comes from outside the code under test: the frame index painted into each picture
(``video_factory``), FFmpeg's own decode, or a hand computation written next to the assertion.
The rule checked throughout: a bad input gives an error naming the file (and line, frame or key)
and what was expected, or, inside a dataset, is skipped and counted, never wrong data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader
from video_factory import (
    cut_inside_packet,
    decode_all_frames_ffmpeg,
    make_frame_folder,
    make_mkv_video,
    make_mpegts_video,
    make_rotated_video,
    make_vfr_video,
    make_video,
    read_index,
    write_frame_image,
)

from actionrec.cli import main
from actionrec.data.annotations import AnnotationError, Sample, load_json_list, load_rawframe_list, load_video_list
from actionrec.data.datasets import EpochSampler, Pipeline, RawframeDataset, SkipCounter, Skipped, VideoDataset, collate
from actionrec.data.decoders import (
    FlowFolderReader,
    FrameFolderReader,
    VideoDecodeError,
    available_backends,
    open_video,
)
from actionrec.data.transforms import Clip, Flip, FrameSizeError, Resize, build_transforms
from actionrec.errors import ActionrecError
from actionrec.metrics import (
    MetricError,
    confusion_matrix,
    evaluate,
    mean_average_precision,
    mean_class_accuracy,
    mmit_mean_average_precision,
    top_k_accuracy,
)

BACKENDS = available_backends()
HAS_DECORD = "decord" in BACKENDS


def _pipeline(*middle: dict, num_clips: int = 3, test_mode: bool = True, decoder: str = "DecordDecode") -> Pipeline:
    """Sampling (clip_len 1), optional transforms, NCHW: frames keep their painted codes unless resized."""
    return Pipeline.from_mmaction(
        [
            dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=num_clips, test_mode=test_mode),
            dict(type=decoder),
            *middle,
            dict(type="FormatShape", input_format="NCHW"),
        ]
    )


# =========================================================================================== videos


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, torch.Tensor]]:
    """The same 64x80 (h x w) landscape video tagged "rotate 90" and "rotate 270", with FFmpeg's display."""
    folder = tmp_path_factory.mktemp("rotated")
    upright = make_video(folder / "upright.mp4", num_frames=24, gop=12)
    videos = {}
    for rotate in (90, 270):
        path = make_rotated_video(upright, folder / f"rotate{rotate}.mp4", rotate)
        videos[rotate] = (path, decode_all_frames_ffmpeg(path))
    return videos


def test_rotation_oracle_tells_the_two_directions_apart(rotated: dict) -> None:
    """Guards the oracle: FFmpeg shows both files in portrait, and the two directions differ everywhere."""
    (_, shown_90), (_, shown_270) = rotated[90], rotated[270]
    assert shown_90.shape == shown_270.shape == (24, 3, 80, 64)
    assert (shown_90.float() - shown_270.float()).abs().mean() > 20


@pytest.mark.parametrize("rotate", [90, 270])
@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_rotation_metadata_is_applied_on_every_backend(backend: str, rotate: int, rotated: dict) -> None:
    """One policy: frames come out as displayed (the display matrix applied), as FFmpeg shows them."""
    path, shown = rotated[rotate]
    indices = [0, 13, 23, 5, 5]
    with open_video(path, backend=backend) as reader:
        frames = reader.read(indices)
    assert frames.shape == (5, 3, 80, 64)
    assert (frames.int() - shown[indices].int()).abs().max() <= 2


@pytest.mark.skipif(not HAS_DECORD, reason="decord is an optional backend (installed by the test extra)")
def test_decord_refuses_streams_where_its_random_access_lands_on_wrong_frames(tmp_path: Path) -> None:
    import decord

    hevc_open_gop = make_video(tmp_path / "hevc_open_gop.mp4", num_frames=60, gop=30, codec="libx265", open_gop=True)
    mpegts = make_mpegts_video(make_video(tmp_path / "h264.mp4", num_frames=60, gop=12), tmp_path / "h264.ts")
    # The premise, seen through decord itself: a fresh reader asked for frame 30 shows another frame.
    for path in (hevc_open_gop, mpegts):
        assert read_index(decord.VideoReader(str(path)).get_batch([30]).asnumpy()[0]) != 30
        with pytest.raises(VideoDecodeError) as caught:
            open_video(path, backend="decord")
        message = str(caught.value)
        assert str(path) in message and "random access" in message and "backend='torchcodec' or 'pyav'" in message


@pytest.mark.skipif(not HAS_DECORD, reason="decord is an optional backend (installed by the test extra)")
def test_decord_is_frame_exact_on_the_files_it_accepts(tmp_path: Path) -> None:
    """What the decoders docstring promises: H.264 (closed or open GOP) and closed-GOP HEVC in mp4 and mkv,
    variable frame rate mp4."""
    h264 = make_video(tmp_path / "h264.mp4", num_frames=48, gop=12)
    h264_open_gop = make_video(tmp_path / "h264_open_gop.mp4", num_frames=48, gop=12, open_gop=True)
    hevc = make_video(tmp_path / "hevc.mp4", num_frames=48, gop=12, codec="libx265")
    accepted = [h264, h264_open_gop, hevc, make_vfr_video(tmp_path / "vfr.mp4", num_frames=48, gop=12)]
    accepted += [make_mkv_video(path, path.with_suffix(".mkv")) for path in (h264, h264_open_gop, hevc)]
    for path in accepted:
        for index in range(48):  # a fresh reader per frame: every read is a seek
            with open_video(path, backend="decord") as reader:
                assert read_index(reader.read([index])[0]) == index, (path, index)


@pytest.fixture(scope="module")
def cut_videos(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, int]]:
    """Downloads that stopped inside the packet at various decode positions (P and B pictures)."""
    folder = tmp_path_factory.mktemp("cut")
    large = make_video(folder / "large.mp4", num_frames=120, size=(128, 160), gop=30, faststart=True)
    small = make_video(folder / "small.mp4", num_frames=120, gop=12, faststart=True)
    cuts = [(large, p) for p in (13, 40, 41, 42, 88)]
    cuts += [(small, p) for p in (87, 92)]  # torchcodec used to return frame 87 for 86 (91 -> 92)
    return [(cut_inside_packet(whole, folder / f"{whole.stem}_cut_at_{p}.mp4", p), p) for whole, p in cuts]


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_a_truncated_file_never_yields_stale_or_damaged_frames(backend: str, cut_videos: list) -> None:
    """The header promises 120 frames; only the frames that really decode are counted, each one right,
    and asking past them names the file, the truncation and the first missing frame."""
    for path, cut_position in cut_videos:
        try:
            reader = open_video(path, backend=backend)
        except VideoDecodeError as refused:  # decord cannot count a truncated file: it refuses it
            assert backend == "decord" and str(path) in str(refused) and "truncated" in str(refused)
            continue
        with reader:
            count = reader.num_frames
            for index in range(count):  # a fresh seek for each: never a neighbouring or half-decoded frame
                assert read_index(reader.read([index])[0]) == index, (path, index)
            assert [read_index(f) for f in reader.read(list(range(count)))] == list(range(count))
            # every frame shown before the damaged packet's decode time is kept (2 B-frames: at most 3 lost)
            assert cut_position - 3 <= count < cut_position + 1
            with pytest.raises(IndexError) as caught:
                reader.read([count])
        message = str(caught.value)
        assert str(path) in message and "truncated" in message and f"frame {count}" in message and "120" in message


@pytest.mark.parametrize("backend", ["auto", *BACKENDS])
def test_symlink_loops_and_dangling_links_are_reported_as_such(backend: str, tmp_path: Path) -> None:
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling.mp4"
    dangling.symlink_to(tmp_path / "gone.mp4")
    with pytest.raises(VideoDecodeError) as caught:
        open_video(loop, backend=backend)
    assert str(caught.value) == f"{loop}: symbolic link loop"
    with pytest.raises(VideoDecodeError) as caught:
        open_video(dangling, backend=backend)
    assert str(caught.value) == f"{dangling}: dangling symbolic link to {tmp_path / 'gone.mp4'}"


def test_frame_folder_and_annotation_links_are_reported_as_such(tmp_path: Path) -> None:
    loop = tmp_path / "frames"
    loop.symlink_to(loop)
    with pytest.raises(VideoDecodeError, match="symbolic link loop"):
        FrameFolderReader(loop)
    listed = tmp_path / "list.txt"
    listed.symlink_to(tmp_path / "moved.txt")
    with pytest.raises(FileNotFoundError, match=f"{listed}: dangling symbolic link"):
        load_video_list(listed)


def test_resize_refuses_frames_above_the_pixel_budget() -> None:
    """A 4000x2 (w x h) strip resized to short side 256 would be 512000x256 = 131M pixels per frame."""
    strip = Clip(torch.zeros(1, 3, 2, 4000, dtype=torch.uint8), clip_len=1, num_clips=1)
    with pytest.raises(FrameSizeError) as caught:
        Resize((-1, 256), max_pixels=1 << 20)(strip)
    message = str(caught.value)
    assert "4000x2" in message and "512000x256" in message and "1048576" in message
    with pytest.raises(FrameSizeError, match="512000x256"):
        Resize((-1, 256))(strip)  # the default budget (33.5M pixels) refuses it too
    normal = Clip(torch.zeros(1, 3, 240, 320, dtype=torch.uint8), clip_len=1, num_clips=1)
    assert Resize((-1, 256))(normal).frames.shape == (1, 3, 256, 341)  # 320 * 256 / 240 = 341.3 -> 341


def test_an_extreme_aspect_ratio_sample_is_skipped_naming_file_and_size(tmp_path: Path) -> None:
    folder = tmp_path / "strip"
    folder.mkdir()
    for number in (1, 2, 3):
        write_frame_image(folder / f"img_{number:05d}.jpg", number - 1, size=(16, 10000))
    pipeline = _pipeline(dict(type="Resize", scale=(-1, 256)), decoder="RawFrameDecode", num_clips=1)
    item = RawframeDataset([Sample(str(folder), 0, total_frames=3)], pipeline)[0]
    # short side 16 -> 256: factor 16, 10000 -> 160000 wide, 41M pixels, above the 33.5M default budget
    assert isinstance(item, Skipped) and item.path == str(folder) and str(folder) in item.reason
    assert "10000x16" in item.reason and "160000x256" in item.reason


# ==================================================================================== frame folders


def test_a_gap_in_the_frame_numbers_names_the_first_missing_file(tmp_path: Path) -> None:
    rgb = make_frame_folder(tmp_path / "rgb", 10)
    (rgb / "img_00005.jpg").unlink()
    (rgb / "img_00007.jpg").unlink()
    with pytest.raises(VideoDecodeError) as caught:
        FrameFolderReader(rgb)
    message = str(caught.value)
    assert str(rgb / "img_00005.jpg") in message and "img_00010.jpg" in message and "gap" in message
    flow = make_frame_folder(tmp_path / "flow", 8, rgb=False, flow=True)
    (flow / "y_00003.jpg").unlink()
    with pytest.raises(VideoDecodeError, match="y_00003.jpg"):
        FlowFolderReader(flow)


@pytest.mark.parametrize("defect", ["zero-byte", "cut in half", "not a JPEG"])
def test_a_bad_jpeg_is_named_and_inside_a_dataset_skipped_and_counted(defect: str, tmp_path: Path) -> None:
    good, bad = make_frame_folder(tmp_path / "good", 9), make_frame_folder(tmp_path / "bad", 9)
    culprit = bad / "img_00005.jpg"  # position 4, sampled by test mode (3 clips of 9 frames: 1, 4, 7)
    data = culprit.read_bytes()
    culprit.write_bytes({"zero-byte": b"", "cut in half": data[: len(data) // 2], "not a JPEG": b"GIF89a..."}[defect])
    with pytest.raises(VideoDecodeError) as caught:
        FrameFolderReader(bad).read([0, 4])
    assert str(culprit) in str(caught.value)

    samples = [Sample(str(good), 0, total_frames=9), Sample(str(bad), 1, total_frames=9)]
    dataset = RawframeDataset(samples, _pipeline(decoder="RawFrameDecode"))
    loader = DataLoader(dataset, batch_size=2, sampler=EpochSampler(range(2)), collate_fn=collate)
    counter = SkipCounter()
    for batch in loader:
        counter.update(batch)
        assert batch["index"].tolist() == [0]
    assert counter.count == 1 and counter.files == [str(bad)]
    assert str(culprit) in counter.report()


def test_frames_of_different_sizes_name_the_first_frame_that_differs(tmp_path: Path) -> None:
    folder = make_frame_folder(tmp_path / "mixed", 6)
    write_frame_image(folder / "img_00004.jpg", 3, size=(32, 40))
    with pytest.raises(VideoDecodeError) as caught:
        FrameFolderReader(folder).read([0, 1, 3, 5])
    message = str(caught.value)
    assert str(folder / "img_00004.jpg") in message and "40x32" in message and "80x64" in message
    assert "img_00001.jpg" in message


# ================================================================================= annotation lists


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "loader, text, bad_line",
    [
        (load_video_list, "a.mp4 1\nb.mp4\n", 2),
        (load_video_list, "a.mp4 1\nb.mp4 -1\n", 2),
        (load_video_list, "a.mp4 -4\n", 1),
        (load_rawframe_list, "a 10 1\nb 12\n", 2),
        (load_rawframe_list, "a 10 -1\n", 1),
    ],
)
def test_a_missing_or_negative_label_is_an_error_naming_file_and_line(tmp_path, loader, text, bad_line) -> None:
    path = _write(tmp_path / "train.txt", text)
    with pytest.raises(AnnotationError) as caught:
        loader(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{bad_line}: ")
    assert "label" in message


def test_unlabelled_inference_lists_say_so_with_an_option(tmp_path: Path) -> None:
    path = _write(tmp_path / "predict.txt", "a.mp4\nb.mp4 3\n")
    assert load_video_list(path, allow_unlabeled=True) == [Sample("a.mp4", -1), Sample("b.mp4", 3)]
    frames = _write(tmp_path / "frames.txt", "a 10\n")
    assert load_rawframe_list(frames, allow_unlabeled=True) == [Sample("a", -1, total_frames=10)]
    json_list = _write(tmp_path / "list.json", json.dumps([{"filename": "a.mp4"}]))
    assert load_json_list(json_list, allow_unlabeled=True) == [Sample("a.mp4", -1)]
    with pytest.raises(AnnotationError, match=r"list.json: entry 0: .*label"):
        load_json_list(json_list)
    with pytest.raises(AnnotationError, match=r"predict.txt:2: .*negative"):
        load_video_list(_write(tmp_path / "predict.txt", "a.mp4\nb.mp4 -2\n"), allow_unlabeled=True)


@pytest.mark.parametrize(
    "loader, kwargs, text, bad_where, label",
    [
        (load_video_list, {}, "a.mp4 3\nb.mp4 999\n", "list.txt:2", "999"),
        (load_video_list, {"multi_label": True}, "a.mp4 1 2\nb.mp4 3 10\n", "list.txt:2", "10"),
        (load_rawframe_list, {}, "a 10 9\nb 10 10\nc 10 1\n", "list.txt:2", "10"),
        (load_json_list, {}, json.dumps([{"filename": "a.mp4", "label": 12}]), "list.txt: entry 0", "12"),
    ],
)
def test_labels_are_checked_against_num_classes_when_the_dataset_is_built(
    tmp_path, loader, kwargs, text, bad_where, label
) -> None:
    path = _write(tmp_path / "list.txt", text)
    samples = loader(path, **kwargs)
    dataset_cls = RawframeDataset if loader is load_rawframe_list else VideoDataset
    pipeline = _pipeline(decoder="RawFrameDecode" if loader is load_rawframe_list else "DecordDecode")
    with pytest.raises(AnnotationError) as caught:
        dataset_cls(samples, pipeline, num_classes=10)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / bad_where}: ")
    assert f"label {label}" in message and "num_classes=10" in message and "0..9" in message
    assert len(dataset_cls(samples, pipeline, num_classes=1000)) == len(samples)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.txt", "\ufeffa.mp4 1\nb.mp4 2\n")
    assert load_video_list(path, root="/r") == [Sample("/r/a.mp4", 1), Sample("/r/b.mp4", 2)]
    json_list = _write(tmp_path / "bom.json", "\ufeff" + json.dumps([{"filename": "a.mp4", "label": 1}]))
    assert load_json_list(json_list) == [Sample("a.mp4", 1)]


@pytest.mark.parametrize(
    "text, delimiter, hint",
    [
        ("good.mp4,0\nother.mp4,1\n", " ", "did you mean delimiter=','"),
        ("my clip.mp4\t0\n", " ", "did you mean delimiter='\\t'"),
        ("good.mp4 0\n", ",", "did you mean delimiter=' '"),
    ],
)
def test_a_list_split_with_another_delimiter_gets_a_hint(tmp_path, text, delimiter, hint) -> None:
    path = _write(tmp_path / "list.txt", text)
    with pytest.raises(AnnotationError) as caught:
        load_video_list(path, delimiter=delimiter)
    assert str(caught.value).startswith(f"{path}:1: ") and hint in str(caught.value)


@pytest.mark.parametrize("content", ["", "\n\n   \n", "\ufeff"])
def test_an_empty_list_is_an_error(tmp_path: Path, content: str) -> None:
    path = _write(tmp_path / "empty.txt", content)
    for loader in (load_video_list, load_rawframe_list):
        with pytest.raises(AnnotationError, match=f"{path}: the list has no entries"):
            loader(path)
    with pytest.raises(AnnotationError, match="no entries"):
        load_json_list(_write(tmp_path / "empty.json", "[]"))


@pytest.mark.parametrize(
    "content, where",
    [
        (b"a.mp4 1\nb\xe9.mp4 2\n", ":2: "),  # Latin-1 e-acute
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ":1: "),  # an image, not a list
        (b"a.mp4 1\n\x00\x00\x00\x00\n", ":2: "),  # NUL bytes are valid UTF-8 but never text
    ],
)
def test_a_binary_or_non_utf8_file_is_an_error_naming_it(tmp_path: Path, content: bytes, where: str) -> None:
    path = _write(tmp_path / "list.txt", content)
    with pytest.raises(AnnotationError) as caught:
        load_video_list(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}") and "not a UTF-8 text" in message


def test_data_inspect_reports_list_problems_without_a_traceback(tmp_path: Path, capsys) -> None:
    binary = _write(tmp_path / "list.txt", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["data", "inspect", str(binary)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {binary}:1: ") and "Traceback" not in err
    comma = _write(tmp_path / "comma.txt", "good.mp4,0\n")
    assert main(["data", "inspect", str(comma)]) == 2
    assert "did you mean delimiter=','" in capsys.readouterr().err


def test_data_inspect_reports_duplicates_and_paths_escaping_the_root(tmp_path: Path, capsys) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    for name in ("a.mp4", "b.mp4"):
        make_video(root / name, num_frames=8)
    make_video(tmp_path / "outside.mp4", num_frames=8)
    ann = _write(tmp_path / "list.txt", "a.mp4 0\nb.mp4 1\na.mp4 0\n../outside.mp4 1\n")
    assert main(["data", "inspect", str(ann), "--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"duplicate entry: {root / 'a.mp4'} at {ann}:1 and {ann}:3" in out
    assert f"escapes the data root: {ann}:4: ../outside.mp4" in out


# ========================================================================================== metrics

SCORES = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])


def test_metrics_reject_what_they_cannot_mean() -> None:
    with pytest.raises(MetricError, match="labels must be a 1-D sequence"):
        top_k_accuracy(SCORES[:1], 1)  # a scalar where an array is expected
    with pytest.raises(MetricError, match="scores must be"):
        top_k_accuracy(0.5, [1])
    with pytest.raises(MetricError, match="integer class indices.*0.7"):
        top_k_accuracy(SCORES, SCORES[:, 1])  # float scores passed as labels
    with pytest.raises(MetricError, match=r"label 3 \(video 2\) is outside 0..2"):
        top_k_accuracy(SCORES, [1, 0, 3, 1])
    with pytest.raises(MetricError, match=r"label -1 \(video 0\) is outside 0..2"):
        mean_class_accuracy(SCORES, [-1, 0, 2, 1])
    with pytest.raises(MetricError, match=r"label 5 \(video 1\) is outside 0..2"):
        mean_class_accuracy(SCORES, [1, 5, 2, 1])  # used to widen the matrix silently
    with pytest.raises(MetricError, match=r"true label 4 \(video 0\) is outside 0..3"):
        confusion_matrix([0, 1], [4, 1], num_classes=4)
    with pytest.raises(MetricError, match=r"predicted label 2.5"):
        confusion_matrix([2.5, 1.0], [0, 1], num_classes=4)
    with pytest.raises(MetricError, match=r"multi-hot labels must be 0 or 1, got 0.1 \(video 0, class 0\)"):
        mmit_mean_average_precision(SCORES, SCORES)  # scores passed as multi-hot labels
    with pytest.raises(MetricError, match=r"label 3 \(video 1\) is outside 0..2"):
        mean_average_precision(SCORES, [(0,), (3,), (1,), (2,)])
    with_nan = SCORES.copy()
    with_nan[1, 2] = np.nan
    with pytest.raises(MetricError, match=r"not finite.*video 1"):
        top_k_accuracy(with_nan, [1, 0, 2, 1])
    assert issubclass(MetricError, ActionrecError) and issubclass(MetricError, ValueError)


def test_confusion_matrix_normalisation_follows_mmaction2() -> None:
    pred, true = [0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0]
    # counts, row = true, column = predicted: true 0 -> {0, 2}, true 1 -> {1}, true 2 -> {1, 2, 2}
    counts = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 2]])
    np.testing.assert_array_equal(confusion_matrix(pred, true, num_classes=3), counts)
    np.testing.assert_allclose(
        confusion_matrix(pred, true, 3, normalize="true"), [[1 / 2, 0, 1 / 2], [0, 1, 0], [0, 1 / 3, 2 / 3]]
    )
    np.testing.assert_allclose(
        confusion_matrix(pred, true, 3, normalize="pred"), [[1, 0, 1 / 3], [0, 1 / 2, 0], [0, 1 / 2, 2 / 3]]
    )
    np.testing.assert_allclose(confusion_matrix(pred, true, 3, normalize="all"), counts / 6)
    # a class never predicted (column 3) or never true (row 3): 0 instead of 0/0, as MMAction2's nan_to_num
    np.testing.assert_allclose(confusion_matrix([0], [0], 2, normalize="pred"), [[1, 0], [0, 0]])
    with pytest.raises(MetricError, match="normalize must be one of 'true', 'pred', 'all' or None, got 'rows'"):
        confusion_matrix(pred, true, 3, normalize="rows")


def test_result_names_follow_mmaction2_with_the_short_names_as_aliases() -> None:
    hot = [(1,), (0,), (2,), (1, 2)]
    results = evaluate(SCORES, hot, metrics=("mmit_mean_average_precision", "mean_average_precision"))
    assert list(results) == ["mmit_mean_average_precision", "mean_average_precision"]
    # per video AP: rows 0-2 rank their label first (1); row 3 ranks 1 first (0.4), then 0/2 tied at 0.3:
    # positives {1, 2}: precision 1 at class 1, then 2/3 at the tie group end -> (1 + 2/3) / 2 = 5/6
    assert results["mmit_mean_average_precision"] == pytest.approx((1 + 1 + 1 + 5 / 6) / 4)
    assert results["mmit_mAP"] == results["mmit_mean_average_precision"]
    assert results.get("mAP") == results["mean_average_precision"]
    assert "mAP" in results and "mmit_mAP" in results


# ======================================================================================= transforms


def test_video_start_index_is_added_to_the_sampled_frames(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", num_frames=30)
    pipeline = _pipeline(num_clips=4)
    # test mode, clip_len 1, 30 frames, 4 clips: avg = 7.5, offsets 3.75, 11.25, 18.75, 26.25;
    # MMAction2 adds start_index, then truncates: start_index 2 -> 5, 13, 20, 28
    plain = VideoDataset([Sample(str(video), 0)], pipeline)[0]
    assert [read_index(view) for view in plain["inputs"]] == [3, 11, 18, 26]
    shifted = VideoDataset([Sample(str(video), 0)], pipeline, start_index=2)[0]
    assert [read_index(view) for view in shifted["inputs"]] == [5, 13, 20, 28]
    # start_index 4 moves the last clip to 26 + 4 = 30, past the last frame (29): a named, skipped sample
    past = VideoDataset([Sample(str(video), 0)], pipeline, start_index=4)[0]
    assert isinstance(past, Skipped) and str(video) in past.reason and "start_index=4" in past.reason


def test_flip_swaps_labels_of_left_right_sensitive_classes() -> None:
    frames = torch.arange(2 * 3 * 2 * 4, dtype=torch.uint8).reshape(2, 3, 2, 4)
    rng = np.random.default_rng(0)
    always = Flip(flip_ratio=1.0, flip_label_map={3: 4, 4: 3})
    flipped = always(Clip(frames, clip_len=1, num_clips=2, label=3), rng)
    assert flipped.label == 4 and torch.equal(flipped.frames, frames.flip(-1))
    assert always(Clip(frames, clip_len=1, num_clips=2, label=1), rng).label == 1  # not in the map
    assert always(Clip(frames, clip_len=1, num_clips=2, label=(1, 4)), rng).label == (1, 3)  # multi-label
    never = Flip(flip_ratio=0.0, flip_label_map={3: 4, 4: 3})
    assert never(Clip(frames, clip_len=1, num_clips=2, label=3), rng).label == 3
    with pytest.raises(ValueError, match="flip_label_map"):
        Flip(flip_label_map={"left": "right"})
    assert build_transforms([dict(type="Flip", flip_ratio=1.0, flip_label_map={0: 1})]).transforms[0].flip_label_map


def test_flip_label_map_reaches_the_dataset_target(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", num_frames=12)
    pipeline = _pipeline(dict(type="Flip", flip_ratio=1.0, flip_label_map={2: 5, 5: 2}), num_clips=2)
    item = VideoDataset([Sample(str(video), 2)], pipeline, num_classes=6)[0]
    assert item["label"].item() == 5
    unflipped = VideoDataset([Sample(str(video), 2)], _pipeline(num_clips=2), num_classes=6)[0]
    assert torch.equal(item["inputs"], unflipped["inputs"].flip(-1))
