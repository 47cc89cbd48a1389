"""TSN R50 on TV-L1 optical flow, 3 segments of 5 flow frames, 110 epochs, Kinetics-400 at short side 320.

Seed (TSN page): 55.70 / 79.85 top-1/5 with 25 segments x 10 crops. Fused 1:1 with
`tsn_r50_320p_1x1x3_100e_kinetics400_rgb` (raw scores): 72.76 / 90.52. The base is this recipe.
"""

_base_ = '../../_base_/tsn_kinetics400_flow.py'
