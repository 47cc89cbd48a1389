"""TSN on Kinetics-400 RGB frames of videos resized to 340x256 (MMAction2's original Kinetics-400 frames).

MMAction2 0.x's `tsn_r50_1x1x3_100e_kinetics400_rgb` recipe: 3 segments, multi-scale crops for training,
25 segments x 10 crops for testing. Used as it is by that config and by
`data_benchmark/tsn_r50_multiscalecrop_340x256_*`; the other data-benchmark configs change the frames (short
side 256 or 320) and/or the training crop (RandomResizedCrop), the two `tsn_r50_dense_*` configs the sampling
(TSM-style dense), the pipelines and the schedule.
"""

_base_ = 'tsn_r50.py'

_data = 'data/kinetics400'
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=3, test_mode=True)
data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='rawframes', ann_file=_data + '/kinetics400_train_list_rawframes.txt',
               root=_data + '/rawframes_train',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes.txt', root=_data + '/rawframes_val',
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + '/kinetics400_val_list_rawframes.txt', root=_data + '/rawframes_val',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _ten_crop_224, _format_rgb]),
)

train = dict(val_interval=5, checkpoint_interval=5)
