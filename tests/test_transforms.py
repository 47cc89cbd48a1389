"""Clip transforms against MMAction2 geometry worked out by hand.

Frames are painted with their own coordinates (channel 0 = x mod 256, channel 1 = y,
channel 2 = a frame tag), so the top-left pixel of a crop tells where the crop came from and
which frame it is.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as torch_f

from actionrec.data.transforms import (
    CenterCrop,
    Clip,
    Compose,
    Flip,
    FormatShape,
    MultiScaleCrop,
    RandAugment,
    RandomResizedCrop,
    Resize,
    TenCrop,
    ThreeCrop,
    build_transforms,
    rescale_size,
)


def coordinate_frames(num: int, height: int, width: int) -> torch.Tensor:
    """(num, 3, H, W) uint8: x mod 256, y, frame number."""
    xs = torch.arange(width).remainder(256).view(1, 1, width).expand(num, height, width)
    ys = torch.arange(height).view(1, height, 1).expand(num, height, width)
    tags = torch.arange(num).view(num, 1, 1).expand(num, height, width)
    return torch.stack([xs, ys, tags], dim=1).to(torch.uint8)


def origin(frame: torch.Tensor) -> tuple[int, int]:
    """(x, y) the top-left pixel of a crop of a coordinate frame came from."""
    return int(frame[0, 0, 0]), int(frame[1, 0, 0])


def rgb_clip(num_frames: int = 2, height: int = 256, width: int = 340, **kwargs) -> Clip:
    clip_len = kwargs.pop("clip_len", num_frames)
    num_clips = kwargs.pop("num_clips", num_frames // clip_len)
    return Clip(coordinate_frames(num_frames, height, width), clip_len=clip_len, num_clips=num_clips, **kwargs)


# ------------------------------------------------------------------------------------------ Resize


@pytest.mark.parametrize(
    "size, scale, keep_ratio, expected",
    [
        ((340, 256), (-1, 256), True, (340, 256)),  # factor min(inf, 256/256) = 1
        ((340, 256), (-1, 320), True, (425, 320)),  # 1.25: int(425 + .5) = 425, int(320 + .5) = 320
        ((340, 256), (-1, 224), True, (298, 224)),  # .875: int(297.5 + .5) = 298
        ((568, 320), (-1, 256), True, (454, 256)),  # .8: int(454.4 + .5) = 454
        ((256, 340), (-1, 224), True, (224, 298)),  # portrait: short side is the width
        ((341, 255), 0.5, True, (171, 128)),  # int(170.5 + .5) = 171, int(127.5 + .5) = 128
        ((640, 360), (340, 256), True, (340, 191)),  # min(340/640, 256/360) = .53125: int(191.25 + .5) = 191
        ((340, 256), (224, 224), False, (224, 224)),
        ((340, 256), (300, 200), False, (300, 200)),  # (w, h)
    ],
)
def test_resize_output_size(size, scale, keep_ratio, expected):
    width, height = size
    resize = Resize(scale, keep_ratio=keep_ratio)
    assert resize.output_size(width, height) == expected
    out = resize(Clip(torch.zeros(1, 3, height, width, dtype=torch.uint8), 1, 1), None)
    assert (out.width, out.height) == expected


def test_rescale_size_is_mmcv_rule():
    assert rescale_size(340, 256, (math.inf, 320)) == (425, 320)
    assert rescale_size(100, 50, 1.5) == (150, 75)


def test_resize_bilinear_half_pixel_without_antialias():
    # upscale [0, 100] to width 4: source x = (d + .5)/2 - .5 = -.25 (clamped 0), .25, .75, 1.25 (clamped 1)
    row = torch.tensor([0, 100], dtype=torch.uint8).view(1, 1, 1, 2).expand(1, 3, 1, 2).contiguous()
    up = Resize((4, 1), keep_ratio=False)(Clip(row, 1, 1), None).frames
    assert up[0, 0, 0].tolist() == [0, 25, 75, 100]
    # downscale [0, 100, 200, 50] to width 2: source x = (d + .5)*2 - .5 = .5, 2.5 -> 50, 125 (no antialias blur)
    row = torch.tensor([0, 100, 200, 50], dtype=torch.uint8).view(1, 1, 1, 4).expand(1, 3, 1, 4).contiguous()
    down = Resize((2, 1), keep_ratio=False)(Clip(row, 1, 1), None).frames
    assert down[0, 0, 0].tolist() == [50, 125]


def test_resize_matches_float_interpolate_and_keeps_channels_last():
    frames = torch.randint(0, 256, (3, 3, 40, 52), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    reference = torch_f.interpolate(frames.float(), size=(30, 39), mode="bilinear", align_corners=False)
    channels_last = frames.contiguous(memory_format=torch.channels_last)
    for source in (frames, channels_last):
        out = Resize((39, 30), keep_ratio=False)(Clip(source, 3, 1), None).frames
        assert out.dtype == torch.uint8 and out.shape == (3, 3, 30, 39)
        assert (out.float() - reference.round()).abs().max() <= 1


def test_resize_bicubic_and_flow():
    flow = Clip(torch.full((2, 2, 20, 30), 77, dtype=torch.uint8), clip_len=2, num_clips=1, modality="Flow")
    for mode in ("bilinear", "bicubic", "nearest"):
        out = Resize((-1, 10), interpolation=mode)(flow, None)
        assert out.frames.shape == (2, 2, 10, 15) and bool((out.frames == 77).all())


def test_resize_bad_arguments():
    with pytest.raises(ValueError, match="interpolation"):
        Resize((-1, 256), interpolation="area51")
    with pytest.raises(ValueError, match="keep_ratio"):
        Resize((-1, 256), keep_ratio=False)


# ------------------------------------------------------------------------------ MultiScaleCrop


def test_multiscale_crop_candidates_by_hand():
    # base = min(340, 256) = 256; sides int(256 s) = 256, 224, 192, int(168.96) = 168; |i - j| <= 1, outer loop on h
    crop = MultiScaleCrop(224, scales=(1, 0.875, 0.75, 0.66))
    assert crop.candidate_sizes(340, 256) == [
        (256, 256),
        (224, 256),
        (256, 224),
        (224, 224),
        (192, 224),
        (224, 192),
        (192, 192),
        (168, 192),
        (192, 168),
        (168, 168),
    ]
    # crop (192, 168): w_step = (340-192)//4 = 37, h_step = (256-168)//4 = 22
    assert crop.fixed_offsets(340, 256, 192, 168) == [(0, 0), (148, 0), (0, 88), (148, 88), (74, 44)]
    thirteen = MultiScaleCrop(224, num_fixed_crops=13).fixed_offsets(340, 256, 192, 168)
    assert thirteen[5:] == [(0, 44), (148, 44), (74, 88), (74, 0), (37, 22), (111, 22), (37, 66), (111, 66)]


def test_multiscale_crop_replayed_draw_and_snap():
    crop = MultiScaleCrop(224, scales=(1, 0.875, 0.75, 0.66))
    candidates = crop.candidate_sizes(340, 256)
    for seed in range(10):
        replay = np.random.default_rng(seed)
        w, h = candidates[replay.integers(len(candidates))]
        ws, hs = (340 - w) // 4, (256 - h) // 4
        x, y = [(0, 0), (4 * ws, 0), (0, 4 * hs), (4 * ws, 4 * hs), (2 * ws, 2 * hs)][replay.integers(5)]
        out = crop(rgb_clip(), np.random.default_rng(seed)).frames
        assert out.shape[-2:] == (h, w)
        assert origin(out[0]) == (x % 256, y) and origin(out[1]) == (x % 256, y)
    # snap: a 226 side is within 3 px of 224 -> becomes 224; 222 likewise
    snapper = MultiScaleCrop(224, scales=(226 / 256,))
    assert snapper.crop_box(340, 256, np.random.default_rng(0))[2:] == (224, 224)


def test_multiscale_random_crop_in_bounds():
    crop = MultiScaleCrop(224, scales=(1, 0.875, 0.75, 0.66), random_crop=True)
    for seed in range(20):
        x, y, w, h = crop.crop_box(340, 256, np.random.default_rng(seed))
        assert 0 <= x <= 340 - w and 0 <= y <= 256 - h


# ------------------------------------------------------------------------------ RandomResizedCrop


def test_random_resized_crop_replayed():
    crop = RandomResizedCrop()
    for seed in range(10):
        replay = np.random.default_rng(seed)
        ratios = np.exp(replay.uniform(math.log(3 / 4), math.log(4 / 3), size=10))
        areas = replay.uniform(0.08, 1.0, size=10) * 340 * 256
        fits = [(round(math.sqrt(a * r)), round(math.sqrt(a / r))) for a, r in zip(areas, ratios)]
        w, h = next((w, h) for w, h in fits if w <= 340 and h <= 256)
        x, y = replay.integers(0, 340 - w + 1), replay.integers(0, 256 - h + 1)
        out = crop(rgb_clip(), np.random.default_rng(seed)).frames
        assert out.shape[-2:] == (h, w) and origin(out[0]) == (x % 256, y)


def test_random_resized_crop_falls_back_to_centre_square():
    # area 100% with aspect 3 needs w = round(sqrt(12000 * 3)) = 190 > 120: no attempt fits;
    # centre square side min(120, 100) = 100 at ((120-100)//2, 0) = (10, 0)
    crop = RandomResizedCrop(area_range=(1.0, 1.0), aspect_ratio_range=(3.0, 3.0))
    assert crop.crop_box(120, 100, np.random.default_rng(0)) == (10, 0, 100, 100)


# ------------------------------------------------------------------------------------------ Flip


def test_flip_ratio_and_replay():
    clip = rgb_clip(width=20, height=4)
    assert torch.equal(Flip(1.0)(clip, np.random.default_rng(0)).frames, clip.frames.flip(-1))
    assert Flip(0.0)(clip, np.random.default_rng(0)) is clip
    for seed in range(10):
        flipped = bool(np.random.default_rng(seed).random() < 0.5)
        out = Flip(0.5)(clip, np.random.default_rng(seed)).frames
        assert origin(out[0])[0] == (19 if flipped else 0)
    assert torch.equal(Flip(1.0, direction="vertical")(clip, np.random.default_rng(0)).frames, clip.frames.flip(-2))


def test_flow_flip_inverts_x_only():
    x = torch.tensor([[10, 20, 30]], dtype=torch.uint8)
    y = torch.tensor([[1, 2, 3]], dtype=torch.uint8)
    frames = torch.stack([x, y]).unsqueeze(0)  # (1, 2, 1, 3)
    out = Flip(1.0)(Clip(frames, 1, 1, modality="Flow"), np.random.default_rng(0)).frames
    assert out[0, 0, 0].tolist() == [255 - 30, 255 - 20, 255 - 10]  # mirrored, then 255 - x
    assert out[0, 1, 0].tolist() == [3, 2, 1]  # mirrored only
    with pytest.raises(ValueError, match="horizontally"):
        Flip(1.0, direction="vertical")(Clip(frames, 1, 1, modality="Flow"), np.random.default_rng(0))


# --------------------------------------------------------------------------------- test-time crops


def test_center_crop_offsets():
    # ((340-224)//2, (256-224)//2) = (58, 16)
    out = CenterCrop(224)(rgb_clip(), None).frames
    assert out.shape[-2:] == (224, 224) and origin(out[0]) == (58, 16)
    out = CenterCrop((100, 50))(rgb_clip(), None).frames  # (w, h): ((340-100)//2, (256-50)//2) = (120, 103)
    assert out.shape[-2:] == (50, 100) and origin(out[1]) == (120, 103)
    with pytest.raises(ValueError, match="larger"):
        CenterCrop(300)(rgb_clip(), None)


def test_three_crop_order_left_right_middle_crop_major():
    # 298x224, crop 224: heights match, step = (298-224)//2 = 37 -> x = 0, 74, 37
    clip = rgb_clip(num_frames=4, height=224, width=298, clip_len=2, num_clips=2)
    out = ThreeCrop(224)(clip, None)
    assert out.num_crops == 3 and out.frames.shape == (12, 3, 224, 224)
    for crop_index, x in enumerate((0, 74, 37)):
        for frame in range(4):  # crop-major: view crop_index holds frames 0..3 in order
            view = out.frames[crop_index * 4 + frame]
            assert origin(view) == (x, 0) and int(view[2, 0, 0]) == frame
    # portrait 224x298: widths match -> y = 0, 74, 37 (top, bottom, middle)
    tall = ThreeCrop(224)(rgb_clip(height=298, width=224), None).frames
    assert [origin(tall[2 * k]) for k in range(3)] == [(0, 0), (0, 74), (0, 37)]
    with pytest.raises(ValueError, match="one side equal"):
        ThreeCrop(224)(rgb_clip(), None)


def test_ten_crop_each_position_followed_by_its_flip():
    # 340x256, crop 224: w_step = (340-224)//4 = 29, h_step = (256-224)//4 = 8
    # UL (0,0), UR (116,0), LL (0,32), LR (116,32), C (58,16)
    clip = rgb_clip(num_frames=1, clip_len=1, num_clips=1)
    out = TenCrop(224)(clip, None)
    assert out.num_crops == 10 and out.frames.shape == (10, 3, 224, 224)
    for k, (x, y) in enumerate([(0, 0), (116, 0), (0, 32), (116, 32), (58, 16)]):
        plain, mirrored = out.frames[2 * k], out.frames[2 * k + 1]
        assert origin(plain) == (x, y)
        assert torch.equal(mirrored, plain.flip(-1))


def test_crops_compose_crop_major():
    # ThreeCrop after TenCrop is not a real pipeline, but crop counts multiply with the new crops outermost
    clip = TenCrop(224)(rgb_clip(num_frames=1, clip_len=1, num_clips=1, height=256, width=340), None)
    out = CenterCrop(200)(clip, None)
    assert out.num_crops == 10 and out.frames.shape[0] == 10


# ---------------------------------------------------------------------------------------- FormatShape


def test_format_ncthw_places_elements_crop_major():
    # 2 crops x 3 clips x 4 frames; frame m of the stack has tag m
    frames = coordinate_frames(24, 4, 5)
    out = FormatShape("NCTHW")(Clip(frames, clip_len=4, num_clips=3, num_crops=2), None)
    assert out.shape == (6, 3, 4, 4, 5) and out.is_contiguous()
    for view in range(6):
        for t in range(4):
            assert torch.equal(out[view, :, t], frames[view * 4 + t])
    # decoders hand over channels-last frames: same values, standard contiguous layout
    channels_last = frames.contiguous(memory_format=torch.channels_last)
    out_cl = FormatShape("NCTHW")(Clip(channels_last, clip_len=4, num_clips=3, num_crops=2), None)
    assert out_cl.is_contiguous() and torch.equal(out_cl, out)
    nchw = FormatShape("NCHW")(Clip(channels_last, clip_len=1, num_clips=24), None)
    assert nchw.is_contiguous() and torch.equal(nchw, frames)


def test_format_nchw_rgb_and_flow_stacking():
    frames = coordinate_frames(6, 4, 5)
    assert FormatShape("NCHW")(Clip(frames, 1, 6), None).shape == (6, 3, 4, 5)
    # flow: 2 clips x 5 frames, x_t tagged 10 t + 1... channels must be x0, y0, x1, y1, ...
    xs = torch.arange(10).mul(10).view(10, 1, 1, 1).expand(10, 1, 3, 3)
    flow = torch.cat([xs, xs + 1], dim=1).to(torch.uint8)  # (10, 2, 3, 3)
    out = FormatShape("NCHW")(Clip(flow, clip_len=5, num_clips=2, modality="Flow"), None)
    assert out.shape == (2, 10, 3, 3)
    assert out[1, :, 0, 0].tolist() == [50, 51, 60, 61, 70, 71, 80, 81, 90, 91]
    assert torch.equal(FormatShape("NCHW_Flow")(Clip(flow, 5, 2, modality="Flow"), None), out)
    with pytest.raises(ValueError, match="input_format"):
        FormatShape("NTCHW")


# ------------------------------------------------------------------------------------------ RandAugment


def test_randaugment_draw_replayed():
    # pytorchvideo order: choose ops without replacement, then per op: skip test, level, sign
    names = [
        "AdjustBrightness",
        "AdjustContrast",
        "AdjustSaturation",
        "AdjustSharpness",
        "AutoContrast",
        "Equalize",
        "Invert",
        "Rotate",
        "Posterize",
        "Solarize",
        "ShearX",
        "ShearY",
        "TranslateX",
        "TranslateY",
    ]
    spans = {
        "AdjustBrightness": (1, 0.9),
        "AdjustContrast": (1, 0.9),
        "AdjustSaturation": (1, 0.9),
        "AdjustSharpness": (1, 0.9),
        "Rotate": (0, 30),
        "ShearX": (0, 0.3),
        "ShearY": (0, 0.3),
        "TranslateX": (0, 0.45),
        "TranslateY": (0, 0.45),
    }
    for seed in range(30):
        replay = np.random.default_rng(seed)
        expected = []
        for index in replay.choice(14, size=4, replace=False):
            if replay.random() > 0.5:
                continue
            name = names[index]
            level = min(10.0, max(0.0, replay.normal(7, 0.5)))
            if name in spans:
                base, span = spans[name]
                step = level / 10 * span
                expected.append((name, base + step if replay.random() > 0.5 else base - step))
            elif name == "Posterize":
                expected.append((name, 4 - int(level * 0.4)))
            elif name == "Solarize":
                expected.append((name, 1 - level / 10))
            else:
                expected.append((name, None))
        got = RandAugment(magnitude=7, num_layers=4).draw(np.random.default_rng(seed))
        assert [n for n, _ in got] == [n for n, _ in expected]
        assert all(a == b or abs(a - b) < 1e-12 for (_, a), (_, b) in zip(got, expected))


def test_randaugment_same_op_on_every_frame():
    frame = torch.randint(0, 256, (1, 3, 24, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    clip = Clip(frame.expand(6, -1, -1, -1).contiguous(), clip_len=6, num_clips=1)
    augment = RandAugment(magnitude=7, num_layers=4, prob=1.0)
    changed = 0
    for seed in range(12):
        out = augment(clip, np.random.default_rng(seed)).frames
        assert out.dtype == torch.uint8 and out.shape == clip.frames.shape
        assert all(torch.equal(out[0], out[t]) for t in range(1, 6))
        changed += not torch.equal(out, clip.frames)
        assert torch.equal(out, augment(clip, np.random.default_rng(seed)).frames)  # deterministic
    assert changed >= 10


def test_randaugment_point_ops_by_hand():
    values = torch.tensor([0, 75, 76, 200], dtype=torch.uint8).view(1, 1, 1, 4).expand(1, 3, 1, 4)
    # level 7: Solarize threshold int((1 - .7) * 255) = int(76.5) = 76 -> values >= 76 become 255 - v
    assert RandAugment.apply(values, [("Solarize", 1 - 0.7)])[0, 0, 0].tolist() == [0, 75, 179, 55]
    # level 7: Posterize bits 4 - int(2.8) = 2 -> keep the top two bits
    assert RandAugment.apply(values, [("Posterize", 2)])[0, 0, 0].tolist() == [0, 64, 64, 192]
    assert RandAugment.apply(values, [("Invert", None)])[0, 0, 0].tolist() == [255, 180, 179, 55]


def test_randaugment_translate_moves_whole_pixels():
    # factor .25 of width 8 = 2 px: output x samples input x + 2; the uncovered border gets the
    # pytorchvideo fill 0.5, which rounds to 0 on uint8
    row = torch.arange(10, 90, 10, dtype=torch.uint8).view(1, 1, 1, 8).expand(1, 3, 4, 8)
    out = RandAugment.apply(row, [("TranslateX", 0.25)])
    assert out[0, 0, 1].tolist() == [30, 40, 50, 60, 70, 80, 0, 0]


@pytest.mark.parametrize("op", ["ShearX", "ShearY"])
def test_randaugment_shear_matches_pytorchvideo_matrix(op):
    # pytorchvideo: inverse map [1, f, H f/2; 0, 1, 0] (ShearX) or [1, 0, 0; f, 1, W f/2] (ShearY) in
    # centred pixel coordinates, grid_sample (bilinear, zeros), a ones-mask channel blends the 0.5
    # fill, then round to uint8.
    frames = torch.randint(0, 256, (2, 3, 12, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    factor, (height, width) = 0.21, frames.shape[-2:]
    ys, xs = torch.meshgrid(
        torch.arange(height) + 0.5 - height / 2, torch.arange(width) + 0.5 - width / 2, indexing="ij"
    )
    if op == "ShearX":
        xs = xs + factor * ys + height * factor / 2
    else:
        ys = factor * xs + ys + width * factor / 2
    grid = torch.stack([xs / (width / 2), ys / (height / 2)], dim=-1).expand(2, -1, -1, -1)
    with_mask = torch.cat([frames.float(), torch.ones(2, 1, height, width)], dim=1)
    sampled = torch_f.grid_sample(with_mask, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    image, mask = sampled[:, :3], sampled[:, 3:]
    expected = (image * mask + (1 - mask) * 0.5).round().to(torch.uint8)
    got = RandAugment.apply(frames, [(op, factor)])
    assert (got.int() - expected.int()).abs().max() <= 1
    assert (got != expected).float().mean() < 0.01


def test_randaugment_rejects_flow():
    flow = Clip(torch.zeros(2, 2, 8, 8, dtype=torch.uint8), 2, 1, modality="Flow")
    with pytest.raises(ValueError, match="RGB"):
        RandAugment()(flow, np.random.default_rng(0))


# ------------------------------------------------------------------------------ pipelines, errors

TSN_TRAIN = [
    dict(type="DecordInit"),
    dict(type="SampleFrames", clip_len=1, frame_interval=1, num_clips=8),
    dict(type="DecordDecode"),
    dict(type="Resize", scale=(-1, 256)),
    dict(type="MultiScaleCrop", input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type="Resize", scale=(224, 224), keep_ratio=False),
    dict(type="Flip", flip_ratio=0.5),
    dict(type="FormatShape", input_format="NCHW"),
    dict(type="PackActionInputs"),
]
UNIFORMER_TRAIN = [
    dict(type="UniformSample", clip_len=8, num_clips=1),
    dict(type="Resize", scale=(-1, 256)),
    dict(type="PytorchVideoWrapper", op="RandAugment", magnitude=7, num_layers=4),
    dict(type="RandomResizedCrop"),
    dict(type="Resize", scale=(224, 224), keep_ratio=False),
    dict(type="Flip", flip_ratio=0.5),
    dict(type="FormatShape", input_format="NCTHW"),
]
UNIFORMER_TEST = [
    dict(type="UniformSample", clip_len=8, num_clips=4, test_mode=True),
    dict(type="Resize", scale=(-1, 224)),
    dict(type="ThreeCrop", crop_size=224),
    dict(type="FormatShape", input_format="NCTHW"),
]


def test_build_tsn_train_pipeline_is_deterministic():
    pipeline = build_transforms(TSN_TRAIN)
    assert [type(t).__name__ for t in pipeline.transforms] == [
        "Resize",
        "MultiScaleCrop",
        "Resize",
        "Flip",
        "FormatShape",
    ]
    clip = rgb_clip(num_frames=8, clip_len=1, num_clips=8)
    first = pipeline(clip, np.random.default_rng(4))
    assert first.shape == (8, 3, 224, 224) and first.dtype == torch.uint8
    assert torch.equal(first, pipeline(clip, np.random.default_rng(4)))
    outputs = {pipeline(clip, np.random.default_rng(seed)).float().sum().item() for seed in range(8)}
    assert len(outputs) > 1


def test_build_uniformer_pipelines():
    train = build_transforms(UNIFORMER_TRAIN)
    assert isinstance(train.transforms[1], RandAugment) and train.transforms[1].num_layers == 4
    clip = Clip(torch.randint(0, 256, (8, 3, 60, 80), dtype=torch.uint8), clip_len=8, num_clips=1)
    assert train(clip, np.random.default_rng(0)).shape == (1, 3, 8, 224, 224)
    test = build_transforms(UNIFORMER_TEST)
    views = test(rgb_clip(num_frames=32, clip_len=8, num_clips=4), None)
    assert views.shape == (12, 3, 8, 224, 224)  # 3 crops x 4 clips; resized 340x256 -> 298x224


def test_build_transforms_errors():
    with pytest.raises(ValueError, match=r"step 0.*'Blur'"):
        build_transforms([dict(type="Blur")])
    with pytest.raises(ValueError, match=r"step 1.*Flip has no key 'ratio'.*flip_ratio"):
        build_transforms([dict(type="Resize", scale=(-1, 256)), dict(type="Flip", ratio=0.5)])
    with pytest.raises(ValueError, match="AugMix"):
        build_transforms([dict(type="PytorchVideoWrapper", op="AugMix")])
    with pytest.raises(ValueError, match="Normalize is done by the model"):
        build_transforms([dict(type="Normalize", mean=[0, 0, 0], std=[1, 1, 1])])
    with pytest.raises(ValueError, match="last"):
        build_transforms([dict(type="FormatShape", input_format="NCHW"), dict(type="Flip")])
    with pytest.raises(ValueError, match="crop_size"):
        build_transforms([dict(type="CenterCrop")])


def test_clip_validation():
    with pytest.raises(ValueError, match="uint8"):
        Clip(torch.zeros(2, 3, 4, 4), 2, 1)
    with pytest.raises(ValueError, match="num_crops"):
        Clip(torch.zeros(3, 3, 4, 4, dtype=torch.uint8), 2, 1)
    with pytest.raises(ValueError, match="2 channels"):
        Clip(torch.zeros(2, 3, 4, 4, dtype=torch.uint8), 2, 1, modality="Flow")
    with pytest.raises(ValueError, match="FormatShape"):
        Compose([FormatShape("NCHW"), Flip()])(rgb_clip(), np.random.default_rng(0))
