"""TSN on Diving48 (V2 lists) decoded from videos: 8 segments, 100 epochs, tested on 1 centre crop per segment.

MMAction2's `tsn_r50_video_1x1x8_100e_diving48_rgb` recipe. Used as it is by that config;
`tsn_r50_video_1x1x16_100e_diving48_rgb` samples 16 segments, with 4 videos per GPU and the lr scaled to them.
"""

_base_ = 'tsn_r50.py'

model = dict(num_classes=48)

_data = 'data/diving48'
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
_test_pipeline = [_test_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]
data = dict(
    num_classes=48,
    label_map=_data + '/label_map_diving48.txt',
    train=dict(kind='video', ann_file=_data + '/diving48_train_list_videos.txt', root=_data + '/videos', batch_size=8,
               pipeline=[_train_sampler, _decode_video, _short_side_256, _multiscale_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='video', ann_file=_data + '/diving48_val_list_videos.txt', root=_data + '/videos', batch_size=8,
             pipeline=_test_pipeline),
    test=dict(kind='video', ann_file=_data + '/diving48_val_list_videos.txt', root=_data + '/videos',
              pipeline=_test_pipeline),
)

optimizer = dict(lr=0.0025)  # MMAction2: 0.01 scaled to 8 videos per GPU
train = dict(val_interval=5, checkpoint_interval=1)
