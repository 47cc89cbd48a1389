"""TSN R50 on TV-L1 flow (5 frames per segment), 8 segments, 150 epochs, ActivityNet v1.3,
whole videos (one label per video),
fine-tuned from the Kinetics-400 TSN flow checkpoint (320p, 8 segments).

Seed (TSN page): 57.51 / 83.02 top-1/5 with 25 segments x 10 crops.
MMAction2's file trains and validates on the video-level list but tests on the clip-level list
(`anet_val_clip.txt`, with offsets); kept, since that produced the seed's number.
"""

_base_ = '../../_base_/tsn_activitynet.py'

# Flow input as in `_base_/tsn_kinetics400_flow.py`: 10 channels (5 x/y pairs), mean/std 128.
model = dict(in_channels=10, mean=[128.0] * 10, std=[128.0] * 10)  # 5 stacked (x, y) flow pairs

# Test offsets as MMAction2 0.x computed them for clip_len=5 (`legacy_0x_test`): the zoo's flow
# numbers were measured with 0.x; 1.x's formula picks different frames (FACTS §3.1, §4.1).
_train_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=8, test_mode=True, legacy_0x_test=True)
_test_sampler = dict(type='SampleFrames', clip_len=5, frame_interval=1, num_clips=25, test_mode=True,
                     legacy_0x_test=True)
data = dict(
    train=dict(modality='Flow',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_flow]),
    val=dict(modality='Flow', pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_flow]),
    test=dict(ann_file=_data + '/anet_val_clip.txt', modality='Flow', with_offset=True,
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _ten_crop_224, _format_flow]),
)

schedule = dict(epochs=150, milestones=[60, 120])
train = dict(checkpoint_interval=5)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_320p_1x1x8_110e_kinetics400_flow/'
             'tsn_r50_320p_1x1x8_110e_kinetics400_flow_20200705-1f39486b.pth')
