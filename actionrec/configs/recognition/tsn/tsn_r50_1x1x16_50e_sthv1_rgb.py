"""TSN R50, 16 segments, 50 epochs, Something-Something V1 frames (height 100).

Seed (TSN page): 15.77 / 39.85 top-1/5 (reference TSM code: 13.33 / 35.58). MMAction2's file trains on 16
segments but validates and tests on 8 segments x 1 centre crop; kept, since that produced the seed's number. It
also flips in training, unlike the 8-segment config (kept as MMAction2 has it).
"""

_base_ = '../../_base_/tsn_sthv1.py'

model = dict(init_std=0.001)

_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop_13, _resize_to_224, _flip,
                         _format_rgb], batch_size=4),
    val=dict(batch_size=4),
    test=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb]),
)

optimizer = dict(lr=0.01)
train = dict(val_interval=2, checkpoint_interval=1)
