"""Kinetics-710 validation videos as the test split of the three Kinetics-710 UniFormerV2 configs (710 classes).

Listed beside `uniformerv2_b16.py` or `uniformerv2_l14.py`. MMAction2's Kinetics-710 validation set is the
concatenation of three lists (`actionrec data prepare kinetics710`), each relative to its own video folder.
The seed and MMAction2's files give no test protocol for these rows; the model base's 4 clips x 3 crops is the
protocol of MMAction2's Kinetics-710 training config (uniformerv2-base-p16-res224_clip_u8_kinetics710-rgb.py).
"""

model = dict(num_classes=710)

data = dict(
    num_classes=710,
    label_map='data/kinetics710/label_map_k710.txt',
    test=dict(
        kind='video',
        ann_file=['data/kinetics710/k400_val_list_videos.txt', 'data/kinetics710/k600_val_list_videos.txt',
                  'data/kinetics710/k700_val_list_videos.txt'],
        root=['data/kinetics400/videos_val', 'data/kinetics600/videos_val', 'data/kinetics700/videos_val'],
    ),
)
