"""TSN on Something-Something V1 (174 classes; the official JPEG frames, height 100): 8 segments, 50 epochs.

MMAction2 0.x's `tsn_r50_1x1x8_50e_sthv1_rgb` recipe: TSM-style multi-scale crops, no flip (it would swap
left and right in the labels), 8 segments x 10 crops for testing. Used as it is by that config;
`tsn_r50_1x1x16_50e_sthv1_rgb` trains on 16 segments (with flips), tests on 1 crop and steps more gently.
"""

_base_ = 'tsn_r50.py'

model = dict(num_classes=174, dropout=0.5, norm_eval=True)  # BN statistics frozen, as MMAction2 0.x's file

_data = 'data/sthv1'  # the official JPEG folders: 00001.jpg ...
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_test_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    num_classes=174,
    label_map=_data + '/label_map_sthv1.txt',
    train=dict(kind='rawframes', ann_file=_data + '/sthv1_train_list_rawframes.txt', root=_data + '/rawframes',
               filename_tmpl='{:05}.jpg', batch_size=16,
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _multiscale_crop_13, _resize_to_224,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + '/sthv1_val_list_rawframes.txt', root=_data + '/rawframes',
             filename_tmpl='{:05}.jpg', batch_size=16,
             pipeline=[_test_sampler, _decode_frames, _short_side_256, _center_crop_224, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + '/sthv1_val_list_rawframes.txt', root=_data + '/rawframes',
              filename_tmpl='{:05}.jpg',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _ten_crop_224, _format_rgb]),
)

optimizer = dict(lr=0.02, weight_decay=5e-4, grad_clip=20.0)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=5, checkpoint_interval=5)
