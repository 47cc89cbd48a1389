"""TSN R50, 6 segments, 100 epochs, Moments in Time v1 decoded from videos at short side 256.

Seed (TSN page): 26.84 / 51.6 top-1/5; MMAction2's file tests 6 segments x 3 crops.
Its FormatShape steps have no input_format (0.x would refuse them); 'NCHW' is what TSN needs.
MMAction2's validation root is the absolute '/data/mit/videos/validation/'; the repository-relative
'data/mit/videos/validation' is meant and used here.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=339))

_data = 'data/mit'
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=6),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.8), random_crop=False, max_wh_scale_gap=0),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=6, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=6, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=339,
    label_map=_data + '/label_map_mit.txt',
    train=dict(kind='video', ann_file=_data + '/mit_train_list_videos.txt', root=_data + '/videos/training',
               pipeline=_train_pipeline, batch_size=16, num_workers=2),
    val=dict(kind='video', ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation',
             pipeline=_val_pipeline, batch_size=16, num_workers=2),
    test=dict(kind='video', ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.005)
train = dict(val_interval=5, checkpoint_interval=5)
