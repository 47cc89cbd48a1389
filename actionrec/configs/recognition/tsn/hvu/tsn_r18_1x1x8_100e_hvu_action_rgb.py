"""TSN R18, 8 segments, 100 epochs, HVU 'action' tags (739 classes, multi-label).

Seed (TSN page): 57.5 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../../_base_/tsn_hvu.py'

model = dict(num_classes=739)
data = dict(num_classes=739, train=dict(ann_file=_data + '/hvu_action_train.json'),
            val=dict(ann_file=_data + '/hvu_action_val.json'), test=dict(ann_file=_data + '/hvu_action_val.json'))
