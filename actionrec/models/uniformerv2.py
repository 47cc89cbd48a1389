"""UniFormerV2 (Li et al., 2022): a CLIP ViT armed with local and global video UniBlocks.

Each frame is tokenised and run through CLIP's ViT blocks, optionally wrapped by *local
UniBlocks* (a depthwise temporal relation aggregator, L-MHRA, before and after attention). At
the layers in `return_list`, a *global UniBlock* adds a dynamic position encoding (depthwise 3D
conv) to a copy of the tokens and lets one learned video token cross-attend to all tokens of all
frames. The video token and the mean of the frames' CLS tokens are fused with a learned balance.

Numerically this is MMAction2's `UniFormerV2` backbone + `UniFormerHead`, re-laid out for speed:
tokens are batch-first `(B*T, L, D)`, attention uses fused qkv and
`scaled_dot_product_attention`, L-MHRA works on channels-last tokens (BatchNorm over tokens,
1x1x1 convs as linears, the temporal conv as shifted multiply-adds), and the number of frames
comes from the input, not from `t_size` (no weight depends on it). Parameter names are our
own; `actionrec.checkpoints.uniformerv2` maps MMAction2, OpenGVLab and CLIP layouts onto them.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from actionrec.models.base import BaseRecognizer
from actionrec.models.heads import ClsHead
from actionrec.models.registry import register_mmaction_backbone, register_model

UNIFORMERV2_MEAN = (114.75, 114.75, 114.75)  # 0.45 * 255, as the original DATA.MEAN
UNIFORMERV2_STD = (57.375, 57.375, 57.375)  # 0.225 * 255


# -- building blocks ----------------------------------------------------------------------
class QuickGELU(nn.Module):
    """CLIP's GELU approximation `x * sigmoid(1.702 x)`; the weights were trained with it.

    Computed as `silu(1.702 x) / 1.702` (equal up to rounding): SiLU is one vectorised kernel,
    about 3x faster on CPU than a separate sigmoid and product.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(x * 1.702).div_(1.702)


class DropPath(nn.Module):
    """Stochastic depth: zero a residual branch for whole samples (dim 0) while training."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep


def drop_path_or_identity(p: float) -> nn.Module:
    return DropPath(p) if p > 0 else nn.Identity()


class Mlp(nn.Module):
    """Linear, QuickGELU, dropout, linear."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = QuickGELU()
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(self.act(self.fc1(x))))


class SelfAttention(nn.Module):
    """Multi-head self-attention over batch-first tokens with one fused qkv projection."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"width {dim} is not divisible by {num_heads} heads")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.qkv.weight)  # as nn.MultiheadAttention
        nn.init.zeros_(self.qkv.bias)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class TemporalDepthwiseConv(nn.Module):
    """Depthwise conv over time on channels-last `(B, T, ..., C)`, zero padded ('same' length).

    Equals MMAction2's `Conv3d(C, C, (k, 1, 1), groups=C)`, done as k shifted multiply-adds so
    the tokens never leave their channels-last layout.
    """

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"temporal kernel size must be odd, got {kernel_size}")
        self.weight = nn.Parameter(torch.empty(channels, kernel_size))
        self.bias = nn.Parameter(torch.zeros(channels))
        nn.init.kaiming_uniform_(self.weight.view(channels, 1, kernel_size), a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.weight.shape[1]
        t = x.shape[1]
        padded = F.pad(x, (0, 0) * (x.dim() - 2) + (k // 2, k // 2))
        out = torch.addcmul(self.bias, padded[:, 0:t], self.weight[:, 0])
        for tap in range(1, k):
            out = torch.addcmul(out, padded[:, tap : tap + t], self.weight[:, tap])
        return out


class LocalMHRA(nn.Module):
    """Local multi-head relation aggregator: BatchNorm, reduce, temporal depthwise conv, expand.

    Works on patch tokens `(B, T, N, C)`. BatchNorm over all tokens equals MMAction2's
    BatchNorm3d (statistics over batch, time and space); the 1x1x1 convs are linears. `up` is
    zero-initialised so a freshly added L-MHRA leaves the CLIP block unchanged.
    """

    def __init__(self, dim: int, dw_reduction: float = 1.5, kernel_size: int = 3):
        super().__init__()
        hidden = int(dim // dw_reduction)
        self.norm = nn.BatchNorm1d(dim)
        self.down = nn.Linear(dim, hidden)
        self.temporal = TemporalDepthwiseConv(hidden, kernel_size)
        self.up = nn.Linear(hidden, dim)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed = self.norm(x.reshape(-1, x.shape[-1])).view(x.shape)
        return self.up(self.temporal(self.down(normed)))


class LocalUniBlock(nn.Module):
    """CLIP's residual attention block, optionally with L-MHRA before attention and before the MLP."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        drop_path: float = 0.0,
        dw_reduction: float = 1.5,
        use_lmhra: bool = False,
        double_lmhra: bool = True,
    ):
        super().__init__()
        self.lmhra1 = LocalMHRA(dim, dw_reduction) if use_lmhra else None
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, num_heads)
        self.lmhra2 = LocalMHRA(dim, dw_reduction) if use_lmhra and double_lmhra else None
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)
        self.drop_path = drop_path_or_identity(drop_path)

    def _local(self, x: torch.Tensor, lmhra: LocalMHRA, num_frames: int) -> torch.Tensor:
        bt, n, d = x.shape
        patches = x[:, 1:].reshape(bt // num_frames, num_frames, n - 1, d)
        delta = self.drop_path(lmhra(patches).reshape(bt, n - 1, d))
        return torch.cat([x[:, :1], x[:, 1:] + delta], dim=1)

    def forward(self, x: torch.Tensor, num_frames: int, use_checkpoint: bool = False) -> torch.Tensor:
        """`x (B*T, 1+HW, D)`, frames of a video adjacent.

        `use_checkpoint` recomputes the attention and MLP branches in backward (as the original
        code does); L-MHRA is not recomputed, so its BatchNorm statistics update once.
        """
        if self.lmhra1 is not None:
            x = self._local(x, self.lmhra1, num_frames)
        x = x + self.drop_path(self._branch(self.attn, self.norm1(x), use_checkpoint))
        if self.lmhra2 is not None:
            x = self._local(x, self.lmhra2, num_frames)
        return x + self.drop_path(self._branch(self.mlp, self.norm2(x), use_checkpoint))

    @staticmethod
    def _branch(module: nn.Module, x: torch.Tensor, use_checkpoint: bool) -> torch.Tensor:
        return checkpoint(module, x, use_reentrant=False) if use_checkpoint else module(x)


class CrossAttention(nn.Module):
    """Queries attend to a separate token set; q and kv projections are separate linears."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"n_dim {dim} is not divisible by {num_heads} heads")
        self.num_heads = num_heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        # xavier-uniform bound of the fused (3D, D) in_proj matrix that MMAction2 initialises
        bound = math.sqrt(6.0 / (4 * dim))
        nn.init.uniform_(self.q.weight, -bound, bound)
        nn.init.uniform_(self.kv.weight, -bound, bound)
        nn.init.zeros_(self.q.bias)
        nn.init.zeros_(self.kv.bias)
        nn.init.zeros_(self.proj.weight)  # the global path starts as a no-op
        nn.init.zeros_(self.proj.bias)

    def forward(self, query: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        b, nq, d = query.shape
        head_dim = d // self.num_heads
        q = self.q(query).view(b, nq, self.num_heads, head_dim).transpose(1, 2)
        k, v = self.kv(tokens).view(b, tokens.shape[1], 2, self.num_heads, head_dim).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(b, nq, d))


class GlobalUniBlock(nn.Module):
    """Dynamic position encoding + the video token's cross-attention over all frames' tokens.

    The DPE (depthwise 3x3x3 conv) is added to a copy of the patch tokens used as keys/values
    only; the ViT stream itself is not changed.
    """

    def __init__(self, dim: int, num_heads: int, mlp_factor: float = 4.0, dropout: float = 0.5, drop_path: float = 0.0):
        super().__init__()
        self.dpe = nn.Conv3d(dim, dim, kernel_size=3, padding=1, groups=dim)
        nn.init.zeros_(self.dpe.bias)
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = CrossAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, round(mlp_factor * dim), dropout)
        nn.init.xavier_uniform_(self.mlp.fc1.weight)
        nn.init.zeros_(self.mlp.fc2.weight)
        nn.init.zeros_(self.mlp.fc2.bias)
        self.drop_path = drop_path_or_identity(drop_path)

    def forward(
        self, video_token: torch.Tensor, x: torch.Tensor, num_frames: int, grid: tuple[int, int]
    ) -> torch.Tensor:
        """`video_token (B, 1, D)`, `x (B*T, 1+h*w, D)` -> updated video token."""
        bt, n, d = x.shape
        b = bt // num_frames
        frames = x.view(b, num_frames, n, d)
        patches = frames[:, :, 1:].reshape(b, num_frames, *grid, d)
        # channels-last view: the depthwise conv runs on it without a layout copy
        pos = self.dpe(patches.permute(0, 4, 1, 2, 3)).permute(0, 2, 3, 4, 1).reshape(b, num_frames, n - 1, d)
        tokens = torch.cat([frames[:, :, :1], frames[:, :, 1:] + pos], dim=2).view(b, num_frames * n, d)
        video_token = video_token + self.drop_path(self.attn(self.norm_q(video_token), self.norm_kv(tokens)))
        return video_token + self.drop_path(self.mlp(self.norm2(video_token)))


class PatchEmbed(nn.Module):
    """Conv3d tokeniser `(p_t, p, p)`; frame-wise (p_t = 1) it is one matmul on unfolded patches."""

    def __init__(self, patch_size: int, width: int, kernel_t: int = 1, stride_t: int = 1, in_channels: int = 3):
        super().__init__()
        self.proj = nn.Conv3d(
            in_channels,
            width,
            (kernel_t, patch_size, patch_size),
            (stride_t, patch_size, patch_size),
            ((kernel_t - 1) // 2, 0, 0),
            bias=False,
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, int, tuple[int, int]]:
        """`(B, C, T, H, W)` -> tokens `(B*T', h*w, D)`, T', (h, w)."""
        b, c, t, hh, ww = x.shape
        _, _, kt, p, _ = self.proj.weight.shape
        h, w = hh // p, ww // p
        if kt == 1 and self.proj.stride[0] == 1:
            patches = x[..., : h * p, : w * p].reshape(b, c, t, h, p, w, p)
            patches = patches.permute(0, 2, 3, 5, 1, 4, 6).reshape(b * t * h * w, c * p * p)
            return (
                F.linear(patches, self.proj.weight.view(self.proj.out_channels, -1)).view(b * t, h * w, -1),
                t,
                (h, w),
            )
        y = self.proj(x)  # (B, D, T', h, w)
        t = y.shape[2]
        return y.permute(0, 2, 3, 4, 1).reshape(b * t, h * w, -1), t, (h, w)


# -- the backbone -------------------------------------------------------------------------
class UniFormerV2(nn.Module):
    """UniFormerV2 backbone: normalised float video `(B, 3, T, H, W)` -> features `(B, n_dim)`.

    Arguments are MMAction2's (same names and meaning). `t_size` is only the frame count the
    model is described with (FLOP counts); the forward takes T from its input.
    """

    def __init__(
        self,
        input_resolution: int = 224,
        patch_size: int = 16,
        width: int = 768,
        layers: int = 12,
        heads: int = 12,
        backbone_drop_path_rate: float = 0.0,
        t_size: int = 8,
        kernel_size: int = 3,
        dw_reduction: float = 1.5,
        temporal_downsample: bool = False,
        no_lmhra: bool = True,
        double_lmhra: bool = False,
        return_list: Sequence[int] = (8, 9, 10, 11),
        n_layers: int = 4,
        n_dim: int = 768,
        n_head: int = 12,
        mlp_factor: float = 4.0,
        drop_path_rate: float = 0.0,
        mlp_dropout: Sequence[float] = (0.5, 0.5, 0.5, 0.5),
        grad_checkpointing: bool = False,
    ):
        super().__init__()
        return_list = [int(i) for i in return_list]
        if n_layers != len(return_list):
            raise ValueError(f"n_layers={n_layers} but return_list has {len(return_list)} entries: {return_list}")
        if len(set(return_list)) != len(return_list) or any(not 0 <= i < layers for i in return_list):
            raise ValueError(f"return_list {return_list} must name distinct layers in 0..{layers - 1}")
        if len(mlp_dropout) != n_layers:
            raise ValueError(f"mlp_dropout has {len(mlp_dropout)} entries, n_layers={n_layers}")
        if n_dim != width:
            raise ValueError(f"n_dim ({n_dim}) must equal width ({width}): global blocks read the ViT tokens")
        self.input_resolution = input_resolution
        self.patch_size = patch_size
        self.width = width
        self.t_size = t_size
        self.temporal_downsample = temporal_downsample
        self.grad_checkpointing = grad_checkpointing

        kernel_t, stride_t = (kernel_size, 2) if temporal_downsample else (1, 1)
        self.patch_embed = PatchEmbed(patch_size, width, kernel_t, stride_t)
        scale = width**-0.5
        self.cls_token = nn.Parameter(scale * torch.randn(width))
        self.pos_embed = nn.Parameter(scale * torch.randn((input_resolution // patch_size) ** 2 + 1, width))
        self.norm_pre = nn.LayerNorm(width)

        rates = torch.linspace(0, backbone_drop_path_rate, layers, device="cpu").tolist()
        self.blocks = nn.ModuleList(
            LocalUniBlock(width, heads, rates[i], dw_reduction, use_lmhra=not no_lmhra, double_lmhra=double_lmhra)
            for i in range(layers)
        )

        # global UniBlocks, in layer order: block j reads the output of layer sorted(return_list)[j]
        self.global_block_at = {layer: j for j, layer in enumerate(sorted(return_list))}
        self.video_token = nn.Parameter(torch.zeros(1, 1, n_dim))
        rates = torch.linspace(0, drop_path_rate, n_layers, device="cpu").tolist()
        self.global_blocks = nn.ModuleList(
            GlobalUniBlock(n_dim, n_head, mlp_factor, mlp_dropout[j], rates[j]) for j in range(n_layers)
        )
        self.balance = nn.Parameter(torch.zeros(n_dim))
        self.norm = nn.LayerNorm(n_dim)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute the ViT blocks' attention and MLP in backward instead of storing their
        activations (memory for training L/14)."""
        self.grad_checkpointing = enable

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens, t, grid = self.patch_embed(x)
        bt, hw, d = tokens.shape
        if hw + 1 != self.pos_embed.shape[0]:
            raise ValueError(
                f"input {x.shape[-2]}x{x.shape[-1]} gives {grid[0]}x{grid[1]} patches, but the position "
                f"embedding has {self.pos_embed.shape[0] - 1} (model built for {self.input_resolution}px)"
            )
        # the residual stream stays in the parameters' dtype (float32 under autocast)
        tokens = tokens.to(self.cls_token.dtype)
        x = torch.cat([self.cls_token.expand(bt, 1, d), tokens], dim=1)
        x = self.norm_pre(x + self.pos_embed)

        video_token = self.video_token.repeat(bt // t, 1, 1)  # a copy: module inputs must not be views of parameters
        use_checkpoint = self.grad_checkpointing and torch.is_grad_enabled()
        for i, block in enumerate(self.blocks):
            x = block(x, t, use_checkpoint)
            j = self.global_block_at.get(i)
            if j is not None:
                video_token = self.global_blocks[j](video_token, x, t, grid)

        frame_cls = x[:, 0].view(bt // t, t, d).mean(dim=1)
        weight = torch.sigmoid(self.balance)
        return self.norm((1 - weight) * video_token[:, 0] + weight * frame_cls)

    def macs(self, num_frames: int | None = None, resolution: int | None = None) -> dict[str, int]:
        """Multiply-adds of one clip, counted analytically per layer.

        'attention' holds the QK^T and AV products, which MMAction2's counter leaves out
        (it reports 142.6 G for B/16 at 8x224); 'total' includes them.
        """
        t = num_frames or self.t_size
        res = resolution or self.input_resolution
        d = self.width
        _, c, kt, p, _ = self.patch_embed.proj.weight.shape
        if self.temporal_downsample:
            t = (t + 2 * ((kt - 1) // 2) - kt) // 2 + 1
        hw = (res // p) ** 2
        n = hw + 1
        counts = {"patch_embed": t * hw * d * c * kt * p * p, "local_blocks": 0, "attention": 0, "global_blocks": 0}
        for block in self.blocks:
            heads = block.attn.num_heads
            counts["local_blocks"] += t * n * (3 * d * d + d * d + 2 * d * 4 * d)
            counts["attention"] += 2 * t * heads * n * n * (d // heads)
            for lmhra in (block.lmhra1, block.lmhra2):
                if lmhra is not None:
                    r, k = lmhra.temporal.weight.shape
                    counts["local_blocks"] += t * hw * (2 * d * r + r * k)
        for block in self.global_blocks:
            hidden = block.mlp.fc1.out_features
            counts["global_blocks"] += t * hw * d * 27 + t * n * 2 * d * d + 2 * d * d + 2 * d * hidden
            counts["attention"] += 2 * t * n * d
        counts["total"] = sum(counts.values())
        counts["total_without_attention"] = counts["total"] - counts["attention"]
        return counts


# -- the recognizer -----------------------------------------------------------------------
class UniFormerV2Recognizer(BaseRecognizer):
    """UniFormerV2 backbone + dropout/linear head; each view `(C, T, H, W)` scored on its own.

    `predict(x, amp='bf16')` runs backbone and head under `torch.autocast`; LayerNorms and the
    residual stream stay float32 (the stream is kept in the parameters' dtype).
    """

    view_ndim = 3

    def __init__(
        self,
        backbone: UniFormerV2,
        num_classes: int,
        dropout: float = 0.5,
        init_std: float = 0.02,
        mean: Sequence[float] = UNIFORMERV2_MEAN,
        std: Sequence[float] = UNIFORMERV2_STD,
        average_clips: str | None = "prob",
        max_testing_views: int | None = None,
    ):
        super().__init__(mean, std, average_clips, max_testing_views)
        self.backbone = backbone
        self.cls_head = ClsHead(backbone.norm.normalized_shape[0], num_classes, dropout, init_std)

    @property
    def num_classes(self) -> int:
        return self.cls_head.num_classes

    def _score(self, views: torch.Tensor) -> torch.Tensor:
        return self.cls_head(self.backbone(self.normalize(views)))

    def forward_views(self, x: torch.Tensor) -> torch.Tensor:
        n, v = x.shape[:2]
        views = x.flatten(0, 1)
        chunk = self.max_testing_views
        if chunk and not self.training and views.shape[0] > chunk:
            scores = torch.cat([self._score(part) for part in views.split(chunk)])
        else:
            scores = self._score(views)
        return scores.view(n, v, -1)

    def adapt_state_dict(self, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Any supported layout (actionrec, MMAction2, OpenGVLab, CLIP visual) -> our key names."""
        from actionrec.checkpoints.uniformerv2 import convert_state_dict

        return convert_state_dict(state_dict, self.state_dict())

    def macs_per_view(self, num_frames: int | None = None, resolution: int | None = None) -> dict[str, int]:
        counts = self.backbone.macs(num_frames, resolution)
        counts["head"] = self.cls_head.fc_cls.in_features * self.num_classes
        counts["total"] += counts["head"]
        counts["total_without_attention"] += counts["head"]
        return counts


# -- constructors -------------------------------------------------------------------------
_BACKBONE_ARGS = set(inspect.signature(UniFormerV2).parameters)

B16 = dict(patch_size=16, width=768, layers=12, heads=12, return_list=(8, 9, 10, 11), n_dim=768, n_head=12)
L14 = dict(patch_size=14, width=1024, layers=24, heads=16, return_list=(20, 21, 22, 23), n_dim=1024, n_head=16)


def _build(defaults: dict, num_classes: int, **kwargs) -> UniFormerV2Recognizer:
    """Kinetics defaults (as every MMAction2 config: global UniBlocks only), overridable by kwargs."""
    backbone_args = {**defaults, **{k: v for k, v in kwargs.items() if k in _BACKBONE_ARGS}}
    head_args = {k: v for k, v in kwargs.items() if k not in _BACKBONE_ARGS}
    return UniFormerV2Recognizer(UniFormerV2(**backbone_args), num_classes, **head_args)


@register_model
def uniformerv2_b16(num_classes: int = 400, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-B/16, 224 px (~115 M parameters with a 400-class head)."""
    return _build(dict(B16, input_resolution=224), num_classes, **kwargs)


@register_model
def uniformerv2_l14(num_classes: int = 400, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-L/14, 224 px (~354 M parameters)."""
    return _build(dict(L14, input_resolution=224), num_classes, **kwargs)


@register_model
def uniformerv2_l14_336(num_classes: int = 400, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-L/14 at 336 px."""
    return _build(dict(L14, input_resolution=336), num_classes, **kwargs)


# -- MMAction2 model dicts ----------------------------------------------------------------
# CLIP visual encoders MMAction2 extracted (keys without `visual.`), by the backbone's `pretrained`
CLIP_VISUAL_URLS = {
    "ViT-B/16": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-base-p16-res224_clip-rgb_20221219-b8a5da86.pth",
    "ViT-L/14": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-large-p14-res224_clip-rgb_20221219-9de7543e.pth",
    "ViT-L/14_336": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-large-p14-res336_clip-rgb_20221219-d370f9e5.pth",
}
_IGNORED_BACKBONE_KEYS = {"type", "clip_pretrained", "pretrained", "init_cfg"}
_HEAD_TYPES = {"UniFormerHead", "TimeSformerHead"}
_IGNORED_HEAD_KEYS = {"type", "in_channels", "init_cfg", "channel_map", "loss_cls", "label_smooth_eps", "multi_class"}


@register_mmaction_backbone("UniFormerV2")
def from_mmaction2_config(model: dict) -> UniFormerV2Recognizer:
    """An MMAction2 `Recognizer3D` + `UniFormerV2` model dict -> the recognizer.

    With `clip_pretrained` and a `pretrained` CLIP name left in the dict (`build_model(...,
    pretrained=True)`), the ViT is initialised from MMAction2's extracted CLIP encoder, as
    MMAction2 does before training. `init_cfg` and the head's `channel_map` are not applied here:
    `load_checkpoint` maps a Kinetics-710 head through the channel map when the model has
    400/600/700 classes.
    """
    if model.get("type", "Recognizer3D") != "Recognizer3D":
        raise ValueError(f"UniFormerV2 runs in a Recognizer3D, got model type {model.get('type')!r}")
    backbone_cfg = dict(model["backbone"])
    unknown = set(backbone_cfg) - _BACKBONE_ARGS - _IGNORED_BACKBONE_KEYS
    if unknown:
        raise ValueError(f"model.backbone: unsupported UniFormerV2 option(s) {sorted(unknown)}")
    backbone = UniFormerV2(**{k: v for k, v in backbone_cfg.items() if k in _BACKBONE_ARGS})

    head_cfg = dict(model["cls_head"])
    if head_cfg.get("type") not in _HEAD_TYPES:
        raise ValueError(f"model.cls_head.type must be one of {sorted(_HEAD_TYPES)}, got {head_cfg.get('type')!r}")
    in_channels = head_cfg.get("in_channels", backbone.width)
    if in_channels != backbone.width:
        raise ValueError(f"model.cls_head.in_channels={in_channels} but the backbone gives {backbone.width} features")
    unknown = set(head_cfg) - _IGNORED_HEAD_KEYS - {"num_classes", "dropout_ratio", "average_clips", "init_std"}
    if unknown:
        raise ValueError(f"model.cls_head: unsupported option(s) {sorted(unknown)}")

    preprocessor = model.get("data_preprocessor") or {}
    if preprocessor.get("format_shape", "NCTHW") != "NCTHW":
        raise ValueError(f"model.data_preprocessor.format_shape must be 'NCTHW', got {preprocessor['format_shape']!r}")
    test_cfg = model.get("test_cfg") or {}
    recognizer = UniFormerV2Recognizer(
        backbone,
        num_classes=head_cfg["num_classes"],
        dropout=head_cfg.get("dropout_ratio", 0.5),
        init_std=head_cfg.get("init_std", 0.02),
        mean=preprocessor.get("mean", UNIFORMERV2_MEAN),
        std=preprocessor.get("std", UNIFORMERV2_STD),
        average_clips=head_cfg.get("average_clips", "prob"),
        max_testing_views=test_cfg.get("max_testing_views"),
    )
    clip_name = backbone_cfg.get("pretrained")
    if backbone_cfg.get("clip_pretrained", True) and clip_name:  # build_model(pretrained=True) keeps the name
        if clip_name not in CLIP_VISUAL_URLS:
            raise ValueError(
                f"model.backbone.pretrained: unknown CLIP encoder {clip_name!r}, known {sorted(CLIP_VISUAL_URLS)}"
            )
        from actionrec.checkpoints.uniformerv2 import load_clip_pretrained
        from actionrec.download import download

        report = load_clip_pretrained(recognizer, download(CLIP_VISUAL_URLS[clip_name]))
        logging.getLogger(__name__).info("%s", report)
    return recognizer
