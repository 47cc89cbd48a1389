"""Any torchvision classification model or timm model as a TSN backbone, by name.

The feature extraction follows MMAction2's `Recognizer2D` for 'torchvision.<name>' and
'timm.<name>' backbones, so its TSN checkpoints with such backbones give the same scores:
torchvision models with a `features` trunk (DenseNet, VGG, MobileNet, EfficientNet, ConvNeXt)
run only that trunk (no final ReLU/norm), others run `forward` with `fc`/`classifier` replaced by
identities; timm models run `forward_features` (built with `num_classes=0`). The result is then
average-pooled per its layout ('NCHW', 'NHWC' or token 'NLC') to `(B, F)`.

The feature width F is found by a shape-only forward on the meta device, so no FLOPs are spent.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

FEATURE_SHAPES = ("NCHW", "NHWC", "NLC")


def library_weights(source: str, name: str) -> str | dict[str, Tensor]:
    """The library's default ImageNet weights for `name`: torchvision's DEFAULT URL (fetched and
    hash-checked by actionrec), or the state dict timm fetches through its own hub cache."""
    if source == "torchvision":
        import torchvision.models

        return torchvision.models.get_model_weights(name).DEFAULT.url
    if source == "timm":
        timm = _import_timm()
        return timm.create_model(name, pretrained=True, num_classes=0).state_dict()
    raise ValueError(f"backbone source must be 'torchvision' or 'timm', got {source!r}")


def _import_timm():
    try:
        import timm
    except ImportError as e:
        raise ImportError("timm backbones need `pip install timm`") from e
    return timm


def _create(source: str, name: str, kwargs: dict) -> nn.Module:
    """The library model with random weights (pretrained ones are loaded afterwards, by the builder)."""
    if source == "torchvision":
        import torchvision.models

        if name not in torchvision.models.list_models(module=torchvision.models):
            raise KeyError(f"torchvision has no classification model {name!r}")
        model = torchvision.models.get_model(name, weights=None, **kwargs)
        # as MMAction2 does: the classifier becomes an identity (also on models without one)
        model.fc = nn.Identity()
        model.classifier = nn.Identity()
        return model
    if source == "timm":
        return _import_timm().create_model(name, pretrained=False, num_classes=0, **kwargs)
    raise ValueError(f"backbone source must be 'torchvision' or 'timm', got {source!r}")


def _run_trunk(model: nn.Module, source: str, x: Tensor) -> Tensor:
    if source == "timm":
        out = model.forward_features(x)
    elif hasattr(model, "features"):
        out = model.features(x)
    else:
        out = model(x)
    # GoogLeNet/Inception return (logits, aux...) tuples in training mode
    return out[0] if isinstance(out, (tuple, list)) else out


class ThirdPartyBackbone(nn.Module):
    """A torchvision/timm classifier trunk + MMAction2's pooling: `(B, C, H, W)` -> `(B, F)`.

    The foreign network is `self.model`, so its parameters keep their own names under
    `model.` (torchvision/timm weights load after a prefix change only).

    Args:
        name: model name in that library, e.g. 'densenet161', 'swin_base_patch4_window7_224'.
        source: 'torchvision' or 'timm'.
        feature_shape: layout of the trunk output; None detects it (3-D -> 'NLC'; 4-D -> 'NCHW'
            unless the last dim, not dim 1, equals timm's `num_features`, -> 'NHWC').
        probe_size: input size for the shape probe (models with fixed input sizes need theirs).
        **kwargs: passed to the library's constructor.
    """

    def __init__(
        self,
        name: str,
        source: str = "torchvision",
        feature_shape: str | None = None,
        probe_size: int = 224,
        **kwargs,
    ):
        super().__init__()
        if feature_shape is not None and feature_shape not in FEATURE_SHAPES:
            raise ValueError(f"feature_shape must be one of {FEATURE_SHAPES} or None, got {feature_shape!r}")
        self.name = name
        self.source = source
        self.model = _create(source, name, kwargs)
        self.feature_shape, self.num_features = self._probe(source, name, kwargs, feature_shape, probe_size)

    def trunk(self, x: Tensor) -> Tensor:
        return _run_trunk(self.model, self.source, x)

    def _probe(self, source: str, name: str, kwargs: dict, feature_shape: str | None, size: int) -> tuple[str, int]:
        """Run a weightless copy on the meta device to learn the output layout and width."""
        with torch.device("meta"):
            probe = _create(source, name, kwargs).eval()
            out = _run_trunk(probe, source, torch.empty(1, kwargs.get("in_chans", 3), size, size))
        if out.dim() == 2:  # already pooled (torchvision models without a `features` trunk)
            return feature_shape or "NCHW", out.shape[1]
        if feature_shape is None:
            feature_shape = self._guess_layout(out.shape)
        return feature_shape, out.shape[1 if feature_shape == "NCHW" else -1]

    def _guess_layout(self, shape: torch.Size) -> str:
        if len(shape) == 3:
            return "NLC"
        declared = getattr(self.model, "num_features", None)
        if len(shape) == 4 and declared is not None and shape[-1] == declared and shape[1] != declared:
            return "NHWC"
        return "NCHW"

    def forward(self, x: Tensor) -> Tensor:
        x = self.trunk(x)
        if x.dim() == 2:
            return x
        if self.feature_shape == "NHWC":
            return x.mean(dim=(1, 2))
        if self.feature_shape == "NCHW":
            return x.mean(dim=(2, 3))
        return x.mean(dim=1)
