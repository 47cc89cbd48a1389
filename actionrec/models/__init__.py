"""Model families; importing them runs their `register_model` / MMAction2-converter registrations."""

from actionrec.models import uniformerv2  # noqa: F401
from actionrec.models.base import BaseRecognizer, average_views
from actionrec.models.build import build_model
from actionrec.models.registry import create_model, list_models
from actionrec.models.resnet import ResNet
from actionrec.models.resnext import ResNeXt
from actionrec.models.third_party import ThirdPartyBackbone
from actionrec.models.tsn import TSN

__all__ = [
    "BaseRecognizer",
    "ResNet",
    "ResNeXt",
    "TSN",
    "ThirdPartyBackbone",
    "average_views",
    "build_model",
    "create_model",
    "list_models",
]
