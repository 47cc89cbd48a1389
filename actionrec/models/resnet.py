"""ResNet-18/34/50/101/152 (and grouped ResNeXt widths) as a 2D backbone for TSN.

Parameter names are torchvision's (`conv1`, `bn1`, `layerN.i.conv1/bn1`, `downsample.0/1`), so
torchvision ImageNet weights load as they are; MMAction2's `ConvModule` layout is mapped onto
these names by `actionrec.models.tsn.checkpoint_filter_fn`. Weights are loaded after construction
(`create_model('tsn_r50', pretrained=True)`), never by the constructor. The training-time options are MMAction2's:
`frozen_stages`, `norm_eval`, `partial_bn` and `with_cp`, applied in `train()` as it does.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint


def conv3x3(in_ch: int, out_ch: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(in_ch: int, out_ch: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual connection (ResNet-18/34)."""

    expansion = 1

    def __init__(
        self,
        in_ch: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        width_per_group: int = 64,
    ):
        super().__init__()
        if groups != 1 or width_per_group != 64:
            raise ValueError("BasicBlock (ResNet-18/34) supports only groups=1 and width_per_group=64")
        self.conv1 = conv3x3(in_ch, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (stride here: 'pytorch' style), 1x1 expand; grouped 3x3 gives ResNeXt."""

    expansion = 4

    def __init__(
        self,
        in_ch: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        groups: int = 1,
        width_per_group: int = 64,
    ):
        super().__init__()
        width = planes * width_per_group // 64 * groups
        self.conv1 = conv1x1(in_ch, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


ARCH: dict[int, tuple[type[BasicBlock] | type[Bottleneck], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


class ResNet(nn.Module):
    """ResNet trunk without the classifier: uint8-free float `(B, C, H, W)` -> `(B, F, H/32, W/32)`.

    Args:
        depth: 18, 34, 50, 101 or 152.
        in_channels: 3 for RGB, 2 x clip_len for stacked optical flow (10 for 5 pairs).
        frozen_stages: stages kept frozen (eval BN, no grad) in training; 0 freezes the stem,
            k also freezes layer1..layerk; -1 freezes nothing.
        norm_eval: keep every BatchNorm in eval mode (frozen statistics) during training.
        partial_bn: freeze every BatchNorm except the first one (TSN paper's partial BN).
        with_cp: recompute each residual block in backward (activation checkpointing).
        groups, width_per_group: ResNeXt cardinality and width (32 and 4 for ResNeXt-101 32x4d).
    """

    def __init__(
        self,
        depth: int = 50,
        in_channels: int = 3,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        partial_bn: bool = False,
        with_cp: bool = False,
        groups: int = 1,
        width_per_group: int = 64,
    ):
        super().__init__()
        if depth not in ARCH:
            raise ValueError(f"ResNet depth must be one of {sorted(ARCH)}, got {depth}")
        if not -1 <= frozen_stages <= 4:
            raise ValueError(f"frozen_stages must be in -1..4, got {frozen_stages}")
        block, blocks_per_stage = ARCH[depth]
        self.depth = depth
        self.in_channels = in_channels
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.partial_bn = partial_bn
        self.with_cp = with_cp

        self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        width = 64
        for i, num_blocks in enumerate(blocks_per_stage):
            planes = 64 * 2**i
            stride = 1 if i == 0 else 2
            layer, width = self._make_stage(block, width, planes, num_blocks, stride, groups, width_per_group)
            self.add_module(f"layer{i + 1}", layer)
        self.num_features = width
        self._init_weights()

    @staticmethod
    def _make_stage(
        block, in_ch: int, planes: int, num_blocks: int, stride: int, groups: int, width_per_group: int
    ) -> tuple[nn.Sequential, int]:
        out_ch = planes * block.expansion
        downsample = None
        if stride != 1 or in_ch != out_ch:
            downsample = nn.Sequential(conv1x1(in_ch, out_ch, stride), nn.BatchNorm2d(out_ch))
        layers = [block(in_ch, planes, stride, downsample, groups, width_per_group)]
        layers += [block(out_ch, planes, 1, None, groups, width_per_group) for _ in range(1, num_blocks)]
        return nn.Sequential(*layers), out_ch

    def _init_weights(self) -> None:
        """Kaiming-normal (fan_out) convs, unit BN: MMAction2's and torchvision's default init."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    @property
    def stages(self) -> list[nn.Sequential]:
        return [self.layer1, self.layer2, self.layer3, self.layer4]

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in self.stages:
            if self.with_cp and self.training and x.requires_grad:
                for block in stage:
                    x = checkpoint(block, x, use_reentrant=False)
            else:
                x = stage(x)
        return x

    def train(self, mode: bool = True) -> ResNet:
        """Switch mode, then re-apply the frozen-stage / norm_eval / partial-BN policies."""
        super().train(mode)
        if self.frozen_stages >= 0:
            frozen = [self.conv1, self.bn1] + self.stages[: self.frozen_stages]
            for module in frozen:
                module.eval()
                for p in module.parameters():
                    p.requires_grad = False
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        if mode and self.partial_bn:
            bns = [m for m in self.modules() if isinstance(m, nn.BatchNorm2d)]
            for bn in bns[1:]:
                bn.eval()
                bn.weight.requires_grad = False
                bn.bias.requires_grad = False
        return self
