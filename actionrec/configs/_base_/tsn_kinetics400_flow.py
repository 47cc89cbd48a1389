"""TSN on TV-L1 optical flow of Kinetics-400 videos at short side 320: 5 flow frames per segment, 110 epochs.

MMAction2 0.x's `tsn_r50_320p_1x1x3_110e_kinetics400_flow` recipe (3 segments; 25 segments x 10 crops for
testing). Used as it is by that config; `tsn_r50_320p_1x1x8_110e_kinetics400_flow` samples 8 segments from
differently named lists, with a smaller batch and learning rate.
"""

_base_ = 'tsn_r50.py'

# Optical flow: 5 stacked (x, y) pairs = 10 input channels, normalised with 128 / 128. The ImageNet conv1
# (3 channels) does not fit and keeps its random init, as in MMAction2 (FACTS §3.6).
model = dict(in_channels=10, mean=[128.0] * 10, std=[128.0] * 10)  # 5 stacked (x, y) flow pairs

_data = 'data/kinetics400'
# Flow lists (`frame_dir num_flow_frames label`), names as MMAction2's; `actionrec data extract-frames
# --flow tvl1` writes them as `<list>_flow.txt`.
# Test offsets as MMAction2 0.x computed them for clip_len=5 (`legacy_0x_test`): the zoo's flow
# numbers were measured with 0.x; 1.x's formula picks different frames (FACTS §3.1, §4.1).
_train_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=3, test_mode=True, legacy_0x_test=True)
_test_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=25, test_mode=True,
                     legacy_0x_test=True)
data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics_flow_train_list.txt', root=_data + '/rawframes_train_320p',
               modality='Flow',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_flow]),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics_flow_val_list.txt', root=_data + '/rawframes_val_320p',
             modality='Flow', pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_flow]),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics_flow_val_list.txt', root=_data + '/rawframes_val_320p',
              modality='Flow', pipeline=[_test_sampler, _decode_frames, _short_side_256, _ten_crop_224, _format_flow]),
)

optimizer = dict(lr=0.005)
schedule = dict(epochs=110, milestones=[70, 100])
train = dict(val_interval=5, checkpoint_interval=5)
