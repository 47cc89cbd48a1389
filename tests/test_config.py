"""Config files: Python read as data, YAML without duplicate keys, _base_, overrides, key checking, MMAction2 import."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

import actionrec
from actionrec.cli import main
from actionrec.config import (
    Config,
    ConfigError,
    ConfigNotFoundError,
    load_config,
    load_config_dict,
    packaged_configs,
    resolve_config,
)
from actionrec.config.loader import apply_overrides, merge
from actionrec.errors import ActionrecError

MINIMAL = """
model = dict(name='tsn_r18', num_classes=4)
data = dict(num_classes=4, train=dict(ann_file='train.txt', batch_size=2))
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_python_config_is_read_as_data_never_executed(tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path, "bad.py", MINIMAL + f"\nopen({str(marker)!r}, 'w')\n")
    with pytest.raises(ConfigError, match=r"bad\.py:5: only 'name = value' assignments"):
        load_config(path)
    assert not marker.exists()
    path = write(tmp_path, "bad2.py", "x = __import__('os').getcwd()\n")
    with pytest.raises(ConfigError, match=r"bad2\.py:1: unsupported expression"):
        load_config_dict(path)


def test_python_config_names_arithmetic_and_private_helpers(tmp_path):
    path = write(
        tmp_path,
        "c.py",
        """
        _frames = 8
        _common = dict(batch_size=2, num_workers=0)
        model = dict(name='tsn_r18', num_classes=4)
        data = dict(num_classes=4, train=dict(ann_file='a.txt', pipeline=[dict(type='SampleFrames', clip_len=_frames // 2)], **_common))
        optimizer = dict(lr=0.01 * 2, betas=(0.9, 0.98))
    """,
    )
    cfg = load_config(path)
    assert cfg.data.train.pipeline == [{"type": "SampleFrames", "clip_len": 4}]
    assert cfg.data.train.batch_size == 2 and cfg.data.train.num_workers == 0
    assert cfg.optimizer.lr == pytest.approx(0.02)
    assert cfg.optimizer.betas == (0.9, 0.98)
    assert cfg.work_dir == "work_dirs/c"  # default: named after the config file


def test_base_inheritance_relative_paths_and_delete(tmp_path):
    write(
        tmp_path,
        "base/model.py",
        """
        model = dict(name='tsn_r18', num_classes=4, dropout=0.4)
        optimizer = dict(type='sgd', lr=0.1, weight_decay=1e-4)
    """,
    )
    write(
        tmp_path,
        "base/data.yaml",
        """
        data:
          num_classes: 4
          train: {ann_file: t.txt, batch_size: 8}
    """,
    )
    path = write(
        tmp_path,
        "exp/child.py",
        """
        _base_ = ['../base/model.py', '../base/data.yaml']
        model = dict(_delete_=True, name='tsn_r34', num_classes=4)
        optimizer = dict(lr=0.05)
        data = dict(train=dict(batch_size=4))
    """,
    )
    cfg = load_config(path)
    assert cfg.model == {"name": "tsn_r34", "num_classes": 4}  # replaced, not merged: no dropout
    assert cfg.optimizer.lr == 0.05 and cfg.optimizer.weight_decay == 1e-4  # merged
    assert cfg.data.train.batch_size == 4 and cfg.data.train.ann_file == "t.txt"


def test_merge_rules_by_hand():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    assert merge(base, {"a": {"y": [3]}}) == {"a": {"x": 1, "y": [3]}, "b": 1}
    assert merge(base, {"a": {"_delete_": True, "z": 0}}) == {"a": {"z": 0}, "b": 1}


def test_unknown_key_names_path_and_closest(tmp_path):
    path = write(tmp_path, "typo.py", MINIMAL + "optimizer = dict(lr=0.1, wieght_decay=1e-4)\n")
    with pytest.raises(ConfigError, match=r"unknown key 'optimizer\.wieght_decay'; did you mean 'weight_decay'\?"):
        load_config(path)
    path = write(
        tmp_path,
        "typo2.py",
        """
        model = dict(name='tsn_r18')
        data = dict(num_classes=4, train=dict(ann_file='a', bach_size=2))
    """,
    )
    with pytest.raises(ConfigError, match=r"'data\.train\.bach_size'; did you mean 'batch_size'"):
        load_config(path)
    path = write(tmp_path, "typo3.py", MINIMAL + "shedule = dict(epochs=3)\n")
    with pytest.raises(ConfigError, match=r"'shedule'; did you mean 'schedule'"):
        load_config(path)


def test_wrong_types_and_choices_are_named(tmp_path):
    path = write(tmp_path, "t.py", MINIMAL + "optimizer = dict(type='adam')\n")
    with pytest.raises(
        ConfigError, match=r"optimizer\.type must be one of \['sgd', 'adamw'\], got 'adam'; did you mean 'adamw'"
    ):
        load_config(path)
    path = write(tmp_path, "t2.py", MINIMAL + "schedule = dict(epochs='ten')\n")
    with pytest.raises(ConfigError, match=r"schedule\.epochs must be an integer, got 'ten'"):
        load_config(path)
    with pytest.raises(ConfigError, match=r"missing required key 'data'"):
        Config.from_dict({"model": {}})


def test_cfg_options_override_with_literal_values(tmp_path):
    path = write(tmp_path, "c.py", MINIMAL)
    cfg = load_config(
        path,
        [
            "optimizer.lr=0.5",
            "train.amp=bf16",
            "schedule.milestones=[2, 4]",
            "data.train.batch_size=3",
            "train.label_smoothing=0.1",
            "work_dir=/tmp/x",
        ],
    )
    assert cfg.optimizer.lr == 0.5 and cfg.train.amp == "bf16"
    assert cfg.schedule.milestones == [2, 4] and cfg.data.train.batch_size == 3
    assert cfg.train.label_smoothing == 0.1 and cfg.work_dir == "/tmp/x"
    assert apply_overrides({"p": [{"a": 1}, {"a": 2}]}, ["p.1.a=5"]) == {"p": [{"a": 1}, {"a": 5}]}
    with pytest.raises(ConfigError, match="did you mean 'lr'"):
        load_config(path, ["optimizer.lrr=0.5"])
    with pytest.raises(ConfigError, match="expected 'key.path=value'"):
        load_config(path, ["optimizer.lr"])


def test_yaml_duplicate_key_rejected(tmp_path):
    path = write(
        tmp_path,
        "dup.yaml",
        """
        model: {name: tsn_r18}
        data:
          num_classes: 4
          num_classes: 5
    """,
    )
    with pytest.raises(ConfigError, match=r"dup\.yaml:5: duplicated key 'num_classes' \(first at line 4\)"):
        load_config(path)


def test_yaml_config_round_trip(tmp_path):
    path = write(
        tmp_path,
        "c.yaml",
        """
        model: {name: tsn_r18, num_classes: 4}
        data: {num_classes: 4, train: {ann_file: a.txt, kind: rawframes}}
        schedule: {epochs: 3, policy: cosine, eta_min_ratio: 0.1}
    """,
    )
    cfg = load_config(path)
    assert cfg.data.train.kind == "rawframes" and cfg.schedule.policy == "cosine"
    assert Config.from_dict(cfg.to_dict(), "again") == cfg


MM_1X = """
_base_ = ['../_base_/runtime.py']
num_frames = 8
model = dict(
    type='Recognizer3D',
    backbone=dict(type='UniFormerV2', t_size=num_frames),
    cls_head=dict(type='UniFormerHead', num_classes=400, in_channels=768, average_clips='prob'))
file_client_args = dict(io_backend='disk')
train_pipeline = [dict(type='DecordInit', **file_client_args), dict(type='UniformSample', clip_len=num_frames, num_clips=1),
                  dict(type='DecordDecode'), dict(type='FormatShape', input_format='NCTHW'), dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=8, num_workers=8, dataset=dict(type='VideoDataset', ann_file='k400_train.txt',
                        data_prefix=dict(video='data/k400/train'), pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, num_workers=2, dataset=dict(type='VideoDataset', ann_file='k400_val.txt',
                      data_prefix=dict(video='data/k400/val'), pipeline=train_pipeline, test_mode=True))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=55, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-5, betas=(0.9, 0.999), weight_decay=0.05),
                     paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0), clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=50, eta_min_ratio=0.1, by_epoch=True, begin=5, end=55, convert_to_iter_based=True)]
default_hooks = dict(checkpoint=dict(interval=3, max_keep_ckpts=5), logger=dict(interval=100))
auto_scale_lr = dict(enable=True, base_batch_size=256)
"""

MM_0X = """
model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=50),
             cls_head=dict(type='TSNHead', num_classes=313, in_channels=2048,
                           loss_cls=dict(type='BCELossWithLogits', loss_weight=160.0)),
             test_cfg=dict(average_clips=None))
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
train_pipeline = [dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5), dict(type='RawFrameDecode'),
                  dict(type='Normalize', **img_norm_cfg), dict(type='Collect', keys=['imgs', 'label'], meta_keys=[])]
data = dict(videos_per_gpu=16, workers_per_gpu=2, test_dataloader=dict(videos_per_gpu=1),
            train=dict(type='RawframeDataset', ann_file='mmit_train.txt', data_prefix='data/mmit/rawframes',
                       pipeline=train_pipeline, multi_class=True, num_classes=313),
            test=dict(type='RawframeDataset', ann_file='mmit_val.txt', data_prefix='data/mmit/rawframes',
                      pipeline=train_pipeline, multi_class=True, num_classes=313, filename_tmpl='{:05}.jpg'))
evaluation = dict(interval=5, metrics=['mmit_mean_average_precision'])
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
lr_config = dict(policy='step', step=[40, 80])
total_epochs = 100
checkpoint_config = dict(interval=5)
log_config = dict(interval=20, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
workflow = [('train', 1)]
"""


def test_import_mmaction_1x_config(tmp_path, caplog):
    write(
        tmp_path,
        "_base_/runtime.py",
        """
        default_scope = 'mmaction'
        default_hooks = dict(timer=dict(type='IterTimerHook'), logger=dict(type='LoggerHook', interval=20))
        env_cfg = dict(cudnn_benchmark=False)
    """,
    )
    path = write(tmp_path, "uniformerv2/u8.py", MM_1X)
    raw, ignored = load_config_dict(path)
    cfg = Config.from_dict(raw)
    # translated to the model language: B/16 defaults (t_size=8 is one), CLIP init off (no `pretrained` name)
    assert cfg.model == {"name": "uniformerv2_b16", "num_classes": 400, "pretrained": False}
    assert cfg.data.num_classes == 400
    assert cfg.data.train.root == "data/k400/train" and cfg.data.train.batch_size == 8
    assert cfg.data.train.pipeline[1] == {"type": "UniformSample", "clip_len": 8, "num_clips": 1}
    assert cfg.data.val.ann_file == "k400_val.txt" and cfg.data.test is None
    o, s = cfg.optimizer, cfg.schedule
    assert (o.type, o.lr, o.betas, o.weight_decay, o.zero_wd_norm_bias, o.grad_clip, o.base_batch_size) == (
        "adamw",
        1e-5,
        (0.9, 0.999),
        0.05,
        True,
        20.0,
        256,
    )
    assert (s.epochs, s.policy, s.warmup_epochs, s.warmup_start_factor, s.eta_min_ratio) == (55, "cosine", 5, 0.1, 0.1)
    assert (cfg.train.checkpoint_interval, cfg.train.log_interval, cfg.train.max_keep_checkpoints) == (3, 100, 5)
    assert "default_hooks.timer: hooks are built into the trainer" in ignored
    assert any(item.startswith("env_cfg:") for item in ignored)
    assert any(item.startswith("val_cfg:") for item in ignored)


def test_import_mmaction_0x_config(tmp_path):
    path = write(tmp_path, "tsn_mmit.py", MM_0X)
    raw, ignored = load_config_dict(path)
    cfg = Config.from_dict(raw)
    assert cfg.data.num_classes == 313 and cfg.data.multi_label
    assert cfg.train.loss == "bce" and cfg.train.loss_weight == 160.0
    assert cfg.data.train.kind == "rawframes" and cfg.data.train.root == "data/mmit/rawframes"
    assert cfg.data.train.batch_size == 16 and cfg.data.test.batch_size == 1
    assert cfg.data.test.filename_tmpl == "{:05}.jpg"
    assert (cfg.optimizer.type, cfg.optimizer.lr, cfg.optimizer.grad_clip) == ("sgd", 0.01, 40.0)
    assert (cfg.schedule.policy, cfg.schedule.milestones, cfg.schedule.epochs) == ("multistep", [40, 80], 100)
    assert (cfg.train.checkpoint_interval, cfg.train.val_interval, cfg.train.log_interval) == (5, 5, 20)
    assert cfg.test.metrics == ["mmit_mean_average_precision"]
    assert any(item.startswith("dist_params:") for item in ignored)
    assert any(item.startswith("workflow:") for item in ignored)


def test_import_mmaction_start_index_is_kept_and_class_balanced_sampling_is_reported(tmp_path):
    text = MM_0X.replace(
        "pipeline=train_pipeline, multi_class=True, num_classes=313),",
        "pipeline=train_pipeline, multi_class=True, num_classes=313, start_index=0, sample_by_class=True, power=0.5),",
    )
    raw, ignored = load_config_dict(write(tmp_path, "tsn_mmit.py", text))
    cfg = Config.from_dict(raw)
    assert cfg.data.train.start_index == 0  # frames img_00000.jpg...: dropping it would read every frame one late
    assert cfg.data.test.start_index is None  # the kind's default (1 for frame folders), as MMAction2's
    assert "data.train.dataset.sample_by_class=True: samples are drawn uniformly, not class-balanced" in ignored


# -- packaged configs by name: every command works the same from a checkout and from a wheel --------------

PACKAGED = Path(actionrec.__file__).resolve().parent / "configs"


def _packaged_on_disk() -> dict[str, Path]:
    """Every complete config file under actionrec/configs (walked here, not by the code under test)."""
    found = {}
    for folder, _, files in os.walk(PACKAGED):
        if "_base_" in Path(folder).relative_to(PACKAGED).parts:
            continue
        for file in files:
            if file.endswith((".py", ".yaml")):
                found[Path(file).stem] = Path(folder) / file
    return found


def test_every_packaged_config_has_a_unique_name_that_is_not_a_model_name():
    on_disk = _packaged_on_disk()
    assert packaged_configs() == on_disk
    count = sum(1 for _, _, files in os.walk(PACKAGED) for f in files if f.endswith((".py", ".yaml")))
    bases = len(os.listdir(PACKAGED / "_base_"))
    assert len(on_disk) == count - bases  # names unique; only the _base_ parts are left out
    assert len(on_disk) == 68  # 43 TSN + 23 UniFormerV2 seed configs (docs/configs.md) + 2 demo configs
    assert not set(on_disk) & set(actionrec.list_models())  # build_model('tsn_r50') stays a model name


def test_a_packaged_config_by_name_from_anywhere_and_an_existing_path_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "tsn_r50_1x1x3_100e_kinetics400_rgb"
    assert resolve_config(name) == PACKAGED / "recognition" / "tsn" / f"{name}.py"
    assert resolve_config(f"{name}.py") == resolve_config(name)
    assert resolve_config(f"configs/recognition/tsn/{name}.py") == resolve_config(name)  # the repository spelling
    assert load_config(name).data.num_classes == 400
    # a file of that name in the working directory is what the user means
    local = write(tmp_path, f"{name}.py", MINIMAL)
    assert resolve_config(f"{name}.py").resolve() == local and load_config(f"{name}.py").data.num_classes == 4
    assert resolve_config(name) == PACKAGED / "recognition" / "tsn" / f"{name}.py"  # no local file without .py


def test_an_unknown_name_lists_the_closest_packaged_names(tmp_path):
    with pytest.raises(ConfigNotFoundError) as error:
        load_config("tsn_r50_1x1x3_100e_kinetic400_rgb")
    assert isinstance(error.value, FileNotFoundError) and isinstance(error.value, ActionrecError)
    message = str(error.value)
    assert message.startswith("config file not found: tsn_r50_1x1x3_100e_kinetic400_rgb")
    assert "close names: tsn_r50_1x1x3_100e_kinetics400_rgb" in message and "actionrec config list" in message
    with pytest.raises(ConfigNotFoundError, match=f"config file not found: {tmp_path / 'nope.py'}"):
        load_config(tmp_path / "nope.py")


def test_build_model_takes_a_packaged_config_name():
    by_name = actionrec.build_model("tsn_r18_synthetic")
    by_path = actionrec.build_model(PACKAGED / "demo" / "tsn_r18_synthetic.py")
    assert {k: v.shape for k, v in by_name.state_dict().items()} == {
        k: v.shape for k, v in by_path.state_dict().items()
    }
    assert by_name.cls_head.num_classes == 12  # the demo's 12 synthetic classes
    assert type(actionrec.build_model("tsn_r18")).__name__ == "TSN"  # a model name is still a model name
    with pytest.raises(KeyError, match="close names: tsn_r18_synthetic") as error:
        actionrec.build_model("tsn_r18_synthetc")
    assert isinstance(error.value, ActionrecError)


def test_config_list_shows_every_packaged_config(capsys):
    assert main(["config", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["NAME", "FAMILY", "DATASET", "CLASSES"]
    rows = {line.split()[0]: line.split()[1:] for line in out[1:-1]}
    assert set(rows) == set(_packaged_on_disk()) and out[-1] == f"{len(rows)} configs"
    # by hand, from the files: the K400 TSN, a UniFormerV2 on Moments in Time, the demo
    assert rows["tsn_r50_1x1x3_100e_kinetics400_rgb"] == ["tsn", "kinetics400", "400"]
    assert rows["uniformerv2-base-p16-res224_clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb"] == [
        "uniformerv2",
        "mit",
        "339",
    ]
    assert rows["tsn_r18_synthetic"][0] == "tsn"
    assert main(["config", "list", "--family", "uniformerv2", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and all(r["family"] == "uniformerv2" and Path(r["path"]).is_file() for r in listed)
    assert main(["config", "show", "tsn_r18_synthetic", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["name"] == "tsn_timm"


def test_flops_of_a_packaged_config_by_name(capsys):
    assert main(["flops", "tsn_r50_1x1x3_100e_kinetics400_rgb"]) == 0
    out = capsys.readouterr().out
    # torchvision's ResNet-50 has 25,557,032 parameters with its 1000-class fc (2048 * 1000 + 1000);
    # TSN swaps that fc for a 400-class head: 25,557,032 - 2,049,000 + 2048 * 400 + 400
    assert "params: 24.33 M (24327632)" in out and "input per view: (3, 224, 224)" in out
