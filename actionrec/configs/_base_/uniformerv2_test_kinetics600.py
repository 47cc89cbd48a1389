"""Kinetics-600 validation videos (600 classes): the test split of the L/14 Kinetics-600 configs."""

model = dict(num_classes=600)
data = dict(num_classes=600, label_map='data/kinetics600/label_map_k600.txt',
            test=dict(kind='video', ann_file='data/kinetics600/kinetics600_val_list_videos.txt',
                      root='data/kinetics600/videos_val'))
