"""TSN R50, 8 segments, 50 epochs, HMDB51 split 1 RGB frames,
starting from the Kinetics-400 TSN checkpoint (`tsn_r50_256p_1x1x8_100e_kinetics400_rgb`).

Seed (TSN page): 56.08 / 84.31 top-1/5; MMAction2's file tests 8 segments x 1 centre crop (256).
"""

_base_ = '../../_base_/tsn_hmdb51.py'

load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_256p_1x1x8_100e_kinetics400_rgb/'
             'tsn_r50_256p_1x1x8_100e_kinetics400_rgb_20200817-883baf16.pth')
