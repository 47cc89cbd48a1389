"""Recognise actions in one video (or in windows of a long one) with a config's test protocol.

    result = actionrec.recognize("clip.mp4", model="tsn_r50_1x1x3_100e_kinetics400_rgb")   # a zoo entry
    result = actionrec.recognize(frames, config="cfg.py", checkpoint="epoch_8.pth")
    print(result.topk(5))                                          # [(class name, probability), ...]
    windows = actionrec.recognize("long.mp4", model=..., window=4.0, stride=2.0)   # one result per window
    for w in recognizer.stream(camera_frames, window=4.0, stride=2.0, fps=30):     # live, bounded memory
        print(w.span, w.topk(3))

A `Recognizer` builds the model once and recognises many inputs. Each input (or window) is
sampled and transformed exactly as the config's `data.test` pipeline says (clips x crops), and
the views are averaged as the config says (`test.average_clips`, else the model's own setting).
Frame-folder (rawframes) configs recognise video files the same way: only the reader changes.
Windows are cut from a stream of frames (`Recognizer.stream`, `actionrec.stream`): a file's
windows are its frames, decoded in one forward pass, streamed; memory holds one window.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from actionrec import zoo
from actionrec.build import build_model
from actionrec.checkpoints import CheckpointError, load_checkpoint
from actionrec.config import Config, ConfigError, ConfigNotFoundError, load_config, resolve_config
from actionrec.data.annotations import load_label_map
from actionrec.data.datasets import Pipeline
from actionrec.data.decoders import (
    FlowFolderReader,
    FrameFolderReader,
    FrameReader,
    VideoDecodeError,
    VideoReader,
    open_video,
)
from actionrec.data.transforms import MODALITY_CHANNELS, Clip
from actionrec.errors import ActionrecError
from actionrec.models.fuse import for_inference
from actionrec.progress import progress_bar
from actionrec.stream import TIME_TOLERANCE, Window, WindowCutter, timed_frames

log = logging.getLogger(__name__)

#: label maps that ship with the package: a config naming one of these files uses it when its own path is absent
PACKAGED_LABEL_MAPS = Path(__file__).resolve().parent / "label_maps"
# Progress: nothing is shown for recognitions shorter than this; longer ones show decoding and views done / total.
_PROGRESS_DELAY_S = 1.5

VideoInput = str | os.PathLike | np.ndarray | torch.Tensor

# Seconds within which a frame's pts counts as equal to a window edge (k * stride is computed in floats).
_TIME_TOLERANCE = TIME_TOLERANCE


class RecognizeError(ActionrecError, ValueError):
    """Input recognition cannot use (frame layout, windows, label map size, flow vs RGB); says what was expected."""


# -- results ------------------------------------------------------------------------------------


@dataclass
class Recognition:
    """Class probabilities for one input, or for one window of it (`start`/`end` in seconds)."""

    scores: np.ndarray  # (num_classes,) float32 probabilities
    labels: list[str]
    source: str
    start: float | None = None
    end: float | None = None

    def topk(self, k: int = 5) -> list[tuple[str, float]]:
        """The `k` most probable classes as (name, probability), best first."""
        order = np.argsort(-self.scores, kind="stable")[:k]
        return [(self.labels[i], float(self.scores[i])) for i in order]

    @property
    def span(self) -> str:
        return "" if self.start is None else f"{self.start:.2f}-{self.end:.2f} s"

    def to_dict(self, k: int = 5) -> dict:
        """JSON-ready: every class score in class order, plus the top-k."""
        out: dict = {"source": self.source}
        if self.start is not None:  # to the microsecond: k * stride in floats leaves 4.800000000000001
            out.update(start=round(self.start, 6), end=round(self.end, 6))
        out["topk"] = [{"label": name, "score": score} for name, score in self.topk(k)]
        out["labels"] = list(self.labels)
        out["scores"] = [float(s) for s in self.scores]
        return out

    def __str__(self) -> str:
        head = f"{self.source}" + (f" [{self.span}]" if self.start is not None else "")
        rows = [f"  {rank}. {name}  {score:.4f}" for rank, (name, score) in enumerate(self.topk(5), 1)]
        return "\n".join([head, *rows])


# -- inputs ---------------------------------------------------------------------------------------


class ArrayReader(FrameReader):
    """Frames already in memory, `(T, C, H, W)` uint8, behind the reader interface the pipeline uses."""

    def __init__(self, frames: torch.Tensor, fps: float | None = None, path: str = "<array>") -> None:
        self.frames = frames
        self.num_frames = frames.shape[0]
        self.fps = fps
        self.path = path

    def read(self, indices: Sequence[int]) -> torch.Tensor:
        return self.frames[torch.as_tensor(self._checked(indices))]


def frames_from_array(array: np.ndarray | torch.Tensor, channels: int = 3) -> torch.Tensor:
    """uint8 frames as `(T, C, H, W)`.

    Accepted layouts: a numpy array `(T, H, W, C)` (as decord, PyAV and OpenCV give frames; OpenCV's
    are BGR: pass `frames[..., ::-1]`), or a torch tensor `(T, C, H, W)` (torchvision / torchcodec).
    C is 3 (RGB) or, for flow models, 2 (x, y). Anything else, or a shape that fits both layouts,
    is refused rather than guessed.
    """
    is_numpy = isinstance(array, np.ndarray)
    if not is_numpy and not isinstance(array, torch.Tensor):
        raise TypeError(f"expected a video path, a numpy array or a torch tensor, got {type(array).__name__}")
    kind, layout = ("numpy array", "(T, H, W, C)") if is_numpy else ("torch tensor", "(T, C, H, W)")
    shape = tuple(array.shape)
    expected = f"a uint8 {kind} {layout} with C={channels}"
    if array.dtype != (np.uint8 if is_numpy else torch.uint8):
        raise RecognizeError(
            f"frames: expected {expected}, got dtype {array.dtype}; scale 0..1 floats with "
            "(x * 255).round() and convert to uint8"
        )
    if len(shape) != 4:
        hint = " (one image: add a time axis)" if len(shape) == 3 else ""
        raise RecognizeError(f"frames: expected {expected}, got shape {shape}{hint}")
    channel_axis, other_axis = (3, 1) if is_numpy else (1, 3)
    if shape[channel_axis] != channels:
        fix = "frames.transpose(0, 2, 3, 1)" if is_numpy else "frames.permute(0, 3, 1, 2)"
        hint = f"; it looks {'channels-first' if is_numpy else 'channels-last'}: pass {fix}"
        hint = hint if shape[other_axis] == channels else ""
        raise RecognizeError(f"frames: expected {expected}, got shape {shape}{hint}")
    if shape[other_axis] == channels:
        raise RecognizeError(
            f"frames: shape {shape} is ambiguous (C={channels} on axis 1 and axis 3); expected "
            f"{expected} with H, W > {channels}"
        )
    if 0 in shape:
        raise RecognizeError(f"frames: expected {expected}, got an empty shape {shape}")
    if is_numpy:
        return torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2)
    return array.detach().cpu()


# -- windows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Frames `first .. first + count - 1` of a reader, shown from `start` to `end` seconds."""

    first: int
    count: int
    start: float | None = None
    end: float | None = None


def window_spans(
    times: Sequence[float], frame_duration: float, window: float, stride: float | None = None
) -> list[Span]:
    """Windows of `window` seconds every `stride` (default: `window`) seconds, from the first frame's time.

    A frame belongs to a window when `start <= pts < end`. The video ends one frame duration after
    the last frame; windows stop at the first one reaching that end, which is kept only if it lasts at
    least half a window (or is the only one). Windows holding no frame (gaps in a variable frame rate)
    are left out.
    """
    stride = window if stride is None else stride
    if not window > 0 or not stride > 0:
        raise RecognizeError(f"window and stride must be positive seconds, got window={window}, stride={stride}")
    times = np.asarray(times, dtype=np.float64)
    video_end = float(times[-1]) + frame_duration
    spans = []
    k = 0
    while True:
        start = float(times[0]) + k * stride
        end = min(start + window, video_end)
        if spans and end - start < window / 2 - _TIME_TOLERANCE:
            break
        first, stop = np.searchsorted(times, [start - _TIME_TOLERANCE, end - _TIME_TOLERANCE])
        if stop > first:
            spans.append(Span(int(first), int(stop - first), start, end))
        if start + window >= video_end:
            break
        k += 1
    return spans


def _frame_times(reader: FrameReader, fps: float | None) -> tuple[list[float], float]:
    """Each frame's time in seconds (from pts for video files) and one frame's duration."""
    times = None
    if isinstance(reader, VideoReader):
        try:
            times = reader.timestamps(range(reader.num_frames))
        except VideoDecodeError:
            log.warning("%s: no frame timestamps; using frame index / fps", reader.path)
    if fps is None and times is not None and len(times) > 1:
        fps = (len(times) - 1) / (times[-1] - times[0])
    if fps is None or fps <= 0:
        raise RecognizeError(
            f"{reader.path}: windows need the frame rate; pass fps= (--fps) for frame arrays and folders"
        )
    if times is None:
        times = [i / fps for i in range(reader.num_frames)]
    return times, 1.0 / fps


@dataclass
class FrameStream:
    """A reader's frames as `(seconds, frame (C, H, W))` in display order, from one forward pass
    (`FrameReader.iter_frames`): what `Recognizer.stream` takes. `fps` is the source's frame rate
    (given, the file's average, else estimated from the times)."""

    reader: FrameReader
    times: list[float]
    fps: float

    @property
    def path(self) -> str:
        return self.reader.path

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self) -> Iterator[tuple[float, torch.Tensor]]:
        return zip(self.times, self.reader.iter_frames())


def video_frames(
    path: str | os.PathLike, backend: str = "auto", fps: float | None = None
) -> Iterator[tuple[float, torch.Tensor]]:
    """Every frame of a video file as `(seconds, (3, H, W) uint8)`, decoded sequentially in one pass
    (PyAV decodes forward frame by frame; other backends read a few frames at a time). Times come
    from the frames' pts (a stream without pts: index / `fps`, default the file's average rate).

        for t, frame in video_frames("long.mp4"): ...
        recognizer.stream(video_frames("long.mp4"), window=4.0)
    """
    with open_video(path, backend) as reader:
        times, _ = _frame_times(reader, fps if fps is not None else reader.fps)
        yield from zip(times, reader.iter_frames())


# -- the recognizer -------------------------------------------------------------------------------


class Recognizer:
    """A model, its test pipeline and its class names: recognises many inputs without rebuilding.

    The model runs as `for_inference` makes it, on `device` (default: cuda when available): an eval
    copy with BatchNorm folded into the convolutions (`fuse=False`: the model as given, in eval mode,
    MMAction2-exact numerics), compiled by `torch.compile` with `compile=True` (the first input of each
    shape pays the compilation, which is logged). `average_clips`
    overrides the model's view averaging ('prob', 'score' or None). Scores are
    reported as probabilities: as averaged under 'prob', else a softmax of the averaged scores
    (a sigmoid per class for multi-label models).
    """

    def __init__(
        self,
        model: nn.Module,
        pipeline: Pipeline,
        labels: Sequence[str] | None = None,
        *,
        average_clips: str | None | object = ...,
        multi_label: bool = False,
        device: str | torch.device | None = None,
        amp: str | None = None,
        backend: str = "auto",
        filename_tmpl: str | None = None,
        progress: bool = True,
        precision: str | None = None,
        fuse: bool = True,
        compile: bool = False,
    ) -> None:
        if not hasattr(model, "predict"):
            raise TypeError(f"model must be an actionrec recognizer with predict(), got {type(model).__name__}")
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        fast = fuse or compile  # else the model itself, as given
        self.model = (for_inference(model, fuse=fuse, compile=compile) if fast else model.eval()).to(self.device)
        self.pipeline = pipeline
        self.labels = list(labels) if labels is not None else None
        self.average_clips = average_clips
        self.multi_label = multi_label
        self.amp = amp
        # 'auto': bf16 where the hardware multiplies bf16 natively, else fp32; `amp` is the older spelling
        self.precision = precision or amp or "fp32"
        self.backend = backend
        self.filename_tmpl = filename_tmpl
        self.progress = progress

    # -- construction from files ------------------------------------------------------------------
    @classmethod
    def from_config(
        cls,
        config: str | os.PathLike | Config,
        checkpoint: str | os.PathLike | None,
        *,
        model: nn.Module | None = None,
        label_map: str | os.PathLike | Sequence[str] | None = None,
        cfg_options: Iterable[str] = (),
        **kwargs,
    ) -> Recognizer:
        """Build the config's model (or take `model`), load `checkpoint` into it, use the config's test pipeline.

        `config`: a file or a packaged config's name; `cfg_options` override its keys as `--cfg-options`
        does (e.g. `['data.test.pipeline.0.num_clips=1']`).
        """
        cfg = _load(config, cfg_options)
        if model is None:
            if checkpoint is None:
                raise RecognizeError(
                    f"{_name(config)}: a checkpoint is needed to recognise with the config's model "
                    "(an untrained model's scores mean nothing)"
                )
            model = build_model(cfg.model)
        if checkpoint is not None:
            _load_weights(model, checkpoint)
        if cfg.test.max_testing_views is not None:
            model.max_testing_views = cfg.test.max_testing_views
        pipeline, split = pipeline_from_config(cfg, _name(config))
        labels = _labels(label_map, cfg)
        kwargs.setdefault("average_clips", _config_averaging(cfg))
        kwargs.setdefault("filename_tmpl", split.filename_tmpl)
        kwargs.setdefault("multi_label", cfg.data.multi_label)
        if not kwargs.get("amp"):
            kwargs.setdefault("precision", cfg.test.precision)  # the config's test.precision unless told
        kwargs.setdefault("fuse", cfg.test.fuse)
        kwargs.setdefault("compile", cfg.test.compile)
        if kwargs.get("backend") is None:
            kwargs["backend"] = split.backend
        return cls(model, pipeline, labels, **kwargs)

    @classmethod
    def from_zoo(
        cls,
        name: str,
        *,
        download: bool = True,
        label_map: str | os.PathLike | None = None,
        cfg_options: Iterable[str] = (),
        **kwargs,
    ) -> Recognizer:
        """A zoo entry: its config (shipped in the package), hash-checked checkpoint and label map."""
        entry = zoo.get(name)
        if entry.is_fusion:
            raise RecognizeError(
                f"{entry.name} is a late fusion of {' and '.join(entry.members)}; recognise with "
                "each member and combine the scores (actionrec fuse)"
            )
        config = zoo_config_path(entry.name, entry.config)
        checkpoint = zoo.checkpoint_path(entry.name, download=download)
        labels = label_map if label_map is not None else entry.label_map()
        return cls.from_config(config, checkpoint, label_map=labels, cfg_options=cfg_options, **kwargs)

    # -- recognition --------------------------------------------------------------------------
    def __call__(
        self, video: VideoInput, *, window: float | None = None, stride: float | None = None, fps: float | None = None
    ) -> Recognition | list[Recognition]:
        """Class probabilities for `video` (a file, a frame folder, or frames in memory).

        With `window` (seconds): one `Recognition` per window, `stride` seconds apart (default
        `window`); each window is sampled with the test protocol restricted to its frames
        (`windows`, which streams them). `fps` gives frames in memory and frame folders a time
        axis (video files have pts).
        """
        if window is not None:
            return list(self.windows(video, window=window, stride=stride, fps=fps))
        with self._open(video, fps) as reader:
            fps = fps if fps is not None else getattr(reader, "fps", None)
            positions = self.pipeline.sampler(reader.num_frames, np.random.default_rng(0), fps=fps)
            with progress_bar(
                desc=Path(reader.path).name or reader.path,
                unit="view",
                delay=_PROGRESS_DELAY_S,
                disable=not self.progress,
                postfix=f"decoding {len(positions)} frames",
            ) as bar:
                tic = time.perf_counter()
                views = self._views(reader.read(positions))
                bar.total = len(views)
                bar.set_postfix_str(f"decoded in {time.perf_counter() - tic:.1f} s", refresh=False)
                scores = self._predict(views[None].to(self.device), bar)
                if bar.n < len(views):  # a model that does not say how far it got
                    bar.update(len(views) - bar.n)
            return self._recognition(scores, reader.path)

    def windows(
        self,
        video: VideoInput,
        *,
        window: float,
        stride: float | None = None,
        fps: float | None = None,
        tap: Callable[[FrameStream], Iterable[tuple[float, torch.Tensor]]] | None = None,
    ) -> Iterator[Recognition]:
        """One `Recognition` per window of `video`, each yielded as soon as its window is decoded.

        The input's frames go through `stream` in one forward decoding pass (`open_frames`), so the
        windows are those `window_spans` cuts and memory holds one window of frames. `tap`, given
        the `FrameStream`, returns the `(seconds, frame)` items to stream: it sees every frame on
        its way (the annotated-video writer, `actionrec.annotate`, draws on them).
        """
        with self.open_frames(video, fps) as frames:
            expected = len(window_spans(frames.times, 1.0 / frames.fps, window, stride))
            items = frames if tap is None else tap(frames)
            with progress_bar(
                desc=Path(frames.path).name or frames.path,
                unit="view",
                delay=_PROGRESS_DELAY_S,
                disable=not self.progress,
                postfix=f"{expected} windows",
            ) as bar:
                progress = _WindowProgress(bar, expected)
                yield from self._stream(items, window, stride, frames.fps, frames.path, progress)

    def stream(
        self,
        frames: Iterable,
        *,
        window: float,
        stride: float | None = None,
        fps: float | None = None,
        source: str = "<stream>",
    ) -> Iterator[Recognition]:
        """Recognise windows of a stream of frames of any length, yielding each as soon as it is complete.

        `frames`: any iterable (a decoder, a camera, a network feed) of frames, each a uint8 numpy
        `(H, W, C)` array or torch `(C, H, W)` tensor, all of one size; bare frames are timed
        `index / fps`, or every item is a `(seconds, frame)` pair (the first item decides). A window
        is `window` seconds every `stride` (default `window`) seconds from the first frame, complete
        when the first frame at or after its end arrives; the last, partial window follows
        `window_spans`'s rule (kept if it lasts at least half a window), decided when the stream
        ends, which is one frame (`1 / fps`, else the average spacing) after the last frame.

        Only the frames of windows still open are held (`actionrec.stream.WindowCutter`). Each
        window is sampled and transformed by the config's test pipeline exactly as a whole file's
        window is, so `stream` and `recognizer(video, window=...)` give the same scores.
        `source` names the stream in the results.
        """
        return self._stream(frames, window, stride, fps, source)

    def _stream(
        self,
        frames: Iterable,
        window: float,
        stride: float | None,
        fps: float | None,
        source: str,
        progress: _WindowProgress | None = None,
    ) -> Iterator[Recognition]:
        cutter = WindowCutter(window, stride, fps)  # checks window and stride before the first frame is pulled
        for t, frame in timed_frames(frames, fps, MODALITY_CHANNELS[self.pipeline.modality]):
            for complete in cutter.push(t, frame):
                yield self._recognize_window(complete, source, cutter.estimated_fps(), progress)
        for complete in cutter.finish():
            yield self._recognize_window(complete, source, cutter.estimated_fps(), progress)

    @contextlib.contextmanager
    def open_frames(self, video: VideoInput, fps: float | None = None) -> Iterator[FrameStream]:
        """`video` (a file, frame folder or frames in memory) as a `FrameStream`: `(seconds, frame)` in
        display order from one forward pass, times from the file's pts (else `index / fps`)."""
        with self._open(video, fps) as reader:
            fps = fps if fps is not None else getattr(reader, "fps", None)
            times, frame_duration = _frame_times(reader, fps)
            yield FrameStream(reader, times, 1.0 / frame_duration)

    def _recognize_window(
        self, window: Window, source: str, fps: float | None, progress: _WindowProgress | None = None
    ) -> Recognition:
        positions = self.pipeline.sampler(len(window.frames), np.random.default_rng(0), fps=fps)
        views = self._views(torch.stack([window.frames[i] for i in positions]))
        if progress is None:
            scores = self.model.predict(
                views[None].to(self.device), average_clips=self.average_clips, precision=self.precision
            )
        else:
            progress.start(len(views))
            scores = self._predict(views[None].to(self.device), progress.bar)
            progress.done()
        return self._recognition(scores, source, window.start, window.end)

    def _views(self, frames: torch.Tensor) -> torch.Tensor:
        """The sampled frames of one input or window through the test pipeline's transforms."""
        clip_len = self.pipeline.sampler.clip_len
        clip = Clip(frames, clip_len=clip_len, num_clips=len(frames) // clip_len, modality=self.pipeline.modality)
        return self.pipeline.transform(clip, np.random.default_rng(0))

    def _recognition(
        self, scores: torch.Tensor, source: str, start: float | None = None, end: float | None = None
    ) -> Recognition:
        probabilities = self._probabilities(scores[0].float().cpu())
        return Recognition(probabilities, self._class_names(len(probabilities)), source, start, end)

    def _predict(self, views: torch.Tensor, bar) -> torch.Tensor:
        """`model.predict(views)`, with the views the backbone has done counted on `bar` as it goes."""
        with _counting_views(self.model, bar):
            return self.model.predict(views, average_clips=self.average_clips, precision=self.precision)

    def _probabilities(self, scores: torch.Tensor) -> np.ndarray:
        mode = self.model.average_clips if self.average_clips is ... else self.average_clips
        if mode != "prob":
            scores = scores.sigmoid() if self.multi_label else scores.softmax(dim=-1)
        return scores.numpy().astype(np.float32)

    def _class_names(self, num_classes: int) -> list[str]:
        if self.labels is None:
            log.warning("no label map (give one with label_map= / --label-map); classes are named class_<i>")
            self.labels = [f"class_{i}" for i in range(num_classes)]
        if len(self.labels) != num_classes:
            raise RecognizeError(
                f"the label map has {len(self.labels)} names but the model scores {num_classes} classes"
            )
        return self.labels

    # -- features -----------------------------------------------------------------------------------
    def features(self, video: VideoInput, *, per_clip: bool = False, fps: float | None = None) -> np.ndarray:
        """Pre-logit features of `video`, sampled and transformed as `__call__` does: float32 `(D,)`.

        Every view (clips x crops) goes through the backbone and the head up to its classifier
        (`forward_head(..., pre_logits=True)`, one vector per view); the per-video vector is their
        mean. For TSN this is exactly what its classifier sees (the segment consensus averages
        features of all views); UniFormerV2 scores each view and averages scores, and since its
        classifier is linear, the mean feature is what 'score' averaging classifies.

        `per_clip=True`: `(num_clips, D)`, one row per clip in the order the sampler drew them
        (SampleFrames: by start time; UniformSample: clip i spans the whole video, shifted by i),
        each the mean over its crops (and, for 2D models, its `clip_len` frames). The pipeline
        stacks views crop-major, then clip, then frame (view = (crop * num_clips + clip) * frames
        + t, frames = 1 for 3D and flow models), so the rows are regrouped here; the per-video
        vector is the mean of these rows.
        """
        with self._open(video, fps) as reader:
            if reader.num_frames < 1:
                raise VideoDecodeError(f"{reader.path}: the video has no frames")
            fps = fps if fps is not None else getattr(reader, "fps", None)
            positions = self.pipeline.sampler(reader.num_frames, np.random.default_rng(0), fps=fps)
            frames = reader.read(positions)
        clip_len = self.pipeline.sampler.clip_len
        clip = Clip(frames, clip_len=clip_len, num_clips=len(frames) // clip_len, modality=self.pipeline.modality)
        *steps, format_shape = self.pipeline.transform.transforms
        rng = np.random.default_rng(0)
        for step in steps:  # the pipeline's transforms one by one: the crop count is read off the last Clip
            clip = step(clip, rng)
        views = format_shape(clip, rng).to(self.device)
        # each view as its own one-view video: one pre-logit vector per view, (V, D)
        rows = self.model.extract_features(views[:, None], precision=self.precision).cpu()
        rows = rows.reshape(clip.num_crops, clip.num_clips, -1, rows.shape[-1])  # crop, clip, frame-in-clip
        out = rows.mean(dim=(0, 2)) if per_clip else rows.flatten(0, 2).mean(dim=0)
        return out.numpy().astype(np.float32)

    def _open(self, video: VideoInput, fps: float | None) -> FrameReader:
        modality = self.pipeline.modality
        if isinstance(video, (np.ndarray, torch.Tensor)):
            frames = frames_from_array(video, MODALITY_CHANNELS[modality])
            return ArrayReader(frames, fps, f"<frames {tuple(frames.shape)}>")
        if not isinstance(video, (str, os.PathLike)):
            raise TypeError(f"expected a video path, a numpy array or a torch tensor, got {type(video).__name__}")
        path = os.fspath(video)
        if not os.path.exists(path):
            raise FileNotFoundError(f"video not found: {path}")
        template = {"filename_tmpl": self.filename_tmpl} if self.filename_tmpl else {}
        if modality == "Flow":
            if not os.path.isdir(path):
                raise RecognizeError(
                    f"{path}: this is a flow model; recognition needs precomputed flow frames (a folder "
                    "of x_00001.jpg / y_00001.jpg, e.g. from `actionrec data extract-frames --flow "
                    "tvl1`), not a video file"
                )
            return FlowFolderReader(path, **template)
        if os.path.isdir(path):
            return FrameFolderReader(path, **template)
        return open_video(path, self.backend)


class _WindowProgress:
    """Views done / total over a file's windows (the total is known once the first window has its views)."""

    def __init__(self, bar, windows: int) -> None:
        self.bar, self.windows, self.index, self.views = bar, windows, 0, 0

    def start(self, views: int) -> None:
        if self.index == 0:
            self.bar.total = views * self.windows
        self.views = views
        self.bar.set_postfix_str(f"window {self.index + 1}/{self.windows}", refresh=False)

    def done(self) -> None:
        self.index += 1
        target = min(self.bar.total, self.index * self.views)
        if self.bar.n < target:  # a model that does not say how far it got
            self.bar.update(target - self.bar.n)


@contextlib.contextmanager
def _counting_views(model: nn.Module, bar) -> Iterator[None]:
    """Count the views `model.predict` pushes through `forward_features` (it runs them in chunks) on `bar`.

    The model computes exactly as it always does: its bound `forward_features` is wrapped on the
    instance for the duration of one call. Models without `forward_features` report all views at the end.
    """
    original = getattr(model, "forward_features", None)
    if original is None:
        yield
        return
    shadowed = "forward_features" in vars(model)

    def counted(views: torch.Tensor) -> torch.Tensor:
        features = original(views)
        bar.update(len(views))
        return features

    model.forward_features = counted
    try:
        yield
    finally:
        if shadowed:
            model.forward_features = original
        else:
            del model.forward_features


# -- helpers for configs, checkpoints and the zoo -------------------------------------------------


def _name(config: str | os.PathLike | Config) -> str:
    return "config" if isinstance(config, Config) else os.fspath(config)


def _load(config: str | os.PathLike | Config, cfg_options: Iterable[str] = ()) -> Config:
    """A config object, file or packaged config's name -> Config (with `cfg_options` applied)."""
    if isinstance(config, Config):
        if cfg_options:
            raise RecognizeError("cfg_options apply to a config file or name, not to a Config object")
        return config
    return load_config(config, list(cfg_options))


def pipeline_from_config(cfg: Config, source: str = "config"):
    """The config's test pipeline (data.test, else data.val) and the split it came from."""
    split = cfg.data.test or cfg.data.val
    if split is None:
        raise ConfigError(f"{source}: no data.test (or data.val) split, so no test pipeline to recognise with")
    return Pipeline.from_mmaction(split.pipeline, split.modality), split


def _config_averaging(cfg: Config) -> str | None | object:
    mode = cfg.test.average_clips
    return ... if mode is None else (None if mode == "none" else mode)


def _labels(label_map: str | os.PathLike | Sequence[str] | None, cfg: Config | None) -> list[str] | None:
    """Class names: the given list or file, else the config's data.label_map.

    A config written for a dataset (`data/kinetics400/label_map_k400.txt`) names a label map that
    ships inside the package (actionrec/label_maps/): when the config's path does not exist, the
    packaged file of the same name is used, so a Kinetics-400 config names Kinetics-400 classes.
    """
    if label_map is not None:
        return list(label_map) if not isinstance(label_map, (str, os.PathLike)) else load_label_map(label_map)
    path = cfg.data.label_map if cfg is not None else None
    if not path:
        return None
    if os.path.isfile(path):
        return load_label_map(path)
    packaged = PACKAGED_LABEL_MAPS / Path(path).name
    if packaged.is_file():
        log.debug("the config's label map %s is not here; using the packaged %s", path, packaged.name)
        return load_label_map(packaged)
    log.warning("the config's label map %s does not exist; classes are named class_<i> (give --label-map)", path)
    return None


def _load_weights(model: nn.Module, checkpoint: str | os.PathLike) -> None:
    """Load a checkpoint; tensors the model needs but the file lacks (or shapes that differ) are an error."""
    report = load_checkpoint(model, checkpoint)
    if report.missing or report.mismatched:
        raise CheckpointError(f"{os.fspath(checkpoint)} does not fit the model:\n{report}")
    if report.unexpected:
        log.warning("%s", report)


def zoo_config_path(name: str, config: str) -> Path:
    """A zoo entry's config: a file, or the packaged config at the same place (`configs/...`)."""
    try:
        return resolve_config(config)
    except ConfigNotFoundError:
        raise ConfigNotFoundError(
            f"zoo entry {name}: config {config} not found in the installed package "
            f"({Path(__file__).resolve().parent / 'configs'}); reinstall actionrec, or pass --config/--checkpoint"
        ) from None


def check_video(video: VideoInput, backend: str | None = None) -> None:
    """Fail fast, before a model is built: `video` (a path) exists and opens with at least one frame.

    Frames in memory are checked when they are read; a folder is checked for files only (frame and
    flow folders are read by the config's reader).
    """
    if not isinstance(video, (str, os.PathLike)):
        return
    path = os.fspath(video)
    if not os.path.exists(path):
        raise FileNotFoundError(f"video not found: {path}")
    if os.path.isdir(path):
        if not any(os.scandir(path)):
            raise VideoDecodeError(f"{path}: the frame folder is empty")
        return
    with open_video(path, backend or "auto") as reader:
        if reader.num_frames < 1:
            raise VideoDecodeError(f"{path}: the video has no frames")


def recognize(
    video: VideoInput,
    model: str | nn.Module | None = None,
    *,
    config: str | os.PathLike | Config | None = None,
    checkpoint: str | os.PathLike | None = None,
    pipeline: Pipeline | None = None,
    label_map: str | os.PathLike | Sequence[str] | None = None,
    window: float | None = None,
    stride: float | None = None,
    fps: float | None = None,
    device: str | None = None,
    amp: str | None = None,
    backend: str | None = None,
    download: bool = True,
    cfg_options: Iterable[str] = (),
    progress: bool = True,
) -> Recognition | list[Recognition]:
    """Recognise one input; see `Recognizer` to recognise many with one model.

    - `model="zoo-entry-name"`: the zoo's config, checkpoint (downloaded unless `download=False`)
      and label map.
    - `config=..., checkpoint=...`: an actionrec or MMAction2 config (a file, or a packaged
      config's name) and its weights; `cfg_options` override config keys (`['test.average_clips="prob"']`).
    - `model=<nn.Module>` with `pipeline=` or `config=` (for its test pipeline and label map).

    `video`: a video file, a frame folder (flow folders for flow models), a numpy `(T, H, W, C)`
    or torch `(T, C, H, W)` uint8 RGB array; a path is checked (it exists and opens) before any
    model is built. Returns a `Recognition`, or a list of them (one per window) when `window`
    seconds are given. `progress`: show decoding and views done / total when it takes a while.
    """
    options = dict(device=device, amp=amp, backend=backend, progress=progress)
    check_video(video, backend)
    if isinstance(model, str):
        if config is not None or checkpoint is not None or pipeline is not None:
            raise RecognizeError(
                "model=<zoo name> brings its own config and checkpoint; do not pass config/checkpoint/pipeline with it"
            )
        recognizer = Recognizer.from_zoo(
            model, download=download, label_map=label_map, cfg_options=cfg_options, **options
        )
    elif isinstance(model, nn.Module) and pipeline is not None:
        if config is not None:
            raise RecognizeError("give either pipeline= or config= with an in-memory model, not both")
        if checkpoint is not None:
            _load_weights(model, checkpoint)
        options["backend"] = backend or "auto"
        recognizer = Recognizer(model, pipeline, _labels(label_map, None), **options)
    elif config is not None:
        recognizer = Recognizer.from_config(
            config, checkpoint, model=model, label_map=label_map, cfg_options=cfg_options, **options
        )
    elif model is None:
        raise RecognizeError(
            "recognize needs model=<zoo name>, or config= and checkpoint=, or model=<nn.Module> with "
            "pipeline= or config="
        )
    else:
        raise TypeError(f"model must be a zoo entry name or an nn.Module with pipeline=/config=, got {model!r:.80}")
    return recognizer(video, window=window, stride=stride, fps=fps)
