"""UniFormerV2-L/14, 8 frames, Kinetics-700: CLIP -> Kinetics-710 -> Kinetics-700 weights from OpenGVLab.

Seed (UniFormerV2 page): 80.8 / 95.2 top-1/5 (79.4 / 94.8 on mm-Kinetics), 4 clips x 3 crops at 224.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics700.py']
