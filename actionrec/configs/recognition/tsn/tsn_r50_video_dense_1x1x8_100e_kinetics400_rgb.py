"""TSN R50 with dense sampling, 8 frames, 100 epochs, decoded on the fly from Kinetics-400 videos at short
side 256.

Seed (TSN page): 70.40 / 89.12 top-1/5, tested on 8 dense frames x 10 positions x 10 crops.
"""

_base_ = '../../_base_/tsn_kinetics_videos.py'

# Dense sampling (TSM-style): 8 frames 1 apart in a 64-frame window; at test time 10 windows evenly
# spread over the video, so 80 views. Ten crops of each: 800 views.
_train_sampler = dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='DenseSampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_video, _multiscale_crop, _resize_to_224, _flip, _format_rgb]),
    val=dict(pipeline=[_test_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb], batch_size=1),
    test=dict(pipeline=[_test_sampler, _decode_video, _short_side_256, _ten_crop_224, _format_rgb]),
)
