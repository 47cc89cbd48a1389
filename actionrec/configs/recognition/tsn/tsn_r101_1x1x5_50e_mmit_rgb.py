"""TSN R101, 5 segments, 50 epochs, Multi-Moments in Time (313 classes, multi-label, BCE with weight 160).

Seed (TSN page): 61.09 mAP (per-video mAP, `mmit_mean_average_precision`); MMAction2's file tests 5 segments x
1
centre crop (256). Its validation root is the absolute '/data/mmit/videos'; 'data/mmit/videos' is used here.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(
    backbone=dict(depth=101, pretrained='torchvision://resnet101'),
    cls_head=dict(num_classes=313, dropout_ratio=0.5),
)

_data = 'data/mmit'
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=313,
    multi_label=True,
    label_map=_data + '/label_map_mmit.txt',
    train=dict(kind='video', ann_file=_data + '/mmit_train_list_videos.txt', root=_data + '/videos',
               pipeline=_train_pipeline, batch_size=16, num_workers=2),
    val=dict(kind='video', ann_file=_data + '/mmit_val_list_videos.txt', root=_data + '/videos',
             pipeline=_val_pipeline, batch_size=16, num_workers=2),
    test=dict(kind='video', ann_file=_data + '/mmit_val_list_videos.txt', root=_data + '/videos',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(grad_clip=20.0)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(loss='bce', loss_weight=160.0, val_interval=5, checkpoint_interval=5)
test = dict(metrics=['mmit_mean_average_precision'])
