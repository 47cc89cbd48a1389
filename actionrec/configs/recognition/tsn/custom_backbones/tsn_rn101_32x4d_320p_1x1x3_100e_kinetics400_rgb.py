"""TSN with MMClassification's ResNeXt-101 32x4d, 3 segments, 100 epochs, Kinetics-400 frames at short side
320.

Seed (TSN page): 73.43 / 91.01 top-1/5; MMAction2's file tests 25 segments x 3 crops. The ImageNet weights are
MMClassification's checkpoint, loaded over the whole model as MMAction2's `load_from` does (the
classifier does not fit and is skipped).
"""

model = dict(
    type='Recognizer2D',
    backbone=dict(type='mmcls.ResNeXt', depth=101, groups=32, width_per_group=4),
    cls_head=dict(type='TSNHead', num_classes=400, in_channels=2048, dropout_ratio=0.4, init_std=0.01,
                  average_clips=None),  # raw scores, as MMAction2 0.x (docs/configs.md)
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
)

_data = 'data/kinetics400'
# Frames extracted from videos resized to short side 320 (`actionrec data resize --short-side 320`, then
# `actionrec data extract-frames`); the list names are MMAction2's.
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
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes_320p.txt',
               root=_data + '/rawframes_train_320p', pipeline=_train_pipeline, batch_size=16, num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
             root=_data + '/rawframes_val_320p', pipeline=_val_pipeline, batch_size=16, num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
              root=_data + '/rawframes_val_320p', pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(type='sgd', lr=0.005, momentum=0.9, weight_decay=1e-4, grad_clip=40.0)
schedule = dict(epochs=100, policy='multistep', milestones=[40, 80], gamma=0.1)
train = dict(val_interval=1, checkpoint_interval=1)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
load_from = ('https://download.openmmlab.com/mmclassification/v0/resnext/'
             'resnext101_32x4d_batch256_imagenet_20200708-87f2d1c9.pth')
