"""TSN ResNet-50 as MMAction2 0.x trains it: ImageNet init, SGD, 100 epochs, 400 classes.

The root of every TSN config (0.x's `_base_/models/tsn_r50.py` + `_base_/schedules/sgd_100e.py` +
`default_runtime.py` in one place). The dataset bases (`tsn_<dataset>.py`) build on it and the configs
state what differs (classes, data, schedule). It also names the pipeline steps once, so a pipeline reads
as a sampler followed by step names, e.g. `[<SampleFrames>, _decode_frames, _short_side_256, ...]`.
"""

# The model by registered name and keyword arguments (`actionrec.create_model`). pretrained=True: training starts
# from torchvision's ImageNet ResNet-50 (MMAction2's 'torchvision://resnet50'). average_clips=None: raw scores at
# test time, as 0.x (two-stream fusion sums them; docs/configs.md).
model = dict(name='tsn_r50', num_classes=400, pretrained=True, dropout=0.4, init_std=0.01, average_clips=None)

# lr 0.01 is for 8 GPUs x 32 videos; MMAction2 0.x does not rescale it for other batch sizes
optimizer = dict(type='sgd', lr=0.01, momentum=0.9, weight_decay=1e-4, grad_clip=40.0)
schedule = dict(epochs=100, policy='multistep', milestones=[40, 80], gamma=0.1)
train = dict(val_interval=1, checkpoint_interval=1, log_interval=20)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])
# 32 videos per process for training and validation; tests take one video (all its views) at a time
data = dict(
    train=dict(batch_size=32, num_workers=2),
    val=dict(batch_size=32, num_workers=2),
    test=dict(batch_size=1, num_workers=2),
)

# TSN's test protocol: 25 segments spread over the whole video (the dataset bases name their other samplers)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=25, test_mode=True)
# Pipeline steps after the sampler (MMAction2's TSN transforms, as its 0.x configs write them).
_decode_video = dict(type='DecordDecode')
_decode_frames = dict(type='RawFrameDecode')
_short_side_256 = dict(type='Resize', scale=(-1, 256))
# training crops: TSN's corner/centre crop at 4 scales, the 13-position variant of TSM, or Inception-style
_multiscale_crop = dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False,
                        max_wh_scale_gap=1)
_multiscale_crop_13 = dict(**_multiscale_crop, num_fixed_crops=13)
_random_resized_crop = dict(type='RandomResizedCrop')
_resize_to_224 = dict(type='Resize', scale=(224, 224), keep_ratio=False)
_flip = dict(type='Flip', flip_ratio=0.5)
# validation and test crops
_center_crop_224 = dict(type='CenterCrop', crop_size=224)
_center_crop_256 = dict(type='CenterCrop', crop_size=256)
_ten_crop_224 = dict(type='TenCrop', crop_size=224)
_three_crop_256 = dict(type='ThreeCrop', crop_size=256)
_format_rgb = dict(type='FormatShape', input_format='NCHW')
_format_flow = dict(type='FormatShape', input_format='NCHW_Flow')
