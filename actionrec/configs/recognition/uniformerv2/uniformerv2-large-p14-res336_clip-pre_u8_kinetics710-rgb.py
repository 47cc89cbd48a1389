"""UniFormerV2-L/14@336, 8 frames, Kinetics-710 (710 classes), trained from CLIP, weights migrated from OpenGVLab.

Seed (UniFormerV2 page): no accuracy listed. The K710 checkpoints are what the K400/600/700 fine-tunes
start from.
MMAction2's file sets num_frames = 32; the name and the seed's table say 8 (u8), used here.
"""

_base_ = ['../../_base_/uniformerv2_l14.py', '../../_base_/uniformerv2_test_kinetics710.py']

model = dict(name='uniformerv2_l14_336')
data = dict(test=dict(pipeline=[_sample_8x4, _decode, _resize_336, _three_crop_336, _format]))
