"""The model zoo: its data against MMAction2's pages, the label maps, lookup, and `actionrec zoo`."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from video_factory import make_video

from actionrec import zoo
from actionrec.cli import main
from actionrec.download import DownloadError

REPO = Path(__file__).resolve().parents[1]
CKPT_LINK = re.compile(r"\[ckpt\]\((https://[^)\s]+\.pth)\)")


def _seed_dir() -> Path | None:
    for folder in (Path("/work/shared/seeds"), Path(__file__).resolve().parents[2] / "shared" / "seeds"):
        if folder.is_dir() and list(folder.glob("000_*.txt")) and list(folder.glob("004_*.txt")):
            return folder
    return None


def _seed_text() -> str | None:
    folder = _seed_dir()
    if folder is None:
        return None
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("00[04]_*.txt")))


def test_one_entry_per_checkpoint_link_in_the_seed_pages():
    checkpoints = zoo.entries(fusions=False)
    fusions = [e for e in zoo.entries() if e.is_fusion]
    text = _seed_text()
    if text is not None:
        links = CKPT_LINK.findall(text)
        distinct = set(links)
        # Counted here from the pages themselves; the fixed numbers below must agree with them.
        assert (len(links), len(distinct)) == (72, 68)
        assert {e.url for e in checkpoints} == distinct
        assert len(fusions) == len(re.findall(r"^\|\s*tsn_\w+twostream \[1: 1\]", text, re.M)) == 2
    # Without ../shared (a bare clone): the pages have 72 ckpt links to 68 distinct files (three rows
    # of the data benchmark and one OmniSource baseline re-link main-table files), and 2 [1:1] rows.
    assert len(checkpoints) == 68
    assert len({e.url for e in checkpoints}) == 68
    assert len(fusions) == 2


HAND_CHECKED = {  # copied from the seed pages' rows
    "tsn_r50_1x1x3_100e_kinetics400_rgb": dict(
        config="configs/recognition/tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py",
        sha256_prefix="e508be42",
        dataset="k400",
        resolution="340x256",
        top1=70.60,
        top5=89.26,
        gpu_memory_mb=8344,
        test_protocol="25 clips x 10 crops",
        inference_speed="4.3 (25x10 frames)",
        json_url="https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_1x1x3_100e_kinetics400_rgb/"
        "20200614_063526.log.json",
    ),
    # the short-side-256 row shares the 340x256 row's config; the file name tells them apart
    "tsn_r50_256p_1x1x3_100e_kinetics400_rgb": dict(
        config="configs/recognition/tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py",
        sha256_prefix="22592236",
        resolution="short-side 256",
        top1=70.42,
        top5=89.03,
        gpu_memory_mb=8343,
    ),
    "tsn_r50_320p_1x1x8_110e_kinetics400_flow": dict(
        modality="flow", sha256_prefix="1f39486b", top1=57.76, top5=80.99, frames=8, gpus="8x4"
    ),
    "tsn_r101_1x1x5_50e_mmit_rgb": dict(
        dataset="mmit", backbone="ResNet101", mean_ap=61.09, top1=None, num_classes=313, sha256_prefix="642f450d"
    ),
    "tsn_r18_1x1x8_100e_hvu_object_rgb": dict(
        dataset="hvu",
        label_category="object",
        mean_ap=45.7,
        num_classes=1678,
        backbone="ResNet18",
        sha256_prefix="24a22f30",
        config="configs/recognition/tsn/hvu/tsn_r18_1x1x8_100e_hvu_object_rgb.py",
    ),
    "uniformerv2-large-p14-res336_clip-kinetics710-pre_u32_kinetics600-rgb": dict(
        dataset="k600",
        frames=32,
        backbone="UniFormerV2-L/14@336",
        pretrain="clip-kinetics710",
        test_protocol="2 clips x 3 crops",
        top1=89.8,
        top5=98.5,
        ref_top1=89.9,
        ref_top5=98.5,
        mm_kinetics_top1=88.8,
        mm_kinetics_top5=98.3,
        flops="6.3T",
        params="354M",
        sha256_prefix="f984f5d2",
    ),
    # the seed links the clip-kinetics710 config here; the checkpoint's own config is used instead
    "uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics700-rgb": dict(
        config="configs/recognition/uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics700-rgb.py",
        pretrain="clip",
        top1=None,
        top5=None,
        ref_top1=75.8,
        ref_top5=92.8,
        mm_kinetics_top1=75.9,
        mm_kinetics_top5=92.9,
        sha256_prefix="f02e48ad",
        params="115M",
    ),
    "uniformerv2-base-p16-res224_clip-pre_u8_kinetics710-rgb": dict(
        dataset="k710", num_classes=710, top1=78.9, top5=94.2, sha256_prefix="63cdbad9"
    ),
    "tsn_r50_320p_1x1x3_kinetics400_twostream": dict(
        members=("tsn_r50_320p_1x1x3_100e_kinetics400_rgb", "tsn_r50_320p_1x1x3_110e_kinetics400_flow"),
        weights=(1.0, 1.0),
        softmax=False,
        top1=72.76,
        top5=90.52,
        url=None,
    ),
}


@pytest.mark.parametrize("name", sorted(HAND_CHECKED))
def test_entries_match_hand_copied_seed_rows(name):
    entry = zoo.get(name)
    for field, expected in HAND_CHECKED[name].items():
        assert getattr(entry, field) == expected, field


def test_rows_that_relink_a_checkpoint_are_kept_on_its_entry():
    entry = zoo.get("tsn_r50_1x1x3_100e_kinetics400_rgb")
    reported = {(r.config.rsplit("/", 1)[-1], r.test_protocol, r.top1, r.top5) for r in entry.also_reported}
    assert reported == {
        ("tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb.py", "25 clips x 10 crops", 70.60, 89.26),
        ("tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb.py", "25 clips x 3 crops", 70.52, 89.39),
        ("tsn_r50_1x1x3_100e_kinetics400_rgb.py", "25 clips x 10 crops", 70.6, 89.3),  # OmniSource baseline
    }
    # a data-benchmark config name finds the checkpoint it re-links
    assert zoo.get("tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb") is entry
    assert zoo.get("configs/recognition/tsn/tsn_r50_320p_1x1x8_100e_kinetics400_rgb.py").sha256_prefix == "ef80e3d7"


# Class counts from MMAction2's configs (num_classes / HVU's category_nums), not from the label maps.
NUM_CLASSES = {
    "k400": 400,
    "k600": 600,
    "k700": 700,
    "k710": 710,
    "ucf101": 101,
    "hmdb51": 51,
    "diving48": 48,
    "sthv1": 174,
    "sthv2": 174,
    "mit": 339,
    "mmit": 313,
    "activitynet": 200,
}
HVU_CLASSES = {"action": 739, "attribute": 117, "concept": 291, "event": 69, "object": 1678, "scene": 248}


@pytest.mark.parametrize("entry", zoo.entries(), ids=lambda e: e.name)
def test_label_map_exists_and_has_num_classes_names(entry):
    names = entry.label_map()
    expected = HVU_CLASSES[entry.label_category] if entry.dataset == "hvu" else NUM_CLASSES[entry.dataset]
    assert entry.num_classes == expected
    assert len(names) == expected
    assert all(isinstance(n, str) and n.strip() for n in names)
    assert (REPO / "actionrec" / "label_maps" / entry.label_map_file).is_file()


def test_hvu_label_map_is_its_tag_category():
    raw = json.loads((REPO / "actionrec" / "label_maps" / "label_map_hvu.json").read_text(encoding="utf-8"))
    assert zoo.get("tsn_r18_1x1x8_100e_hvu_scene_rgb").label_map() == raw["scene"]


@pytest.mark.parametrize("entry", zoo.entries(fusions=False), ids=lambda e: e.name)
def test_checkpoint_fields_are_consistent(entry):
    assert re.fullmatch(r"[0-9a-f]{8}", entry.sha256_prefix)
    filename = entry.url.rsplit("/", 1)[-1]
    assert filename.endswith(f"-{entry.sha256_prefix}.pth")
    assert re.sub(r"(_\d{8})?-[0-9a-f]{8}\.pth$", "", filename) == entry.name
    assert entry.url.startswith("https://download.openmmlab.com/mmaction/")
    assert re.fullmatch(rf"configs/recognition/{entry.arch}/[\w./-]+\.py", entry.config)
    assert entry.modality == ("flow" if entry.name.endswith("_flow") else "rgb")
    assert entry.test_protocol_source in ("seed", "config")
    assert (
        entry.top1 is not None
        or entry.mean_ap is not None
        or entry.mm_kinetics_top1 is not None
        or entry.dataset == "k710"
    )  # two K710 rows report nothing


def test_fusion_members_are_entries():
    for fusion in (e for e in zoo.entries() if e.is_fusion):
        members = [zoo.get(m) for m in fusion.members]
        assert [m.modality for m in members] == ["rgb", "flow"]
        assert {m.frames for m in members} == {fusion.frames}
        with pytest.raises(ValueError, match="no checkpoint of its own"):
            zoo.checkpoint_path(fusion.name, download=False)


def test_filters_and_errors():
    tsn_k400 = zoo.entries(dataset="k400", arch="tsn", fusions=False)
    # 12 rows in the main table + 3 third-party backbones + 3 new data-benchmark files + 3 OmniSource files
    assert len(tsn_k400) == 21
    assert all(e.dataset == "k400" and e.arch == "tsn" for e in tsn_k400)
    assert zoo.entries(dataset="Kinetics-400", arch="tsn", fusions=False) == tsn_k400
    assert len(zoo.entries(arch="uniformerv2")) == 23
    with pytest.raises(ValueError, match="unknown dataset 'k999'"):
        zoo.entries(dataset="k999")
    with pytest.raises(ValueError, match="unknown arch"):
        zoo.entries(arch="slowfast")
    with pytest.raises(KeyError, match="did you mean: tsn_r50_1x1x3_100e_kinetics400_rgb"):
        zoo.get("tsn_r50_1x1x3_100e_kinetic400_rgb")


def test_a_malformed_record_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"where: unknown field\(s\) \['top_1'\]"):
        zoo._entry_from_record({"name": "x", "top_1": 1.0}, "where")


def test_committed_doc_is_up_to_date():
    committed = (REPO / "docs" / "model_zoo.md").read_text(encoding="utf-8")
    assert committed == zoo.render_markdown(), "regenerate: actionrec zoo markdown > docs/model_zoo.md"


# --- the command line, in-process -------------------------------------------------------------


def test_cli_list(capsys):
    assert main(["zoo", "list", "--dataset", "hvu"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("tsn_r18_")]
    assert len(rows) == 6 and "6 entries" in out
    assert rows[0].split()[:4] == ["tsn_r18_1x1x8_100e_hvu_action_rgb", "hvu", "8", "25"]
    assert "mAP 57.5" in rows[0]

    assert main(["zoo", "list", "--arch", "tsn", "--dataset", "sthv2", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(e["name"], e["top1"], e["top5"]) for e in listed] == [
        ("tsn_r50_1x1x8_50e_sthv2_rgb", 32.97, 63.62),
        ("tsn_r50_1x1x16_50e_sthv2_rgb", 27.21, 55.84),
    ]

    assert main(["zoo", "list", "--dataset", "nope"]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err


def test_cli_show(capsys):
    assert main(["zoo", "show", "tsn_r50_video_1x1x8_100e_kinetics600_rgb"]) == 0
    out = capsys.readouterr().out
    assert (
        "4db3c461" in out
        and "74.8" in out
        and "configs/recognition/tsn/tsn_r50_video_1x1x8_100e_kinetics600_rgb.py" in out
    )
    assert main(["zoo", "show", "tsn_r50_video_1x1x8_100e_kinetics600_rgb", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["num_classes"] == 600

    assert main(["zoo", "show", "tsn_r50_video_1x1x8_100e_kinetic600_rgb"]) == 2
    err = capsys.readouterr().err
    assert "no zoo entry named" in err and "did you mean: tsn_r50_video_1x1x8_100e_kinetics600_rgb" in err


# --- downloads against a local server ---------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def _fake_entry(name: str, url: str, sha256_prefix: str) -> zoo.ZooEntry:
    base = zoo.get("tsn_r50_1x1x3_100e_kinetics400_rgb")
    return dataclasses.replace(base, name=name, url=url, sha256_prefix=sha256_prefix, also_reported=())


def _publish(root: Path, payload: bytes) -> tuple[str, str]:
    prefix = hashlib.sha256(payload).hexdigest()[:8]
    filename = f"tiny_20240101-{prefix}.pth"
    (root / filename).write_bytes(payload)
    return filename, prefix


def test_cli_download_checks_the_hash(server, tmp_path, monkeypatch, capsys):
    base_url, root = server
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    payload = bytes(range(256)) * 5000  # 1.28 MB: more than one read chunk
    filename, prefix = _publish(root, payload)
    monkeypatch.setitem(zoo._registry(), "tiny", _fake_entry("tiny", f"{base_url}/{filename}", prefix))

    assert main(["zoo", "download", "tiny", "--quiet"]) == 0
    expected = tmp_path / "home" / "checkpoints" / filename
    assert capsys.readouterr().out.strip() == str(expected)
    assert expected.read_bytes() == payload
    assert zoo.checkpoint_path("tiny", download=False) == expected

    wrong = "00000000" if not prefix.startswith("00000000") else "ffffffff"
    monkeypatch.setitem(zoo._registry(), "tiny_bad", _fake_entry("tiny_bad", f"{base_url}/{filename}", wrong))
    assert main(["zoo", "download", "tiny_bad", "--quiet", "--dir", str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "SHA-256 mismatch" in err and f"expected {wrong}" in err
    assert not (tmp_path / "other" / filename).exists()
    assert list((tmp_path / "other").iterdir()) == []  # a failed download leaves nothing behind


def test_cli_download_from_a_file_url_and_of_a_fusion(tmp_path, monkeypatch, capsys):
    payloads = {"rgb_model": b"rgb weights", "flow_model": b"flow weights"}
    members = []
    for name, payload in payloads.items():
        prefix = hashlib.sha256(payload).hexdigest()[:8]
        source = tmp_path / "src" / f"{name}-{prefix}.pth"
        source.parent.mkdir(exist_ok=True)
        source.write_bytes(payload)
        monkeypatch.setitem(zoo._registry(), name, _fake_entry(name, source.as_uri(), prefix))
        members.append(name)
    fusion = dataclasses.replace(
        zoo.get("tsn_r50_320p_1x1x3_kinetics400_twostream"), name="both", members=tuple(members)
    )
    monkeypatch.setitem(zoo._registry(), "both", fusion)

    assert main(["zoo", "download", "both", "--quiet", "--dir", str(tmp_path / "dst")]) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).read_bytes() for p in printed] == list(payloads.values())


def test_cli_download_refuses_a_corrupt_local_copy_of_a_real_entry(tmp_path, capsys):
    entry = zoo.get("tsn_r50_1x1x3_100e_kinetics400_rgb")
    corrupt = tmp_path / entry.filename
    corrupt.write_bytes(b"not the checkpoint")
    assert main(["zoo", "download", entry.name, "--quiet", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "expected e508be42" in err and err.count("\n") == 1
    assert not corrupt.exists()  # never used, and not deleted either: kept aside for whoever put it there
    assert corrupt.with_name(corrupt.name + ".mismatch").read_bytes() == b"not the checkpoint"


def test_cli_download_offline_says_what_to_fetch_and_where(tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{_closed_port()}/tiny_20240101-abcdef12.pth"
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(zoo._registry(), "offline", _fake_entry("offline", url, "abcdef12"))

    assert main(["zoo", "download", "offline", "--quiet"]) == 2
    err = capsys.readouterr().err
    destination = tmp_path / "home" / "checkpoints" / "tiny_20240101-abcdef12.pth"
    assert err.startswith("error: cannot download " + url) and err.count("\n") == 1  # one line, no traceback
    assert f"put it at {destination}" in err and "curl -L -o tiny_20240101-abcdef12.pth" in err
    with pytest.raises(FileNotFoundError, match=re.escape(url)):
        zoo.checkpoint_path("offline", download=False)


def _closed_port() -> int:
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_file_put_in_the_cache_by_hand_is_checked_the_same_way_by_every_command(tmp_path, monkeypatch, capsys):
    """`zoo download`, `recognize --model --no-download` and the API all verify a hand-placed file: a wrong
    one is refused (and kept aside) by each; the right one is used by each, without any download."""
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    payload = b"the published weights"
    prefix = hashlib.sha256(payload).hexdigest()[:8]
    url = f"http://127.0.0.1:{_closed_port()}/hand_20240101-{prefix}.pth"  # offline: nothing can be fetched
    monkeypatch.setitem(zoo._registry(), "hand", _fake_entry("hand", url, prefix))
    cached = tmp_path / "home" / "checkpoints" / f"hand_20240101-{prefix}.pth"
    cached.parent.mkdir(parents=True)
    video = make_video(tmp_path / "clip.mp4", num_frames=8)

    refusals = {
        "zoo download": ["zoo", "download", "hand", "--quiet"],
        "recognize --no-download": ["recognize", str(video), "--model", "hand", "--no-download"],
    }
    for command, argv in refusals.items():
        cached.write_bytes(b"something else")
        assert main(argv) == 2, command
        err = capsys.readouterr().err
        assert err.startswith(f"error: {cached}: SHA-256 mismatch: expected {prefix}...") and err.count("\n") == 1
        assert not cached.exists() and cached.with_name(cached.name + ".mismatch").read_bytes() == b"something else"
    cached.write_bytes(b"something else")
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        zoo.checkpoint_path("hand", download=False)

    cached.write_bytes(payload)  # the right file, put there by hand
    assert main(["zoo", "download", "hand", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(cached)
    assert zoo.checkpoint_path("hand", download=False) == cached
    assert zoo.checkpoint_path("hand", download=True) == cached  # no download attempted (the URL is dead)


# --- zoo show: user-facing fields and the calls that load an entry ------------------------------------


def _shown_rows(out: str) -> dict[str, str]:
    rows = {}
    for line in out.splitlines():
        if not line.strip() or line.startswith(("also reported", "note:", "Load it", "  ")):
            continue
        key, _, value = line.partition("  ")
        rows[key.strip()] = value.strip()
    return rows


def test_cli_show_prints_user_facing_fields_and_the_calls_that_load_the_entry(capsys):
    name = "tsn_r50_video_1x1x8_100e_kinetics600_rgb"
    assert main(["zoo", "show", name]) == 0
    out = capsys.readouterr().out
    rows = _shown_rows(out)
    # as MMAction2's TSN page gives this row (hand-copied): 600 classes, 8 segments, 74.8 / 92.3
    assert rows["name"] == name and rows["dataset"] == "k600 (600 classes)"
    assert rows["accuracy"] == "top-1 74.8, top-5 92.3"
    assert rows["config"] == "configs/recognition/tsn/tsn_r50_video_1x1x8_100e_kinetics600_rgb.py"
    assert rows["sha256"] == "4db3c461..."
    # bookkeeping of the zoo's own data stays out (it is in --json)
    for internal in ("seed", "seed_line", "section", "label_map_file", "test_protocol_source", "json_url", "log_url"):
        assert internal not in rows and f"{internal} " not in out
    assert (
        f"  Python  actionrec.create_model('tsn_r50', num_classes=600, average_clips=None, pretrained='{name}')" in out
    )
    assert f"  CLI     actionrec recognize VIDEO --model {name}" in out


@pytest.mark.parametrize(
    "name",
    [
        "tsn_r50_1x1x3_100e_kinetics400_rgb",
        "tsn_r50_320p_1x1x3_110e_kinetics400_flow",
        "uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics700-rgb",
    ],
)
def test_the_printed_python_call_builds_the_model_of_the_entry_config(name, capsys):
    """The create_model line `zoo show` prints, run as written (minus the download), builds the same network as
    the entry's config: same tensors and shapes, same normalisation, same averaging of views."""
    import ast

    import torch

    import actionrec
    from actionrec.commands.zoo import load_call

    entry = zoo.get(name)
    call = ast.parse(load_call(entry), mode="eval").body
    assert ast.unparse(call.func) == "actionrec.create_model" and call.keywords[-1].arg == "pretrained"
    assert ast.literal_eval(call.keywords[-1].value) == name
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords[:-1]}
    printed = actionrec.create_model(*args, **kwargs)
    from_config = actionrec.build_model(REPO / "actionrec" / entry.config)  # the file itself, not by name
    assert {k: v.shape for k, v in printed.state_dict().items()} == {
        k: v.shape for k, v in from_config.state_dict().items()
    }
    assert printed.average_clips == from_config.average_clips
    torch.testing.assert_close(printed.mean, from_config.mean)
    torch.testing.assert_close(printed.std, from_config.std)
