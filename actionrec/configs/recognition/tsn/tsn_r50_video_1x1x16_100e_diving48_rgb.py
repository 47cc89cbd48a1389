"""TSN R50, 16 segments, 100 epochs, Diving48 (V2 lists) decoded from videos.

Seed (TSN page): 76.75 / 96.95 top-1/5; MMAction2's file tests 16 segments x 1 centre crop.
"""

_base_ = '../../_base_/tsn_diving48.py'

_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16, test_mode=True)
_test_pipeline = [_test_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_video, _short_side_256, _multiscale_crop, _resize_to_224, _flip,
                         _format_rgb], batch_size=4),
    val=dict(pipeline=_test_pipeline, batch_size=4),
    test=dict(pipeline=_test_pipeline),
)

optimizer = dict(lr=0.00125)  # MMAction2: 0.01 scaled to 4 videos per GPU
