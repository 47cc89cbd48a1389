"""Model constructors by name (timm-style) and MMAction2 model-dict converters.

`register_model` names a constructor `fn(**kwargs) -> nn.Module`; `create_model(name, **kw)`
calls it. Model families also register a converter for MMAction2 `model` dicts, keyed by the
backbone `type` MMAction2 uses (e.g. 'ResNet', 'UniFormerV2'), so `build_model` can accept an
MMAction2 config without knowing any family.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from torch import nn

_MODELS: dict[str, Callable[..., nn.Module]] = {}
_MMACTION_CONVERTERS: dict[str, Callable[[dict], nn.Module]] = {}


def register_model(fn: Callable[..., nn.Module] | None = None, *, name: str | None = None):
    """Decorator: make `fn` available to `create_model` under its own name (or `name`)."""

    def wrap(f):
        key = name or f.__name__
        if key in _MODELS:
            raise ValueError(f"model {key!r} registered twice")
        _MODELS[key] = f
        return f

    return wrap(fn) if fn is not None else wrap


def register_mmaction_backbone(backbone_type: str):
    """Decorator: `fn(model_dict) -> nn.Module` builds MMAction2 models with this backbone type."""

    def wrap(f):
        _MMACTION_CONVERTERS[backbone_type] = f
        return f

    return wrap


def _unknown(kind: str, name: str, known) -> KeyError:
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return KeyError(f"unknown {kind} {name!r}{hint} (known: {len(known)}, see actionrec.models.list_models())")


def create_model(name: str, **kwargs) -> nn.Module:
    if name not in _MODELS:
        raise _unknown("model", name, _MODELS)
    return _MODELS[name](**kwargs)


def list_models() -> list[str]:
    return sorted(_MODELS)


def mmaction_converter(backbone_type: str) -> Callable[[dict], nn.Module]:
    if backbone_type not in _MMACTION_CONVERTERS:
        raise _unknown("MMAction2 backbone type", backbone_type, _MMACTION_CONVERTERS)
    return _MMACTION_CONVERTERS[backbone_type]
