"""torch.save / torch.load for tensors, state_dicts and modules, with pickle (not PyTorch's zip
format: the files are autograd_core's own).

torch.load reads weights only by default, as torch 2.6 and later: tensors, Parameters, dtypes,
Size, device, OrderedDicts and Python's own containers and numbers load; any other class or function
the file names is refused with torch's UnpicklingError (a whole pickled nn.Module among them), unless
allowlisted with add_safe_globals / safe_globals. ``weights_only=False`` loads anything -- which runs
whatever code the file asks for: only for files you trust.

A tensor is stored as its bytes, dtype, shape and requires_grad (no numpy object in the file), so
that a weights-only load needs none of numpy's classes.
"""
import _compat_pickle
import collections
import contextlib
import os
import pickle

import numpy as np

from . import _dtypes
from ._tensor import Tensor, _make
from .nn.parameter import Parameter

__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals"]

_USER_SAFE = {}  # "module.name" -> the object add_safe_globals allowed
_MAP_LOCATION = [None]  # the map_location of the load running now


# --- saving ---------------------------------------------------------------------------------------
class _Pickler(pickle.Pickler):
    """pickle.Pickler storing tensors and Parameters as (bytes, dtype, shape, requires_grad)."""

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is Tensor or kind is Parameter:
            a = np.ascontiguousarray(obj._data)
            rebuild = _rebuild_parameter if kind is Parameter else _rebuild_tensor
            return rebuild, (a.tobytes(), _dtypes.FROM_NUMPY[a.dtype].name, a.shape, obj._requires_grad)
        return NotImplemented


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write obj (a tensor, a state_dict, any picklable object) to a path or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _dump(obj, fh, pickle_module, pickle_protocol)
    else:
        _dump(obj, f, pickle_module, pickle_protocol)


def _dump(obj, fh, pickle_module, protocol):
    if pickle_module is pickle:
        _Pickler(fh, protocol=protocol).dump(obj)
    else:
        pickle_module.dump(obj, fh, protocol=protocol)


# --- the tensors a file holds -----------------------------------------------------------------------
def _array(raw, dtype_name, shape):
    return np.frombuffer(raw, dtype=_dtypes._by_name(dtype_name).np).reshape(shape).copy()


def _rebuild_tensor(raw, dtype_name, shape, requires_grad):
    return _placed(_make(_array(raw, dtype_name, shape), None, requires_grad))


def _rebuild_parameter(raw, dtype_name, shape, requires_grad):
    return _placed(Parameter(_make(_array(raw, dtype_name, shape), None, False), requires_grad))


_CUDA_ON_CPU = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                "False. If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU.")


def _placed(t):
    """t where the load's map_location puts a tensor saved on the CPU (here, every tensor was):
    a device or its name, a dict from saved to wanted location, or a callable(storage, location)
    whose result replaces the tensor (None: keep it)."""
    where = _MAP_LOCATION[0]
    if isinstance(where, dict):
        where = where.get("cpu", "cpu")
    if where is None:
        return t
    if isinstance(where, (str, _dtypes.device)):
        if _dtypes.device(where).type == "cuda":
            raise RuntimeError(_CUDA_ON_CPU)
        _dtypes.cpu_only(where)
        return t
    moved = where(t, "cpu")
    return moved if isinstance(moved, Tensor) else t


# --- loading --------------------------------------------------------------------------------------
def _allowed_by_default():
    allowed = {"collections.OrderedDict": collections.OrderedDict, "collections.Counter": collections.Counter,
               "_codecs.encode": __import__("_codecs").encode, "builtins.bytearray": bytearray,
               "builtins.set": set, "builtins.complex": complex}
    for obj in (_rebuild_tensor, _rebuild_parameter, _dtypes._by_name, _dtypes.Size, _dtypes.device,
                Tensor, Parameter):
        allowed[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return allowed


class _WeightsUnpickler(pickle.Unpickler):
    """An Unpickler that finds only the allowed globals (torch's weights-only rule)."""

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # (protocol 2 names Python 2's modules)
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full_path = f"{module}.{name}"
        allowed = _allowed_by_default()
        if full_path in allowed:
            return allowed[full_path]
        if full_path in _USER_SAFE:
            return _USER_SAFE[full_path]
        if full_path.startswith("builtins."):  # (torch names a builtin by its bare name)
            full_path = full_path[len("builtins."):]
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
            f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
            f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global "
            "if you trust this class/function.")


_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def _weights_only_message(message):
    """torch.load's explanation around the unpickler's refusal."""
    if "was not an allowed global by default." in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {_UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please "
                "check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
                + message + _DOCS_MESSAGE)
    return (f"Weights only load failed. {_UNSAFE_MESSAGE}\nPlease file an issue with the following so "
            "that we can make `weights_only=True` compatible with your use case: WeightsUnpickler "
            "error: \n\n" + message + _DOCS_MESSAGE)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read back what save wrote. weights_only (the default, as in torch 2.6+): tensors and plain
    containers only, see the module docstring; map_location: a device ("cpu"), a dict
    {saved location: location}, or a callable(storage, location)."""
    if weights_only is None:
        weights_only = pickle_module is None
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load(fh, map_location, pickle_module, weights_only)
    return _load(f, map_location, pickle_module, weights_only)


def _load(fh, map_location, pickle_module, weights_only):
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    start = fh.tell() if fh.seekable() else None
    if start is not None and fh.read(4) == b"PK\x03\x04":
        raise RuntimeError("This file was written by PyTorch's torch.save (a zip archive): "
                           "autograd_core.load reads only files autograd_core.save wrote.")
    if start is not None:
        fh.seek(start)
    _MAP_LOCATION[0] = map_location
    try:
        if not weights_only:
            return (pickle_module or pickle).load(fh)
        try:
            return _WeightsUnpickler(fh).load()
        except pickle.UnpicklingError as e:
            raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
    finally:
        _MAP_LOCATION[0] = None


# --- the allowlist --------------------------------------------------------------------------------
def add_safe_globals(safe_globals):
    """Allow these classes and functions in weights-only loads."""
    for obj in safe_globals:
        if isinstance(obj, tuple):  # (obj, "module.name")
            obj, name = obj
        else:
            name = f"{obj.__module__}.{obj.__qualname__}"
        _USER_SAFE[name] = obj


def get_safe_globals():
    return list(_USER_SAFE.values())


def clear_safe_globals():
    _USER_SAFE.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Allow these globals in weights-only loads inside the with block."""
    before = dict(_USER_SAFE)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _USER_SAFE.clear()
        _USER_SAFE.update(before)
