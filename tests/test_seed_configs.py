"""The seed configs (configs/recognition): one per config path of the two seed model-zoo pages.

Each config loads and validates, builds its model on the meta device with the parameter count of
an independent reference (torchvision / timm models built the same way, or the UniFormerV2 count
derived by hand from MMAction2's module structure), and its train / val / test pipelines turn a
small synthetic video or frame folder into views of the shape the model takes, with the number of
views the seed's test protocol names (clips x crops).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
import torch
from video_factory import make_frame_folder, make_video

from actionrec import build_model
from actionrec.config import Config, load_config
from actionrec.engine.data import build_dataset

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs" / "recognition"
SEED_DIRS = (Path("/work/shared/seeds"), Path(__file__).resolve().parents[2] / "shared" / "seeds")
# The K700 "clip" row's checkpoint was trained with this config; the seed links the clip-kinetics710 one.
K700_CLIP = "uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics700-rgb.py"

TSN = [
    "tsn/custom_backbones/tsn_dense161_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/custom_backbones/tsn_rn101_32x4d_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/custom_backbones/tsn_swin_transformer_video_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_multiscalecrop_256p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_multiscalecrop_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_multiscalecrop_340x256_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_256p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/data_benchmark/tsn_r50_randomresizedcrop_340x256_1x1x3_100e_kinetics400_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_action_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_attribute_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_concept_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_event_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_object_rgb.py",
    "tsn/hvu/tsn_r18_1x1x8_100e_hvu_scene_rgb.py",
    "tsn/tsn_r101_1x1x5_50e_mmit_rgb.py",
    "tsn/tsn_r50_1x1x16_50e_sthv1_rgb.py",
    "tsn/tsn_r50_1x1x16_50e_sthv2_rgb.py",
    "tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_1x1x3_75e_ucf101_rgb.py",
    "tsn/tsn_r50_1x1x6_100e_mit_rgb.py",
    "tsn/tsn_r50_1x1x8_50e_hmdb51_imagenet_rgb.py",
    "tsn/tsn_r50_1x1x8_50e_hmdb51_kinetics400_rgb.py",
    "tsn/tsn_r50_1x1x8_50e_hmdb51_mit_rgb.py",
    "tsn/tsn_r50_1x1x8_50e_sthv1_rgb.py",
    "tsn/tsn_r50_1x1x8_50e_sthv2_rgb.py",
    "tsn/tsn_r50_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_320p_1x1x3_110e_kinetics400_flow.py",
    "tsn/tsn_r50_320p_1x1x8_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_320p_1x1x8_110e_kinetics400_flow.py",
    "tsn/tsn_r50_320p_1x1x8_150e_activitynet_clip_flow.py",
    "tsn/tsn_r50_320p_1x1x8_150e_activitynet_video_flow.py",
    "tsn/tsn_r50_320p_1x1x8_50e_activitynet_clip_rgb.py",
    "tsn/tsn_r50_320p_1x1x8_50e_activitynet_video_rgb.py",
    "tsn/tsn_r50_dense_1x1x5_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_dense_1x1x8_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_video_1x1x16_100e_diving48_rgb.py",
    "tsn/tsn_r50_video_1x1x8_100e_diving48_rgb.py",
    "tsn/tsn_r50_video_1x1x8_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_video_1x1x8_100e_kinetics600_rgb.py",
    "tsn/tsn_r50_video_1x1x8_100e_kinetics700_rgb.py",
    "tsn/tsn_r50_video_320p_1x1x3_100e_kinetics400_rgb.py",
    "tsn/tsn_r50_video_dense_1x1x8_100e_kinetics400_rgb.py",
]
UNIFORMERV2 = [
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb.py",
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics400-rgb.py",
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics600-rgb.py",
    "uniformerv2/uniformerv2-base-p16-res224_clip-kinetics710-pre_8xb32-u8_kinetics700-rgb.py",
    "uniformerv2/uniformerv2-base-p16-res224_clip-pre_u8_kinetics710-rgb.py",
    "uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py",
    K700_CLIP,
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u16_kinetics400-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u16_kinetics600-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u16_kinetics700-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u32_kinetics400-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u32_kinetics600-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u32_kinetics700-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u8_kinetics400-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u8_kinetics600-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-kinetics710-pre_u8_kinetics700-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res224_clip-pre_u8_kinetics710-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res336_clip-kinetics710-pre_u32_kinetics400-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res336_clip-kinetics710-pre_u32_kinetics600-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res336_clip-kinetics710-pre_u32_kinetics700-rgb.py",
    "uniformerv2/uniformerv2-large-p14-res336_clip-pre_u8_kinetics710-rgb.py",
    "uniformerv2/uniformerv2-large-p16-res224_clip-kinetics710-kinetics-k400-pre_u8_mitv1-rgb.py",
    "uniformerv2/uniformerv2-large-p16-res336_clip-kinetics710-kinetics-k400-pre_u8_mitv1-rgb.py",
]
ALL = TSN + UNIFORMERV2

# Classes per dataset (the label maps actionrec ships; HVU per tag category, from the seed's checkpoints).
CLASSES = {
    "kinetics400": 400,
    "kinetics600": 600,
    "kinetics700": 700,
    "kinetics710": 710,
    "ucf101": 101,
    "hmdb51": 51,
    "diving48": 48,
    "sthv1": 174,
    "sthv2": 174,
    "mitv1": 339,
    "mit": 339,
    "mmit": 313,
    "activitynet": 200,
    "hvu_action": 739,
    "hvu_scene": 248,
    "hvu_object": 1678,
    "hvu_event": 69,
    "hvu_concept": 291,
    "hvu_attribute": 117,
}
# Kinetics-710 rows: no protocol in the seed or MMAction2's file; the configs use 4 clips x 3 crops.
K710_VIEWS = 12
# The seed's data-benchmark table tests every config it links with "25x10 frames" (its 25x3 rows name no config).
DATA_BENCHMARK_VIEWS = 25 * 10


def seed_text() -> str | None:
    for folder in SEED_DIRS:
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return "\n".join(f.read_text(encoding="utf-8") for f in files)
    return None


def dataset_of(rel: str) -> str:
    name = Path(rel).stem
    if "hvu" in name:
        return "hvu_" + re.search(r"hvu_([a-z]+)_rgb", name).group(1)
    # TSN names put the dataset first (`hmdb51_kinetics400`: pretrained on K400), UniFormerV2 names last
    found = sorted((m.start(), key) for key in CLASSES for m in re.finditer(rf"[_-]{key}[_-]", name))
    assert found, f"no dataset in {name}"
    return found[-1][1] if name.startswith("uniformerv2") else found[0][1]


@cache
def config(rel: str) -> Config:
    return load_config(CONFIGS / rel)


@cache
def zoo_views() -> dict[str, int]:
    """Views per config from actionrec/zoo_entries.json's test protocols (written from the seed and
    MMAction2's files): the product of its numbers, '25 clips x 10 crops' -> 250."""
    entries = json.loads((REPO / "actionrec" / "zoo_entries.json").read_text())["entries"]
    views: dict[str, int] = {}
    for entry in entries:
        if entry["test_protocol"] is None:
            continue
        rel = entry["config"].removeprefix("configs/recognition/")
        count = math.prod(int(n) for n in re.findall(r"\d+", entry["test_protocol"]))
        assert views.setdefault(rel, count) == count, f"zoo entries disagree on the protocol of {rel}"
    return views


# -- the set of files -------------------------------------------------------------------------------


def test_the_hard_coded_list_has_43_tsn_and_23_uniformerv2_configs():
    assert len(set(TSN)) == 43 and len(set(UNIFORMERV2)) == 23 and len(set(ALL)) == 66


def test_config_files_are_exactly_the_seed_config_paths():
    on_disk = {p.relative_to(CONFIGS).as_posix() for p in CONFIGS.rglob("*.py")}
    assert on_disk == set(ALL)
    text = seed_text()
    if text is not None:  # the seed pages are in the checkout: the list must be theirs
        from_seed = set(re.findall(r"/configs/recognition/([^)\s]+\.py)", text)) | {K700_CLIP}
        assert from_seed == set(ALL)


def test_zoo_entries_name_only_these_configs():
    assert set(zoo_views()) <= set(ALL)
    # without a zoo protocol: the K710 rows (none published) and data-benchmark configs whose checkpoints
    # are main-table rows (their protocol is the benchmark table's, DATA_BENCHMARK_VIEWS)
    assert all("kinetics710-rgb" in p or "data_benchmark" in p for p in set(ALL) - set(zoo_views()))


# -- loading and models -----------------------------------------------------------------------------


@pytest.mark.parametrize("rel", ALL)
def test_config_loads_and_states_the_dataset_classes(rel):
    cfg = config(rel)
    assert cfg.data.num_classes == CLASSES[dataset_of(rel)]
    assert cfg.data.test is not None and cfg.data.test.pipeline
    assert cfg.data.multi_label == (dataset_of(rel).startswith("hvu") or dataset_of(rel) == "mmit")
    if cfg.data.multi_label:
        assert cfg.train.loss == "bce"


def _tv_count(name: str, **kwargs) -> int:
    import torchvision

    with torch.device("meta"):
        return sum(p.numel() for p in torchvision.models.get_model(name, weights=None, **kwargs).parameters())


def _uniformerv2_count(width: int, layers: int, patch: int, resolution: int, classes: int) -> int:
    """Parameters of MMAction2's UniFormerV2 with `no_lmhra=True` and 4 global blocks, by hand:
    ViT: patch conv (no bias) 3p²d, class token d, positions ((R/p)²+1)d, ln_pre 2d; per block
    attention 4d²+4d, MLP 8d²+5d, two LayerNorms 4d. Global blocks: video token d; per block depthwise
    3x3x3 conv 28d, three LayerNorms 6d, attention 4d²+4d, MLP 8d²+5d; balance d, norm 2d. Head dK+K."""
    d = width
    vit = 3 * patch * patch * d + d + ((resolution // patch) ** 2 + 1) * d + 2 * d + layers * (12 * d * d + 13 * d)
    global_blocks = d + 4 * (28 * d + 6 * d + 12 * d * d + 9 * d) + d + 2 * d
    return vit + global_blocks + d * classes + classes


def expected_parameters(rel: str, classes: int) -> int:
    name = Path(rel).stem
    if name.startswith("uniformerv2"):
        large = "-large-" in name
        resolution = int(re.search(r"res(\d+)", name).group(1))
        return _uniformerv2_count(1024 if large else 768, 24 if large else 12, 14 if large else 16, resolution, classes)
    if "dense161" in name:  # torchvision's DenseNet-161, its classifier resized to the classes
        return _tv_count("densenet161", num_classes=classes)
    if "swin" in name:  # timm's Swin-B with its head resized
        import timm

        with torch.device("meta"):
            return sum(
                p.numel() for p in timm.create_model("swin_base_patch4_window7_224", num_classes=classes).parameters()
            )
    if "rn101_32x4d" in name:  # torchvision's ResNet class with ResNeXt-101 32x4d widths
        from torchvision.models.resnet import Bottleneck, ResNet

        with torch.device("meta"):
            return sum(
                p.numel()
                for p in ResNet(
                    Bottleneck, [3, 4, 23, 3], groups=32, width_per_group=4, num_classes=classes
                ).parameters()
            )
    depth = int(re.match(r"tsn_r(\d+)_", name).group(1))
    count = _tv_count(f"resnet{depth}", num_classes=classes)
    if "flow" in name:  # conv1 sees 10 flow channels instead of 3: 64 x 7 x 7 weights per extra channel
        count += 64 * 7 * 7 * (10 - 3)
    return count


def test_reference_counts_match_the_published_figures():
    # MMAction2 / the seed: TSN R50 K400 24.3 M; UniFormerV2-B/16 115 M, L/14 354 M (K400 heads)
    assert round(expected_parameters("tsn/tsn_r50_1x1x3_100e_kinetics400_rgb.py", 400) / 1e5) == 243
    assert round(expected_parameters(UNIFORMERV2[1], 400) / 1e6) == 115
    assert round(expected_parameters(UNIFORMERV2[7], 400) / 1e6) == 354


@cache
def meta_model(rel: str) -> torch.nn.Module:
    with torch.device("meta"):
        return build_model(config(rel).model).eval()


@pytest.mark.parametrize("rel", ALL)
def test_model_builds_on_meta_with_the_reference_parameter_count(rel):
    model = meta_model(rel)
    classes = config(rel).data.num_classes
    assert sum(p.numel() for p in model.parameters()) == expected_parameters(rel, classes)
    if rel.startswith("uniformerv2"):
        seed_millions = 354 if "-large-" in rel else 115
        assert abs(sum(p.numel() for p in model.parameters()) / 1e6 - seed_millions) < 1.0


# -- pipelines on synthetic inputs ------------------------------------------------------------------

NUM_FRAMES = 40
SIZE = (256, 340)  # (H, W): Kinetics' classic 340x256


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed_media")
    make_video(root / "clip.mp4", NUM_FRAMES, SIZE)
    make_frame_folder(root / "frames" / "clip", NUM_FRAMES, SIZE)
    make_frame_folder(root / "flow" / "clip", NUM_FRAMES, SIZE, rgb=False, flow=True)
    plain = root / "plain" / "clip"  # Something-Something V1 names its frames 00001.jpg
    plain.mkdir(parents=True)
    for i in range(1, NUM_FRAMES + 1):
        shutil.copy(root / "frames" / "clip" / f"img_{i:05d}.jpg", plain / f"{i:05d}.jpg")
    return root


def _with_synthetic_split(cfg: Config, split_name: str, media: Path, work: Path) -> Config:
    """The config with one split's list and root pointing at one synthetic sample."""
    split = getattr(cfg.data, split_name)
    labels = [1, 2] if cfg.data.multi_label else [3]
    if split.kind == "json":
        ann, root = work / "list.json", media
        ann.write_text(json.dumps([{"filename": "clip.mp4", "label": labels}]))
    elif split.kind == "video":
        ann, root = work / "list.txt", media
        ann.write_text("clip.mp4 " + " ".join(map(str, labels)) + "\n")
    else:
        root = media / (
            "flow" if split.modality == "Flow" else "plain" if split.filename_tmpl == "{:05}.jpg" else "frames"
        )
        ann = work / "list.txt"
        offset = "0 " if split.with_offset else ""
        ann.write_text(f"clip {offset}{NUM_FRAMES} {labels[0]}\n")
    new_split = dataclasses.replace(split, ann_file=str(ann), root=str(root))
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, **{split_name: new_split}))


def expected_shape(rel: str, split_name: str) -> tuple[int, ...]:
    """Views from the name and the seed's protocol: (V, C, H, W) for TSN, (V, C, T, H, W) for UniFormerV2.
    TSN validation views are the config's own choice (not in the seed): only (C,) is expected."""
    name = Path(rel).stem
    if name.startswith("uniformerv2"):
        frames = int(re.search(r"[-_]u(\d+)_", name).group(1))
        size = 224 if split_name == "train" else int(re.search(r"res(\d+)", name).group(1))
        views = {"train": 1, "val": 1}.get(split_name) or seed_views(rel)
        return views, 3, frames, size, size
    segments = int(re.search(r"1x1x(\d+)", name).group(1))
    channels = 10 if "flow" in name else 3
    if split_name == "train":
        return segments, channels, 224, 224
    return (seed_views(rel), channels) if split_name == "test" else (channels,)


def seed_views(rel: str) -> int:
    if "data_benchmark" in rel:
        return DATA_BENCHMARK_VIEWS
    if "kinetics710-rgb" in rel:
        return K710_VIEWS
    return zoo_views()[rel]


def _run_split(rel: str, split_name: str, media: Path, work: Path) -> torch.Tensor:
    cfg = _with_synthetic_split(config(rel), split_name, media, work)
    dataset = build_dataset(cfg, split_name, test_mode=split_name != "train")
    item = dataset[0]
    assert isinstance(item, dict), f"{rel} {split_name}: the synthetic sample was skipped: {item}"
    return item["inputs"]


SPLITS = [(rel, s) for rel in ALL for s in ("train", "val", "test")]


@pytest.mark.parametrize("rel,split_name", SPLITS, ids=[f"{Path(r).stem}-{s}" for r, s in SPLITS])
def test_pipeline_gives_the_views_the_model_takes(rel, split_name, media, tmp_path):
    cfg = config(rel)
    if getattr(cfg.data, split_name) is None:
        # test-only configs: MMAction2 ships these rows (migrated weights) without training data
        assert split_name != "test" and ("-large-" in rel or "kinetics710-rgb" in rel)
        return
    views = _shared_run(rel, split_name, media, tmp_path)
    assert views.dtype == torch.uint8
    want = expected_shape(rel, split_name)
    got = tuple(views.shape[1:2]) if len(want) == 1 else tuple(views.shape[: len(want)])
    assert got == want
    if rel.startswith("tsn") and split_name != "train":
        assert views.shape[2] == views.shape[3] and views.shape[2] in (224, 256)  # MMAction2's two test crops
    model = meta_model(rel)
    with torch.no_grad():  # the model accepts the views: a shape-only forward on the meta device
        scores = model.predict(views[None].to("meta"))
    assert scores.shape == (1, cfg.data.num_classes)


_RUNS: dict[tuple, torch.Tensor] = {}


def _shared_run(rel: str, split_name: str, media: Path, work: Path) -> torch.Tensor:
    """Configs that share a split definition decode once (keeps the file fast on 2 cores)."""
    split = getattr(config(rel).data, split_name)
    key = (
        split.kind,
        split.modality,
        split.filename_tmpl,
        split.with_offset,
        repr(split.pipeline),
        config(rel).data.multi_label,
    )
    if key not in _RUNS:
        _RUNS[key] = _run_split(rel, split_name, media, work)
    return _RUNS[key]


def test_flow_configs_use_mmaction2_0x_test_sampling():
    for rel in (r for r in TSN if "flow" in r):
        cfg = config(rel)
        for split in (cfg.data.val, cfg.data.test):
            sampler = split.pipeline[0]
            assert sampler["clip_len"] == 5 and sampler.get("legacy_0x_test") is True, rel


K710_B16_CHECKPOINT = "/uniformerv2-base-p16-res224_clip-pre_u8_kinetics710-rgb_20221219-77d34f81.pth"


def test_k710_pretrained_configs_start_from_the_k710_checkpoint():
    for rel in (r for r in UNIFORMERV2 if "kinetics710-pre_8xb32" in r):
        assert config(rel).load_from.endswith(K710_B16_CHECKPOINT)
    for rel in (r for r in UNIFORMERV2 if "res224_clip_8xb32" in r):
        model = config(rel).model  # B/16 with pretrained=True: its CLIP ViT-B/16 encoder, as MMAction2's 'ViT-B/16'
        assert model["name"] == "uniformerv2_b16" and model["pretrained"] is True
        assert config(rel).load_from is None
