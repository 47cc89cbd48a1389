"""UniFormerV2-B/16, 8 frames, Kinetics-600, fine-tuned 5 epochs from the CLIP + Kinetics-710 checkpoint.

Seed (UniFormerV2 page): 86.1 / 97.2 reference, 86.4 / 97.3 on mm-Kinetics (top-1/5), 4 clips x 3 crops at
224.
Training recipe: MMAction2's file (AdamW, RandAugment m7 n4, RandomResizedCrop, flip; FACTS §3.12).
"""

_base_ = '../../_base_/uniformerv2_b16.py'

model = dict(cls_head=dict(num_classes=600))

_data = 'data/kinetics600'
_train_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='PytorchVideoWrapper', op='RandAugment', magnitude=7, num_layers=4),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
]
_val_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]
_test_pipeline = [
    dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]

data = dict(
    num_classes=600,
    label_map=_data + '/label_map_k600.txt',
    train=dict(kind='video', ann_file=_data + '/kinetics600_train_list_videos.txt', root=_data + '/videos_train',
               pipeline=_train_pipeline, batch_size=8, num_workers=8),
    val=dict(kind='video', ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val',
             pipeline=_val_pipeline, batch_size=8, num_workers=8),
    test=dict(kind='video', ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val',
              pipeline=_test_pipeline, batch_size=8, num_workers=8),
)

# lr for 8 GPUs x 8 videos. MMAction2's auto_scale_lr(base_batch_size=256) acts only with its
# --auto-scale-lr flag, so the lr is not rescaled here either (no optimizer.base_batch_size).
optimizer = dict(type='adamw', lr=2e-06, betas=(0.9, 0.999), weight_decay=0.05, zero_wd_norm_bias=True,
                 grad_clip=20.0)
schedule = dict(epochs=5, policy='cosine', warmup_epochs=1, warmup_start_factor=0.5, eta_min_ratio=0.5)
train = dict(val_interval=1, checkpoint_interval=3, max_keep_checkpoints=5, log_interval=100)
# The Kinetics-710 checkpoint (CLIP, then K710): its 710-row head is reduced to this dataset's classes
# with actionrec/label_maps/map_k600.json when loaded (MMAction2's channel_map; FACTS §3.10).
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/kinetics710/'
             'uniformerv2-base-p16-res224_clip-pre_u8_kinetics710-rgb_20221219-77d34f81.pth')
