"""TSN ResNet-50 as MMAction2 0.x trains it: ImageNet init, SGD, 100 epochs, 400 classes.

The TSN configs of the seed start from this file and state what differs (classes, data, schedule).
0.x's `_base_/models/tsn_r50.py` + `_base_/schedules/sgd_100e.py` + `default_runtime.py` in one place.
"""

model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=50, pretrained='torchvision://resnet50', norm_eval=False),
    # average_clips=None: raw scores at test time, as 0.x (two-stream fusion sums them; docs/configs.md)
    cls_head=dict(type='TSNHead', num_classes=400, in_channels=2048, dropout_ratio=0.4, init_std=0.01,
                  average_clips=None),
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
)

# lr 0.01 is for 8 GPUs x 32 videos; MMAction2 0.x does not rescale it for other batch sizes
optimizer = dict(type='sgd', lr=0.01, momentum=0.9, weight_decay=1e-4, grad_clip=40.0)
schedule = dict(epochs=100, policy='multistep', milestones=[40, 80], gamma=0.1)
train = dict(val_interval=1, checkpoint_interval=1, log_interval=20)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
