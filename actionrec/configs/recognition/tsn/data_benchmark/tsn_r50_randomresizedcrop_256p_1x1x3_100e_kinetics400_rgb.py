"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, RandomResizedCrop training on frames at short
side 256.

Seed (TSN page): 69.80 / 89.06 top-1/5 with 25 segments x 10 crops; 70.48 / 89.89 with 25 x 3 crops.
The seed's row for this config reports 25 segments x 10 crops (TenCrop 224 after Resize(-1, 256),
MMAction2's data_benchmark/tsn_r50_test_*_10crop config, as the base). MMAction2's file itself tests
25 x 3 crops (ThreeCrop 256), which is the seed's other row for it; the seed's protocol is used.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes.py'

# Frames at short side 256 (see the multiscalecrop_256p config); 256-px centre crops for validation.
data = dict(
    train=dict(ann_file=_data + '/kinetics400_train_list_rawframes_256p.txt', root=_data + '/rawframes_train_256p',
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224,
                         _flip, _format_rgb]),
    val=dict(ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt', root=_data + '/rawframes_val_256p',
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt', root=_data + '/rawframes_val_256p'),
)
