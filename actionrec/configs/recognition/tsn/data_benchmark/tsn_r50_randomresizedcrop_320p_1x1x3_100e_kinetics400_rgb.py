"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, RandomResizedCrop training on frames at short
side 320.

Seed (TSN page): 70.44 / 89.23 top-1/5 with 25 segments x 10 crops; 70.91 / 89.51 with 25 x 3 crops.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes_320p.py'

# The seed's row for this config reports 25 segments x 10 crops (TenCrop 224 after Resize(-1, 256),
# MMAction2's data_benchmark/tsn_r50_test_*_10crop config). MMAction2's file itself tests
# 25 x 3 crops (ThreeCrop 256, as the base), which is the seed's other row for it; the seed's protocol is used.
data = dict(test=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _ten_crop_224, _format_rgb]))
