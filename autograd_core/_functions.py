"""The differentiable functions of the public API, and the Tensor methods and operators built on them.

Each function checks and normalises its arguments (PyTorch's errors for bad shapes and dims), then
applies a row of the op table. Composite calls such as ``matmul`` are spelled out with the same
primitives PyTorch uses, so that grad_fn names match.
"""
import builtins
import numbers
import operator
import warnings

import numpy as np

from . import _dtypes, _kernel_order
from ._arguments import not_a_tensor
from ._graph import STATE, _ACCUMULATE, _next_seq, gradient_edge, no_grad
from ._numerics import indexed as _indexed, median_indices as _median_indices
from ._numerics import cumulative_extreme_indices as _cumulative_extreme_indices, kthvalue_indices as _kthvalue_indices
from ._ops import OPS
from ._refusals import not_implemented as _not_implemented, type_name as _type_name, warn as _warn
from ._tensor import (OMITTED, Tensor, _broadcast_message, _wrapped_int, _can_view, _dim, check_alpha, _dims,
                      _in_range, _index_arrays, _infer_shape, _inplace, _make, _make_view, _reduced_dims, _shape_arg,
                      _sync_view, _unwrap, apply, number_as, result_dtype, tensor)

_OP = OPS


def _t(x):
    """A Tensor for an argument that must be one (numbers become 0-dim tensors)."""
    if isinstance(x, Tensor):
        return x
    return tensor(x)


# --- arithmetic ----------------------------------------------------------------------------------
# A number as the first argument (torch.sub(2., x)) stays first, as PyTorch's "wrapped number": the
# op's first input needs no gradient (next_functions[0] is (None, 0)). The reflected operators
# (2. - x) are other ops: x.__rsub__(2.) is rsub (RsubBackward1), 2. / x is reciprocal(x) * 2.
_PLAIN = frozenset((Tensor, float, int))  # arguments used as they are (the others: _unwrap)
_INT64_MAX = 2 ** 63 - 1  # (PyTorch's end of a slice left open)


def add(input, other, alpha=1):
    """out = input + alpha * other"""
    if type(input) not in _PLAIN or type(other) not in _PLAIN:
        input, other = _unwrap(input), _unwrap(other)
    if STATE.formula and not isinstance(other, Tensor):
        return _scalar_op("add_scalar", input, other, alpha)
    return apply(_OP["add"], (input, other), _alpha(_OP["add"], input, other, alpha))


def sub(input, other, alpha=1):
    """out = input - alpha * other"""
    if type(input) not in _PLAIN or type(other) not in _PLAIN:
        input, other = _unwrap(input), _unwrap(other)
    if STATE.formula and not isinstance(other, Tensor):
        return _scalar_op("sub_scalar", input, other, alpha)
    return apply(_OP["sub"], (input, other), _alpha(_OP["sub"], input, other, alpha))


def _scalar_op(name, input, other, alpha=1):
    """Inside a derivative formula under create_graph, a number operand is ATen's Scalar, as in
    PyTorch's C++ formulas (g * 2 is mul.Scalar: MulBackward1, where Python's x * 2 is MulBackward0)."""
    params = {"other": other} if alpha == 1 else {"other": other, "alpha": alpha}
    return apply(_OP[name], (input,), params)


def _formula_rsub(input, other):
    """other - input for a number other, in a derivative formula: ATen's C++ operator makes it
    full_like(input, other).sub_(input) (SubBackward0), not rsub."""
    return apply(_OP["sub"], (_make(np.full_like(input._data, other), None, False), input))


def _alpha(op, input, other, alpha):
    """add/sub's params: {"alpha": alpha} (checked, after the op's refusals, against the result
    dtype), or None."""
    if type(alpha) is int and alpha == 1:
        return None
    _histories_first(input, other)
    if op.refuse is not None:
        op.refuse(*(x._data if isinstance(x, Tensor) else x for x in (input, other)))
    msg = _broadcast_message(np.shape(_data_of(input)), np.shape(_data_of(other)))
    if msg:  # (the shapes are checked before alpha)
        raise RuntimeError(msg)
    check_alpha(result_dtype(input, other), alpha)
    return {"alpha": alpha}


def _histories_first(*inputs):
    """PyTorch's autograd reads its inputs' histories before its kernel checks the operands: a view
    whose base another view's in-place change made stale raises before a refusal of the operands."""
    if STATE.grad_enabled:
        for x in inputs:
            if isinstance(x, Tensor) and x._base is not None:
                _sync_view(x)


def rsub(input, other, alpha=1):
    """out = other - alpha * input (the graph of ``2 - x``)"""
    other = _unwrap(other)
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    if STATE.formula and alpha == 1:
        return _formula_rsub(input, other)
    _histories_first(input)
    _OP["sub"].refuse(input._data, other)  # (other - input: the same refusals)
    params = _alpha(_OP["sub"], input, other, alpha) or {}
    params["other"] = other
    return apply(_OP["rsub"], (input,), params)


def mul(input, other):
    """out = input * other"""
    if type(input) not in _PLAIN or type(other) not in _PLAIN:
        input, other = _unwrap(input), _unwrap(other)
    if STATE.formula and not isinstance(other, Tensor):
        return _scalar_op("mul_scalar", input, other)
    return apply(_OP["mul"], (input, other))


def div(input, other, rounding_mode=None):
    """out = input / other (true division; integers give float32)"""
    if type(input) not in _PLAIN or type(other) not in _PLAIN:
        input, other = _unwrap(input), _unwrap(other)
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                               f"found '{rounding_mode}'")
        _check_integer_division(input, other, f"div_{rounding_mode}_cpu")
        return apply(_OP["div_rounding"], (_t(input), other), {"rounding_mode": rounding_mode})
    if STATE.formula and not isinstance(other, Tensor):
        return _scalar_op("div_scalar", input, other)
    return apply(_OP["div"], (input, other))


def _reflected_div(self, other):
    """other / self: PyTorch's Tensor.__rtruediv__ is reciprocal(self) * other (in a derivative
    formula, ATen's C++ full_like(self, other).div_(self): DivBackward0)"""
    if STATE.formula and not isinstance(other, Tensor):
        return apply(_OP["div"], (_make(np.full_like(self._data, other), None, False), self))
    return mul(reciprocal(self), other)


def _check_integer_division(input, other, kernel):
    """PyTorch's checks of an integer division (//, %, div(rounding_mode=...)): the shapes
    broadcast, the kernel has a version for the dtype (none for bool), no integer is divided by 0."""
    _histories_first(input, other)
    msg = _broadcast_message(np.shape(_data_of(input)), np.shape(_data_of(other)))
    if msg:
        raise RuntimeError(msg)
    if result_dtype(input, other).kind == "b":
        raise _not_implemented(kernel, np.bool_)
    if np.size(_data_of(input)) == 0 or np.size(_data_of(other)) == 0:
        return  # (nothing is divided)
    if result_dtype(input, other).kind in "iu" and not np.all(_data_of(other)):
        raise RuntimeError("ZeroDivisionError")


true_divide = divide = div
multiply = mul
subtract = sub


def reciprocal(input):
    """out = 1 / input"""
    return apply(_OP["reciprocal"], (input,))


def neg(input):
    """out = -input"""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return apply(_OP["neg"], (input,))


negative = neg


def pow(input, exponent):
    """out = input ** exponent (tensor or number on either side)"""
    if type(exponent) in _NUMBER and isinstance(input, Tensor) and input._data.dtype.kind == "f":
        return apply(_OP["pow"], (input,), {"exponent": exponent})  # (the common case: nothing to refuse)
    input, exponent = _unwrap(input), _unwrap(exponent)
    want = result_dtype(input, exponent)
    if want.kind == "b" and not (isinstance(input, Tensor) and not isinstance(exponent, Tensor)
                                 and exponent in (0, 1)):
        if isinstance(input, Tensor) and isinstance(exponent, Tensor):  # (shapes are broadcast first)
            mismatch = _broadcast_message(input.shape, exponent.shape)
            if mismatch:
                raise RuntimeError(mismatch)
        raise _not_implemented("pow", want)  # (x ** 1 and x ** 0 are a copy and ones in ATen)
    if not isinstance(input, Tensor):
        return apply(_OP["rpow"], (exponent,), {"base": input})
    if isinstance(exponent, Tensor):
        return apply(_OP["pow_tensor"], (input, exponent), _pow_tensor_params(exponent, want))
    return apply(_OP["pow"], (input,), {"exponent": exponent})


def _pow_tensor_params(exponent, want):
    """pow_tensor's params for a tensor exponent and the result's dtype want"""
    exponent_dtype = exponent._data.dtype
    if exponent_dtype == np.bool_:
        return {"bool_exponent": True}
    if exponent_dtype != want and exponent_dtype.kind == "f":
        # (torch's backward computes exponent - 1 in the exponent's own dtype)
        return {"exponent_dtype": exponent_dtype}
    return None


_NUMBER = (int, float)  # (not bool: a bool exponent is a case of its own)


def square(input):
    return pow(input, 2)


def _unary(name, doc):
    def f(input):
        return apply(_OP[name], (input,))
    f.__name__ = f.__qualname__ = name
    f.__code__ = f.__code__.replace(co_name=name)  # (what a traceback, or a lazy parameter's error, names)
    f.__doc__ = doc
    return f


exp = _unary("exp", "out = e ** input")
log = _unary("log", "out = ln(input)")
sqrt = _unary("sqrt", "out = input ** 0.5")
abs = _unary("abs", "out = |input|")
sin = _unary("sin", "out = sin(input)")
cos = _unary("cos", "out = cos(input)")
tanh = _unary("tanh", "out = tanh(input)")
sigmoid = _unary("sigmoid", "out = 1 / (1 + e ** -input)")
relu = _unary("relu", "out = max(input, 0)")
clone = _unary("clone", "out = a copy of input, in the graph")


def clamp(input, min=None, max=None):
    """out = min(max(input, min), max); tensor bounds broadcast, and get gradients too"""
    tensors, min, max = _clamp_bounds("clamp", min, max, method=False)
    if tensors:
        return apply(_OP["clamp_tensor"], (input, min, max))
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    _check_clamp(input, min, max)
    return apply(_OP["clamp"], (input,), {"min": min, "max": max})


def _clamp_method(self, min=None, max=None):
    _clamp_bounds("clamp", min, max, method=True)  # (only its message differs)
    return clamp(self, min, max)


def _clamp_bounds(name, min, max, method):
    """(whether clamp's bounds are tensors -- PyTorch's clamp.Tensor overload --, min, max). With a
    number, a tensor must pass for one (0-d, not requiring grad: its value is taken); any other
    mix matches no overload, and PyTorch's argument parser refuses it."""
    bounds = [b for b in (min, max) if b is not None]
    tensors = [b for b in bounds if isinstance(b, Tensor)]
    if len(tensors) in (0, len(bounds)):
        return bool(tensors), min, max
    if all(t.ndim == 0 and not t.requires_grad for t in tensors):
        return False, *(b.item() if isinstance(b, Tensor) else b for b in (min, max))
    got = [type(b).__name__ if not isinstance(b, Tensor) else "Tensor" for b in bounds]
    if method:
        why = "      didn't match because some of the arguments have invalid types: (" + ", ".join(
            f"!{g}!" for g in got) + ")\n"
        options = (f" * (Tensor min = None, Tensor max = None)\n{why}"
                   f" * (Number min = None, Number max = None)\n{why}")
    else:
        got = ["Tensor"] + got
        options = (" * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                   " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), "
                    f"but expected one of:\n{options}")


def _check_clamp(input, min, max):
    """ATen's clamp kernels for number bounds have no bool version."""
    if isinstance(min, Tensor) or isinstance(max, Tensor) or result_dtype(input, min, max).kind != "b":
        return
    which = "clamp" if min is not None and max is not None else "clamp_min" if min is not None else "clamp_max"
    raise _not_implemented(f"{which}_scalar_cpu", np.bool_)


clip = clamp


def maximum(input, other):
    """out = elementwise max (a tie splits the gradient in half)"""
    return apply(_OP["maximum"], (_t(input), _t(other)))


def minimum(input, other):
    """out = elementwise min (a tie splits the gradient in half)"""
    return apply(_OP["minimum"], (_t(input), _t(other)))


def lerp(input, end, weight):
    """out = input + weight * (end - input), weight a number or a tensor (broadcast)"""
    if not (isinstance(input, Tensor) and isinstance(end, Tensor) and isinstance(weight, (Tensor, numbers.Number))):
        got = ", ".join("Tensor" if isinstance(a, Tensor) else _type_name(a) for a in (input, end, weight))
        raise TypeError(f"lerp() received an invalid combination of arguments - got ({got}), but expected one "
                        "of:\n * (Tensor input, Tensor end, Tensor weight, *, Tensor out = None)\n * (Tensor "
                        "input, Tensor end, Number weight, *, Tensor out = None)\n")
    for name, t in (("end", end), ("weight", weight)):
        # (a 0-d weight of another dtype is let through: it takes part in type promotion)
        if isinstance(t, Tensor) and t.dtype != input.dtype and (name == "end" or t.ndim):
            raise RuntimeError(f"expected dtype {_dtypes.CPP_NAME[input.dtype]} for `{name}` but got dtype "
                               f"{_dtypes.CPP_NAME[t.dtype]}")
    if isinstance(weight, Tensor):
        return apply(_OP["lerp_tensor"], (input, end, weight))
    return apply(_OP["lerp"], (input, end), {"weight": weight})


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """input with src's elements (or the number value) written along dim at index: out[..., index[i, j],
    ...] = src[i, j] (the gradient of src: g gathered back at index)"""
    if reduce is not None:
        raise NotImplementedError("scatter's reduce= is not supported by autograd_core (torch.scatter_reduce "
                                  "neither): write the sum with scatter_add")
    if src is None:
        src = value
    d = _scatter_checks("scatter", input, dim, index, src)
    if isinstance(src, Tensor):
        return apply(_OP["scatter"], (input, src), {"dim": d, "index": index._data})
    return apply(_OP["scatter_value"], (input,), {"dim": d, "index": index._data, "value": src})


def scatter_add(input, dim, index, src):
    """input with src's elements added along dim at index (an index met twice adds twice)"""
    if not isinstance(src, Tensor):
        raise not_a_tensor("scatter_add", "src", src, position=3)
    d = _scatter_checks("scatter", input, dim, index, src)
    return apply(_OP["scatter_add"], (input, src), {"dim": d, "index": index._data})


def _scatter_checks(name, input, dim, index, src):
    """PyTorch's checks of a scatter's arguments, in its order; the dim in range."""
    d = _dim(dim, builtins.max(input.ndim, 1))
    if index._data.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if index.numel() == 0:
        return d
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    too_large = any(n > m for i, (n, m) in enumerate(zip(index.shape, input.shape)) if i != d)
    if isinstance(src, Tensor):
        too_large = too_large or any(n > m for n, m in zip(index.shape, src.shape))
    if too_large:
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart "
                           f"from dimension {d}" + (f" and to be no larger size than src {list(src.shape)}"
                                                     if isinstance(src, Tensor) else ""))
    size = input.shape[d] if input.ndim else 1
    outside = (index._data < 0) | (index._data >= size)
    if outside.any():
        raise RuntimeError(f"index {index._data[outside][0]} is out of bounds for dimension {d} with size {size}")
    return d


def where(condition, input=None, other=None):
    """out = input where condition else other"""
    condition = _t(condition)
    if input is None and other is None:
        return tuple(_make(i, None, False) for i in np.nonzero(condition._data))
    if condition._data.dtype != np.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {_dtypes.SCALAR_NAME[condition.dtype]}")
    input, other = _unwrap(input), _unwrap(other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input)
    msg = _broadcast_message(condition._data.shape, np.shape(_data_of(input)), np.shape(_data_of(other)))
    if msg:
        raise RuntimeError(msg)
    return apply(_OP["where"], (input, other), {"condition": condition._data})


def _data_of(x):
    return x._data if isinstance(x, Tensor) else x


# --- reductions ------------------------------------------------------------------------------------
# PyTorch's overloads of the reductions without a dim (a method's, a function's): only dtype comes with
# it; keepdim needs a dim, and prod's, max's and min's dim is an int (sum's and mean's None: every dim)
_WITHOUT_DIM = {
    ("sum", True): (" * (*, torch.dtype dtype = None)\n",
                    " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n"),
    ("sum", False): (" * (Tensor input, *, torch.dtype dtype = None)\n",
                     " * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
                     "Tensor out = None)\n"),
    ("mean", False): (" * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n",
                      " * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
                      "Tensor out = None)\n"),
    ("prod", True): (" * (*, torch.dtype dtype = None)\n",
                     " * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n"),
    ("prod", False): (" * (Tensor input, *, torch.dtype dtype = None)\n",
                      " * (Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n"),
    ("max", True): (" * ()\n{why}", " * (Tensor other)\n{why}", " * (int dim, bool keepdim = False)\n"),
    ("max", False): (" * (Tensor input, *, Tensor out = None)\n", " * (Tensor input, Tensor other, *, Tensor out = None)\n",
                     " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"),
}
_WITHOUT_DIM[("mean", True)] = _WITHOUT_DIM[("sum", True)]
_WITHOUT_DIM[("min", True)], _WITHOUT_DIM[("min", False)] = _WITHOUT_DIM[("max", True)], _WITHOUT_DIM[("max", False)]


_DIM_NONE_REFUSED = ("prod", "max", "min")  # (sum's and mean's dim=None: every dim)


def _keepdim_given(name, method, dim, keepdim, dtype=None):
    """keepdim as a bool (False when omitted), after PyTorch's TypeError for keepdim given without a
    dim and for prod's, max's, min's dim=None (method: a Tensor method's wording)."""
    if (dim is OMITTED and keepdim is not OMITTED) or (dim is None and name in _DIM_NONE_REFUSED):
        _refuse_without_dim(name, method, dim, keepdim, dtype)
    return keepdim is not OMITTED and keepdim


def _refuse_without_dim(name, method, dim, keepdim, dtype=None):
    """PyTorch's TypeError for keepdim given without a dim (and for prod's, max's, min's dim=None)."""
    if dim is None and (keepdim is not OMITTED or dtype is not None):
        raise TypeError(f"{name}(): argument 'dim' must be int, not NoneType")
    if dtype is not None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    key, value = ("dim", dim) if dim is None else ("keepdim", keepdim)
    got = f"{key}={_type_name(value)}"
    got = f"{got}, " if method else f"Tensor, {got}"
    why = f"      didn't match because some of the keywords were incorrect: {key}\n"
    options = "".join(o.format(why=why) for o in _WITHOUT_DIM[(name, method)])
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                    f"{options}")


def sum(input, dim=OMITTED, keepdim=OMITTED, dtype=None):
    """out = sum of input (over dim; None or (): all of them)"""
    keepdim = _keepdim_given("sum", False, dim, keepdim, dtype)
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    if dim is OMITTED:
        return apply(_OP["sum"], (input,))
    return apply(_OP["sum_dim"], (input,), {"dim": _reduced_dims(dim, input.ndim), "keepdim": keepdim})


def mean(input, dim=OMITTED, keepdim=OMITTED, dtype=None):
    """out = sum / count (over dim; None or (): all of them)"""
    keepdim = _keepdim_given("mean", False, dim, keepdim, dtype)
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{_dtypes.SCALAR_NAME[input.dtype]}")
    if input._data.size == 0:  # nan, silently (numpy's mean warns "Mean of empty slice")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _mean(input, dim, keepdim)
    return _mean(input, dim, keepdim)


def _mean(input, dim, keepdim):
    if dim is OMITTED:
        return apply(_OP["mean"], (input,))
    return apply(_OP["mean_dim"], (input,), {"dim": _reduced_dims(dim, input.ndim), "keepdim": keepdim})


class _ValuesIndices(tuple):
    """torch.return_types.max: a (values, indices) pair with names."""

    def __new__(cls, name, values, indices):
        obj = super().__new__(cls, (values, indices))
        obj._name = name
        return obj

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _extreme(name, input, dim, keepdim, other, caller=None):
    if isinstance(dim, Tensor) and other is None:  # torch.max(a, b) is maximum
        dim, other = None, dim
    if other is not None:
        return (maximum if name == "max" else minimum)(input, other)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        return apply(_OP[name], (input,))
    d = _dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{caller or name}(): Expected reduction dim {d} to have non-zero size.")
    arg = np.argmax if name == "max" else np.argmin
    a = input._data if input.ndim else input._data.reshape(1)
    return _selected(name, input, d, keepdim, np.expand_dims(arg(a, axis=d), d))


def median(input, dim=None, keepdim=False):
    """median(input): the lower of the two middle values (nan if there is one); median(input, dim):
    (values, indices), the gradient to the index picked"""
    if dim is None:
        return apply(_OP["median"], (input,))
    d = _dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    return _selected("median", input, d, keepdim, _median_indices(input._data, d))


def _addmm_dtypes(bias, mat1, mat2):
    """PyTorch's addmm dtype errors (a float64 batch into a float32 layer is a common slip)."""
    if bias.dtype != mat2.dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got "
                           f"{_dtypes.SCALAR_NAME[bias.dtype]} and {_dtypes.SCALAR_NAME[mat2.dtype]}")
    if mat1.dtype != mat2.dtype:
        raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                           f"{_dtypes.SCALAR_NAME[mat1.dtype]} and {_dtypes.SCALAR_NAME[mat2.dtype]}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """out = beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape"""
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    with no_grad():  # (expand's refusal of a bias that does not broadcast)
        input.detach().expand(mat1.shape[0], mat2.shape[1])
    _addmm_dtypes(input, mat1, mat2)
    if beta == 1 and alpha == 1:
        return apply(_OP["addmm"], (input, mat1, mat2))
    return apply(_OP["addmm_scaled"], (input, mat1, mat2), {"beta": beta, "alpha": alpha})


_CROSS_WITHOUT_DIM = ("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release. (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/native/Cross.cpp:63.)")


def linalg_cross(input, other, *, dim=-1):
    """out = the cross products of the 3-vectors of input and other (broadcast) along dim"""
    if not isinstance(other, Tensor):
        raise not_a_tensor("linalg_cross", "other", other, position=2)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    if input.dtype != other.dtype:
        raise RuntimeError(f"expected scalar type {_dtypes.SCALAR_NAME[input.dtype]} but found "
                           f"{_dtypes.SCALAR_NAME[other.dtype]}")
    message = _broadcast_message(input.shape, other.shape)
    if message:
        raise RuntimeError(message)
    return apply(_OP["linalg_cross"], (input, other), {"dim": d})


def cross(input, other, dim=None):
    """out = the cross products of the 3-vectors along dim (None: the first dim of size 3, with
    torch's deprecation warning)"""
    if dim is None:
        _warn(_CROSS_WITHOUT_DIM)
        sizes = np.broadcast_shapes(input.shape, other.shape) if input.ndim == other.ndim else input.shape
        dim = next((d for d, n in enumerate(sizes) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def einsum(equation, *operands):
    """Einstein summation: the operands' dims named by letters in `equation` ("ij,jk->ik"), the
    letters missing from the output summed over. Composed as ATen composes it (Linear.cpp): each
    operand unsqueezed and permuted to the same order of labels (output labels first), a repeated label
    as a diagonal; then, left to right, two operands at a time by sumproduct_pair (a mul, or a bmm of
    the operands permuted and reshaped to (shared, own, summed)); so grad_fns match torch's."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least "
                           "one operand and its subscripts list")
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    labels = []  # each operand's labels, "." for its ellipsis
    for i, (term, op) in enumerate(zip(terms, operands)):
        found = list(term.replace("...", "."))
        for c in found:
            if c != "." and not c.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index {lhs.index(c)} in the equation "
                                   "string, subscripts must be in [a-zA-Z]")
        named = len(found) - ("." in found)
        if ("." in found and op.ndim < named) or ("." not in found and op.ndim != named):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                               f"number of dimensions ({op.ndim}) for operand {i}"
                               + ("" if "." in found else " and no ellipsis was given"))
        labels.append(found)
    sizes = {}  # (each label's size: an operand's 1 broadcasts)
    for i, (op, ls) in enumerate(zip(operands, labels)):
        d, own = 0, {}
        for c in ls:
            if c == ".":
                d += op.ndim - len(ls) + 1
                continue
            n, d = op.shape[d], d + 1
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                   f"{n} != {own[c]}")
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {sizes[c]}")
            own[c] = n
            if sizes.get(c, 1) == 1:
                sizes[c] = n
    ell_dims = builtins.max([op.ndim - len(ls) + 1 for ls, op in zip(labels, operands) if "." in ls], default=0)
    ell_sizes = [1] * ell_dims
    for i, (op, ls) in enumerate(zip(operands, labels)):
        if "." in ls:
            start, w = ls.index("."), op.ndim - len(ls) + 1
            for k, n in zip(range(ell_dims - w, ell_dims), op.shape[start:start + w]):
                if ell_sizes[k] not in (1, n) and n != 1:  # (torch's message, its missing space too)
                    raise RuntimeError(f"einsum(): dimension {k} covered by ellipsis in operand {i}has size {n} which "
                                       f"does not broadcast with previously seen ellipsis with size {ell_sizes[k]} for "
                                       "the respective dimension")
                ell_sizes[k] = n if ell_sizes[k] == 1 else ell_sizes[k]
    counts = {}
    for ls in labels:
        for c in ls:
            if c != ".":
                counts[c] = counts.get(c, 0) + 1
    if arrow:
        output = list(rhs.replace("...", "."))
        for c in output:
            if c != "." and output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c != "." and c not in counts:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    else:  # (the labels that appear once, in order, after the ellipsis' dims)
        output = (["."] if any("." in ls for ls in labels) else []) + sorted(c for c, n in counts.items() if n == 1)
    def width(ls):  # (the dims labels stand for: the ellipsis for ell_dims)
        return builtins.sum(ell_dims if c == "." else 1 for c in ls)
    # each label's dim in the common order: the output's, then the ellipsis' (when the output has
    # none: summed), then the summed labels in alphabetical order
    position = {c: width(output[:k]) for k, c in enumerate(output) if c != "."}
    out_dims = width(output)
    ell_at = width(output[:output.index(".")]) if "." in output else out_dims
    total = out_dims + (0 if "." in output else ell_dims)
    for c in sorted(counts):
        if c not in position:
            position[c], total = total, total + 1
    permuted = []
    for op, ls in zip(operands, labels):
        perm, j = [-1] * total, 0
        for c in ls:
            if c == ".":
                for _ in range(ell_dims - (op.ndim - len(ls) + 1)):
                    op = op.unsqueeze(j)
                for k in range(ell_dims):
                    perm[ell_at + k] = j
                    j += 1
            elif perm[position[c]] != -1:  # a repeated label: the diagonal
                if op.ndim != 2:
                    raise NotImplementedError("autograd_core's einsum takes a repeated label only in a matrix ('ii')")
                op = movedim(diagonal(op, 0, 0, 1), -1, perm[position[c]])
            else:
                perm[position[c]] = j
                j += 1
        for k in range(total):
            if perm[k] == -1:
                op = op.unsqueeze(-1)
                perm[k] = j
                j += 1
        permuted.append(permute(op, perm))
    dim_counts = [builtins.sum(op.shape[d] != 1 for op in permuted) for d in range(total)]  # (operands having d)
    if any(0 in op.shape for op in permuted):
        shape = [builtins.max(op.shape[d] for op in permuted) for d in range(out_dims)]
        return _make(np.zeros(shape, permuted[0]._data.dtype), None, False)
    if len(permuted) == 1:
        summed = list(range(out_dims, total))
        return sum(permuted[0], summed) if summed else permuted[0]
    ops = permuted
    while len(ops) > 1:
        a, b = ops[0], ops[1]
        sum_dims, a_dims, b_dims = [], [], []
        for d in range(out_dims, total):
            if a.shape[d] != 1 and b.shape[d] != 1:
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if a.shape[d] != 1:
                    a_dims.append(d)
                    dim_counts[d] = 0
                elif b.shape[d] != 1:
                    b_dims.append(d)
                    dim_counts[d] = 0
        if a_dims:
            a = sum(a, a_dims, True)
        if b_dims:
            b = sum(b, b_dims, True)
        ops = [_sumproduct_pair(a, b, sum_dims)] + ops[2:]
    if total > out_dims:
        return ops[0].view(*ops[0].shape[:out_dims])
    return ops[0]


def inner(input, other):
    """out = the sums of products over the last dim of input and of other (for each pair of their
    other elements); a 0-d operand: input * other. Composed as ATen's tensordot: each operand permuted
    (the summed dim last / first) and reshaped to a matrix, mm, reshaped; two vectors: dot"""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    if input.dtype != other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    left = permute(input, list(range(input.ndim)))
    right = permute(other, [other.ndim - 1] + list(range(other.ndim - 1)))
    shape = list(input.shape[:-1]) + list(other.shape[:-1])
    if input.ndim == other.ndim == 1:
        return dot(left, right).view(*shape)
    size = input.shape[-1]
    rows, cols = int(np.prod(input.shape[:-1])), int(np.prod(other.shape[:-1]))
    return mm(left.reshape(rows, size), right.reshape(size, cols)).reshape(*shape)


def _sumproduct_pair(left, right, sum_dims):
    """ATen's sumproduct_pair (keepdim): sum over sum_dims of left * right (broadcast), as one bmm of
    left permuted to (both, left only, summed) and right to (both, summed, right only), then viewed and
    permuted back; no dim to sum: a mul"""
    if not sum_dims:
        return left * right
    lro, lo, ro, summed = [], [], [], 1
    for d in range(left.ndim):
        sl, sr = left.shape[d] != 1, right.shape[d] != 1
        if d in sum_dims:
            if sl and sr:
                summed *= left.shape[d]
            elif sl:
                left = sum(left, d, True)
            elif sr:
                right = sum(right, d, True)
        elif sl and sr:
            lro.append(d)
        elif sl:
            lo.append(d)
        else:
            ro.append(d)
    size = lambda t, dims: int(np.prod([t.shape[d] for d in dims]))  # noqa: E731
    out_size = [left.shape[d] for d in lro + lo] + [1] * len(sum_dims) + [right.shape[d] for d in ro]
    order = lro + lo + list(sum_dims) + ro
    back = [order.index(d) for d in range(len(order))]
    left = permute(left, lro + lo + list(sum_dims) + ro).reshape(size(left, lro), size(left, lo), summed)
    right = permute(right, lro + list(sum_dims) + ro + lo).reshape(size(right, lro), summed, size(right, ro))
    return permute(bmm(left, right).view(*out_size), back)


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices): the k-th smallest element along dim (k = 1: the smallest; nan: largest)"""
    d = _dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if input.ndim and size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _selected("kthvalue", input, d, keepdim, _kthvalue_indices(input._data, k, d))


def _cumulative_extreme(name, input, dim, keep):
    d = _dim(dim, input.ndim)
    indices = _cumulative_extreme_indices(input._data, d, keep)
    values = apply(_OP[name], (input,), {"dim": d, "indices": indices})
    return _ValuesIndices(name, values, _saved_indices(values, indices))


def cummax(input, dim):
    """(values, indices): the largest element so far along dim, and where it is (the last of equal
    ones; a nan, once met, stays)"""
    return _cumulative_extreme("cummax", input, dim, np.greater_equal)


def cummin(input, dim):
    """(values, indices): the smallest element so far along dim, and where it is"""
    return _cumulative_extreme("cummin", input, dim, np.less_equal)


def count_nonzero(input, dim=None):
    """the number of nonzero elements (along dim: an int or a tuple of them), as int64"""
    axis = None if dim is None else _dims(dim, input.ndim) or None
    return _make(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64), None, False)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """out = the sum of input (over dim), nan counted as 0"""
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    dims = () if dim is None else _dims(dim, input.ndim)
    return apply(_OP["nansum"], (input,), {"dim": dims, "keepdim": keepdim})


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """out = the mean of input's elements that are not nan (over dim): nansum / their count"""
    if dtype is None and not input.dtype.is_floating_point:
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_dtypes.SCALAR_NAME[input.dtype]}")
    count = logical_not(isnan(input)).sum(dim=dim, keepdim=keepdim) if dim is not None else \
        logical_not(isnan(input)).sum()
    return nansum(input, dim, keepdim, dtype=dtype) / count


def addcmul(input, tensor1, tensor2, *, value=1):
    """out = input + value * tensor1 * tensor2"""
    return apply(_OP["addcmul"], (input, tensor1, tensor2), {"value": value})


def addcdiv(input, tensor1, tensor2, *, value=1):
    """out = input + value * tensor1 / tensor2"""
    if result_dtype(tensor1, tensor2).kind != "f":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    return apply(_OP["addcdiv"], (input, tensor1, tensor2), {"value": value})


def dist(input, other, p=2):
    """out = the p-norm of input - other (broadcast)"""
    if not isinstance(other, Tensor):
        raise not_a_tensor("dist", "other", other, position=2)
    dtype = result_dtype(input, other)
    if dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{_dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[dtype]]} instead.")
    return apply(_OP["dist"], (input, other), {"p": p if isinstance(p, numbers.Real) else builtins.float(p)})


def _selected(name, input, d, keepdim, indices):
    """(values, indices) of a reduction that picks one element along dim d: the values at
    `indices` (d kept) as the row name + '_dim' records them."""
    values = apply(_OP[name + "_dim"], (input,), {"dim": d, "keepdim": keepdim or input.ndim == 0,
                                                  "indices": indices})
    if input.ndim == 0:
        values = _make(values._data.reshape(()), values.grad_fn, values._requires_grad)
    idx = indices if keepdim else indices.squeeze(d)
    return _ValuesIndices(name, values, _saved_indices(values, idx.reshape(values._data.shape)))


def _saved_indices(values, idx):
    """The indices an op returns beside its values, as an int64 tensor. Backward reads them
    (PyTorch saves them as an output of the node), so changing them in place is caught."""
    indices = _make(idx.astype(np.int64), None, False)
    node = values._grad_fn
    if node is not None and node._packed is None:  # (packed by saved_tensors_hooks: not checked)
        node._saved_versions = (node._saved_versions or []) + [(indices._vc, 0, indices, indices._data)]
    return indices


def max(input, dim=OMITTED, keepdim=OMITTED, *, other=None):
    """max(input): largest element; max(input, dim): (values, indices); max(a, b): maximum"""
    keepdim = _keepdim_given("max", False, dim, keepdim)
    return _extreme("max", input, None if dim is OMITTED else dim, keepdim, other)


def min(input, dim=OMITTED, keepdim=OMITTED, *, other=None):
    """min(input): smallest element; min(input, dim): (values, indices); min(a, b): minimum"""
    keepdim = _keepdim_given("min", False, dim, keepdim)
    return _extreme("min", input, None if dim is OMITTED else dim, keepdim, other)


def amax(input, dim=(), keepdim=False):
    """the largest element over dim (every dim by default); equal largest ones share the gradient"""
    return _amax_amin("amax", input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    """the smallest element over dim (every dim by default); equal smallest ones share the gradient"""
    return _amax_amin("amin", input, dim, keepdim)


def _amax_amin(name, input, dim, keepdim):
    given = () if dim is None else dim if isinstance(dim, (list, tuple)) else (dim,)
    dims = _dims(given, input.ndim) if given else ()
    if input._data.size == 0:
        if not given:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        for d, g in zip(dims, given):
            if input.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {g} to have non-zero size.")
    return apply(_OP[name], (input,), {"dim": dims, "keepdim": keepdim})


def argmax(input, dim=None, keepdim=False):
    """the index of the largest element (along dim)"""
    return _arg_extreme("max", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """the index of the smallest element (along dim)"""
    return _arg_extreme("min", input, dim, keepdim)


def _arg_extreme(name, input, dim, keepdim):
    if input._data.dtype == np.bool_:
        raise RuntimeError(f"arg{name}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"arg{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        arg = np.argmax if name == "max" else np.argmin
        return _make(np.asarray(arg(input._data), dtype=np.int64), None, False)
    return _extreme(name, input, dim, keepdim, None, caller="arg" + name).indices


def norm(input, p="fro", dim=None, keepdim=False):
    """out = (sum |input|**p) ** (1/p), p = 2 by default"""
    if input._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_dtypes.SCALAR_NAME[input.dtype]}")
    if p in ("fro", None):
        p = 2
    given, p = p, builtins.float(p)  # (the node keeps the number given: LinalgVectorNormBackward0's ord 2)
    dims = _reduced_dims(dim, input.ndim) if dim is not None else None
    if (p < 0 or p == builtins.float("inf")) and input.numel() == 0:  # (no identity to start from)
        if not dims:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because "
                               "the operation does not have an identity")
        for d in (dim if isinstance(dim, (list, tuple)) else (dim,)):
            if input.shape[_dim(d, input.ndim)] == 0:  # (PyTorch's message, its missing space too)
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {d}"
                                   "because this dimension is empty and the operation does not have an identity")
    return apply(_OP["norm"], (input,), {"p": given, "dim": dims, "keepdim": keepdim})


def softmax(input, dim, dtype=None):
    """out_i = e**x_i / sum_j e**x_j along dim"""
    return _softmax("softmax", input, dim, dtype)


def log_softmax(input, dim, dtype=None):
    """out_i = x_i - log sum_j e**x_j along dim"""
    return _softmax("log_softmax", input, dim, dtype)


def _softmax(name, input, dim, dtype):
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    d = _dim(dim, input.ndim)
    if input._data.dtype.kind != "f" and input.numel():  # ATen's kernels exist for floating types only
        last = d == input.ndim - 1 or input.ndim == 0
        raise _not_implemented(f"{name}_{'lastdim_' if last else ''}kernel_impl", input._data.dtype)
    return apply(_OP[name], (input,), {"dim": d})


# --- linear algebra --------------------------------------------------------------------------------
def _same_dtype(a, b, names=("m1", "m2")):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected {names[0]} and {names[1]} to have the same dtype, but got: "
                           f"{_dtypes.CPP_NAME[a.dtype]} != {_dtypes.CPP_NAME[b.dtype]}")


def mm(input, mat2):
    """out = input @ mat2 for matrices"""
    a, b = input._data, mat2._data  # (the arrays' shapes: no Size built on the hot path)
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    if a.dtype is not b.dtype:
        _same_dtype(input, mat2)
    return apply(_OP["mm"], (input, mat2))


def mv(input, vec):
    """out = input @ vec for a matrix and a vector"""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({'x'.join(map(str, input.shape))}), vec ({vec.shape[0] if vec.ndim else 1})")
    if input._data.dtype != vec._data.dtype:  # PyTorch's addmv names (result, mat, vec)
        names = [_dtypes.SCALAR_NAME[t.dtype] for t in (vec, input, vec)]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {names[0]}, "
                           f"{names[1]}, and {names[2]}")
    return apply(_OP["mv"], (input, vec))


def dot(input, other):
    """out = sum_i input_i * other_i for vectors"""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{_dtypes.SCALAR_NAME[input.dtype]} and {_dtypes.SCALAR_NAME[other.dtype]}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return apply(_OP["dot"], (input, other))


def bmm(input, mat2):
    """out[b] = input[b] @ mat2[b]"""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input.ndim != 3 else
                           "batch2 must be a 3D tensor")
    b, n, k = input.shape
    if mat2.shape[0] != b or mat2.shape[1] != k:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, "
                           f"{k}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    if input._data.size == 0 or mat2._data.size == 0:  # (ATen fills the result before its kernel
        return apply(_OP["bmm"], (input, mat2))        # would look at the dtypes)
    if input._data.dtype == np.bool_:
        raise _not_implemented("bmm", np.bool_)
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"expected scalar type {_dtypes.SCALAR_NAME[input.dtype]} but found "
                           f"{_dtypes.SCALAR_NAME[mat2.dtype]}")
    return apply(_OP["bmm"], (input, mat2))


def matmul(input, other):
    """out = input @ other, with PyTorch's cases: dot, mv, mm, and batched (broadcast) bmm"""
    input, other = _t(input), _t(other)
    d1, d2 = input._data.ndim, other._data.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {d1}D "
                           f"and {d2}D")
    if d1 == 1 and d2 == 1:
        return dot(input, other)
    if d1 == 2 and d2 == 1:
        return mv(input, other)
    if d1 == 1 and d2 == 2:
        out = apply(_OP["squeeze_"], (mm(unsqueeze(input, 0), other),), {"dims": (0,)})
        out._vc[0] += 1  # (PyTorch squeezes mm's result in place: the result is at version 1)
        return out
    if d1 == 2 and d2 == 2:
        return mm(input, other)
    if d1 == 3 and d2 == 3:
        # PyTorch drops a batch of one that requires grad (SqueezeBackward1), so that its gradient
        # is not a sum over a broadcast batch
        if input.shape[0] == 1 and other.shape[0] != 1 and input.requires_grad:
            return matmul(squeeze(input, 0), other)
        if other.shape[0] == 1 and input.shape[0] != 1 and other.requires_grad:
            return matmul(input, squeeze(other, 0))
    fold = _should_fold(input, other)
    if d1 <= 2 and d2 >= 3 and fold:
        # PyTorch folds other.mT instead (when input requires grad): out.mT = other.mT @ input.T
        t1, t2 = transpose(other, -2, -1), (t(input) if d1 == 2 else input)
        rows = t1.shape[:-1]
        folded = reshape(t1, (int(np.prod(rows)), t1.shape[-1]))
        if d1 == 1:
            return apply(_OP["unsafe_view"], (mv(folded, t2),), {"shape": tuple(rows)})
        out = apply(_OP["unsafe_view"], (mm(folded, t2),), {"shape": tuple(rows) + (t2.shape[1],)})
        return contiguous(transpose(out, -2, -1))
    if d1 >= 3 and d2 <= 2 and fold:  # fold the batch into the rows of one matrix product
        batch, k = input.shape[:-1], input.shape[-1]
        folded = reshape(input, (int(np.prod(batch)), k))
        out = mv(folded, other) if d2 == 1 else mm(folded, other)
        shape = batch if d2 == 1 else batch + (other.shape[-1],)
        return apply(_OP["unsafe_view"], (out,), {"shape": tuple(shape)})
    # batched: broadcast the batch dims, then one bmm
    a = unsqueeze(input, 0) if d1 == 1 else input
    b = unsqueeze(other, -1) if d2 == 1 else other
    try:  # PyTorch broadcasts the batch dims first, then bmm checks the matrices
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(_broadcast_message(a.shape[:-2], b.shape[:-2])) from None
    n_batch = int(np.prod(batch))
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n_batch}, {a.shape[-1]}] but got: [{n_batch}, {b.shape[-2]}].")
    a3 = reshape(expand(a, batch + a.shape[-2:]), (n_batch,) + a.shape[-2:])
    b3 = reshape(expand(b, batch + b.shape[-2:]), (n_batch,) + b.shape[-2:])
    out_shape = batch + ((a.shape[-2],) if d1 > 1 else ()) + ((b.shape[-1],) if d2 > 1 else ())
    out = bmm(a3, b3)
    if d2 == 1:  # PyTorch squeezes the vector's column before the final view
        out = squeeze(out, -1)
    return apply(_OP["unsafe_view"], (out,), {"shape": tuple(out_shape)})


def _should_fold(a, b):
    """PyTorch's should_fold: fold the larger operand's batch dims into one mm/mv when the smaller
    one requires grad, or when the fold needs no copy (else matmul broadcasts and uses bmm)."""
    a_larger = a.ndim >= b.ndim
    big, small = (a, b) if a_larger else (b, a)
    if not (big.ndim >= 3 and small.ndim <= 2):
        return False
    if small.requires_grad:
        return True
    if a.ndim == 2:
        return False
    t1 = big._data if a_larger else np.swapaxes(big._data, -1, -2)
    if t1.size == 0:
        return True
    st = [s // t1.itemsize for s in t1.strides]
    return all(st[i] == st[i + 1] * t1.shape[i + 1] for i in range(t1.ndim - 2))


# --- shapes ---------------------------------------------------------------------------------------
def t(input):
    """out = input transposed (at most 2-D)"""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return apply(_OP["t"], (input,), view_of=input)


def transpose(input, dim0, dim1):
    """out = input with dims dim0 and dim1 swapped"""
    n = input.ndim
    return apply(_OP["transpose"], (input,), {"dim0": _dim(dim0, n), "dim1": _dim(dim1, n)},
                 view_of=input)


def swapaxes(input, axis0, axis1):
    """transpose by numpy's name (and numpy's names of the dims)"""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """transpose by another name"""
    return transpose(input, dim0, dim1)


def permute(input, *dims):
    """out = input with its dims reordered"""
    dims = _shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {input.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(_OP["permute"], (input,), {"dims": dims}, view_of=input)


def reshape(input, *shape):
    """out = input with a new shape (a view when the memory allows, else a copy)"""
    shape = _infer_shape(_shape_arg(shape), input.numel())
    if _can_view(input._data, shape):
        # PyTorch: view when contiguous, _reshape_alias (ReshapeAliasBackward0) when strided
        op = "view" if input._data.flags.c_contiguous else "reshape_alias"
        return apply(_OP[op], (input,), {"shape": shape}, view_of=input)
    return apply(_OP["unsafe_view"], (clone(input),), {"shape": shape})


def view(input, *shape):
    """out = input with a new shape, sharing memory"""
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        raise NotImplementedError("view(dtype) is not supported by autograd_core")
    shape = _infer_shape(_shape_arg(shape), input.numel())
    if not _can_view(input._data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least "
                           "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                           "instead.")
    return apply(_OP["view"], (input,), {"shape": shape}, view_of=input)


def flatten(input, start_dim=0, end_dim=-1):
    """input with dims start_dim..end_dim merged into one (a 0-d tensor becomes 1-d)"""
    s, e = _dim(start_dim, input.ndim), _dim(end_dim, input.ndim)
    if input.ndim == 0:
        return reshape(input, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input.shape[:s] + (int(np.prod(input.shape[s:e + 1])),) + input.shape[e + 1:]
    return reshape(input, shape)  # (the merged size spelled out: -1 cannot be inferred with a 0)


def unflatten(input, dim, sizes):
    """input viewed with dim split into sizes (one of them may be -1: what is left of the dim)"""
    d = _dim(dim, input.ndim)
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be inferred")
    n, known = input.shape[d], int(np.prod([s for s in sizes if s != -1]))
    if -1 in sizes and not known and not n:
        raise RuntimeError(f"unflatten got an unexpected error:\ncannot reshape tensor of 0 elements into shape "
                           f"{sizes} because the unspecified dimension size -1 can be any value and is ambiguous")
    if not (known and n % known == 0 if -1 in sizes else n == known):
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {d} "
                           f"({n}) in the input tensor")
    sizes = [n // known if s == -1 else s for s in sizes]
    return view(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1:])


def squeeze(input, dim=None):
    """out = input without its size-1 dims (or only dim)"""
    if dim is None:
        dims = tuple(i for i, s in enumerate(input.shape) if s == 1)
        return apply(_OP["squeeze"], (input,), {"dims": dims}, view_of=input)
    dims = tuple(d for d in _dims(dim, input.ndim) if input.ndim and input.shape[d] == 1)
    return apply(_OP["squeeze_dim"], (input,), {"dims": dims}, view_of=input)


def unsqueeze(input, dim):
    """out = input with a new size-1 dim at dim"""
    return apply(_OP["unsqueeze"], (input,), {"dim": _dim(dim, input.ndim + 1)}, view_of=input)


def expand(input, *sizes):
    """out = input repeated along size-1 dims without copying (-1 keeps a size)"""
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand(torch.{input.dtype._legacy}{{{list(input.shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({input.ndim})")
    shape = list(sizes)
    offset = len(sizes) - input.ndim
    for i in reversed(range(len(sizes))):  # ATen's inferExpandGeometry: from the last dim
        size = input.shape[i - offset] if i >= offset else 1
        target = sizes[i]
        if target == -1:
            if i < offset:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            shape[i] = size
        elif size != target and size != 1:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the existing "
                               f"size ({size}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(input.shape)}")
    return apply(_OP["expand"], (input,), {"shape": tuple(shape)}, view_of=input)


def expand_as(input, other):
    """input.expand(other.shape): only other's shape is read (never its grad_fn)"""
    return expand(input, other.shape)


def contiguous(input):
    """input itself when its memory is in C order, else a C-ordered copy (CloneBackward0)"""
    if input._data.flags.c_contiguous:
        return input
    return apply(_OP["clone"], (input,), {"contiguous": True})


def cat(tensors, dim=0):
    """out = tensors joined along dim"""
    tensors = [_t(x) for x in tensors]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # (PyTorch's legacy rule: a 1-D tensor of size 0 is left out, and sets neither dim nor shapes)
    kept = [(i, x) for i, x in enumerate(tensors) if not (x.ndim == 1 and x.shape[0] == 0)]
    if not kept:
        return apply(_OP["cat"], tuple(tensors), {"dim": 0})
    ref = kept[0][1]
    d = _dim(dim, ref.ndim)
    for i, x in kept[1:]:
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}")
        for j in range(ref.ndim):
            if j != d and x.shape[j] != ref.shape[j]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref.shape[j]} but got size {x.shape[j]} for tensor number "
                                   f"{i} in the list.")
    return apply(_OP["cat"], tuple(tensors), {"dim": d})


concat = concatenate = cat


def stack(tensors, dim=0):
    """out = tensors stacked along a new dim"""
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, x in enumerate(tensors[1:], 1):
        if x.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(x.shape)} at entry {i}")
    return apply(_OP["stack"], tuple(tensors), {"dim": _dim(dim, tensors[0].ndim + 1)})


# --- indexing -------------------------------------------------------------------------------------
def _getitem(self, index, setitem=False):
    """Basic indexing as a chain of select / slice / unsqueeze views (PyTorch's grad_fns);
    tensor, list and mask indices as one IndexBackward0.

    setitem: x[index] = ...: (the view the basic part of index selects, the tensor indices left
    for index_put_ or None); a slice over a whole dim is then skipped, as PyTorch skips it."""
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (Tensor, list, tuple, np.ndarray, range)) and not isinstance(i, builtins.bool)
           and not _is_int_scalar(i) for i in items):
        idx = _index_arrays(index if isinstance(index, tuple) else (index,))
        # a list, range or nested tuple is a sequence of indices, as PyTorch reads it
        idx = tuple((np.asarray(list(i)) if len(i) else np.zeros(0, np.int64))
                    if isinstance(i, (list, range, tuple)) else i for i in idx)
        if any(isinstance(i, np.ndarray) and i.dtype.kind not in "biu" for i in idx):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if any(isinstance(i, np.ndarray) and i.dtype == np.uint8 for i in idx):
            idx = _byte_masks(idx)
        base, idx = _basic_part_first(self, idx, setitem)
        _check_masks(base.shape, idx)
        if setitem:
            return base, idx
        try:
            _indexed(base._data, idx)
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None
        return apply(_OP["index"], (base,), {"indices": idx})
    if self.ndim == 0 and not isinstance(index, tuple):  # (a tuple is first counted, below)
        if isinstance(index, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        if index is not None and index is not Ellipsis and not isinstance(index, builtins.bool):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    n_real = builtins.sum(1 for i in items
                          if i is not None and i is not Ellipsis and not isinstance(i, builtins.bool))
    if n_real > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    out, dim, changed = self, 0, False
    real = 0  # the dim of self an item indexes (what PyTorch's messages name)
    for i in items:
        if i is Ellipsis:
            dim += self.ndim - n_real  # skip the dims the ellipsis stands for
            real += self.ndim - n_real
            continue
        if i is None:
            out = unsqueeze(out, dim)
            dim += 1
            changed = True
        elif isinstance(i, builtins.bool):
            out = unsqueeze(out, dim)
            dim += 1
            changed = True
            if not i:
                out = apply(_OP["slice"], (out,), {"dim": dim - 1, "index": slice(0, 0)}, view_of=out)
        elif isinstance(i, slice):
            size = out.shape[dim]
            start, stop, step = i.indices(size)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            # PyTorch skips a slice only when it is written as a no-op (start 0, stop >= size,
            # step 1) before normalising: x[..., -3:] on size 3 still records a SliceBackward0
            whole = ((i.start or 0) == 0 and (i.stop is None or i.stop >= size)
                     and (i.step or 1) == 1)
            if not whole or not (isinstance(index, tuple) or setitem):
                # (kept as given, which numpy reads as PyTorch does: SliceBackward0 shows start 0 and
                # end 2**63 - 1 for the bounds left out)
                given = slice(0 if i.start is None else operator.index(i.start),
                              _INT64_MAX if i.stop is None else operator.index(i.stop), step)
                out = apply(_OP["slice"], (out,), {"dim": dim, "index": given}, view_of=out)
                changed = True
            dim += 1
            real += 1
        elif isinstance(i, (numbers.Integral, Tensor)):
            k = int(i)
            size = out.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {real} with size {size}")
            real += 1
            out = apply(_OP["select"], (out,), {"dim": dim, "index": _in_range(k, size)}, view_of=out)
            changed = True
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got " + type(i).__name__ + ")")
    if setitem:
        return out, None
    if not changed:
        out = apply(_OP["alias"], (self,), view_of=self)
    return out


def _basic_part_first(self, idx, setitem=False):
    """PyTorch applies the ints / slices / None of a mixed index first (Select/Slice/Unsqueeze
    views), then IndexBackward0 with the tensor indices alone: (view, the remaining index)."""
    if any(isinstance(i, builtins.bool) for i in idx):
        return self, idx
    basic, rest = [], []
    for i in idx:
        if isinstance(i, np.ndarray):
            basic.extend([slice(None)] * (i.ndim if i.dtype == np.bool_ else 1))
            rest.append(i)
        elif i is None or isinstance(i, slice):
            basic.append(i)
            rest.append(slice(None))
        elif i is Ellipsis:
            basic.append(i)
            rest.append(i)
        else:  # an int (or 0-d int tensor): the dim disappears
            basic.append(i)
    if all(i == slice(None) or i is Ellipsis for i in basic):
        return self, idx
    if setitem:
        return _getitem(self, tuple(basic), setitem=True)[0], tuple(rest)
    view = _getitem(self, tuple(basic))
    if view.grad_fn is not None and view.grad_fn.op is _OP["alias"]:
        return self, tuple(rest)  # the basic part was a no-op (PyTorch records nothing for it)
    return view, tuple(rest)


def _is_int_scalar(i):
    """A 0-d integer tensor indexes like an int (PyTorch: select, not advanced indexing); a uint8
    one is a mask."""
    return isinstance(i, Tensor) and i._data.ndim == 0 and i._data.dtype.kind == "i"


def _byte_masks(idx):
    """A uint8 index tensor is a mask (PyTorch's deprecated byte mask: x[m.byte()] is x[m])."""
    if any(isinstance(i, np.ndarray) and i.dtype == np.uint8 and i.ndim for i in idx):
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                      "instead.", UserWarning, stacklevel=4)
    return tuple(i.astype(np.bool_) if isinstance(i, np.ndarray) and i.dtype == np.uint8 else i for i in idx)


def _only_a_byte_mask(index):
    """Whether a uint8 tensor is index's one tensor index (x[m.byte()] = 5 is PyTorch's masked_fill_,
    which refuses it)."""
    items = index if isinstance(index, tuple) else (index,)
    tensors = [i for i in items if isinstance(i, (Tensor, list, tuple, np.ndarray, range)) and not _is_int_scalar(i)]
    return len(tensors) == 1 and isinstance(tensors[0], Tensor) and tensors[0]._data.dtype == np.uint8


def _check_masks(shape, idx):
    """PyTorch's error for a boolean mask whose shape differs from the dims it indexes."""
    real = builtins.sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1
                        for i in idx if i is not None and i is not Ellipsis)
    shape, dim = list(shape), 0
    for i in idx:
        if i is Ellipsis:
            dim += builtins.max(0, len(shape) - real)
        elif i is None:
            shape.insert(dim, 1)
            dim += 1
            real += 1
        elif isinstance(i, numbers.Integral) and not isinstance(i, builtins.bool):
            del shape[dim]  # PyTorch selects first: the dims after it move down
            real -= 1
        elif isinstance(i, np.ndarray) and i.dtype == np.bool_:
            for j, s in enumerate(i.shape):
                if dim + j < len(shape) and s != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(i.shape)} at index {j} does not "
                                     f"match the shape of the indexed tensor {shape} at index {dim + j}")
            dim += i.ndim
        else:
            dim += 1


# --- comparisons (not differentiable: bool results) ---------------------------------------------
def _compare(ufunc):
    def f(input, other):
        a, b, _ = _promoted(input, other)
        return _make(_elementwise(ufunc, a, b), None, False)
    f.__name__ = ufunc.__name__
    return f


eq, ne, lt, le, gt, ge = (_compare(u) for u in (np.equal, np.not_equal, np.less, np.less_equal,
                                                np.greater, np.greater_equal))
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def equal(input, other):
    return input.shape == other.shape and builtins.bool((input._data == other._data).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(np.asarray(np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)),
                 None, False)


def logical_not(input):
    return _make(np.asarray(np.logical_not(input._data)), None, False)


def bitwise_not(input):
    """~x: bitwise for integers, logical for bool"""
    if input._data.dtype.kind == "f":
        raise _not_implemented("bitwise_not_cpu", input._data.dtype)
    return _make(np.asarray(np.invert(input._data)), None, False)


def _positive(input):
    """+x is x itself (not for bool)"""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def sign(input):
    """-1, 0 or 1 (0 for nan); its gradient is zero"""
    return apply(_OP["sign"], (input,))


def sgn(input):
    """sign's extension to complex numbers (x / |x|); for real input its gradient is ATen's efficient
    zero tensor"""
    return apply(_OP["sgn"], (input,))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


# --- Tensor methods and operators ------------------------------------------------------------------
_WARNED = set()  # PyTorch warns once per process (TORCH_WARN_ONCE)


def _warn_once(message):
    if message not in _WARNED:
        _WARNED.add(message)
        _warn(message)


def _numpy_T(self):
    """x.T: the dims reversed (deprecated, with PyTorch's warning, unless x is a matrix)."""
    if self.ndim == 0:
        _warn_once("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.")
    elif self.ndim != 2:
        _warn_once("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                   "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                   "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                   "to reverse the dimensions of a tensor.")
    return permute(self, tuple(reversed(range(self.ndim))))


def _matrix_T(self):
    """x.mT: the last two dims swapped (a 0-d x is returned itself, as PyTorch does, with a warning)."""
    if self.ndim == 0:
        _warn_once("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.")
        return self
    if self.ndim == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)



# --- spread, products, fills, roundings, logic (the ops tutorials reach for) --------------------
def _correction(name, unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _spread(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, builtins.bool):  # std(x, False): the old positional `unbiased`
        dim, unbiased = OMITTED, dim
    # (x.var() with nothing given keeps correction None, as torch's node shows it; it means 1)
    given = dim is not OMITTED or unbiased is not None or correction is not None
    dim = None if dim is OMITTED else dim
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name if name.endswith('_mean') else 'std and var'} only support floating point and "
                           "complex dtypes")
    dims = _reduced_dims(dim, input.ndim) if dim is not None else None
    c = _correction(name, unbiased, correction)
    n = int(np.prod([input.shape[d] for d in dims])) if dims is not None else input.numel()
    if n - c <= 0:
        _warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
              "reduction factor (input numel divided by output numel).")
    params = {"dim": dims, "correction": c if given else None, "keepdim": keepdim}
    return _outputs_of_one_node(name, input, params) if name.endswith("_mean") else apply(_OP[name], (input,), params)


def var(input, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
    """out = sum((input - mean)**2) / (N - correction), correction 1 by default (unbiased)"""
    return _spread("var", input, dim, unbiased, keepdim, correction)


def std(input, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
    """out = sqrt(var(input))"""
    return _spread("std", input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
    """(var(input), mean(input)) from one pass over the data (VarMeanBackward0)"""
    return _spread("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
    """(std(input), mean(input)) from one pass over the data (StdMeanBackward0)"""
    return _spread("std_mean", input, dim, unbiased, keepdim, correction)


def repeat(input, *sizes):
    """out = input tiled sizes[i] times along dim i (extra leading sizes add dims)"""
    sizes = tuple(_shape_arg(sizes))
    _histories_first(input)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return apply(_OP["repeat"], (input,), {"repeats": sizes})


def prod(input, dim=OMITTED, keepdim=OMITTED, dtype=None):
    """out = product of input (over one dim)"""
    keepdim = _keepdim_given("prod", False, dim, keepdim, dtype)
    dim = None if dim is OMITTED else dim
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    if dim is None:
        return apply(_OP["prod"], (input,))
    return apply(_OP["prod_dim"], (input,), {"dim": _dim(dim, input.ndim), "keepdim": keepdim})



def _mask(mask):
    if mask._data.dtype != np.bool_:  # PyTorch names the C++ type here
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dtypes.CPP_NAME[mask.dtype]}")
    return mask._data


def masked_fill(input, mask, value):
    """out = value where mask else input"""
    m = _mask(mask)
    if isinstance(value, Tensor):
        _histories_first(input, value)
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        return apply(_OP["masked_fill_tensor"], (input, value), {"mask": m})
    return apply(_OP["masked_fill"], (input,), {"mask": m, "value": number_as(input._data.dtype, value)})


def _masked_fill_(self, mask, value):
    m = _mask(mask)
    if isinstance(value, Tensor):
        return _inplace(self, "masked_fill_tensor", (value,), {"mask": m})
    return _inplace(self, "masked_fill", params={"mask": m, "value": number_as(self._data.dtype, value)})


def clamp_min(input, min):
    """out = max(input, min)"""
    if isinstance(min, Tensor):
        return apply(_OP["clamp_min_tensor"], (input, min))
    _check_clamp(input, min, None)
    return apply(_OP["clamp_min"], (input,), {"min": min})


def clamp_max(input, max):
    """out = min(input, max)"""
    if isinstance(max, Tensor):
        return apply(_OP["clamp_max_tensor"], (input, max))
    _check_clamp(input, None, max)
    return apply(_OP["clamp_max"], (input,), {"max": max})


log1p = _unary("log1p", "out = ln(1 + input)")
expm1 = _unary("expm1", "out = e ** input - 1")
erf = _unary("erf", "out = 2 / sqrt(pi) * integral from 0 to input of e ** -t**2 dt")


def atan2(input, other):
    """out = the angle of the point (other, input) from the x axis, in (-pi, pi]"""
    if not isinstance(other, Tensor):
        raise not_a_tensor("atan2", "other", other, position=2)
    return apply(_OP["atan2"], (input, other))


arctan2 = atan2
tan = _unary("tan", "out = tan(input)")
asin = _unary("asin", "out = sin**-1(input), in [-pi/2, pi/2] (nan outside [-1, 1])")
acos = _unary("acos", "out = cos**-1(input), in [0, pi] (nan outside [-1, 1])")
atan = _unary("atan", "out = tan**-1(input), in (-pi/2, pi/2)")
sinh = _unary("sinh", "out = (e ** input - e ** -input) / 2")
cosh = _unary("cosh", "out = (e ** input + e ** -input) / 2")
asinh = _unary("asinh", "out = ln(input + sqrt(input**2 + 1))")
acosh = _unary("acosh", "out = ln(input + sqrt(input**2 - 1)) (nan below 1)")
atanh = _unary("atanh", "out = ln((1 + input) / (1 - input)) / 2 (nan outside [-1, 1])")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
log2 = _unary("log2", "out = log base 2 of input")
log10 = _unary("log10", "out = log base 10 of input")
exp2 = _unary("exp2", "out = 2 ** input")
erfc = _unary("erfc", "out = 1 - erf(input), without cancellation for large input")
trunc = _unary("trunc", "out = input rounded toward zero")
fix = trunc
frac = _unary("frac", "out = input - trunc(input) (the sign of input)")


def _tensor_or_number(name, input, other, number_self=False, other_name="other"):
    """PyTorch's argument parser for an op of (Tensor, Tensor) and (Tensor, Number) overloads (and
    (Number, Tensor) with number_self): anything else matches none of them."""
    if isinstance(input, Tensor) and isinstance(other, (Tensor, numbers.Number)):
        return
    if number_self and isinstance(input, numbers.Number) and isinstance(other, Tensor):
        return
    got = ", ".join("Tensor" if isinstance(a, Tensor) else _type_name(a) for a in (input, other))
    options = [f" * (Tensor input, Tensor {other_name}, *, Tensor out = None)\n"]
    if number_self:
        options.append(f" * (Number self, Tensor {other_name}, *, Tensor out = None)\n")
    options.append(f" * (Tensor input, Number {other_name}, *, Tensor out = None)\n")
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one "
                    f"of:\n{''.join(options)}")


def _method_operand(name, other):
    """other of Tensor.fmod(other) (and the like), refused as PyTorch's parser refuses it unless a
    Tensor or a number"""
    if isinstance(other, (Tensor, numbers.Number)):
        return other
    why = f"      didn't match because some of the arguments have invalid types: (!{_type_name(other)}!)\n"
    raise TypeError(f"{name}() received an invalid combination of arguments - got ({_type_name(other)}), but "
                    f"expected one of:\n * (Tensor other)\n{why} * (Number other)\n{why}")


def fmod(input, other):
    """out = input - trunc(input / other) * other (the sign of input, as C's fmod; remainder: of other)"""
    _tensor_or_number("fmod", input, other)
    _check_integer_division(input, other, "fmod_cpu")
    if isinstance(other, Tensor):
        return apply(_OP["fmod_tensor"], (input, other))
    return apply(_OP["fmod"], (input,), {"other": other})


def hypot(input, other):
    """out = sqrt(input**2 + other**2), without overflow"""
    if not isinstance(other, Tensor):
        raise not_a_tensor("hypot", "other", other, position=2)
    message = _broadcast_message(input.shape, other.shape)  # (TensorIterator checks shapes first)
    if message:
        raise RuntimeError(message)
    dtype = result_dtype(input, other)
    if dtype.kind != "f":  # (ATen's kernel names the promoted dtype)
        raise _not_implemented("hypot_cpu", dtype)
    return apply(_OP["hypot"], (input, other))


def copysign(input, other):
    """out = |input| with the sign of other (-0. counts as negative)"""
    _tensor_or_number("copysign", input, other)
    if isinstance(other, Tensor):
        return apply(_OP["copysign_tensor"], (input, other))
    return apply(_OP["copysign"], (input,), {"other": other})


def signbit(input):
    """True where input's sign bit is set (negative numbers, -0., a negative nan)"""
    d = input._data
    return _make(np.signbit(d) if d.dtype.kind not in "bu" else np.zeros(d.shape, bool), None, False)


def logit(input, eps=None):
    """out = ln(z / (1 - z)), z = input clamped to [eps, 1 - eps] (eps None: input itself)"""
    return apply(_OP["logit"], (input,), None if eps is None else {"eps": eps})


def xlogy(input, other):
    """out = input * ln(other), 0 where input is 0 (unless other is nan)"""
    _tensor_or_number("xlogy", input, other, number_self=True)
    if not isinstance(input, Tensor):
        return apply(_OP["xlogy_number_self"], (other,), {"self": input})
    if not isinstance(other, Tensor):
        return apply(_OP["xlogy_number_other"], (input,), {"other": other})
    return apply(_OP["xlogy"], (input, other))


def float_power(input, exponent):
    """out = input ** exponent in float64 (pow of the operands cast to float64)"""
    _tensor_or_number("float_power", input, exponent, number_self=True, other_name="exponent")
    if isinstance(input, Tensor):
        input = input.to(_dtypes.float64)
    if isinstance(exponent, Tensor):
        exponent = exponent.to(_dtypes.float64)
    elif isinstance(exponent, numbers.Real):  # (a number exponent as ATen's double: PowBackward0 saves 3.0)
        exponent = builtins.float(exponent)
    return pow(input, exponent)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """out = input with nan, inf and -inf replaced by nan, posinf and neginf (by default 0, and the
    dtype's largest and smallest numbers)"""
    return apply(_OP["nan_to_num"], (input,), {"nan": nan, "posinf": posinf, "neginf": neginf})


def positive(input):
    """out = input itself (+input)"""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def logaddexp(input, other):
    """out = ln(e ** input + e ** other), computed without overflow"""
    if not isinstance(other, Tensor):
        raise not_a_tensor("logaddexp", "other", other, position=2)
    return apply(_OP["logaddexp"], (input, other))


def movedim(input, source, destination):
    """out = input with its dims `source` moved to the positions `destination` (the others keep
    their order): a permute"""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should "
                           f"contain the same number of dims as destination ({dst} dims)")
    n = input.ndim
    src, dst = [_dim(d, n) for d in src], [_dim(d, n) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if n == 0:  # (a 0-d tensor: an alias of it, as ATen's)
        return apply(_OP["alias"], (input,), view_of=input)
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src)
    return permute(input, [d if d is not None else next(rest) for d in order])


moveaxis = movedim


def diag(input, diagonal=0):
    """out = the matrix with input on its diagonal `diagonal` (a vector), or the diagonal of input (a matrix)"""
    if input.ndim == 1:
        return apply(_OP["diag_embed"], (input,), {"offset": diagonal})
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return apply(_OP["diagonal_copy"], (input,), {"offset": diagonal})


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The view of input's elements input[..., i, ..., i + offset, ...] over dims dim1 and dim2 (those
    dims removed, the diagonal last)"""
    _histories_first(input)
    d1, d2 = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(_OP["diagonal"], (input,), {"offset": offset, "dim1": d1, "dim2": d2}, view_of=input)


rsqrt = _unary("rsqrt", "out = input ** -0.5")
floor = _unary("floor", "out = largest integer <= input")
ceil = _unary("ceil", "out = smallest integer >= input")
_round_integer = _unary("round", "out = input rounded to the nearest integer (halves to even)")


def round(input, *, decimals=None):
    """out = input rounded to the nearest integer (halves to even), or to `decimals` decimal places
    (given, even 0: PyTorch's round.decimals, RoundBackward1)"""
    if decimals is None:
        return _round_integer(input)
    if input._data.dtype.kind != "f":  # (decimals=0: ATen's round kernel, which refuses them too)
        raise _not_implemented("round_vml_cpu" if decimals == 0 else "round_cpu", input._data.dtype)
    return apply(_OP["round_decimals"], (input,), {"decimals": decimals})


_round = round  # (the module's name for it: torch.round, not shadowing the builtin where used)
del round


def _all(input, dim=None, keepdim=False):  # torch.all (named so as not to shadow all())
    """True where every element (along dim) is nonzero"""
    return _make(np.asarray(np.all(input._data, axis=None if dim is None else _dim(dim, input.ndim),
                                   keepdims=keepdim)), None, False)


def _any(input, dim=None, keepdim=False):  # torch.any
    """True where some element (along dim) is nonzero"""
    return _make(np.asarray(np.any(input._data, axis=None if dim is None else _dim(dim, input.ndim),
                                   keepdims=keepdim)), None, False)


def _promoted(input, other):
    """The two operands' arrays (or numbers) in their result dtype, and that dtype: PyTorch computes
    a comparison or a bitwise op of float32 and a float64 0-dim tensor in float32."""
    dt = result_dtype(input, other)
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    if isinstance(a, np.ndarray) and a.dtype != dt:
        a = a.astype(dt)
    if isinstance(b, np.ndarray) and b.dtype != dt:
        b = b.astype(dt)
    if dt.kind in "iu":  # (a Python int as ATen casts it: uint8 < -1 compares with 255)
        a, b = (_wrapped_int(x, dt) if type(x) is int else x for x in (a, b))
    return a, b, dt


def _elementwise(ufunc, a, b):
    """ufunc(a, b), with PyTorch's error for shapes that do not broadcast."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(ufunc(a, b))
    except ValueError:
        raise RuntimeError(_broadcast_message(np.shape(a), np.shape(b))) from None


def _bitwise(ufunc, name):
    """Bitwise logic of integers and bools (not differentiable)."""
    def f(input, other):
        a, b, dt = _promoted(_unwrap(input), _unwrap(other))
        if dt.kind == "f":
            raise _not_implemented(f"{name}_cpu", dt)
        return _make(_elementwise(ufunc, a, b).astype(dt, copy=False), None, False)
    f.__name__ = name
    return f


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def _not_implemented_node(result):
    """PyTorch's NotImplemented node has AccumulateGrad's priority (it runs first among the ready)."""
    if result._grad_fn is not None:
        result._grad_fn._seq = _ACCUMULATE
    return result


def floor_divide(input, other):
    """out = floor(input / other); its derivative is not implemented (PyTorch's NotImplemented node)"""
    input, other = _unwrap(input), _unwrap(other)
    _check_integer_division(input, other, "div_floor_cpu")
    return _not_implemented_node(apply(_OP["floor_divide"], (input, other)))


def remainder(input, other):
    """out = input - floor(input / other) * other (the sign of other, as Python's %)"""
    input, other = _unwrap(input), _unwrap(other)
    _check_integer_division(input, other, "remainder_cpu")
    if not isinstance(input, Tensor):  # 2 % x: PyTorch has no derivative for it
        return _not_implemented_node(apply(_OP["rremainder"], (other,), {"other": input}))
    if isinstance(other, Tensor):
        return apply(_OP["remainder_tensor"], (input, other))
    return apply(_OP["remainder"], (input,), {"other": other})


def _logical(ufunc):
    def f(input, other):
        return _make(_elementwise(ufunc, _t(_unwrap(input))._data, _t(_unwrap(other))._data), None, False)
    f.__name__ = ufunc.__name__
    return f


logical_and, logical_or, logical_xor = _logical(np.logical_and), _logical(np.logical_or), _logical(np.logical_xor)


def logsumexp(input, dim, keepdim=False):
    """out = log(sum(exp(input))) over dim, computed without overflow"""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    if isinstance(dim, (list, tuple)) and not dim and input.ndim and not keepdim:  # (PyTorch's own refusal)
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * input.ndim}")
    return apply(_OP["logsumexp"], (input,), {"dim": _reduced_dims(dim, input.ndim), "keepdim": keepdim})


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices): input ordered along dim (ties keep their order when stable; else in the
    order ATen's std::sort leaves them)"""
    d = _dim(dim, input.ndim)
    idx = _sort_order(input._data, d, descending)
    if not stable and input.ndim and input.shape[d] > 16:
        idx = _unstable_ties(input._data, d, descending, idx)
    values = apply(_OP["sort"], (input,), {"dim": d, "indices": idx})
    return _ValuesIndices("sort", values, _saved_indices(values, idx))


def _sort_order(data, axis, descending):
    """Indices putting data in PyTorch's sort order along axis: nan above every number (last
    ascending, first descending), ties in their order."""
    if data.ndim == 0:
        return np.zeros((), dtype=np.intp)
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")  # (numpy too puts nan last)
    if data.dtype.kind == "b":
        return np.argsort(~data, axis=axis, kind="stable")
    if data.dtype.kind != "f":
        return np.argsort(-data.astype(np.int64), axis=axis, kind="stable")
    return np.lexsort((-data, ~np.isnan(data)), axis=axis)


def _unstable_ties(data, axis, descending, idx):
    """idx (a stable order) with the slices along axis that have equal elements re-ordered as
    std::sort orders them (a slice without ties has one order)."""
    ordered = np.take_along_axis(data, idx, axis)
    same = ordered[..., 1:] == ordered[..., :-1] if axis == data.ndim - 1 else \
        np.moveaxis(ordered, axis, -1)[..., 1:] == np.moveaxis(ordered, axis, -1)[..., :-1]
    if data.dtype.kind == "f":
        last = np.moveaxis(ordered, axis, -1)
        same |= np.isnan(last[..., 1:]) & np.isnan(last[..., :-1])
    tied = same.any(axis=-1)
    if not tied.any():
        return idx
    idx = np.moveaxis(idx.copy(), axis, -1)
    rows = np.moveaxis(data, axis, -1)
    for at in np.ndindex(tied.shape):
        if tied[at]:
            idx[at] = _kernel_order.std_sort_order(rows[at].tolist(), descending)
    return np.moveaxis(idx, -1, axis)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim"""
    return sort(input, dim, descending, stable)[1]


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim"""
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _dim(dim, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if k > n or k < 0:
        raise RuntimeError("selected index k out of range")
    idx = _topk_order(input._data, d, k, largest, sorted) if input.ndim else np.zeros((), dtype=np.intp)
    values = apply(_OP["topk"], (input,), {"dim": d, "indices": idx})
    return _ValuesIndices("topk", values, _saved_indices(values, idx))


def _topk_order(data, axis, k, largest, sort):
    """The indices ATen's topk picks along axis, slice by slice, in the order it leaves them (its
    std::partial_sort or std::nth_element: which of equal elements, and with sorted=False, where)."""
    rows = np.moveaxis(data, axis, -1)
    idx = np.empty(rows.shape[:-1] + (k,), dtype=np.intp)
    for at in np.ndindex(rows.shape[:-1]):
        idx[at] = _kernel_order.topk_order(rows[at].tolist(), k, largest, sort)
    return np.moveaxis(idx, -1, axis)


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[index[i][j]][j] (dim 0), input[i][index[i][j]] (dim 1), ..."""
    d = _dim(dim, input.ndim)
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    return apply(_OP["gather"], (input,), {"dim": d, "index": index._data})


def tril(input, diagonal=0):
    """input with the elements above the diagonal-th diagonal zeroed"""
    return _triangle("tril", input, diagonal)


def triu(input, diagonal=0):
    """input with the elements below the diagonal-th diagonal zeroed"""
    return _triangle("triu", input, diagonal)


def _triangle(name, input, diagonal):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return apply(_OP[name], (input,), {"diagonal": diagonal})


def isnan(input):
    return _make(np.asarray(np.isnan(input._data)), None, False)


def isinf(input):
    return _make(np.asarray(np.isinf(input._data)), None, False)


def isfinite(input):
    return _make(np.asarray(np.isfinite(input._data)), None, False)


def trace(input):
    """out = sum of the diagonal of a matrix"""
    if input._data.dtype == np.bool_:
        raise _not_implemented("trace", np.bool_)
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " + str(input.ndim))
    return apply(_OP["trace"], (input,))


def cumsum(input, dim, dtype=None):
    """out[i] = input[0] + ... + input[i] along dim"""
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    return apply(_OP["cumsum"], (input,), {"dim": _dim(dim, input.ndim)})


def cumprod(input, dim=None, dtype=None):
    """out[i] = input[0] * ... * input[i] along dim"""
    if dim is None:
        raise TypeError('cumprod() missing 1 required positional arguments: "dim"')
    if dtype is not None:
        input = input.to(_dtypes.resolve(dtype))
    return apply(_OP["cumprod"], (input,), {"dim": _dim(dim, input.ndim)})


def flip(input, dims):
    """out = input reversed along dims"""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = tuple(_dim(d, input.ndim) for d in dims) if input.ndim else ()
    return apply(_OP["flip"], (input,), {"dims": dims})


def outer(input, vec2):
    """out[i, j] = input[i] * vec2[j] (PyTorch: input.reshape(-1, 1) * vec2)"""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return mul(reshape(input, -1, 1), vec2)


ger = outer


def _pieces(op_name, input, params):
    """The pieces of an unbind or split: views of input, the outputs of one node (as PyTorch's), so
    that backward joins their gradients in one step, as it does."""
    op = _OP[op_name]
    arrays = op.forward(input._data, **params)
    requires_grad = STATE.grad_enabled and input.requires_grad
    node = _node_of_outputs(op, input, params, arrays, None) if requires_grad and arrays else None
    pieces = []
    for nr, arr in enumerate(arrays):
        piece = _make(arr, node, requires_grad, input._vc)
        _make_view(piece, input, nr)
        pieces.append(piece)
        if STATE.recorder is not None:  # (one event per piece, each naming the shared node)
            STATE.recorder._add("forward", op=op.name, tensor=piece, node=node, inputs=(input,), value=arr.copy())
    return tuple(pieces)


def _node_of_outputs(op, input, params, arrays, kept):
    """The one node of a row's several outputs (arrays), on input; kept: the outputs its rule reads"""
    node = op.node_class()
    node.next_functions = (gradient_edge(input),)
    node._args, node._out, node._params, node._saved_versions = [input._data], kept, params, None
    node._seq = _next_seq()
    node._n_outputs = len(arrays)
    node._shape, node._dtype = arrays[0].shape, arrays[0].dtype
    return node


def _outputs_of_one_node(op_name, input, params):
    """The results of a row of several outputs that are no views (std_mean's std and mean): one
    node, each result an output of it (its output_nr), the results kept for the rule."""
    op = _OP[op_name]
    arrays = op.forward(input._data, **params)
    requires_grad = STATE.grad_enabled and input.requires_grad
    node = _node_of_outputs(op, input, params, arrays, arrays) if requires_grad else None
    results = []
    for nr, arr in enumerate(arrays):
        result = _make(arr, node, requires_grad)
        result._output_nr = nr
        results.append(result)
        if STATE.recorder is not None:
            STATE.recorder._add("forward", op=op.name, tensor=result, node=node, inputs=(input,), value=arr.copy())
    if node is not None:  # (saved as apply saves: the input, and the first result, which the rule reads)
        first = results[0]
        node._saved_versions = [(input._vc, input._vc[0], input, input._data),
                                (first._vc, first._vc[0], op.grad_fn, arrays[0])]
    return tuple(results)


def index_put(input, indices, values, accumulate=False):
    """out = input with values written at indices (a tuple of index tensors, one per leading dim; None
    for all of one), or added there with accumulate (a repeated index adds each time)"""
    index = _index_put_index("index_put", input, indices, values, position=2)
    return apply(_OP["index_put"], (input, values), {"indices": index, "accumulate": accumulate})


def _index_put_index(name, input, indices, values, position=1):
    """index_put's indices as a numpy index, after PyTorch's checks of them (the argument at position,
    1-based) and of values' shape"""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{name}(): argument 'indices' (position {position}) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument {position - 1}, but got {type(i).__name__}")
    index = tuple(i._data for i in indices)
    try:
        selected = _indexed(input._data, index).shape
    except IndexError as e:  # (numpy's words for an index out of range: "axis")
        raise IndexError(str(e).replace("axis", "dimension")) from None
    try:
        np.broadcast_shapes(values.shape, selected)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(selected)}") from None
    return index


_CDIST_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p, the distance of every row of x1 to every
    row of x2 (CdistBackward0; for p = 2 and more than 25 rows, as PyTorch, one matrix product:
    EuclideanDistBackward0)"""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_dtypes.SCALAR_NAME[x.dtype]}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode, rows = _CDIST_MODES[compute_mode], (x1.shape[-2], x2.shape[-2])
    if p == 2 and (mode == 1 or (mode == 0 and builtins.max(rows) > 25)):
        out = apply(_OP["euclidean_dist"], (x1, x2))
        return view(out, *out.shape)
    return apply(_OP["cdist"], (x1, x2), {"p": builtins.float(p)})


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of split_size along dim (the last may be smaller), or of the listed sizes."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return _pieces("split", tensor, {"split_size": size, "dim": d, "self_sym_sizes": tensor.shape})
    sizes = list(split_size_or_sections)
    if any(size < 0 for size in sizes):
        raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if builtins.sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                           f"size at dimension {dim}), but got split_sizes={sizes}")
    return _pieces("split_with_sizes", tensor, {"split_sizes": tuple(sizes), "dim": d, "self_sym_sizes": tensor.shape})


def chunk(input, chunks, dim=0):
    """At most `chunks` pieces of ceil(size / chunks) along dim (`chunks` empty ones of an empty dim)."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[_dim(dim, input.ndim)]
    if n == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def unbind(input, dim=0):
    """The slices along dim, that dim removed (as iterating over dim 0 does)."""
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _pieces("unbind", input, {"dim": _dim(dim, input.ndim)})


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: one row per element (or one index tensor per dim)."""
    if as_tuple:
        return tuple(_make(i, None, False) for i in np.nonzero(input._data))
    return _make(np.argwhere(input._data).astype(np.int64), None, False)


def narrow(input, dim, start, length):
    """The view input[..., start:start + length, ...] along dim (SliceBackward0, as PyTorch)"""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dim(dim, input.ndim)
    size = input.shape[d]
    start = start + size if start < 0 else start
    if start < 0 or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return apply(_OP["slice"], (input,), {"dim": d, "index": slice(start, start + length)}, view_of=input)


def _index_vector(name, index, message="Expected dtype int32 or int64 for index"):
    """index (a Tensor of int32 or int64, at most 1-d) as an int64 array, refused as ATen's `name` refuses it"""
    if not isinstance(index, Tensor):
        raise not_a_tensor(name, "index", index, position=2)
    if index._data.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{name}(): {message}")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    return index._data.astype(np.int64).reshape(-1)


def index_select(input, dim, index):
    """out = the slices of input at index (a vector of ints) along dim, in index's order"""
    _histories_first(input)
    idx = _index_vector("index_select", index)
    d = _dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError("index out of range in self")
    return apply(_OP["index_select"], (input,), {"dim": d, "index": idx})


def _index_add_args(input, dim, index, source, alpha):
    """index_add's checks, in ATen's order; its params"""
    idx = index._data if isinstance(index, Tensor) else index
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_dtypes.SCALAR_NAME[index.dtype]}")
    if input.dtype != source.dtype:
        raise RuntimeError(f"index_add_(): self ({_dtypes.SCALAR_NAME[input.dtype]}) and source "
                           f"({_dtypes.SCALAR_NAME[source.dtype]}) must have the same scalar type")
    d = _dim(dim, input.ndim)
    count = source.shape[d] if source.ndim else 1
    if idx.size != count:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({count}), for dim: {d}")
    if source.ndim and [n for i, n in enumerate(source.shape) if i != d] != [
            n for i, n in enumerate(input.shape) if i != d]:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    size = input.shape[d] if input.ndim else 1
    bad = [int(i) for i in idx.reshape(-1) if not 0 <= i < size]
    if bad:
        raise RuntimeError(f"index {bad[0]} is out of bounds for dimension {d} with size {size}")
    params = {"dim": d, "index": idx.astype(np.int64).reshape(-1)}
    if alpha != 1:  # (an integer input takes it truncated)
        params["alpha"] = alpha if input.dtype.is_floating_point else builtins.int(alpha)
    return params


def index_add(input, dim, index, source, *, alpha=1):
    """out = input with alpha * source's slices added at index along dim (a repeated index adds twice)"""
    return apply(_OP["index_add"], (input, source), _index_add_args(input, dim, index, source, alpha))


def take(input, index):
    """out = input's elements at index, input read as if flattened (negative: from the end), in index's shape"""
    if not isinstance(index, Tensor):
        raise not_a_tensor("take", "index", index, position=2)
    if index._data.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_dtypes.SCALAR_NAME[index.dtype]}")
    n = input.numel()
    idx = index._data
    if idx.size and n == 0:
        raise IndexError("take(): tried to take from an empty tensor")
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.reshape(-1)[0]} on a tensor of {n} elements.")
    return apply(_OP["take"], (input,), {"index": idx})  # (numpy reads a negative index as torch does)


def masked_select(input, mask):
    """out = the elements of input (broadcast with mask) where mask is True, in order, as a vector"""
    if not isinstance(mask, Tensor):
        raise not_a_tensor("masked_select", "mask", mask, position=2)
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    message = _broadcast_message(mask.shape, input.shape)
    if message:
        raise RuntimeError(message)
    return apply(_OP["masked_select"], (input,), {"mask": mask._data})


def roll(input, shifts, dims=None):
    """out = input's elements moved shifts places along dims, coming back round at the start (no
    dims: input as if flattened)"""
    _histories_first(input)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims) and not (len(shifts) == 1 and not dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if input.ndim == 0 and dims:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(_dim(d, input.ndim) for d in dims)
    return apply(_OP["roll"], (input,), {"shifts": shifts, "dims": dims})


def rot90(input, k=1, dims=(0, 1)):
    """out = input turned k quarter turns, from dims[0] toward dims[1]"""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    wrapped = tuple(_dim(d, input.ndim) for d in dims)
    if wrapped[0] == wrapped[1]:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return apply(_OP["rot90"], (input,), {"k": k, "dims": wrapped})


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """out = input[1:] - input[:-1] along dim, n times (bools: !=), prepend and append concatenated first"""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _dim(dim, input.ndim)
    for name, t in (("prepend", prepend), ("append", append)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {_type_name(t)}")
        if t is not None and t.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        if t is not None:
            for i, (a, b) in enumerate(zip(input.shape, t.shape)):
                if i != d and a != b:
                    raise RuntimeError("diff expects the shape of tensor to prepend or append to match that of input "
                                       f"except along the differencing dimension; input.size({i}) = {a}, but got "
                                       f"tensor.size({i}) = {b}")
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    if n == 0:  # (a copy, as ATen's zeros_like(input).copy_(input): CopyBackwards)
        return _make(np.zeros_like(input._data), None, False).copy_(input)
    length = input.shape[d] - 1
    for _ in range(builtins.min(n, input.shape[d])):
        # (ATen's narrow(1) - narrow(0): GCC makes the right operand first, which orders the nodes)
        earlier = narrow(input, d, 0, length)
        later = narrow(input, d, 1, length)
        input = logical_xor(later, earlier) if input.dtype == _dtypes.bool else later - earlier
        length -= 1
    return input


def tile(input, dims):
    """out = input repeated dims[i] times along dim i (dims shorter than input's dims: ones first)"""
    dims = tuple(_shape_arg((dims,) if isinstance(dims, int) else dims))
    return input.repeat(*((1,) * (input.ndim - len(dims)) + dims))


def ravel(input):
    """out = input as a vector (a view when input is contiguous)"""
    return contiguous(input).view(-1)


def _tensor_list(name, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def _each(f, tensors):
    """f of one tensor, or of each of several (atleast_1d(a, b), atleast_1d([a, b])): a tuple"""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return f(tensors[0])
    if len(tensors) == 1:
        tensors = tensors[0]
    return tuple(f(t) for t in tensors)


def atleast_1d(*tensors):
    """input, or a 0-d input as a vector of one element"""
    return _each(lambda t: t.reshape(1) if t.ndim == 0 else t, tensors)


def atleast_2d(*tensors):
    """input, or a 0-d or 1-d input as a matrix of one row"""
    return _each(lambda t: t.reshape(1, 1) if t.ndim == 0 else t.unsqueeze(0) if t.ndim == 1 else t, tensors)


def hstack(tensors):
    """out = the tensors concatenated along dim 1 (vectors: along dim 0)"""
    tensors = [atleast_1d(t) for t in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """out = the tensors (vectors as rows) concatenated along dim 0"""
    return cat([atleast_2d(t) for t in _tensor_list("vstack", tensors)], 0)


def column_stack(tensors):
    """out = the tensors (vectors as columns) concatenated along dim 1"""
    tensors = _tensor_list("column_stack", tensors)
    return cat([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors], 1)


def broadcast_to(input, size):
    """out = input expanded to size (a view)"""
    return expand(input, *size)


def broadcast_tensors(*tensors):
    """the tensors expanded to their common shape (a tensor of that shape is returned as it is)"""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = ()
    for t in tensors:
        message = _broadcast_message(shape, t.shape)
        if message:
            raise RuntimeError(message)
        shape = np.broadcast_shapes(shape, t.shape)
    return tuple(t if t.shape == shape else expand(t, *shape) for t in tensors)


def tensor_split(input, indices_or_sections, dim=0):
    """input cut along dim into views: into n near-equal parts (the first n % size one longer), or at
    the indices given"""
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = (indices_or_sections.item() if indices_or_sections.ndim == 0
                               else indices_or_sections.tolist())
    if not isinstance(indices_or_sections, (int, list, tuple)) or isinstance(indices_or_sections, bool):
        raise TypeError("tensor_split() received an invalid combination of arguments - got (Tensor, "
                        f"{_type_name(indices_or_sections)}), but expected one of:\n * (Tensor input, tuple of ints "
                        "indices, int dim = 0)\n * (Tensor input, Tensor tensor_indices_or_sections, int dim = 0)\n"
                        " * (Tensor input, int sections, int dim = 0)\n")
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        lengths = [size // n + (i < size % n) for i in range(n)]
        bounds = list(np.cumsum([0] + lengths))
    else:
        bounds = [0] + [builtins.min(builtins.max(i if i >= 0 else i + size, 0), size) for i in indices_or_sections] + [size]
    return tuple(apply(_OP["slice"], (input,), {"dim": d, "index": slice(int(lo), int(builtins.max(lo, hi)))},
                       view_of=input) for lo, hi in zip(bounds, bounds[1:]))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """out = each element (each slice along dim) of input repeated `repeats` times in a row (repeats: a
    number, or a tensor of one count per slice); torch.repeat_interleave(counts): the indices 0, 1, ...
    each repeated its count times"""
    if repeats is None:  # repeat_interleave(counts)
        counts = input
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts._data.dtype.kind not in "iu":
            raise _not_implemented("repeat_interleave_cpu", counts._data.dtype)
        if (counts._data < 0).any():
            raise RuntimeError("repeats can not be negative")
        return _make(np.repeat(np.arange(counts.numel(), dtype=counts._data.dtype), counts._data.reshape(-1)), None, False)
    if dim is None:
        input, dim = input.flatten(), 0
    d = _dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() == 1:  # (one count for every slice)
        repeats = repeats.reshape(1).expand(input.shape[d])
    if not isinstance(repeats, Tensor):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        shape = list(input.shape)
        expanded = input.unsqueeze(d + 1).expand(*shape[:d + 1], repeats, *shape[d + 1:])
        shape[d] *= repeats
        return expanded.contiguous().view(*shape)
    if repeats.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats.shape[0] != input.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{repeats.shape[0]} and input.size({d}) = {input.shape[d]}")
    return index_select(input, d, repeat_interleave(repeats))


def select(input, dim, index):
    """The view input[..., index, ...] along dim, that dim removed"""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return apply(_OP["select"], (input,), {"dim": d, "index": _in_range(index, size)}, view_of=input)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of input, in increasing order (not differentiable)"""
    if dim is not None:
        raise NotImplementedError("autograd_core's unique has no dim argument")
    values, inverse, counts = np.unique(input._data, return_inverse=True, return_counts=True)
    out = [_make(values, None, False)]
    if return_inverse:
        out.append(_make(inverse.reshape(input.shape).astype(np.int64), None, False))
    if return_counts:
        out.append(_make(counts.astype(np.int64), None, False))
    return out[0] if len(out) == 1 else tuple(out)


def argwhere(input):
    """Indices of the nonzero elements, one row each (= nonzero(input))"""
    return nonzero(input)


absolute, negative = abs, neg


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        _warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
              "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
              "tensor.new_tensor(sourceTensor).")
        data = data.detach()._data.copy()
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device or "cpu",
                  requires_grad=requires_grad)


def _clamp_(self, min=None, max=None):
    tensors, min, max = _clamp_bounds("clamp_", min, max, method=True)
    if tensors:
        return _inplace_on(self, "clamp_tensor", min, max)
    return _inplace_op(self, "clamp", min=min, max=max)



def _inplace_on(self, name, *args):
    return _inplace(self, name, args)


def _inplace_op(self, name, **params):
    return _inplace(self, name, params=params or None)


# --- PyTorch collects an op's gradient edges before its kernel checks the arguments ----------------
# Reading an input's grad_fn can fail: a view made in no_grad mode, or by unbind/split, whose base was
# then changed in place. For these ops PyTorch's error about that view comes before an error about
# the arguments (a wrong dim, shapes that do not fit); the checks here run first, so when one fails
# the inputs' grad_fns are read before its error goes out. (Ops whose checks come first in PyTorch
# too -- indexing, narrow, flatten, chunk, outer -- are not in the list; expand_as goes through expand.)
_EDGES_BEFORE_CHECKS = (
    "clamp", "where", "sum", "mean", "max", "min", "norm", "softmax", "log_softmax", "mm", "mv", "dot",
    "bmm", "matmul", "t", "transpose", "permute", "reshape", "view", "squeeze", "unsqueeze", "expand",
    "cat", "stack", "var", "std", "prod", "logsumexp", "sort", "topk", "tril", "triu",
    "cumsum", "cumprod", "flip", "split", "unbind", "select")


def _edges_before_checks(f):
    def op(*args, **kwargs):
        __tracebackhide__ = True  # (IPython leaves this wrapper out of a traceback: the op's own frame shows)
        try:
            return f(*args, **kwargs)
        except (RuntimeError, IndexError):
            _raise_for_unusable_views(args)
            raise
    op.__name__, op.__qualname__, op.__doc__, op.__wrapped__ = f.__name__, f.__qualname__, f.__doc__, f
    return op


def _raise_for_unusable_views(args):
    """The error reading a view's grad_fn gives, if some tensor argument's does."""
    if not STATE.grad_enabled:
        return
    for a in args:
        for t in (a if isinstance(a, (list, tuple)) else (a,)):
            if isinstance(t, Tensor) and t._base is not None and t._creation is not None:
                try:
                    t.grad_fn
                except RuntimeError as e:
                    raise e from None


for _name in _EDGES_BEFORE_CHECKS:  # (Tensor's methods call these names: they get the wrapped ones)
    globals()[_name] = _edges_before_checks(globals()[_name])


# --- out=: torch.add(a, b, out=t) and the like -----------------------------------------------------
# The torch namespace's functions that take out= are these wrappers (_OUT_FUNCTIONS, exported by
# __init__); the Tensor methods call the plain functions above, which need no out check.
# How each kind of function checks out's dtype (ATen's messages): "cast" is TensorIterator's
# (the result is cast to out's dtype if can_cast allows it), "reduce" computes in out's dtype
# (sum: any dtype; mean: a float dtype), "exact" (mm, matmul, bmm) and "clamp" want out's dtype to be
# the result's, "cat" (cat, stack) casts when it can.
_OUT_RESIZED = ("An output with one or more elements was resized since it had shape {}, which does not "
                "match the required output shape {}. This behavior is deprecated, and in a future "
                "PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0). (Triggered internally at "
                "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def _can_cast(src, dst):
    """ATen's canCast: no float to an integer type, nothing but bool to bool."""
    if src.is_floating_point and not dst.is_floating_point:
        return False
    return not (src != _dtypes.bool and dst == _dtypes.bool)


def _check_out_grad(name, out, args):
    """PyTorch's refusal of out= when autograd would have to record the op."""
    if not STATE.grad_enabled:
        return
    tensors = [out]
    for a in args:
        tensors.extend(a if isinstance(a, (list, tuple)) else (a,))
    if any(isinstance(t, Tensor) and t.requires_grad for t in tensors):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def _write_out(out, result, warn_resize=True):
    """Copy result into out (resized to result's shape first, with PyTorch's warning when out held
    elements); returns out, its version bumped as by an in-place op."""
    if out._data.shape != result._data.shape:
        if out._data.size and warn_resize:
            _warn(_OUT_RESIZED.format(list(out._data.shape), list(result._data.shape)))
        if out.requires_grad and STATE.grad_enabled:
            raise RuntimeError("cannot resize variables that require grad")
        out._data = np.empty(result._data.shape, dtype=out._data.dtype)
    with no_grad():
        out.copy_(result)
    return out


def _takes_out(fn, kind, name=None, grad_name=None):
    """fn with an out= keyword, checked as PyTorch checks it (kind: how out's dtype is checked;
    grad_name: the op its refusal of a gradient names, where not name: linalg_inv's linalg_inv_ex)."""
    name = name or fn.__name__

    def with_out(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise not_a_tensor(name, "out", out, position=None)
        if name == "sum" and not _dim_given(args, kwargs):  # (torch.sum has no out= without dim)
            if "dtype" in kwargs:
                raise TypeError('sum() missing 1 required positional arguments: "dim"')
            raise TypeError("sum() received an invalid combination of arguments - got (Tensor, "
                            "out=Tensor), but expected one of:\n * (Tensor input, *, torch.dtype "
                            "dtype = None)\n * (Tensor input, tuple of ints dim, bool keepdim = False, "
                            "*, torch.dtype dtype = None, Tensor out = None)\n")
        _check_out_grad(grad_name or name, out, args + tuple(kwargs.values()))
        want = out.dtype
        with no_grad():
            if kind == "reduce":
                result = fn(*args, **kwargs)
                if name == "mean" and not want.is_floating_point:
                    if _dim_given(args, kwargs):  # (out is resized first; the message says Float
                        # whatever the input's float dtype, as PyTorch's)
                        if out._data.size and out._data.shape != result._data.shape:
                            _warn(_OUT_RESIZED.format(list(out._data.shape), list(result._data.shape)))
                        raise RuntimeError("result type Float can't be cast to the desired output type "
                                           f"{_dtypes.SCALAR_NAME[want]}")
                    raise RuntimeError("mean.dtype_out(): input types can't be cast to the desired "
                                       f"output type {_dtypes.SCALAR_NAME[want]}")
                if result.dtype != want:  # (ATen reduces in out's dtype: the input is cast first)
                    result = fn(args[0].to(want), *args[1:], **kwargs)
            else:
                result = fn(*args, **kwargs)
        got = result.dtype
        if kind == "cast" and not _can_cast(got, want):
            raise RuntimeError(f"result type {_dtypes.SCALAR_NAME[got]} can't be cast to the desired "
                               f"output type {_dtypes.SCALAR_NAME[want]}")
        if kind == "exact" and got != want and name == "matmul" and out._data.size and \
                out._data.shape != result._data.shape and (builtins.max(args[0].ndim, args[1].ndim) >= 3
                                                           or args[0].ndim == args[1].ndim == 1):
            _warn(_OUT_RESIZED.format(list(out._data.shape), list(result._data.shape)))  # (resized first)
        if kind == "exact" and got != want and name == "matmul" and args[0].ndim == args[1].ndim == 1:
            raise RuntimeError(f"result dtype {_dtypes.SCALAR_NAME[want]} does not match input dtype "
                               f"{_dtypes.SCALAR_NAME[got]}")  # (matmul of two vectors is dot's)
        if kind == "exact" and got != want:
            raise RuntimeError(f"Expected out tensor to have dtype {_dtypes.CPP_NAME[got]}, but got "
                               f"{_dtypes.CPP_NAME[want]} instead")
        if kind == "clamp" and got != want:
            raise RuntimeError(f"Found dtype {_dtypes.SCALAR_NAME[want]} but expected "
                               f"{_dtypes.SCALAR_NAME[got]}")
        if kind == "cat" and not _can_cast(got, want):
            raise TypeError("torch.cat(): input types can't be cast to the desired output type "
                            f"{_dtypes.SCALAR_NAME[want]}")
        if kind == "cast" and got != want and out._data.size and out._data.shape != result._data.shape:
            # (TensorIterator resizes out, then its result in out's dtype: PyTorch warns twice)
            _warn(_OUT_RESIZED.format(list(out._data.shape), list(result._data.shape)))
        return _write_out(out, result)

    with_out.__name__, with_out.__qualname__, with_out.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    with_out.__wrapped__ = fn
    return with_out


def _dim_given(args, kwargs):
    return len(args) > 1 or "dim" in kwargs


_OUT_FUNCTIONS = {name: _takes_out(globals()[name], kind) for name, kind in (
    ("add", "cast"), ("sub", "cast"), ("mul", "cast"), ("div", "cast"), ("pow", "cast"),
    ("exp", "cast"), ("log", "cast"), ("sin", "cast"), ("cos", "cast"), ("sqrt", "cast"),
    ("tanh", "cast"), ("sigmoid", "cast"), ("abs", "clamp"), ("neg", "clamp"),
    ("maximum", "cast"), ("minimum", "cast"),
    ("sum", "reduce"), ("mean", "reduce"),
    ("mm", "exact"), ("matmul", "exact"), ("bmm", "exact"),
    ("clamp", "clamp"), ("cat", "cat"), ("stack", "cat"))}
_OUT_FUNCTIONS.update(subtract=_OUT_FUNCTIONS["sub"], multiply=_OUT_FUNCTIONS["mul"],
                      divide=_OUT_FUNCTIONS["div"], clip=_OUT_FUNCTIONS["clamp"],
                      concat=_OUT_FUNCTIONS["cat"], concatenate=_OUT_FUNCTIONS["cat"],
                      negative=_OUT_FUNCTIONS["neg"], absolute=_OUT_FUNCTIONS["abs"])

# What the package takes with `from ._functions import *`: the functions defined here, not the modules
# and helpers this file imports, nor those torch has only as Tensor methods or in torch.linalg
# (torch.np, torch.apply and torch.view do not exist)
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and getattr(value, "__module__", None) == __name__
           and name not in ("view", "expand", "expand_as", "contiguous", "repeat", "linalg_cross")]
