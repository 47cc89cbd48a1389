"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, MultiScaleCrop training on frames at short
side 320.

Seed (TSN page): 70.32 / 89.25 top-1/5 with 25 segments x 10 crops; 70.54 / 89.39 with 25 x 3 crops.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes.py'

# Frames at short side 320, as `tsn_r50_320p_*` (`_base_/tsn_kinetics400_rawframes_320p.py`).
data = dict(
    train=dict(ann_file=_data + '/kinetics400_train_list_rawframes_320p.txt', root=_data + '/rawframes_train_320p'),
    val=dict(ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt', root=_data + '/rawframes_val_320p'),
    test=dict(ann_file=_data + '/kinetics400_val_list_rawframes_320p.txt', root=_data + '/rawframes_val_320p'),
)
