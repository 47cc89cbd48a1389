"""Key maps from foreign TSN / backbone checkpoint layouts onto actionrec's TSN names.

actionrec's TSN keys are `backbone.<torchvision ResNet names>` (or `backbone.model.<library
names>` for torchvision/timm backbones) and `cls_head.fc_cls.{weight,bias}`. Each foreign
layout has one explicit function below; `tsn_layout` tells which one a state dict is in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from actionrec.models.resnet import ResNet
    from actionrec.models.tsn import TSN

log = logging.getLogger(__name__)

StateDict = dict[str, Tensor]

# MMAction2 wraps each conv+BN pair in a ConvModule (`convX.conv`, `convX.bn`, `downsample.conv/bn`);
# torchvision (and actionrec) name them `convX` + `bnX` and `downsample.0/1`.
_MMACTION_RESNET_RULES = [
    (re.compile(r"^backbone\.conv1\.conv\."), r"backbone.conv1."),
    (re.compile(r"^backbone\.conv1\.bn\."), r"backbone.bn1."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.conv(\d)\.conv\."), r"\1.conv\2."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.conv(\d)\.bn\."), r"\1.bn\2."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.downsample\.conv\."), r"\1.downsample.0."),
    (re.compile(r"^(backbone\.layer\d+\.\d+)\.downsample\.bn\."), r"\1.downsample.1."),
]


def mmaction_resnet_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMAction2 1.x / 0.x TSN with its own `ResNet` backbone -> actionrec names.

    `backbone.conv1.conv.weight` -> `backbone.conv1.weight`, `backbone.conv1.bn.*` -> `backbone.bn1.*`,
    `...convK.conv.*` -> `...convK.*`, `...convK.bn.*` -> `...bnK.*`,
    `...downsample.conv/bn.*` -> `...downsample.0/1.*`; `cls_head.fc_cls.*` is already ours.
    """
    out = {}
    for key, value in state_dict.items():
        for pattern, replacement in _MMACTION_RESNET_RULES:
            key, hits = pattern.subn(replacement, key)
            if hits:
                break
        out[key] = value
    return out


def torchvision_resnet_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """torchvision ImageNet ResNet/ResNeXt (`conv1.weight`, ..., `fc.*`) -> backbone keys only."""
    return {f"backbone.{k}": v for k, v in state_dict.items() if not k.startswith("fc.")}


def mmcls_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMClassification ImageNet checkpoint (`backbone.*` in torchvision names + `head.fc.*`) ->
    backbone keys only (the ImageNet head is not the action head)."""
    return {k: v for k, v in state_dict.items() if k.startswith("backbone.")}


def mmaction_third_party_to_actionrec(state_dict: Mapping[str, Tensor]) -> StateDict:
    """MMAction2 TSN with a 'torchvision.<name>' / 'timm.<name>' backbone: the library model *is*
    MMAction2's `backbone`, ours wraps it as `backbone.model`."""
    return {
        ("backbone.model." + k.removeprefix("backbone.")) if k.startswith("backbone.") else k: v
        for k, v in state_dict.items()
    }


def library_backbone_to_actionrec(state_dict: Mapping[str, Tensor], own_keys: set[str]) -> StateDict:
    """Plain torchvision / timm ImageNet weights of the backbone model -> `backbone.model.*`.

    Keys the backbone does not have (the ImageNet classifier, which the backbone replaced by an
    identity) are dropped.
    """
    mapped = {f"backbone.model.{k}": v for k, v in state_dict.items()}
    return {k: v for k, v in mapped.items() if k in own_keys}


def tsn_layout(keys: set[str], third_party: bool) -> str:
    """Which layout a TSN-family state dict is in: 'actionrec', 'mmaction', 'torchvision' / 'library'
    (plain ImageNet backbone weights), or 'mmcls' (MMClassification ImageNet checkpoint)."""
    if third_party:
        if any(k.startswith("backbone.model.") for k in keys):
            return "actionrec"
        if any(k.startswith("backbone.") for k in keys):
            return "mmaction"
        return "library"
    if any(k.startswith("backbone.") and k.endswith((".conv.weight", ".bn.weight")) for k in keys):
        return "mmaction"
    if "conv1.weight" in keys:
        return "torchvision"
    if any(k.startswith("head.") for k in keys) and any(k.startswith("backbone.") for k in keys):
        return "mmcls"
    return "actionrec"


def to_actionrec_tsn(model: TSN, state_dict: Mapping[str, Tensor]) -> StateDict:
    """Any known TSN / backbone layout -> `model.state_dict()` names (see `tsn_layout`)."""
    from actionrec.models.third_party import ThirdPartyBackbone

    third_party = isinstance(model.backbone, ThirdPartyBackbone)
    layout = tsn_layout(set(state_dict), third_party)
    if layout == "mmaction":
        return (mmaction_third_party_to_actionrec if third_party else mmaction_resnet_to_actionrec)(state_dict)
    if layout == "torchvision":
        return torchvision_resnet_to_actionrec(state_dict)
    if layout == "mmcls":
        return mmcls_to_actionrec(state_dict)
    if layout == "library":
        return library_backbone_to_actionrec(state_dict, set(model.state_dict()))
    return dict(state_dict)


# -- torchvision ImageNet initialisation of a ResNet backbone (MMAction2's `pretrained=`) ---------

_TORCHVISION_NAMES = {
    (18, 1, 64): "resnet18",
    (34, 1, 64): "resnet34",
    (50, 1, 64): "resnet50",
    (101, 1, 64): "resnet101",
    (152, 1, 64): "resnet152",
    (50, 32, 4): "resnext50_32x4d",
    (101, 32, 8): "resnext101_32x8d",
    (101, 64, 4): "resnext101_64x4d",
}


def read_state_dict(src: str) -> StateDict:
    """A path or URL -> its tensors, read without executing pickled code."""
    from actionrec.checkpoints.io import extract_state_dict, read_checkpoint

    if src.startswith(("http://", "https://")):
        return torch.hub.load_state_dict_from_url(src, map_location="cpu", weights_only=True)
    return extract_state_dict(read_checkpoint(src), source=src)


def torchvision_weights_url(backbone: ResNet) -> str:
    """torchvision's default ImageNet weights for this ResNet/ResNeXt shape."""
    conv2 = backbone.layer1[0].conv2
    groups = conv2.groups
    width_per_group = conv2.out_channels // groups if groups > 1 else 64
    key = (backbone.depth, groups, width_per_group)
    if key not in _TORCHVISION_NAMES:
        raise ValueError(f"torchvision has no ImageNet weights for depth/groups/width {key}; pass a file")
    import torchvision.models

    return torchvision.models.get_model_weights(_TORCHVISION_NAMES[key]).DEFAULT.url


def load_torchvision_resnet(backbone: ResNet, src: str | bool) -> dict[str, list[str]]:
    """Copy torchvision-layout ImageNet weights into `backbone` where the shapes match.

    Like MMAction2's `_load_torchvision_checkpoint`, a tensor whose shape differs (conv1 of a
    10-channel flow model) keeps its initialisation. Returns {'loaded', 'mismatched', 'unused'}.
    """
    if src is True:
        src = torchvision_weights_url(backbone)
    elif src.startswith("torchvision://"):  # MMAction2 0.x spelling: torchvision's legacy (V1) weights
        import torchvision.models

        src = torchvision.models.get_model_weights(src.removeprefix("torchvision://")).IMAGENET1K_V1.url
    state = read_state_dict(src)
    own = backbone.state_dict()
    report: dict[str, list[str]] = {"loaded": [], "mismatched": [], "unused": []}
    with torch.no_grad():
        for key, value in state.items():
            if key not in own:
                report["unused"].append(key)
            elif own[key].shape != value.shape:
                report["mismatched"].append(key)
            else:
                own[key].copy_(value)
                report["loaded"].append(key)
    if report["mismatched"]:
        log.info("kept initialisation of %s (shape differs from %s)", report["mismatched"], src)
    return report
