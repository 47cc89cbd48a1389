"""TSN R18, 8 segments, 100 epochs, HVU 'concept' tags (291 classes, multi-label).

Seed (TSN page): 47.5 mAP (per-class mAP, `mean_average_precision`); MMAction2's file tests 25 segments x 3 crops.
"""

_base_ = '../../../_base_/tsn_hvu.py'

model = dict(num_classes=291)
data = dict(num_classes=291, train=dict(ann_file=_data + '/hvu_concept_train.json'),
            val=dict(ann_file=_data + '/hvu_concept_val.json'), test=dict(ann_file=_data + '/hvu_concept_val.json'))
