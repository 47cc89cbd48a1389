"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, MultiScaleCrop training on 340x256 frames.

Seed (TSN page): 70.60 / 89.26 top-1/5 with 25 segments x 10 crops; 70.52 / 89.39 with 25 x 3 crops.
The base is this recipe (`tsn_r50_1x1x3_100e_kinetics400_rgb`, whose checkpoint the row names).
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes.py'
