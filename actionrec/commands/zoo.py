"""`actionrec zoo list | show | download | markdown`: MMAction2's TSN and UniFormerV2 checkpoints."""

from __future__ import annotations

import argparse
import json
import sys

from actionrec import zoo
from actionrec.download import DownloadError


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("zoo", help="pretrained checkpoints: list, show, download")
    sub = group.add_subparsers(dest="zoo_command", metavar="SUBCOMMAND", required=True)

    listing = sub.add_parser(
        "list",
        help="a table of the zoo's entries",
        description="Name, dataset, frames, test protocol and reported accuracy of "
        "every entry, in the order of MMAction2's pages.",
    )
    listing.add_argument(
        "--dataset",
        help="only this dataset (k400, k600, k700, k710, ucf101, hmdb51, "
        "diving48, sthv1, sthv2, mit, mmit, activitynet, hvu)",
    )
    listing.add_argument("--arch", choices=zoo.ARCHS, help="only this architecture")
    listing.add_argument("--json", action="store_true", help="print the entries as JSON")
    listing.set_defaults(func=run_list)

    show = sub.add_parser("show", help="every field of one entry")
    show.add_argument("name", metavar="NAME", help="entry name (or a config name from MMAction2's pages)")
    show.add_argument("--json", action="store_true", help="print the entry as JSON")
    show.set_defaults(func=run_show)

    fetch = sub.add_parser(
        "download",
        help="fetch checkpoints into the cache, checking their SHA-256",
        description="Downloads into $ACTIONREC_HOME/checkpoints (default ~/.cache/actionrec/checkpoints), "
        "resuming a partial download, and checks the SHA-256 prefix in the file name. A fusion entry "
        "downloads its members. Prints each file's path.",
    )
    fetch.add_argument("names", nargs="+", metavar="NAME")
    fetch.add_argument("--dir", help="download into this folder instead of the cache")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=run_download)

    markdown = sub.add_parser("markdown", help="print docs/model_zoo.md (generated from the zoo's data)")
    markdown.set_defaults(func=run_markdown)


def _fail(message: str, code: int = 1) -> int:
    print(f"actionrec zoo: error: {message}", file=sys.stderr)
    return code


def _accuracy_cells(e: zoo.ZooEntry) -> tuple[str, str, bool]:
    """TOP1 and TOP5 cells; True when they show mm-Kinetics numbers instead of the seed's top1/top5."""
    if e.top1 is None and e.top5 is None:
        if e.mean_ap is not None:
            return f"mAP {zoo.format_metric(e.mean_ap)}", "", False
        if e.mm_kinetics_top1 is not None:
            return f"({zoo.format_metric(e.mm_kinetics_top1)})", f"({zoo.format_metric(e.mm_kinetics_top5)})", True
    return zoo.format_metric(e.top1), zoo.format_metric(e.top5), False


def run_list(args: argparse.Namespace) -> int:
    try:
        selected = zoo.entries(dataset=args.dataset, arch=args.arch)
    except ValueError as e:
        return _fail(str(e), 2)
    if args.json:
        print(json.dumps([e.to_dict() for e in selected], indent=1, ensure_ascii=False))
        return 0
    rows = [("NAME", "DATASET", "FRAMES", "TEST", "TOP1", "TOP5")]
    footnote = False
    for e in selected:
        top1, top5, mm_kinetics = _accuracy_cells(e)
        footnote |= mm_kinetics
        test = f"{':'.join(f'{w:g}' for w in e.weights)} fusion" if e.is_fusion else e.test_protocol or "-"
        rows.append((e.name, e.dataset, str(e.frames), test, top1, top5))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
    print(f"{len(selected)} entries")
    if footnote:
        print("(x): accuracy on MMAction2's copy of Kinetics (mm-Kinetics); the page gives no other top1/top5")
    return 0


def run_show(args: argparse.Namespace) -> int:
    try:
        entry = zoo.get(args.name)
    except KeyError as e:
        return _fail(str(e), 2)
    record = entry.to_dict()
    if args.json:
        print(json.dumps(record, indent=1, ensure_ascii=False))
        return 0
    # A fusion has no file of its own: leave out the checkpoint fields it does not have.
    hidden = {"notes", "also_reported", "members", "weights"}
    hidden |= {k for k, v in record.items() if v is None} if entry.is_fusion else {"softmax"}
    width = max(len(k) for k in record)
    for key, value in record.items():
        if key not in hidden:
            print(f"{key.ljust(width)}  {'-' if value is None else value}")
    if entry.is_fusion:
        print(f"{'members'.ljust(width)}  " + " + ".join(f"{w:g} x {m}" for m, w in zip(entry.members, entry.weights)))
    for r in entry.also_reported:
        print(
            f"also reported as {r.config} ({r.section}; {r.note}): {r.test_protocol or '-'}, "
            f"top1 {zoo.format_metric(r.top1)}, top5 {zoo.format_metric(r.top5)}"
        )
    for note in entry.notes:
        print(f"note: {note}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    try:
        picked = [zoo.get(name) for name in args.names]
    except KeyError as e:
        return _fail(str(e), 2)
    names = [m for e in picked for m in (e.members or (e.name,))]
    for name in dict.fromkeys(names):
        try:
            path = zoo.checkpoint_path(name, download=True, dst_dir=args.dir, progress=not args.quiet)
        except DownloadError as e:
            return _fail(str(e))
        print(path)
    return 0


def run_markdown(args: argparse.Namespace) -> int:
    sys.stdout.write(zoo.render_markdown())
    return 0
