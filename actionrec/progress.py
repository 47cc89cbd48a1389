"""Progress bars that suit where they are written: a live bar on a terminal, a line every N seconds elsewhere.

A carriage-return bar is right for a person watching a terminal and wrong for a log file or CI,
where every redraw becomes bytes (megabytes over a training run). `progress_bar` returns a tqdm
bar either way, so callers use one interface (`update`, `set_postfix`, iteration, `with`):

    for item in progress_bar(items, desc="decode", unit="file"):
        ...

On a stream that is not a terminal it prints one complete line (`desc: 40/120 [00:12<00:24, 3.3 file/s]`)
at most every `ACTIONREC_PROGRESS_INTERVAL` seconds (default 10) and a final line when it closes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO, Any

from tqdm import tqdm

DEFAULT_INTERVAL_S = 10.0


def line_interval() -> float:
    """Seconds between progress lines on a non-terminal (`ACTIONREC_PROGRESS_INTERVAL`, default 10)."""
    value = os.environ.get("ACTIONREC_PROGRESS_INTERVAL")
    if not value:
        return DEFAULT_INTERVAL_S
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_INTERVAL_S
    return seconds if seconds >= 0 else DEFAULT_INTERVAL_S


def is_terminal(stream: IO | None) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class LineProgress(tqdm):
    """tqdm that writes whole lines (no carriage returns, no redraws): for log files and CI."""

    def line(self) -> str:
        """`desc: 40/120 view (33%), 00:12 elapsed, ~00:24 left, 3.3 view/s, postfix`."""
        d = self.format_dict
        n, total, unit, elapsed = d["n"], d["total"], d["unit"], d["elapsed"]
        scaled = d["unit_scale"] is True
        space = "" if scaled else " "  # 12.3MB, but 40 view

        def number(value: float) -> str:
            if scaled:
                return tqdm.format_sizeof(value, divisor=d["unit_divisor"])
            return f"{value:.3g}" if isinstance(value, float) else str(value)

        if total:
            parts = [f"{number(n)}/{number(total)}{space}{unit} ({100 * n / total:.0f}%)"]
        else:
            parts = [f"{number(n)}{space}{unit}"]
        parts.append(f"{tqdm.format_interval(elapsed)} elapsed")
        rate = (n - d["initial"]) / elapsed if elapsed > 0 else 0.0
        if rate > 0:
            if total and n < total:
                parts.append(f"~{tqdm.format_interval((total - n) / rate)} left")
            parts.append(f"{number(float(rate))}{space}{unit}/s")
        if d["postfix"]:
            parts.append(str(d["postfix"]).lstrip(", "))
        return (f"{d['prefix']}: " if d["prefix"] else "") + ", ".join(parts)

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        text = self.line() if msg is None else msg
        if not text:  # tqdm asks to clear the line: nothing to clear in a log
            return False
        self.fp.write(text.rstrip() + "\n")
        self.fp.flush()
        return True

    def close(self) -> None:
        if self.disable:
            return
        shown_last = self.n == self.last_print_n and self.last_print_t >= self.start_t + self.delay
        if not shown_last and self.last_print_t >= self.start_t + self.delay:
            self.display()  # the final count, unless the last line already said it
        self.leave = False  # tqdm's own close must not repeat the line
        super().close()


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: float | None = None,
    desc: str | None = None,
    unit: str = "it",
    disable: bool = False,
    delay: float = 0.0,
    file: IO | None = None,
    **kwargs: Any,
) -> tqdm:
    """A tqdm bar on a terminal, a `LineProgress` elsewhere; `delay` seconds before anything shows."""
    stream = file if file is not None else sys.stderr
    if is_terminal(stream):
        return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, delay=delay, file=stream, **kwargs)
    interval = line_interval()
    kwargs.setdefault("mininterval", interval)
    kwargs.setdefault("maxinterval", max(interval, kwargs["mininterval"]))
    kwargs.setdefault("dynamic_ncols", False)
    kwargs.setdefault("ncols", 100)
    return LineProgress(
        iterable, total=total, desc=desc, unit=unit, disable=disable, delay=delay, file=stream, **kwargs
    )
