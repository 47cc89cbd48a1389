"""UniFormerV2-B/16 at 224 px, 8 frames, as every MMAction2 UniFormerV2 config builds it.

A CLIP ViT-B/16 with global UniBlocks on its last 4 layers; local UniBlocks (L-MHRA) are off
(`no_lmhra=True`) for Kinetics and MiT (FACTS §3.11). `t_size` only describes the clip length
(FLOP counts); no weight depends on it. The configs state the classes, frames and weights.
Every B/16 config builds on this file: the test-only Kinetics-710 row with a `uniformerv2_test_*` dataset
base, the trained rows through a recipe base (`uniformerv2_b16_kinetics710_finetune.py`,
`uniformerv2_b16_clip.py`), which use the training pipelines named here.
"""

# CLIP ViT-B/16 + global UniBlocks on its last 4 layers (`uniformerv2_b16`'s defaults); each view scored alone,
# probabilities averaged ('prob'). The recipe bases say how training initialises it (CLIP or the K710 checkpoint).
model = dict(name='uniformerv2_b16', num_classes=400)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])

# MMAction2's B/16 pipelines: 8 frames spread over the video; RandAugment (m7, n4), RandomResizedCrop and
# flips for training; 1 clip x 1 centre crop for validation; 4 clips x 3 crops at 224 for testing.
_train_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='PytorchVideoWrapper', op='RandAugment', magnitude=7, num_layers=4),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
]
_val_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]
data = dict(
    test=dict(batch_size=16, num_workers=8, pipeline=[
        dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 224)),
        dict(type='ThreeCrop', crop_size=224),
        dict(type='FormatShape', input_format='NCTHW'),
    ]),
)
