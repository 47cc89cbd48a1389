"""TSN R50, 8 segments, 100 epochs, Kinetics-600 decoded from videos at short side 256.

Seed (TSN page): 74.8 / 92.3 top-1/5 with 25 segments x 3 crops.
"""

_base_ = '../../_base_/tsn_kinetics_videos.py'

model = dict(num_classes=600)

_data = 'data/kinetics600'  # videos resized to short side 256
data = dict(
    num_classes=600,
    label_map=_data + '/label_map_k600.txt',
    train=dict(ann_file=_data + '/kinetics600_train_list_videos.txt', root=_data + '/videos_train', batch_size=12,
               pipeline=[_train_sampler, _decode_video, _random_resized_crop, _resize_to_224, _flip, _format_rgb]),
    val=dict(ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val', batch_size=12,
             pipeline=[_val_sampler, _decode_video, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(ann_file=_data + '/kinetics600_val_list_videos.txt', root=_data + '/videos_val',
              pipeline=[_test_sampler, _decode_video, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.00375)  # MMAction2: 0.01 * 12 / 32
train = dict(checkpoint_interval=5)
