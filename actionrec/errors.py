"""The one exception family: every error actionrec raises on purpose derives from `ActionrecError`.

Each subclass also keeps the builtin base it always had (`ValueError` for bad input, `RuntimeError`
for failures of a step, `KeyError` for unknown names), so `except ValueError` in user code still
works; the CLI catches `ActionrecError` in one place and prints `error: <message>`.
"""

from __future__ import annotations


class ActionrecError(Exception):
    """Base of actionrec's own errors; the message names the file, line, frame or key and the fix."""

    def __str__(self) -> str:
        # KeyError subclasses would otherwise print their message in quotes
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()
