"""TSN R50 RGB, 8 segments, 50 epochs, ActivityNet v1.3,
whole videos (one label per video),
fine-tuned from the Kinetics-400 TSN RGB checkpoint (320p, 8 segments).

Seed (TSN page): 73.93 / 93.44 top-1/5 with 25 segments x 3 crops. The base is this recipe.
"""

_base_ = '../../_base_/tsn_activitynet.py'
