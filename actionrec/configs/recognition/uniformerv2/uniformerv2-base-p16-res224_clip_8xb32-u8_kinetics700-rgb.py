"""UniFormerV2-B/16, 8 frames, Kinetics-700, trained 55 epochs from the CLIP ViT-B/16 weights.

Seed (UniFormerV2 page): 75.8 / 92.8 reference, 75.9 / 92.9 on mm-Kinetics (top-1/5), 4 clips x 3 crops at 224
(short side 320 videos).
The seed's row for this checkpoint (`..._clip_8xb32-u8_kinetics700-rgb_20230313-f02e48ad.pth`) links
the clip-kinetics710 config by mistake; this is the config the checkpoint was trained with.
Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12), the base's
on Kinetics-700.
"""

_base_ = '../../_base_/uniformerv2_b16_clip.py'

model = dict(num_classes=700)

_data = 'data/kinetics700'
data = dict(
    num_classes=700,
    label_map=_data + '/label_map_k700.txt',
    train=dict(ann_file=_data + '/kinetics700_train_list_videos.txt', root=_data + '/videos_train'),
    val=dict(ann_file=_data + '/kinetics700_val_list_videos.txt', root=_data + '/videos_val'),
    test=dict(ann_file=_data + '/kinetics700_val_list_videos.txt', root=_data + '/videos_val'),
)
