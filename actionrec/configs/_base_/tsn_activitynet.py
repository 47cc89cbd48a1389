"""TSN on ActivityNet v1.3 (200 classes) frames, fine-tuned from a Kinetics-400 TSN checkpoint: 8 segments.

MMAction2 0.x's `tsn_r50_320p_1x1x8_50e_activitynet_video_rgb` recipe: whole videos (one label per video),
RGB, 50 epochs from the Kinetics-400 RGB 320p 8-segment checkpoint, 25 segments x 3 crops for testing.
Used as it is by that config; the `_clip_` configs read the annotated segments instead
(`frame_dir offset count label`, `with_offset`), the `_flow` configs train on TV-L1 flow for 150 epochs from
the Kinetics-400 flow checkpoint.
"""

_base_ = 'tsn_r50.py'

model = dict(num_classes=200, dropout=0.8)

_data = 'data/ActivityNet'
# Frames and flow as `actionrec data extract-frames` writes them (img_00001.jpg, x_/y_00001.jpg);
# MMAction2's ActivityNet files name them image_{:05d}.jpg / flow_{}_{:05d}.jpg instead.
_train_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8)
_val_sampler = dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)
data = dict(
    num_classes=200,
    label_map=_data + '/label_map_activitynet.txt',
    train=dict(kind='rawframes', ann_file=_data + '/anet_train_video.txt', root=_data + '/rawframes', batch_size=8,
               pipeline=[_train_sampler, _decode_frames, _short_side_256, _random_resized_crop, _resize_to_224, _flip,
                         _format_rgb]),
    val=dict(kind='rawframes', ann_file=_data + '/anet_val_video.txt', root=_data + '/rawframes', batch_size=8,
             pipeline=[_val_sampler, _decode_frames, _short_side_256, _center_crop_256, _format_rgb]),
    test=dict(kind='rawframes', ann_file=_data + '/anet_val_video.txt', root=_data + '/rawframes',
              pipeline=[_test_sampler, _decode_frames, _short_side_256, _three_crop_256, _format_rgb]),
)

optimizer = dict(lr=0.001)
schedule = dict(epochs=50, milestones=[20, 40])
train = dict(val_interval=5, checkpoint_interval=1)
load_from = ('https://download.openmmlab.com/mmaction/recognition/tsn/tsn_r50_320p_1x1x8_100e_kinetics400_rgb/'
             'tsn_r50_320p_1x1x8_100e_kinetics400_rgb_20200702-ef80e3d7.pth')
