"""TSN R50, 8 segments, 50 epochs, HMDB51 split 1 RGB frames,
starting from the Kinetics-400 TSN checkpoint (`tsn_r50_256p_1x1x8_100e_kinetics400_rgb`).

Seed (TSN page): 56.08 / 84.31 top-1/5; MMAction2's file tests 8 segments x 1 centre crop (256).
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=51))

_data = 'data/hmdb51'
_split = 1
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=51,
    label_map=_data + '/label_map_hmdb51.txt',
    train=dict(kind='rawframes', ann_file=_data + f'/hmdb51_train_split_{_split}_rawframes.txt',
               root=_data + '/rawframes', pipeline=_train_pipeline, batch_size=32, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + f'/hmdb51_val_split_{_split}_rawframes.txt',
             root=_data + '/rawframes', pipeline=_val_pipeline, batch_size=32, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + f'/hmdb51_val_split_{_split}_rawframes.txt',
              root=_data + '/rawframes', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.025)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=1, checkpoint_interval=5)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_256p_1x1x8_100e_kinetics400_rgb/'
             'tsn_r50_256p_1x1x8_100e_kinetics400_rgb_20200817-883baf16.pth')
