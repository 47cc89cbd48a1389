"""Fetch files (checkpoints) into a cache, resumably, and check their SHA-256.

The cache lives in `$ACTIONREC_HOME` (default `~/.cache/actionrec`); downloads go to its
`checkpoints/` folder. A download is written to `<name>.part`, continued with an HTTP Range
request when interrupted, checked, and only then renamed to `<name>`, so a file under its final
name is always complete. MMAction2 and torchvision put the first hex digits of the file's
SHA-256 in its name (`..._20200614-e508be42.pth`); that prefix is checked when no full hash is
given.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from actionrec.errors import ActionrecError

_CHUNK = 1 << 20
_ATTEMPTS = 3  # an interrupted transfer is resumed this many times within one call
_NAME_HASH = re.compile(r"-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")


class DownloadError(ActionrecError, RuntimeError):
    """A download that failed; the message says what to fetch, from where, and where to put it."""


def cache_dir() -> Path:
    """actionrec's cache root: `$ACTIONREC_HOME`, else `~/.cache/actionrec`."""
    return Path(os.environ.get("ACTIONREC_HOME") or Path.home() / ".cache" / "actionrec")


def hash_prefix_from_name(name: str) -> str | None:
    """The SHA-256 prefix in an MMAction2/torchvision file name (`x_20200614-e508be42.pth`), if any."""
    match = _NAME_HASH.search(name)
    return match.group(1) if match else None


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    dst_dir: str | os.PathLike | None = None,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Download `url` (http, https or file) into `dst_dir` (default: the cache) and return its path.

    An existing file is checked and reused. `sha256` is the full hex digest or a prefix of it;
    without one, the prefix in the file name (if any) is checked. A mismatch deletes the file.
    """
    name = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name
    if not name:
        raise DownloadError(f"{url}: the URL does not end in a file name")
    folder = Path(dst_dir) if dst_dir is not None else cache_dir() / "checkpoints"
    dst = folder / name
    expected = (sha256 or hash_prefix_from_name(name) or "").lower() or None
    if dst.exists():
        _check_hash(dst, expected, url)
        return dst
    folder.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(dst.name + ".part")
    for _ in range(_ATTEMPTS):
        if _transfer(url, part, dst, progress, timeout):
            break
    else:
        raise DownloadError(
            f"{url}: the transfer was interrupted {_ATTEMPTS} times; the partial file is kept at "
            f"{part} and the next call resumes it"
        )
    _check_hash(part, expected, url)
    os.replace(part, dst)
    return dst


def _transfer(url: str, part: Path, dst: Path, progress: bool, timeout: float) -> bool:
    """One request, appending to `part` from where it stops; True when the file is complete."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "actionrec"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # the .part is not a prefix of this file any more: start over
            part.unlink()
            return False
        raise DownloadError(f"{url}: HTTP {e.code} {e.reason}") from e
    except (urllib.error.URLError, OSError) as e:
        raise DownloadError(_offline_message(url, dst, getattr(e, "reason", e))) from e
    with response:
        if offset and not _resumes_at(response, offset):
            offset = 0  # the server sent the whole file
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        with (
            open(part, "ab" if offset else "wb") as out,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dst.name,
                disable=not progress,
            ) as bar,
        ):
            try:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException):
                return False  # connection dropped; resume from what was written
    return total is None or part.stat().st_size >= total


def _resumes_at(response, offset: int) -> bool:
    content_range = response.headers.get("Content-Range", "")
    return getattr(response, "status", None) == 206 and content_range.startswith(f"bytes {offset}-")


def _check_hash(path: Path, expected: str | None, url: str) -> None:
    if expected is None:
        return
    actual = sha256_of(path)
    if not actual.startswith(expected):
        path.unlink()
        raise DownloadError(
            f"{url}: SHA-256 mismatch: expected {expected}..., got {actual}; the file was deleted "
            "(a corrupt or different file); run again to re-download"
        )


def _offline_message(url: str, dst: Path, reason: object) -> str:
    return (
        f"cannot download {url} ({reason}). If this machine is offline, fetch the file elsewhere "
        f"(e.g. `curl -L -o {dst.name} '{url}'`) and put it at {dst} "
        f"(set ACTIONREC_HOME to move the cache, now {cache_dir()})."
    )
