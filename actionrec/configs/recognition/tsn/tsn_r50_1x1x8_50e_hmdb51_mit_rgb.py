"""TSN R50, 8 segments, 50 epochs, HMDB51 split 1 RGB frames,
starting from the Moments in Time TSN checkpoint (`tsn_r50_1x1x6_100e_mit_rgb`).

Seed (TSN page): 54.25 / 83.86 top-1/5; MMAction2's file tests 8 segments x 1 centre crop (256).
"""

_base_ = '../../_base_/tsn_hmdb51.py'

# MMAction2's file sets no videos_per_gpu / workers_per_gpu here, so 0.x used its defaults (1 and 1).
data = dict(train=dict(batch_size=1, num_workers=1), val=dict(batch_size=1, num_workers=1),
            test=dict(batch_size=1, num_workers=1))

train = dict(log_interval=5)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_1x1x6_100e_mit_rgb/'
             'tsn_r50_1x1x6_100e_mit_rgb_20200618-d512ab1b.pth')
