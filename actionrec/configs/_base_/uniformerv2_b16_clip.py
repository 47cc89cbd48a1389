"""UniFormerV2-B/16 trained from the CLIP ViT-B/16 weights: MMAction2's recipe, on Kinetics-400.

The backbone starts from CLIP (`clip_pretrained`), the head from scratch; AdamW (lr 1e-5 for 8 GPUs x 8
videos), 55 epochs of cosine decay after 5 warm-up epochs, the B/16 pipelines (`uniformerv2_b16.py`,
FACTS §3.12) on videos at short side 320. Used as it is by the Kinetics-400 config; the Kinetics-700 config
changes the dataset.
"""

_base_ = 'uniformerv2_b16.py'

model = dict(pretrained=True)  # training starts from CLIP ViT-B/16 (MMAction2's clip_pretrained + 'ViT-B/16')

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
# run: 8 GPUs x 8 videos train at 1e-05 x 64/256 = 2.5e-06. The names say 8xb32, the files load 8 per GPU.
optimizer = dict(type='adamw', lr=1e-05, betas=(0.9, 0.999), weight_decay=0.05, zero_wd_norm_bias=True,
                 grad_clip=20.0, base_batch_size=256)
schedule = dict(epochs=55, policy='cosine', warmup_epochs=5, warmup_start_factor=0.1, eta_min_ratio=0.1)
train = dict(val_interval=1, checkpoint_interval=3, max_keep_checkpoints=5, log_interval=100)
