"""The golden UniFormerV2-B/16 exported to ONNX: its difference from PyTorch and onnxruntime vs PyTorch time.

Weights follow the golden procedure (tests/golden_weights.py) on MMAction2's exact checkpoint layout,
so the exported scores can also be compared with MMAction2's own (`probs` in the golden file). The
input is the golden file's: 1 video, 2 views of 8x224x224. Times are the median of `--reps` runs
after one warm-up, PyTorch `predict` and onnxruntime's CPU provider on the same number of threads.

    python benchmarks/export_golden.py [--out b16.onnx] [--reps 3] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import onnxruntime
import torch
from timing import timed

from actionrec import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.export import export

# the golden weight procedure lives with the tests that pin it; one copy, imported from there
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from golden_weights import load_golden, procedure_state_dict  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where to write the .onnx (default: a temporary folder)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, help="threads for both runtimes (default: torch's)")
    parser.add_argument("--opset", type=int)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()

    golden = load_golden("uniformerv2_b16_k400_u8")
    model = build_model(golden["model_cfg"]).eval()
    load_checkpoint(model, procedure_state_dict(golden["state_dict_keys"]), strict=True)
    views = golden["input"]
    print(f"UniFormerV2-B/16, input {tuple(views.shape)} uint8, torch {torch.__version__}, {threads} threads")
    print(f"onnxruntime {onnxruntime.__version__}, onnxscript {version('onnxscript')}, onnx {version('onnx')}")

    with tempfile.TemporaryDirectory() as scratch:
        path = args.out or Path(scratch) / "uniformerv2_b16.onnx"
        start = time.perf_counter()
        report = export(model, views, "onnx", path, opset=args.opset)
        print(f"export + check: {time.perf_counter() - start:.1f} s")
        print(report)

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        feed = {"views": views.numpy()}
        exported = torch.from_numpy(session.run(None, feed)[0])
        mmaction = golden["probs"]
        print(
            f"vs MMAction2's probs: onnxruntime {(exported - mmaction).abs().max():.3g}, "
            f"PyTorch {(model.predict(views) - mmaction).abs().max():.3g} (scale {mmaction.abs().max():.3g}); "
            f"top-1 {exported.argmax(-1).tolist()} vs {mmaction.argmax(-1).tolist()}"
        )

        with torch.inference_mode():
            torch_s = timed(lambda: model.predict(views), "cpu", args.reps, reduce=statistics.median)
        ort_s = timed(lambda: session.run(None, feed), "cpu", args.reps, reduce=statistics.median)
        per_view = views.shape[0] * views.shape[1]
        print(
            f"PyTorch {torch_s * 1e3:.0f} ms/video ({torch_s * 1e3 / per_view:.0f} ms/view), onnxruntime "
            f"{ort_s * 1e3:.0f} ms/video ({ort_s * 1e3 / per_view:.0f} ms/view): "
            f"onnxruntime/PyTorch {ort_s / torch_s:.2f}"
        )


if __name__ == "__main__":
    main()
