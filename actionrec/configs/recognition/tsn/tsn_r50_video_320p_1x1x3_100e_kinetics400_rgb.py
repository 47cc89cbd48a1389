"""TSN R50, 3 segments, 100 epochs, decoded on the fly from Kinetics-400 videos at short side 320.

Seed (TSN page): 71.11 / 90.04 top-1/5 with 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_kinetics_videos.py'

# videos resized to short side 320 (`actionrec data resize --short-side 320`) under the same names
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_video, _random_resized_crop, _resize_to_224, _flip, _format_rgb]),
    val=dict(pipeline=[_val_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(pipeline=[_test_sampler, _decode_video, _short_side_256, _three_crop_256, _format_rgb]),
)
