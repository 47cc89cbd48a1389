"""UniFormerV2-L/14, 8 frames, Kinetics-600: CLIP -> Kinetics-710 -> Kinetics-600 weights from OpenGVLab.

Seed (UniFormerV2 page): 89.0 / 98.3 top-1/5 (87.5 / 98.0 on mm-Kinetics), 4 clips x 3 crops at 224.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics600.py']
