"""TSN R50, 8 segments, 50 epochs, Something-Something V1 frames (height 100). No flip: it would swap
left/right in the labels.

Seed (TSN page): 18.55 / 44.80 top-1/5 (reference TSM code: 17.53 / 44.29); MMAction2's file tests
8 segments x 10 crops. The base is this recipe.
"""

_base_ = '../../_base_/tsn_sthv1.py'
