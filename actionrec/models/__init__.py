"""Model families (one per file) and the registry of named constructors.

Importing this package registers every family's constructors (`list_models()` names them all).
"""

from actionrec.models import uniformerv2
from actionrec.models.base import BaseRecognizer, average_views
from actionrec.models.registry import create_model, list_models, model_args
from actionrec.models.resnet import ResNet
from actionrec.models.resnext import ResNeXt
from actionrec.models.third_party import ThirdPartyBackbone
from actionrec.models.tsn import TSN
from actionrec.models.uniformerv2 import UniFormerV2, UniFormerV2Recognizer

__all__ = [
    "BaseRecognizer",
    "ResNeXt",
    "ResNet",
    "TSN",
    "ThirdPartyBackbone",
    "UniFormerV2",
    "UniFormerV2Recognizer",
    "average_views",
    "create_model",
    "list_models",
    "model_args",
    "uniformerv2",
]
