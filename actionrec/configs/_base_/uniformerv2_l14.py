"""UniFormerV2-L/14 at 224 px, 8 frames, as MMAction2's configs for the OpenGVLab weights build it.

A CLIP ViT-L/14 with global UniBlocks on its last 4 layers, local UniBlocks off (FACTS §3.11).
`t_size` only describes the clip length; no weight depends on it. MMAction2's files for these rows are
test-only (migrated weights), and so are ours: every L/14 config lists this file and the
`uniformerv2_test_*` base of its dataset (Kinetics-400/600/700/710, MiT). The 16- and 32-frame and the @336
rows set `t_size` and `input_resolution` and test with the matching protocol below.
For Kinetics-400/600/700, MMAction2's files read the original repository's lists (`data/k400/val.csv`,
comma-separated); here the lists `actionrec data prepare kinetics400` (600, 700) writes. Top-1 differs between
the two copies of Kinetics (the seed's 'reference' vs 'mm-Kinetics' columns).
"""

# CLIP ViT-L/14 + global UniBlocks on its last 4 layers (`uniformerv2_l14`'s defaults); the @336 rows switch to
# `uniformerv2_l14_336`. Test-only rows: weights come from the checkpoint.
model = dict(name='uniformerv2_l14', num_classes=400)
test = dict(metrics=['top_k_accuracy', 'mean_class_accuracy'], topk=[1, 5])

# Test protocols: frames x clips, each clip as 3 crops at the model's resolution (the seed's tables).
_sample_8x4 = dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True)
_sample_16x4 = dict(type='UniformSample', clip_len=16, num_clips=4, test_mode=True)
_sample_32x2 = dict(type='UniformSample', clip_len=32, num_clips=2, test_mode=True)
_decode = dict(type='DecordDecode')
_resize_224 = dict(type='Resize', scale=(-1, 224))
_three_crop_224 = dict(type='ThreeCrop', crop_size=224)
_resize_336 = dict(type='Resize', scale=(-1, 336))
_three_crop_336 = dict(type='ThreeCrop', crop_size=336)
_format = dict(type='FormatShape', input_format='NCTHW')
data = dict(test=dict(pipeline=[_sample_8x4, _decode, _resize_224, _three_crop_224, _format], batch_size=16,
                      num_workers=8))
