"""Model constructors by name (timm-style), with the keyword arguments each one accepts.

`register_model` names a constructor `fn(num_classes=..., pretrained=False, **kwargs) -> nn.Module`;
`accepts` lists the classes its `**kwargs` reach (e.g. `(TSN, ResNet)`), so the registry knows
every keyword a name takes and its type: `create_model` rejects a misspelt keyword with the
closest valid one, and the config schema checks a `model = dict(name=..., ...)` section with the
same table (`model_args`).
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable
from typing import Any

from torch import nn

from actionrec.errors import ActionrecError


class UnknownModelError(ActionrecError, KeyError):
    """A model name that is not registered, or a keyword a constructor does not take."""


_MODELS: dict[str, Callable[..., nn.Module]] = {}
_ACCEPTS: dict[str, tuple[Callable, ...]] = {}
# parameters the constructors set themselves (never given by a caller)
_INTERNAL = {"self", "backbone", "depth", "groups", "width_per_group", "source", "name"}


def register_model(fn: Callable[..., nn.Module] | None = None, *, accepts: tuple[Callable, ...] = ()):
    """Decorator: make `fn` available to `create_model` under its own name.

    `accepts`: the classes (or functions) that receive `fn`'s `**kwargs`, in the order they get them.
    """

    def wrap(f):
        if f.__name__ in _MODELS:
            raise ValueError(f"model {f.__name__!r} registered twice")
        _MODELS[f.__name__] = f
        _ACCEPTS[f.__name__] = accepts
        return f

    return wrap(fn) if fn is not None else wrap


def _unknown(kind: str, name: str, known) -> UnknownModelError:
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return UnknownModelError(f"unknown {kind} {name!r}{hint} (known: {', '.join(sorted(known))})")


def model_args(name: str) -> dict[str, inspect.Parameter]:
    """Every keyword argument `create_model(name, ...)` takes, with its annotation resolved to a type."""
    if name not in _MODELS:
        raise _unknown("model", name, _MODELS)
    params: dict[str, inspect.Parameter] = {}
    for target in (_MODELS[name], *_ACCEPTS[name]):
        function = target.__init__ if inspect.isclass(target) else target
        hints = typing.get_type_hints(function)
        for pname, p in inspect.signature(function).parameters.items():
            if pname in _INTERNAL or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or pname in params:
                continue
            params[pname] = p.replace(annotation=hints.get(pname, Any))
    return params


def passes_extra_kwargs(name: str) -> bool:
    """True when unknown keywords go on to a library (timm / torchvision models), or when a constructor
    takes `**kwargs` without saying where they go (`accepts`): then the receiving code checks them."""
    targets = _ACCEPTS[name] or (_MODELS[name],)
    return any(
        p.kind is p.VAR_KEYWORD
        for target in targets
        for p in inspect.signature(target.__init__ if inspect.isclass(target) else target).parameters.values()
    )


def check_model_args(name: str, kwargs: dict[str, Any], where: str = "create_model") -> None:
    """Raise naming the first keyword `name` does not take, with the closest valid one."""
    valid = model_args(name)
    if passes_extra_kwargs(name):
        return  # the library checks the rest
    for key in kwargs:
        if key not in valid:
            close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid: {', '.join(valid)}"
            raise UnknownModelError(f"{where}: model {name!r} takes no argument {key!r}{hint}")


def create_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model: `create_model('tsn_r50', num_classes=101, pretrained=True)`.

    `pretrained`: False (random init), True (the family's default initialisation: ImageNet for TSN,
    CLIP for UniFormerV2), a zoo entry name, or a checkpoint path / URL.
    """
    check_model_args(name, kwargs)
    return _MODELS[name](**kwargs)


def list_models() -> list[str]:
    return sorted(_MODELS)
