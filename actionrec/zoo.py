"""The model zoo: every checkpoint MMAction2 publishes for TSN and UniFormerV2, as data.

The records live in `zoo_entries.json` beside this module, one per checkpoint file (an entry's
name is the file's stem without the `_YYYYMMDD-hash` suffix). Rows of MMAction2's pages that
report the same file again (the Kinetics-400 data benchmark, the OmniSource baseline, a second
test protocol) are kept on that entry as `also_reported`; the two-stream [1:1] rows have no file
of their own and are fusion entries naming their RGB and flow members. `docs/model_zoo.md` is
generated from the same data by `render_markdown()`.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from actionrec.data.annotations import load_label_map
from actionrec.download import cache_dir, cached_file
from actionrec.download import download as fetch_file
from actionrec.errors import ActionrecError

ARCHS = ("tsn", "uniformerv2")
# Other spellings (lower case, without '-', '_', ' ') -> the zoo's keys, which are the label-map suffixes.
DATASET_ALIASES = {
    "kinetics400": "k400",
    "kinetics600": "k600",
    "kinetics700": "k700",
    "kinetics710": "k710",
    "somethingsomethingv1": "sthv1",
    "somethingsomethingv2": "sthv2",
    "momentsintime": "mit",
    "mitv1": "mit",
    "multimomentsintime": "mmit",
    "anet": "activitynet",
    "activitynetv1.3": "activitynet",
}
_DATA_FILE = "zoo_entries.json"


class ZooError(ActionrecError, ValueError):
    """A bad zoo request (unknown dataset or arch, a fusion asked for its file) or a malformed zoo record."""


class UnknownEntryError(ActionrecError, KeyError):
    """A name that is not in the zoo; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class ReportedResult:
    """Another row of the seed pages that reports the same checkpoint (other config name or test)."""

    section: str
    config: str
    test_protocol: str | None
    top1: float | None
    top5: float | None
    note: str


@dataclass(frozen=True)
class ZooEntry:
    """One released checkpoint (or, with `members`, a late fusion of two of them)."""

    name: str
    arch: str
    dataset: str
    label_map_file: str  # in actionrec/label_maps/
    num_classes: int
    backbone: str
    pretrain: str
    frames: int  # TSN: segments; UniFormerV2: uniformly sampled frames
    top1: float | None = None
    top5: float | None = None
    section: str = ""  # the seed page's table heading
    seed: str = ""  # the seed page the row comes from, and its line
    seed_line: int = 0
    notes: tuple[str, ...] = ()
    # checkpoint entries
    config: str | None = None
    url: str | None = None
    sha256_prefix: str | None = None
    modality: str = "rgb"
    label_category: str | None = None  # HVU: which tag category the head predicts
    resolution: str | None = None
    test_protocol: str | None = None
    test_protocol_source: str | None = None  # "seed", or "config" where the seed does not say
    mean_ap: float | None = None
    ref_top1: float | None = None  # the reference code base's accuracy, as the seed reports it
    ref_top5: float | None = None
    mm_kinetics_top1: float | None = None  # UniFormerV2 on MMAction2's copy of Kinetics
    mm_kinetics_top5: float | None = None
    flops: str | None = None
    params: str | None = None
    gpus: str | None = None
    gpu_memory_mb: int | None = None
    inference_speed: str | None = None
    log_url: str | None = None
    json_url: str | None = None
    also_reported: tuple[ReportedResult, ...] = ()
    # fusion entries
    members: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    softmax: bool = False  # softmax each member's scores before the weighted sum

    @property
    def is_fusion(self) -> bool:
        return bool(self.members)

    @property
    def filename(self) -> str | None:
        return self.url.rsplit("/", 1)[-1] if self.url else None

    def label_map(self) -> list[str]:
        """The class names, in the order of the classifier's outputs."""
        resource = resources.files("actionrec") / "label_maps" / self.label_map_file
        with resources.as_file(resource) as path:
            return load_label_map(path, self.label_category)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["notes"] = list(self.notes)
        out["also_reported"] = [vars(r) for r in self.also_reported]
        out["members"], out["weights"] = list(self.members), list(self.weights)
        return out


def _entry_from_record(record: dict, where: str) -> ZooEntry:
    known = {f.name for f in fields(ZooEntry)}
    unknown = sorted(set(record) - known)
    if unknown:
        raise ZooError(f"{where}: unknown field(s) {unknown}; expected some of {sorted(known)}")
    record = dict(record)
    record["notes"] = tuple(record.get("notes", ()))
    record["also_reported"] = tuple(ReportedResult(**r) for r in record.get("also_reported", ()))
    record["members"] = tuple(record.get("members", ()))
    record["weights"] = tuple(float(w) for w in record.get("weights", ()))
    try:
        entry = ZooEntry(**record)
    except TypeError as e:
        raise ZooError(f"{where}: {e}") from e
    if entry.arch not in ARCHS:
        raise ZooError(f"{where}: arch {entry.arch!r} is not one of {ARCHS}")
    if not entry.is_fusion and not (entry.url and entry.sha256_prefix and entry.config):
        raise ZooError(f"{where}: a checkpoint entry needs url, sha256_prefix and config")
    return entry


@functools.cache
def _registry() -> dict[str, ZooEntry]:
    text = (resources.files("actionrec") / _DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    registry: dict[str, ZooEntry] = {}
    for group in ("entries", "fusions"):
        for i, record in enumerate(data[group]):
            entry = _entry_from_record(record, f"{_DATA_FILE}: {group}[{i}] ({record.get('name', '?')})")
            if entry.name in registry:
                raise ZooError(f"{_DATA_FILE}: {group}[{i}]: duplicate name {entry.name!r}")
            registry[entry.name] = entry
    for entry in registry.values():
        missing = [m for m in entry.members if m not in registry]
        if missing:
            raise ZooError(f"{_DATA_FILE}: fusion {entry.name!r} names unknown members {missing}")
    return registry


def normalize_dataset(dataset: str) -> str:
    """The zoo's key for a dataset name ('Kinetics-400', 'kinetics400', 'k400' -> 'k400')."""
    key = re.sub(r"[-_ ]", "", dataset.lower())
    key = DATASET_ALIASES.get(key, key)
    known = sorted({e.dataset for e in _registry().values()})
    if key not in known:
        raise ZooError(f"unknown dataset {dataset!r}; the zoo has {', '.join(known)}")
    return key


def entries(dataset: str | None = None, arch: str | None = None, fusions: bool = True) -> list[ZooEntry]:
    """Zoo entries in the seed pages' order, optionally of one dataset and/or architecture.

    `fusions=False` leaves out the two-stream entries, which have no checkpoint file.
    """
    if arch is not None and arch.lower() not in ARCHS:
        raise ZooError(f"unknown arch {arch!r}; expected one of {', '.join(ARCHS)}")
    key = normalize_dataset(dataset) if dataset is not None else None
    return [
        e
        for e in _registry().values()
        if (key is None or e.dataset == key)
        and (arch is None or e.arch == arch.lower())
        and (fusions or not e.is_fusion)
    ]


def get(name: str) -> ZooEntry:
    """The entry called `name`, or the one checkpoint reported under config `name`.

    Several seed rows name a checkpoint by its config (the data-benchmark configs point at the
    main table's files), so a config's stem or path is accepted when it names exactly one entry
    or is itself an entry's name.
    """
    registry = _registry()
    if name in registry:
        return registry[name]
    stem = Path(name).stem
    if stem in registry:  # a config path whose checkpoint carries the config's name
        return registry[stem]
    by_config = [
        e
        for e in registry.values()
        if stem in {Path(c).stem for c in (e.config, *(r.config for r in e.also_reported)) if c}
    ]
    if len(by_config) == 1:
        return by_config[0]
    if by_config:
        listed = ", ".join(e.name for e in by_config)
        raise UnknownEntryError(f"{name!r} is the config of several checkpoints: {listed}; pick one by name")
    close = difflib.get_close_matches(name, list(registry), n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; `actionrec zoo list` shows all names"
    raise UnknownEntryError(f"no zoo entry named {name!r}{hint}")


def checkpoint_path(
    name: str,
    download: bool = True,
    dst_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> Path:
    """The local, hash-checked file of checkpoint `name` (default folder: `$ACTIONREC_HOME/checkpoints`).

    Any file already there (downloaded, or put there by hand) is checked against the SHA-256
    prefix in its name, with or without `download`; one that fails is moved aside. A missing file
    is fetched (resuming a partial one) when `download=True`, else NotCachedError (a
    FileNotFoundError) says what to fetch and where to put it.
    """
    entry = get(name)
    if entry.is_fusion:
        raise ZooError(
            f"{entry.name} is a fusion of {' and '.join(entry.members)} and has no checkpoint of "
            "its own; ask for each member's checkpoint"
        )
    folder = Path(dst_dir) if dst_dir is not None else cache_dir() / "checkpoints"
    if download:
        return fetch_file(entry.url, folder, entry.sha256_prefix, progress)
    return cached_file(entry.url, folder, entry.sha256_prefix)


def format_metric(value: float | None) -> str:
    """An accuracy with one or two decimals (89.0, 70.6, 89.26), or '-' when not reported."""
    if value is None:
        return "-"
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def _other_metrics(e: ZooEntry) -> str:
    parts = []
    if e.mean_ap is not None:
        parts.append(f"mAP {format_metric(e.mean_ap)}")
    if e.ref_top1 is not None or e.ref_top5 is not None:
        parts.append(f"reference {format_metric(e.ref_top1)}/{format_metric(e.ref_top5)}")
    if e.mm_kinetics_top1 is not None or e.mm_kinetics_top5 is not None:
        parts.append(f"mm-Kinetics {format_metric(e.mm_kinetics_top1)}/{format_metric(e.mm_kinetics_top5)}")
    return ", ".join(parts)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_markdown() -> str:
    """docs/model_zoo.md: one table per seed section, then notes and other reported results."""
    out = [
        "# Model zoo",
        "",
        "<!-- Generated from actionrec/zoo_entries.json by `actionrec zoo markdown > docs/model_zoo.md`; "
        "do not edit by hand. -->",
        "",
        "Every checkpoint MMAction2 publishes on its TSN and UniFormerV2 model-zoo pages, under the "
        "name of its file (without the date and hash). `actionrec zoo download NAME` fetches one into "
        "`$ACTIONREC_HOME/checkpoints` and checks the SHA-256 prefix in its name; "
        "`actionrec zoo show NAME` prints everything below and more.",
        "",
        "Accuracies are in percent, as MMAction2 reports them: top-1/top-5 (mAP for MMiT and HVU). "
        '"reference" is the original code base\'s result; "mm-Kinetics" is UniFormerV2 tested on '
        "MMAction2's copy of Kinetics. Test protocols marked † are not stated on MMAction2's page and are "
        "taken from the test pipeline of MMAction2's config.",
        "",
    ]
    by_section: dict[tuple[str, str], list[ZooEntry]] = {}
    for e in _registry().values():
        by_section.setdefault((e.arch, e.section), []).append(e)
    titles = {"tsn": "TSN", "uniformerv2": "UniFormerV2"}
    arch_shown = None
    for (arch, section), group in by_section.items():
        if arch != arch_shown:
            out += [f"## {titles[arch]}", ""]
            arch_shown = arch
        out += [f"### {section}", ""]
        checkpoints = [e for e in group if not e.is_fusion]
        if checkpoints:
            out.append(
                _md_row(
                    [
                        "name",
                        "modality",
                        "backbone",
                        "pretrain",
                        "frames",
                        "resolution",
                        "test",
                        "top-1",
                        "top-5",
                        "other",
                        "ckpt",
                        "config",
                    ]
                )
            )
            out.append(_md_row(["---"] * 12))
            for e in checkpoints:
                test = (e.test_protocol or "-") + (" †" if e.test_protocol_source == "config" else "")
                out.append(
                    _md_row(
                        [
                            f"`{e.name}`",
                            e.modality,
                            e.backbone,
                            e.pretrain,
                            str(e.frames),
                            e.resolution or "-",
                            test,
                            format_metric(e.top1),
                            format_metric(e.top5),
                            _other_metrics(e) or "-",
                            f"[{e.sha256_prefix}]({e.url})",
                            f"`{e.config}`",
                        ]
                    )
                )
            out.append("")
        fused = [e for e in group if e.is_fusion]
        if fused:
            out.append(_md_row(["fusion", "members (weights)", "top-1", "top-5"]))
            out.append(_md_row(["---"] * 4))
            for e in fused:
                members = " + ".join(f"{w:g} × `{m}`" for m, w in zip(e.members, e.weights))
                out.append(_md_row([f"`{e.name}`", members, format_metric(e.top1), format_metric(e.top5)]))
            out.append("")
        for e in group:
            if e.notes:
                out.append(f"- `{e.name}`: {'; '.join(e.notes)}")
            for r in e.also_reported:
                out.append(
                    f"- `{e.name}` is also reported as `{r.config}` ({r.note}): "
                    f"{r.test_protocol or '-'}, top-1 {format_metric(r.top1)}, top-5 {format_metric(r.top5)}"
                )
        if any(e.notes or e.also_reported for e in group):
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
