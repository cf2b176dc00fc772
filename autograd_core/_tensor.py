"""Tensor: a numpy array plus the autograd bookkeeping PyTorch keeps beside it.

Every differentiable op goes through ``apply``: run the op table's forward on the arrays, and when
an input requires grad (and grad mode is on) attach a grad_fn node whose next_functions point at the
inputs' nodes. In-place ops go through ``_inplace``, which bumps the version counter.
"""
import builtins
import numbers

import numpy as np

from . import _dtypes
from ._dtypes import Size
from ._engine import STATE, _next_seq, gradient_edge, warn_nonleaf_grad
from ._ops import OPS

_F32 = np.dtype(np.float32)
_NO_EDGE = (None, 0)
_new = object.__new__
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _make(data, grad_fn, requires_grad, version_counter=None):
    """Wrap an ndarray without copying (the fast internal constructor)."""
    t = _new(Tensor)
    t._data = data
    t.grad_fn = grad_fn
    t._requires_grad = requires_grad
    t._vc = version_counter if version_counter is not None else [0]
    return t


# ---------------------------------------------------------------------------------------------
# Type promotion (PyTorch's rules: tensors with dims > zero-dim tensors > Python numbers;
# a higher category (bool < integer < float) from a lower-priority operand still wins, at the
# default dtype of that category)
# ---------------------------------------------------------------------------------------------
def _promote_two(d1, d2):
    c1, c2 = _CATEGORY[d1.kind], _CATEGORY[d2.kind]
    if c1 != c2:
        return d1 if c1 > c2 else d2
    return np.promote_types(d1, d2)


def _scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    return _F32


def result_dtype(*operands):
    """The dtype PyTorch gives a binary op on these tensors / Python numbers."""
    groups = [None, None, None]  # dims>0 tensors, 0-dim tensors, numbers
    for x in operands:
        if isinstance(x, Tensor):
            d, g = x._data.dtype, 0 if x._data.ndim else 1
        elif x is None:
            continue
        else:
            d, g = _scalar_dtype(x), 2
        groups[g] = d if groups[g] is None else _promote_two(groups[g], d)
    result = None
    for d in groups:
        if d is None:
            continue
        if result is None or _CATEGORY[d.kind] > _CATEGORY[result.kind]:
            result = d
    return result


def _cast_inputs(op, args, datas):
    """Slow path of apply (some input not float32): cast inputs so numpy computes in torch's dtype."""
    if op.kind in ("same", "sum"):
        return datas
    want = result_dtype(*args)
    if op.kind == "float" and want.kind != "f":
        want = _F32
    return tuple(d.astype(want) if isinstance(d, np.ndarray) and d.dtype != want else d for d in datas)


def _broadcast_message(s1, s2):
    n = max(len(s1), len(s2))
    a, b = (1,) * (n - len(s1)) + tuple(s1), (1,) * (n - len(s2)) + tuple(s2)
    for i in reversed(range(n)):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                    f"non-singleton dimension {i}")
    return None


def _unwrap(x):
    """An argument of an op: a Tensor, or a Python number (numpy scalars become Python numbers)."""
    t = type(x)
    if t is Tensor or t is float or t is int or isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (numbers.Number, np.ndarray)):
        return x if not isinstance(x, np.ndarray) else tensor(x)
    raise TypeError(f"unsupported operand type: '{type(x).__name__}' (expected a Tensor or a number)")


def _any_requires_grad(args, indices):
    return any(isinstance(args[j], Tensor) and args[j]._requires_grad for j in indices)


def apply(op, args, params=None, view_of=None):
    """Run one row of the op table on args (Tensors or numbers), building the graph if needed."""
    datas = []
    requires_grad = slow = False
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            if d.dtype is not _F32:
                slow = True
            if a._requires_grad:
                requires_grad = True
            datas.append(d)
        else:
            datas.append(a)
    cast = False
    if slow:
        cast_datas = _cast_inputs(op, args, datas)
        cast = any(c is not d for c, d in zip(cast_datas, datas))
        datas = cast_datas
    try:
        out = op.forward(*datas, **params) if params else op.forward(*datas)
    except ValueError as e:
        shapes = [np.shape(d) for d in datas if isinstance(d, np.ndarray)]
        msg = _broadcast_message(*shapes[:2]) if len(shapes) >= 2 else None
        if msg and "broadcast" in str(e):
            raise RuntimeError(msg) from None
        raise
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if slow and op.kind == "sum" and out.dtype.kind in "biu":
        out = out.astype(np.int64)
    # a view shares its base's memory and version counter
    vc = view_of._vc if view_of is not None else [0]
    if requires_grad and STATE.grad_enabled:
        node = _new(op.node_class)
        edges = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                fn = a.grad_fn
                edges.append((fn, 0) if fn is not None else gradient_edge(a))
            else:
                edges.append(_NO_EDGE)
        node.next_functions = tuple(edges)
        node._args = datas
        node._params = params
        node._seq = _next_seq()
        if cast:  # gradients go back in each input's own dtype, not the promoted one
            node._in_dtypes = [a._data.dtype if isinstance(a, Tensor) else None for a in args]
        result = _make(out, node, True, vc)
        if op.saves:
            # (counter, version now, the tensor, its array): backward checks nothing changed, and
            # names the tensor's grad_fn at that time in its error, as PyTorch does
            versions = [(a._vc, a._vc[0], a, a._data) for i, needed_by in op.saved_args
                        if isinstance(a := args[i], Tensor)
                        and (needed_by is None or _any_requires_grad(args, needed_by))]
            if op.saves_result and (op.result_needed_by is None
                                    or _any_requires_grad(args, op.result_needed_by)):
                node._out = out
                versions.append((vc, vc[0], op.grad_fn, out))
            else:
                node._out = None
            node._saved_versions = versions
        else:
            node._out = node._saved_versions = None
    else:
        result = _make(out, None, False, vc)
    if view_of is not None:
        result._base = view_of if view_of._base is None else view_of._base
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op.name, tensor=result, node=result.grad_fn, inputs=tuple(args),
                 value=out.copy())
    return result


# ---------------------------------------------------------------------------------------------
# In-place ops
# ---------------------------------------------------------------------------------------------
LEAF_INPLACE_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_INPLACE_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."


_UFUNC_INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _inplace(self, op_name, args=(), params=None):
    """Write op(self, *args) into self's memory; bump the version counter.

    When the write is part of a graph (self or an argument requires grad) the result's grad_fn
    becomes self's grad_fn (PyTorch's "rebase history"), its first input being self's old value.
    """
    op = OPS[op_name]
    args = tuple(_unwrap(a) for a in args)
    tracked = STATE.grad_enabled and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    if tracked and self._requires_grad and self.grad_fn is None:
        raise RuntimeError(LEAF_INPLACE_MSG)
    if tracked and self._base is not None and self._base._requires_grad and self._base.grad_fn is None:
        raise RuntimeError(VIEW_INPLACE_MSG)
    if op.kind != "same" and self._data.dtype.kind != "f":  # a float tensor takes any result
        want = result_dtype(self, *args)
        if op.kind == "float" and want.kind != "f":  # int.div_(2): true division gives a float
            want = _F32
        if _CATEGORY[want.kind] > _CATEGORY[self._data.dtype.kind]:
            raise RuntimeError(f"result type {_dtype_short(want)} can't be cast to the desired output "
                               f"type {_dtype_short(self._data.dtype)}")
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    if tracked:
        old = _make(self._data.copy(), self.grad_fn, self._requires_grad)
        with _no_record():
            res = apply(op, (old,) + args, params)
        if res._data.shape != self._data.shape:  # an in-place result cannot grow
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(res._data.shape)}")
        if self._base is not None:
            return _inplace_view(self, res, op_name, args)
        np.copyto(self._data, res._data, casting="unsafe")
        node = res.grad_fn
        prev = self.grad_fn
        if prev is not None:
            # as PyTorch: retain_grad follows the tensor to its new grad_fn; the hooks registered so
            # far stay with the old value's node, hooks registered from now on go to the new one
            if prev._retain is not None:
                node._retain, prev._retain = prev._retain, None
            self._hooks = None
        self.grad_fn = node
        self._requires_grad = True
    elif not params and op_name in _UFUNC_INPLACE and self._data.dtype.kind == "f":
        # w -= lr * w.grad: numpy's in-place ufunc, no temporary the size of w
        other = args[0]._data if isinstance(args[0], Tensor) else args[0]
        try:
            _UFUNC_INPLACE[op_name](self._data, other, out=self._data, casting="unsafe")
        except ValueError:
            shape = self._data.shape
            msg = _broadcast_message(shape, np.shape(other))
            raise RuntimeError(msg or f"output with shape {list(shape)} doesn't match the broadcast "
                               f"shape {list(np.broadcast_shapes(shape, np.shape(other)))}") from None
    else:
        datas = [self._data] + [a._data if isinstance(a, Tensor) else a for a in args]
        try:
            out = op.forward(*datas, **params) if params else op.forward(*datas)
        except ValueError as e:
            shapes = [np.shape(d) for d in datas if isinstance(d, np.ndarray)]
            msg = _broadcast_message(*shapes[:2]) if len(shapes) >= 2 else None
            raise RuntimeError(msg or str(e)) from None
        if np.shape(out) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(np.shape(out))}")
        np.copyto(self._data, out, casting="unsafe")
    self._vc[0] += 1
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op_name, tensor=self, node=self.grad_fn, inputs=(self,) + args,
                 value=self._data.copy())
    return self


def _inplace_view(view, res, op_name, args):
    """In-place op on a view, in a graph: as PyTorch, the BASE's history is rewritten.

    base.grad_fn = CopySlices(old base, new view values) and the view becomes a view of the new
    base (AsStridedBackward0); the view's elements are located in the base by memory address.
    """
    base = view._base
    index = _positions_in_base(base._data, view._data)
    with _no_record():
        old_base = _make(base._data.copy(), base.grad_fn, base._requires_grad)
        np.copyto(view._data, res._data, casting="unsafe")  # writes into the base's memory
        base.grad_fn = apply(OPS["copy_slices"], (old_base, res), {"index": index}).grad_fn
        base._requires_grad = True
        view.grad_fn = apply(OPS["as_strided"], (base,), {"index": index}).grad_fn
        view._requires_grad = True
    view._vc[0] += 1
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op_name, tensor=view, node=view.grad_fn, inputs=(view,) + args,
                 value=view._data.copy())
    return view


def _positions_in_base(base, view):
    """Index arrays locating each element of `view` in `base` (two numpy views of one memory)."""
    def addresses(arr, start):
        addr = np.full(arr.shape, start, dtype=np.int64)
        for axis, (n, stride) in enumerate(zip(arr.shape, arr.strides)):
            shape = [1] * arr.ndim
            shape[axis] = n
            addr = addr + (np.arange(n, dtype=np.int64) * stride).reshape(shape)
        return addr
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    base_addr = addresses(base, 0).ravel()
    order = np.argsort(base_addr, kind="stable")
    flat = order[np.searchsorted(base_addr[order], addresses(view, start).ravel())]
    return np.unravel_index(flat.reshape(view.shape), base.shape)


class _no_record:
    def __enter__(self):
        self.prev, STATE.recorder = STATE.recorder, None

    def __exit__(self, *exc):
        STATE.recorder = self.prev


def _dtype_short(d):
    return _dtypes.SCALAR_NAME[_dtypes.FROM_NUMPY[np.dtype(d)]]


# ---------------------------------------------------------------------------------------------
# Dimension helpers (PyTorch's wording for bad dims)
# ---------------------------------------------------------------------------------------------
def _dim(d, ndim):
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but "
                         f"got {d})")
    return d % n


def _dims(dim, ndim):
    if isinstance(dim, (list, tuple)):
        return tuple(_dim(d, ndim) for d in dim)
    return (_dim(dim, ndim),)


def _shape_arg(args):
    """f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3])) all mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(s) for s in args)


def _infer_shape(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _can_view(a, shape):
    try:
        np.reshape(a, shape, copy=False)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------------------------
class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    ``Tensor([1., 2.])`` (legacy constructor, float32) or ``Tensor(2, 3)`` (uninitialised) work as
    in PyTorch; prefer ``autograd_core.tensor(...)``.
    """

    # the rarely set attributes live in a lazily created __dict__, with these class defaults
    __slots__ = ("_data", "grad_fn", "_requires_grad", "_vc", "__dict__", "__weakref__")
    _grad = None
    _retains_grad = False
    _hooks = None
    _acc = None  # weakref to this leaf's AccumulateGrad node (PyTorch keeps it weakly too)
    _base = None
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to our reflected operators

    def __new__(cls, *args, **kwargs):
        if cls is not Tensor:  # subclasses such as nn.Parameter construct themselves
            return _new(cls)
        if len(args) == 1 and not isinstance(args[0], numbers.Number):
            data = args[0]
            data = data._data if isinstance(data, Tensor) else data
            return _leaf(np.array(data, dtype=np.float32))  # _leaf: a recorder sees the creation
        return _leaf(np.empty(_shape_arg(args) if args else (0,), dtype=np.float32))

    # --- autograd attributes -------------------------------------------------------------------
    @property
    def data(self):
        """The same memory outside the graph, with its OWN version counter: in-place changes made
        through it are invisible to autograd (prefer .detach())."""
        return _make(self._data, None, False)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = builtins.bool(flag)
        if self.grad_fn is not None:
            msg = "you can only change requires_grad flags of leaf variables."
            if not flag:
                msg += (" If you want to use a computed variable in a subgraph that doesn't require "
                        "differentiation use var_no_grad = var.detach().")
            raise RuntimeError(msg)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f" and self.grad_fn is None:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self.grad_fn is not None:
            return self  # a non-leaf already requires grad: nothing to change (PyTorch agrees)
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warn_nonleaf_grad()
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_CPP_TYPE[value._data.dtype.name]}' "
                    f"to a tensor with grad_dtype '{_dtypes.SCALAR_NAME[self.dtype]}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                    "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                    "may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        self.grad_fn._retain = weakref.ref(self)
        self._retains_grad = True

    @property
    def _version(self):
        return self._vc[0]

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        if self.grad_fn is not None:
            self.grad_fn._pre_hooks = self._hooks
        key = _next_seq()
        self._hooks[key] = hook
        return _RemovableHandle(self._hooks, key)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf), weighted by `gradient`, into every leaf's .grad."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """The same memory outside the graph, sharing the version counter (in-place changes are
        caught by backward)."""
        return _make(self._data, None, False, self._vc)

    def detach_(self):
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
                "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
                "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                "function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # --- metadata ------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtypes.FROM_NUMPY[self._data.dtype]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def device(self):
        return _dtypes.CPU

    is_cuda = False

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def element_size(self):
        return self._data.itemsize

    def is_contiguous(self):
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_dim(dim, self._data.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # --- conversion ----------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data if dtype is None else self._data.astype(dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise AssertionError("Torch not compiled with CUDA enabled")

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other_tensor): a copy only when needed."""
        dtype = to_dtype_arg(args, kwargs)
        if dtype is None or dtype.np == self._data.dtype:
            return self
        if not dtype.is_floating_point and self._requires_grad:
            from ._engine import no_grad
            with no_grad():  # an integer or bool result is outside the graph, as in PyTorch
                return apply(OPS["to"], (self,), {"dtype": dtype.np})
        return apply(OPS["to"], (self,), {"dtype": dtype.np})

    def type(self, dtype=None):
        if dtype is None:
            return "torch." + self.dtype._legacy
        return self.to(_dtypes.resolve(dtype))

    def float(self):
        return self.to(_dtypes.float32)

    def double(self):
        return self.to(_dtypes.float64)

    def half(self):
        return self.to(_dtypes.float16)

    def long(self):
        return self.to(_dtypes.int64)

    def int(self):
        return self.to(_dtypes.int32)

    def bool(self):
        return self.to(_dtypes.bool)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        # PyTorch iterates with unbind(0): one UnbindBackward0 per row here (values and grads agree;
        # PyTorch shares one multi-output node between the rows)
        unbind = OPS["unbind"]
        return (apply(unbind, (self,), {"dim": 0, "index": i}, view_of=self)
                for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with "
                               f"{'no values' if self._data.size == 0 else 'more than one value'} is "
                               "ambiguous")
        return builtins.bool(self._data.reshape(()))

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def _warn_scalar(self):
        if self._requires_grad:
            import warnings
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=3)

    def __float__(self):
        self._warn_scalar()
        return builtins.float(self._scalar())

    def __int__(self):
        self._warn_scalar()
        return builtins.int(self._scalar())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._scalar())

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:  # f"{loss:.4f}" works on 0-dim tensors, as in PyTorch
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils.weight_norm "
                               "usage, see https://github.com/pytorch/pytorch/pull/103001")
        new = _make(self._data.copy(), None, self._requires_grad)
        if type(self) is not Tensor:
            new = type(self)(new, self._requires_grad)
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy(), None, False)
        memo[id(self)] = new
        return new

    # --- in-place ops --------------------------------------------------------------------------
    def add_(self, other, alpha=1):
        return _inplace(self, "add", (other,), {"alpha": alpha} if alpha != 1 else None)

    def sub_(self, other, alpha=1):
        return _inplace(self, "sub", (other,), {"alpha": alpha} if alpha != 1 else None)

    def mul_(self, other):
        return _inplace(self, "mul", (other,))

    def div_(self, other):
        return _inplace(self, "div", (other,))

    def zero_(self):
        return _inplace(self, "zero_")

    def fill_(self, value):
        if isinstance(value, Tensor) and value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return _inplace(self, "fill_", params={"value": _unwrap(value)._data.item()
                                               if isinstance(value, Tensor) else value})

    def copy_(self, src):
        return _inplace(self, "copy_", (src,))

    def clamp_(self, min=None, max=None):
        return _inplace(self, "clamp", params={"min": min, "max": max})

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, index, value):
        if STATE.grad_enabled and self._requires_grad and self.grad_fn is None:
            # PyTorch first takes the basic-indexing view (x[0] = ... writes into a view)
            raise RuntimeError(VIEW_INPLACE_MSG if _basic_index_is_view(self, index) else
                               LEAF_INPLACE_MSG)
        index = _index_arrays(index)
        if isinstance(value, (list, tuple)):
            value = tensor(value, dtype=self.dtype)
        items = index if isinstance(index, tuple) else (index,)
        if (any(isinstance(i, (np.ndarray, list)) for i in items) and all(
                isinstance(i, (np.ndarray, list)) or i is Ellipsis or i == slice(None) for i in items)):
            # only tensor/list indices: PyTorch's index_put_ on the tensor itself (with an int or a
            # slice too, it writes into a view first, and the graph shows CopySlices)
            _inplace(self, "index_put", (value,), {"index": index})
            return
        if isinstance(value, Tensor) and value._requires_grad and value._data.ndim:
            value = _setitem_source(value, self._data[index].shape)
        _inplace(self, "copy_slices", (value,), {"index": index})


def _setitem_source(value, shape):
    """PyTorch's copy_to for x[i] = value: a value of another shape is viewed without its leading
    1s, then expanded to the slice's shape (ViewBackward0, ExpandBackward0 in the graph)."""
    if value._data.shape == tuple(shape):
        return value
    dims = value._data.shape
    while dims and dims[0] == 1:
        dims = dims[1:]
    value = value.view(dims)
    return value if dims == tuple(shape) else value.expand(shape)


# the C++ type names PyTorch prints in "attempting to assign a gradient with dtype ..."
_CPP_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
             "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
             "bool": "bool"}


def to_dtype_arg(args, kwargs):
    """The dtype asked for by .to(...)'s arguments (None for none); devices must be the CPU."""
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, _dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            _dtypes.device(a)  # validates: only the CPU
    if "device" in kwargs:
        _dtypes.device(kwargs["device"])
    return dtype


def _rebuild(data, requires_grad):
    return _make(data, None, requires_grad)


class _RemovableHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


def _basic_index_is_view(self, index):
    """Whether the ints / None / partial slices of index make a view before any advanced index."""
    items = index if isinstance(index, tuple) else (index,)
    def is_int(i):
        return (isinstance(i, numbers.Integral) and not isinstance(i, builtins.bool)) or (
            isinstance(i, Tensor) and i._data.ndim == 0 and i._data.dtype.kind in "iu")
    def width(i):  # how many dims of self an index item consumes
        if i is None or i is Ellipsis or isinstance(i, builtins.bool):
            return 0
        if isinstance(i, (Tensor, np.ndarray)) and np.asarray(i._data if isinstance(i, Tensor)
                                                              else i).dtype == np.bool_:
            return np.ndim(i._data if isinstance(i, Tensor) else i)
        return 1
    dim = 0
    for i in items:
        if i is None or is_int(i):
            return True
        if i is Ellipsis:
            dim += self._data.ndim - builtins.sum(width(j) for j in items)
        elif isinstance(i, slice):
            size = self._data.shape[dim] if dim < self._data.ndim else 0
            if i.indices(size) != (0, size, 1):
                return True
        dim += width(i)
    return False


def _index_arrays(index):
    """Tensors inside an index become numpy arrays."""
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index._data if isinstance(index, Tensor) else index


# ---------------------------------------------------------------------------------------------
# Factories used everywhere
# ---------------------------------------------------------------------------------------------
def _infer_dtype(data):
    """float32 for Python floats, int64 for ints, bool for bools (PyTorch's defaults)."""
    arr = np.asarray(data)
    from_numpy = isinstance(data, (np.ndarray, np.generic))  # numpy data keeps its dtype
    if arr.dtype.kind == "f" and not from_numpy:
        return _F32
    if arr.dtype.kind in "iu" and not from_numpy:
        return np.dtype(np.int64)
    if arr.dtype.kind == "O":
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    if arr.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    return arr.dtype


def _ragged_message(data):
    """PyTorch's message for nested lists of unequal lengths, or None."""
    level, dim = [data], 0
    while level:
        seqs = [x for x in level if isinstance(x, (list, tuple))]
        if not seqs:
            return None
        want = len(seqs[0])
        for s in seqs:
            if len(s) != want:
                return f"expected sequence of length {want} at dim {dim} (got {len(s)})"
        level, dim = [y for s in seqs for y in s], dim + 1
    return None


def _from_data(data, dtype=None, requires_grad=False):
    """A new leaf holding a copy of data."""
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _nested_tensors(data)
    dtype = _dtypes.resolve(dtype)
    try:
        np_dtype = dtype.np if dtype is not None else _infer_dtype(data)
        arr = np.array(data, dtype=np_dtype)
    except ValueError:
        msg = _ragged_message(data) if isinstance(data, (list, tuple)) else None
        if msg:
            raise ValueError(msg) from None
        raise
    return _leaf(arr, requires_grad)


def _flat(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _nested_tensors(data):
    if isinstance(data, Tensor):
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data._data.reshape(()).item()  # PyTorch: any one-element tensor is a scalar here
    return [_nested_tensors(x) if isinstance(x, (list, tuple, Tensor)) else x for x in data]


def _leaf(arr, requires_grad=False):
    t = _make(arr, None, False)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    rec = STATE.recorder
    if rec is not None:
        rec._add("leaf", tensor=t, value=arr.copy())
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of `data` (floats give float32, ints int64)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    if device is not None:
        _dtypes.device(device)
    return _from_data(data, dtype, requires_grad)
