"""UniFormerV2-L/14, 8 frames, Kinetics-710 (710 classes), trained from CLIP, weights migrated from OpenGVLab.

Seed (UniFormerV2 page): no accuracy listed. The K710 checkpoints are what the K400/600/700 fine-tunes
start from.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics710.py']
