"""The `actionrec` command line: a thin shell over the library.

Each command group lives in its own module under `actionrec/commands/` and exposes
`register(subparsers)`, which adds its sub-commands and sets `func` on each parser.
A command function takes the parsed namespace and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from actionrec import __version__
from actionrec.errors import ActionrecError

# Command modules, in the order `actionrec --help` lists them.
COMMAND_MODULES = [
    "actionrec.commands.data",
    "actionrec.commands.fuse",
    "actionrec.commands.config",
    "actionrec.commands.train",
    "actionrec.commands.test",
    "actionrec.commands.benchmark",
    "actionrec.commands.flops",
    "actionrec.commands.plot",
    "actionrec.commands.demo",
    "actionrec.commands.zoo",
    "actionrec.commands.weights",
    "actionrec.commands.recognize",
    "actionrec.commands.features",
    "actionrec.commands.export",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actionrec", description="Video action recognition: TSN and UniFormerV2.")
    parser.add_argument("--version", action="version", version=f"actionrec {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ActionrecError, FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as e:
        # bad input: one line naming what is wrong, exit 2; `--debug` for the traceback
        if args.debug:
            raise
        message = str(e) if not isinstance(e, OSError) or not e.filename else f"{e.strerror}: {e.filename}"
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
