"""download(): file:// and a local HTTP server (Range resume, truncation, hashes, offline errors)."""

import hashlib
import socket
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from video_factory import make_video

import actionrec
import actionrec.download
from actionrec.build import build_model
from actionrec.cli import main
from actionrec.config import load_config
from actionrec.download import DownloadError, cache_dir, download, hash_prefix_from_name

PAYLOAD = bytes(range(256)) * 6000  # 1.5 MB: more than one 1 MiB read
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Serves `server.files`; honours `Range: bytes=N-` unless `server.ignore_range`; cuts the
    body in half `server.truncate` times (headers still promise the full length)."""

    def do_GET(self):
        server = self.server
        server.ranges.append(self.headers.get("Range"))
        data = server.files.get(self.path.lstrip("/"))
        if data is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        requested = self.headers.get("Range")
        if requested and not server.ignore_range:
            start = int(requested.removeprefix("bytes=").rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.truncate:
            server.truncate -= 1
            body = body[: len(body) // 2]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.ranges, httpd.truncate, httpd.ignore_range = {}, [], 0, False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_file_url_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    source = tmp_path / "weights.pth"
    source.write_bytes(PAYLOAD)
    path = download(source.as_uri(), progress=False)
    assert path == tmp_path / "home" / "checkpoints" / "weights.pth" == cache_dir() / "checkpoints" / "weights.pth"
    assert path.read_bytes() == PAYLOAD
    source.unlink()
    assert download(source.as_uri(), progress=False) == path  # cached: not fetched again


def test_full_hash_and_mismatch(tmp_path):
    source = tmp_path / "src" / "w.pth"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    out = tmp_path / "out"
    assert download(source.as_uri(), out, sha256=DIGEST, progress=False).read_bytes() == PAYLOAD
    (out / "w.pth").unlink()
    with pytest.raises(DownloadError, match="SHA-256 mismatch") as error:
        download(source.as_uri(), out, sha256="0" * 64, progress=False)
    assert source.as_uri() in str(error.value)
    assert list(out.iterdir()) == []  # neither the file nor a .part is left


def test_hash_prefix_in_mmaction2_file_names(tmp_path):
    assert hash_prefix_from_name("tsn_r50_1x1x3_100e_kinetics400_rgb_20200614-e508be42.pth") == "e508be42"
    assert hash_prefix_from_name("resnet50-0676ba61.pth") == "0676ba61"
    assert hash_prefix_from_name("tsn_r50_kinetics400_rgb.pth") is None
    good = tmp_path / f"tsn_20200614-{DIGEST[:8]}.pth"
    bad = tmp_path / "tsn_20200614-deadbeef.pth"
    for path in (good, bad):
        path.write_bytes(PAYLOAD)
    assert download(good.as_uri(), tmp_path / "out", progress=False).read_bytes() == PAYLOAD
    with pytest.raises(DownloadError, match="expected deadbeef"):
        download(bad.as_uri(), tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / bad.name).exists()


def test_http_download_with_progress_bar(tmp_path, server, capsys):
    server.files["w.pth"] = PAYLOAD
    path = download(f"{server.url}/w.pth", tmp_path, sha256=DIGEST, progress=True)
    assert path.read_bytes() == PAYLOAD
    assert server.ranges == [None]
    assert "w.pth" in capsys.readouterr().err  # tqdm's bar


def test_interrupted_transfer_is_resumed_with_range(tmp_path, server):
    server.files["w.pth"] = PAYLOAD
    server.truncate = 1  # the first response stops halfway
    path = download(f"{server.url}/w.pth", tmp_path, sha256=DIGEST, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.ranges == [None, f"bytes={len(PAYLOAD) // 2}-"]
    assert not (tmp_path / "w.pth.part").exists()


def test_partial_file_from_an_earlier_run_is_resumed(tmp_path, server):
    server.files["w.pth"] = PAYLOAD
    (tmp_path / "w.pth.part").write_bytes(PAYLOAD[:1000])
    assert download(f"{server.url}/w.pth", tmp_path, sha256=DIGEST, progress=False).read_bytes() == PAYLOAD
    assert server.ranges == ["bytes=1000-"]


def test_server_without_range_support_restarts(tmp_path, server):
    server.files["w.pth"] = PAYLOAD
    server.ignore_range = True
    (tmp_path / "w.pth.part").write_bytes(b"stale bytes")
    assert download(f"{server.url}/w.pth", tmp_path, sha256=DIGEST, progress=False).read_bytes() == PAYLOAD


def test_repeated_interruptions_keep_the_part_file(tmp_path, server):
    server.files["w.pth"] = PAYLOAD
    server.truncate = 10
    with pytest.raises(DownloadError, match="interrupted 3 times.*next call resumes"):
        download(f"{server.url}/w.pth", tmp_path, progress=False)
    # halves of halves: 1/2 + 1/4 + 1/8 of the payload arrived
    assert (tmp_path / "w.pth.part").stat().st_size == len(PAYLOAD) * 7 // 8
    server.truncate = 0
    assert download(f"{server.url}/w.pth", tmp_path, sha256=DIGEST, progress=False).read_bytes() == PAYLOAD


def test_http_error_is_named(tmp_path, server):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(f"{server.url}/missing.pth", tmp_path, progress=False)


def test_offline_error_says_what_to_fetch_and_where(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tsn_20200614-e508be42.pth"
    with pytest.raises(DownloadError) as error:
        download(url, tmp_path, progress=False, timeout=5)
    message = str(error.value)
    assert url in message and "offline" in message
    assert f"put it at {tmp_path / 'tsn_20200614-e508be42.pth'}" in message


# -- every weight file through one download path, one cache; the offline message ---------------------------

PACKAGE = Path(actionrec.__file__).parent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_downloads_weights_behind_actionrec_download():
    """torch.hub (a second cache, no offline message) is used nowhere; timm's own hub is the one documented exception."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        for needle in ("torch.hub", "load_state_dict_from_url", "download_url_to_file", "urlretrieve"):
            if needle in text:
                offenders.append(f"{path.relative_to(PACKAGE)}: {needle}")
    assert offenders == []
    assert "timm" in (PACKAGE / "download.py").read_text()  # the exception is written down where it matters


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network: every urlopen fails as an unplugged machine's would; the cache is empty."""

    def refuse(request, *args, **kwargs):
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    monkeypatch.setattr(actionrec.download.urllib.request, "urlopen", refuse)
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "checkpoints"


@pytest.mark.parametrize(
    "model, url_start",
    [
        (dict(name="tsn_r18", num_classes=3, pretrained=True), "https://download.pytorch.org/models/resnet18-"),
        (dict(name="uniformerv2_b16", num_classes=3, pretrained=True), "https://download.openmmlab.com/mmaction/v1.0/"),
    ],
)
def test_imagenet_and_clip_weights_go_through_the_cache_with_a_one_line_message(offline, model, url_start):
    with pytest.raises(DownloadError) as error:
        build_model(model, pretrained=True)
    message = str(error.value)
    assert "\n" not in message
    assert f"cannot download {url_start}" in message and f"put it at {offline}/" in message  # one cache
    assert message.endswith("to start without it, pass --cfg-options model.pretrained=False")


def _config_with_pretrained(tmp_path: Path, pretrained: str) -> Path:
    video = make_video(tmp_path / "v.mp4", num_frames=8)
    (tmp_path / "train.txt").write_text(f"{video.name} 0\n")
    pipeline = [
        dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=2),
        dict(type="DecordDecode"),
        dict(type="Resize", scale=(-1, 40)),
        dict(type="CenterCrop", crop_size=32),
        dict(type="FormatShape", input_format="NCHW"),
    ]
    model = dict(name="tsn_r18", num_classes=2, pretrained=pretrained)
    train = dict(ann_file=str(tmp_path / "train.txt"), root=str(tmp_path), batch_size=1, num_workers=0)
    data = dict(num_classes=2, train=dict(train, pipeline=pipeline))
    config = tmp_path / "cfg.py"
    config.write_text(
        f"model = {model!r}\ndata = {data!r}\nschedule = {dict(epochs=1)!r}\nwork_dir = {str(tmp_path / 'w')!r}\n"
    )
    return config


def test_train_offline_says_in_one_line_what_where_and_how_to_do_without(tmp_path, capsys, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}/resnet18-f37072fd.pth"  # refused at once
    config = _config_with_pretrained(tmp_path, url)
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "home"))
    assert main(["train", str(config), "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith(f"error: cannot download {url}")
    assert f"put it at {tmp_path / 'home' / 'checkpoints' / 'resnet18-f37072fd.pth'}" in err
    assert "--cfg-options model.pretrained=False" in err
    # and that option is accepted by the config and turns the download off
    cfg = load_config(config, ["model.pretrained=False"])
    assert build_model(cfg.model, pretrained=True).cls_head.fc_cls.out_features == 2
