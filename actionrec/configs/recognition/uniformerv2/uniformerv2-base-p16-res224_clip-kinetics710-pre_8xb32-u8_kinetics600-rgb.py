"""UniFormerV2-B/16, 8 frames, Kinetics-600, fine-tuned 5 epochs from the CLIP + Kinetics-710 checkpoint.

Seed (UniFormerV2 page): 86.1 / 97.2 reference, 86.4 / 97.3 on mm-Kinetics (top-1/5), 4 clips x 3 crops at
224. Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12),
the base's on Kinetics-600.
"""

_base_ = '../../_base_/uniformerv2_b16_kinetics710_finetune.py'

# the Kinetics-710 head is reduced to these 600 classes with actionrec/label_maps/map_k600.json
model = dict(num_classes=600)

_data = 'data/kinetics600'
data = dict(
    num_classes=600,
    label_map=_data + '/label_map_k600.txt',
    train=dict(ann_file=_data + '/kinetics600_train_list_videos.txt', root=_data + '/videos_train'),
    val=dict(ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val'),
    test=dict(ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val'),
)
