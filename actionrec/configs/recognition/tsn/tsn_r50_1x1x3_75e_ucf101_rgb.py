"""TSN R50, 3 segments, 75 epochs at a constant learning rate, UCF-101 split 1, RGB frames.

Seed (TSN page): 83.03 / 96.78 top-1/5 (split 1); MMAction2's file tests 25 segments x 3 crops.
The only UCF-101 config: it builds on the TSN base directly.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(num_classes=101, init_std=0.001)

_data = 'data/ucf101'
_split = 1  # the seed reports split 1
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True)
data = dict(
    num_classes=101,
    label_map=_data + '/label_map_ucf101.txt',
    train=dict(kind='rawframes', ann_file=_data + f'/ucf101_train_split_{_split}_rawframes.txt',
               root=_data + '/rawframes',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + f'/ucf101_val_split_{_split}_rawframes.txt',
             root=_data + '/rawframes',
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + f'/ucf101_val_split_{_split}_rawframes.txt',
              root=_data + '/rawframes',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.00128, weight_decay=5e-4)
schedule = dict(epochs=75, policy='constant')  # MMAction2: step policy with no steps
train = dict(val_interval=5, checkpoint_interval=5)
