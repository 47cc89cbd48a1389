"""TSN R50, 8 segments, 50 epochs, HMDB51 split 1 RGB frames, starting from ImageNet-pretrained ResNet-50.

Seed (TSN page): 48.95 / 80.19 top-1/5; MMAction2's file tests 8 segments x 1 centre crop (256).
The base is this recipe.
"""

_base_ = '../../_base_/tsn_hmdb51.py'
