"""TSN R50 RGB, 8 segments, 50 epochs, ActivityNet v1.3,
whole videos (one label per video),
fine-tuned from the Kinetics-400 TSN RGB checkpoint (320p, 8 segments).

Seed (TSN page): 73.93 / 93.44 top-1/5 with 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=200, dropout_ratio=0.8))

_data = 'data/ActivityNet'
# Frames and flow as `actionrec data extract-frames` writes them (img_00001.jpg, x_/y_00001.jpg);
# MMAction2's ActivityNet files name them image_{:05d}.jpg / flow_{}_{:05d}.jpg instead.
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
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=200,
    label_map=_data + '/label_map_activitynet.txt',
    train=dict(kind='rawframes', ann_file=_data + '/anet_train_video.txt', root=_data + '/rawframes',
               pipeline=_train_pipeline, batch_size=8, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/anet_val_video.txt', root=_data + '/rawframes',
             pipeline=_val_pipeline, batch_size=8, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/anet_val_video.txt', root=_data + '/rawframes',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.001)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=5, checkpoint_interval=1)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_320p_1x1x8_100e_kinetics400_rgb/'
             'tsn_r50_320p_1x1x8_100e_kinetics400_rgb_20200702-ef80e3d7.pth')
