"""TSN R50, 3 segments, 75 epochs at a constant learning rate, UCF-101 split 1, RGB frames.

Seed (TSN page): 83.03 / 96.78 top-1/5 (split 1); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=101, init_std=0.001))

_data = 'data/ucf101'
_split = 1  # the seed reports split 1
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=101,
    label_map=_data + '/label_map_ucf101.txt',
    train=dict(kind='rawframes', ann_file=_data + f'/ucf101_train_split_{_split}_rawframes.txt',
               root=_data + '/rawframes', pipeline=_train_pipeline, batch_size=32, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + f'/ucf101_val_split_{_split}_rawframes.txt',
             root=_data + '/rawframes', pipeline=_val_pipeline, batch_size=32, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + f'/ucf101_val_split_{_split}_rawframes.txt',
              root=_data + '/rawframes', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.00128, weight_decay=5e-4)
schedule = dict(epochs=75, policy='constant')  # MMAction2: step policy with no steps
train = dict(val_interval=5, checkpoint_interval=5)
