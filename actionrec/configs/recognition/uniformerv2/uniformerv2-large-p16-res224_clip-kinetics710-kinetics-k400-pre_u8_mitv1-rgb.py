"""UniFormerV2-L/14, 8 frames, Moments in Time v1: CLIP -> K710 -> K400 -> MiT weights migrated from
OpenGVLab.

Seed (UniFormerV2 page): 47.0 / 76.1 top-1/5, 4 clips x 3 crops at 224. Test-only, as MMAction2's file. The
name says p16
(MMAction2's spelling); the model is the patch-14 L/14.
"""

_base_ = '../../_base_/uniformerv2_l14.py'

model = dict(cls_head=dict(num_classes=339))

_data = 'data/mit'
# MMAction2's file reads `data/mit_v1/val.csv` (the original repository's list); here the lists
# `actionrec data prepare mit` writes.
_test_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]

data = dict(
    num_classes=339,
    label_map=_data + '/label_map_mit.txt',
    test=dict(kind='video', ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation',
              pipeline=_test_pipeline, batch_size=16, num_workers=8),
)
