"""dtypes, Size and device: the small value types that PyTorch code names directly."""
import re

import numpy as np


class dtype:
    """A tensor element type; prints as PyTorch does (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "itemsize", "_legacy")

    def __init__(self, name, np_dtype, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize
        self._legacy = legacy  # "torch.FloatTensor", used in PyTorch's error messages

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16, "HalfTensor")
float32 = float = dtype("float32", np.float32, "FloatTensor")
float64 = double = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = short = dtype("int16", np.int16, "ShortTensor")
int32 = int = dtype("int32", np.int32, "IntTensor")
int64 = long = dtype("int64", np.int64, "LongTensor")
bool = dtype("bool", np.bool_, "BoolTensor")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
FROM_NUMPY = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}
# PyTorch's short names used in a few error messages ("Got: Long")
SCALAR_NAME = {float16: "Half", float32: "Float", float64: "Double", uint8: "Byte", int8: "Char",
               int16: "Short", int32: "Int", int64: "Long", bool: "Bool"}
# the C++ type names PyTorch prints in some messages ("float != long int")
CPP_NAME = {float16: "c10::Half", float32: "float", float64: "double", uint8: "unsigned char",
            int8: "signed char", int16: "short int", int32: "int", int64: "long int", bool: "bool"}


def _by_name(name):
    return _NAMES[name]


# PyTorch's tensors hold these too; this engine's are real, and its integers at most as wide as
# int64 or as narrow as uint8 (no autograd rule here is written for complex numbers)
_TORCH_ONLY = ("complex64", "complex128", "uint16", "uint32", "uint64")


def check_holdable(np_dtype):
    """Refuse, with PyTorch's TypeError, an array a tensor cannot hold (a str, an object, a datetime);
    complex and wide unsigned arrays, which torch takes, are refused with the reason."""
    if np_dtype in FROM_NUMPY:
        return
    if np_dtype.name in _TORCH_ONLY:
        raise TypeError(f"autograd_core has no {np_dtype.name} tensors (PyTorch has them): this teaching engine's "
                        "tensors are float16, float32, float64, uint8, int8, int16, int32, int64 or bool")
    raise TypeError(f"can't convert np.ndarray of type numpy.{np_dtype.type.__name__}. The only supported types are: float64, float32, "
                    "float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, uint8, "
                    "and bool.")


import builtins as _b  # noqa: E402  (after the dtype names shadow float/int/bool)


def resolve(d):
    """Return our dtype for `d` (ours, a numpy dtype, or the Python types float/int/bool)."""
    if d is None or isinstance(d, dtype):
        return d
    if d is _b.float:
        return float32
    if d is _b.int:
        return int64
    if d is _b.bool:
        return bool
    try:
        return FROM_NUMPY[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


class finfo:
    """torch.finfo(dtype=torch.float32): a floating-point dtype's limits (numpy's finfo, PyTorch's names
    and repr): bits, eps, max, min, tiny (= smallest_normal), resolution, dtype (its name)."""

    def __init__(self, type=None):
        type = float32 if type is None else type
        if not isinstance(type, dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not {_b.type(type).__name__}")
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(type.np)
        self.bits, self.dtype = info.bits, type.name
        self.eps, self.max, self.min = _b.float(info.eps), _b.float(info.max), _b.float(info.min)
        self.tiny = self.smallest_normal = _b.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision  # (numpy's float16 resolution is 0.0010004)

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo(dtype): an integer dtype's limits: bits, max, min (Python ints), dtype (its name)."""

    def __init__(self, type):
        if not isinstance(type, dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not {_b.type(type).__name__}")
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.max, self.min, self.dtype = info.bits, _b.int(info.max), _b.int(info.min), type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


class Size(tuple):
    """A tensor shape; a tuple that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index):  # x.size()[1:] is a Size too
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")  # torch's: 'cuda', 'cuda:1'
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """Where a tensor lives: a type ('cpu', 'cuda', ...) and an optional index, as torch.device.
    Any of torch's device types can be named (``torch.device("cuda")`` as in tutorials), but tensors
    live only on the CPU here: asking for another device raises what a CPU-only torch raises."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device() received an invalid combination of arguments")
            type, index = type.type, type.index
        elif isinstance(type, _b.int) and not isinstance(type, _b.bool):
            raise RuntimeError(_NO_ACCELERATOR)  # torch.device(0): the current accelerator's device 0
        elif not isinstance(type, str):
            raise TypeError("device() received an invalid combination of arguments - got "
                            f"({_b.type(type).__name__}), but expected one of:\n"
                            " * (torch.device device)\n * (str type, int index = -1)\n")
        parsed = _DEVICE_STRING.fullmatch(type)
        if parsed is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        name, number = parsed.groups()
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of "
                               f"device string: {type}")
        if number is not None:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was passed "
                                   f"explicitly: {type}")
            index = _b.int(number)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = name, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as torch: a device never equals a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


def cpu_only(where):
    """Check a device argument (None, a string, an int or a device) names the CPU, the only device
    here, raising what torch built without CUDA raises for the others."""
    if where is None:
        return
    d = device(where)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    raise RuntimeError(f"autograd_core runs on the CPU only; got device '{d}'")


CPU = device("cpu")
_DEFAULT_DEVICE = [None]  # set_default_device's device (None: the CPU)


def set_default_device(where):
    """torch.set_default_device: the device factories use when given none (None resets it to the
    CPU). Any device torch can name is accepted, as torch accepts it; making a tensor on one other
    than the CPU raises what a CPU-only torch raises."""
    _DEFAULT_DEVICE[0] = None if where is None else device(where)


def get_default_device():
    """The device factories use when given none: device(type='cpu') unless set_default_device chose
    another (a CUDA device without an index raises, as a CPU-only torch asks CUDA for its index)."""
    d = _DEFAULT_DEVICE[0]
    if d is None:
        return CPU
    if d.type == "cuda" and d.index is None:
        cpu_only(d)
    return d


def factory_device(where):
    """A factory's device argument checked: the default device (set_default_device) when None."""
    cpu_only(_DEFAULT_DEVICE[0] if where is None else where)

