"""TSN on HMDB51 split 1 (RGB frames): 8 segments, 50 epochs, 8 segments x 1 centre crop (256) for testing.

MMAction2 0.x's `tsn_r50_1x1x8_50e_hmdb51_{imagenet,kinetics400,mit}_rgb` recipe; the three configs differ
only in the weights they start from (ImageNet, as here, or a Kinetics-400 / Moments in Time checkpoint).
"""

_base_ = 'tsn_r50.py'

model = dict(num_classes=51)

_data = 'data/hmdb51'
_split = 1
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
_test_pipeline = [_test_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb]
data = dict(
    num_classes=51,
    label_map=_data + '/label_map_hmdb51.txt',
    train=dict(kind='rawframes', ann_file=_data + f'/hmdb51_train_split_{_split}_rawframes.txt',
               root=_data + '/rawframes',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + f'/hmdb51_val_split_{_split}_rawframes.txt',
             root=_data + '/rawframes', pipeline=_test_pipeline),
    test=dict(kind='rawframes', ann_file=_data + f'/hmdb51_val_split_{_split}_rawframes.txt',
              root=_data + '/rawframes', pipeline=_test_pipeline),
)

optimizer = dict(lr=0.025)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=1, checkpoint_interval=5)
