"""Training and testing, one concept per module.

trainer.py        the epoch loop (set-up, step, validation, checkpoints)
optim.py          optimizers, parameter groups, LR scaling rule, LR schedules
checkpointing.py  atomic checkpoint files, RNG states, resume
distributed.py    torch.distributed helpers (torchrun environment)
data.py           train/eval loaders: (seed, epoch) order, rank shards, mid-epoch skip
evaluate.py       the test loop, gathering across ranks, metrics, score dumps
logging.py        JSON-lines / TensorBoard logs
benchmark.py      inference speed and memory
"""
