"""TSN R50 on TV-L1 optical flow, 8 segments of 5 flow frames, 110 epochs, Kinetics-400 at short side 320.

Seed (TSN page): 57.76 / 80.99 top-1/5 with 25 segments x 10 crops. Fused 1:1 with
`tsn_r50_320p_1x1x8_100e_kinetics400_rgb` (raw scores): 74.64 / 91.77.
"""

_base_ = '../../_base_/tsn_kinetics400_flow.py'

_train_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8, test_mode=True, legacy_0x_test=True)
# this row's flow lists are named after the 320p frames
_train_list = _data + '/kinetics400_flow_train_list_320p.txt'
_val_list = _data + '/kinetics400_flow_val_list_320p.txt'
data = dict(
    train=dict(ann_file=_train_list, batch_size=12,
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_flow]),
    val=dict(ann_file=_val_list, batch_size=12,
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_flow]),
    test=dict(ann_file=_val_list),
)

optimizer = dict(lr=0.001875)  # MMAction2: 0.005 * 12 / 32
