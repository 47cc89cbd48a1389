"""UniFormerV2-B/16 fine-tuned from the CLIP + Kinetics-710 checkpoint: MMAction2's recipe, on Kinetics-400.

AdamW (lr 2e-6 for 8 GPUs x 8 videos, weight decay 0.05, none on norms and biases), 5 epochs of cosine decay
after 1 warm-up epoch, the B/16 pipelines (`uniformerv2_b16.py`, FACTS §3.12). Used as it is by the
Kinetics-400 config; the Kinetics-600 and -700 configs change the dataset, the Moments in Time config
(`..._clip-kinetics710-kinetics-k400-pre_16xb32-u8_mitv1-rgb`) also the schedule and the starting weights.
"""

_base_ = 'uniformerv2_b16.py'

_data = 'data/kinetics400'
data = dict(
    num_classes=400,
    label_map=_data + '/label_map_k400.txt',
    train=dict(kind='video', ann_file=_data + '/kinetics400_train_list_videos.txt', root=_data + '/videos_train',
               pipeline=_train_pipeline, batch_size=8, num_workers=8),
    val=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
             pipeline=_val_pipeline, batch_size=8, num_workers=8),
    test=dict(kind='video', ann_file=_data + '/kinetics400_val_list_videos.txt', root=_data + '/videos_val',
              batch_size=8),
)

# lr for a total batch of 256: mmengine applies auto_scale_lr(enable=True, base_batch_size=256) on every
# run: 8 GPUs x 8 videos train at 2e-06 x 64/256 = 5e-07. The names say 8xb32, the files load 8 per GPU.
optimizer = dict(type='adamw', lr=2e-06, betas=(0.9, 0.999), weight_decay=0.05, zero_wd_norm_bias=True,
                 grad_clip=20.0, base_batch_size=256)
schedule = dict(epochs=5, policy='cosine', warmup_epochs=1, warmup_start_factor=0.5, eta_min_ratio=0.5)
train = dict(val_interval=1, checkpoint_interval=3, max_keep_checkpoints=5, log_interval=100)
# The Kinetics-710 checkpoint (CLIP, then K710): its 710-row head is reduced to the dataset's classes
# with actionrec/label_maps/map_k{400,600,700}.json when loaded (MMAction2's channel_map; FACTS §3.10).
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv2/kinetics710/'
             'uniformerv2-base-p16-res224_clip-pre_u8_kinetics710-rgb_20221219-77d34f81.pth')
