"""TSN with MMClassification's ResNeXt-101 32x4d, 3 segments, 100 epochs, Kinetics-400 frames at short side
320.

Seed (TSN page): 73.43 / 91.01 top-1/5; MMAction2's file tests 25 segments x 3 crops. The ImageNet weights are
MMClassification's checkpoint, loaded over the whole model as MMAction2's `load_from` does (the
classifier does not fit and is skipped).
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes_320p.py'

model = dict(name='tsn_resnext101_32x4d', pretrained=False)  # the ImageNet weights come with load_from below

data = dict(train=dict(batch_size=16), val=dict(batch_size=16))

optimizer = dict(lr=0.005)
# log_interval: not set, the schema's default (20, as the base's)
train = dict(_delete_=True, val_interval=1, checkpoint_interval=1)
load_from = ('https://download.openmmlab.com/mmclassification/v0/resnext/'
             'resnext101_32x4d_batch256_imagenet_20200708-87f2d1c9.pth')
