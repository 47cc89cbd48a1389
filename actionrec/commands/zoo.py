"""`actionrec zoo list | show | download | markdown`: MMAction2's TSN and UniFormerV2 checkpoints."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Sequence

from actionrec import zoo
from actionrec.download import destination

# Keyword arguments of a config's model that only matter for training from scratch: the Python call
# that loads a checkpoint leaves them out.
_TRAINING_ONLY = {"pretrained", "dropout", "init_std"}


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

    show = sub.add_parser(
        "show",
        help="one entry: what it is, how well it does, and the Python and CLI calls that load it",
        description="The user-facing fields of one entry (--json: every field of the record).",
    )
    show.add_argument("name", metavar="NAME", help="entry name (or a config name from MMAction2's pages)")
    show.add_argument("--json", action="store_true", help="print the whole record as JSON")
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


def _accuracy_cells(e: zoo.ZooEntry) -> tuple[str, str, bool]:
    """TOP1 and TOP5 cells; True when they show mm-Kinetics numbers instead of the seed's top1/top5."""
    if e.top1 is None and e.top5 is None:
        if e.mean_ap is not None:
            return f"mAP {zoo.format_metric(e.mean_ap)}", "", False
        if e.mm_kinetics_top1 is not None:
            return f"({zoo.format_metric(e.mm_kinetics_top1)})", f"({zoo.format_metric(e.mm_kinetics_top5)})", True
    return zoo.format_metric(e.top1), zoo.format_metric(e.top5), False


def run_list(args: argparse.Namespace) -> int:
    selected = zoo.entries(dataset=args.dataset, arch=args.arch)
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


def load_call(entry: zoo.ZooEntry) -> str:
    """The one line of Python that builds the entry's model and loads its checkpoint by name.

    The keyword arguments are those of the entry's config that differ from the constructor's
    defaults (the architecture, the class count, the test-time averaging), less the ones that only
    matter for training.
    """
    from actionrec.build import model_spec
    from actionrec.models.registry import model_args
    from actionrec.models.tsn import FLOW_MEAN, FLOW_STD, IMAGENET_MEAN, IMAGENET_STD
    from actionrec.recognize import zoo_config_path

    spec = model_spec(zoo_config_path(entry.name, entry.config))
    name = spec.pop("name")
    defaults = {k: p.default for k, p in model_args(name).items() if p.default is not inspect.Parameter.empty}
    if name.startswith("tsn"):  # TSN's mean/std default to ImageNet's (RGB) or 128 (flow) per input channel
        channels = spec.get("in_channels", 3)
        defaults["mean"] = IMAGENET_MEAN if channels == 3 else (FLOW_MEAN,) * channels
        defaults["std"] = IMAGENET_STD if channels == 3 else (FLOW_STD,) * channels
    kwargs = {"num_classes": spec.pop("num_classes", entry.num_classes)}
    for key, value in spec.items():
        if key not in _TRAINING_ONLY and (key not in defaults or not _same(value, defaults[key])):
            kwargs[key] = value
    arguments = ", ".join([repr(name), *(f"{k}={v!r}" for k, v in kwargs.items()), f"pretrained={entry.name!r}"])
    return f"actionrec.create_model({arguments})"


def _same(a: object, b: object) -> bool:
    if isinstance(a, Sequence) and isinstance(b, Sequence) and not isinstance(a, str):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _user_fields(e: zoo.ZooEntry) -> list[tuple[str, str]]:
    """What a user choosing or loading a checkpoint needs; bookkeeping (seed page, line, GPUs) stays in --json."""
    metric = zoo.format_metric
    test = (e.test_protocol or "-") + (
        " (from the config's test pipeline)" if e.test_protocol_source == "config" else ""
    )
    rows = [
        ("name", e.name),
        ("model", f"{e.arch}, {e.backbone} backbone, {e.modality}, pretrained on {e.pretrain}"),
        (
            "dataset",
            f"{e.dataset} ({e.num_classes} classes)" + (f", {e.label_category} tags" if e.label_category else ""),
        ),
        ("frames", str(e.frames) + (f", resolution {e.resolution}" if e.resolution else "")),
        ("test protocol", test),
    ]
    if e.top1 is not None or e.top5 is not None:
        rows.append(("accuracy", f"top-1 {metric(e.top1)}, top-5 {metric(e.top5)}"))
    other = zoo._other_metrics(e)
    if other:
        rows.append(("also", other))
    if e.flops or e.params:
        rows.append(
            ("cost", ", ".join(x for x in (e.flops and f"{e.flops} FLOPs", e.params and f"{e.params} params") if x))
        )
    rows += [
        ("config", e.config or "-"),
        ("checkpoint", e.url or "-"),
        ("sha256", f"{e.sha256_prefix}..." if e.sha256_prefix else "-"),
    ]
    if e.url:
        path = destination(e.url)
        rows.append(("cached at", f"{path}" + ("" if path.is_file() else " (not downloaded yet)")))
    return rows


def run_show(args: argparse.Namespace) -> int:
    entry = zoo.get(args.name)
    if args.json:
        print(json.dumps(entry.to_dict(), indent=1, ensure_ascii=False))
        return 0
    if entry.is_fusion:
        members = " + ".join(f"{w:g} x {m}" for m, w in zip(entry.members, entry.weights))
        rows = [
            ("name", entry.name),
            ("fusion", members + (" (each softmaxed first)" if entry.softmax else "")),
            ("dataset", f"{entry.dataset} ({entry.num_classes} classes)"),
            ("accuracy", f"top-1 {zoo.format_metric(entry.top1)}, top-5 {zoo.format_metric(entry.top5)}"),
        ]
    else:
        rows = _user_fields(entry)
    width = max(len(key) for key, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    for r in entry.also_reported:
        print(
            f"also reported as {r.config} ({r.note}): {r.test_protocol or '-'}, "
            f"top-1 {zoo.format_metric(r.top1)}, top-5 {zoo.format_metric(r.top5)}"
        )
    for note in entry.notes:
        print(f"note: {note}")
    print()
    if entry.is_fusion:
        print("Load it: each member on its own (`actionrec zoo show MEMBER`), then `actionrec fuse` their scores")
        return 0
    print("Load it:")
    print(f"  Python  {load_call(entry)}")
    video = "FLOW_FRAMES_DIR" if entry.modality == "flow" else "VIDEO"
    print(f"  CLI     actionrec recognize {video} --model {entry.name}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    picked = [zoo.get(name) for name in args.names]
    names = [m for e in picked for m in (e.members or (e.name,))]
    for name in dict.fromkeys(names):
        print(zoo.checkpoint_path(name, download=True, dst_dir=args.dir, progress=not args.quiet), flush=True)
    return 0


def run_markdown(args: argparse.Namespace) -> int:
    sys.stdout.write(zoo.render_markdown())
    return 0
