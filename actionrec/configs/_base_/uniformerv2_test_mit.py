"""Moments in Time v1 validation videos (339 classes): the test split of the two L/14 MiT configs.

MMAction2's files read `data/mit_v1/val.csv` (the original repository's list); here the lists
`actionrec data prepare mit` writes.
"""

model = dict(num_classes=339)
data = dict(num_classes=339, label_map='data/mit/label_map_mit.txt',
            test=dict(kind='video', ann_file='data/mit/mit_val_list_videos.txt', root='data/mit/videos/validation'))
