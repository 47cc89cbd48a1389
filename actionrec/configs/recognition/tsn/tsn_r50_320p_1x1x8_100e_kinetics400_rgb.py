"""TSN R50, 8 segments, 100 epochs, Kinetics-400 RGB frames at short side 320.

Seed (TSN page): 72.41 / 90.55 top-1/5 with 25 segments x 3 crops (the same config on short-side-256 frames:
71.80 / 90.17). Fused 1:1 with `tsn_r50_320p_1x1x8_110e_kinetics400_flow` (raw scores): 74.64 / 91.77.
"""

_base_ = '../../_base_/tsn_kinetics400_rawframes_320p.py'

_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb], batch_size=12),
    val=dict(pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb], batch_size=12),
)

optimizer = dict(lr=0.00375)  # MMAction2: 0.01 * 12 / 32 for 12 videos per GPU
train = dict(val_interval=2, checkpoint_interval=1)
