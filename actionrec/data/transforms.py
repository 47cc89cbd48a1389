"""Clip transforms on uint8 frames: resize, crops, flip, RandAugment, and the final view layout.

Each transform is a small class called as ``t(clip, rng) -> Clip``: random parameters are drawn
once per call from ``rng`` (``numpy.random.Generator``) and applied to every frame, so a clip
stays temporally consistent and a run is reproducible. Geometry follows MMAction2
(``mmaction/datasets/transforms/processing.py``, mmcv ``rescale_size``/``imresize``); pixels are
computed with ``torchvision.transforms.v2.functional`` on uint8 tensors, keeping the decoder's
memory layout (torchcodec gives channels-last, where uint8 resizing is fastest). Crops are views.
Normalisation is not here: the model does it.

``Clip.frames`` is ``(M, C, H, W)`` with ``M = num_crops * num_clips * clip_len`` ordered
crop-major, then clip, then time, as MMAction2 stacks its image lists. ``FormatShape`` ends a
pipeline and returns the view tensor.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torchvision.transforms.v2.functional as F
from torchvision.transforms.v2 import InterpolationMode

from actionrec.data.sampling import SAMPLER_TYPES
from actionrec.errors import ActionrecError

MODALITY_CHANNELS = {"RGB": 3, "Flow": 2}
# Most pixels one resized frame may have (2**25, about 8K UHD): an extreme aspect ratio resized to a
# short side of 256 would otherwise ask for gigabytes per frame.
MAX_RESIZE_PIXELS = 1 << 25


class FrameSizeError(ActionrecError, ValueError):
    """Frames whose size a transform refuses (resizing them would exceed the pixel budget)."""


@dataclass
class Clip:
    """uint8 frames ``(num_crops * num_clips * clip_len, C, H, W)``, crop-major, then clip, then time.

    Flow clips have C=2 (channel 0 = x, channel 1 = y). ``label`` travels with the frames so that a
    transform may change it (``Flip(flip_label_map=...)``); None when there is none (inference).
    """

    frames: torch.Tensor
    clip_len: int
    num_clips: int
    num_crops: int = 1
    modality: str = "RGB"
    label: int | tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITY_CHANNELS:
            raise ValueError(f"Clip: modality must be one of {list(MODALITY_CHANNELS)}, got {self.modality!r}")
        frames = self.frames
        if not isinstance(frames, torch.Tensor) or frames.dtype != torch.uint8 or frames.ndim != 4:
            got = (
                f"{frames.dtype} tensor of shape {tuple(frames.shape)}"
                if isinstance(frames, torch.Tensor)
                else type(frames).__name__
            )
            raise ValueError(f"Clip: frames must be a uint8 tensor (M, C, H, W), got {got}")
        expected = self.num_crops * self.num_clips * self.clip_len
        if frames.shape[0] != expected:
            raise ValueError(
                f"Clip: {frames.shape[0]} frames, but num_crops*num_clips*clip_len = "
                f"{self.num_crops}*{self.num_clips}*{self.clip_len} = {expected}"
            )
        if frames.shape[1] != MODALITY_CHANNELS[self.modality]:
            raise ValueError(
                f"Clip: {self.modality} frames need {MODALITY_CHANNELS[self.modality]} channels, got {frames.shape[1]}"
            )

    @property
    def height(self) -> int:
        return self.frames.shape[-2]

    @property
    def width(self) -> int:
        return self.frames.shape[-1]


Transform = Callable[[Clip, np.random.Generator], Clip | torch.Tensor]


def _pair(size: int | Sequence[int], owner: str, name: str) -> tuple[int, int]:
    """An int or a (w, h) pair, as mmengine's ``_pair``, checked."""
    pair = (size, size) if isinstance(size, int) else tuple(size)
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair):
        raise ValueError(f"{owner}: {name} must be a positive int or a (w, h) pair of them, got {size!r}")
    return pair  # type: ignore[return-value]


def _crop(frames: torch.Tensor, x: int, y: int, w: int, h: int) -> torch.Tensor:
    return frames[..., y : y + h, x : x + w]


def _check_fits(owner: str, clip: Clip, crop_w: int, crop_h: int) -> None:
    if crop_w > clip.width or crop_h > clip.height:
        raise ValueError(
            f"{owner}: crop {crop_w}x{crop_h} (w x h) is larger than the frames "
            f"{clip.width}x{clip.height}; resize first"
        )


# ----------------------------------------------------------------------------------------- resize

INTERPOLATIONS = {
    "nearest": InterpolationMode.NEAREST,
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
}


def rescale_size(width: int, height: int, scale: float | tuple[float, float]) -> tuple[int, int]:
    """mmcv ``rescale_size``: a factor, or the largest size within (long edge, short edge) bounds.

    ``new = int(old * factor + 0.5)``, factor = ``min(max(scale) / long_side, min(scale) / short_side)``.
    """
    if isinstance(scale, (int, float)):
        factor = float(scale)
    else:
        factor = min(max(scale) / max(height, width), min(scale) / min(height, width))
    return int(width * factor + 0.5), int(height * factor + 0.5)


class Resize:
    """MMAction2 ``Resize``.

    ``scale=(-1, 256)``: short side to 256, ratio kept; ``scale=(w, h)`` with ``keep_ratio=True``:
    as large as fits within long edge ``max(scale)`` and short edge ``min(scale)``; a float: a
    factor; ``keep_ratio=False``: exactly ``(w, h)``. Sizes round as mmcv (``int(x + 0.5)``).
    Interpolation is cv2-like: no antialiasing. An output above ``max_pixels`` per frame (an
    extreme aspect ratio, a huge video) raises ``FrameSizeError`` instead of allocating it.
    """

    def __init__(
        self,
        scale: float | Sequence[int],
        keep_ratio: bool = True,
        interpolation: str = "bilinear",
        max_pixels: int = MAX_RESIZE_PIXELS,
    ) -> None:
        if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
            raise ValueError(f"Resize: max_pixels must be a positive int, got {max_pixels!r}")
        self.max_pixels = max_pixels
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resize: interpolation must be one of {list(INTERPOLATIONS)}, got {interpolation!r}")
        if isinstance(scale, bool) or not isinstance(scale, (int, float, tuple, list)):
            raise ValueError(f"Resize: scale must be a float or a (w, h) pair, got {scale!r}")
        if isinstance(scale, (int, float)):
            if not keep_ratio or scale <= 0:
                raise ValueError(f"Resize: a scale factor needs keep_ratio=True and a positive value, got {scale!r}")
            self.scale: float | tuple[float, float] = float(scale)
        else:
            if len(scale) != 2 or any(v != -1 and v <= 0 for v in scale):
                raise ValueError(f"Resize: scale must be (w, h) with positive sides or -1 for 'free', got {scale!r}")
            if -1 in scale:
                if not keep_ratio:
                    raise ValueError(f"Resize: scale {tuple(scale)} with -1 needs keep_ratio=True")
                self.scale = (math.inf, max(scale))  # only the short side bounds the size
            else:
                self.scale = (scale[0], scale[1])
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation

    def __repr__(self) -> str:
        return f"Resize(scale={self.scale}, keep_ratio={self.keep_ratio}, interpolation={self.interpolation!r})"

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """(new_w, new_h) for a frame of ``width x height``."""
        if self.keep_ratio:
            return rescale_size(width, height, self.scale)
        return int(self.scale[0]), int(self.scale[1])  # type: ignore[index]

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> Clip:
        new_w, new_h = self.output_size(clip.width, clip.height)
        if (new_w, new_h) == (clip.width, clip.height):
            return clip
        if new_w * new_h > self.max_pixels:
            raise FrameSizeError(
                f"Resize: frames of {clip.width}x{clip.height} (w x h) would become {new_w}x{new_h} = "
                f"{new_w * new_h} pixels each, above the budget of {self.max_pixels} (max_pixels); "
                "is the aspect ratio extreme?"
            )
        frames = F.resize(
            clip.frames, [new_h, new_w], interpolation=INTERPOLATIONS[self.interpolation], antialias=False
        )
        return dataclasses.replace(clip, frames=frames)


# ------------------------------------------------------------------------------------ random crops


class MultiScaleCrop:
    """MMAction2 ``MultiScaleCrop`` (TSN's corner cropping with scale jitter).

    ``base = min(H, W)``, sides ``int(base * s)`` for s in ``scales``; candidates are the (w, h)
    pairs whose scale indices differ by at most ``max_wh_scale_gap``, one picked by
    ``rng.integers(len)``; a side within 3 px of ``input_size`` snaps to it. The offset is random
    (``random_crop``) or one of 5 / 13 fixed points on a quarter grid ``((W - w) // 4, (H - h) // 4)``.
    Draws: candidate index, then offset (x then y, or the fixed-point index).
    """

    def __init__(
        self,
        input_size: int | Sequence[int],
        scales: Sequence[float] = (1,),
        max_wh_scale_gap: int = 1,
        random_crop: bool = False,
        num_fixed_crops: int = 5,
    ) -> None:
        self.input_size = _pair(input_size, "MultiScaleCrop", "input_size")
        if not scales or not all(0 < s <= 1 for s in scales):
            raise ValueError(f"MultiScaleCrop: scales must be a non-empty sequence in (0, 1], got {scales!r}")
        if num_fixed_crops not in (5, 13):
            raise ValueError(f"MultiScaleCrop: num_fixed_crops must be 5 or 13, got {num_fixed_crops!r}")
        self.scales = tuple(scales)
        self.max_wh_scale_gap = max_wh_scale_gap
        self.random_crop = random_crop
        self.num_fixed_crops = num_fixed_crops

    def __repr__(self) -> str:
        return (
            f"MultiScaleCrop(input_size={self.input_size}, scales={self.scales}, "
            f"max_wh_scale_gap={self.max_wh_scale_gap}, random_crop={self.random_crop}, "
            f"num_fixed_crops={self.num_fixed_crops})"
        )

    def candidate_sizes(self, width: int, height: int) -> list[tuple[int, int]]:
        """(w, h) crop candidates in MMAction2's order (outer loop over h)."""
        sides = [int(min(width, height) * s) for s in self.scales]
        return [(w, h) for i, h in enumerate(sides) for j, w in enumerate(sides) if abs(i - j) <= self.max_wh_scale_gap]

    def fixed_offsets(self, width: int, height: int, crop_w: int, crop_h: int) -> list[tuple[int, int]]:
        """(x, y): upper left, upper right, lower left, lower right, centre (+ 8 more for 13)."""
        ws, hs = (width - crop_w) // 4, (height - crop_h) // 4
        offsets = [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)]
        if self.num_fixed_crops == 13:
            offsets += [
                (0, 2 * hs),
                (4 * ws, 2 * hs),
                (2 * ws, 4 * hs),
                (2 * ws, 0),
                (ws, hs),
                (3 * ws, hs),
                (ws, 3 * hs),
                (3 * ws, 3 * hs),
            ]
        return offsets

    def crop_box(self, width: int, height: int, rng: np.random.Generator) -> tuple[int, int, int, int]:
        """(x, y, w, h) of one draw."""
        candidates = self.candidate_sizes(width, height)
        crop = list(candidates[int(rng.integers(len(candidates)))])
        for k in range(2):
            if abs(crop[k] - self.input_size[k]) < 3:
                crop[k] = self.input_size[k]
        crop_w, crop_h = crop
        if crop_w > width or crop_h > height:
            raise ValueError(f"MultiScaleCrop: snapped crop {crop_w}x{crop_h} exceeds the frames {width}x{height}")
        if self.random_crop:
            x = int(rng.integers(0, width - crop_w + 1))
            y = int(rng.integers(0, height - crop_h + 1))
        else:
            offsets = self.fixed_offsets(width, height, crop_w, crop_h)
            x, y = offsets[int(rng.integers(len(offsets)))]
        return x, y, crop_w, crop_h

    def __call__(self, clip: Clip, rng: np.random.Generator) -> Clip:
        x, y, w, h = self.crop_box(clip.width, clip.height, rng)
        return dataclasses.replace(clip, frames=_crop(clip.frames, x, y, w, h))


class RandomResizedCrop:
    """MMAction2 ``RandomResizedCrop`` (crop only; a later ``Resize`` sets the size).

    Draws 10 log-uniform aspect ratios, then 10 areas ``uniform(*area_range) * H * W``;
    ``w = round(sqrt(area * ar))``, ``h = round(sqrt(area / ar))``; the first candidate that fits
    gets ``x = rng.integers(0, W - w + 1)``, ``y = rng.integers(0, H - h + 1)``. If none fits, the
    centre square of side ``min(H, W)``.
    """

    max_attempts = 10

    def __init__(
        self, area_range: Sequence[float] = (0.08, 1.0), aspect_ratio_range: Sequence[float] = (3 / 4, 4 / 3)
    ) -> None:
        if len(area_range) != 2 or not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError(f"RandomResizedCrop: area_range must satisfy 0 < lo <= hi <= 1, got {area_range!r}")
        if len(aspect_ratio_range) != 2 or not 0 < aspect_ratio_range[0] <= aspect_ratio_range[1]:
            raise ValueError(
                f"RandomResizedCrop: aspect_ratio_range must satisfy 0 < lo <= hi, got {aspect_ratio_range!r}"
            )
        self.area_range = tuple(area_range)
        self.aspect_ratio_range = tuple(aspect_ratio_range)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(area_range={self.area_range}, aspect_ratio_range={self.aspect_ratio_range})"

    def crop_box(self, width: int, height: int, rng: np.random.Generator) -> tuple[int, int, int, int]:
        """(x, y, w, h) of one draw."""
        lo, hi = self.aspect_ratio_range
        ratios = np.exp(rng.uniform(np.log(lo), np.log(hi), size=self.max_attempts))
        areas = rng.uniform(*self.area_range, size=self.max_attempts) * (width * height)
        widths = np.round(np.sqrt(areas * ratios)).astype(np.int64)
        heights = np.round(np.sqrt(areas / ratios)).astype(np.int64)
        for crop_w, crop_h in zip(widths.tolist(), heights.tolist()):
            if crop_w <= width and crop_h <= height:
                x = int(rng.integers(0, width - crop_w + 1))
                y = int(rng.integers(0, height - crop_h + 1))
                return x, y, crop_w, crop_h
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side

    def __call__(self, clip: Clip, rng: np.random.Generator) -> Clip:
        x, y, w, h = self.crop_box(clip.width, clip.height, rng)
        return dataclasses.replace(clip, frames=_crop(clip.frames, x, y, w, h))


# ---------------------------------------------------------------------------------------- flip


def _flip_horizontal(frames: torch.Tensor, modality: str) -> torch.Tensor:
    """Mirror left-right; for flow the x component changes sign, i.e. ``255 - x`` (mmcv ``iminvert``)."""
    flipped = frames.flip(-1)
    if modality == "Flow":
        flipped[:, 0] = 255 - flipped[:, 0]
    return flipped


class Flip:
    """MMAction2 ``Flip``: with probability ``flip_ratio`` (one ``rng.random()`` draw) mirror every frame.

    For Flow (horizontal only) the x channel is inverted after flipping (MMAction2 0.x semantics;
    1.x inverts whole even-indexed frames of its stacked layout, which is a bug).
    ``flip_label_map`` (``{label: label when flipped}``, e.g. "turn left" <-> "turn right") swaps
    the label of a flipped clip, as MMAction2 does; labels not in the map stay, and each label
    of a multi-label clip is mapped.
    """

    def __init__(
        self, flip_ratio: float = 0.5, direction: str = "horizontal", flip_label_map: dict[int, int] | None = None
    ) -> None:
        if direction not in ("horizontal", "vertical"):
            raise ValueError(f"Flip: direction must be 'horizontal' or 'vertical', got {direction!r}")
        if not 0 <= flip_ratio <= 1:
            raise ValueError(f"Flip: flip_ratio must be in [0, 1], got {flip_ratio!r}")
        if flip_label_map is not None and not (
            isinstance(flip_label_map, dict)
            and all(_is_label(key) and _is_label(value) for key, value in flip_label_map.items())
        ):
            raise ValueError(f"Flip: flip_label_map must map class indices to class indices, got {flip_label_map!r}")
        self.flip_ratio = flip_ratio
        self.direction = direction
        self.flip_label_map = dict(flip_label_map) if flip_label_map is not None else None

    def __repr__(self) -> str:
        return f"Flip(flip_ratio={self.flip_ratio}, direction={self.direction!r}, flip_label_map={self.flip_label_map})"

    def _flipped_label(self, label: int | tuple[int, ...] | None) -> int | tuple[int, ...] | None:
        if self.flip_label_map is None or label is None:
            return label
        if isinstance(label, tuple):
            return tuple(self.flip_label_map.get(one, one) for one in label)
        return self.flip_label_map.get(label, label)

    def __call__(self, clip: Clip, rng: np.random.Generator) -> Clip:
        if clip.modality == "Flow" and self.direction != "horizontal":
            raise ValueError("Flip: flow clips can only be flipped horizontally")
        if not rng.random() < self.flip_ratio:
            return clip
        label = self._flipped_label(clip.label)
        if self.direction == "vertical":
            return dataclasses.replace(clip, frames=clip.frames.flip(-2), label=label)
        return dataclasses.replace(clip, frames=_flip_horizontal(clip.frames, clip.modality), label=label)


def _is_label(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0


# --------------------------------------------------------------------------------- test-time crops


class CenterCrop:
    """MMAction2 ``CenterCrop``: offset ``((W - w) // 2, (H - h) // 2)``."""

    def __init__(self, crop_size: int | Sequence[int]) -> None:
        self.crop_size = _pair(crop_size, "CenterCrop", "crop_size")

    def __repr__(self) -> str:
        return f"CenterCrop(crop_size={self.crop_size})"

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> Clip:
        crop_w, crop_h = self.crop_size
        _check_fits("CenterCrop", clip, crop_w, crop_h)
        x, y = (clip.width - crop_w) // 2, (clip.height - crop_h) // 2
        return dataclasses.replace(clip, frames=_crop(clip.frames, x, y, crop_w, crop_h))


def _multi_crop(clip: Clip, boxes: list[tuple[int, int, bool]], crop_w: int, crop_h: int) -> Clip:
    """Stacks one crop per (x, y, mirrored) box, the new crop index outermost (crop-major)."""
    views = []
    for x, y, mirrored in boxes:
        view = _crop(clip.frames, x, y, crop_w, crop_h)
        views.append(view.flip(-1) if mirrored else view)
    return dataclasses.replace(clip, frames=torch.cat(views), num_crops=clip.num_crops * len(boxes))


class ThreeCrop:
    """MMAction2 ``ThreeCrop``: three crops along the long side, one side must equal the crop.

    With ``step = (L - c) // 2`` the offsets are 0, ``2 * step``, ``step``: order left, right,
    middle (top, bottom, middle when the width matches). Height match is checked first.
    """

    def __init__(self, crop_size: int | Sequence[int]) -> None:
        self.crop_size = _pair(crop_size, "ThreeCrop", "crop_size")

    def __repr__(self) -> str:
        return f"ThreeCrop(crop_size={self.crop_size})"

    def offsets(self, width: int, height: int) -> list[tuple[int, int]]:
        crop_w, crop_h = self.crop_size
        if crop_h == height and crop_w <= width:
            step = (width - crop_w) // 2
            return [(0, 0), (2 * step, 0), (step, 0)]
        if crop_w == width and crop_h <= height:
            step = (height - crop_h) // 2
            return [(0, 0), (0, 2 * step), (0, step)]
        raise ValueError(
            f"ThreeCrop: crop {crop_w}x{crop_h} (w x h) needs one side equal to the frames' "
            f"{width}x{height} and the other not larger; resize the short side to the crop first"
        )

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> Clip:
        boxes = [(x, y, False) for x, y in self.offsets(clip.width, clip.height)]
        return _multi_crop(clip, boxes, *self.crop_size)


class TenCrop:
    """MMAction2 ``TenCrop``: upper left, upper right, lower left, lower right, centre on a quarter
    grid, each immediately followed by its horizontal mirror.

    As in MMAction2 the mirror is a plain flip, also for flow (no x inversion).
    """

    def __init__(self, crop_size: int | Sequence[int]) -> None:
        self.crop_size = _pair(crop_size, "TenCrop", "crop_size")

    def __repr__(self) -> str:
        return f"TenCrop(crop_size={self.crop_size})"

    def offsets(self, width: int, height: int) -> list[tuple[int, int]]:
        crop_w, crop_h = self.crop_size
        ws, hs = (width - crop_w) // 4, (height - crop_h) // 4
        return [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)]

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> Clip:
        _check_fits("TenCrop", clip, *self.crop_size)
        boxes = [(x, y, mirrored) for x, y in self.offsets(clip.width, clip.height) for mirrored in (False, True)]
        return _multi_crop(clip, boxes, *self.crop_size)


# ------------------------------------------------------------------------------------ RandAugment

_FILL = [0.5, 0.5, 0.5]  # pytorchvideo's default fill, meant for [0, 1] video: on uint8 it rounds to black
_BILINEAR = InterpolationMode.BILINEAR


def _affine(frames: torch.Tensor, shear: tuple[float, float], translate: tuple[float, float]) -> torch.Tensor:
    return F.affine(
        frames, angle=0.0, translate=list(translate), scale=1.0, shear=list(shear), interpolation=_BILINEAR, fill=_FILL
    )


def _shear_x(frames: torch.Tensor, factor: float) -> torch.Tensor:
    """pytorchvideo's inverse map ``[1, f, H f / 2; 0, 1, 0]`` (centred pixel coordinates)."""
    return _affine(frames, (math.degrees(math.atan(factor)), 0.0), (-frames.shape[-2] * factor / 2, 0.0))


def _shear_y(frames: torch.Tensor, factor: float) -> torch.Tensor:
    """pytorchvideo's inverse map ``[1, 0, 0; f, 1, W f / 2]``."""
    return _affine(frames, (0.0, math.degrees(math.atan(factor))), (0.0, -frames.shape[-1] * factor / 2))


def _translate_x(frames: torch.Tensor, factor: float) -> torch.Tensor:
    """Samples ``x + factor * W``: content moves left by ``factor * W`` pixels."""
    return _affine(frames, (0.0, 0.0), (-factor * frames.shape[-1], 0.0))


def _translate_y(frames: torch.Tensor, factor: float) -> torch.Tensor:
    return _affine(frames, (0.0, 0.0), (0.0, -factor * frames.shape[-2]))


def _rotate(frames: torch.Tensor, degrees: float) -> torch.Tensor:
    return F.rotate(frames, degrees, interpolation=_BILINEAR, fill=_FILL)


def _solarize(frames: torch.Tensor, threshold: float) -> torch.Tensor:
    return F.solarize(frames, int(threshold * 255.0))


def _posterize(frames: torch.Tensor, bits: int) -> torch.Tensor:
    return frames if bits >= 8 else F.posterize(frames, bits)


def _signed(base: float, span: float) -> Callable[[float, np.random.Generator], float]:
    """``base +- level / 10 * span``, the sign drawn with ``rng.random() > 0.5`` meaning plus."""

    def level_to_arg(level: float, rng: np.random.Generator) -> float:
        step = level / RandAugment.max_level * span
        return base + (step if rng.random() > 0.5 else -step)

    return level_to_arg


# name -> (kernel, level -> argument or None); pytorchvideo's table and order.
_RANDAUG_OPS: dict[str, tuple[Callable[..., torch.Tensor], Callable[[float, np.random.Generator], Any] | None]] = {
    "AdjustBrightness": (F.adjust_brightness, _signed(1.0, 0.9)),
    "AdjustContrast": (F.adjust_contrast, _signed(1.0, 0.9)),
    "AdjustSaturation": (F.adjust_saturation, _signed(1.0, 0.9)),
    "AdjustSharpness": (F.adjust_sharpness, _signed(1.0, 0.9)),
    "AutoContrast": (F.autocontrast, None),
    "Equalize": (F.equalize, None),
    "Invert": (F.invert, None),
    "Rotate": (_rotate, _signed(0.0, 30.0)),
    "Posterize": (_posterize, lambda level, rng: 4 - int(level / 10 * 4)),
    "Solarize": (_solarize, lambda level, rng: 1.0 - level / 10 * 1.0),
    "ShearX": (_shear_x, _signed(0.0, 0.3)),
    "ShearY": (_shear_y, _signed(0.0, 0.3)),
    "TranslateX": (_translate_x, _signed(0.0, 0.45)),
    "TranslateY": (_translate_y, _signed(0.0, 0.45)),
}
RANDAUG_OP_NAMES = tuple(_RANDAUG_OPS)


class RandAugment:
    """Clip-consistent RandAugment with pytorchvideo's defaults (as MMAction2's ``PytorchVideoWrapper``).

    Per clip: ``num_layers`` distinct ops in random order (``rng.choice(14, num_layers, replace=False)``);
    for each op, ``rng.random() > prob`` skips it; otherwise the level is
    ``clip(rng.normal(magnitude, sampling_std), 0, 10)`` and, for signed ops, ``rng.random() > 0.5``
    picks the sign. The same op and argument are applied to every frame (image statistics such as
    contrast means and histograms stay per frame, as in pytorchvideo). Defaults are pytorchvideo's
    (magnitude 9, 2 layers); MMAction2's UniFormerV2 configs use magnitude 7, 4 layers.
    """

    max_level = 10.0

    def __init__(self, magnitude: float = 9, num_layers: int = 2, prob: float = 0.5, sampling_std: float = 0.5) -> None:
        if not 0 < num_layers <= len(_RANDAUG_OPS):
            raise ValueError(f"RandAugment: num_layers must be in 1..{len(_RANDAUG_OPS)}, got {num_layers!r}")
        if not 0 <= prob <= 1:
            raise ValueError(f"RandAugment: prob must be in [0, 1], got {prob!r}")
        self.magnitude = magnitude
        self.num_layers = num_layers
        self.prob = prob
        self.sampling_std = sampling_std

    def __repr__(self) -> str:
        return (
            f"RandAugment(magnitude={self.magnitude}, num_layers={self.num_layers}, prob={self.prob}, "
            f"sampling_std={self.sampling_std})"
        )

    def draw(self, rng: np.random.Generator) -> list[tuple[str, Any]]:
        """The ops (name, argument or None) one clip gets, in application order."""
        chosen = []
        for index in rng.choice(len(_RANDAUG_OPS), size=self.num_layers, replace=False):
            if rng.random() > self.prob:
                continue
            name = RANDAUG_OP_NAMES[index]
            level = float(np.clip(rng.normal(self.magnitude, self.sampling_std), 0.0, self.max_level))
            level_to_arg = _RANDAUG_OPS[name][1]
            chosen.append((name, None if level_to_arg is None else level_to_arg(level, rng)))
        return chosen

    @staticmethod
    def apply(frames: torch.Tensor, ops: list[tuple[str, Any]]) -> torch.Tensor:
        """Applies drawn ops to uint8 RGB frames (T, 3, H, W)."""
        for name, arg in ops:
            kernel = _RANDAUG_OPS[name][0]
            frames = kernel(frames) if arg is None else kernel(frames, arg)
        return frames

    def __call__(self, clip: Clip, rng: np.random.Generator) -> Clip:
        if clip.modality != "RGB":
            raise ValueError(f"RandAugment: needs RGB clips, got {clip.modality}")
        return dataclasses.replace(clip, frames=self.apply(clip.frames, self.draw(rng)))


# ---------------------------------------------------------------------------------------- layout


def _dense(tensor: torch.Tensor) -> torch.Tensor:
    """A C-contiguous copy of a strided tensor (itself if already contiguous).

    On CPU NumPy's strided copy is used: for uint8 layout changes (channels-last -> NCTHW) it is
    2-3x faster than torch's.
    """
    if tensor.is_contiguous():
        return tensor
    if tensor.device.type != "cpu":
        return tensor.contiguous()
    return torch.from_numpy(np.ascontiguousarray(tensor.numpy()))


class FormatShape:
    """MMAction2 ``FormatShape``, the last step: Clip -> contiguous uint8 views.

    'NCHW': ``(M, C, H, W)``; for Flow the x/y pairs of each clip are stacked into
    ``2 * clip_len`` channels ``x0, y0, x1, y1, ...`` -> ``(crops * clips, 2 * clip_len, H, W)``.
    'NCHW_Flow' (MMAction2 0.x) is the same flow stacking. 'NCTHW': ``(crops * clips, C, T, H, W)``.
    The frames' layout (channels-last from the decoders) changes once, here.
    """

    formats = ("NCHW", "NCHW_Flow", "NCTHW")

    def __init__(self, input_format: str) -> None:
        if input_format not in self.formats:
            raise ValueError(f"FormatShape: input_format must be one of {self.formats}, got {input_format!r}")
        self.input_format = input_format

    def __repr__(self) -> str:
        return f"FormatShape(input_format={self.input_format!r})"

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> torch.Tensor:
        frames = clip.frames
        _, channels, height, width = frames.shape
        if self.input_format == "NCTHW":
            views = frames.reshape(-1, clip.clip_len, channels, height, width)
            return _dense(views.permute(0, 2, 1, 3, 4))
        if self.input_format == "NCHW_Flow" and clip.modality != "Flow":
            raise ValueError(f"FormatShape: 'NCHW_Flow' needs a Flow clip, got {clip.modality}")
        if clip.modality == "Flow":
            return _dense(frames).reshape(-1, clip.clip_len * channels, height, width)
        return _dense(frames)


class Compose:
    """Applies transforms in order with one shared ``rng``."""

    def __init__(self, transforms: Sequence[Transform]) -> None:
        self.transforms = list(transforms)

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"

    def __call__(self, clip: Clip, rng: np.random.Generator | None = None) -> Clip | torch.Tensor:
        result: Clip | torch.Tensor = clip
        for index, transform in enumerate(self.transforms):
            if not isinstance(result, Clip):
                raise ValueError(f"Compose: step {index} ({transform!r}) follows FormatShape, which must be last")
            result = transform(result, rng)  # type: ignore[arg-type]
        return result


# ---------------------------------------------------------------------------- MMAction2 step dicts

TRANSFORMS: dict[str, type] = {
    "Resize": Resize,
    "MultiScaleCrop": MultiScaleCrop,
    "RandomResizedCrop": RandomResizedCrop,
    "Flip": Flip,
    "CenterCrop": CenterCrop,
    "ThreeCrop": ThreeCrop,
    "TenCrop": TenCrop,
    "FormatShape": FormatShape,
    "RandAugment": RandAugment,
}

# Steps handled elsewhere: decoding (decoders.py), packing/collation (datasets.py).
SKIPPED_STEPS = frozenset(
    {
        "DecordInit",
        "DecordDecode",
        "OpenCVInit",
        "OpenCVDecode",
        "PyAVInit",
        "PyAVDecode",
        "RawFrameDecode",
        "PackActionInputs",
        "Collect",
        "ToTensor",
    }
)


def _build_step(kind: str, kwargs: dict[str, Any], where: str) -> Transform:
    cls = TRANSFORMS[kind]
    valid = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for key in kwargs:
        if key not in valid:
            raise ValueError(f"{where}: {kind} has no key {key!r}; valid keys are {valid}")
    try:
        return cls(**kwargs)
    except TypeError as error:  # a missing required argument
        raise ValueError(f"{where}: {kind}: {error}") from None


def build_transforms(steps: Sequence[dict]) -> Compose:
    """A ``Compose`` from MMAction2 pipeline step dicts.

    Sampler steps (see ``build_sampler``), decoder steps and packing steps are skipped;
    ``PytorchVideoWrapper(op='RandAugment', ...)`` maps to ``RandAugment``; anything else unknown,
    and ``Normalize`` (the model normalises), raises an error naming the step.
    """
    transforms: list[Transform] = []
    for index, step in enumerate(steps):
        where = f"pipeline step {index}"
        if not isinstance(step, dict) or "type" not in step:
            raise ValueError(f"{where}: expected a dict with a 'type' key, got {step!r}")
        kind = step["type"]
        kwargs = {k: v for k, v in step.items() if k != "type"}
        if kind in SKIPPED_STEPS or kind in SAMPLER_TYPES:
            continue
        if kind == "PytorchVideoWrapper":
            op = kwargs.pop("op", None)
            if op != "RandAugment":
                raise ValueError(f"{where}: PytorchVideoWrapper op {op!r} is not supported; only 'RandAugment' is")
            kind = "RandAugment"
        elif kind == "Normalize":
            raise ValueError(
                f"{where}: Normalize is done by the model (its mean/std), not by the data pipeline; "
                f"drop this step and set the recognizer's mean/std"
            )
        elif kind not in TRANSFORMS or kind == "RandAugment":
            known = sorted(set(TRANSFORMS) - {"RandAugment"} | {"PytorchVideoWrapper"})
            raise ValueError(
                f"{where}: unknown transform type {kind!r}; supported: {known}; "
                f"skipped: {sorted(SKIPPED_STEPS | SAMPLER_TYPES)}"
            )
        transforms.append(_build_step(kind, kwargs, where))
    formats = [i for i, t in enumerate(transforms) if isinstance(t, FormatShape)]
    if formats and formats[-1] != len(transforms) - 1 or len(formats) > 1:
        raise ValueError("build_transforms: FormatShape must be the single last transform")
    return Compose(transforms)
