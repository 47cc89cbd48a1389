"""What every recognizer shares: uint8 in, normalise, score views, average them.

A recognizer takes uint8 views, `(N, V, C, H, W)` for 2D models or `(N, V, C, T, H, W)` for
3D ones (V = clips x crops, as the test pipeline made them), and owns its normalisation, so
the data pipeline never touches floats. Subclasses implement `forward_features` (the backbone on
flattened views) and `forward_head` (features -> scores); `forward`, `predict` and the chunking of
many views by `max_testing_views` are written once, here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from torch import nn

AVERAGE_MODES = ("prob", "score", None)
#: `amp=` names for mixed-precision inference (autocast; LayerNorm/softmax stay fp32, scores fp32)
AMP_DTYPES = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}


def average_views(scores: torch.Tensor, mode: str | None) -> torch.Tensor:
    """MMAction2's `BaseHead.average_clip`: scores `(N, V, K)` -> `(N, K)`.

    'prob' averages per-view softmaxes, 'score' averages raw scores, None keeps the raw
    scores (valid only when there is one view, as for TSN after its consensus).
    """
    if mode not in AVERAGE_MODES:
        raise ValueError(f"average_clips must be one of {AVERAGE_MODES}, got {mode!r}")
    scores = scores.float()
    if mode == "prob":
        return scores.softmax(dim=-1).mean(dim=1)
    if mode == "score":
        return scores.mean(dim=1)
    if scores.shape[1] != 1:
        # MMAction2 returns the views un-averaged here; one row per video is what callers need.
        return scores.mean(dim=1)
    return scores[:, 0]


class BaseRecognizer(nn.Module):
    """Normalisation + view bookkeeping around a backbone and a head."""

    #: number of spatial dims after C in one view: 2 for (C, H, W), 3 for (C, T, H, W)
    view_ndim: int = 2

    def __init__(
        self,
        mean: Sequence[float],
        std: Sequence[float],
        average_clips: str | None = "prob",
        max_testing_views: int | None = None,
    ):
        super().__init__()
        if average_clips not in AVERAGE_MODES:
            raise ValueError(f"average_clips must be one of {AVERAGE_MODES}, got {average_clips!r}")
        if len(mean) != len(std):
            raise ValueError(f"mean has {len(mean)} values but std has {len(std)}")
        self.average_clips = average_clips
        self.max_testing_views = max_testing_views
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32), persistent=False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32), persistent=False)

    # -- input handling -------------------------------------------------------------------
    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 (or float in 0..255) `(..., C, *spatial)` -> float `(x - mean) / std`."""
        c_dim = x.dim() - self.view_ndim - 1
        if x.shape[c_dim] != self.mean.numel():
            raise ValueError(
                f"input has {x.shape[c_dim]} channels at dim {c_dim} (shape {tuple(x.shape)}), "
                f"the model's mean/std expect {self.mean.numel()}"
            )
        shape = [1] * x.dim()
        shape[c_dim] = -1
        mean = self.mean.view(shape)
        std = self.std.view(shape)
        return (x.float() - mean) / std

    def check_views(self, x: torch.Tensor) -> torch.Tensor:
        """Accept `(N, V, C, ...)`; a single view without the V axis is given one."""
        want = self.view_ndim + 3  # N, V, C + spatial dims
        if x.dim() == want - 1:
            x = x.unsqueeze(1)
        if x.dim() != want:
            layout = "(N, V, C, H, W)" if self.view_ndim == 2 else "(N, V, C, T, H, W)"
            raise ValueError(f"expected input of shape {layout}, got {tuple(x.shape)}")
        return x

    # -- the model: subclasses define forward_features and forward_head -------------------------
    def forward_features(self, views: torch.Tensor) -> torch.Tensor:
        """uint8 views `(B, C, ...)` (B = videos x views) -> backbone features, one row per view."""
        raise NotImplementedError  # each recognizer defines its backbone pass

    def forward_head(self, features: torch.Tensor, num_views: int, pre_logits: bool = False) -> torch.Tensor:
        """Features of `N * num_views` views -> scores `(N, V', K)` (V' = 1 where the head fuses views),
        or with `pre_logits` the features the classifier would see, `(N, V', F)`."""
        raise NotImplementedError  # each recognizer defines its head

    def forward_views(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """uint8 `(N, V, C, ...)` -> scores `(N, V', K)`; at test time in chunks of `max_testing_views`."""
        n, v = x.shape[:2]
        views = x.flatten(0, 1)
        chunk = self.max_testing_views
        if self.training or not chunk or views.shape[0] <= chunk:
            features = self.forward_features(views)
        else:
            features = torch.cat([self.forward_features(part) for part in views.split(chunk)])
        return self.forward_head(features, v, pre_logits=pre_logits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Training path: uint8 views -> logits `(N, K)` (view scores averaged)."""
        return self.forward_views(self.check_views(x)).mean(dim=1)

    @torch.no_grad()
    def predict(
        self, x: torch.Tensor, average_clips: str | None | object = ..., amp: str | None = None
    ) -> torch.Tensor:
        """Test-time scores `(N, K)`, averaged over views as MMAction2's `average_clips`.

        `average_clips` overrides the model's setting ('prob', 'score' or None). `amp='bf16'`
        (or 'fp16') runs the model under autocast; the returned scores are float32. bf16 pays
        off only where the hardware has bf16 matmuls (AMX, avx512_bf16, recent GPUs): measure
        with `benchmarks/`.
        """
        if amp not in AMP_DTYPES:
            raise ValueError(f"amp must be one of {list(AMP_DTYPES)}, got {amp!r}")
        mode = self.average_clips if average_clips is ... else average_clips
        x = self.check_views(x)
        autocast = torch.autocast(x.device.type, dtype=AMP_DTYPES[amp]) if amp else contextlib.nullcontext()
        with autocast:
            scores = self.forward_views(x)
        return average_views(scores, mode)

    @torch.no_grad()
    def extract_features(self, x: torch.Tensor, amp: str | None = None) -> torch.Tensor:
        """Pre-logit features `(N, F)` of uint8 views `(N, V, C, ...)`, averaged over views."""
        x = self.check_views(x)
        autocast = torch.autocast(x.device.type, dtype=AMP_DTYPES[amp]) if amp else contextlib.nullcontext()
        with autocast:
            features = self.forward_views(x, pre_logits=True)
        return features.float().mean(dim=1)

    def adapt_state_dict(self, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A foreign checkpoint layout -> this model's names; families override (see `load_checkpoint`)."""
        return state_dict
