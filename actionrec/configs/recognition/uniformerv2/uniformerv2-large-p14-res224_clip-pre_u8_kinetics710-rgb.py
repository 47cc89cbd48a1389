"""UniFormerV2-L/14, 8 frames, Kinetics-710 (710 classes), trained from CLIP (weights migrated from
OpenGVLab).

Seed (UniFormerV2 page): no accuracy listed. The K710 checkpoints are what the K400/600/700 fine-tunes start
from.
"""

_base_ = '../../_base_/uniformerv2_l14.py'

model = dict(cls_head=dict(num_classes=710))

# MMAction2's Kinetics-710 validation set is the concatenation of three lists (`actionrec data prepare
# kinetics710`), each relative to its own video folder.
_k710_val_lists = [
    'data/kinetics710/k400_val_list_videos.txt',
    'data/kinetics710/k600_val_list_videos.txt',
    'data/kinetics710/k700_val_list_videos.txt',
]
_k710_val_roots = ['data/kinetics400/videos_val', 'data/kinetics600/videos_val', 'data/kinetics700/videos_val']
# The seed and MMAction2's file give no test protocol for this row; 4 clips x 3 crops, the protocol of
# MMAction2's Kinetics-710 training config (uniformerv2-base-p16-res224_clip_u8_kinetics710-rgb.py).
_test_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]

data = dict(
    num_classes=710,
    label_map='data/kinetics710/label_map_k710.txt',
    test=dict(kind='video', ann_file=_k710_val_lists, root=_k710_val_roots, pipeline=_test_pipeline,
              batch_size=16, num_workers=8),
)
