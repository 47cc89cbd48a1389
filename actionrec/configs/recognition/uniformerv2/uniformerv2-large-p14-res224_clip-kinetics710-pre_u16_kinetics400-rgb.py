"""UniFormerV2-L/14, 16 frames, Kinetics-400: CLIP -> Kinetics-710 -> Kinetics-400 weights from OpenGVLab.

Seed (UniFormerV2 page): 89.0 / 98.2 top-1/5 (89.0 / 98.2 on mm-Kinetics), 4 clips x 3 crops at 224.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics400.py']

model = dict(t_size=16)
data = dict(test=dict(pipeline=[_sample_16x4, _decode, _resize_224, _three_crop_224, _format]))
