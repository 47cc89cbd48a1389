"""TSN R50 RGB, 8 segments, 50 epochs, ActivityNet v1.3,
annotated segments (`frame_dir offset count label`),
fine-tuned from the Kinetics-400 TSN RGB checkpoint (320p, 8 segments).

Seed (TSN page): 76.90 / 94.47 top-1/5 with 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_activitynet.py'

data = dict(
    train=dict(ann_file=_data + '/anet_train_clip.txt', with_offset=True),
    val=dict(ann_file=_data + '/anet_val_clip.txt', with_offset=True),
    test=dict(ann_file=_data + '/anet_val_clip.txt', with_offset=True),
)
