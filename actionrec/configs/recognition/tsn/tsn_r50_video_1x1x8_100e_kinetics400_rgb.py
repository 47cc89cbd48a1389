"""TSN R50, 8 segments, 100 epochs, decoded on the fly from Kinetics-400 videos at short side 256.

Seed (TSN page): 71.79 / 90.25 top-1/5 with 25 segments x 10 crops. The base is this recipe.
"""

_base_ = '../../_base_/tsn_kinetics_videos.py'
