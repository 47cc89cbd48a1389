"""TSN R50 on TV-L1 optical flow, 8 segments of 5 flow frames, 110 epochs, Kinetics-400 at short side 320.

Seed (TSN page): 57.76 / 80.99 top-1/5 with 25 segments x 10 crops. Fused 1:1 with
`tsn_r50_320p_1x1x8_100e_kinetics400_rgb` (raw scores): 74.64 / 91.77.
"""

_base_ = '../../_base_/tsn_r50.py'

# Optical flow: 5 stacked (x, y) pairs = 10 input channels, normalised with 128 / 128. The ImageNet conv1
# (3 channels) does not fit and keeps its random init, as in MMAction2 (FACTS §3.6).
model = dict(backbone=dict(in_channels=10), data_preprocessor=dict(mean=[128.0] * 10, std=[128.0] * 10))

_data = 'data/kinetics400'
# Flow lists (`frame_dir num_flow_frames label`), names as MMAction2's; `actionrec data extract-frames
# --flow tvl1` writes them as `<list>_flow.txt`.
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
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_flow_train_list_320p.txt',
               root=_data + '/rawframes_train_320p', modality='Flow', pipeline=_train_pipeline, batch_size=12,
               num_workers=2),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_flow_val_list_320p.txt',
             root=_data + '/rawframes_val_320p', modality='Flow', pipeline=_val_pipeline, batch_size=12,
             num_workers=2),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_flow_val_list_320p.txt',
              root=_data + '/rawframes_val_320p', modality='Flow', pipeline=_test_pipeline, batch_size=1,
              num_workers=2),
)

optimizer = dict(lr=0.001875)  # MMAction2: 0.005 * 12 / 32
schedule = dict(epochs=110, milestones=[70, 100])
train = dict(val_interval=5, checkpoint_interval=5)
