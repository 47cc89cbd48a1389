"""Fetch weight files into one cache, resumably, and check their SHA-256: the only download path.

Every weight file actionrec fetches goes through `download`: zoo checkpoints, torchvision's
ImageNet backbones (`pretrained=True` on TSN), the CLIP encoders of UniFormerV2, and any URL given
as a checkpoint. (timm backbones are the one exception: timm fetches its own weights into its own
hub cache.) The cache lives in `$ACTIONREC_HOME` (default `~/.cache/actionrec`); files go to its
`checkpoints/` folder. A download is written to `<name>.part`, continued with an HTTP Range
request when interrupted, checked, and only then renamed to `<name>`, so a file under its final
name is always complete. MMAction2 and torchvision put the first hex digits of the file's
SHA-256 in its name (`..._20200614-e508be42.pth`); that prefix is checked when no full hash is
given.

A file already in the cache (downloaded earlier, or put there by hand on an offline machine) is
checked by `verify_file` the same way on every road, with or without downloading: a file that
fails is moved aside to `<name>.mismatch` (never silently used, never silently deleted).
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

from actionrec.errors import ActionrecError
from actionrec.progress import progress_bar

_CHUNK = 1 << 20
_ATTEMPTS = 3  # an interrupted transfer is resumed this many times within one call
_NAME_HASH = re.compile(r"-([0-9a-f]{8,64})\.[A-Za-z0-9]+$")


class DownloadError(ActionrecError, RuntimeError):
    """A download that failed; the message says what to fetch, from where, and where to put it."""


class NotCachedError(DownloadError, FileNotFoundError):
    """A file that downloading was not allowed to fetch (`--no-download`) and that is not in the cache."""


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

    An existing file is checked (`verify_file`) and reused. `sha256` is the full hex digest or a
    prefix of it; without one, the prefix in the file name (if any) is checked. A download that
    fails the check is deleted; an existing file that fails it is moved aside.
    """
    dst = destination(url, dst_dir)
    expected = expected_hash(dst.name, sha256)
    if dst.exists():
        return verify_file(dst, expected, url)
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(dst.name + ".part")
    for _ in range(_ATTEMPTS):
        if _transfer(url, part, dst, progress, timeout):
            break
    else:
        raise DownloadError(
            f"{url}: the transfer was interrupted {_ATTEMPTS} times; the partial file is kept at "
            f"{part} and the next call resumes it"
        )
    actual = _mismatch(part, expected)
    if actual is not None:
        part.unlink()
        raise DownloadError(
            f"{url}: SHA-256 mismatch: expected {expected}..., got {actual}; the download was deleted "
            "(a corrupt transfer or a different file); run again to re-download"
        )
    os.replace(part, dst)
    return dst


def cached_file(url: str, dst_dir: str | os.PathLike | None = None, sha256: str | None = None) -> Path:
    """The file `download(url, ...)` would return, without downloading: checked, or NotCachedError."""
    dst = destination(url, dst_dir)
    if not dst.is_file():
        raise NotCachedError(not_cached_message(url, dst))
    return verify_file(dst, expected_hash(dst.name, sha256), url)


def destination(url: str, dst_dir: str | os.PathLike | None = None) -> Path:
    """Where `url` is stored: `dst_dir` (default: the cache's checkpoints/) / the URL's file name."""
    name = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path)).name
    if not name:
        raise DownloadError(f"{url}: the URL does not end in a file name")
    return (Path(dst_dir) if dst_dir is not None else cache_dir() / "checkpoints") / name


def expected_hash(name: str, sha256: str | None = None) -> str | None:
    """The digest (or prefix) a file must have: the given one, else the prefix in its name."""
    return (sha256 or hash_prefix_from_name(name) or "").lower() or None


def verify_file(path: Path, expected: str | None, url: str | None = None) -> Path:
    """Check a cached file against `expected` (full digest or prefix); the same check on every road.

    A file that fails is moved to `<name>.mismatch` (it may be the only copy someone placed by hand)
    and the error says where it came from and how to get the right one.
    """
    actual = _mismatch(path, expected)
    if actual is None:
        return path
    aside = path.with_name(path.name + ".mismatch")
    os.replace(path, aside)
    source = f" (from {url})" if url else ""
    raise DownloadError(
        f"{path}: SHA-256 mismatch: expected {expected}..., got {actual}; it is not the published file{source}. "
        f"Moved it to {aside}; download again, or put the right file at {path}"
    )


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
        raise DownloadError(
            f"cannot download {url} (HTTP {e.code} {e.reason}); if you have the file, put it at {dst}"
        ) from e
    except (urllib.error.URLError, OSError) as e:
        raise DownloadError(_offline_message(url, dst, getattr(e, "reason", e))) from e
    with response:
        if offset and not _resumes_at(response, offset):
            offset = 0  # the server sent the whole file
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        with (
            open(part, "ab" if offset else "wb") as out,
            progress_bar(
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


def _mismatch(path: Path, expected: str | None) -> str | None:
    """The file's actual digest when it does not match `expected`, else None."""
    if expected is None:
        return None
    actual = sha256_of(path)
    return None if actual.startswith(expected) else actual


def _offline_message(url: str, dst: Path, reason: object) -> str:
    reason = " ".join(str(reason).split())  # one line, whatever the OS said
    return (
        f"cannot download {url} ({reason}). If this machine is offline, fetch the file elsewhere "
        f"(e.g. `curl -L -o {dst.name} '{url}'`) and put it at {dst} "
        f"(set ACTIONREC_HOME to move the cache, now {cache_dir()})."
    )


def not_cached_message(url: str, dst: Path) -> str:
    """What to do when a file must come from the cache (no download allowed) and is not there."""
    return (
        f"{dst} is not in the cache and downloading is off; fetch {url} "
        f"(e.g. `curl -L -o {dst.name} '{url}'`) and put it at {dst}, or allow the download"
    )
