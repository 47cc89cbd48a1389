"""UniFormerV2-B/16 at 224 px, 8 frames, as every MMAction2 UniFormerV2 config builds it.

A CLIP ViT-B/16 with global UniBlocks on its last 4 layers; local UniBlocks (L-MHRA) are off
(`no_lmhra=True`) for Kinetics and MiT (FACTS §3.11). `t_size` only describes the clip length
(FLOP counts); no weight depends on it. The configs state the classes, frames and weights.
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
