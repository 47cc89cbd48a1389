"""TSN on Something-Something V2 (174 classes; RGB frames, height 240): 8 segments, 50 epochs, no flip.

MMAction2 0.x's `tsn_r50_1x1x8_50e_sthv2_rgb` recipe: multi-scale crops without flips (a flip would swap
left and right in the labels), 8 segments x 3 crops for testing. Used as it is by that config;
`tsn_r50_1x1x16_50e_sthv2_rgb` samples 16 segments with a smaller batch and learning rate.
"""

_base_ = 'tsn_r50.py'

model = dict(num_classes=174, dropout=0.5)

_data = 'data/sthv2'
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    num_classes=174,
    label_map=_data + '/label_map_sthv2.txt',
    train=dict(kind='rawframes', ann_file=_data + '/sthv2_train_list_rawframes.txt', root=_data + '/rawframes',
               batch_size=16,
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop, _resize_to_224,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + '/sthv2_val_list_rawframes.txt', root=_data + '/rawframes',
             batch_size=16, pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + '/sthv2_val_list_rawframes.txt', root=_data + '/rawframes',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.02)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=5, checkpoint_interval=5)
