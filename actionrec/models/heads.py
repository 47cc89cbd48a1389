"""Classification heads: dropout + linear, and TSN's pooled-consensus variant.

Parameter names (`fc_cls.weight`, `fc_cls.bias`) match MMAction2's heads, so head weights of
published checkpoints map by a prefix change only.
"""

from __future__ import annotations

import torch
from torch import nn


class ClsHead(nn.Module):
    """Dropout then a linear classifier on a feature vector `(..., in_channels)`.

    Initialised normal(0, init_std), bias zero, as MMAction2's heads do.
    """

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.5, init_std: float = 0.01):
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)
        nn.init.normal_(self.fc_cls.weight, 0.0, init_std)
        nn.init.zeros_(self.fc_cls.bias)

    @property
    def num_classes(self) -> int:
        return self.fc_cls.out_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.fc_cls(self.dropout(features))


class TSNHead(ClsHead):
    """TSN: global average pool per view, average over the views (segment consensus), classify.

    Averaging *features* over all views before the linear layer is what MMAction2 does at test
    time too (its `num_segs` counts segments x crops), so `forward` returns one row per video.
    """

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.4, init_std: float = 0.01):
        super().__init__(in_channels, num_classes, dropout, init_std)

    def forward(self, features: torch.Tensor, num_views: int, pre_logits: bool = False) -> torch.Tensor:  # type: ignore[override]
        """`features (N*V, C, H, W)` or `(N*V, C)` -> logits `(N, K)` (or the averaged features `(N, C)`)."""
        if features.dim() == 4:
            features = features.mean(dim=(2, 3))
        features = features.reshape(-1, num_views, features.shape[-1]).mean(dim=1)
        return features if pre_logits else super().forward(features)
