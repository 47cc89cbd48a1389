"""TSN R50, 3 segments, 100 epochs, Kinetics-400 RGB frames at short side 320.

Seed (TSN page): 70.91 / 89.51 top-1/5 with 25 segments x 3 crops. Fused 1:1 with the flow model
`tsn_r50_320p_1x1x3_110e_kinetics400_flow` (raw scores, no softmax): 72.76 / 90.52. The base is this recipe.
"""

_base_ = '../../_base_/tsn_kinetics400_rawframes_320p.py'
