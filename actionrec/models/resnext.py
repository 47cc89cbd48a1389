"""ResNeXt (grouped-bottleneck ResNet), as MMClassification builds it for the TSN custom-backbone row.

MMClassification's `ResNeXt` names its parameters like torchvision (`conv1`, `bn1`,
`layerN.i.conv1..3/bn1..3`, `downsample.0/1`) and sizes the grouped 3x3 conv as
`groups * width_per_group * planes // 64`, which is exactly our `Bottleneck`'s width. So a
ResNeXt is our ResNet with two more numbers, and an MMClassification checkpoint's `backbone.*`
keys are already actionrec's.
"""

from __future__ import annotations

from actionrec.models.resnet import ResNet


class ResNeXt(ResNet):
    """ResNeXt-50/101/152 with `groups` x `width_per_group` (default: ResNeXt-101 32x4d).

    Takes ResNet's options (in_channels, frozen_stages, norm_eval, partial_bn, with_cp).
    MMClassification ImageNet checkpoints (`backbone.*` + `head.*`) load through the recognizer's
    `adapt_state_dict`.
    """

    def __init__(self, depth: int = 101, groups: int = 32, width_per_group: int = 4, **resnet_kwargs):
        if depth < 50:
            raise ValueError(f"ResNeXt needs bottleneck blocks (depth 50, 101 or 152), got depth {depth}")
        super().__init__(depth=depth, groups=groups, width_per_group=width_per_group, **resnet_kwargs)
        self.groups = groups
        self.width_per_group = width_per_group
