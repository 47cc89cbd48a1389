"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, MultiScaleCrop training on frames at short
side 256.

Seed (TSN page): 70.42 / 89.03 top-1/5 with 25 segments x 10 crops; 70.79 / 89.42 with 25 x 3 crops.
"""

_base_ = '../../../_base_/tsn_r50.py'

_data = 'data/kinetics400'
# Frames extracted from videos resized to short side 256 (`actionrec data resize --short-side 256`, then
# `actionrec data extract-frames`); the list names are MMAction2's.
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='TenCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes_256p.txt',
               root=_data + '/rawframes_train_256p', pipeline=_train_pipeline, batch_size=32, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt',
             root=_data + '/rawframes_val_256p', pipeline=_val_pipeline, batch_size=32, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt',
              root=_data + '/rawframes_val_256p', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

train = dict(val_interval=5, checkpoint_interval=5)
