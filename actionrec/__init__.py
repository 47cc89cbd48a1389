"""actionrec: torch-native video action recognition (TSN, UniFormerV2).

import actionrec
model = actionrec.build_model("tsn_r50")            # a name, an actionrec config, or an MMAction2 config / model dict
actionrec.load_checkpoint(model, "tsn_r50.pth")     # MMAction2 / OpenGVLab / CLIP / torchvision layouts;
                                                        # never unpickles code
scores = model.eval().predict(uint8_views)          # (N, V, C, H, W) or (N, V, C, T, H, W) uint8 -> (N, num_classes)
scores = model.predict(uint8_views, precision="auto")  # bf16 where the hardware multiplies bf16 natively
actionrec.export(model, uint8_views, format="onnx", path="model.onnx")  # checked against PyTorch after writing
"""

from actionrec.build import build_model
from actionrec.checkpoints import load_checkpoint
from actionrec.export import export
from actionrec.models import create_model, list_models
from actionrec.recognize import recognize

__version__ = "0.1.0"
__all__ = ["build_model", "create_model", "export", "list_models", "load_checkpoint", "recognize", "__version__"]
