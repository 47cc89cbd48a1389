"""What every recognizer shares: uint8 in, normalise, score views, average them.

A recognizer takes uint8 views, `(N, V, C, H, W)` for 2D models or `(N, V, C, T, H, W)` for
3D ones (V = clips x crops, as the test pipeline made them), and owns its normalisation, so
the data pipeline never touches floats. Subclasses implement `forward_features` (the backbone on
flattened views) and `forward_head` (features -> scores); `forward`, `predict` and the chunking of
many views are written once, here.

Chunking: at test time views go through the backbone in chunks whose activations fit a share of
memory (a quarter of RAM on CPU, of free memory on GPU) and, on CPU, whose largest layer input and
output fit the last-level cache together — measured on the first view, see `views_per_forward` —
unless `max_testing_views` fixes the chunk. The cache bound is L3, not L2: on a 2-core Sapphire Rapids
CPU, TSN-R50 in chunks of 3 views (what an L2-sized budget gives) ran 2.7x slower than one 24-view
batch, while on a 2-core EPYC (32 MiB L3) the 25x10 protocol ran 1.3x faster in the L3-sized chunks
(5 views fp32, 10 bf16) than in one 250-view batch, which streams every activation through DRAM;
`benchmarks/protocols.py --sweep` measures it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from torch import nn

from actionrec.errors import ActionrecError
from actionrec.hardware import DTYPES, autocast_dtype, cache_bytes, memory_bytes, resolve_precision

AVERAGE_MODES = ("prob", "score", None)
#: `amp=` names for mixed-precision inference (autocast; LayerNorm/softmax stay fp32, scores fp32)
AMP_DTYPES = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}
#: the share of memory (RAM on CPU, free memory on GPU) the live activations of one chunk of views may use
MEMORY_SHARE = 0.25


def _autocast(device: torch.device, precision: str):
    dtype = DTYPES[precision]
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()


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


class NonFiniteScoresError(ActionrecError, FloatingPointError):
    """A forward pass produced NaN or inf scores; never handed back as if they were predictions."""


def _check_finite(scores: torch.Tensor, precision: str) -> None:
    if scores.device.type == "meta":  # shapes only, no values to check
        return
    finite = torch.isfinite(scores).flatten(1).all(dim=1)
    if not bool(finite.all()):
        videos = (~finite).nonzero().flatten().tolist()
        hint = (
            " (fp16 overflows easily: try precision='bf16' or 'fp32')"
            if precision == "fp16"
            else (" (are the weights finite? load_checkpoint checks them)")
        )
        raise NonFiniteScoresError(f"the model returned NaN/inf scores for video(s) {videos} of the batch{hint}")


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
        self._chunks = {}
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
        """uint8 `(N, V, C, ...)` -> scores `(N, V', K)`; at test time in memory-sized chunks of views."""
        v = x.shape[1]
        views = x.flatten(0, 1)
        if self.training:
            return self.forward_head(self.forward_features(views), v, pre_logits=pre_logits)
        first = None
        if self.max_testing_views is None and views.shape[0] > 1 and self._chunk_key(views) not in self._chunks:
            first = self._measure_first_view(views[:1])  # learns the chunk size from one real view
            if self.compiled:  # one graph per shape: this call chunks the views as every later call will
                first = None
        chunk = self.views_per_forward(views)
        rest = views if first is None else views[1:]
        parts = [first] if first is not None else []
        parts += [self.forward_features(part) for part in rest.split(chunk)] if rest.shape[0] else []
        features = parts[0] if len(parts) == 1 else torch.cat(parts)
        return self.forward_head(features, v, pre_logits=pre_logits)

    # -- test-time view batching -----------------------------------------------------------
    _chunks: dict  # (view shape, dtype, device) -> views per forward, learnt on first use
    #: set by `models.fuse.for_inference(compile=True)`: `forward_features` is a compiled graph, so the
    #: first view is measured eagerly (hooks in a compiled graph would force recompiles) and not reused
    #: (reusing it would give the first call other chunk shapes than later calls, each compiled anew)
    compiled: bool = False

    def _chunk_key(self, views: torch.Tensor) -> tuple:
        kind = views.device.type
        dtype = autocast_dtype(kind, default=torch.float32)
        return tuple(views.shape[1:]), dtype, kind

    def views_per_forward(self, views: torch.Tensor) -> int:
        """The chunk size: `max_testing_views` if set, else what fits the activation budget."""
        if self.max_testing_views:
            return self.max_testing_views
        return self._chunks.get(self._chunk_key(views), views.shape[0])

    def _measure_first_view(self, view: torch.Tensor) -> torch.Tensor:
        """Run one view with hooks that record the largest activations, and size the chunks from them."""
        peak = [0]

        def record(_module, _inputs, output):
            if isinstance(output, torch.Tensor):
                peak[0] = max(peak[0], output.numel() * output.element_size())

        handles = [m.register_forward_hook(record) for m in self.modules() if not list(m.children())]
        forward = type(self).forward_features.__get__(self) if self.compiled else self.forward_features
        try:
            features = forward(view)
        finally:
            for handle in handles:
                handle.remove()
        # a layer's input and output are live together, and a residual keeps one more: ~3x the largest
        chunk = max(1, int(self.activation_budget(view.device) // max(3 * peak[0], 1)))
        if view.device.type == "cpu":  # the largest layer's input and output stay in the last-level cache
            chunk = min(chunk, max(1, int(self.cache_budget() // max(2 * peak[0], 1))))
        self._chunks[self._chunk_key(view)] = chunk
        return features

    def cache_budget(self) -> int:
        """Bytes of the CPU's last-level cache (L3 from sysfs; 32 MiB if unknown), which a chunk's largest layer
        should fit."""
        return cache_bytes(level=3, default=32 * 1024**2)

    def activation_budget(self, device: torch.device) -> int:
        """Bytes of live activations one chunk may use: a share of RAM (CPU) or of free memory (GPU)."""
        if device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(device)
            return int(free * MEMORY_SHARE)
        return int(memory_bytes() * MEMORY_SHARE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Training path: uint8 views -> logits `(N, K)` (view scores averaged)."""
        return self.forward_views(self.check_views(x)).mean(dim=1)

    @torch.no_grad()
    def predict(
        self,
        x: torch.Tensor,
        average_clips: str | None | object = ...,
        precision: str = "fp32",
        amp: str | None = None,
    ) -> torch.Tensor:
        """Test-time scores `(N, K)`, averaged over views as MMAction2's `average_clips`.

        `average_clips` overrides the model's setting ('prob', 'score' or None). `precision`:
        'fp32' (default: MMAction2's numbers), 'bf16' / 'fp16' (autocast; LayerNorms and the
        returned scores stay float32), or 'auto' (bf16 where the hardware multiplies bf16
        natively — AMX / avx512_bf16 CPUs, GPUs of compute capability >= 8 — else fp32).
        `amp='bf16'` is the older spelling of `precision='bf16'`.
        """
        if amp is not None:
            if amp not in AMP_DTYPES:
                raise ValueError(f"amp must be one of {list(AMP_DTYPES)}, got {amp!r}")
            precision = amp
        mode = self.average_clips if average_clips is ... else average_clips
        x = self.check_views(x)
        precision = resolve_precision(precision, x.device)
        with _autocast(x.device, precision):
            scores = self.forward_views(x)
        _check_finite(scores, precision)
        return average_views(scores, mode)

    @torch.no_grad()
    def extract_features(self, x: torch.Tensor, precision: str = "fp32") -> torch.Tensor:
        """Pre-logit features `(N, F)` of uint8 views `(N, V, C, ...)`, averaged over views."""
        x = self.check_views(x)
        with _autocast(x.device, resolve_precision(precision, x.device)):
            features = self.forward_views(x, pre_logits=True)
        return features.float().mean(dim=1)

    def adapt_state_dict(self, state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A foreign checkpoint layout -> this model's names; families override (see `load_checkpoint`)."""
        return state_dict
