"""UniFormerV2-B/16 at 224 px, 8 frames, as every MMAction2 UniFormerV2 config builds it.

A CLIP ViT-B/16 with global UniBlocks on its last 4 layers; local UniBlocks (L-MHRA) are off
(`no_lmhra=True`) for Kinetics and MiT (FACTS §3.11). `t_size` only describes the clip length
(FLOP counts); no weight depends on it. The configs state the classes, frames and weights.
Every B/16 config builds on this file: the test-only Kinetics-710 row with a `uniformerv2_test_*` dataset
base, the trained rows through a recipe base (`uniformerv2_b16_kinetics710_finetune.py`,
`uniformerv2_b16_clip.py`), which use the training pipelines named here.
"""

model = dict(
    type='Recognizer3D',
    backbone=dict(type='UniFormerV2', input_resolution=224, patch_size=16, width=768, layers=12, heads=12,
                  t_size=8, dw_reduction=1.5, backbone_drop_path_rate=0.0, temporal_downsample=False,
                  no_lmhra=True, double_lmhra=True, return_list=[8, 9, 10, 11], n_layers=4, n_dim=768,
                  n_head=12, mlp_factor=4.0, drop_path_rate=0.0, mlp_dropout=[0.5, 0.5, 0.5, 0.5]),
    cls_head=dict(type='UniFormerHead', num_classes=400, in_channels=768, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375], format_shape='NCTHW'),
)
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
