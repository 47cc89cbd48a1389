"""UniFormerV2-L/14, 32 frames, Kinetics-700: CLIP -> Kinetics-710 -> Kinetics-700 weights from OpenGVLab.

Seed (UniFormerV2 page): 81.4 / 95.7 top-1/5 (79.8 / 95.3 on mm-Kinetics), 2 clips x 3 crops at 224.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics700.py']

model = dict(t_size=32)
# 2 clips x 3 crops, as the seed's table reports for this row; MMAction2's file tests 4 clips
# (FACTS §3.12 notes the inconsistency).
data = dict(test=dict(pipeline=[_sample_32x2, _decode, _resize_224, _three_crop_224, _format]))
