"""TSN R50 with dense sampling, 8 frames, 100 epochs, Kinetics-400 RGB frames at 340x256.

Seed (TSN page): 70.77 / 89.3 top-1/5 (reference TSM code: 68.75 / 88.42), tested on 8 dense frames x 10
positions
x 1 centre crop.
"""

_base_ = '../../_base_/tsn_r50.py'

_data = 'data/kinetics400'
# Frames of videos resized to 340x256 (MMAction2's original Kinetics-400 frames).
_train_pipeline = [
    dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1,
         num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
# Dense sampling (TSM-style): 8 frames 1 apart in a 64-frame window; at test time 10 windows evenly
# spread over the video, so 80 views.
_test_pipeline = [
    dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes.txt',
               root=_data + '/rawframes_train', pipeline=_train_pipeline, batch_size=12, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes.txt', root=_data + '/rawframes_val',
             pipeline=_val_pipeline, batch_size=12, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes.txt',
              root=_data + '/rawframes_val', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.005)
train = dict(val_interval=5, checkpoint_interval=1)
