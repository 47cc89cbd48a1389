"""TSN ResNet-18 on one tag category of HVU (Holistic Video Understanding): multi-label, 8 segments, 100 epochs.

MMAction2 0.x's `tsn_r18_1x1x8_100e_hvu_<category>_rgb` recipe, the same for the six categories: binary
cross-entropy (weight 333) over the category's tags, mean average precision per class, 25 segments x 3 crops
for testing. Each `hvu/` config names its category's lists and class count.
"""

_base_ = 'tsn_r50.py'

model = dict(name='tsn_r18')  # pretrained=True (from tsn_r50.py): torchvision's ImageNet ResNet-18

_data = 'data/hvu'  # `actionrec data prepare hvu` writes hvu_{category}_{train,val}.json here
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    multi_label=True,
    train=dict(kind='json', root=_data + '/videos_train',
               pipeline=[_train_sampler, _decode_video, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='json', root=_data + '/videos_val',
             pipeline=[_val_sampler, _decode_video, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(kind='json', root=_data + '/videos_val',
              pipeline=[_test_sampler, _decode_video, _short_side_256, _three_crop_256, _format_rgb]),
)

train = dict(loss='bce', loss_weight=333.0, val_interval=2, checkpoint_interval=1)
test = dict(metrics=['mean_average_precision'])
