"""Demo: a small TSN (ResNet-18 at a quarter width, from scratch) on the synthetic dataset.

8 segments of one frame at 64 px, AdamW (faster than SGD from scratch here), 5 epochs: about
2 minutes on 2 CPU cores. No horizontal flip: it would swap moving-left and
moving-right (and the two rotations). A single-frame model: it should solve the static classes
and be near chance (50%) within each temporal pair. `actionrec demo` points `root` and the lists
at the generated dataset (work_dirs/demo/synth by default).
"""

_root = 'work_dirs/demo/synth'
_segments = 8
_size = 64

# timm's ResNet-18 at a quarter width (channels and stem_width go to timm), from scratch
model = dict(name='tsn_timm', arch='resnet18', channels=(16, 32, 64, 128), stem_width=16, num_classes=12, dropout=0.2)

_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, _size)),
    dict(type='MultiScaleCrop', input_size=_size, scales=(1, 0.875, 0.75), max_wh_scale_gap=1),
    dict(type='Resize', scale=(_size, _size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, _size)),
    dict(type='CenterCrop', crop_size=_size),
    dict(type='FormatShape', input_format='NCHW'),
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

optimizer = dict(type='adamw', lr=3e-3, weight_decay=1e-4, grad_clip=40.0)
schedule = dict(epochs=5, policy='cosine', eta_min=0.0, warmup_epochs=0.5, warmup_start_factor=0.1)
train = dict(val_interval=5, checkpoint_interval=5, latest_interval=20, log_interval=5, amp=None, seed=0)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
work_dir = 'work_dirs/demo/tsn_r18_synthetic'
