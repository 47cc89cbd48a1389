"""UniFormerV2-L/14, 8 frames, Kinetics-400: CLIP -> Kinetics-710 -> Kinetics-400 weights from OpenGVLab.

Seed (UniFormerV2 page): 88.7 / 98.1 top-1/5 (88.7 / 98.1 on mm-Kinetics), 4 clips x 3 crops at 224.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics400.py']
