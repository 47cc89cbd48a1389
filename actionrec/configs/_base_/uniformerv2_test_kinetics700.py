"""Kinetics-700 validation videos (700 classes): the test split of the L/14 Kinetics-700 configs."""

model = dict(num_classes=700)
data = dict(num_classes=700, label_map='data/kinetics700/label_map_k700.txt',
            test=dict(kind='video', ann_file='data/kinetics700/kinetics700_val_list_videos.txt',
                      root='data/kinetics700/videos_val'))
