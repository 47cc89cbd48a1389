"""TSN R50, 8 segments, 100 epochs, Kinetics-400 RGB frames at short side 320.

Seed (TSN page): 72.41 / 90.55 top-1/5 with 25 segments x 3 crops (the same config on short-side-256 frames:
71.80 / 90.17). Fused 1:1 with `tsn_r50_320p_1x1x8_110e_kinetics400_flow` (raw scores): 74.64 / 91.77.
"""

_base_ = '../../_base_/tsn_r50.py'

_data = 'data/kinetics400'
# Frames extracted from videos resized to short side 320 (`actionrec data resize --short-side 320`, then
# `actionrec data extract-frames`); the list names are MMAction2's.
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
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes_320p.txt',
               root=_data + '/rawframes_train_320p', pipeline=_train_pipeline, batch_size=12, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
             root=_data + '/rawframes_val_320p', pipeline=_val_pipeline, batch_size=12, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
              root=_data + '/rawframes_val_320p', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.00375)  # MMAction2: 0.01 * 12 / 32 for 12 videos per GPU
train = dict(val_interval=2, checkpoint_interval=1)
