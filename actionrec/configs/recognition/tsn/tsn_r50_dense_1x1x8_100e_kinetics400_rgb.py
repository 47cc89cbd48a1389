"""TSN R50 with dense sampling, 8 frames, 100 epochs, Kinetics-400 RGB frames at 340x256.

Seed (TSN page): 70.77 / 89.3 top-1/5 (reference TSM code: 68.75 / 88.42), tested on 8 dense frames x 10
positions x 1 centre crop.
"""

_base_ = '../../_base_/tsn_kinetics400_rawframes.py'

# Dense sampling (TSM-style): 8 frames 1 apart in a 64-frame window; at test time 10 windows evenly
# spread over the video, so 80 views.
_train_sampler = dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop_13, _resize_to_224, _flip,
                         _format_rgb], batch_size=12),
    val=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb], batch_size=12),
    test=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb]),
)

optimizer = dict(lr=0.005)
train = dict(val_interval=5, checkpoint_interval=1)
