"""Lazy modules (torch.nn.LazyLinear): parameters whose shape is inferred from the first input.

    net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
    net[0].weight                # <UninitializedParameter>
    net(torch.rand(2, 20))       # the first call sizes every weight: net[0].weight.shape == (256, 20)
    net[0]                       # Linear(in_features=20, out_features=256, bias=True)

An UninitializedParameter holds no values: reading its data raises PyTorch's ValueError naming the
function that tried ("Attempted to use an uninitialized parameter in <method 'add' of ...>"); only
its dtype, requires_grad flag, ``size()`` (``Size([0])``) and ``.data`` (an empty tensor) can be read,
as in PyTorch. ``materialize(shape)`` gives it memory and turns it into a Parameter (``cls_to_become``).
A lazy module registers a forward pre-hook that, on the first call, runs ``initialize_parameters(input)``
(materialise, then reset_parameters), removes itself, and turns the module into ``cls_to_become``
(LazyLinear -> Linear), so that the model prints and behaves as if it had been built with Linear.
"""
import itertools
import os
import sys

import numpy as np

from .. import _dtypes
from .._graph import no_grad
from .._tensor import Tensor, _make, to_dtype_arg
from .modules import Linear
from .parameter import Parameter

_SLOT = Tensor._data  # the slot descriptor holding a tensor's ndarray (bypasses the guard below)


def is_lazy(param):
    """True for an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedTensorMixin:
    """What an uninitialised parameter or buffer can and cannot do (PyTorch's list of allowed
    methods: size, dtype, requires_grad, .data, casts; everything else raises a ValueError)."""

    __slots__ = ()

    # every op reads a tensor's values through ._data: guard it, so that any use that needs values
    # fails here, with PyTorch's message, while the allowed methods below read the slot directly
    @property
    def _data(self):
        raise _use_error(type(self))

    @_data.setter
    def _data(self, array):
        _SLOT.__set__(self, array)

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor memory of `shape` (uninitialised values, as torch.empty) and turn it into
        a plain Parameter / Tensor (``cls_to_become``)."""
        _dtypes.cpu_only(device)
        np_dtype = _SLOT.__get__(self).dtype if dtype is None else _dtypes.resolve(dtype).np
        _SLOT.__set__(self, np.empty(tuple(shape), dtype=np_dtype))
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        entry = _entry_point(sys._getframe(1))  # a library function reading the shape is a use
        if entry is not None and _describe(*entry) is not None:
            raise _use_error(type(self), _describe(*entry))
        raise _shape_error()

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    # --- what PyTorch allows on an uninitialised tensor -----------------------------------------
    def size(self, dim=None):
        data = _SLOT.__get__(self)
        return _dtypes.Size(data.shape) if dim is None else data.shape[dim]

    @property
    def dtype(self):
        return _dtypes.FROM_NUMPY[_SLOT.__get__(self).dtype]

    @property
    def ndim(self):
        entry = _entry_point(sys._getframe(1))  # (a library function checking ndim is a use)
        if entry is not None and _describe(*entry) is not None:
            raise _use_error(type(self), _describe(*entry))
        return 1  # PyTorch's: the empty 1-d storage's

    @property
    def data(self):
        return _make(_SLOT.__get__(self), None, False)

    @data.setter
    def data(self, value):
        _SLOT.__set__(self, value._data if isinstance(value, Tensor) else np.asarray(value))

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        raise _use_error(type(self), "<method 'requires_grad_' of 'torch._C.TensorBase' objects>")

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        Tensor.grad.fset(self.data, value)  # PyTorch's checks of dtype and size, against Size([0])
        self._grad = value

    def copy_(self, src):
        """Allowed, as in PyTorch: copies into the empty storage (so only an empty source fits)."""
        stand_in = _make(_SLOT.__get__(self), None, self._requires_grad, self._vc)
        stand_in.copy_(src.data if is_lazy(src) else src)
        return self

    def is_floating_point(self):
        return _SLOT.__get__(self).dtype.kind == "f"

    def is_complex(self):
        return False

    def _cast(self, dtype):
        """PyTorch's casts of an uninitialised tensor: itself if nothing changes, else an empty
        tensor of the dtype (made by a recorded copy, as there)."""
        if dtype is None or dtype == self.dtype:
            return self
        return _make(_SLOT.__get__(self), None, self._requires_grad).to(dtype)

    def to(self, *args, **kwargs):
        return self._cast(to_dtype_arg(args, kwargs))

    def cpu(self):
        return self

    def float(self):
        return self._cast(_dtypes.float32)

    def double(self):
        return self._cast(_dtypes.float64)

    def half(self):
        return self._cast(_dtypes.float16)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self._requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._requires_grad, dtype=self.dtype)
        return memo[id(self)]

    def _module_view(self):
        """A plain tensor standing for this one in Module.to/.double/.float: the cast changes only
        the dtype the parameter will be materialised with."""
        return self.data


def _refusal(name):
    def refuse(self, *args, **kwargs):
        raise _use_error(type(self), f"<method '{name}' of 'torch._C.TensorBase' objects>")
    refuse.__name__ = name
    return refuse


# in-place methods check the leaf before reading data: refuse them up front, as PyTorch does
for _name in [n for n in vars(Tensor) if n.endswith("_") and not n.startswith("_")] + ["numpy"]:
    if _name not in ("requires_grad_", "copy_", "share_memory_") and _name not in vars(UninitializedTensorMixin):
        setattr(UninitializedTensorMixin, _name, _refusal(_name))
for _name, _method in (("__iadd__", "add_"), ("__isub__", "sub_"), ("__imul__", "mul_"), ("__itruediv__", "div_")):
    setattr(UninitializedTensorMixin, _name, _refusal(_method))


def _array_refusal(self, dtype=None, copy=None):
    raise _use_error(type(self), f"<function Tensor.__array__ at 0x{id(Tensor.__array__):x}>")


UninitializedTensorMixin.__array__ = _array_refusal


def _new_uninitialized(cls, requires_grad, device, dtype):
    _dtypes.cpu_only(device)
    np_dtype = _dtypes.resolve(dtype).np if dtype is not None else np.dtype(np.float32)
    if requires_grad and np_dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    t = object.__new__(cls)
    _SLOT.__set__(t, np.empty((0,), dtype=np_dtype))
    t._grad_fn = None
    t._requires_grad = bool(requires_grad)
    t._vc = [0]
    return t


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (a lazy module's weight before its first call);
    ``materialize(shape)`` makes it a Parameter."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return _new_uninitialized(cls, requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` makes it a Tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        t = _new_uninitialized(cls, requires_grad, device, dtype)
        t.persistent = persistent
        return t


# ---------------------------------------------------------------------------------------------
# The error: PyTorch names the function its __torch_function__ check caught. Here the guard sits
# on ._data, so the function is found on the stack: the outermost frame of autograd_core code the
# caller entered (Module machinery left out, as it never dispatches in PyTorch either).
# ---------------------------------------------------------------------------------------------
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NOT_DISPATCHING = ("nn/modules.py", "nn/lazy.py", "optim/")
# PyTorch's Tensor operators call these methods (probed in torch 2.13: `p + 1` is caught in 'add')
_OPERATOR_METHOD = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub", "__isub__": "sub_",
    "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_", "__truediv__": "div", "__itruediv__": "div_",
    "__mod__": "remainder", "__matmul__": "matmul", "__rmatmul__": "matmul", "__neg__": "neg",
    "__pos__": "positive", "__abs__": "abs", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt",
    "__ge__": "ge", "__iter__": "dim", "__rand__": "bitwise_and", "__ror__": "bitwise_or",
    "__rxor__": "bitwise_xor", "__rtruediv__": "__rdiv__",
}
_SLOT_WRAPPERS = {"__getitem__", "__setitem__"}
# Tensor methods PyTorch writes in Python (<function Tensor.x at 0x...>), not in C
_PYTHON_METHODS = {"backward", "norm", "register_hook", "split", "unique", "__len__", "__format__",
                   "__rsub__", "__rdiv__", "__floordiv__", "__rfloordiv__", "__rmod__", "__rpow__",
                   "__array__", "__contains__", "__reversed__", "__deepcopy__", "__reduce_ex__"}
# torch.* functions written in Python, and torch.nn.functional functions written in C
_PYTHON_TORCH_FUNCTIONS = {"norm", "split", "unique", "is_tensor", "save", "load", "einsum", "cdist",
                           "meshgrid", "broadcast_tensors", "tensordot", "stft", "chain_matmul"}
_C_FUNCTIONAL = {"linear", "bilinear", "gelu", "softplus", "one_hot", "conv1d", "conv2d", "conv3d",
                 "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "avg_pool1d",
                 "avg_pool2d", "avg_pool3d", "hardtanh_", "elu_", "leaky_relu_", "logsigmoid", "pad"}
_C_NAMES = {"logsigmoid": "log_sigmoid"}  # (F.logsigmoid is torch._C._nn.log_sigmoid)
_TORCH_FUNCTIONAL = {"cosine_similarity"}  # (nn.functional functions that are torch.* ones)

# torch.nn.init functions that do not dispatch: what PyTorch's error names is the first Tensor
# method they call (None: kaiming_normal_ reads .shape first, and gets the RuntimeError)
_DIM = "<method 'dim' of 'torch._C.TensorBase' objects>"
_INIT_FIRST_USE = {"zeros_": "<method 'zero_' of 'torch._C.TensorBase' objects>",
                   "ones_": "<method 'fill_' of 'torch._C.TensorBase' objects>",
                   "eye_": _DIM, "xavier_uniform_": _DIM, "xavier_normal_": _DIM, "orthogonal_": _DIM,
                   "dirac_": _DIM, "sparse_": _DIM, "kaiming_normal_": None,
                   "trunc_normal_": "<method 'new_tensor' of 'torch._C.TensorBase' objects>"}


def _describe(code, is_method):
    """The repr PyTorch prints for the function whose frame runs `code` (a Tensor method or not)."""
    rel = _relative(code)
    name = code.co_name
    address = f"0x{id(code):x}"
    if is_method:
        if name == "__pow__":
            return f"<function TensorBase.pow at {address}>"
        name = _OPERATOR_METHOD.get(name, name)
        if name in _SLOT_WRAPPERS:
            return f"<slot wrapper '{name}' of 'torch._C.TensorBase' objects>"
        if name in _PYTHON_METHODS:
            return f"<function Tensor.{name} at {address}>"
        return f"<method '{name}' of 'torch._C.TensorBase' objects>"
    if rel in ("_functions.py", "_factories.py") and name not in _PYTHON_TORCH_FUNCTIONS:
        # (PyTorch's torch.* functions are methods of one class, hence one address for all)
        return f"<built-in method {name.lstrip('_')} of type object at 0x{id(Tensor):x}>"
    if rel == "nn/functional.py" and name in _C_FUNCTIONAL:
        return f"<built-in function {_C_NAMES.get(name, name)}>"
    if rel == "nn/functional.py" and name in _TORCH_FUNCTIONAL:
        return f"<built-in method {name} of type object at 0x{id(Tensor):x}>"
    if rel == "nn/init.py" and name in _INIT_FIRST_USE:
        return _INIT_FIRST_USE[name]
    return f"<function {name} at {address}>"


def _relative(code):
    return os.path.relpath(code.co_filename, _PACKAGE).replace(os.sep, "/")


def _role(frame):
    """"method" for a Tensor method's frame, "function" for a module-level function's, else None
    (a nested helper, a lambda)."""
    code = frame.f_code
    name = code.co_name
    attr = vars(Tensor).get(name)
    if _runs(getattr(attr, "fget", attr), code):
        return "method"
    if _runs(frame.f_globals.get(name), code):
        return "function"
    return None


def _runs(fn, code):
    """True when fn, or a function it wraps (functools.wraps), has this code."""
    while fn is not None:
        if getattr(fn, "__code__", None) is code:
            return True
        fn = getattr(fn, "__wrapped__", None)
    return False


def _is_public(name):
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__")) \
        or name in ("_all", "_any", "_round")


def _entry_point(frame):
    """(code, is_method) of the outermost public autograd_core function in the run of library
    frames around `frame`, or None."""
    found = None
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        code = frame.f_code
        role = _role(frame)
        if role and not _relative(code).startswith(_NOT_DISPATCHING) and _is_public(code.co_name):
            found = (code, role == "method")
        frame = frame.f_back
    return found


def _shape_error():
    return RuntimeError(
        "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
        "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
        "one. Call `forward` to initialize the parameters before accessing their attributes.")


def _use_error(cls, where=None):
    """PyTorch's ValueError for a use of an uninitialised tensor, naming the function `where`
    (found on the stack when not given)."""
    if where is None:
        entry = _entry_point(sys._getframe(2))
        where = _describe(*entry) if entry is not None else "<unknown function>"
        if where is None:
            return _shape_error()
    return ValueError(
        f"Attempted to use an uninitialized parameter in {where}. This error happens when you are "
        "using a `LazyModule` or explicitly manipulating "
        f"`torch.nn.parameter.{cls.__name__}` objects. When using LazyModules Call `forward` with a "
        "dummy batch to initialize the parameters before calling torch functions")


# ---------------------------------------------------------------------------------------------
# Lazy modules
# ---------------------------------------------------------------------------------------------
class LazyModuleMixin:
    """A module whose parameters are sized by its first input (PyTorch's LazyModuleMixin).

    Until the first call it holds UninitializedParameters; a forward pre-hook then calls
    ``initialize_parameters(*args)``, removes itself and turns the module into ``cls_to_become``.
    As in PyTorch, lazy modules are initialised after the eager ones, so a model mixing both draws
    its random initial values in a different order than the same model built eagerly.
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)

    def initialize_parameters(self, *args, **kwargs):
        """Size and initialise the parameters from the first input (each lazy module defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")

    def has_uninitialized_params(self):
        """True while a parameter or buffer is still uninitialised."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values()))

    def _infer_parameters(self, module, args):
        module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        delattr(module, "_initialize_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """As Module.state_dict, but an uninitialised parameter is stored as itself (not detached:
        it has no data), as PyTorch's lazy modules do."""
        if not any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values())):
            return super().state_dict(*args, destination=destination, prefix=prefix, keep_vars=keep_vars)
        if args:
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        own = super().state_dict(destination=None, prefix=prefix, keep_vars=True)
        if destination is None:
            destination = type(own)()
        for key, value in own.items():
            destination[key] = value if keep_vars or is_lazy(value) else value.detach()
        return destination

    def _load_own(self, state_dict, prefix, strict, missing, unexpected, errors):
        """Before loading: give an uninitialised parameter the shape of the value that is loaded into
        it (PyTorch's _lazy_load_hook), so that a saved model loads into a fresh lazy one."""
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                value = state_dict[key]
                if not is_lazy(value):
                    with no_grad():
                        param.materialize(value.shape)
        # an uninitialised value loaded into an uninitialised parameter: nothing to copy
        skip = {prefix + name for name, param in itertools.chain(self._parameters.items(), self._buffers.items())
                if is_lazy(param) and is_lazy(state_dict.get(prefix + name))}
        kept = {k: v for k, v in state_dict.items() if k not in skip}
        super()._load_own(kept, prefix, strict, missing, unexpected, errors)
        if strict:  # the skipped keys are neither missing nor unexpected
            missing[:] = [k for k in missing if k not in skip]


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features is inferred from the first input's last dimension; after that
    call it is a Linear (out = input @ weight.T + bias, initialised as Linear is)."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        # bias=False: no tensor is made for a bias that is replaced right away (as PyTorch does)
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        """in_features = input.shape[-1]; then weight (out, in) and bias (out,) get memory and
        Linear's initial values."""
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} is not "
                                     f"equal to in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = input.shape[-1]
