"""`actionrec config show CONFIG`: the resolved config (bases merged, MMAction2 imported, overrides applied)."""

from __future__ import annotations

import argparse
import json
import sys

from actionrec.config import Config, load_config_dict


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="override config keys, e.g. optimizer.lr=0.01 data.train.batch_size=4 (values are Python literals)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("config", help="inspect config files")
    sub = group.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    show = sub.add_parser(
        "show",
        help="print the resolved, validated config",
        description="Reads CONFIG (Python read as data, or YAML; actionrec or MMAction2 style), "
        "merges its _base_ chain, applies --cfg-options, validates it and prints it.",
    )
    show.add_argument("config", metavar="CONFIG")
    show.add_argument("--format", choices=("yaml", "json"), default="yaml")
    add_cfg_options(show)
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    import yaml

    raw, ignored = load_config_dict(args.config, args.cfg_options)  # errors: printed by cli.main
    cfg = Config.from_dict(raw, args.config)
    data = cfg.to_dict()
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print(yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False, width=110, default_flow_style=None), end="")
    for item in ignored:
        print(f"# ignored from the MMAction2 config: {item}", file=sys.stderr)
    return 0
