"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, RandomResizedCrop training on 340x256 frames.

Seed (TSN page): 70.11 / 89.01 top-1/5 with 25 segments x 10 crops; 69.95 / 89.02 with 25 x 3 crops.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes.py'

data = dict(train=dict(pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop,
                                 _resize_to_224, _flip, _format_rgb]))
