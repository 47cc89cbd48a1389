"""Decoders return exactly the frames asked for, on every available backend.

The reference is a plain PyAV forward decode of every frame (``decode_all_frames_pyav``), a
different code path from the readers; the index painted into each frame by ``video_factory``
checks the reference itself.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from torchvision.io import decode_image
from video_factory import (
    FLOW_Y_BIT,
    decode_all_frames_pyav,
    make_avi_video,
    make_corrupt_video,
    make_edit_list_video,
    make_frame_folder,
    make_mpegts_video,
    make_raw_h264_stream,
    make_vfr_video,
    make_video,
    make_zero_byte_file,
    read_index,
    vfr_timestamps,
)

from actionrec.data import decoders
from actionrec.data.decoders import (
    FlowFolderReader,
    FrameFolderReader,
    PyAVReader,
    VideoDecodeError,
    available_backends,
    open_video,
)

DATA = Path(__file__).parent / "data"
BACKENDS = available_backends()
TEST_MP4_FRAMES = 300  # ffprobe: nb_frames=300, no edit list
TEST_MP4_HEAD = 40  # frames of test.mp4 decoded by the reference
FPS = 25
EDIT_START = 1.3  # seconds; the first frame shown is the first with pts >= 1.3 s
FIRST_EDIT_CODE = 33  # ceil(1.3 * 25)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    long_video = make_video(folder / "long.mp4", num_frames=120, fps=FPS, gop=12)
    return {
        "normal": make_video(folder / "normal.mp4", num_frames=60, fps=FPS, gop=12),
        "edit_list": make_edit_list_video(long_video, folder / "edit_list.mp4", start=EDIT_START, duration=2.0),
        "vfr": make_vfr_video(folder / "vfr.mp4", num_frames=30, gop=10),
        "long": long_video,
        "avi": make_avi_video(long_video, folder / "bframes.avi"),
    }


@pytest.fixture(scope="module")
def references(videos: dict[str, Path]) -> dict[str, tuple[torch.Tensor, list[float]]]:
    return {name: decode_all_frames_pyav(path) for name, path in videos.items()}


@pytest.fixture(scope="module")
def shipped_references() -> dict[str, tuple[torch.Tensor, list[float]]]:
    """tests/data/demo.mp4 in full and the head of test.mp4, decoded once for all backends."""
    return {
        "demo.mp4": decode_all_frames_pyav(DATA / "demo.mp4"),
        "test.mp4": decode_all_frames_pyav(DATA / "test.mp4", max_frames=TEST_MP4_HEAD),
    }


def test_reference_decode_shows_the_painted_codes(references: dict) -> None:
    """Guards the oracle: the plain decode sees the frames the factory painted."""
    normal, _ = references["normal"]
    assert [read_index(f) for f in normal] == list(range(60))
    vfr, vfr_times = references["vfr"]
    assert [read_index(f) for f in vfr] == list(range(30))
    assert vfr_times == pytest.approx(vfr_timestamps(30), abs=1e-6)
    edit, edit_times = references["edit_list"]
    codes = [read_index(f) for f in edit]
    assert codes == list(range(FIRST_EDIT_CODE, FIRST_EDIT_CODE + len(edit)))
    assert 50 <= len(edit) <= 120 - FIRST_EDIT_CODE  # about 2 s kept, nothing before 1.3 s
    assert edit_times[0] == 0.0
    avi, _ = references["avi"]
    assert [read_index(f) for f in avi] == list(range(120))


def _index_sets(n: int) -> dict[str, list[int]]:
    return {
        "sparse": [0, 7, n // 2, n - 1],
        "unordered": [n - 1, 3, n // 3, 0, 5],
        "duplicated": [4, 4, n - 2, n - 2, n - 2, 0],
    }


# decord refuses edit-list mp4s and B-frame AVIs, where it would return wrong frames
# (test_decord_refuses_files_it_indexes_wrong_or_explains_how_to_install).
DECORD_REFUSED = ("edit_list", "avi")
EXACT_CASES = [
    (backend, video)
    for backend in BACKENDS
    for video in ("normal", "edit_list", "vfr", "avi")
    if not (backend == "decord" and video in DECORD_REFUSED)
]


@pytest.mark.parametrize("kind", ["sparse", "unordered", "duplicated"])
@pytest.mark.parametrize(("backend", "video"), EXACT_CASES)
def test_read_is_frame_exact(backend: str, video: str, kind: str, videos: dict, references: dict) -> None:
    reference, _ = references[video]
    with open_video(videos[video], backend=backend) as reader:
        assert reader.num_frames == len(reference)
        indices = _index_sets(reader.num_frames)[kind]
        frames = reader.read(indices)
    assert frames.dtype == torch.uint8 and frames.shape == (len(indices), 3, 64, 80)
    assert torch.equal(frames, reference[indices])
    first_code = FIRST_EDIT_CODE if video == "edit_list" else 0
    assert [read_index(f) for f in frames] == [first_code + i for i in indices]


@pytest.mark.parametrize("backend", BACKENDS)
def test_indices_may_be_numpy_or_tensor(backend: str, videos: dict, references: dict) -> None:
    reference, _ = references["normal"]
    with open_video(videos["normal"], backend=backend) as reader:
        assert torch.equal(reader.read(np.array([9, 2], dtype=np.int64)), reference[[9, 2]])
        assert torch.equal(reader.read(torch.tensor([1, 1])), reference[[1, 1]])
        with pytest.raises(TypeError, match="integers"):
            reader.read([1.5])
        with pytest.raises(ValueError, match="non-empty"):
            reader.read([])


@pytest.mark.parametrize("backend", BACKENDS)
def test_timestamps_come_from_frame_pts(backend: str, videos: dict, references: dict) -> None:
    with open_video(videos["normal"], backend=backend) as reader:
        assert reader.fps == pytest.approx(FPS)
        assert reader.timestamps([0, 10, 59]) == pytest.approx([0.0, 10 / FPS, 59 / FPS])
    with open_video(videos["vfr"], backend=backend) as reader:
        expected = vfr_timestamps(30)
        assert reader.timestamps([29, 3, 0]) == pytest.approx([expected[29], expected[3], 0.0], abs=1e-6)
    if (backend, "edit_list") in EXACT_CASES:
        _, edit_times = references["edit_list"]
        with open_video(videos["edit_list"], backend=backend) as reader:
            last = reader.num_frames - 1
            assert reader.timestamps([0, 5, last]) == pytest.approx([edit_times[0], edit_times[5], edit_times[last]])


@pytest.mark.skipif(
    "torchcodec" not in BACKENDS, reason="torchcodec cannot load here (it needs the system's FFmpeg libraries)"
)
@pytest.mark.parametrize("video", ["normal", "vfr", "edit_list", "avi"])
def test_torchcodec_timestamps_of_every_frame_without_holding_the_video(
    video: str, videos: dict, references: dict, monkeypatch
):
    """Every frame's time equals the reference decode's pts, from PyAV's packet scan where it agrees and
    otherwise decoded a chunk at a time (asking for all frames at once held the whole video in memory)."""
    _, expected = references[video]
    with decoders.TorchCodecReader(videos[video]) as reader:
        assert reader.timestamps(range(reader.num_frames)) == pytest.approx(expected, abs=1e-6)
        assert reader._scanned_times is not None  # no frame was decoded for its time, but the first and last
    monkeypatch.setattr(decoders, "_TIMESTAMP_CHUNK", 16)
    with decoders.TorchCodecReader(videos[video]) as reader:
        reader._scanned_times = None  # as for a file whose scan disagrees with torchcodec
        sizes = []
        decode = reader._decoder.get_frames_at
        reader._decoder.get_frames_at = lambda indices: sizes.append(len(indices)) or decode(indices)
        assert reader.timestamps(range(reader.num_frames)) == pytest.approx(expected, abs=1e-6)
        assert max(sizes) == 16 < len(expected)  # the AVI's last chunk fails in torchcodec and takes PyAV's times


def test_decord_refuses_files_it_indexes_wrong_or_explains_how_to_install(videos: dict) -> None:
    """decord is optional: when installed it must refuse files it would decode wrong; when not, say how to get it."""
    if "decord" in BACKENDS:
        for video in DECORD_REFUSED:
            with pytest.raises(VideoDecodeError, match="would return wrong frames") as caught:
                open_video(videos[video], backend="decord")
            assert str(videos[video]) in str(caught.value)
    else:
        with pytest.raises(ImportError, match="pip install decord"):
            open_video(videos["normal"], backend="decord")


@pytest.mark.parametrize("backend", BACKENDS)
def test_demo_and_test_videos_decode(backend: str, shipped_references: dict) -> None:
    demo_reference, _ = shipped_references["demo.mp4"]
    assert len(demo_reference) == 280
    indices = [279, 0, 17, 52, 52, 140, 203, 251]
    with open_video(DATA / "demo.mp4", backend=backend) as reader:
        assert reader.num_frames == 280
        frames = reader.read(indices)
    assert frames.shape == (8, 3, 256, 340)
    assert torch.equal(frames, demo_reference[indices])

    test_head, _ = shipped_references["test.mp4"]
    with open_video(DATA / "test.mp4", backend=backend) as reader:
        assert reader.num_frames == TEST_MP4_FRAMES
        assert torch.equal(reader.read([TEST_MP4_HEAD - 1, 0, 11]), test_head[[TEST_MP4_HEAD - 1, 0, 11]])
        assert reader.read([TEST_MP4_FRAMES - 1]).shape == (1, 3, 256, 340)


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_range_index_names_file_index_and_count(backend: str, videos: dict) -> None:
    with open_video(videos["normal"], backend=backend) as reader:
        for bad in (60, -1):
            with pytest.raises(IndexError) as caught:
                reader.read([0, bad])
            message = str(caught.value)
            assert str(videos["normal"]) in message and str(bad) in message and "num_frames=60" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_unopenable_files_raise_video_decode_error(backend: str, tmp_path: Path, videos: dict) -> None:
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("this is not a video")
    cases = {  # path -> words the message must hold besides the path (library wording varies)
        tmp_path / "missing.mp4": "no such file",
        make_zero_byte_file(tmp_path / "empty.mp4"): "empty (0 bytes)",
        tmp_path: "is a directory",
        not_video: "cannot open it",
        # Index (moov) at the end: cutting the file loses it.
        make_corrupt_video(videos["normal"], tmp_path / "truncated.mp4", mode="truncate"): "cannot open it",
    }
    for path, cause in cases.items():
        with pytest.raises(VideoDecodeError) as caught:
            open_video(path, backend=backend)
        assert str(path) in str(caught.value) and cause in str(caught.value)


@pytest.fixture(scope="module")
def damaged_videos(videos: dict, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("damaged")
    broken_middle = make_corrupt_video(videos["long"], folder / "broken_middle.mp4", mode="overwrite_middle")
    # Index at the front: a truncated copy opens and promises more frames than it holds.
    faststart = make_video(folder / "faststart.mp4", num_frames=120, faststart=True)
    return [broken_middle, make_corrupt_video(faststart, folder / "cut_short.mp4", mode="truncate")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_damaged_stream_raises_video_decode_error(backend: str, damaged_videos: list[Path]) -> None:
    """Garbage in the middle fails on read. (The file cut short keeps the frames that decode whole:
    test_bad_inputs.py::test_a_truncated_file_never_yields_stale_or_damaged_frames.)"""
    for path in damaged_videos[:1]:
        with pytest.raises(VideoDecodeError) as caught:  # on open (decord) or on read
            with open_video(path, backend=backend) as reader:
                reader.read(list(range(reader.num_frames)))
        assert str(path) in str(caught.value)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "decord"])
def test_frames_before_the_damage_still_decode(backend: str, damaged_videos: list[Path]) -> None:
    """PyAV stops at the largest index asked for; torchcodec seeks. Neither touches the damage."""
    for path in damaged_videos:
        with open_video(path, backend=backend) as reader:
            assert [read_index(f) for f in reader.read([2, 0])] == [2, 0]


def test_auto_takes_pyav_for_h264_and_hevc_and_torchcodec_for_other_codecs(videos: dict, skip_videos: dict) -> None:
    """PyAV with packet skipping beats torchcodec on H.264/HEVC (module docstring); torchcodec seeks in the rest."""
    assert "pyav" in BACKENDS
    for path in (videos["normal"], videos["edit_list"], skip_videos["hevc"], skip_videos["mpegts"]):
        with open_video(path) as reader:
            assert type(reader) is PyAVReader and reader.skips_packets
    expected = decoders.TorchCodecReader if "torchcodec" in BACKENDS else PyAVReader
    with open_video(videos["avi"]) as reader:  # MPEG-4 part 2 in AVI: no skipping
        assert type(reader) is expected


def test_auto_falls_back_to_pyav_when_torchcodec_cannot_load(monkeypatch: pytest.MonkeyPatch, videos: dict) -> None:
    monkeypatch.setattr(decoders, "_torchcodec_problem", lambda: "its FFmpeg libraries do not load")
    assert "torchcodec" not in available_backends()
    for video in ("normal", "avi"):
        with open_video(videos[video]) as reader:
            assert isinstance(reader, PyAVReader)
    with pytest.raises(ImportError, match="FFmpeg libraries do not load"):
        open_video(videos["normal"], backend="torchcodec")


def test_torchcodec_probe_runs_once(caplog: pytest.LogCaptureFixture) -> None:
    first = decoders._torchcodec_problem()
    with caplog.at_level(logging.DEBUG, logger=decoders.__name__):
        assert decoders._torchcodec_problem() == first
    assert caplog.records == []  # cached: no second probe, no second log line


def test_unknown_backend_is_a_clear_error(videos: dict) -> None:
    with pytest.raises(ValueError, match="unknown video backend 'opencv'"):
        open_video(videos["normal"], backend="opencv")


def test_pyav_counts_displayed_frames_without_decoding(videos: dict, references: dict) -> None:
    """The edit-list file stores packets hidden by its edit list; they must not be counted."""
    with av.open(str(videos["edit_list"])) as container:
        stored_packets = container.streams.video[0].frames
    reader = PyAVReader(videos["edit_list"])
    assert stored_packets > reader.num_frames == len(references["edit_list"][0])


def test_pyav_counts_a_raw_stream_by_decoding(tmp_path: Path, videos: dict, references: dict) -> None:
    """Packets of an elementary stream carry no pts: the count comes from a decode, timestamps are refused."""
    raw = make_raw_h264_stream(videos["normal"], tmp_path / "normal.h264")
    reference, _ = references["normal"]
    with PyAVReader(raw) as reader:
        assert reader.num_frames == 60 and not reader.has_timestamps
        assert torch.equal(reader.read([59, 0, 31]), reference[[59, 0, 31]])
        with pytest.raises(VideoDecodeError, match="no timestamps"):
            reader.timestamps([0])


# --------------------------------------------------------------------------- frame folders


def test_frame_folder_reads_positions_as_file_numbers(tmp_path: Path) -> None:
    folder = make_frame_folder(tmp_path / "clip", 12)
    reader = FrameFolderReader(folder)
    assert reader.num_frames == 12
    frames = reader.read([3, 0, 3, 11])
    assert frames.dtype == torch.uint8 and frames.shape == (4, 3, 64, 80)
    assert [read_index(f) for f in frames] == [3, 0, 3, 11]
    assert torch.equal(frames[0], decode_image(str(folder / "img_00004.jpg")))  # position 3 -> file 4

    shifted = FrameFolderReader(folder, offset=2)
    assert shifted.num_frames == 10
    assert [read_index(f) for f in shifted.read([0, 9])] == [2, 11]

    zero_based = FrameFolderReader(make_frame_folder(tmp_path / "zero", 5, start_index=0), start_index=0)
    assert zero_based.num_frames == 5
    assert [read_index(f) for f in zero_based.read([4, 0])] == [4, 0]


def test_frame_folder_errors_name_the_path(tmp_path: Path) -> None:
    folder = make_frame_folder(tmp_path / "clip", 8)
    (folder / "img_00005.jpg").unlink()
    with pytest.raises(VideoDecodeError, match="img_00005.jpg: frame file missing, a gap in the numbering"):
        FrameFolderReader(folder)  # counting must not stop silently at the gap
    reader = FrameFolderReader(folder, num_frames=8)
    with pytest.raises(VideoDecodeError, match="img_00005.jpg: frame file not found"):
        reader.read([1, 4])
    with pytest.raises(IndexError, match="num_frames=8"):
        reader.read([8])
    (folder / "img_00002.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(VideoDecodeError, match="img_00002.jpg: cannot decode JPEG"):
        reader.read([0, 1])
    with pytest.raises(VideoDecodeError, match="no such frame folder"):
        FrameFolderReader(tmp_path / "absent")
    with pytest.raises(VideoDecodeError, match="no frame files found"):
        FrameFolderReader(folder, filename_tmpl="frame_{:04d}.png")


def test_flow_folder_stacks_x_then_y(tmp_path: Path) -> None:
    folder = make_frame_folder(tmp_path / "flow", 6, rgb=False, flow=True)
    reader = FlowFolderReader(folder)
    assert reader.num_frames == 6
    flow = reader.read([2, 5, 2])
    assert flow.dtype == torch.uint8 and flow.shape == (3, 2, 64, 80)
    assert [read_index(f[0:1]) for f in flow] == [2, 5, 2]
    assert [read_index(f[1:2]) for f in flow] == [2 + FLOW_Y_BIT, 5 + FLOW_Y_BIT, 2 + FLOW_Y_BIT]
    (folder / "y_00004.jpg").unlink()
    with pytest.raises(VideoDecodeError, match="y_00004.jpg"):
        FlowFolderReader(folder, num_frames=6).read([3])


def test_torchcodec_probe_reports_an_import_failure_once_at_debug_level(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "torchcodec", None)  # makes `import torchcodec` raise ImportError
    with caplog.at_level(logging.DEBUG, logger=decoders.__name__):
        problem = decoders._torchcodec_problem.__wrapped__()  # the uncached probe
    assert problem is not None and "torchcodec does not import" in problem
    assert [record.levelno for record in caplog.records] == [logging.DEBUG]
    assert "falling back to PyAV" in caplog.records[0].getMessage()


# --------------------------------------------------------------------------- PyAV packet skipping


@pytest.fixture(scope="module")
def skip_videos(videos: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Layouts where what may be skipped differs: open GOPs, HEVC, Annex-B with in-band parameter sets."""
    folder = tmp_path_factory.mktemp("skip_videos")
    return {
        "open_gop": make_video(folder / "open_gop.mp4", num_frames=60, gop=12, open_gop=True),
        "hevc": make_video(folder / "hevc.mp4", num_frames=60, gop=12, codec="libx265"),
        "hevc_open_gop": make_video(
            folder / "hevc_open_gop.mp4", num_frames=60, gop=12, codec="libx265", open_gop=True
        ),
        "mpegts": make_mpegts_video(videos["long"], folder / "long.ts"),
    }


@pytest.fixture(scope="module")
def all_videos(videos: dict, skip_videos: dict, references: dict) -> dict[str, tuple[Path, torch.Tensor]]:
    """Every test video with its plain forward decode."""
    paths = {**videos, **skip_videos}
    return {
        name: (path, references[name][0] if name in references else decode_all_frames_pyav(path)[0])
        for name, path in paths.items()
    }


def _keyframe_positions(path: Path) -> list[int]:
    """Decode positions the container flags as key frames (sync samples): an independent view of the GOPs."""
    with av.open(str(path)) as container:
        packets = [packet for packet in container.demux(video=0) if packet.size]
    return [position for position, packet in enumerate(packets) if packet.is_keyframe]


def _random_index_sets(num_frames: int, seed: int, count: int) -> list[list[int]]:
    """Seeded sets of 1-12 indices in any order, duplicates allowed, plus every frame at once."""
    rng = np.random.default_rng(seed)
    sets = [rng.integers(0, num_frames, size=rng.integers(1, 13)).tolist() for _ in range(count)]
    return sets + [list(range(num_frames))]


SKIP_CASES = ["normal", "long", "edit_list", "vfr", "avi", "open_gop", "hevc", "hevc_open_gop", "mpegts"]


@pytest.mark.parametrize("video", SKIP_CASES)
def test_pyav_packet_skipping_is_pixel_identical_to_forward_decode(video: str, all_videos: dict) -> None:
    path, reference = all_videos[video]
    first_code = FIRST_EDIT_CODE if video == "edit_list" else 0
    with PyAVReader(path) as reader:
        assert reader.num_frames == len(reference)
        assert reader.skips_packets == (video != "avi")  # MPEG-4 part 2: plain forward decode
        for indices in _random_index_sets(reader.num_frames, seed=SKIP_CASES.index(video), count=8):
            frames = reader.read(indices)
            assert torch.equal(frames, reference[indices]), (video, indices)
            assert [read_index(f) for f in frames] == [first_code + i for i in indices]


def test_pyav_packet_skipping_on_demo_mp4_for_many_index_sets(shipped_references: dict) -> None:
    """demo.mp4: key frames at 0, 187, 230, 268 only, 108 of 280 pictures non-reference."""
    reference, _ = shipped_references["demo.mp4"]
    rng = np.random.default_rng(2024)
    with PyAVReader(DATA / "demo.mp4") as reader:
        assert reader.skips_packets
        for size in (1, 3, 8, 8, 8, 16, 25):
            indices = rng.integers(0, 280, size=size).tolist()
            assert torch.equal(reader.read(indices), reference[indices]), indices
            assert reader.packets_decoded <= max(indices) + 1


def test_pyav_sends_fewer_packets_than_a_forward_decode(all_videos: dict) -> None:
    """The counter of packets sent to the decoder shows the skip happening."""
    path, _ = all_videos["normal"]  # 60 frames, closed GOPs of 12
    with PyAVReader(path) as reader:
        reader.read([59])  # packet 0, then the last GOP from its IDR up to frame 59 at most
        assert reader.packets_decoded <= 1 + 12
        reader.read([5, 30])
        assert reader.packets_decoded <= 6 + 12
    with PyAVReader(DATA / "demo.mp4") as reader:
        reader.read([0, 150])  # one GOP: only the non-reference pictures can go
        assert reader.packets_decoded < 151
        decoded_before_last_gop = reader.packets_decoded
        reader.read([0, 150, 279])  # key frame 268 starts a closed GOP: 187-267 are skipped
        assert reader.packets_decoded <= decoded_before_last_gop + 12
    path, _ = all_videos["avi"]
    with PyAVReader(path) as reader:
        reader.read([10, 3])
        assert reader.packets_decoded >= 11  # no skipping: every packet up to frame 10


@pytest.mark.parametrize(
    ("video", "closed_gop"),
    [("normal", True), ("long", True), ("mpegts", True), ("hevc", True), ("open_gop", False), ("hevc_open_gop", False)],
)
def test_pyav_restarts_only_at_closed_gop_key_frames(video: str, closed_gop: bool, all_videos: dict) -> None:
    path, _ = all_videos[video]
    keyframes = _keyframe_positions(path)
    assert len(keyframes) >= 5  # GOPs of 12 (x265 open GOPs may place key frames a little off)
    with PyAVReader(path) as reader:
        assert reader._index.starts == (keyframes if closed_gop else [0])


def test_pyav_falls_back_to_a_forward_decode_when_a_frame_does_not_come_out(
    monkeypatch: pytest.MonkeyPatch, all_videos: dict
) -> None:
    path, reference = all_videos["normal"]
    monkeypatch.setattr(decoders._PacketIndex, "plan", lambda self, frames: [0])  # a plan that misses frames
    with PyAVReader(path) as reader:
        assert torch.equal(reader.read([40, 2]), reference[[40, 2]])
        assert reader.packets_decoded >= 41


def test_pyav_read_returns_the_channels_last_layout_of_torchcodec(all_videos: dict) -> None:
    path, reference = all_videos["normal"]
    with PyAVReader(path) as reader:
        frames = reader.read([3, 1])
    assert frames.shape == (2, 3, 64, 80) and frames.stride() == (64 * 80 * 3, 1, 80 * 3, 3)
    assert torch.equal(frames, reference[[3, 1]])


def test_nal_headers_parse_length_prefixed_and_start_code_packets() -> None:
    avcc = b"\x00\x00\x00\x02\x09\xf0" + b"\x00\x00\x00\x03\x01\x9a\x07"
    assert decoders._nal_headers(avcc, 4) == [0x09F0, 0x019A]
    assert decoders._nal_headers(b"\x00\x02\x09\xf0", 2) == [0x09F0]
    assert decoders._nal_headers(avcc[:-1], 4) is None  # second NAL cut short
    annex_b = b"\x00\x00\x00\x01\x67\x64\x00\x0a" + b"\x00\x00\x01\x68\xee" + b"\x00\x00\x01\x65\x88\x84"
    assert decoders._nal_headers(annex_b, 0) == [0x6764, 0x68EE, 0x6588]
    assert decoders._nal_headers(b"\x12\x34", 0) is None  # no start code
    assert decoders._nal_length_size("h264", bytes([1, 0x64, 0, 0x0D, 0xFF, 0xE1])) == 4  # avcC: 0xFF & 3 = 3
    assert decoders._nal_length_size("h264", b"\x00\x00\x00\x01\x67") == 0  # Annex-B extradata


def test_h264_access_units_are_classified_from_nal_ref_idc_and_type() -> None:
    unit = decoders._h264_access_unit
    # AUD + slice with nal_ref_idc 0: nothing references it.
    assert unit([0x09F0, 0x019A]).nonref
    assert not unit([0x219A]).nonref  # nal_ref_idc 1
    assert not unit([0x0605, 0x019A]).nonref  # an SEI may carry decoder state: decoded
    assert not unit([0x0910]).nonref  # no picture at all
    sps_pps_idr = unit([0x6764, 0x68EE, 0x6588])
    assert sps_pps_idr.idr and sps_pps_idr.parameter_sets and not sps_pps_idr.nonref
    assert not unit([0x6588, 0x419A]).idr  # an IDR field paired with a non-IDR field


def test_hevc_access_units_and_the_top_temporal_layer_rule() -> None:
    unit = decoders._hevc_access_unit
    trail_n = unit([0x0001])  # type 0 (TRAIL_N), layer 0, TemporalId 0
    assert trail_n.nonref and trail_n.temporal_id == 0
    assert not unit([0x0201]).nonref  # type 1 (TRAIL_R)
    assert unit([0x1001]).nonref  # type 8 (RASL_N)
    assert not unit([0x0009]).nonref  # TRAIL_N in layer 1 (multi-layer HEVC): may be an inter-layer reference
    assert unit([0x2601]).idr and unit([0x2801]).idr  # IDR_W_RADL, IDR_N_LP
    assert not unit([0x2A01]).idr  # CRA: open GOP
    assert unit([0x4001, 0x4201, 0x4401, 0x2601]).parameter_sets  # VPS, SPS, PPS
    layer_1_nonref = unit([0x0002])  # TRAIL_N with TemporalId 1
    assert layer_1_nonref.temporal_id == 1
    # A TRAIL_N in sub-layer 0 may be referenced from sub-layer 1; only the top layer's can go.
    assert decoders._droppable([trail_n, unit([0x0201]), layer_1_nonref]) == [False, False, True]


def test_plan_keeps_references_back_to_the_last_closed_gop_start() -> None:
    """Hand-made index: IDRs at 0, 5 and 8, non-reference b at 2, 4, 7 and 9; display order = decode order."""
    index = decoders._PacketIndex(
        frame_pts=list(range(10)),
        frame_packet=list(range(10)),
        droppable=[False, False, True, False, True, False, False, True, False, True],
        starts=[0, 5, 8],
        parameter_sets=[False] * 10,
    )
    assert index.plan({3}) == [0, 1, 3]
    assert index.plan({7}) == [0, 5, 6, 7]  # packet 0 always, then the GOP from IDR 5
    assert index.plan({2, 9}) == [0, 1, 2, 8, 9]
    assert index.plan({4, 6}) == [0, 1, 3, 4, 5, 6]
    index.parameter_sets[5] = True  # a skipped IDR carrying SPS/PPS is still sent
    assert index.plan({9}) == [0, 5, 8, 9]
    assert index.plan({1}) == [0, 1]
