"""TSN with timm's Swin-B (patch 4, window 7, 224), 3 segments, 100 epochs, Kinetics-400 videos at short side
320.

Seed (TSN page): 77.51 / 92.92 top-1/5; MMAction2's file tests 25 segments x 10 crops.
"""

model = dict(
    type='Recognizer2D',
    backbone=dict(type='timm.swin_base_patch4_window7_224', pretrained=True),
    cls_head=dict(type='TSNHead', num_classes=400, in_channels=1024, dropout_ratio=0.4, init_std=0.01,
                  average_clips=None),  # raw scores, as MMAction2 0.x (docs/configs.md)
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
)

_data = 'data/kinetics400'  # videos resized to short side 320
_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
]
_val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]
_test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='TenCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
]

data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='video', ann_file=_data + '/kinetics400_train_list_videos.txt', root=_data + '/videos_train',
               pipeline=_train_pipeline, batch_size=24, num_workers=2),
    val=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
             pipeline=_val_pipeline, batch_size=24, num_workers=2),
    test=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
              pipeline=_test_pipeline, batch_size=1, num_workers=2),
)

optimizer = dict(type='sgd', lr=0.0075, momentum=0.9, weight_decay=1e-4, grad_clip=40.0)
schedule = dict(epochs=100, policy='multistep', milestones=[40, 80], gamma=0.1)
train = dict(val_interval=1, checkpoint_interval=1)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
