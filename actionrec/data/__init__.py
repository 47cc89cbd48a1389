"""The video data pipeline, one concept per module, data flowing one way.

annotations.py  annotation line  -> Sample(path, label, total_frames, offset)
sampling.py     total_frames, rng -> 0-based frame indices          (no I/O)
decoders.py     path, indices     -> uint8 frames (T, C, H, W)        (torchcodec | PyAV | decord | JPEG | flow)
transforms.py   Clip(frames, ...) -> uint8 views (V, C, H, W) or (V, C, T, H, W)
datasets.py     torch Datasets gluing the above; corrupt samples are skipped and counted
synthetic.py    the embedded synthetic action dataset
"""
