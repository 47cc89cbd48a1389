"""UniFormerV2-L/14@336, 8 frames, Moments in Time v1: CLIP -> K710 -> K400 -> MiT weights from OpenGVLab.

Seed (UniFormerV2 page): 47.7 / 76.8 top-1/5, 4 clips x 3 crops at 336.
The name says p16 (MMAction2's spelling); the model is the patch-14 L/14.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_mit.py']

model = dict(name='uniformerv2_l14_336')
data = dict(test=dict(pipeline=[_sample_8x4, _decode, _resize_336, _three_crop_336, _format]))
