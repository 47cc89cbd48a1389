"""TSN R50, 8 segments, 50 epochs, Something-Something V2 RGB frames (height 240). No flip.

Seed (TSN page): 32.97 / 63.62 top-1/5 (reference TSM code: 30.56 / 58.49);
MMAction2's file tests 8 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(cls_head=dict(num_classes=174, dropout_ratio=0.5))

_data = 'data/sthv2'
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False, max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=174,
    label_map=_data + '/label_map_sthv2.txt',
    train=dict(kind='rawframes', ann_file=_data + '/sthv2_train_list_rawframes.txt', root=_data + '/rawframes',
               pipeline=_train_pipeline, batch_size=16, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/sthv2_val_list_rawframes.txt', root=_data + '/rawframes',
             pipeline=_val_pipeline, batch_size=16, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/sthv2_val_list_rawframes.txt', root=_data + '/rawframes',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(lr=0.02)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=5, checkpoint_interval=5)
