"""TSN with torchvision's DenseNet-161, 3 segments, 100 epochs, Kinetics-400 frames at short side 320.

Seed (TSN page): 72.78 / 90.75 top-1/5; MMAction2's file tests 25 segments x 3 crops. The backbone is the
`features` trunk of torchvision's model (2208 channels), average-pooled.
"""

_base_ = '../../../_base_/tsn_kinetics400_rawframes_320p.py'

model = dict(name='tsn_torchvision', arch='densenet161')  # pretrained=True: torchvision's ImageNet DenseNet-161

data = dict(train=dict(batch_size=12), val=dict(batch_size=12))

optimizer = dict(lr=0.00375)
# log_interval: not set, the schema's default (20, as the base's)
train = dict(_delete_=True, val_interval=1, checkpoint_interval=1)
