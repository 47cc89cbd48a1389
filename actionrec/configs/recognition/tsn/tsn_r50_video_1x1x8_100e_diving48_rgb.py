"""TSN R50, 8 segments, 100 epochs, Diving48 (V2 lists) decoded from videos.

Seed (TSN page): 71.27 / 95.74 top-1/5; MMAction2's file tests 8 segments x 1 centre crop. The base is this
recipe.
"""

_base_ = '../../_base_/tsn_diving48.py'
