"""TSN R18, 8 segments, 100 epochs, HVU 'scene' tags (248 classes, multi-label).

Seed (TSN page): 55.2 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../../_base_/tsn_hvu.py'

model = dict(num_classes=248)
data = dict(num_classes=248, train=dict(ann_file=_data + '/hvu_scene_train.json'),
            val=dict(ann_file=_data + '/hvu_scene_val.json'), test=dict(ann_file=_data + '/hvu_scene_val.json'))
