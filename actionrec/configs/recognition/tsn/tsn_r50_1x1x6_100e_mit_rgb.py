"""TSN R50, 6 segments, 100 epochs, Moments in Time v1 decoded from videos at short side 256.

Seed (TSN page): 26.84 / 51.6 top-1/5; MMAction2's file tests 6 segments x 3 crops.
Its FormatShape steps have no input_format (0.x would refuse them); 'NCHW' is what TSN needs.
MMAction2's validation root is the absolute '/data/mit/videos/validation/'; the repository-relative
'data/mit/videos/validation' is meant and used here. The only TSN MiT config: it builds on the TSN base directly.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(num_classes=339)

_data = 'data/mit'
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=6)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=6, test_mode=True)
# MiT's own multi-scale crop: 2 scales, any aspect
_multiscale_crop_mit = dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.8), random_crop=False,
                            max_wh_scale_gap=0)
data = dict(
    num_classes=339,
    label_map=_data + '/label_map_mit.txt',
    train=dict(kind='video', ann_file=_data + '/mit_train_list_videos.txt', root=_data + '/videos/training',
               batch_size=16,
               pipeline=[_train_sampler, _decode_video, _short_side_256, _multiscale_crop_mit, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='video', ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation',
             batch_size=16, pipeline=[_test_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='video', ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation',
              pipeline=[_test_sampler, _decode_video, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.005)
train = dict(val_interval=5, checkpoint_interval=5)
