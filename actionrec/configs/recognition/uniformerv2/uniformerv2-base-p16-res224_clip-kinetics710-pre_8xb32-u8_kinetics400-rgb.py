"""UniFormerV2-B/16, 8 frames, Kinetics-400, fine-tuned 5 epochs from the CLIP + Kinetics-710 checkpoint.

Seed (UniFormerV2 page): 85.6 / 97.0 reference, 85.8 / 97.1 on mm-Kinetics (top-1/5), 4 clips x 3 crops at
224. Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12),
which is the base.
"""

_base_ = '../../_base_/uniformerv2_b16_kinetics710_finetune.py'
