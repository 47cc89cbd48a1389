"""UniFormerV2-B/16, 8 frames, Kinetics-400, trained 55 epochs from the CLIP ViT-B/16 weights.

Seed (UniFormerV2 page): 84.3 / 96.4 reference, 84.4 / 96.3 on mm-Kinetics (top-1/5), 4 clips x 3 crops at 224
(short side 320 videos).
Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12), which is
the base.
"""

_base_ = '../../_base_/uniformerv2_b16_clip.py'
