"""Why a path that should name a file or folder does not: missing, a dangling link or a link loop.

``os.path.exists`` answers False for all three, and the bare "no such file" it leads to sends a
user looking for a file that is there (a loop) or in the wrong place (a link to a moved target).
"""

from __future__ import annotations

import errno
import os


def missing_reason(path: str | os.PathLike) -> str | None:
    """None when ``path`` can be stat'ed; otherwise 'no such file', 'symbolic link loop' or
    'dangling symbolic link to TARGET' (other OS errors as their message, e.g. permission denied)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"dangling symbolic link to {os.readlink(path)}"
        return "no such file"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        return error.strerror or str(error)
    return None
