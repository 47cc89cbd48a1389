"""UniFormerV2-L/14, 8 frames, Moments in Time v1: CLIP -> K710 -> K400 -> MiT weights from OpenGVLab.

Seed (UniFormerV2 page): 47.0 / 76.1 top-1/5, 4 clips x 3 crops at 224.
The name says p16 (MMAction2's spelling); the model is the patch-14 L/14.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_mit.py']
