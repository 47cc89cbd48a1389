"""TSN R50, 8 segments, 50 epochs, Something-Something V2 RGB frames (height 240). No flip.

Seed (TSN page): 32.97 / 63.62 top-1/5 (reference TSM code: 30.56 / 58.49);
MMAction2's file tests 8 segments x 3 crops. The base is this recipe.
"""

_base_ = '../../_base_/tsn_sthv2.py'
