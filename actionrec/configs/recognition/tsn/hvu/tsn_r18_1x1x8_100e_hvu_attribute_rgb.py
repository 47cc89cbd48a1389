"""TSN R18, 8 segments, 100 epochs, HVU 'attribute' tags (117 classes, multi-label).

Seed (TSN page): 46.1 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../../_base_/tsn_hvu.py'

model = dict(num_classes=117)
data = dict(num_classes=117, train=dict(ann_file=_data + '/hvu_attribute_train.json'),
            val=dict(ann_file=_data + '/hvu_attribute_val.json'), test=dict(ann_file=_data + '/hvu_attribute_val.json'))
