"""TSN R50, 3 segments, 100 epochs, Kinetics-400 RGB frames at 340x256 (MMAction2 0.x config of the same name).

Seed (TSN page): 70.60 / 89.26 top-1/5 with 25 segments x 10 crops (340x256 frames); the same config trained on
short-side-256 frames gives 70.42 / 89.03. The OmniSource rows (73.6 / 91.0; IG-1B 73.1 and 75.7) are
checkpoints of this config too. The base is this recipe.
"""

_base_ = '../../_base_/tsn_kinetics400_rawframes.py'
