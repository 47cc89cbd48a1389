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
own; `checkpoint_filter_fn` at the end of this file maps MMAction2, OpenGVLab and CLIP layouts
onto them (pure functions of the state dict and the receiving model).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from actionrec.checkpoints import load_pretrained
from actionrec.checkpoints.io import extract_state_dict
from actionrec.models.base import BaseRecognizer
from actionrec.models.heads import ClsHead
from actionrec.models.registry import register_model

log = logging.getLogger(__name__)

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

    def forward_features(self, views: torch.Tensor) -> torch.Tensor:
        """uint8 `(B, C, T, H, W)` -> one feature vector per view `(B, width)`."""
        return self.backbone(self.normalize(views))

    def forward_head(self, features: torch.Tensor, num_views: int, pre_logits: bool = False) -> torch.Tensor:
        """Each view scored on its own: `(N * V, width)` -> `(N, V, K)` (or `(N, V, width)`)."""
        out = features if pre_logits else self.cls_head(features)
        return out.view(-1, num_views, out.shape[-1])

    def adapt_state_dict(self, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Any supported layout (actionrec, MMAction2, OpenGVLab, CLIP visual) -> our key names."""
        return checkpoint_filter_fn(state_dict, self)

    def macs_per_view(self, num_frames: int | None = None, resolution: int | None = None) -> dict[str, int]:
        counts = self.backbone.macs(num_frames, resolution)
        counts["head"] = self.cls_head.fc_cls.in_features * self.num_classes
        counts["total"] += counts["head"]
        counts["total_without_attention"] += counts["head"]
        return counts


# -- constructors: (num_classes, pretrained, **kwargs), construct then load -------------------
B16 = dict(patch_size=16, width=768, layers=12, heads=12, return_list=(8, 9, 10, 11), n_dim=768, n_head=12)
L14 = dict(patch_size=14, width=1024, layers=24, heads=16, return_list=(20, 21, 22, 23), n_dim=1024, n_head=16)
_HEAD_ARGS = ("dropout", "init_std", "mean", "std", "average_clips", "max_testing_views")

# CLIP visual encoders as MMAction2 extracted them (keys without `visual.`): what pretrained=True loads
CLIP_VISUAL_URLS = {
    "ViT-B/16": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-base-p16-res224_clip-rgb_20221219-b8a5da86.pth",
    "ViT-L/14": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-large-p14-res224_clip-rgb_20221219-9de7543e.pth",
    "ViT-L/14_336": "https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/clipVisualEncoder/"
    "vit-large-p14-res336_clip-rgb_20221219-d370f9e5.pth",
}


def _create(defaults: dict, num_classes: int, pretrained, clip: str | None, kwargs: dict) -> UniFormerV2Recognizer:
    """Kinetics defaults (as every MMAction2 config: global UniBlocks only), overridable by kwargs;
    then CLIP (`pretrained=True`), a zoo entry or a checkpoint file loaded on top."""
    head_args = {k: kwargs.pop(k) for k in _HEAD_ARGS if k in kwargs}
    model = UniFormerV2Recognizer(UniFormerV2(**{**defaults, **kwargs}), num_classes, **head_args)
    if pretrained:
        load_pretrained(model, pretrained, default=CLIP_VISUAL_URLS.get(clip))
    return model


@register_model(accepts=(UniFormerV2Recognizer, UniFormerV2))
def uniformerv2_b16(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-B/16, 224 px (~115 M parameters with a 400-class head); pretrained=True: CLIP ViT-B/16."""
    return _create(dict(B16, input_resolution=224), num_classes, pretrained, "ViT-B/16", kwargs)


@register_model(accepts=(UniFormerV2Recognizer, UniFormerV2))
def uniformerv2_l14(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-L/14, 224 px (~354 M parameters); pretrained=True: CLIP ViT-L/14."""
    return _create(dict(L14, input_resolution=224), num_classes, pretrained, "ViT-L/14", kwargs)


@register_model(accepts=(UniFormerV2Recognizer, UniFormerV2))
def uniformerv2_l14_336(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> UniFormerV2Recognizer:
    """UniFormerV2-L/14 at 336 px; pretrained=True: CLIP ViT-L/14@336."""
    return _create(dict(L14, input_resolution=336), num_classes, pretrained, "ViT-L/14_336", kwargs)


@register_model(accepts=(UniFormerV2Recognizer, UniFormerV2))
def uniformerv2(num_classes: int = 400, pretrained: bool | str = False, **kwargs) -> UniFormerV2Recognizer:
    """Any UniFormerV2 shape (B/16 unless the kwargs say otherwise): small models, ablations.

    No CLIP encoder fits an arbitrary shape, so `pretrained` must be a file, URL or zoo name here.
    """
    return _create(dict(B16, input_resolution=224), num_classes, pretrained, None, kwargs)


# -- foreign checkpoint layouts -> our names (pure functions) -------------------------------
# Layouts (facts read from the public code; see the rule table below for every key):
# * mmaction2 - `backbone.conv1.weight`, `backbone.transformer.resblocks.{i}.*`,
#   `backbone.transformer.{temporal_cls_token, balance, dpe.{j}, dec.{j}, norm}.*`, `cls_head.fc_cls.*`.
# * opengvlab - the original release (SlowFast, `model_state`): as MMAction2, except the head lives in
#   the backbone as `backbone.transformer.proj = Sequential(LayerNorm, Dropout, Linear)`, so `proj.0`
#   is our `backbone.norm` and `proj.2` our `cls_head.fc_cls`.
# * clip - OpenAI CLIP (TorchScript archives or state dicts): the `visual.*` tensors (or MMAction2's
#   pre-extracted visual encoders, the same keys without the prefix); `proj` and `ln_post` are dropped,
#   the 2D patch conv is inflated to the centre temporal slice, tensors whose shape cannot be reconciled
#   are skipped, and everything the video layers add stays at its init.
# * actionrec - our own names, returned unchanged.
# A Kinetics-710 head (710 rows) loaded into a 400/600/700-class model is mapped row by row with the
# channel maps in `actionrec/label_maps/map_k{400,600,700}.json`, as MMAction2's
# `UniFormerHead(channel_map=...)` and the original `label_mixto{N}.json` do.
K710_CLASSES = 710

# -- the MMAction2 backbone names -> ours ---------------------------------------------------
# (source name inside `backbone.`, our name inside `backbone.`, how the tensor changes)
_LINEAR = "conv1x1x1 -> linear"
_SPLIT_Q_KV = "split in_proj into q and kv"
_RULES: list[tuple[re.Pattern, str, str | None]] = [
    (re.compile(p), r, t)
    for p, r, t in [
        (r"conv1\.weight", "patch_embed.proj.weight", None),
        (r"class_embedding", "cls_token", None),
        (r"positional_embedding", "pos_embed", None),
        (r"ln_pre\.(weight|bias)", r"norm_pre.\1", None),
        (r"transformer\.resblocks\.(\d+)\.ln_1\.(weight|bias)", r"blocks.\1.norm1.\2", None),
        (r"transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)", r"blocks.\1.attn.qkv.\2", None),
        (r"transformer\.resblocks\.(\d+)\.attn\.out_proj\.(weight|bias)", r"blocks.\1.attn.proj.\2", None),
        (r"transformer\.resblocks\.(\d+)\.ln_2\.(weight|bias)", r"blocks.\1.norm2.\2", None),
        (r"transformer\.resblocks\.(\d+)\.mlp\.c_fc\.(weight|bias)", r"blocks.\1.mlp.fc1.\2", None),
        (r"transformer\.resblocks\.(\d+)\.mlp\.c_proj\.(weight|bias)", r"blocks.\1.mlp.fc2.\2", None),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.0\.(\w+)", r"blocks.\1.\2.norm.\3", None),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.1\.(weight|bias)", r"blocks.\1.\2.down.\3", _LINEAR),
        (
            r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.2\.(weight|bias)",
            r"blocks.\1.\2.temporal.\3",
            _LINEAR,
        ),
        (r"transformer\.resblocks\.(\d+)\.(lmhra[12])\.pos_embed\.3\.(weight|bias)", r"blocks.\1.\2.up.\3", _LINEAR),
        (r"transformer\.temporal_cls_token", "video_token", None),
        (r"transformer\.dpe\.(\d+)\.(weight|bias)", r"global_blocks.\1.dpe.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_1\.(weight|bias)", r"global_blocks.\1.norm_q.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_3\.(weight|bias)", r"global_blocks.\1.norm_kv.\2", None),
        (r"transformer\.dec\.(\d+)\.attn\.in_proj_(weight|bias)", r"global_blocks.\1.attn.{part}.\2", _SPLIT_Q_KV),
        (r"transformer\.dec\.(\d+)\.attn\.out_proj\.(weight|bias)", r"global_blocks.\1.attn.proj.\2", None),
        (r"transformer\.dec\.(\d+)\.ln_2\.(weight|bias)", r"global_blocks.\1.norm2.\2", None),
        (r"transformer\.dec\.(\d+)\.mlp\.c_fc\.(weight|bias)", r"global_blocks.\1.mlp.fc1.\2", None),
        (r"transformer\.dec\.(\d+)\.mlp\.c_proj\.(weight|bias)", r"global_blocks.\1.mlp.fc2.\2", None),
        (r"transformer\.balance", "balance", None),
        (r"transformer\.norm\.(weight|bias)", r"norm.\1", None),
        (r"transformer\.proj\.0\.(weight|bias)", r"norm.\1", None),  # OpenGVLab's head LayerNorm
    ]
]
_OPENGVLAB_CLASSIFIER = re.compile(r"backbone\.transformer\.proj\.2\.(weight|bias)")
_CLIP_DROPPED = {"proj", "ln_post.weight", "ln_post.bias"}


def _map_backbone_key(name: str, value: torch.Tensor) -> list[tuple[str, torch.Tensor]] | None:
    """One MMAction2 backbone tensor (name inside `backbone.`) -> our full (name, tensor) pairs;
    None if no rule matches."""
    for pattern, replacement, change in _RULES:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        new = match.expand(replacement)
        if change == _LINEAR and value.dim() > 1:
            value = value.reshape(value.shape[0], -1)
        if change == _SPLIT_Q_KV:
            d = value.shape[0] // 3
            return [
                ("backbone." + new.replace("{part}", "q"), value[:d]),
                ("backbone." + new.replace("{part}", "kv"), value[d:]),
            ]
        return [("backbone." + new, value)]
    return None


def _map_keys(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """MMAction2 or OpenGVLab keys -> ours; keys no rule knows are kept as they are, so the
    loader's unexpected-key report names them."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        if _OPENGVLAB_CLASSIFIER.fullmatch(key):
            out["cls_head.fc_cls." + key.rsplit(".", 1)[1]] = value
            continue
        mapped = _map_backbone_key(key[len("backbone.") :], value) if key.startswith("backbone.") else None
        out.update(mapped or [(key, value)])
    return out


# -- layout detection ---------------------------------------------------------------------
def detect_layout(state_dict: Mapping[str, torch.Tensor]) -> str:
    """'actionrec', 'opengvlab', 'mmaction2' or 'clip'."""
    keys = set(state_dict)
    if "backbone.patch_embed.proj.weight" in keys or any(k.startswith("backbone.blocks.") for k in keys):
        return "actionrec"
    if any(k.startswith("backbone.transformer.proj.") for k in keys):
        return "opengvlab"
    if "backbone.conv1.weight" in keys or any(k.startswith("backbone.transformer.") for k in keys):
        return "mmaction2"
    if "visual.conv1.weight" in keys or {"conv1.weight", "class_embedding"} <= keys:
        return "clip"
    raise ValueError(
        "unrecognised UniFormerV2 checkpoint layout: expected MMAction2 ('backbone.transformer.*'), "
        "OpenGVLab ('backbone.transformer.proj.*'), CLIP ('visual.conv1.weight') or actionrec "
        f"('backbone.blocks.*') keys; first keys are {sorted(keys)[:5]}"
    )


# -- Kinetics-710 heads ------------------------------------------------------------------
def k710_channel_map(num_classes: int) -> list[int]:
    """Row of the K710 head for each class of K400/K600/K700 (`label_maps/map_k{N}.json`)."""
    if num_classes not in (400, 600, 700):
        raise ValueError(f"Kinetics-710 heads map to 400, 600 or 700 classes, not {num_classes}")
    path = resources.files("actionrec") / "label_maps" / f"map_k{num_classes}.json"
    channels = json.loads(path.read_text())
    if len(channels) != num_classes or not all(0 <= c < K710_CLASSES for c in channels):
        raise ValueError(f"{path}: expected {num_classes} indices in 0..{K710_CLASSES - 1}")
    return channels


def map_k710_head(state_dict: dict[str, torch.Tensor], num_classes: int, prefix: str = "cls_head.fc_cls.") -> None:
    """In place: select the K710 classifier rows of a K400/K600/K700 model."""
    index = torch.tensor(k710_channel_map(num_classes))
    for name in ("weight", "bias"):
        state_dict[prefix + name] = state_dict[prefix + name][index]


# -- CLIP --------------------------------------------------------------------------------
@dataclass
class ClipLoadReport:
    """What happened to each tensor when CLIP weights initialised a UniFormerV2."""

    loaded: list[str] = field(default_factory=list)
    inflated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # 'key: why'
    not_initialised: list[str] = field(default_factory=list)  # our keys left at their init, summarised

    def __str__(self) -> str:
        return (
            f"CLIP weights: {len(self.loaded)} tensors loaded, inflated {self.inflated}, skipped {self.skipped}; "
            f"not initialised (kept at init): {self.not_initialised}"
        )


def _inflate_centre(weight_2d: torch.Tensor, time_dim: int) -> torch.Tensor:
    """2D conv weight (O, I, kh, kw) -> 3D (O, I, t, kh, kw), zeros except the middle slice."""
    weight = weight_2d.new_zeros(weight_2d.shape[0], weight_2d.shape[1], time_dim, *weight_2d.shape[2:])
    weight[:, :, time_dim // 2] = weight_2d
    return weight


def _summarise(keys: list[str]) -> list[str]:
    """`backbone.global_blocks.0.attn.q.weight`, ... -> `backbone.global_blocks.*` style groups."""
    groups: dict[str, None] = {}
    for key in keys:
        parts = key.split(".")
        cut = next((i for i, p in enumerate(parts) if p.isdigit()), None)
        groups[".".join(parts[:cut]) + ".*" if cut is not None else key] = None
    return list(groups)


def convert_clip(
    state_dict: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor]
) -> tuple[dict[str, torch.Tensor], ClipLoadReport]:
    """CLIP visual weights -> our keys that exist in `target` (a model's state_dict), with a report."""
    visual = {k[len("visual.") :]: v for k, v in state_dict.items() if k.startswith("visual.")}
    if not visual:  # MMAction2's pre-extracted encoders: visual keys without the prefix
        visual = dict(state_dict)
    report = ClipLoadReport()
    out: dict[str, torch.Tensor] = {}
    for key, value in visual.items():
        if key in _CLIP_DROPPED:
            continue
        mapped = _map_backbone_key(key, value)
        if mapped is None:
            report.skipped.append(f"visual.{key}: not part of the UniFormerV2 backbone")
            continue
        for new, tensor in mapped:
            want = target.get(new)
            if want is None:
                report.skipped.append(f"visual.{key}: the model has no {new}")
                continue
            if tensor.shape != want.shape:
                if tensor.dim() + 1 == want.dim() == 5 and tensor.shape == want.shape[:2] + want.shape[3:]:
                    tensor = _inflate_centre(tensor, want.shape[2])
                    report.inflated.append(new)
                else:
                    report.skipped.append(f"visual.{key}: shape {tuple(tensor.shape)}, model wants {tuple(want.shape)}")
                    continue
            out[new] = tensor.to(want.dtype)
            report.loaded.append(new)
    report.not_initialised = _summarise([k for k in target if k not in out])
    return out, report


# -- the filter load_checkpoint applies (through adapt_state_dict) --------------------------------
def checkpoint_filter_fn(state_dict: Mapping[str, torch.Tensor], model: nn.Module) -> dict[str, torch.Tensor]:
    """Any supported layout -> `model`'s keys (its state dict gives the shapes).

    CLIP weights come back partial (the log says what stays at init); a K710 head is mapped to
    the model's 400/600/700 classes.
    """
    target = model.state_dict()
    state_dict = extract_state_dict(state_dict, "state dict")  # no-op on a plain tensor dict
    layout = detect_layout(state_dict)
    if layout == "clip":
        out, report = convert_clip(state_dict, target)
        log.warning("%s", report)
        return out
    out = dict(state_dict) if layout == "actionrec" else _map_keys(state_dict)
    head = out.get("cls_head.fc_cls.weight")
    want = target.get("cls_head.fc_cls.weight")
    if head is not None and want is not None and head.shape[0] == K710_CLASSES and want.shape[0] in (400, 600, 700):
        map_k710_head(out, want.shape[0])
        log.info("mapped the Kinetics-710 head to %d classes with map_k%d.json", want.shape[0], want.shape[0])
    return out
