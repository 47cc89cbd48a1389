"""Kinetics-400 validation videos (400 classes): the test split of the L/14 Kinetics-400 configs."""

model = dict(num_classes=400)
data = dict(num_classes=400, label_map='data/kinetics400/label_map_k400.txt',
            test=dict(kind='video', ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
                      root='data/kinetics400/videos_val'))
