"""TSN R18, 8 segments, 100 epochs, HVU 'concept' tags (291 classes, multi-label, BCE with weight 333).

Seed (TSN page): 47.5 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3
crops.
"""

_base_ = '../../../_base_/tsn_r50.py'

model = dict(
    backbone=dict(depth=18, pretrained='torchvision://resnet18'),
    cls_head=dict(num_classes=291, in_channels=512),
)

_data = 'data/hvu'  # `actionrec data prepare hvu` writes hvu_{category}_{train,val}.json here
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
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
    num_classes=291,
    multi_label=True,
    train=dict(kind='json', ann_file=_data + '/hvu_concept_train.json', root=_data + '/videos_train',
               pipeline=_train_pipeline, batch_size=32, num_workers=2),
    val=dict(kind='json', ann_file=_data + '/hvu_concept_val.json', root=_data + '/videos_val',
             pipeline=_val_pipeline, batch_size=32, num_workers=2),
    test=dict(kind='json', ann_file=_data + '/hvu_concept_val.json', root=_data + '/videos_val',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

train = dict(loss='bce', loss_weight=333.0, val_interval=2, checkpoint_interval=1)
test = dict(metrics=['mean_average_precision'])
