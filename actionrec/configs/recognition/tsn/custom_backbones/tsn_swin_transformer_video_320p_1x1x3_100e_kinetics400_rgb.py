"""TSN with timm's Swin-B (patch 4, window 7, 224), 3 segments, 100 epochs, Kinetics-400 videos at short side
320.

Seed (TSN page): 77.51 / 92.92 top-1/5; MMAction2's file tests 25 segments x 10 crops.
"""

_base_ = '../../../_base_/tsn_kinetics_videos.py'

model = dict(name='tsn_timm', arch='swin_base_patch4_window7_224')  # pretrained=True: timm's ImageNet weights

# videos resized to short side 320 under the same names
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True)
data = dict(
    train=dict(pipeline=[_train_sampler, _decode_video, _random_resized_crop, _resize_to_224, _flip, _format_rgb],
               batch_size=24),
    val=dict(pipeline=[_val_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb], batch_size=24),
)

optimizer = dict(lr=0.0075)
# log_interval: not set, the schema's default (20, as the base's)
train = dict(_delete_=True, val_interval=1, checkpoint_interval=1)
