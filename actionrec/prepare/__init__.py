"""Dataset preparation: official annotations -> the lists and label maps the loaders read.

`prepare_dataset(name, src, out)` dispatches to one module per dataset family; `prepare_folder(src, out)`
turns your own class folders of videos into lists (`folder`); `resize` and
`frames` hold the video re-encoding and frame/flow extraction steps. See docs/datasets/NAME.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from actionrec.prepare.activitynet import prepare_activitynet
from actionrec.prepare.common import PrepareError, PrepareOptions, PrepareReport
from actionrec.prepare.diving48 import prepare_diving48
from actionrec.prepare.folder import prepare_folder
from actionrec.prepare.hmdb51 import prepare_hmdb51
from actionrec.prepare.hvu import prepare_hvu
from actionrec.prepare.kinetics import prepare_kinetics, prepare_kinetics710
from actionrec.prepare.mit import prepare_mit
from actionrec.prepare.mmit import prepare_mmit
from actionrec.prepare.sthv import prepare_sthv1, prepare_sthv2
from actionrec.prepare.ucf101 import prepare_ucf101

Preparer = Callable[[Path, Path, PrepareOptions], PrepareReport]

DATASETS: dict[str, Preparer] = {
    "kinetics400": partial(prepare_kinetics, "kinetics400"),
    "kinetics600": partial(prepare_kinetics, "kinetics600"),
    "kinetics700": partial(prepare_kinetics, "kinetics700"),
    "kinetics710": prepare_kinetics710,
    "ucf101": prepare_ucf101,
    "hmdb51": prepare_hmdb51,
    "sthv1": prepare_sthv1,
    "sthv2": prepare_sthv2,
    "mit": prepare_mit,
    "mmit": prepare_mmit,
    "activitynet": prepare_activitynet,
    "hvu": prepare_hvu,
    "diving48": prepare_diving48,
}


def prepare_dataset(
    name: str, src: str | Path, out: str | Path, options: PrepareOptions | None = None
) -> PrepareReport:
    """Reads `name`'s official annotations under `src` and writes its lists and label maps into `out`."""
    if name not in DATASETS:
        raise PrepareError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise PrepareError(f"source folder not found: {src}")
    out.mkdir(parents=True, exist_ok=True)
    return DATASETS[name](src, out, options or PrepareOptions())


__all__ = ["DATASETS", "PrepareError", "PrepareOptions", "PrepareReport", "prepare_dataset", "prepare_folder"]
