"""download(): file:// and a local HTTP server (Range resume, truncation, hashes, offline errors)."""

import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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
