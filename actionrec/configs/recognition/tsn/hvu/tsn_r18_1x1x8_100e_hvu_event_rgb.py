"""TSN R18, 8 segments, 100 epochs, HVU 'event' tags (69 classes, multi-label).

Seed (TSN page): 63.7 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../../_base_/tsn_hvu.py'

model = dict(num_classes=69)
data = dict(num_classes=69, train=dict(ann_file=_data + '/hvu_event_train.json'),
            val=dict(ann_file=_data + '/hvu_event_val.json'), test=dict(ann_file=_data + '/hvu_event_val.json'))
