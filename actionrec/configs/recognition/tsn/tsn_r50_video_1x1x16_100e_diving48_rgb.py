"""TSN R50, 16 segments, 100 epochs, Diving48 (V2 lists) decoded from videos.

Seed (TSN page): 76.75 / 96.95 top-1/5; MMAction2's file tests 16 segments x 1 centre crop.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=48))

_data = 'data/diving48'
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=48,
    label_map=_data + '/label_map_diving48.txt',
    train=dict(kind='video', ann_file=_data + '/diving48_train_list_videos.txt', root=_data + '/videos',
               pipeline=_train_pipeline, batch_size=4, num_workers=2),
    val=dict(kind='video', ann_file=_data + '/diving48_val_list_videos.txt', root=_data + '/videos',
             pipeline=_val_pipeline, batch_size=4, num_workers=2),
    test=dict(kind='video', ann_file=_data + '/diving48_val_list_videos.txt', root=_data + '/videos',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.00125)  # MMAction2: 0.01 scaled to 4 videos per GPU
train = dict(val_interval=5, checkpoint_interval=1)
