"""UniFormerV2-B/16, 8 frames, Kinetics-710 (710 classes), trained from CLIP (weights migrated from
OpenGVLab).

Seed (UniFormerV2 page): 78.9 / 94.2 top-1/5. The K710 checkpoints are what the K400/600/700 fine-tunes start
from.
"""

_base_ = ['../../_base_/uniformerv2_b16.py', '../../_base_/uniformerv2_test_kinetics710.py']
