"""Kinetics-400 data benchmark: TSN R50, 3 segments, 100 epochs, MultiScaleCrop training on frames at short
side 256.

Seed (TSN page): 70.42 / 89.03 top-1/5 with 25 segments x 10 crops; 70.79 / 89.42 with 25 x 3 crops.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes.py'

# Frames extracted from videos resized to short side 256 (`actionrec data resize --short-side 256`, then
# `actionrec data extract-frames`); the list names are MMAction2's.
data = dict(
    train=dict(ann_file=_data + '/kinetics400_train_list_rawframes_256p.txt', root=_data + '/rawframes_train_256p'),
    val=dict(ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt', root=_data + '/rawframes_val_256p'),
    test=dict(ann_file=_data + '/kinetics400_val_list_rawframes_256p.txt', root=_data + '/rawframes_val_256p'),
)
