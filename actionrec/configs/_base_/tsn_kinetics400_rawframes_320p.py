"""TSN on Kinetics-400 RGB frames of videos resized to short side 320.

MMAction2 0.x's `tsn_r50_320p_1x1x3_100e_kinetics400_rgb` recipe: 3 segments, RandomResizedCrop for training,
25 segments x 3 crops (256 px) for testing. Used as it is by that config; `tsn_r50_320p_1x1x8_*` samples 8
segments, the two other-backbone configs (`custom_backbones/tsn_dense161_*`, `tsn_rn101_32x4d_*`) swap the
backbone and the batch, `data_benchmark/tsn_r50_randomresizedcrop_320p_*` tests on 10 crops.
"""

_base_ = 'tsn_r50.py'

_data = 'data/kinetics400'
# Frames extracted from videos resized to short side 320 (`actionrec data resize --short-side 320`, then
# `actionrec data extract-frames`); the list names are MMAction2's.
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True)
data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes_320p.txt',
               root=_data + '/rawframes_train_320p',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
             root=_data + '/rawframes_val_320p',
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt',
              root=_data + '/rawframes_val_320p',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _three_crop_256, _format_rgb]),
)

train = dict(val_interval=5, checkpoint_interval=5)
