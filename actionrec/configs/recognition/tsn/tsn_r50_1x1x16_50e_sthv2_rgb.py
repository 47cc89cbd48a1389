"""TSN R50, 16 segments, 50 epochs, Something-Something V2 RGB frames (height 240). No flip.

Seed (TSN page): 27.21 / 55.84 top-1/5 (reference TSM code: 21.91 / 46.87);
MMAction2's file tests 16 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_sthv2.py'

model = dict(init_std=0.001)

_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop, _resize_to_224,
                         _format_rgb], batch_size=4),
    val=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb], batch_size=4),
    test=dict(pipeline=[_test_sampler, _decode_frames, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.005, weight_decay=5e-4, grad_clip=20.0)
train = dict(val_interval=2, checkpoint_interval=1)
