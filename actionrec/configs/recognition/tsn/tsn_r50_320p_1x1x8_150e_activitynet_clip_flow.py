"""TSN R50 on TV-L1 flow (5 frames per segment), 8 segments, 150 epochs, ActivityNet v1.3,
annotated segments (`frame_dir offset count label`),
fine-tuned from the Kinetics-400 TSN flow checkpoint (320p, 8 segments).

Seed (TSN page): 59.51 / 82.69 top-1/5 with 25 segments x 10 crops.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(
    backbone=dict(in_channels=10),
    cls_head=dict(num_classes=200, dropout_ratio=0.8),
    data_preprocessor=dict(mean=[128.0] * 10, std=[128.0] * 10),
)

_data = 'data/ActivityNet'
# Frames and flow as `actionrec data extract-frames` writes them (img_00001.jpg, x_/y_00001.jpg);
# MMAction2's ActivityNet files name them image_{:05d}.jpg / flow_{}_{:05d}.jpg instead.
_train_pipeline = [
    dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW_Flow'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8, test_mode=True, legacy_0x_test=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW_Flow'),
]
# Test offsets as MMAction2 0.x computed them for clip_len=5 (`legacy_0x_test`): the zoo's flow
# numbers were measured with 0.x; 1.x's formula picks different frames (FACTS §3.1, §4.1).
_test_pipeline = [
    dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=25, test_mode=True, legacy_0x_test=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='TenCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW_Flow'),
]

data = dict(
    num_classes=200,
    label_map=_data + '/label_map_activitynet.txt',
    train=dict(kind='rawframes', ann_file=_data + '/anet_train_clip.txt', root=_data + '/rawframes', modality='Flow',
               with_offset=True, pipeline=_train_pipeline, batch_size=8, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/anet_val_clip.txt', root=_data + '/rawframes', modality='Flow',
             with_offset=True, pipeline=_val_pipeline, batch_size=8, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/anet_val_clip.txt', root=_data + '/rawframes', modality='Flow',
              with_offset=True, pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.001)
schedule = dict(epochs=150, milestones=[60, 120])
train = dict(val_interval=5, checkpoint_interval=5)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_320p_1x1x8_110e_kinetics400_flow/'
             'tsn_r50_320p_1x1x8_110e_kinetics400_flow_20200705-1f39486b.pth')
