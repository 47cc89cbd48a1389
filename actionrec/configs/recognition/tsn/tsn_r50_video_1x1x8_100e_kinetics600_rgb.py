"""TSN R50, 8 segments, 100 epochs, Kinetics-600 decoded from videos at short side 256.

Seed (TSN page): 74.8 / 92.3 top-1/5 with 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=600))

_data = 'data/kinetics600'  # videos resized to short side 256
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=600,
    label_map=_data + '/label_map_k600.txt',
    train=dict(kind='video', ann_file=_data + '/kinetics600_train_list_videos.txt', root=_data + '/videos_train',
               pipeline=_train_pipeline, batch_size=12, num_workers=2),
    val=dict(kind='video', ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val',
             pipeline=_val_pipeline, batch_size=12, num_workers=2),
    test=dict(kind='video', ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.00375)  # MMAction2: 0.01 * 12 / 32
train = dict(val_interval=5, checkpoint_interval=5)
