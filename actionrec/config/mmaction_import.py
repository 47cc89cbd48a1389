"""Map an MMAction2 config (1.x or 0.x style, `_base_` already merged) onto actionrec's schema.

Only what has a meaning here is carried over; everything else is listed in `ignored` with
the reason, so nobody believes a hook or a runtime knob took effect when it did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .loader import ConfigError
from .mmaction_model import translate_model

# Keys of MMAction2 configs that are runtime plumbing with no counterpart here.
_RUNTIME_KEYS = {
    "default_scope",
    "env_cfg",
    "log_processor",
    "visualizer",
    "vis_backends",
    "log_level",
    "launcher",
    "dist_params",
    "workflow",
    "custom_hooks",
    "resume",
    "resume_from",
    "file_client_args",
    "opencv_num_threads",
    "mp_start_method",
    "val_cfg",
    "test_cfg",
    "gpu_ids",
    "find_unused_parameters",
    "omnisource",
}
_1X_KEYS = ("train_dataloader", "val_dataloader", "test_dataloader", "optim_wrapper", "param_scheduler", "train_cfg")
_0X_KEYS = ("lr_config", "total_epochs", "optimizer_config", "checkpoint_config", "evaluation")


def is_mmaction_config(cfg: dict[str, Any]) -> bool:
    """True for MMAction2-style dicts (their own sections), False for actionrec's schema."""
    if any(k in cfg for k in _1X_KEYS + _0X_KEYS):
        return True
    data = cfg.get("data")
    return isinstance(data, dict) and any(
        isinstance(data.get(s), dict) and "type" in data[s] for s in ("train", "val", "test")
    )


def convert_mmaction(cfg: dict[str, Any], source: str = "config") -> tuple[dict[str, Any], list[str]]:
    """MMAction2 dict -> (actionrec dict, list of 'key: why it was ignored')."""
    run = _Import(cfg, source)
    out = {"model": run.model(), "data": run.data()}
    sections = {"optimizer": run.optimizer(), "schedule": run.schedule(), "train": run.train, "test": run.test}
    run.hooks_and_evaluation()
    out.update({key: value for key, value in sections.items() if value})
    for key in ("work_dir", "load_from"):
        if cfg.get(key) is not None:
            out[key] = run.take(key)
    run.report_leftovers()
    return out, run.ignored


@dataclass
class _Import:
    """One MMAction2 config being read section by section; `take` records what was used."""

    cfg: dict[str, Any]
    source: str
    ignored: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    train: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)

    def take(self, key: str) -> Any:
        self.used.add(key)
        return self.cfg.get(key)

    def model(self) -> dict[str, Any]:
        """The model (translated to a model spec) and what its head says about the loss and testing."""
        model = self.take("model")
        if not isinstance(model, dict):
            raise ConfigError(f"{self.source}: an MMAction2 config needs a 'model' dict")
        head = model.get("cls_head") or {}
        loss = head.get("loss_cls") or {}
        if loss.get("type") in ("BCELossWithLogits", "BCELoss"):
            self.train["loss"] = "bce"
        if "loss_weight" in loss:
            self.train["loss_weight"] = loss["loss_weight"]
        if head.get("label_smooth_eps"):
            self.train["label_smoothing"] = head["label_smooth_eps"]
        test_cfg = model.get("test_cfg") or {}  # 0.x keeps max_testing_views / average_clips here
        if test_cfg.get("max_testing_views"):
            self.test["max_testing_views"] = test_cfg["max_testing_views"]
        return translate_model(model, self.cfg, f"{self.source}: model")

    def data(self) -> dict[str, Any]:
        """0.x `data=dict(train=..., ...)` or 1.x `*_dataloader`s -> the data section."""
        cfg = self.cfg
        if "data" in cfg and isinstance(cfg["data"], dict) and "train_dataloader" not in cfg:
            data = _data_0x(self.take("data"), self.ignored)
        else:
            data = {
                split: _split_1x(self.take(f"{split}_dataloader"), f"{split}_dataloader", self.ignored)
                for split in ("train", "val", "test")
                if isinstance(cfg.get(f"{split}_dataloader"), dict)
            }
        facts = _pop_dataset_facts(data)
        num_classes = ((cfg.get("model") or {}).get("cls_head") or {}).get("num_classes") or facts.get("num_classes")
        if num_classes is None:
            raise ConfigError(
                f"{self.source}: cannot tell the number of classes (model.cls_head.num_classes is missing)"
            )
        if facts.get("multi_label") and "loss" not in self.train:
            self.train["loss"] = "bce"
        return {"num_classes": num_classes, "multi_label": facts.get("multi_label", False), **data}

    def optimizer(self) -> dict[str, Any]:
        """`optim_wrapper` (1.x) or `optimizer` + `optimizer_config` (0.x), and `auto_scale_lr`."""
        optimizer: dict[str, Any] = {}
        if "optim_wrapper" in self.cfg:
            optimizer.update(_optim_wrapper(self.take("optim_wrapper"), self.train, self.ignored))
        if isinstance(self.cfg.get("optimizer"), dict):
            optimizer.update(_optimizer(self.take("optimizer"), "optimizer", self.ignored))
        if isinstance(self.cfg.get("optimizer_config"), dict):
            clip = self.take("optimizer_config").get("grad_clip") or {}
            if clip.get("max_norm") is not None:
                optimizer["grad_clip"] = clip["max_norm"]
        scale = self.take("auto_scale_lr")
        if isinstance(scale, dict):
            if scale.get("enable"):
                optimizer["base_batch_size"] = scale["base_batch_size"]
            else:
                self.ignored.append("auto_scale_lr: enable=False, so MMAction2 does not scale the lr either")
        return optimizer

    def schedule(self) -> dict[str, Any]:
        """`param_scheduler` + `train_cfg` (1.x) or `lr_config` + `total_epochs` (0.x)."""
        schedule: dict[str, Any] = {}
        if "param_scheduler" in self.cfg:
            schedule.update(_param_scheduler(self.take("param_scheduler"), self.ignored))
        if isinstance(self.cfg.get("lr_config"), dict):
            schedule.update(_lr_config(self.take("lr_config"), self.ignored))
        if "total_epochs" in self.cfg:
            schedule["epochs"] = self.take("total_epochs")
        train_cfg = self.take("train_cfg")
        if isinstance(train_cfg, dict):
            if "max_epochs" in train_cfg:
                schedule["epochs"] = train_cfg["max_epochs"]
            if "val_interval" in train_cfg:
                self.train["val_interval"] = train_cfg["val_interval"]
            if train_cfg.get("type", "EpochBasedTrainLoop") != "EpochBasedTrainLoop":
                self.ignored.append(f"train_cfg.type={train_cfg['type']!r}: only epoch-based training exists here")
        return schedule

    def hooks_and_evaluation(self) -> None:
        """Checkpoint / log intervals, evaluation metrics and the seed, from hooks (1.x) or their 0.x keys."""
        train, test = self.train, self.test
        hooks = self.take("default_hooks") or {}
        if "checkpoint" in hooks:
            train["checkpoint_interval"] = hooks["checkpoint"].get("interval", 1)
            if hooks["checkpoint"].get("max_keep_ckpts"):
                train["max_keep_checkpoints"] = hooks["checkpoint"]["max_keep_ckpts"]
        if "logger" in hooks:
            train["log_interval"] = hooks["logger"].get("interval", 20)
        for name in sorted(set(hooks) - {"checkpoint", "logger"}):
            self.ignored.append(f"default_hooks.{name}: hooks are built into the trainer")
        if isinstance(self.cfg.get("checkpoint_config"), dict):
            train["checkpoint_interval"] = self.take("checkpoint_config").get("interval", 1)
        if isinstance(self.cfg.get("log_config"), dict):
            train["log_interval"] = self.take("log_config").get("interval", 20)
        if isinstance(self.cfg.get("evaluation"), dict):
            evaluation = self.take("evaluation")
            train["val_interval"] = evaluation.get("interval", 1)
            if evaluation.get("metrics"):
                test["metrics"] = _as_list(evaluation["metrics"])
        randomness = self.take("randomness") or {}
        if randomness.get("seed") is not None:
            train["seed"] = randomness["seed"]
        for key in ("test_evaluator", "val_evaluator"):
            evaluator = self.take(key)
            if isinstance(evaluator, dict) and evaluator.get("metric_list") and key == "test_evaluator":
                test["metrics"] = _as_list(evaluator["metric_list"])
            elif isinstance(evaluator, dict) and evaluator.get("type") not in (None, "AccMetric"):
                self.ignored.append(f"{key}.type={evaluator['type']!r}: use test.metrics")

    def report_leftovers(self) -> None:
        """Every top-level key not used: runtime plumbing, or a setting actionrec does not have."""
        for key in sorted(set(self.cfg) - self.used - {"work_dir", "load_from"}):
            if key.startswith("_"):
                continue
            if key in _RUNTIME_KEYS:
                self.ignored.append(f"{key}: MMAction2 runtime setting with no counterpart")
            elif not isinstance(self.cfg[key], (dict, list)) or key.endswith(("_pipeline", "_args")):
                continue  # helper variables of the file (data_root, num_frames, train_pipeline, ...)
            else:
                self.ignored.append(f"{key}: not used by actionrec")


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _dataset_to_split(dataset: dict[str, Any], where: str, ignored: list[str]) -> dict[str, Any]:
    dataset = dict(dataset)
    kind = {"VideoDataset": "video", "RawframeDataset": "rawframes"}.get(dataset.pop("type", "VideoDataset"))
    if kind is None:
        raise ConfigError(f"{where}.dataset.type must be VideoDataset or RawframeDataset (others cannot be imported)")
    ann_file = dataset.pop("ann_file")
    split: dict[str, Any] = {"ann_file": ann_file, "kind": "json" if str(ann_file).endswith(".json") else kind}
    prefix = dataset.pop("data_prefix", "")
    if isinstance(prefix, dict):
        prefix = prefix.get("video") or prefix.get("img") or ""
    root = dataset.pop("data_root", "") or ""
    split["root"] = f"{root.rstrip('/')}/{prefix}" if root and prefix else (prefix or root)
    split["pipeline"] = list(dataset.pop("pipeline", []))
    for ours, theirs in (
        ("modality", "modality"),
        ("delimiter", "delimiter"),
        ("with_offset", "with_offset"),
        ("filename_tmpl", "filename_tmpl"),
        ("start_index", "start_index"),
    ):
        if theirs in dataset:
            split[ours] = dataset.pop(theirs)
    split["_multi_label"] = dataset.pop("multi_class", False)
    split["_num_classes"] = dataset.pop("num_classes", None)
    dataset.pop("test_mode", None)  # implied by the split
    if dataset.pop("sample_by_class", False):
        ignored.append(f"{where}.dataset.sample_by_class=True: samples are drawn uniformly, not class-balanced")
    dataset.pop("power", None)  # only read with sample_by_class
    for key in dataset:
        ignored.append(f"{where}.dataset.{key}: not supported")
    return split


def _split_1x(loader: dict[str, Any], where: str, ignored: list[str]) -> dict[str, Any]:
    dataset = loader["dataset"]
    while dataset.get("type") == "RepeatDataset":
        ignored.append(f"{where}.dataset: RepeatDataset(times={dataset.get('times')}) unwrapped")
        dataset = dataset["dataset"]
    split = _dataset_to_split(dataset, where, ignored)
    split["batch_size"] = loader.get("batch_size", 1)
    split["num_workers"] = loader.get("num_workers", 2)
    return split


def _data_0x(data: dict[str, Any], ignored: list[str]) -> dict[str, Any]:
    out = {}
    for split in ("train", "val", "test"):
        if not isinstance(data.get(split), dict):
            continue
        split_cfg = _dataset_to_split(data[split], f"data.{split}", ignored)
        per_split = data.get(f"{split}_dataloader") or {}
        split_cfg["batch_size"] = per_split.get("videos_per_gpu", data.get("videos_per_gpu", 1))
        split_cfg["num_workers"] = per_split.get("workers_per_gpu", data.get("workers_per_gpu", 2))
        out[split] = split_cfg
    return out


def _pop_dataset_facts(data: dict[str, dict]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for split in data.values():
        multi, num = split.pop("_multi_label"), split.pop("_num_classes")
        facts["multi_label"] = facts.get("multi_label", False) or bool(multi)
        if num is not None:
            facts["num_classes"] = num
    return facts


def _optimizer(opt: dict[str, Any], where: str, ignored: list[str]) -> dict[str, Any]:
    opt = dict(opt)
    kind = str(opt.pop("type", "SGD")).lower()
    if kind not in ("sgd", "adamw"):
        raise ConfigError(f"{where}.type={kind!r}: only SGD and AdamW are supported")
    out: dict[str, Any] = {"type": kind}
    for key in ("lr", "momentum", "weight_decay", "nesterov"):
        if key in opt:
            out[key] = opt.pop(key)
    if "betas" in opt:
        out["betas"] = tuple(opt.pop("betas"))
    constructor, paramwise = opt.pop("constructor", None), opt.pop("paramwise_cfg", None)  # 0.x keeps them here
    out.update(_per_parameter(constructor, paramwise, where, ignored))
    opt.pop("eps", None)
    for key in opt:
        ignored.append(f"{where}.{key}: not supported")
    return out


_DEFAULT_CONSTRUCTORS = (None, "DefaultOptimizerConstructor", "DefaultOptimWrapperConstructor")
_TSM_CONSTRUCTORS = ("TSMOptimizerConstructor", "TSMOptimWrapperConstructor")


def _per_parameter(constructor: str | None, paramwise: Any, where: str, ignored: list[str]) -> dict[str, Any]:
    """An optimizer constructor and its `paramwise_cfg` -> `param_rules` / `zero_wd_norm_bias`."""
    paramwise = dict(paramwise or {})
    if constructor in _TSM_CONSTRUCTORS:
        fc_lr5 = bool(paramwise.pop("fc_lr5", False))
        for key in paramwise:
            ignored.append(f"{where}.paramwise_cfg.{key}: {constructor} reads only fc_lr5")
        return {"param_rules": tsm_param_rules(fc_lr5)}
    if constructor not in _DEFAULT_CONSTRUCTORS:
        ignored.append(
            f"{where}.constructor={constructor!r}: no counterpart; every parameter gets the base lr and decay"
        )
        return {}
    norm, bias = paramwise.pop("norm_decay_mult", None), paramwise.pop("bias_decay_mult", None)
    for key, value in paramwise.items():
        ignored.append(f"{where}.paramwise_cfg.{key}={value!r}: not supported")
    if norm is None and bias is None:
        return {}
    if norm == 0 and bias == 0:
        return {"zero_wd_norm_bias": True}
    ignored.append(
        f"{where}.paramwise_cfg: norm_decay_mult={norm!r}, bias_decay_mult={bias!r}: "
        "only both 0 maps (zero_wd_norm_bias)"
    )
    return {}


def tsm_param_rules(fc_lr5: bool) -> list[dict[str, Any]]:
    """MMAction2's TSM optimizer constructor as rules (first match wins).

    Its `add_params`: the last Linear (the head's `fc_cls`) gets 5x lr with decay and its bias 10x lr
    without decay when `fc_lr5`; norm layers keep the lr without decay; every other bias 2x lr without
    decay; weights (the first conv's included) the base lr and decay.
    """
    head = [
        {"name": r"^cls_head\.fc_cls\.weight$", "lr_mult": 5.0},
        {"name": r"^cls_head\.fc_cls\.bias$", "lr_mult": 10.0, "decay_mult": 0.0},
    ]
    rest = [{"kind": "norm", "decay_mult": 0.0}, {"kind": "bias", "lr_mult": 2.0, "decay_mult": 0.0}]
    return (head if fc_lr5 else []) + rest


_WRAPPER_KEYS = ("type", "optimizer", "constructor", "paramwise_cfg", "clip_grad", "accumulative_counts", "loss_scale")


def _optim_wrapper(wrapper: dict[str, Any], train: dict[str, Any], ignored: list[str]) -> dict[str, Any]:
    where = "optim_wrapper"
    out = _optimizer(wrapper.get("optimizer", {}), f"{where}.optimizer", ignored)
    out.update(_per_parameter(wrapper.get("constructor"), wrapper.get("paramwise_cfg"), where, ignored))
    clip = wrapper.get("clip_grad") or {}
    if clip.get("max_norm") is not None:
        out["grad_clip"] = clip["max_norm"]
        if clip.get("norm_type", 2) != 2:
            ignored.append(f"{where}.clip_grad.norm_type={clip['norm_type']!r}: gradients are clipped by their L2 norm")
    if wrapper.get("accumulative_counts"):
        out["accumulate_steps"] = wrapper["accumulative_counts"]
    kind = wrapper.get("type", "OptimWrapper")
    if kind == "AmpOptimWrapper":
        train["amp"] = "fp16"
    elif kind != "OptimWrapper":
        ignored.append(f"{where}.type={kind!r}: trained as a plain OptimWrapper")
    if "loss_scale" in wrapper:
        ignored.append(f"{where}.loss_scale: fp16 uses torch's dynamic GradScaler")
    for key in wrapper:
        if key not in _WRAPPER_KEYS:
            ignored.append(f"{where}.{key}: not supported")
    return out


def _param_scheduler(schedulers: Any, ignored: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"policy": "constant"}
    for i, s in enumerate(_as_list(schedulers)):
        kind = s.get("type")
        if kind == "LinearLR" and s.get("begin", 0) == 0:
            out["warmup_start_factor"] = s.get("start_factor", 1 / 3)
            out["warmup_epochs"] = s.get("end", 0)
        elif kind == "MultiStepLR":
            out.update(policy="multistep", milestones=list(s["milestones"]), gamma=s.get("gamma", 0.1))
        elif kind in ("CosineAnnealingLR",):
            out["policy"] = "cosine"
            if s.get("eta_min_ratio") is not None:
                out["eta_min_ratio"] = s["eta_min_ratio"]
            else:
                out["eta_min"] = s.get("eta_min", 0.0)
        else:
            ignored.append(f"param_scheduler.{i}: {kind!r} has no counterpart")
    return out


def _lr_config(lr: dict[str, Any], ignored: list[str]) -> dict[str, Any]:
    policy = lr.get("policy", "step")
    out: dict[str, Any] = {}
    if policy == "step":
        step = lr.get("step", [])
        out.update(policy="multistep", milestones=_as_list(step), gamma=lr.get("gamma", 0.1))
    elif policy == "CosineAnnealing":
        out["policy"] = "cosine"
        if lr.get("min_lr_ratio") is not None:
            out["eta_min_ratio"] = lr["min_lr_ratio"]
        else:
            out["eta_min"] = lr.get("min_lr", 0.0)
    elif policy == "fixed":
        out["policy"] = "constant"
    else:
        ignored.append(f"lr_config.policy={policy!r}: no counterpart")
    if lr.get("warmup"):
        if lr["warmup"] != "linear" or not lr.get("warmup_by_epoch", False):
            ignored.append("lr_config.warmup: only linear warm-up counted in epochs maps")
        else:
            out["warmup_epochs"] = lr.get("warmup_iters", 0)
            out["warmup_start_factor"] = lr.get("warmup_ratio", 0.1)
    return out
