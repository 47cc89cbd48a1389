"""TSN family: backbones against independent implementations (torchvision, timm), MMAction2 test-time
semantics, training-mode options, checkpoint key maps, build_model and FLOP/parameter counts."""

from __future__ import annotations

import copy

import pytest
import timm
import torch
import torchvision
from torch import nn

from actionrec import build_model
from actionrec.flops import count_flops, count_params
from actionrec.models import TSN, ResNet, ResNeXt, ThirdPartyBackbone, create_model
from actionrec.models.tsn import mmaction_resnet_to_actionrec

torch.set_num_threads(1)  # the machine is shared; one thread avoids oversubscription


def uint8_views(n: int, v: int, c: int, size: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, v, c, size, size), dtype=torch.uint8, generator=g)


def reference_scores(trunk, fc: nn.Linear, x: torch.Tensor, mean, std) -> torch.Tensor:
    """MMAction2's TSN test path written out by hand: normalise, trunk per view, pool,
    average over all views, linear.  `trunk` maps (B, C, H, W) -> (B, F) pooled features."""
    n, v = x.shape[:2]
    mean = torch.tensor(mean).view(1, -1, 1, 1)
    std = torch.tensor(std).view(1, -1, 1, 1)
    feats = trunk((x.flatten(0, 1).float() - mean) / std)
    return fc(feats.view(n, v, -1).mean(dim=1))


def torchvision_trunk(tv_model: nn.Module):
    tv_model.fc = nn.Identity()
    return tv_model.eval()


# -- ResNet / ResNeXt against torchvision and timm -----------------------------------------------


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_resnet_layout_matches_torchvision(depth):
    with torch.device("meta"):
        ours = ResNet(depth)
        theirs = torchvision.models.get_model(f"resnet{depth}")
    expected = {k: v.shape for k, v in theirs.state_dict().items() if not k.startswith("fc.")}
    assert {k: v.shape for k, v in ours.state_dict().items()} == expected
    assert ours.num_features == theirs.fc.in_features


@pytest.mark.parametrize("depth", [18])
def test_tsn_resnet_scores_match_torchvision_path(depth):
    model = create_model(f"tsn_r{depth}", num_classes=5).eval()
    tv = torchvision.models.get_model(f"resnet{depth}")
    tv.load_state_dict(
        {k.removeprefix("backbone."): v for k, v in model.state_dict().items() if k.startswith("backbone.")},
        strict=False,
    )
    x = uint8_views(2, 3, 3, 32)
    with torch.no_grad():
        expected = reference_scores(
            torchvision_trunk(tv), model.cls_head.fc_cls, x, (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)
        )
    torch.testing.assert_close(model.predict(x, average_clips=None), expected, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(model.predict(x), expected.softmax(-1), rtol=1e-4, atol=1e-6)


def test_resnext_matches_timm():
    with torch.device("meta"):  # the zoo's ResNeXt-101 32x4d: same names and shapes as timm's
        ours = ResNeXt()
        theirs = timm.create_model("resnext101_32x4d", num_classes=0)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    assert ours.num_features == 2048
    ours = ResNeXt(depth=50).eval()  # and the same computation (checked on the cheaper 50-layer one)
    theirs = timm.create_model("resnext50_32x4d", num_classes=0).eval()
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x).mean(dim=(2, 3)), theirs(x), rtol=1e-4, atol=1e-5)


def test_mmcls_imagenet_checkpoint_keeps_backbone_only():
    with torch.device("meta"):
        model = create_model("tsn_resnext101_32x4d", num_classes=4)
    backbone = {f"backbone.{k}": v for k, v in model.backbone.state_dict().items()}
    mmcls = {**backbone, "head.fc.weight": torch.zeros(1000, 2048), "head.fc.bias": torch.zeros(1000)}
    assert model.adapt_state_dict(mmcls).keys() == backbone.keys()


# -- torchvision / timm backbones by name ----------------------------------------------------------


def test_torchvision_densenet_backbone_uses_features_trunk_like_mmaction2():
    model = create_model("tsn_torchvision", arch="densenet121", num_classes=6).eval()
    assert model.backbone.num_features == 1024 and model.backbone.feature_shape == "NCHW"
    densenet = model.backbone.model
    x = uint8_views(1, 2, 3, 64)
    with torch.no_grad():
        # MMAction2 calls `.features` (no final ReLU), then average-pools the map
        expected = reference_scores(
            lambda t: densenet.features(t).mean(dim=(2, 3)),
            model.cls_head.fc_cls,
            x,
            (123.675, 116.28, 103.53),
            (58.395, 57.12, 57.375),
        )
    torch.testing.assert_close(model.predict(x, average_clips="score"), expected, rtol=1e-4, atol=1e-5)
    # an MMAction2 checkpoint of this model names the densenet `backbone.*`
    mm = {k.replace("backbone.model.", "backbone."): v for k, v in model.state_dict().items()}
    assert model.adapt_state_dict(mm).keys() == model.state_dict().keys()
    # plain torchvision ImageNet weights: classifier dropped, the rest prefixed
    tv = {**densenet.state_dict(), "classifier.weight": torch.zeros(1000, 1024), "classifier.bias": torch.zeros(1000)}
    adapted = model.adapt_state_dict(tv)
    assert adapted.keys() == {k for k in model.state_dict() if k.startswith("backbone.")}


def test_timm_resnet18_backbone():
    model = create_model("tsn_timm", arch="resnet18", num_classes=3).eval()
    assert model.backbone.num_features == 512 and model.backbone.feature_shape == "NCHW"
    x = uint8_views(1, 2, 3, 32)
    with torch.no_grad():
        expected = reference_scores(
            lambda t: model.backbone.model.forward_features(t).mean(dim=(2, 3)),
            model.cls_head.fc_cls,
            x,
            (123.675, 116.28, 103.53),
            (58.395, 57.12, 57.375),
        )
    torch.testing.assert_close(model.predict(x, average_clips=None), expected, rtol=1e-4, atol=1e-5)


def test_timm_swin_channels_last_features_detected():
    tiny = dict(img_size=64, window_size=2, embed_dim=16, depths=(1, 1, 1, 1), num_heads=(1, 1, 1, 1))
    backbone = ThirdPartyBackbone("swin_tiny_patch4_window7_224", source="timm", probe_size=64, **tiny).eval()
    assert backbone.feature_shape == "NHWC" and backbone.num_features == 128
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x), backbone.model.forward_features(x).mean(dim=(1, 2)))


def test_timm_vit_token_features_detected():
    backbone = ThirdPartyBackbone("vit_tiny_patch16_224", source="timm", img_size=32, probe_size=32).eval()
    assert backbone.feature_shape == "NLC" and backbone.num_features == 192
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x), backbone.model.forward_features(x).mean(dim=1))


# -- flow input and torchvision weights -------------------------------------------------------------


def test_flow_tsn_normalises_each_of_ten_channels_with_128():
    model = create_model("tsn_r18", in_channels=10, num_classes=7).eval()
    tv = torchvision.models.resnet18()
    tv.conv1 = nn.Conv2d(10, 64, 7, 2, 3, bias=False)
    tv.load_state_dict(
        {k.removeprefix("backbone."): v for k, v in model.state_dict().items() if k.startswith("backbone.")},
        strict=False,
    )
    x = uint8_views(1, 3, 10, 32)
    with torch.no_grad():
        expected = reference_scores(torchvision_trunk(tv), model.cls_head.fc_cls, x, [128.0] * 10, [128.0] * 10)
    torch.testing.assert_close(model.predict(x, average_clips=None), expected, rtol=1e-4, atol=1e-5)


def test_torchvision_weights_skip_mismatched_flow_conv1(tmp_path):
    tv = torchvision.models.resnet18()
    path = tmp_path / "resnet18_imagenet.pth"
    torch.save(tv.state_dict(), path)
    torch.manual_seed(3)
    scratch = create_model("tsn_r18", in_channels=10, num_classes=7).backbone
    torch.manual_seed(3)
    flow = create_model("tsn_r18", in_channels=10, num_classes=7, pretrained=str(path)).backbone  # construct, then load
    assert torch.equal(flow.conv1.weight, scratch.conv1.weight)  # 10 != 3 channels: left as initialised
    assert not torch.equal(flow.layer1[0].conv1.weight, scratch.layer1[0].conv1.weight)
    for key, value in flow.state_dict().items():
        if key != "conv1.weight":
            assert torch.equal(value, tv.state_dict()[key]), key
    # the same file through the recognizer's key map: backbone keys only, conv1 passed on as it is
    model = create_model("tsn_r18", in_channels=10, num_classes=7)
    adapted = model.adapt_state_dict(tv.state_dict())
    assert adapted.keys() == {k for k in model.state_dict() if k.startswith("backbone.")}
    assert adapted["backbone.conv1.weight"].shape == (64, 3, 7, 7)


# -- training-mode options ---------------------------------------------------------------------------


def bn_stats(module: nn.Module) -> list[torch.Tensor]:
    return [m.running_mean.clone() for m in module.modules() if isinstance(m, nn.BatchNorm2d)]


def test_frozen_stages_freeze_stem_and_first_layers():
    net = ResNet(18, frozen_stages=2).train()
    frozen = [net.conv1, net.bn1, net.layer1, net.layer2]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for m in (net.layer3, net.layer4) for p in m.parameters())
    before = [bn_stats(m) for m in (net.bn1, net.layer2, net.layer3)]
    net(torch.randn(2, 3, 32, 32))
    after = [bn_stats(m) for m in (net.bn1, net.layer2, net.layer3)]
    assert all(torch.equal(a, b) for a, b in zip(before[0] + before[1], after[0] + after[1]))
    assert not any(torch.equal(a, b) for a, b in zip(before[2], after[2]))


def test_norm_eval_keeps_every_bn_statistic():
    net = ResNet(18, norm_eval=True).train()
    before = bn_stats(net)
    net(torch.randn(2, 3, 32, 32))
    assert all(torch.equal(a, b) for a, b in zip(before, bn_stats(net)))
    assert all(p.requires_grad for p in net.parameters())  # only statistics are frozen


def test_partial_bn_freezes_all_but_first_bn():
    net = ResNet(18, partial_bn=True).train()
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns[0].training and bns[0].weight.requires_grad
    assert all(not bn.training and not bn.weight.requires_grad and not bn.bias.requires_grad for bn in bns[1:])
    before = bn_stats(net)
    net(torch.randn(2, 3, 32, 32))
    after = bn_stats(net)
    assert not torch.equal(before[0], after[0])
    assert all(torch.equal(a, b) for a, b in zip(before[1:], after[1:]))
    assert net.conv1.weight.requires_grad


def test_with_cp_gives_identical_outputs_and_grads():
    torch.manual_seed(0)
    plain = create_model("tsn_r18", num_classes=4, dropout=0.0).train()
    ckpt = copy.deepcopy(plain)
    ckpt.backbone.with_cp = True
    x = uint8_views(2, 2, 3, 32)
    outs = []
    for model in (plain, ckpt):
        out = model(x)
        out.square().sum().backward()
        outs.append(out)
    torch.testing.assert_close(outs[0], outs[1])
    for (name, a), (_, b) in zip(plain.named_parameters(), ckpt.named_parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)


# -- test-time semantics -----------------------------------------------------------------------------


def test_average_modes_and_view_chunking():
    model = create_model("tsn_r18", num_classes=5).eval()
    x = uint8_views(2, 4, 3, 32)
    logits = model.predict(x, average_clips=None)
    assert logits.shape == (2, 5)
    # one row after the consensus: 'score' is the logits, 'prob' their softmax
    torch.testing.assert_close(model.predict(x, average_clips="score"), logits)
    torch.testing.assert_close(model.predict(x), logits.softmax(-1))
    model.max_testing_views = 3
    torch.testing.assert_close(model.predict(x, average_clips=None), logits, rtol=1e-5, atol=1e-5)


def test_bf16_and_channels_last_agree_with_fp32():
    torch.manual_seed(0)
    fast = create_model("tsn_r18", num_classes=10).eval()
    assert fast.backbone.conv1.weight.is_contiguous(memory_format=torch.channels_last)  # the default
    x = uint8_views(2, 3, 3, 64)
    ref = copy.deepcopy(fast).to(memory_format=torch.contiguous_format).predict(x, average_clips="score")
    torch.testing.assert_close(fast.predict(x, average_clips="score"), ref, rtol=1e-4, atol=1e-4)
    bf16 = fast.predict(x, average_clips="score", amp="bf16")
    assert bf16.dtype == torch.float32
    torch.testing.assert_close(bf16, ref, rtol=0.1, atol=0.1 * ref.abs().max().item())
    with pytest.raises(ValueError, match="amp"):
        fast.predict(x, amp="int8")


# -- checkpoint key map ----------------------------------------------------------------------------


def test_mmaction_resnet_key_map():
    mm = {
        k: torch.zeros(1)
        for k in [
            "backbone.conv1.conv.weight",
            "backbone.conv1.bn.running_var",
            "backbone.layer3.5.conv2.conv.weight",
            "backbone.layer3.5.conv3.bn.bias",
            "backbone.layer2.0.downsample.conv.weight",
            "backbone.layer2.0.downsample.bn.num_batches_tracked",
            "cls_head.fc_cls.weight",
        ]
    }
    assert list(mmaction_resnet_to_actionrec(mm)) == [
        "backbone.conv1.weight",
        "backbone.bn1.running_var",
        "backbone.layer3.5.conv2.weight",
        "backbone.layer3.5.bn3.bias",
        "backbone.layer2.0.downsample.0.weight",
        "backbone.layer2.0.downsample.1.num_batches_tracked",
        "cls_head.fc_cls.weight",
    ]


def test_own_layout_passes_through():
    model = create_model("tsn_r18", num_classes=3)
    own = model.state_dict()
    assert model.adapt_state_dict(own).keys() == own.keys()


# -- build_model -------------------------------------------------------------------------------------

MMACTION_0X_FLOW = dict(
    type="Recognizer2D",
    backbone=dict(type="ResNet", pretrained="torchvision://resnet18", depth=18, in_channels=10, norm_eval=False),
    cls_head=dict(
        type="TSNHead",
        num_classes=9,
        in_channels=512,
        spatial_type="avg",
        consensus=dict(type="AvgConsensus", dim=1),
        dropout_ratio=0.4,
        init_std=0.001,
    ),
    train_cfg=None,
    test_cfg=dict(average_clips=None),
)


def test_build_from_names_and_dicts():
    assert isinstance(build_model("tsn_r18"), TSN)
    model = build_model({"name": "tsn_r18", "num_classes": 11, "frozen_stages": 1})
    assert model.cls_head.num_classes == 11 and model.backbone.frozen_stages == 1
    flow = build_model(MMACTION_0X_FLOW)  # pretrained not fetched by default
    assert flow.average_clips is None and flow.backbone.in_channels == 10
    assert flow.mean.tolist() == [128.0] * 10  # flow default when the dict has no normalisation
    assert flow.cls_head.fc_cls.weight.std().item() == pytest.approx(0.001, rel=0.1)


def test_build_from_config_file_with_base_and_delete(tmp_path):
    (tmp_path / "_base_").mkdir()
    (tmp_path / "_base_" / "tsn.py").write_text(
        "model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=50, norm_eval=False,\n"
        "    pretrained='https://download.pytorch.org/models/resnet50-11ad3fa6.pth'),\n"
        "    cls_head=dict(type='TSNHead', num_classes=400, in_channels=2048, dropout_ratio=0.4,\n"
        "                  average_clips='prob'),\n"
        "    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],\n"
        "                           std=[58.395, 57.12, 57.375], format_shape='NCHW'))\n"
    )
    (tmp_path / "densenet.py").write_text(
        "_base_ = ['_base_/tsn.py']\n"
        "num_classes = 20 + 1\n"
        "model = dict(backbone=dict(type='torchvision.densenet121', pretrained=True, _delete_=True),\n"
        "             cls_head=dict(in_channels=1024, num_classes=num_classes))\n"
        "train_pipeline = [dict(type='SampleFrames', clip_len=1, num_clips=3)]\n"
        "weird = [x for x in range(3)]\n"
    )
    model = build_model(str(tmp_path / "densenet.py"))
    assert isinstance(model.backbone, ThirdPartyBackbone) and model.backbone.name == "densenet121"
    assert model.cls_head.num_classes == 21 and model.average_clips == "prob"
    (tmp_path / "flow_0x.py").write_text(
        "clip_len = 5\n"
        "model = dict(type='Recognizer2D', backbone=dict(type='ResNet', depth=18, in_channels=2 * clip_len),\n"
        "    cls_head=dict(type='TSNHead', num_classes=3, in_channels=512), test_cfg=dict(average_clips=None))\n"
        "img_norm_cfg = dict(mean=[127.5, 127.5], std=[64, 64])\n"
    )
    flow = build_model(str(tmp_path / "flow_0x.py"))
    assert flow.mean.tolist() == [127.5] * 10 and flow.std.tolist() == [64.0] * 10


def test_build_errors_name_the_problem(tmp_path):
    bad = copy.deepcopy(MMACTION_0X_FLOW)
    bad["backbone"]["dilations"] = (1, 1, 2, 4)
    with pytest.raises(ValueError, match="model.backbone.dilations"):
        build_model(bad)
    bad = copy.deepcopy(MMACTION_0X_FLOW)
    bad["cls_head"]["in_channels"] = 2048
    with pytest.raises(ValueError, match="in_channels is 2048"):
        build_model(bad)
    (tmp_path / "run.py").write_text("import os\nmodel = dict(type=os.getcwd())\n")
    with pytest.raises(ValueError, match="run.py:2"):
        build_model(str(tmp_path / "run.py"))
    with pytest.raises(KeyError, match="tsn_r5"):
        build_model("tsn_r5")


# -- counts ------------------------------------------------------------------------------------------


def resnet50_macs_by_hand(size: int = 224) -> int:
    """Conv multiply-adds of torchvision-style ResNet-50 from its layer table."""
    r = size // 2
    macs = r * r * 64 * 3 * 7 * 7  # stem conv
    r //= 2  # max pool
    in_ch = 64
    for planes, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for b in range(blocks):
            s = stride if b == 0 else 1
            r_out = r // s
            macs += r * r * in_ch * planes  # 1x1 reduce at input resolution
            macs += r_out * r_out * planes * planes * 9  # 3x3 (strided)
            macs += r_out * r_out * planes * planes * 4  # 1x1 expand
            if b == 0:
                macs += r_out * r_out * in_ch * planes * 4  # projection shortcut
            in_ch, r = planes * 4, r_out
    return macs


def test_tsn_r50_params_and_macs_per_view():
    with torch.device("meta"):
        model = create_model("tsn_r50", num_classes=400).eval()
        view = torch.empty(1, 1, 3, 224, 224, dtype=torch.uint8)
    # torchvision's 25,557,032 minus its 1000-class fc, plus a 400-class one
    assert count_params(model) == 25_557_032 - (2048 * 1000 + 1000) + (2048 * 400 + 400) == 24_327_632
    macs = count_flops(model, view)
    assert macs == resnet50_macs_by_hand() + 2048 * 400
    assert round(macs / 1e9, 1) == 4.1
