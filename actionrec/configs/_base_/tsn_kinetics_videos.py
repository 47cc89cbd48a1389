"""TSN on Kinetics videos resized to short side 256, decoded on the fly: 8 segments, 100 epochs.

MMAction2's `tsn_r50_video_1x1x8_100e_kinetics400_rgb` recipe: Kinetics-400, multi-scale crops for training,
25 segments x 10 crops for testing. Used as it is by that config. The other Kinetics-400 video configs change
the sampling and crops (`tsn_r50_video_320p_1x1x3_*`, `tsn_r50_video_dense_1x1x8_*`,
`custom_backbones/tsn_swin_transformer_video_*` with its backbone); the Kinetics-600 and -700 configs change the
dataset and train with RandomResizedCrop, 12 videos per GPU, and test on 3 crops.
"""

_base_ = 'tsn_r50.py'

_data = 'data/kinetics400'  # videos resized to short side 256 (`actionrec data resize --short-side 256`)
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='video', ann_file=_data + '/kinetics400_train_list_videos.txt', root=_data + '/videos_train',
               pipeline=[_train_sampler, _decode_video, _multiscale_crop, _resize_to_224, _flip, _format_rgb]),
    val=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
             pipeline=[_val_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
              pipeline=[_test_sampler, _decode_video, _short_side_256, _ten_crop_224, _format_rgb]),
)

train = dict(val_interval=5, checkpoint_interval=1)
