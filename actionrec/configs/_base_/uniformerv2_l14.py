"""UniFormerV2-L/14 at 224 px, 8 frames, as MMAction2's configs for the OpenGVLab weights build it.

A CLIP ViT-L/14 with global UniBlocks on its last 4 layers, local UniBlocks off (FACTS §3.11).
`t_size` only describes the clip length; no weight depends on it. MMAction2's files for these rows are
test-only (migrated weights), and so are ours: every L/14 config lists this file and the
`uniformerv2_test_*` base of its dataset (Kinetics-400/600/700/710, MiT). The 16- and 32-frame and the @336
rows set `t_size` and `input_resolution` and test with the matching protocol below.
For Kinetics-400/600/700, MMAction2's files read the original repository's lists (`data/k400/val.csv`,
comma-separated); here the lists `actionrec data prepare kinetics400` (600, 700) writes. Top-1 differs between
the two copies of Kinetics (the seed's 'reference' vs 'mm-Kinetics' columns).
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

# Test protocols: frames x clips, each clip as 3 crops at the model's resolution (the seed's tables).
_sample_8x4 = dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True)
_sample_16x4 = dict(type='UniformSample', clip_len=16, num_clips=4, test_mode=True)
_sample_32x2 = dict(type='UniformSample', clip_len=32, num_clips=2, test_mode=True)
_decode = dict(type='DecordDecode')
_resize_224 = dict(type='Resize', scale=(-1, 224))
_three_crop_224 = dict(type='ThreeCrop', crop_size=224)
_resize_336 = dict(type='Resize', scale=(-1, 336))
_three_crop_336 = dict(type='ThreeCrop', crop_size=336)
_format = dict(type='FormatShape', input_format='NCTHW')
data = dict(test=dict(pipeline=[_sample_8x4, _decode, _resize_224, _three_crop_224, _format], batch_size=16,
                      num_workers=8))
