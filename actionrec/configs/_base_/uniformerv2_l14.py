"""UniFormerV2-L/14 at 224 px, 8 frames, as MMAction2's configs for the OpenGVLab weights build it.

A CLIP ViT-L/14 with global UniBlocks on its last 4 layers, local UniBlocks off (FACTS §3.11).
The @336 configs set `input_resolution=336`. `t_size` only describes the clip length; no weight
depends on it. MMAction2's files for these rows are test-only (migrated weights), and so are ours.
"""

model = dict(
    type='Recognizer3D',
    backbone=dict(type='UniFormerV2', input_resolution=224, patch_size=14, width=1024, layers=24, heads=16,
                  t_size=8, dw_reduction=1.5, backbone_drop_path_rate=0.0, temporal_downsample=False,
                  no_lmhra=True, double_lmhra=True, return_list=[20, 21, 22, 23], n_layers=4, n_dim=1024,
                  n_head=16, mlp_factor=4.0, drop_path_rate=0.0, mlp_dropout=[0.5, 0.5, 0.5, 0.5]),
    cls_head=dict(type='UniFormerHead', num_classes=400, in_channels=1024, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375], format_shape='NCTHW'),
)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
