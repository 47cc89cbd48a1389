"""Demo: a small UniFormerV2 (width 64, 4 layers, patch 8 on 64 px, 8 frames) from scratch.

Local UniBlocks (temporal depthwise MHRA) on every layer and global UniBlocks on the last 3:
both model the order of frames, which is all that separates the classes of a temporal pair.
Patch 8 (64 tokens per frame, not 16) keeps the thin shapes of the static classes visible to a
from-scratch model; 4 layers at width 64 pay for it in time. No horizontal flip (it would swap
left/right and clockwise/counter-clockwise). 6 epochs, no MLP dropout (the model underfits in
this budget): about 4 minutes on 2 CPU cores.
"""

_root = 'work_dirs/demo/synth'
_frames = 8
_size = 64

# a small UniFormerV2 (width 64, 4 layers, patch 8) with local UniBlocks on and global UniBlocks on the last 3 layers
model = dict(name='uniformerv2', num_classes=12, dropout=0.1, input_resolution=_size, patch_size=8, width=64,
             layers=4, heads=4, no_lmhra=False, return_list=[1, 2, 3], n_layers=3, n_dim=64, n_head=4,
             mlp_dropout=[0.0, 0.0, 0.0])

_train_pipeline = [
    dict(type='UniformSample', clip_len=_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, _size)),
    dict(type='MultiScaleCrop', input_size=_size, scales=(1, 0.875, 0.75), max_wh_scale_gap=1),
    dict(type='Resize', scale=(_size, _size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
_test_pipeline = [
    dict(type='UniformSample', clip_len=_frames, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, _size)),
    dict(type='CenterCrop', crop_size=_size),
    dict(type='FormatShape', input_format='NCTHW'),
]

data = dict(
    num_classes=12,
    label_map=_root + '/label_map.txt',
    train=dict(ann_file=_root + '/train_list_videos.txt', root=_root + '/videos', pipeline=_train_pipeline,
               batch_size=16, num_workers=2),
    val=dict(ann_file=_root + '/val_list_videos.txt', root=_root + '/videos', pipeline=_test_pipeline,
             batch_size=16, num_workers=2),
    test=dict(ann_file=_root + '/val_list_videos.txt', root=_root + '/videos', pipeline=_test_pipeline,
              batch_size=16, num_workers=2),
)

optimizer = dict(type='adamw', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05, zero_wd_norm_bias=True,
                 grad_clip=5.0)
schedule = dict(epochs=6, policy='cosine', eta_min_ratio=0.01, warmup_epochs=1, warmup_start_factor=0.1)
train = dict(val_interval=6, checkpoint_interval=6, latest_interval=20, log_interval=5, amp=None, seed=0)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
work_dir = 'work_dirs/demo/uniformerv2_tiny_synthetic'
