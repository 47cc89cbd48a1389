"""Read config files into plain dicts: Python (never executed), YAML or JSON, `_base_` chains, overrides.

A Python config is a list of top-level assignments whose right-hand sides are literals:
numbers, strings, lists, tuples, dicts, `dict(k=v, **other)`, names assigned earlier in the
file (or in its bases), and arithmetic on those. That covers MMAction2's config files while
keeping a config a piece of data: nothing in it runs. Top-level names starting with one `_`
(other than `_base_`) are private helper variables and are dropped from the result.

`_base_` (a path or a list of paths, relative to the file) is merged first, in order, then
the file on top: dicts merge key by key, anything else replaces, and a dict holding
`_delete_=True` replaces its base instead of merging.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import operator
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from actionrec.errors import ActionrecError

#: limits that keep a hostile or broken config from hanging a command (alias bombs, `[0] * 10**9`)
MAX_ELEMENTS = 1_000_000
MAX_CONFIG_BYTES = 10 * 1024**2


class ConfigError(ActionrecError, ValueError):
    """A config file or key that cannot be used; the message names the file/key and the fix."""


class Unresolved:
    """A top-level value that could not be read as data (lenient reading of foreign configs).

    It only matters if something uses it: referencing it raises the error it stands for.
    """

    def __init__(self, error: ConfigError):
        self.error = error

    def __repr__(self) -> str:
        return f"Unresolved({self.error})"


_BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY_OPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class _LiteralEvaluator:
    """Evaluate the right-hand side of one assignment against the names defined so far."""

    def __init__(self, names: dict[str, Any], where: str):
        self.names = names
        self.where = where

    def _check_size(self, node: ast.BinOp, left: Any, right: Any) -> None:
        """Refuse arithmetic whose result would be huge (`[0] * 10**9`, `2 ** 10**9`) before computing it."""
        if isinstance(node.op, ast.Mult):
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_ELEMENTS:
                    raise self.fail(
                        node, f"{ast.unparse(node)!r} would make {len(seq) * count:,} elements (limit {MAX_ELEMENTS:,})"
                    )
        if isinstance(node.op, ast.Pow) and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right > 256:
                raise self.fail(node, f"{ast.unparse(node)!r}: exponent {right} is too large for a config value")

    def fail(self, node: ast.AST, what: str) -> ConfigError:
        return ConfigError(f"{self.where}:{getattr(node, 'lineno', '?')}: {what}")

    def __call__(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self(e) for e in node.elts]
            return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
        if isinstance(node, ast.Dict):
            out: dict = {}
            for k, v in zip(node.keys, node.values):
                if k is None:  # {**other}
                    out.update(self._mapping(v))
                else:
                    out[self(k)] = self(v)
            return out
        if isinstance(node, ast.Name):
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            if node.id not in self.names:
                raise self.fail(node, f"name {node.id!r} is not defined above (configs are data, not code)")
            if isinstance(self.names[node.id], Unresolved):
                raise self.names[node.id].error
            return copy.deepcopy(self.names[node.id])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("dict", "list", "tuple"):
            return self._call(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
            left, right = self(node.left), self(node.right)
            self._check_size(node, left, right)
            return _BINARY_OPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPS:
            return _UNARY_OPS[type(node.op)](self(node.operand))
        if isinstance(node, ast.Subscript):
            return self(node.value)[self(node.slice)]
        if isinstance(node, ast.JoinedStr):
            return "".join(self._fstring_part(v) for v in node.values)
        raise self.fail(
            node, f"unsupported expression {ast.unparse(node)!r}: only literals, dict(), names and arithmetic"
        )

    def _fstring_part(self, node: ast.AST) -> str:
        if isinstance(node, ast.FormattedValue):
            spec = "".join(self._fstring_part(v) for v in node.format_spec.values) if node.format_spec else ""
            return format(self(node.value), spec)
        return str(self(node))

    def _mapping(self, node: ast.AST) -> dict:
        value = self(node)
        if not isinstance(value, dict):
            raise self.fail(node, f"'**' needs a dict, got {type(value).__name__}")
        return value

    def _call(self, node: ast.Call) -> Any:
        name = node.func.id  # type: ignore[attr-defined]
        if name == "dict":
            if node.args:
                raise self.fail(node, "dict() takes keyword arguments only here")
            out: dict = {}
            for kw in node.keywords:
                if kw.arg is None:
                    out.update(self._mapping(kw.value))
                else:
                    out[kw.arg] = self(kw.value)
            return out
        if node.keywords or len(node.args) > 1:
            raise self.fail(node, f"{name}() takes one positional argument here")
        items = self(node.args[0]) if node.args else ()
        return list(items) if name == "list" else tuple(items)


def _read_python(path: Path, inherited: dict[str, Any], lenient: bool = False) -> dict[str, Any]:
    """Top-level assignments of a Python config, evaluated as literals (never executed).

    `lenient` (for MMAction2 files, of which often only `model` is needed) skips statements
    that are not assignments and keeps unreadable values as `Unresolved` instead of failing.
    """
    tree = _parse_python(path)
    names = dict(inherited)  # names from the bases can be referenced, as in MMAction2 configs
    out: dict[str, Any] = {}
    evaluate = _LiteralEvaluator(names, str(path))
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # docstring
        if isinstance(stmt, ast.With) or (isinstance(stmt, ast.ImportFrom) and stmt.module == "mmengine.config"):
            raise ConfigError(
                f"{path}:{stmt.lineno}: new-style (read_base / import) configs are not supported; "
                "use a classic config with `_base_ = [...]`"
            )
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, node = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, node = stmt.target.id, stmt.value
        elif lenient:
            continue
        else:
            raise ConfigError(
                f"{path}:{stmt.lineno}: only 'name = value' assignments are allowed in a config, "
                f"got {ast.unparse(stmt).splitlines()[0]!r}"
            )
        try:
            value = evaluate(node)
        except ConfigError as error:
            if not lenient:
                raise
            value = Unresolved(error)
        names[name] = value
        out[name] = value
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicated mapping keys (PyYAML keeps the last silently)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(f"{key_node.start_mark.name}:{line}: duplicated key {key!r} (first at line {seen[key]})")
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes `node` becomes once aliases are expanded (what a dump or a merge would copy)."""
    key = id(node)
    if key not in memo:
        memo[key] = 1  # a recursive alias counts once instead of looping
        if isinstance(node, yaml.SequenceNode):
            memo[key] = 1 + sum(_expanded_size(child, memo) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            memo[key] = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    return memo[key]


def _named_stream(text: str, path: Path) -> io.StringIO:
    """The text as a stream whose `name` PyYAML puts into its error marks."""
    stream = io.StringIO(text)
    stream.name = str(path)
    return stream


def _read_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        root = yaml.compose(_named_stream(text, path), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if root is not None and _expanded_size(root, {}) > MAX_ELEMENTS:
        raise ConfigError(
            f"{path}: the YAML expands to more than {MAX_ELEMENTS:,} values through its aliases (&anchor / *alias); "
            "a config that large is refused"
        )
    try:
        data = yaml.load(_named_stream(text, path), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping at the top level, got {type(data).__name__}")
    return data


def _parse_python(path: Path) -> ast.Module:
    """The syntax tree of a Python config (parsed, never run); a syntax error names file, line and column."""
    try:
        return ast.parse(_read_text(path), filename=str(path))
    except SyntaxError as e:
        raise ConfigError(f"{path}:{e.lineno}:{e.offset}: not valid Python: {e.msg}") from None


def _read_text(path: Path) -> str:
    """A config file's text: at most MAX_CONFIG_BYTES, UTF-8 (errors name the file)."""
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {size:,} bytes; a config file is at most {MAX_CONFIG_BYTES:,} bytes")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start}): is this a config file?") from None


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON config, e.g. the config.json a training run writes; duplicated keys are refused as in YAML."""

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ConfigError(f"{path}: duplicated key {key!r}")
            out[key] = value
        return out

    try:
        data = json.loads(_read_text(path), object_pairs_hook=unique_keys)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping at the top level, got {type(data).__name__}")
    return data


def merge(base: dict, update: dict) -> dict:
    """Recursive dict merge; `update`'s dicts merge into `base`'s unless they carry `_delete_=True`."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and value.get("_delete_"):
            out[key] = {k: copy.deepcopy(v) for k, v in value.items() if k != "_delete_"}
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def strip_delete_markers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_delete_markers(v) for k, v in value.items() if k != "_delete_"}
    if isinstance(value, list):
        return [strip_delete_markers(v) for v in value]
    return value


def read_config_file(path: str | Path, _chain: tuple[Path, ...] = (), lenient: bool = False) -> dict[str, Any]:
    """A config file with its `_base_` chain resolved, as a plain dict (private `_names` kept).

    `lenient`: see `_read_python`; unreadable top-level values come back as `Unresolved`.
    """
    path = Path(path).resolve()
    if path in _chain:
        raise ConfigError(f"{path}: circular _base_ chain: {' -> '.join(map(str, _chain + (path,)))}")
    if not path.is_file():
        where = f" (a _base_ of {_chain[-1]})" if _chain else ""
        raise ConfigError(f"config file not found: {path}{where}")
    if path.suffix == ".py":
        # Bases first: their names may be referenced by the file.
        head = _read_python_bases(path)
        merged: dict[str, Any] = {}
        for base in head:
            merged = merge(merged, read_config_file(path.parent / base, _chain + (path,), lenient))
        own = _read_python(path, merged, lenient)
    elif path.suffix in (".yaml", ".yml", ".json"):
        own = _read_json(path) if path.suffix == ".json" else _read_yaml(path)
        merged = {}
        for base in _as_list(own.get("_base_"), path):
            merged = merge(merged, read_config_file(path.parent / base, _chain + (path,), lenient))
    else:
        raise ConfigError(f"{path}: unknown config format {path.suffix!r} (expected .py, .yaml, .yml or .json)")
    own.pop("_base_", None)
    return merge(merged, own)


def _read_python_bases(path: Path) -> list[str]:
    """The `_base_` assignment of a Python config, read before the rest so names resolve."""
    for stmt in _parse_python(path).body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_base_" for t in stmt.targets):
            return _as_list(_LiteralEvaluator({}, str(path))(stmt.value), path)
    return []


def _as_list(value: Any, path: Path) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{path}: _base_ must be a path or a list of paths, got {value!r}")


def drop_private(cfg: dict[str, Any]) -> dict[str, Any]:
    """Remove helper variables (`_name`) and `_delete_` markers; what remains is the config."""
    return strip_delete_markers({k: v for k, v in cfg.items() if not k.startswith("_")})


def parse_override_value(text: str) -> Any:
    """`--cfg-options` values are Python literals when they parse as one, else plain strings."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if text.lower() in ("true", "false", "none", "null"):
            return {"true": True, "false": False, "none": None, "null": None}[text.lower()]
        return text


def apply_overrides(cfg: dict[str, Any], options: Iterable[str]) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides (list items by index: `a.0.b=value`); returns a new dict."""
    cfg = copy.deepcopy(cfg)
    for option in options:
        if "=" not in option:
            raise ConfigError(f"--cfg-options: expected 'key.path=value', got {option!r}")
        dotted, text = option.split("=", 1)
        keys = dotted.strip().split(".")
        node: Any = cfg
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, list):
                node = node[_list_index(node, key, keys[: depth + 1])]
            else:
                node = node.setdefault(key, {})
            if not isinstance(node, (dict, list)):
                raise ConfigError(
                    f"--cfg-options {dotted}: {'.'.join(keys[: depth + 1])} is a {type(node).__name__}, not a dict"
                )
        last = keys[-1]
        if isinstance(node, list):
            node[_list_index(node, last, keys)] = parse_override_value(text)
        else:
            node[last] = parse_override_value(text)
    return cfg


def _list_index(items: list, key: str, path: list[str]) -> int:
    if not key.lstrip("-").isdigit() or not -len(items) <= int(key) < len(items):
        raise ConfigError(f"--cfg-options {'.'.join(path)}: {key!r} is not an index of a list of {len(items)}")
    return int(key)
