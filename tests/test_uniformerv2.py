"""UniFormerV2: frame counts, temporal downsampling, weight layouts, K710 heads, checkpointing,
bf16, parameter and FLOP counts. Tiny widths throughout.

Expected values come from (a) `mmaction2_reference` below, MMAction2's forward re-written in
its own seq-first layout on its own key names (itself checked against the golden file), (b)
hand-written inverse key maps, (c) torch's FLOP counter, (d) the label-map files.
"""

from __future__ import annotations

import copy
import json
import re
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from golden_weights import load_golden, procedure_state_dict, procedure_tensor
from torch import nn

from actionrec import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.flops import count_flops, count_params
from actionrec.models import create_model
from actionrec.models.uniformerv2 import convert_clip

LABEL_MAPS = Path(__file__).resolve().parents[1] / "actionrec" / "label_maps"
MEAN, STD = 114.75, 57.375


# -- MMAction2's forward, written from its formulas (seq-first `(L, N*T, C)`) ---------------
def mmaction2_reference(sd: dict, cfg: dict, video: torch.Tensor) -> torch.Tensor:
    """Logits `(N, K)` for uint8 `(N, 3, T, H, W)` with an MMAction2-layout state dict."""
    b = lambda name: sd["backbone." + name]  # noqa: E731
    ln = lambda y, name: F.layer_norm(y, y.shape[-1:], b(name + ".weight"), b(name + ".bias"))  # noqa: E731
    lin = lambda y, name: F.linear(y, b(name + ".weight"), b(name + ".bias"))  # noqa: E731
    gelu = lambda y: y * torch.sigmoid(1.702 * y)  # noqa: E731

    def mha(q, kv, name, heads):
        c = q.shape[-1]
        return F.multi_head_attention_forward(
            q,
            kv,
            kv,
            c,
            heads,
            b(name + ".in_proj_weight"),
            b(name + ".in_proj_bias"),
            None,
            None,
            False,
            0.0,
            b(name + ".out_proj.weight"),
            b(name + ".out_proj.bias"),
            training=False,
            need_weights=False,
        )[0]

    x = (video.float() - MEAN) / STD
    w = b("conv1.weight")
    stride_t = 2 if cfg.get("temporal_downsample") else 1
    x = F.conv3d(x, w, stride=(stride_t, cfg["patch_size"], cfg["patch_size"]), padding=((w.shape[2] - 1) // 2, 0, 0))
    n, c, t, h, ww = x.shape
    x = x.permute(0, 2, 3, 4, 1).reshape(n * t, h * ww, c)
    x = torch.cat([b("class_embedding").expand(n * t, 1, c), x], dim=1) + b("positional_embedding")
    x = ln(x, "ln_pre").permute(1, 0, 2)
    big_l = x.shape[0]

    def lmhra(y, name):
        p = y[1:].reshape(h, ww, n, t, c).permute(2, 4, 3, 0, 1)
        z = F.batch_norm(
            p, b(name + ".0.running_mean"), b(name + ".0.running_var"), b(name + ".0.weight"), b(name + ".0.bias")
        )
        z = F.conv3d(z, b(name + ".1.weight"), b(name + ".1.bias"))
        z = F.conv3d(z, b(name + ".2.weight"), b(name + ".2.bias"), padding=(1, 0, 0), groups=z.shape[1])
        z = F.conv3d(z, b(name + ".3.weight"), b(name + ".3.bias"))
        p = (p + z).reshape(n, c, t, big_l - 1).permute(3, 0, 2, 1).reshape(big_l - 1, n * t, c)
        return torch.cat([y[:1], p])

    local = not cfg["no_lmhra"]
    token = b("transformer.temporal_cls_token").repeat(1, n, 1)
    returns = sorted(cfg["return_list"])
    for i in range(cfg["layers"]):
        r = f"transformer.resblocks.{i}"
        if local:
            x = lmhra(x, r + ".lmhra1.pos_embed")
        x = x + mha(ln(x, r + ".ln_1"), ln(x, r + ".ln_1"), r + ".attn", cfg["heads"])
        if local and cfg["double_lmhra"]:
            x = lmhra(x, r + ".lmhra2.pos_embed")
        x = x + lin(gelu(lin(ln(x, r + ".ln_2"), r + ".mlp.c_fc")), r + ".mlp.c_proj")
        if i in returns:
            j = returns.index(i)
            y = x.reshape(big_l, n, t, c).clone()
            feats = y[1:].permute(1, 3, 2, 0).reshape(n, c, t, h, ww)
            feats = F.conv3d(
                feats, b(f"transformer.dpe.{j}.weight"), b(f"transformer.dpe.{j}.bias"), padding=1, groups=c
            )
            y[1:] = y[1:] + feats.reshape(n, c, t, big_l - 1).permute(3, 0, 2, 1)
            y = y.permute(2, 0, 1, 3).flatten(0, 1)
            d = f"transformer.dec.{j}"
            token = token + mha(ln(token, d + ".ln_1"), ln(y, d + ".ln_3"), d + ".attn", cfg["n_head"])
            token = token + lin(gelu(lin(ln(token, d + ".ln_2"), d + ".mlp.c_fc")), d + ".mlp.c_proj")
    weight = torch.sigmoid(b("transformer.balance"))
    out = ln((1 - weight) * token[0] + weight * x.reshape(big_l, n, t, c)[0].mean(1), "transformer.norm")
    return F.linear(out, sd["cls_head.fc_cls.weight"], sd["cls_head.fc_cls.bias"])


@pytest.fixture(scope="module")
def tiny_golden():
    golden = load_golden("uniformerv2_tiny_lmhra")
    return golden, procedure_state_dict(golden["state_dict_keys"])


def _video(n: int, t: int, size: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.randint(
        0, 256, (n, 3, t, size, size), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8
    )


def _tiny(num_classes: int = 10, **overrides) -> nn.Module:
    args = dict(
        input_resolution=64,
        width=64,
        layers=4,
        heads=4,
        return_list=(2, 3),
        n_layers=2,
        n_dim=64,
        n_head=4,
        mlp_dropout=(0.5, 0.5),
        no_lmhra=False,
        double_lmhra=True,
    )
    return create_model("uniformerv2_b16", num_classes=num_classes, **{**args, **overrides}).eval()


# -- the reference is right, then: frame counts and temporal downsampling -------------------
def test_reference_reproduces_the_golden_file(tiny_golden):
    golden, sd = tiny_golden
    video = golden["input"].flatten(0, 1)
    logits = mmaction2_reference(sd, golden["model_cfg"]["backbone"], video)
    assert torch.allclose(logits, golden["logits"], rtol=0, atol=1e-4 * golden["logits"].abs().max())


@pytest.mark.parametrize("frames", [4, 5, 12])
def test_frame_count_other_than_t_size(tiny_golden, frames):
    golden, sd = tiny_golden
    model = build_model(golden["model_cfg"]).eval()
    load_checkpoint(model, sd, strict=True)
    assert model.backbone.t_size == 8
    video = _video(2, frames)
    expected = mmaction2_reference(sd, golden["model_cfg"]["backbone"], video)
    actual = model.forward_views(video.unsqueeze(1))[:, 0]
    assert torch.allclose(actual, expected, atol=1e-5 * expected.abs().max())


@pytest.mark.parametrize("frames", [8, 6])
def test_temporal_downsample(tiny_golden, frames):
    golden, sd = tiny_golden
    cfg = copy.deepcopy(golden["model_cfg"])
    cfg["backbone"]["temporal_downsample"] = True
    sd = dict(
        sd, **{"backbone.conv1.weight": procedure_tensor("backbone.conv1.weight", (64, 3, 3, 16, 16), "torch.float32")}
    )
    model = build_model(cfg).eval()
    load_checkpoint(model, sd, strict=True)
    video = _video(1, frames)
    expected = mmaction2_reference(sd, cfg["backbone"], video)
    actual = model.forward_views(video.unsqueeze(1))[:, 0]
    assert torch.allclose(actual, expected, atol=1e-5 * expected.abs().max())


def test_wrong_resolution_is_a_clear_error():
    with pytest.raises(ValueError, match="position embedding has 16.*built for 64px"):
        _tiny().forward_views(_video(1, 8, size=96).unsqueeze(1))


def test_unknown_mmaction2_option_is_named(tiny_golden):
    cfg = copy.deepcopy(tiny_golden[0]["model_cfg"])
    cfg["backbone"]["use_magic"] = True
    with pytest.raises(ValueError, match="use_magic"):
        build_model(cfg)


def test_max_testing_views_chunks_give_the_same_scores():
    model = _tiny()
    views = _video(4, 2).view(2, 2, 3, 2, 64, 64)
    whole = model.predict(views)
    model.max_testing_views = 2
    assert torch.allclose(model.predict(views), whole, atol=1e-6)


# -- weight layouts: hand-written inverse maps from our names ------------------------------
def ours_to_mmaction2(sd: dict) -> dict:
    """Our keys -> MMAction2 keys, written independently of the library's rule table."""
    out = {}
    for key, value in sd.items():
        name = key
        if m := re.fullmatch(r"backbone\.global_blocks\.(\d+)\.attn\.q\.(weight|bias)", key):
            kv = sd[f"backbone.global_blocks.{m[1]}.attn.kv.{m[2]}"]
            out[f"backbone.transformer.dec.{m[1]}.attn.in_proj_{m[2]}"] = torch.cat([value, kv])
            continue
        if ".attn.kv." in key:
            continue
        if m := re.fullmatch(r"backbone\.blocks\.(\d+)\.(lmhra[12])\.(down|temporal|up)\.(weight|bias)", key):
            index = {"down": 1, "temporal": 2, "up": 3}[m[3]]
            if m[4] == "weight":
                value = value[:, None, :, None, None] if m[3] == "temporal" else value[:, :, None, None, None]
            out[f"backbone.transformer.resblocks.{m[1]}.{m[2]}.pos_embed.{index}.{m[4]}"] = value
            continue
        for ours, theirs in [
            ("backbone.patch_embed.proj.weight", "backbone.conv1.weight"),
            ("backbone.cls_token", "backbone.class_embedding"),
            ("backbone.pos_embed", "backbone.positional_embedding"),
            ("backbone.norm_pre.", "backbone.ln_pre."),
            ("backbone.video_token", "backbone.transformer.temporal_cls_token"),
            ("backbone.balance", "backbone.transformer.balance"),
            ("backbone.norm.", "backbone.transformer.norm."),
            ("backbone.blocks.", "backbone.transformer.resblocks."),
            (".lmhra1.norm.", ".lmhra1.pos_embed.0."),
            (".lmhra2.norm.", ".lmhra2.pos_embed.0."),
            (".norm1.", ".ln_1."),
            (".norm2.", ".ln_2."),
            (".norm_q.", ".ln_1."),
            (".norm_kv.", ".ln_3."),
            (".attn.qkv.weight", ".attn.in_proj_weight"),
            (".attn.qkv.bias", ".attn.in_proj_bias"),
            (".attn.proj.", ".attn.out_proj."),
            (".mlp.fc1.", ".mlp.c_fc."),
            (".mlp.fc2.", ".mlp.c_proj."),
        ]:
            name = name.replace(ours, theirs)
        name = re.sub(r"backbone\.global_blocks\.(\d+)\.dpe\.", r"backbone.transformer.dpe.\1.", name)
        name = re.sub(r"backbone\.global_blocks\.(\d+)\.", r"backbone.transformer.dec.\1.", name)
        out[name] = value
    return out


def ours_to_opengvlab(sd: dict) -> dict:
    """The original release: the head is `backbone.transformer.proj = (LayerNorm, Dropout, Linear)`,
    saved by SlowFast under 'model_state', here with DataParallel's 'module.' prefix too."""
    out = {}
    for key, value in ours_to_mmaction2(sd).items():
        key = key.replace("backbone.transformer.norm.", "backbone.transformer.proj.0.")
        key = key.replace("cls_head.fc_cls.", "backbone.transformer.proj.2.")
        out["module." + key] = value
    return {"model_state": out, "epoch": 3}


def _randomised(model: nn.Module, seed: int) -> nn.Module:
    """`model` with every float tensor (BN statistics too) redrawn by the golden weight
    procedure, salted by `seed`, so nothing matches another model by chance."""
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(procedure_tensor(f"{seed}:{key}", tuple(tensor.shape), "torch.float32"))
    return model


@pytest.mark.parametrize("layout", ["mmaction2", "opengvlab"])
def test_foreign_layouts_load_to_the_same_outputs(layout, tmp_path):
    source = _randomised(_tiny(), seed=1)
    convert = ours_to_mmaction2 if layout == "mmaction2" else ours_to_opengvlab
    path = tmp_path / "ckpt.pth"
    torch.save(convert(source.state_dict()), path)
    target = _randomised(_tiny(), seed=2)
    report = load_checkpoint(target, path, strict=True)
    assert report.complete
    video = _video(1, 8).unsqueeze(1)
    assert torch.equal(target.forward_views(video), source.forward_views(video))


# -- CLIP -------------------------------------------------------------------------------------
class ClipBlock(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict(c_fc=nn.Linear(d, 4 * d), gelu=nn.GELU(), c_proj=nn.Linear(4 * d, d)))
        self.ln_2 = nn.LayerNorm(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.ln_2(x))


class ClipTransformer(nn.Module):
    def __init__(self, d: int, layers: int, heads: int):
        super().__init__()
        self.resblocks = nn.Sequential(*[ClipBlock(d, heads) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resblocks(x)


class ClipVisual(nn.Module):
    def __init__(self, d: int, layers: int, heads: int, patch: int, resolution: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, d, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d))
        self.positional_embedding = nn.Parameter(torch.randn((resolution // patch) ** 2 + 1, d))
        self.ln_pre = nn.LayerNorm(d)
        self.transformer = ClipTransformer(d, layers, heads)
        self.ln_post = nn.LayerNorm(d)
        self.proj = nn.Parameter(torch.randn(d, 32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.ln_pre(self.conv1(x).flatten(2).transpose(1, 2))
        return self.ln_post(self.transformer(x)) @ self.proj


class Clip(nn.Module):
    """OpenAI CLIP's parameter names (the text tower shrunk to one block)."""

    def __init__(self, d: int = 64, layers: int = 4, heads: int = 4, patch: int = 16, resolution: int = 64):
        super().__init__()
        self.visual = ClipVisual(d, layers, heads, patch, resolution)
        self.transformer = ClipTransformer(d, 1, heads)
        self.token_embedding = nn.Embedding(100, d)
        self.logit_scale = nn.Parameter(torch.ones([]))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.visual(image)


def _clip_from(model: nn.Module) -> Clip:
    """A CLIP whose visual tower holds `model`'s ViT weights (inverse map written by hand)."""
    clip = _randomised(Clip(), seed=5)
    ours = model.state_dict()
    visual = {
        "conv1.weight": ours["backbone.patch_embed.proj.weight"][:, :, 0],
        "class_embedding": ours["backbone.cls_token"],
        "positional_embedding": ours["backbone.pos_embed"],
        "ln_pre.weight": ours["backbone.norm_pre.weight"],
        "ln_pre.bias": ours["backbone.norm_pre.bias"],
    }
    for i in range(4):
        for theirs, mine in [
            ("attn.in_proj_", "attn.qkv."),
            ("attn.out_proj.", "attn.proj."),
            ("ln_1.", "norm1."),
            ("ln_2.", "norm2."),
            ("mlp.c_fc.", "mlp.fc1."),
            ("mlp.c_proj.", "mlp.fc2."),
        ]:
            for kind in ("weight", "bias"):
                visual[f"transformer.resblocks.{i}.{theirs}{kind}"] = ours[f"backbone.blocks.{i}.{mine}{kind}"]
    missing, unexpected = clip.visual.load_state_dict(visual, strict=False)
    assert set(missing) == {"ln_post.weight", "ln_post.bias", "proj"} and not unexpected
    return clip


def _global_part(model: nn.Module) -> dict:
    """What CLIP cannot provide: everything but the ViT."""
    vit = ("backbone.patch_embed.", "backbone.cls_token", "backbone.pos_embed", "backbone.norm_pre.")
    return {
        k: v
        for k, v in model.state_dict().items()
        if not k.startswith(vit) and not re.match(r"backbone\.blocks\.\d+\.(norm1|attn|norm2|mlp)\.", k)
    }


@pytest.mark.parametrize("container", ["torchscript", "state_dict_fp16"])
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")
def test_clip_weights_initialise_the_vit(container, tmp_path):
    source = _randomised(_tiny(), seed=3)
    clip = _clip_from(source)
    path = tmp_path / "ViT-tiny.pt"
    if container == "torchscript":
        torch.jit.script(clip).save(str(path))
    else:
        torch.save({k: v.half() for k, v in clip.state_dict().items()}, path)

    target = _randomised(_tiny(), seed=4)
    report = load_checkpoint(target, path, strict=False)  # CLIP covers the ViT only: a partial load by design
    expected_missing = set(_global_part(target))
    assert set(report.missing) == expected_missing
    assert not report.unexpected and not report.mismatched

    target.load_state_dict(_global_part(source), strict=False)
    video = _video(1, 8).unsqueeze(1)
    tol = 0 if container == "torchscript" else 5e-3
    assert torch.allclose(target.forward_views(video), source.forward_views(video), atol=tol * 10, rtol=tol)


def test_clip_report_and_centre_inflation():
    source = _randomised(_tiny(), seed=6)
    clip_sd = _clip_from(source).state_dict()
    target = _tiny(temporal_downsample=True, kernel_size=3)
    converted, report = convert_clip(clip_sd, target.state_dict())
    target.load_state_dict(converted, strict=False)
    weight = target.backbone.patch_embed.proj.weight
    assert weight.shape[2] == 3
    assert torch.equal(weight[:, :, 1], clip_sd["visual.conv1.weight"])
    assert not weight[:, :, 0].any() and not weight[:, :, 2].any()
    assert report.inflated == ["backbone.patch_embed.proj.weight"]
    assert {"backbone.global_blocks.*", "backbone.video_token", "backbone.balance", "cls_head.fc_cls.weight"} <= set(
        report.not_initialised
    )
    assert "backbone.blocks.*" in report.not_initialised  # the L-MHRA of every block
    assert len(report.loaded) == 5 + 4 * 12


# -- Kinetics-710 heads ------------------------------------------------------------------
@pytest.mark.parametrize("num_classes", [400, 600, 700])
def test_k710_head_maps_rows_by_the_channel_map(num_classes):
    source = ours_to_mmaction2(_tiny().state_dict())
    rows = torch.arange(710, dtype=torch.float32)
    source["cls_head.fc_cls.weight"] = rows[:, None].expand(710, 64).clone()
    source["cls_head.fc_cls.bias"] = rows.clone()
    model = _tiny(num_classes)
    load_checkpoint(model, source, strict=True)
    picked = model.cls_head.fc_cls.bias.long().tolist()
    assert torch.equal(model.cls_head.fc_cls.weight[:, 0], model.cls_head.fc_cls.bias)
    k710 = (LABEL_MAPS / "label_map_k710.txt").read_text().splitlines()
    names = (LABEL_MAPS / f"label_map_k{num_classes}.txt").read_text().splitlines()
    if num_classes == 400:
        assert picked == list(range(400))
    else:  # hand-checked: K600 class 1 'acting in play' is K710 row 661, class 4 'air drumming' ... row 694
        assert picked[:5] == [0, 661, 611, 1, 694]
        assert k710[661] == names[1] == "acting in play"
        assert picked == json.loads((LABEL_MAPS / f"map_k{num_classes}.json").read_text())
        # the K710 names are the K600/K700 names, except 3 (K600) / 1 (K700) reworded ones
        assert sum(k710[r] != n for r, n in zip(picked, names)) == {600: 3, 700: 1}[num_classes]


# -- training-time options ---------------------------------------------------------------
def test_grad_checkpointing_gives_identical_outputs_and_gradients():
    torch.manual_seed(0)
    model = _randomised(_tiny(), seed=7).train()
    video = _video(1, 4).unsqueeze(1)
    results = []
    for enable in (False, True):
        run = copy.deepcopy(model)
        run.backbone.set_grad_checkpointing(enable)
        torch.manual_seed(1)  # same dropout draws in both runs
        out = run(video)
        out.square().sum().backward()
        results.append((out, {n: p.grad for n, p in run.named_parameters()}, run.state_dict()))
    (out0, grads0, state0), (out1, grads1, state1) = results
    assert torch.equal(out0, out1)
    for name in grads0:
        assert torch.allclose(grads0[name], grads1[name], atol=1e-6), name
    for name in state0:  # BatchNorm statistics updated once, not again by the recomputation
        assert torch.equal(state0[name], state1[name]), name


def test_bf16_autocast_agrees_with_fp32_on_a_trained_like_model():
    model = _randomised(_tiny(), seed=8)
    video = _video(4, 8).unsqueeze(1)
    fp32 = model.predict(video)
    bf16 = model.predict(video, amp="bf16")
    assert bf16.dtype == torch.float32
    assert torch.equal(bf16.argmax(-1), fp32.argmax(-1))
    assert (bf16 - fp32).abs().max() < 0.02


# -- sizes -------------------------------------------------------------------------------
def test_parameter_counts_match_the_model_zoo():
    with torch.device("meta"):
        b16 = create_model("uniformerv2_b16", num_classes=400)
        l14 = create_model("uniformerv2_l14", num_classes=400)
        l14_336 = create_model("uniformerv2_l14_336", num_classes=400)
    assert count_params(b16) == load_golden("uniformerv2_b16_k400_u8")["num_params"]  # 114,552,208
    assert round(count_params(l14) / 1e6) == 354
    # 336 px adds only position embeddings: (24^2 - 16^2) x 1024
    assert count_params(l14_336) - count_params(l14) == (24**2 - 16**2) * 1024


@pytest.mark.parametrize("overrides", [dict(no_lmhra=True), dict(no_lmhra=True, temporal_downsample=True)])
def test_analytic_macs_equal_torch_flop_counter(overrides):
    model = _tiny(**overrides)
    counts = model.macs_per_view(num_frames=8)
    measured = count_flops(model.forward_views, _video(1, 8).unsqueeze(1))
    # torch's counter has no formula for the CPU flash-attention kernel: it counts what
    # MMAction2's counter counts, i.e. everything but the attention matmuls
    assert counts["total_without_attention"] == measured
    d, n, heads = 64, 17, 4
    t = 4 if overrides.get("temporal_downsample") else 8
    assert counts["attention"] == 4 * (2 * t * heads * n * n * (d // heads)) + 2 * (2 * t * n * d)


def test_b16_macs_match_mmaction2_report():
    with torch.device("meta"):
        model = create_model("uniformerv2_b16")
    counts = model.macs_per_view(num_frames=8)
    # MMAction2's counter: 142.6 G at 8x224 without attention matmuls (it adds LayerNorm terms)
    assert abs(counts["total_without_attention"] / 1e9 - 142.6) < 0.5
    # on the meta device SDPA runs its math path, which the counter does count
    meta_video = torch.empty(1, 1, 3, 8, 224, 224, dtype=torch.uint8, device="meta")
    assert counts["total"] == count_flops(model.forward_views, meta_video)


def test_build_model_pretrained_initialises_from_mmaction2_clip_encoder(tiny_golden, tmp_path, monkeypatch):
    from actionrec.models import uniformerv2

    source = _randomised(_tiny(), seed=9)
    extracted = {
        k[len("visual.") :]: v
        for k, v in _clip_from(source).state_dict().items()
        if k.startswith("visual.") and k not in ("visual.proj", "visual.ln_post.weight", "visual.ln_post.bias")
    }
    torch.save(extracted, tmp_path / "vit-tiny_clip-rgb.pth")
    monkeypatch.setenv("ACTIONREC_HOME", str(tmp_path / "cache"))
    monkeypatch.setitem(uniformerv2.CLIP_VISUAL_URLS, "ViT-B/16", (tmp_path / "vit-tiny_clip-rgb.pth").as_uri())
    cfg = copy.deepcopy(tiny_golden[0]["model_cfg"])
    cfg["backbone"].update(clip_pretrained=True, pretrained="ViT-B/16")
    model = build_model(cfg, pretrained=True)
    ours = model.state_dict()
    for key, value in source.state_dict().items():
        if key not in _global_part(source):
            assert torch.equal(ours[key], value), key
    assert not build_model(cfg).backbone.cls_token.equal(source.backbone.cls_token)  # not fetched by default
