"""UniFormerV2-B/16, 8 frames, Moments in Time v1 (339 classes), fine-tuned 24 epochs from the
CLIP -> Kinetics-710 -> Kinetics-400 checkpoint.

Seed (UniFormerV2 page): 42.3 / 71.5 top-1/5 (reference 42.6 / 71.7), 4 clips x 3 crops at 224.
Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12): the base's,
with its own schedule and starting weights.
"""

_base_ = '../../_base_/uniformerv2_b16_kinetics710_finetune.py'

model = dict(num_classes=339)

_data = 'data/mit'
data = dict(
    num_classes=339,
    label_map=_data + '/label_map_mit.txt',
    train=dict(ann_file=_data + '/mit_train_list_videos.txt', root=_data + '/videos/training'),
    val=dict(ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation'),
    test=dict(ann_file=_data + '/mit_val_list_videos.txt', root=_data + '/videos/validation'),
)

# lr for a total batch of 512 (auto_scale_lr, as in the base): 8 GPUs x 8 videos train at 2e-05 x 64/512 = 2.5e-06
optimizer = dict(lr=2e-05, base_batch_size=512)
schedule = dict(epochs=24, warmup_epochs=5, warmup_start_factor=0.05, eta_min_ratio=0.05)
# MMAction2 initialises only the backbone from this K400 checkpoint; its 400-class head does not fit the
# 339 MiT classes and is skipped (reported) by the loader, which leaves the new head at its init.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/kinetics400/'
             'uniformerv2-base-p16-res224_clip-kinetics710-pre_u8_kinetics400-rgb_20221219-203d6aac.pth')
