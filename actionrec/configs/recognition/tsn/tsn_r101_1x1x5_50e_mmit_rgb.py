"""TSN R101, 5 segments, 50 epochs, Multi-Moments in Time (313 classes, multi-label, BCE with weight 160).

Seed (TSN page): 61.09 mAP (per-video mAP, `mmit_mean_average_precision`); MMAction2's file tests 5 segments x
1 centre crop (256). Its validation root is the absolute '/data/mmit/videos'; 'data/mmit/videos' is used here.
The only MMiT config: it builds on the TSN base directly.
"""

_base_ = '../../_base_/tsn_r50.py'

model = dict(name='tsn_r101', num_classes=313, dropout=0.5)  # pretrained=True: torchvision's ImageNet ResNet-101

_data = 'data/mmit'
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=5, test_mode=True)
data = dict(
    num_classes=313,
    multi_label=True,
    label_map=_data + '/label_map_mmit.txt',
    train=dict(kind='video', ann_file=_data + '/mmit_train_list_videos.txt', root=_data + '/videos', batch_size=16,
               pipeline=[_train_sampler, _decode_video, _short_side_256, _multiscale_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='video', ann_file=_data + '/mmit_val_list_videos.txt', root=_data + '/videos', batch_size=16,
             pipeline=[_test_sampler, _decode_video, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='video', ann_file=_data + '/mmit_val_list_videos.txt', root=_data + '/videos',
              pipeline=[_test_sampler, _decode_video, _short_side_256, _center_crop_256, _format_rgb]),
)

# MMAction2's TSMOptimizerConstructor(fc_lr5=True): the last fc 5x lr (bias 10x, no decay), BN without decay,
# other biases 2x lr without decay (a ResNet's convs have none)
optimizer = dict(grad_clip=20.0, param_rules=[
    dict(name=r'^cls_head\.fc_cls\.weight$', lr_mult=5.0),
    dict(name=r'^cls_head\.fc_cls\.bias$', lr_mult=10.0, decay_mult=0.0),
    dict(kind='norm', decay_mult=0.0),
    dict(kind='bias', lr_mult=2.0, decay_mult=0.0)])
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(loss='bce', loss_weight=160.0, val_interval=5, checkpoint_interval=5)
test = dict(metrics=['mmit_mean_average_precision'])
