"""Read checkpoint files without ever executing code stored in them.

A `.pth` is a pickle, and a pickle can name any importable function and call it while loading
(`os.system`, `builtins.eval`, ...). actionrec therefore only unpickles through allow-lists:

1. `torch.load(weights_only=True)`, torch's own restricted unpickler, with exactly the NumPy
   globals that zoo checkpoints carry in their `meta` (arrays, scalars and dtypes, under both the
   NumPy 1.x `numpy.core.*` and 2.x `numpy._core.*` names) allow-listed. This reads plain state
   dicts and most 0.x checkpoints.
2. When torch refuses, or a static scan of the pickle shows that it would (MMEngine checkpoints hold
   `mmengine.logging.history_buffer.HistoryBuffer` objects that cannot even be imported without
   mmengine; timm/DeiT training checkpoints hold
   `argparse.Namespace`), `torch.load` runs again with a restricted pickle module whose
   `find_class` is the only gate to any Python object: it returns objects from a fixed map of
   tensor-rebuilding functions, containers and NumPy constructors, or a freshly made `Placeholder`
   subclass for a foreign *class*. A placeholder only records what it is given, so nothing
   foreign runs. Functions and anything from modules that can run code (os, subprocess,
   builtins, importlib, ...) are refused with an `UnsafeCheckpointError` naming the global:
   such a file is an attack, not a foreign checkpoint, and should not load quietly. (Safety
   does not rest on that list being complete: a placeholder never calls anything.)
   torch still does the tensor bookkeeping (zip or legacy layout, storages, `map_location`).

TorchScript archives (OpenAI's CLIP `.pt` files) are loaded with `torch.jit.load`. Their pickles
are read by torch's C++ unpickler, which resolves only TorchScript types (torch built-ins and
the `__torch__.*` classes compiled from the archive's TorchScript source), never Python
globals; the only archive code that runs while loading is TorchScript (`__setstate__` methods),
a language without access to Python, imports or the file system. Only the module's
`state_dict()` leaves this file.

safetensors files are plain tensor data by design and go through the `safetensors` package.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import functools
import io
import logging
import os
import pickle
import types
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from actionrec.errors import ActionrecError

log = logging.getLogger(__name__)

# torch.save's legacy (pre-1.6, non-zip) format begins with the pickled magic number
# 0x1950a86a20f9469cfc6c (protocol 2, LONG1 with 10 bytes).
_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"

# Containers that checkpoints nest their weights in, tried in this order.
STATE_DICT_KEYS = ("state_dict", "model", "module", "model_state")

# Modules whose members are never replaced by a placeholder: a pickle that names them is not a
# foreign data object but an attempt to run code, and the user must hear about it.
_CODE_MODULES = frozenset(
    "os posix nt sys subprocess builtins __builtin__ importlib runpy shutil pickle _pickle "
    "marshal ctypes socket code codeop pty webbrowser multiprocessing types functools operator "
    "io _io tempfile pathlib signal threading _thread asyncio inspect copyreg pdb timeit "
    "platform sysconfig site".split()
)


class CheckpointError(ActionrecError, RuntimeError):
    """A checkpoint that cannot be read or does not fit; the message names the file."""


class UnsafeCheckpointError(CheckpointError):
    """The file asks the unpickler for a function or code-running global; nothing was executed."""


class CheckpointWarning(UserWarning):
    """Part of a checkpoint was replaced by a placeholder (foreign class, not a tensor)."""


class Placeholder(dict):
    """Stands in for an object of a foreign class (e.g. mmengine's `HistoryBuffer`).

    It accepts every way pickle builds objects (constructor arguments, `__setstate__`, dict
    items, list items) and only records them, so no foreign code runs. It subclasses dict
    because some foreign classes do and are pickled with their items.
    """

    foreign_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any):
        obj = super().__new__(cls)
        obj.args = args
        obj.state = None
        obj.items_list = []
        return obj

    def __init__(self, *args: Any, **kwargs: Any):  # pickle's REDUCE calls cls(*args)
        super().__init__()

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def append(self, item: Any) -> None:
        self.items_list.append(item)

    def extend(self, items: Any) -> None:
        self.items_list.extend(items)

    def __repr__(self) -> str:
        return f"<placeholder for {self.foreign_name}>"


# -- the allow-lists -------------------------------------------------------------------------
def _numpy_multiarray() -> types.ModuleType:
    try:
        from numpy._core import multiarray  # NumPy >= 2
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray
    return multiarray


def _numpy_globals() -> dict[str, Any]:
    """NumPy objects that pickled arrays, scalars and dtypes name, under 1.x and 2.x spellings."""
    multiarray = _numpy_multiarray()
    found: dict[str, Any] = {"numpy.ndarray": np.ndarray, "numpy.dtype": np.dtype}
    for package in ("numpy.core", "numpy._core"):
        found[f"{package}.multiarray._reconstruct"] = multiarray._reconstruct
        found[f"{package}.multiarray.scalar"] = multiarray.scalar
    return found


def _numpy_dtype_classes() -> list[type]:
    """The concrete dtype classes (`numpy.dtypes.Float64DType`, ...) that a pickled dtype becomes."""
    return sorted({type(np.dtype(code)) for code in "?bBhHiIlLqQefdgFDGSUVOMm"}, key=str)


def _safe_storage_from_bytes(data: bytes) -> Any:
    """Plain pickles of tensors store each storage as `torch.save` bytes; read them weights-only."""
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


@functools.cache
def _safe_globals() -> dict[str, Any]:
    """Everything the restricted unpickler may hand to a pickle, by its pickled dotted name."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.complex": complex,
        "builtins.bytearray": bytearray,
        "_codecs.encode": codecs.encode,  # protocol-2 pickles spell bytes as encode(str, 'latin1')
        "torch.Size": torch.Size,
        "torch.device": torch.device,
        "torch.Tensor": torch.Tensor,
        "torch.nn.parameter.Parameter": torch.nn.Parameter,
        "torch.UntypedStorage": torch.UntypedStorage,
        "torch.storage.UntypedStorage": torch.UntypedStorage,
        "torch.storage._load_from_bytes": _safe_storage_from_bytes,
        "torch._tensor._rebuild_from_type_v2": torch._tensor._rebuild_from_type_v2,
    }
    for name in (
        "_rebuild_tensor",
        "_rebuild_tensor_v2",
        "_rebuild_tensor_v3",
        "_rebuild_parameter",
        "_rebuild_parameter_with_state",
        "_rebuild_device_tensor_from_cpu_tensor",
        "_rebuild_device_tensor_from_numpy",
        "_rebuild_meta_tensor_no_storage",
    ):
        allowed[f"torch._utils.{name}"] = getattr(torch._utils, name)
    for value in vars(torch).values():
        if isinstance(value, torch.dtype):
            allowed[str(value)] = value  # 'torch.float32'
    allowed.update(_numpy_globals())
    return allowed


def _resolve_global(module: str, name: str, source: str, placeholders: dict[str, type]) -> Any:
    """The restricted unpickler's `find_class`: allowed object, placeholder class, or refusal."""
    # protocol-2 pickles spell some globals as Python 2 did (__builtin__.eval, commands.Popen)
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    full_name = f"{module}.{name}"
    allowed = _safe_globals()
    if full_name in allowed:
        return allowed[full_name]
    if full_name in placeholders:
        return placeholders[full_name]
    leaf = name.rsplit(".", 1)[-1]
    if module.split(".")[0] in _CODE_MODULES or not leaf[:1].isupper():
        raise UnsafeCheckpointError(
            f"{source}: refusing to unpickle the global '{full_name}': it is a function or comes "
            "from a module that can run code, not a data class, so loading this file could execute "
            "code (nothing was executed). actionrec reads tensors, plain containers, numbers, "
            "strings and NumPy arrays only; if you trust the file, re-save it as a plain state dict."
        )
    placeholder = type(leaf, (Placeholder,), {"foreign_name": full_name, "__module__": __name__})
    placeholders[full_name] = placeholder
    warnings.warn(
        f"{source}: objects of class {full_name} are kept as inert placeholders "
        "(the class is neither imported nor run)",
        CheckpointWarning,
        stacklevel=2,
    )
    return placeholder


def _restricted_pickle_module(source: str) -> types.SimpleNamespace:
    """A stand-in for the `pickle` module whose unpickler resolves globals via `_resolve_global`.

    One per file read, so each foreign class is warned about once per file.
    """
    placeholders: dict[str, type] = {}

    class RestrictedUnpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            return _resolve_global(module, name, source, placeholders)

    def load(file, **kwargs) -> Any:
        return RestrictedUnpickler(file, **kwargs).load()

    return types.SimpleNamespace(__name__="actionrec_restricted_pickle", Unpickler=RestrictedUnpickler, load=load)


def read_pickle(path: str | os.PathLike) -> Any:
    """A plain (non-torch.save) pickle, e.g. a score dump, through the restricted unpickler."""
    path = _check_file(path)
    with open(path, "rb") as f:
        try:
            return _restricted_pickle_module(str(path)).load(f)
        except UnsafeCheckpointError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
            raise CheckpointError(f"{path}: not a readable pickle ({type(e).__name__}: {e})") from e


# -- file kinds ------------------------------------------------------------------------------
def _check_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a directory, expected a checkpoint file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: the file is empty (0 bytes); the download or save did not complete")
    return path


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    header_len = int.from_bytes(head[:8], "little")
    return 0 < header_len <= size - 8 and head[8:9] == b"{"


def _describe(head: bytes) -> str:
    """What a file that is not a checkpoint looks like, from its first bytes."""
    signatures = [
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\x89PNG", "a PNG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"\x89HDF", "an HDF5 file (Keras/TensorFlow weights?)"),
        (b"\x93NUMPY", "a NumPy .npy array"),
        (b"%PDF", "a PDF document"),
        (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
        (b"RIFF", "a RIFF file (AVI video or WebP image)"),
    ]
    for magic, what in signatures:
        if head.startswith(magic):
            return what
    if head[4:8] == b"ftyp":
        return "an MP4/MOV video"
    if head[257:262] == b"ustar":
        return "a tar archive (PyTorch <= 0.3 saved checkpoints so; re-save it with a newer torch)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the sample
            return f"binary data of an unknown kind (first bytes {head[:16]!r})"
        text = head[: e.start].decode("utf-8")
    if text.startswith("version https://git-lfs"):
        return "a Git LFS pointer (run `git lfs pull` to fetch the real file)"
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        return "an HTML page (an error page saved in place of the download?)"
    if "\x00" in text:
        return f"binary data of an unknown kind (first bytes {head[:16]!r})"
    first_line = text.strip().splitlines()[0][:60] if text.strip() else ""
    return f"a text file (starting {first_line!r})"


def _zip_records(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError) as e:
        raise CheckpointError(
            f"{path}: truncated or corrupt torch.save zip archive ({e}); the download or save did "
            "not complete, fetch the file again"
        ) from e


# -- reading ---------------------------------------------------------------------------------
def read_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> Any:
    """Everything `torch.save` stored in `path`, read without executing pickled code.

    Supports torch.save zip and legacy files, TorchScript archives (returns their state dict),
    safetensors and plain pickles. Foreign non-tensor objects become `Placeholder`s (with a
    `CheckpointWarning`); code-running globals raise `UnsafeCheckpointError`.
    """
    path = _check_file(path)
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith(b"PK\x03\x04"):
        records = _zip_records(path)
        if any(r.endswith("constants.pkl") for r in records):
            return _read_torchscript(path, map_location)
        if not any(r.endswith("data.pkl") for r in records):
            raise CheckpointError(f"{path}: a zip archive without data.pkl, not a torch.save checkpoint")
        return _torch_load(path, map_location, is_zip=True)
    if head.startswith(_LEGACY_MAGIC):
        return _torch_load(path, map_location, is_zip=False)
    if _is_safetensors(head, size):
        return _read_safetensors(path, map_location)
    if head[:1] == b"\x80":
        return read_pickle(path)
    raise CheckpointError(
        f"{path}: this looks like {_describe(head)}, expected a PyTorch checkpoint "
        "(torch.save zip or legacy file, TorchScript archive or safetensors)"
    )


def _torch_load(path: Path, map_location: Any, is_zip: bool) -> Any:
    allowlist = _weights_only_allowlist()
    try:
        if not (is_zip and _names_foreign_globals(path, allowlist)):
            try:
                with torch.serialization.safe_globals(allowlist):
                    return torch.load(path, map_location=map_location, weights_only=True)
            except pickle.UnpicklingError as refusal:
                log.debug("%s: weights_only load refused (%s); using the restricted unpickler", path, refusal)
        # weights_only=False only because torch does not accept a custom pickle_module otherwise;
        # the restricted module's find_class is what guards this load.
        return torch.load(
            path,
            map_location=map_location,
            weights_only=False,
            pickle_module=_restricted_pickle_module(str(path)),
        )
    except UnsafeCheckpointError:
        raise
    except (
        EOFError,
        OSError,
        RuntimeError,
        pickle.UnpicklingError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as e:
        detail = f"{type(e).__name__}: {e}".strip().rstrip(":").splitlines()[0][:200]
        cut_off = isinstance(e, (EOFError, OSError, pickle.UnpicklingError)) or any(
            sign in str(e) for sign in ("EOF", "PytorchStreamReader")
        )
        if cut_off:
            # torch says only "EOFError" or "[Errno 22] Invalid argument" for a cut-off file
            raise CheckpointError(
                f"{path}: truncated or corrupt checkpoint ({detail}); fetch or save the file again"
            ) from e
        raise CheckpointError(f"{path}: cannot be loaded ({detail})") from e


def _names_foreign_globals(path: Path, allowlist: list[Any]) -> bool:
    """Whether a zip checkpoint's pickle names globals that weights_only would refuse.

    A static scan of data.pkl (nothing is unpickled) that saves MMEngine checkpoints a first,
    doomed weights_only pass over all their tensors.
    """
    try:
        with torch.serialization.safe_globals(allowlist):
            return bool(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except pickle.UnpicklingError:  # opcodes the scanner does not know: let torch.load decide
        return False


def _weights_only_allowlist() -> list[Any]:
    """torch.serialization.safe_globals entries: NumPy objects under every name they pickle as."""
    entries: list[Any] = [(obj, name) for name, obj in _numpy_globals().items()]
    return entries + _numpy_dtype_classes()


def _read_torchscript(path: Path, map_location: Any) -> dict[str, Tensor]:
    """State dict of a TorchScript archive (see the module docstring for why this is safe)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torch.jit.load. is deprecated", category=Warning)
            module = torch.jit.load(str(path), map_location=map_location)
    except RuntimeError as e:
        raise CheckpointError(f"{path}: unreadable TorchScript archive ({str(e).splitlines()[0]})") from e
    return {k: v.detach() for k, v in module.state_dict().items()}


def _read_safetensors(path: Path, map_location: Any) -> dict[str, Tensor]:
    try:
        from safetensors.torch import load_file
    except ImportError as e:
        raise CheckpointError(f"{path}: a safetensors file; `pip install safetensors` to read it") from e
    device = str(map_location) if isinstance(map_location, (str, torch.device)) else "cpu"
    try:
        return load_file(str(path), device=device)
    except Exception as e:  # safetensors raises its own SafetensorError for bad headers/sizes
        raise CheckpointError(f"{path}: truncated or corrupt safetensors file ({e})") from e


# -- state dicts -----------------------------------------------------------------------------
def _is_plain_mapping(obj: Any) -> bool:
    return isinstance(obj, Mapping) and not isinstance(obj, Placeholder)


def _summary(obj: Any) -> str:
    if isinstance(obj, Placeholder):
        return f"a pickled {obj.foreign_name} object"
    if _is_plain_mapping(obj):
        keys = list(obj)
        shown = ", ".join(repr(k) for k in keys[:8]) + (", ..." if len(keys) > 8 else "")
        pickled = [f"{k!r} is {_summary(v)}" for k, v in obj.items() if isinstance(v, Placeholder)]
        return f"a dict with keys [{shown}] and no tensors" + (f" ({'; '.join(pickled[:3])})" if pickled else "")
    return f"a {type(obj).__name__}"


def extract_state_dict(obj: Any, source: str = "checkpoint") -> dict[str, Tensor]:
    """The `name -> tensor` mapping inside a loaded checkpoint.

    Unwraps 'state_dict' / 'model' / 'module' / 'model_state' containers (nested ones too),
    strips DataParallel's 'module.' prefix and drops non-tensor entries.
    """
    while _is_plain_mapping(obj):
        inner = next((obj[k] for k in STATE_DICT_KEYS if k in obj and _is_plain_mapping(obj[k])), None)
        if inner is None:
            break
        obj = inner
    tensors = {}
    if _is_plain_mapping(obj):
        tensors = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, Tensor)}
    if not tensors:
        raise CheckpointError(
            f"{source}: no state dict found: it holds {_summary(obj)}; expected a mapping of "
            f"parameter names to tensors, possibly inside one of {list(STATE_DICT_KEYS)}"
        )
    if all(k.startswith("module.") for k in tensors):
        tensors = {k[len("module.") :]: v for k, v in tensors.items()}
    return tensors


__all__ = [
    "CheckpointError",
    "CheckpointWarning",
    "Placeholder",
    "UnsafeCheckpointError",
    "extract_state_dict",
    "read_checkpoint",
    "read_pickle",
]
