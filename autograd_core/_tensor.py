"""Tensor: a numpy array plus the autograd bookkeeping PyTorch keeps beside it.

Every differentiable op goes through ``apply``: run the op table's forward on the arrays, and when
an input requires grad (and grad mode is on) attach a grad_fn node whose next_functions point at the
inputs' nodes. In-place ops go through ``_inplace``, which bumps the version counter.

Views (x[0], x.t(), x.view(...), ...) share their base's memory and version counter, and remember
their base; after an in-place op on the base or on any view of it, a view's grad_fn is regenerated
when next asked for (AsStridedBackward0 over the base's new history), as PyTorch does.
"""
import builtins
import contextvars
import numbers
import warnings
import weakref

import numpy as np

from . import _dtypes
from ._dtypes import Size
from ._graph import (INTERNAL_OVERLAP_MSG, STATE, _INFERENCE, EveryDim, RemovableHandle, _next_seq, gradient_edge,
                     no_grad, pack_saved, torch_strides,
                     short_name, warn_nonleaf_grad)
from ._kernel_order import shares_memory_with, write_in_kernel_order
from ._numerics import (NUMPY_ERRORS, NUMPY_QUIET, checked_int, ZERO_TENSOR_IMMUTABLE_MSG, ZeroArray, contiguous_layout,
                        dense as _dense, elementwise_layout, is_zero_array, quiet, zero_array)
from ._ops import OPS
from ._refusals import type_name, warn

_F32 = np.dtype(np.float32)
_NO_EDGE = (None, 0)

# numpy's floating-point warnings (1 / 0, log(0), 0 / 0, an overflow) are off while the engine
# computes: PyTorch gives inf and nan silently (see _numerics.quiet). An op's kernel runs in a context
# of its own where that state is quiet already: entering it costs a third of setting and resetting the
# variable. A context is entered by one thread at a time; an op that finds it taken is run by quiet.
_QUIET_CONTEXT = contextvars.copy_context()
_QUIET_CONTEXT.run(NUMPY_ERRORS.set, NUMPY_QUIET)
_in_quiet_context = _QUIET_CONTEXT.run


def _context_taken(error):
    """Whether a RuntimeError is Context.run's refusal to enter a context another thread is in."""
    return str(error).startswith("cannot enter context")


_new = object.__new__
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _make(data, grad_fn, requires_grad, version_counter=None):
    """Wrap an ndarray without copying (the fast internal constructor)."""
    t = _new(Tensor)
    t._data = data
    t._grad_fn = grad_fn
    t._requires_grad = requires_grad
    t._vc = version_counter if version_counter is not None else [0]
    return t


# ---------------------------------------------------------------------------------------------
# Type promotion: one rule, PyTorch's result_type. Tensors with dims > zero-dim tensors > Python
# numbers ("weak": 0.5 - int_tensor is float32, not float64); a higher category (bool < integer <
# float) from a lower-priority operand still wins, at the default dtype of that category.
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
    """The dtype PyTorch gives an op on these tensors / Python numbers (None operands are skipped)."""
    groups = [None, None, None]  # dims>0 tensors, 0-dim tensors, numbers
    for x in operands:
        if isinstance(x, Tensor):
            d, g = x._data.dtype, 0 if x._data.ndim else 1
            if x._wrapped_number:  # (a number a derivative formula read back: it promotes as one)
                d, g = _scalar_dtype(x._data.item()), 2
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


def _compute_dtype(op, args, params):
    """The dtype op computes in: its operands' promotion, including the number params the row names
    in ``scalars`` (a "float" op turns integers into float32); None when each input keeps its own."""
    if op.kind == "same" or op.kind == "sum":
        return None
    scalars = [params[n] for n in op.scalars] if op.scalars and params else ()
    want = result_dtype(*args, *scalars)
    if op.kind == "float" and want.kind != "f":
        want = _F32
    return want


def _broadcast_message(*shapes):
    """PyTorch's message for shapes that do not broadcast (folded left to right, as TensorIterator
    folds its operands, each checked from the last dim), or None when they do."""
    acc = tuple(shapes[0]) if shapes else ()
    for shape in shapes[1:]:
        n = max(len(acc), len(shape))
        a, b = (1,) * (n - len(acc)) + acc, (1,) * (n - len(shape)) + tuple(shape)
        for i in reversed(range(n)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                        f"non-singleton dimension {i}")
        acc = tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))
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
    if x is None:  # (an optional tensor: clamp's bounds)
        return x
    raise TypeError(f"unsupported operand type: '{type(x).__name__}' (expected a Tensor or a number)")


def apply(op, args, params=None, view_of=None, output_nr=None, inplace=False):
    """Run one row of the op table on args (Tensors or numbers), building the graph if needed.

    view_of: the tensor whose memory the result shares (a view op); output_nr: the result's place
    among the views a multi-output op returns (unbind, split), which may not be modified in place;
    inplace: the result is written into args[0] (its history is rebased, not set).
    """
    recording = STATE.grad_enabled
    datas, edges = [], []  # edges: where each input's gradient goes, built as the inputs are read
    requires_grad = slow = False
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            datas.append(d)
            if d.dtype is not _F32:
                slow = True
            if not recording:
                continue
            if a._requires_grad:
                requires_grad = True
                fn = a._grad_fn
                if a._base is None:
                    if fn is not None:
                        # (_output_nr: 0 but for an output of a custom Function's node of several)
                        edges.append((fn, a._output_nr))
                        continue
                    acc = a._acc  # (a leaf's AccumulateGrad, while it lives: gradient_edge, inlined)
                    if acc is not None:
                        acc = acc()
                        if acc is not None:
                            edges.append((acc, 0))
                            continue
                # a leaf's new AccumulateGrad; a view's grad_fn, regenerated first if stale
                edges.append(gradient_edge(a))
                continue
            if a._base is not None and a._base._requires_grad:
                requires_grad = True
                edges.append(gradient_edge(a))
                continue
        else:
            datas.append(a)
            if a is True or a is False:
                slow = True
        if recording:
            edges.append(_NO_EDGE)
    want = None
    if slow:  # some input is not a float32 tensor: PyTorch's refusals, then its result dtype
        datas, want, out, requires_grad = _forward_promoted(op, args, datas, params, requires_grad, inplace)
    else:  # (PyTorch's inf and nan come silently)
        inputs = datas
        number = datas[-1]
        if type(number) is float and op in _NUMBER_CAST_ONCE:
            cast = _F32_NUMBERS.get(number)  # (_with_number_as_f32's lookup, inlined: the usual case)
            inputs = [datas[0], cast] if cast is not None else _with_number_as_f32(datas)  # (a, number)
        try:
            try:
                out = (_in_quiet_context(op.forward, *inputs, **params) if params
                       else _in_quiet_context(op.forward, *inputs))
            except RuntimeError as e:
                if not _context_taken(e):
                    raise
                out = quiet(op.forward)(*inputs, **(params or {}))
        except ValueError as e:
            _raise_broadcast_error(e, datas)
        if type(out) is not np.ndarray:
            out = np.asanyarray(out)
        layout = op.layout
        if layout is not None and out.ndim > 1:
            out = _laid_out(out, layout, datas)
    result = _new(Tensor)  # (_make, inlined: the hot path)
    result._data, result._requires_grad = out, requires_grad
    result._vc = view_of._vc if view_of is not None else [0]  # (a view shares its base's version counter)
    if requires_grad:  # (only counted while grad mode records)
        node = result._grad_fn = _new(op.node_class)
        node.next_functions = edges = tuple(edges)
        node._args = datas
        node._params = params
        node._seq = _next_seq()
        node._shape, node._dtype = out.shape, out.dtype
        if want is not None and any(isinstance(a, Tensor) and a._data.dtype != want for a in args):
            # gradients go back in each input's own dtype, not the promoted one
            node._in_dtypes = [a._data.dtype if isinstance(a, Tensor) else None for a in args]
        if op.saves:
            # (counter, version now, the tensor, its array): backward checks nothing changed, and
            # names the tensor's grad_fn at that time in its error, as PyTorch does. An input read
            # only by the gradient of others is saved only when one of those needs a gradient.
            versions = []
            node._out = None
            for i, needed_by in op.saved_args:
                if i is None:  # the result
                    node._out = out
                    vc = result._vc
                    versions.append((vc, vc[0], op.grad_fn, out))
                    continue
                a = args[i]
                if not isinstance(a, Tensor):
                    continue
                if needed_by is not None:
                    for j in needed_by:
                        if edges[j][0] is not None:
                            break
                    else:
                        continue
                versions.append((a._vc, a._vc[0], a, a._data))
            node._saved_versions = versions or None
            if STATE.saved_hooks:  # (saved_tensors_hooks: each saved tensor is packed now)
                pack_saved(node, op, args, result)
        else:
            node._out = node._saved_versions = None
    else:
        result._grad_fn = None
    if view_of is not None:
        _make_view(result, view_of, output_nr)
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op.name, tensor=result, node=result._grad_fn, inputs=tuple(args),
                 value=out.copy())
    return result


# x * 1.001 with a float32 x: numpy casts the Python number to float32 on every call, as ATen does;
# the arithmetic rows take the number as a float32 array made once (half the cost of the product).
_NUMBER_CAST_ONCE = frozenset(OPS[name] for name in ("add", "sub", "mul", "div"))
_F32_NUMBERS = {}  # {number: itself as a read-only 0-d float32 array}


def _with_number_as_f32(datas):
    """datas with its last entry, a Python float, as a 0-d float32 array: the same value numpy's
    cast gives (numbers a float32 cast could overflow or flush, and 0.0, whose sign the cache would
    lose, are left as they are)."""
    number = datas[-1]
    cast = _F32_NUMBERS.get(number)
    if cast is None:
        if not 1e-30 < abs(number) < 1e30 or len(_F32_NUMBERS) >= 4096:
            return datas
        cast = _F32_NUMBERS[number] = np.array(number, dtype=_F32)
        cast.flags.writeable = False
    return datas[:-1] + [cast]


def _wrapped_int(number, dtype):
    """A Python int in an integer dtype as ATen converts it (a C cast, modulo 2**bits): uint8 - 1
    computes with 255, as torch.tensor([1], dtype=torch.uint8) - 1 gives 0 (numpy refuses it)."""
    info = np.iinfo(dtype)
    if info.min <= number <= info.max:
        return number
    return np.array(number).astype(dtype).item()


def _wrapped_params(params, names, dtype):
    """params with the Python ints named in names as ATen converts them into the integer dtype; a
    power's exponent is checked instead (PyTorch's error where it does not fit)."""
    out = dict(params)
    for k in names:
        v = out.get(k)
        if type(v) is int:
            out[k] = _wrapped_int(checked_int(v, dtype) if k == "exponent" and v >= 0 else v, dtype)
    return out


def _cast(a, dtype):
    """a in dtype, laid out as ATen's iterator would read a: numpy's copy of an expanded array
    makes its repeated (stride 0) dim the fastest, and the op's result would follow that layout."""
    if is_zero_array(a):  # (ATen's promotion of an efficient zero tensor: one of the result dtype)
        return zero_array(a.shape, dtype)
    cast = a.astype(dtype)
    return cast if _dense(a) else elementwise_layout(cast, [a])


@quiet
def _forward_promoted(op, args, datas, params, requires_grad, inplace):
    """apply's forward when some input is not a float32 tensor: PyTorch's refusals, the inputs cast
    to the dtype the op computes in, and the result in PyTorch's dtype.
    Returns (the inputs as computed on, that dtype or None, the result, whether it requires grad)."""
    if op.refuse is not None:
        op.refuse(*datas, **params) if params else op.refuse(*datas)
    want = _compute_dtype(op, args, params)
    if want is not None:
        datas = [_cast(d, want) if isinstance(d, np.ndarray) and d.dtype != want else d for d in datas]
        if want.kind in "iu":
            datas = [_wrapped_int(d, want) if type(d) is int else d for d in datas]
            if params and op.scalars:
                params = _wrapped_params(params, op.scalars, want)
    try:
        out = op.forward(*datas, **params) if params else op.forward(*datas)
    except ValueError as e:
        _raise_broadcast_error(e, datas)
    if type(out) is not np.ndarray:
        out = np.asanyarray(out)
    if op.layout is not None and out.ndim > 1:
        out = _laid_out(out, op.layout, datas)
    if op.kind == "self":  # (ATen's loss backward kernels write into a zeros_like(self))
        out = out.astype(args[op.arg_names.index("self")]._data.dtype, copy=False)
    elif want is not None and out.dtype != want:
        out = out.astype(want)
    elif op.kind == "sum" and out.dtype.kind in "biu":
        out = out.astype(np.int64)
    if requires_grad and out.dtype.kind not in "fc" and not inplace:
        # (an integer tensor requiring grad: torch.tensor([1, 2])[:1] = w writes a w into it)
        if op.grad_fn != "NotImplemented":
            raise RuntimeError(f"Autograd not support dtype: {_dtype_short(out.dtype)}")
        requires_grad = False  # (x // 2: PyTorch leaves an integer result out of the graph)
    return datas, want, out, requires_grad


def _raise_broadcast_error(e, datas):
    """A kernel's ValueError: PyTorch's message when the inputs do not broadcast, else e itself."""
    shapes = [np.shape(d) for d in datas if isinstance(d, np.ndarray)]
    msg = _broadcast_message(*shapes)
    if msg and "broadcast" in str(e):
        raise RuntimeError(msg) from None
    raise e


def _laid_out(out, layout, datas):
    """out in the memory layout ATen gives the result: "contiguous", or for "elementwise" numpy's,
    which is TensorIterator's when every input of 2 or more dims is C-contiguous."""
    if layout == "contiguous":
        return contiguous_layout(out)
    for d in datas:
        if type(d) is np.ndarray and d.ndim > 1 and not d.flags.c_contiguous:
            return elementwise_layout(out, datas)
    return out


# ---------------------------------------------------------------------------------------------
# Views: one mechanism (PyTorch's differentiable views). A view records its base (the tensor that
# owns the memory, never itself a view) and the version it last saw; its grad_fn is brought up to
# date when read, by _sync_view.
# ---------------------------------------------------------------------------------------------
def _make_view(view, source, output_nr):
    """Mark view as a view of source's base. How it was made decides whether it may later be
    modified in place (PyTorch's CreationMeta): in no_grad or inference mode, or as one of several
    outputs, not while autograd records."""
    base = source._base if source._base is not None else source
    view._base = base
    view._view_version = view._vc[0]
    if _INFERENCE[0]:
        creation = "inference"
    elif not STATE.grad_enabled:
        creation = "no_grad"
    elif output_nr is not None:
        creation = "multi_output"
    else:
        creation = None
    inherited = source._creation if source._base is not None else None
    if creation is None or inherited == "inference":
        creation = inherited
    if creation is not None:
        view._creation = creation
    if output_nr:
        view._output_nr = output_nr


def _sync_view(v):
    """v's grad_fn after an in-place op on its base or on another view of it (the shared version
    counter moved on): AsStridedBackward0, reading v's elements out of the base's new history."""
    if v._view_version == v._vc[0]:
        return
    base = v._base
    if v._grad_fn is None and not base._requires_grad:
        return
    if v._creation is not None:
        raise RuntimeError(_view_rebase_message(v, indirect=True))
    node = _new(OPS["as_strided"].node_class)
    node.next_functions = (gradient_edge(base),)
    node._args = (base._data,)
    node._params = {"positions": _positions_in_base(base._data, v._data), **view_geometry(base._data, v._data)}
    node._out = node._saved_versions = None
    node._seq = _next_seq()
    node._shape, node._dtype = v._data.shape, v._data.dtype
    v._view_version = v._vc[0]
    _set_grad_fn(v, node)


def _set_grad_fn(t, node):
    """t's history becomes node. Hooks registered from now on go to node (those registered so far
    stay with the old node, as in PyTorch); retain_grad() follows the tensor."""
    old = t._grad_fn
    t._grad_fn = node
    t._requires_grad = True
    nr = t._output_nr
    if nr and t._base is None:  # (no longer an output of a node of several outputs)
        t._output_nr = 0
    if t._hooks is not None:
        t._hooks = None
    if t._retains_grad and old is not None:
        if old._multi:
            if old._retain is not None and old._retain[nr] is not None:
                node._retain, old._retain[nr] = old._retain[nr], None
            node._hooked = True
        elif old._retain is not None:
            node._retain, old._retain = old._retain, None
            node._hooked = True


def _rebase_history(t, node, base_before):
    """After an in-place op recorded as node: node becomes t's grad_fn; when t is a view, it is
    wrapped in the base's new grad_fn (CopySlices), and t's own is regenerated from that.
    base_before: the base's value before the write (what the graph views show as its input)."""
    base = t._base
    if base is None:
        _set_grad_fn(t, node)
        return
    copy = _copy_slices(node, _positions_in_base(base._data, t._data), gradient_edge(base), base_before)
    copy._view_geometry = view_geometry(base._data, t._data)
    if _expanded_memory(t._data):
        copy._expanded_view = True
    _set_grad_fn(base, copy)
    _sync_view(t)


def _copy_slices(node, positions, base_edge, base_before):
    """The base's CopySlices node wrapping node, an op written into the base's elements at positions."""
    copy = _new(OPS["copy_slices"].node_class)
    copy._fn = node
    copy._positions = positions
    copy.next_functions = (base_edge,) + node.next_functions[1:]
    copy._args = (base_before,) + tuple(node._args[1:])
    copy._params = copy._out = copy._saved_versions = None
    copy._seq = _next_seq()
    copy._shape, copy._dtype = base_before.shape, base_before.dtype
    return copy


def written_into(base, view, positions, geometry, values):
    """base with values written at the flat positions that view reads (PyTorch's view.copy_(values),
    view a view of base of this geometry: the new value's grad_fn is CopySlices over CopyBackwards)."""
    copied = apply(OPS["copy_"], (view, values))
    data = base._data.copy()
    data.reshape(-1)[positions.reshape(-1)] = copied._data.reshape(-1)
    if copied._grad_fn is None:
        return _make(data, None, False)
    copy = _copy_slices(copied._grad_fn, positions, gradient_edge(base), base._data)
    copy._view_geometry = geometry
    return _make(data, copy, True)


def view_geometry(base, view):
    """A view's size, stride and storage_offset in elements, as PyTorch's as_strided takes them (the
    base's memory is the storage)."""
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return {"size": view.shape, "stride": torch_strides(view), "storage_offset": offset // view.itemsize}


def _positions_in_base(base, view):
    """The flat (C-order) index in `base` of each element of `view`, two numpy views of one memory."""
    if view.size == 0:
        return np.zeros(view.shape, dtype=np.intp)
    itemsize = base.itemsize
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if base.flags.c_contiguous:  # memory order is C order: the positions are the byte offsets
        flat = np.arange(base.size, dtype=np.intp)
        return np.lib.stride_tricks.as_strided(
            flat[offset // itemsize:], view.shape,
            tuple(s // itemsize * flat.itemsize for s in view.strides), writeable=False)

    def addresses(arr, start):
        addr = np.full(arr.shape, start, dtype=np.int64)
        for axis, (n, stride) in enumerate(zip(arr.shape, arr.strides)):
            shape = [1] * arr.ndim
            shape[axis] = n
            addr = addr + (np.arange(n, dtype=np.int64) * stride).reshape(shape)
        return addr
    base_addr = addresses(base, 0).ravel()
    order = np.argsort(base_addr, kind="stable")
    return order[np.searchsorted(base_addr[order], addresses(view, offset).ravel())].reshape(view.shape)


def _view_rebase_message(v, indirect):
    """PyTorch's refusal to record an in-place change of a view made in no_grad / inference mode,
    of one of the views a multi-output op (unbind, split) returned, or of a view a custom
    Function's forward returned."""
    what = "its base or another view of its base has been" if indirect else "is being"
    fn, creation = v._grad_fn, v._creation
    output = f"Output {v._output_nr} of {short_name(fn)}" if fn is not None else None
    if creation == "custom_function":  # (a view a custom Function's forward returned)
        return (f"{output} is a view and {what} modified inplace. This view was created inside a custom "
                "Function (or because an input was returned as-is) and the autograd logic to handle "
                "view+inplace would override the custom backward associated with the custom Function, "
                "leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning "
                "the output of the custom Function.")
    if creation != "multi_output" or fn is None:
        prefix = f"{output} is a view of a view which was created in" if fn else "A view was created in"
        if creation == "inference":
            msg = f"{prefix} inference mode and {what} modified inplace in normal mode."
        else:
            msg = f"{prefix} no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        msg = f"{output} is a view and {what} modified inplace."
    if creation == "multi_output":
        return msg + (" This view is the output of a function that returns multiple views. Such "
                      "functions do not allow the output views to be modified inplace. You should "
                      "replace the inplace operation by an out-of-place one.")
    block = "inference_mode" if creation == "inference" else "no_grad"
    return msg + (" Given that this use case is ambiguous and error-prone, it is forbidden. You can "
                  "clarify your code by moving both the view and the inplace either both inside the "
                  f"{block} block (if you don't want the inplace to be tracked) or both outside (if "
                  "you want the inplace to be tracked).")


# ---------------------------------------------------------------------------------------------
# In-place ops
# ---------------------------------------------------------------------------------------------
LEAF_INPLACE_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_INPLACE_MSG = "a view of a leaf Variable that requires grad is being used in an in-place operation."
PARTIAL_OVERLAP_MSG = ("unsupported operation: some elements of the input tensor and the written-to "
                       "tensor refer to a single memory location. Please clone() the tensor before "
                       "performing the operation.")

_UFUNC_INPLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}
_IDEMPOTENT = ("zero_", "fill_", "fill_tensor")  # writes PyTorch does not check for overlapping memory
_WARN_ON_EXPANDED = ("masked_fill", "masked_fill_tensor", "index_put")  # (deprecated, not refused)


def _check_inplace(t):
    """PyTorch's check_inplace, before an in-place op that autograd records."""
    if t._base is not None:
        if t._creation is not None:
            raise RuntimeError(_view_rebase_message(t, indirect=False))
        if t.requires_grad and t._base._grad_fn is None:
            raise RuntimeError(VIEW_INPLACE_MSG)
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF_INPLACE_MSG)


def _expanded_memory(d):
    """Whether several elements of array d are one memory location (a dim of stride 0)."""
    return 0 in d.strides and d.size and any(s == 0 and n > 1 for n, s in zip(d.shape, d.strides))


def _store(self, out, op_name, params):
    """Write op's result into self's memory. Into an expanded self (index_put_ and masked_fill_ may
    write there) only the elements the op writes go, in its order: the value that lands last in a
    shared location is PyTorch's."""
    d = self._data
    if op_name in _WARN_ON_EXPANDED and _expanded_memory(d):
        where = params["indices"] if op_name == "index_put" else np.broadcast_to(params["mask"], d.shape)
        d[where] = out[where]
    else:
        np.copyto(d, out, casting="unsafe")


def _write_aliased(self, op, args, params):
    """op(self, *args) written into self in the order ATen's kernel visits the elements (an operand
    shares self's memory: later elements read earlier results)."""
    want = _compute_dtype(op, (self,) + args, params) or self._data.dtype
    datas = [self._data] + [a._data if isinstance(a, Tensor) else a for a in args]
    write_in_kernel_order(self._data, op.forward, datas, params, want)


def _same_memory(d, src):
    """Whether src is a tensor viewing exactly d's elements, in d's layout and dtype."""
    if not isinstance(src, Tensor):
        return False
    b = src._data
    return b is d or (b.dtype == d.dtype and b.shape == d.shape and b.strides == d.strides
                      and b.__array_interface__["data"][0] == d.__array_interface__["data"][0])


def _check_overlap(self, op_name, args, params=None):
    """PyTorch's memory-overlap checks on a write (TensorIterator's): no element of the written-to
    tensor may alias another (an expanded tensor), and no input may partly overlap it."""
    if op_name in _IDEMPOTENT or (op_name == "copy_" and _same_memory(self._data, args[0])):
        return  # (x.copy_(x), or of a view of the very same elements: copy_ returns at once)
    if op_name == "nan_to_num" and self._data.dtype.kind in "biu":
        return  # (an integer or bool tensor has no nan: ATen's nan_to_num_ is then x.copy_(x))
    d = self._data
    if _expanded_memory(d):
        if op_name not in _WARN_ON_EXPANDED:
            raise RuntimeError(INTERNAL_OVERLAP_MSG)
        name, example = ("index_put_", "tensor[indices] = tensor") if op_name == "index_put" else (
            "masked_fill_", "tensor[mask] = scalar")
        warn(f"Use of {name} on expanded tensors is deprecated. Please clone() the tensor before "
             f"performing this operation. This also applies to advanced indexing e.g. {example}")
    # index_put_ refuses any overlap with its value (even full), unless it becomes masked_fill_ (one
    # bool mask and a one-element value, whose number is read first)
    any_overlap = op_name == "index_put"
    if any_overlap and _masked_fill_of_one_value(params["indices"], args[0]):
        return
    for a in args:
        if not isinstance(a, Tensor):
            continue
        b = a._data
        if b is d:
            if any_overlap and d.size:
                raise RuntimeError(PARTIAL_OVERLAP_MSG)
            continue
        if (b.base is None and d.base is None) or not np.may_share_memory(d, b):
            continue  # (two arrays that own their memory never share it)
        if d.size == 0 or b.size == 0 or not (_dense(d) and _dense(b)):
            continue  # PyTorch's "too hard to tell": no error
        same = (d.__array_interface__["data"][0] == b.__array_interface__["data"][0]
                and d.nbytes == b.nbytes and d.strides == b.strides)
        if not same or any_overlap:
            raise RuntimeError(PARTIAL_OVERLAP_MSG)


def _masked_fill_of_one_value(index, value):
    """Whether PyTorch's index_put_ hands this write to masked_fill_ (canDispatchToMaskedFill)."""
    if not isinstance(value, Tensor) or value._data.size != 1:
        return False
    masks = [i for i in index if isinstance(i, np.ndarray)]
    return len(masks) == 1 and masks[0].dtype == np.bool_


_CPP_NAMED = ("clamp", "clamp_min", "clamp_max")  # kernels whose cast error names the C++ type


def _check_inplace_operands(self, op, args, params):
    """What PyTorch checks before writing op's result into self, in its order: the operands are
    allowed (op.refuse; clamp's result dtype, in its meta function), then TensorIterator's checks:
    the memory does not overlap, the shapes broadcast to self's, the result dtype fits; last the
    kernel's refusal of a dtype it has no version for."""
    shape = self._data.shape
    plain = self._data.dtype is _F32  # (float32 operands are never refused; float32 takes any result)
    shapes = None
    for a in args:
        if isinstance(a, Tensor):
            if a._data.dtype is not _F32:
                plain = False
            if a._data.shape != shape:
                shapes = (shapes or []) + [a._data.shape]
        elif a is True or a is False:
            plain = False
    refuse = None if plain else op.refuse
    in_kernel = getattr(refuse, "in_kernel", False)
    if refuse is not None:
        operands = [a._data if isinstance(a, Tensor) else a for a in args]
        if not in_kernel:
            refuse(self._data, *operands, **(params or {}))
    cast_first = op.name in _CPP_NAMED
    if not plain and cast_first:
        _check_cast(self, op, args, params)
    _check_overlap(self, op.name, args, params)
    if shapes and (op.layout == "elementwise" or op.name == "copy_"):
        msg = _broadcast_message(shape, *shapes)
        if msg:
            raise RuntimeError(msg)
        full = np.broadcast_shapes(shape, *shapes)
        if full != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                               f"{list(full)}")
    if not plain and not cast_first:
        _check_cast(self, op, args, params)
    if in_kernel:
        refuse(self._data, *operands, **(params or {}))


def _check_cast(self, op, args, params):
    """An in-place result must fit self's dtype: no float result into an integer tensor."""
    if op.kind != "same" and self._data.dtype.kind != "f":
        want = _compute_dtype(op, (self,) + args, params)
        if _CATEGORY[want.kind] > _CATEGORY[self._data.dtype.kind]:
            names = _dtypes.CPP_NAME if op.name in _CPP_NAMED else _dtypes.SCALAR_NAME
            raise RuntimeError(f"result type {_dtype_short(want)} can't be cast to the desired output "
                               f"type {names[_dtypes.FROM_NUMPY[self._data.dtype]]}")


def _saves_old_self(op, args):
    """Whether op's node saves its input self, written over by op_ (the gradient of an input that
    requires grad reads it)."""
    for i, needed_by in op.saved_args:
        if i == 0:
            if needed_by is None or 0 in needed_by:
                return True
            return any(isinstance(args[j - 1], Tensor) and args[j - 1].requires_grad
                       for j in needed_by if j)
    return False


def _write_unchecked(self, op_name, args):
    """The optimiser's write (w -= lr * w.grad, w.grad.zero_()) when no check can fail: float32 memory
    that self owns (nothing else views it, nothing is expanded), an operand of self's shape that owns
    its own memory or a Python float, and no graph to record. Returns whether it wrote."""
    d = self._data
    if d.dtype is not _F32 or d.base is not None or self._base is not None:
        return False
    if op_name == "zero_":
        d.fill(0)
    elif op_name in _UFUNC_INPLACE:
        other = args[0]
        if isinstance(other, Tensor):
            other = other._data
            if other.dtype is not _F32 or other.shape != d.shape or other.base is not None or other is d:
                return False
        elif type(other) is not float:
            return False
        try:
            _in_quiet_context(_UFUNC_INPLACE[op_name], d, other, out=d)  # (inf - inf: nan, silently)
        except RuntimeError as e:
            if not _context_taken(e):
                raise
            return False  # (the checked way then)
    else:
        return False
    self._vc[0] += 1
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op_name, tensor=self, node=self._grad_fn, inputs=(self,) + args,
                 value=d.copy())
    return True


def _inplace(self, op_name, args=(), params=None):
    """Write op(self, *args) into self's memory; bump the version counter (shared with views).

    When autograd records the write (grad mode on, some input requires grad), the op's node takes
    self's old value as its first input and becomes self's history (PyTorch's rebase_history):
    self's grad_fn, or, when self is a view, wrapped in its base's new grad_fn (CopySlices).
    """
    args = tuple(map(_unwrap, args)) if args else ()
    if type(self._data) is ZeroArray and is_zero_array(self._data):  # (the type first: no call)
        raise RuntimeError(ZERO_TENSOR_IMMUTABLE_MSG)
    tracked = False
    if STATE.grad_enabled:
        for t in (self,) + args:
            if isinstance(t, Tensor) and (t._requires_grad or (t._base is not None
                                                               and t._base._requires_grad)):
                tracked = True
                break
    if not tracked and not params and _write_unchecked(self, op_name, args):
        return self
    return _inplace_checked(self, op_name, args, params, tracked)


@quiet
def _inplace_checked(self, op_name, args, params, tracked):
    """_inplace's write when some check may fail or autograd records it."""
    op = OPS[op_name]
    if tracked and op_name == "copy_" and self._data.dtype.kind != "f":
        tracked = False  # PyTorch's copy_ into an integer tensor stays out of the graph (fill_ does not)
    if tracked:
        _check_inplace(self)
        for a in args:  # (PyTorch collects the inputs' edges before its kernel checks the memory)
            if isinstance(a, Tensor) and a._base is not None:
                _sync_view(a)
        if self._data.dtype.kind not in "fc" and self.requires_grad and _saves_old_self(op, args):
            # (PyTorch first saves a clone of self's old value, whose history cannot be integer;
            # the clone of an integer self that requires no grad is no result of the graph)
            raise RuntimeError(f"Autograd not support dtype: {_dtype_short(self._data.dtype)}")
    _check_inplace_operands(self, op, args, params)
    if params and "alpha" in params and op.kind != "same":  # (add_'s and sub_'s, after TensorIterator's checks)
        check_alpha(_compute_dtype(op, (self,) + args, params), params["alpha"])
    # an operand sharing self's memory without being it: the kernel reads what it already wrote
    aliased = False
    if op.layout == "elementwise" or op_name == "copy_":
        for a in args:
            if isinstance(a, Tensor) and shares_memory_with(self._data, a._data):
                aliased = True
    if tracked:
        fn = self.grad_fn
        old = _make(self._data.copy(), fn, fn is not None)
        if fn is not None and fn._multi:  # (its edge: the output of a custom Function's node)
            old._output_nr = self._output_nr
        with _no_record():
            # (PyTorch saves a clone of self's old value, original_self: a CloneBackward0 in a
            # create_graph gradient's graph)
            original = apply(OPS["clone"], (old,)) if fn is not None and _saves_old_self(op, args) else None
            res = apply(op, (old,) + args, params, inplace=True)
        if res._data.shape != self._data.shape:  # an in-place result cannot grow
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(res._data.shape)}")
        base_before = self._base._data.copy() if self._base is not None else None
        if aliased:
            _write_aliased(self, op, args, params)
        else:
            _store(self, res._data, op_name, params)
        self._vc[0] += 1
        node = res._grad_fn
        if original is not None and node._saved_versions:
            node._saved_versions = [(counter, version, original, arr) if saved is old else (counter, version, saved, arr)
                                    for counter, version, saved, arr in node._saved_versions]
        _rebase_history(self, node, base_before)
        if op.saves_result:  # the saved result is self's memory, at its version from now on, named
            # (in an error) by the op's node, or for a view by its regenerated grad_fn while it lives
            name = op.grad_fn if self._base is None else weakref.ref(self._grad_fn)
            node._saved_versions = [(self._vc, self._vc[0], name, self._data) if e[3] is node._out
                                    else e for e in node._saved_versions]
            node._out = self._data
    elif aliased:
        _write_aliased(self, op, args, params)
        self._vc[0] += 1
    else:
        if not params and op_name in _UFUNC_INPLACE and self._data.dtype.kind == "f":
            # w -= lr * w.grad: numpy's in-place ufunc, no temporary the size of w
            other = args[0]._data if isinstance(args[0], Tensor) else args[0]
            try:
                _UFUNC_INPLACE[op_name](self._data, other, out=self._data, casting="unsafe")
            except ValueError:
                shape = self._data.shape
                msg = _broadcast_message(shape, np.shape(other))
                raise RuntimeError(msg or f"output with shape {list(shape)} doesn't match the "
                                   f"broadcast shape {list(np.broadcast_shapes(shape, np.shape(other)))}"
                                   ) from None
        else:
            datas = [self._data] + [a._data if isinstance(a, Tensor) else a for a in args]
            if self._data.dtype.kind in "iu":  # (u8.add_(-1): ATen casts the -1 to 255)
                want = _compute_dtype(op, (self,) + args, params)
                if want is not None and want.kind in "iu":
                    datas = [_wrapped_int(d, want) if type(d) is int else d for d in datas]
                    if params and op.scalars:
                        params = _wrapped_params(params, op.scalars, want)
            try:
                out = op.forward(*datas, **params) if params else op.forward(*datas)
            except ValueError as e:
                shapes = [np.shape(d) for d in datas if isinstance(d, np.ndarray)]
                msg = _broadcast_message(*shapes)
                raise RuntimeError(msg or str(e)) from None
            if np.shape(out) != self._data.shape:
                raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                                   f"broadcast shape {list(np.shape(out))}")
            _store(self, out, op_name, params)
        self._vc[0] += 1
    rec = STATE.recorder
    if rec is not None:
        rec._add("forward", op=op_name, tensor=self, node=self.grad_fn, inputs=(self,) + args,
                 value=self._data.copy())
    return self


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
class GivenDim(int):
    """A negative dim (or index) brought in range that remembers how it was given (-1 of a 2-d
    tensor: 1, given -1): PyTorch's nodes show it as it was given (grad_fn._saved_dim, _saved_index)."""

    def __new__(cls, d, given):
        dim = super().__new__(cls, d)
        dim.given = given
        return dim


def _dim(d, ndim):
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but "
                         f"got {d})")
    return d % n if d >= 0 else GivenDim(d % n, int(d))


def _dims(dim, ndim):
    """dim (an int or a list of them) as a tuple of dims in range; a 0-d tensor's dim 0 (or -1) is
    no dim to reduce over (PyTorch accepts it)."""
    dims = tuple(_dim(d, ndim) for d in dim) if isinstance(dim, (list, tuple)) else (_dim(dim, ndim),)
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return dims if ndim else ()


class _Omitted:
    """The default of a reduction's dim: PyTorch tells dim left out from dim=None given (x.sum() is a
    SumBackward0, x.sum(dim=None) a SumBackward1 whose _saved_dim is None)."""

    def __repr__(self):
        return "<omitted>"


OMITTED = _Omitted()


def _reduced_dims(dim, ndim):
    """_dims of a reduction: None or an empty list of dims means all of them, as in PyTorch (x.sum(())
    is the sum of every element, not x)."""
    if dim is None or isinstance(dim, (list, tuple)) and not dim:
        return EveryDim(ndim, None if dim is None else ())
    return _dims(dim, ndim)


def _in_range(index, size):
    """An index in [-size, size) brought in range, remembering how it was given (GivenDim)"""
    return index if index >= 0 else GivenDim(index + size, index)


def check_alpha(dtype, alpha):
    """PyTorch's alpha_check for add/sub's alpha, given the result dtype."""
    if isinstance(alpha, (bool, np.bool_)) and dtype != np.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if dtype.kind != "f" and not isinstance(alpha, (numbers.Integral, np.integer)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _shape_arg(args):
    """f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3])) all mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(s) for s in args)


def _created_shape(args):
    """_shape_arg of a tensor about to be made, whose sizes may not be negative (ATen's
    check_size_nonnegative)."""
    shape = _shape_arg(args)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def _infer_shape(shape, numel):
    shape = list(shape)
    inferred = False
    for i, s in enumerate(shape):  # (in order: ATen names the first wrong size)
        if s == -1:
            if inferred:
                raise RuntimeError("only one dimension can be inferred")
            inferred = True
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
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
    __slots__ = ("_data", "_grad_fn", "_requires_grad", "_vc", "__dict__", "__weakref__")
    _grad = None
    _retains_grad = False
    _hooks = None
    _acc = None  # weakref to this leaf's AccumulateGrad node (PyTorch keeps it weakly too)
    # views only: the tensor whose memory they share, the version they last saw, how they were made
    # (None, "no_grad", "inference" or "multi_output") and their place among a multi-output op's
    _base = None
    _view_version = 0
    _creation = None
    _output_nr = 0
    _wrapped_number = False  # a 0-dim tensor standing for a Python number (PyTorch's wrapped number)
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to our reflected operators

    def __new__(cls, *args, **kwargs):
        if cls is not Tensor:  # subclasses such as nn.Parameter construct themselves
            return _new(cls)
        if len(args) == 1 and not isinstance(args[0], numbers.Number):
            data = args[0]
            if isinstance(data, Tensor):  # torch.Tensor(t): t itself, aliased (its dtype kept)
                return apply(OPS["alias"], (data,), view_of=data._base if data._base is not None else data)
            return _leaf(np.array(data, dtype=np.float32))  # _leaf: a recorder sees the creation
        return _leaf(np.empty(_created_shape(args) if args else (0,), dtype=np.float32))

    # --- autograd attributes -------------------------------------------------------------------
    @property
    def data(self):
        """The same memory outside the graph, with its OWN version counter: in-place changes made
        through it are invisible to autograd (prefer .detach())."""
        return _make(self._data, None, False)

    @data.setter
    def data(self, value):
        """x.data = other: x's values become other's, its graph and version counter stay (what saved
        x as an input reads the new values in backward)."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self.requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or "
                               "complex dtype")
        self._data = value._data
        STATE.data_set = True

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf); a view's is first brought up to date
        with in-place changes of its base."""
        if self._base is not None:
            _sync_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def requires_grad(self):
        """True when a gradient flows to this tensor (a view: also when its base requires grad)."""
        return self._requires_grad or (self._base is not None and self._base._requires_grad)

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
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warn_nonleaf_grad()  # (a view's grad_fn as last set; a .grad set by hand is no surprise)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_dtypes.CPP_NAME[value.dtype]}' "
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
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        fn = self.grad_fn
        if fn._multi:  # (an output of a custom Function's node of several outputs)
            if fn._retain is None:
                fn._retain = [None] * fn._n_outputs
            fn._retain[self._output_nr] = weakref.ref(self)
        else:
            fn._retain = weakref.ref(self)
        fn._hooked = True
        self._retains_grad = True

    @property
    def _version(self):
        return self._vc[0]

    @property
    def output_nr(self):
        """Which output of its grad_fn this tensor is (0 but for nodes of several outputs)."""
        return self._output_nr

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        fn = self.grad_fn
        if fn is not None:
            if fn._multi:  # (an output of a custom Function's node of several outputs)
                if fn._pre_hooks is None:
                    fn._pre_hooks = {}
                fn._pre_hooks[self._output_nr] = self._hooks
            else:
                fn._pre_hooks = self._hooks
            fn._hooked = True
        key = _next_seq()
        self._hooks[key] = hook
        return RemovableHandle(self._hooks, key)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) each time backward has accumulated a gradient into this leaf's .grad (not
        for autograd.grad, which accumulates nothing); it must return None."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        acc, _ = gradient_edge(self)
        self._kept_acc = acc  # (the hook lives on the leaf's AccumulateGrad, which a leaf only weakly holds)

        def after_accumulating(grad_inputs, grad_outputs):
            if grad_outputs[0] is not None and hook(self) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")
        return acc.register_hook(after_accumulating)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf), weighted by `gradient`, into every leaf's .grad."""
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

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
        self._grad_fn = None
        self._requires_grad = False
        return self

    def _is_view(self):
        return self._base is not None

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
        st = torch_strides(self._data)
        return st if dim is None else st[_dim(dim, self._data.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # --- conversion ----------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        if is_zero_array(self._data):
            raise RuntimeError("tolist() shouldn't be called on a tensor with unallocated storage")
        return self._data.tolist()

    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if is_zero_array(self._data):
            if not force:
                raise RuntimeError("Cannot convert a ZeroTensor to numpy. Set force=True if you need the "
                                   "zero array.")
            return np.zeros(self._data.shape, self._data.dtype)
        return self._data

    def _is_zerotensor(self):
        """Whether this is ATen's efficient zero tensor (sgn's gradient of a real input)."""
        return is_zero_array(self._data)

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data if dtype is None else self._data.astype(dtype)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """As torch built without CUDA: AssertionError (an int device: no accelerator, RuntimeError)."""
        _dtypes.cpu_only("cuda" if device is None else device)
        return self

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other_tensor): a copy only when needed
        (or asked for: copy=True)."""
        dtype = to_dtype_arg(args, kwargs)
        if dtype is None or dtype.np == self._data.dtype:
            if not kwargs.get("copy"):
                return self
            dtype = self.dtype
        if not dtype.is_floating_point and self.requires_grad:
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
        return iter(F.unbind(self, 0))  # PyTorch iterates over unbind(0)

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
        if self.requires_grad:
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

    @quiet  # (the printing's scale of 1e308 overflows numpy's float64: silently, as PyTorch)
    def __repr__(self):
        return _printing.tensor_repr(self)

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
        return _inplace(self, "add", (other,), _alpha_param(self, alpha))

    def sub_(self, other, alpha=1):
        return _inplace(self, "sub", (other,), _alpha_param(self, alpha))

    def mul_(self, other):
        return _inplace(self, "mul", (other,))

    def div_(self, other):
        return _inplace(self, "div", (other,))

    def zero_(self):
        return _inplace(self, "zero_")

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value._data.ndim} dimensions.")
            return _inplace(self, "fill_tensor", (value,))
        return _inplace(self, "fill_", params={"value": number_as(self._data.dtype, _unwrap(value))})

    def copy_(self, src):
        return _inplace(self, "copy_", (src,))

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, index, value):
        """x[index] = value, as PyTorch: copy_ into the view x[basic part of index], or, with tensor
        indices, index_put_ into it; the history is rewritten by the in-place op on that view."""
        if not isinstance(value, Tensor):
            if not isinstance(value, (numbers.Number, np.generic)):
                raise TypeError(f"can't assign a {type(value).__name__} to a torch.{self.dtype._legacy}")
            value = _make(number_as(self._data.dtype, value), None, False)
        if value._data.size == 1 and F._only_a_byte_mask(index):
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
        target, tensor_index = F._getitem(self, index, setitem=True)
        if tensor_index is not None:
            value = _without_leading_ones(value)
            try:
                selected = target._data[tensor_index].shape
            except IndexError:  # (index tensors that do not broadcast: index_put_ says so, after its
                selected = None  # memory-overlap check)
            try:
                if selected is not None:
                    np.broadcast_shapes(value._data.shape, selected)
            except ValueError:
                raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._data.shape)} "
                                   f"cannot be broadcast to indexing result of shape {list(selected)}"
                                   ) from None
            try:
                _inplace(target, "index_put", (value,), {"indices": tensor_index})
            except IndexError as e:  # (numpy's words for an index out of range: "axis")
                raise IndexError(str(e).replace("axis", "dimension")) from None
        elif value._data.shape == target._data.shape:  # PyTorch's copy_to
            target.copy_(value)
        elif value._data.ndim == 0:  # (fill_, but refusing memory an expand shares, as copy_ would)
            if _expanded_memory(target._data):
                if STATE.grad_enabled and (target.requires_grad or value.requires_grad):
                    _check_inplace(target)  # (autograd's checks come first)
                raise RuntimeError(INTERNAL_OVERLAP_MSG)
            target.fill_(value)
        else:  # the value viewed without its leading 1s (a view even when it has none), expanded to
            # the target's shape
            value = value.view(_without_leading_ones_shape(value._data.shape))
            target.copy_(value if value._data.shape == target._data.shape else
                         value.expand(target._data.shape))

    # --- the public functions as methods and operators ------------------------------------------
    # Each is the function of the same name in _functions.py (F): x.mul(y) is F.mul(x, y). A binary
    # operator given something that is not a tensor or a number answers NotImplemented, as PyTorch's
    # do, so that Python tries the other operand and then says what is unsupported.
    # (the four arithmetic operators take F's common case -- a tensor or a Python number, outside a
    # derivative formula -- without its extra call: apply the op-table row as F would)
    def __add__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_ADD, (self, other))
        return F.add(self, other) if _is_operand(other) else NotImplemented

    def __radd__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_ADD, (self, other))
        return F.add(self, other) if _is_operand(other) else NotImplemented

    def __sub__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_SUB, (self, other))
        return F.sub(self, other) if _is_operand(other) else NotImplemented

    def __rsub__(self, other):
        return F.rsub(self, other) if type(other) in _OPERANDS or _is_operand(other) else NotImplemented

    def __mul__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_MUL, (self, other))
        return F.mul(self, other) if _is_operand(other) else NotImplemented

    def __rmul__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_MUL, (self, other))
        return F.mul(self, other) if _is_operand(other) else NotImplemented

    def __truediv__(self, other):
        if type(other) in _OPERANDS and not STATE.formula:
            return apply(_DIV, (self, other))
        return F.div(self, other) if _is_operand(other) else NotImplemented

    def __rtruediv__(self, other):
        """other / self: PyTorch's is reciprocal(self) * other"""
        return F._reflected_div(self, other) if _is_operand(other) else NotImplemented

    def __pow__(self, exponent):
        if type(exponent) in _EXPONENTS and self._data.dtype.kind == "f":  # (F.pow's common case)
            return apply(_POW, (self,), {"exponent": exponent})
        return F.pow(self, exponent) if _is_operand(exponent) else NotImplemented

    def __rpow__(self, base):
        return F.pow(base, self) if _is_operand(base) else NotImplemented

    def __matmul__(self, other):
        if isinstance(other, Tensor):  # (F.matmul's common case, two matrices: mm, nothing to refuse)
            a, b = self._data, other._data
            if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype is b.dtype:
                return apply(_MM, (self, other))
        return F.matmul(self, other) if _is_operand(other) else NotImplemented

    def __rmatmul__(self, other):
        return F.matmul(other, self) if _is_operand(other) else NotImplemented

    def __floordiv__(self, other):
        return F.floor_divide(self, other) if _is_operand(other) else NotImplemented

    def __rfloordiv__(self, other):
        return F.floor_divide(other, self) if _is_operand(other) else NotImplemented

    def __mod__(self, other):
        return F.remainder(self, other) if _is_operand(other) else NotImplemented

    def __rmod__(self, other):
        return F.remainder(other, self) if _is_operand(other) else NotImplemented

    def __and__(self, other):
        return F.bitwise_and(self, other) if _is_operand(other) else NotImplemented

    def __rand__(self, other):
        return F.bitwise_and(other, self) if _is_operand(other) else NotImplemented

    def __or__(self, other):
        return F.bitwise_or(self, other) if _is_operand(other) else NotImplemented

    def __ror__(self, other):
        return F.bitwise_or(other, self) if _is_operand(other) else NotImplemented

    def __xor__(self, other):
        return F.bitwise_xor(self, other) if _is_operand(other) else NotImplemented

    def __rxor__(self, other):
        return F.bitwise_xor(other, self) if _is_operand(other) else NotImplemented

    def __eq__(self, other):  # (x == None is False, not an error: Python's fallback)
        return F.eq(self, other) if _is_operand(other) else NotImplemented

    def __ne__(self, other):
        return F.ne(self, other) if _is_operand(other) else NotImplemented

    def __lt__(self, other):
        return F.lt(self, other) if _is_operand(other) else NotImplemented

    def __le__(self, other):
        return F.le(self, other) if _is_operand(other) else NotImplemented

    def __gt__(self, other):
        return F.gt(self, other) if _is_operand(other) else NotImplemented

    def __ge__(self, other):
        return F.ge(self, other) if _is_operand(other) else NotImplemented

    def __neg__(self):
        return F.neg(self)

    def __pos__(self):
        return F._positive(self)

    def __abs__(self):
        return F.abs(self)

    def __invert__(self):
        return F.bitwise_not(self)

    def __getitem__(self, index):
        return F._getitem(self, index)

    # arithmetic
    def add(self, other, alpha=1):
        return F.add(self, other, alpha)

    def sub(self, other, alpha=1):
        return F.sub(self, other, alpha)

    def mul(self, other):
        return F.mul(self, other)

    def div(self, other, rounding_mode=None):
        return F.div(self, other, rounding_mode)

    true_divide = div

    def neg(self):
        return F.neg(self)

    negative = neg

    def pow(self, exponent):
        return F.pow(self, exponent)

    def reciprocal(self):
        return F.reciprocal(self)

    def square(self):
        return F.square(self)

    def floor_divide(self, other):
        return F.floor_divide(self, other)

    def remainder(self, other):
        return F.remainder(self, other)

    # elementwise functions
    def exp(self):
        return apply(OPS["exp"], (self,))

    def log(self):
        return apply(OPS["log"], (self,))

    def log1p(self):
        return apply(OPS["log1p"], (self,))

    def expm1(self):
        return apply(OPS["expm1"], (self,))

    def erf(self):
        return apply(OPS["erf"], (self,))

    def atan2(self, other):
        return F.atan2(self, other)

    arctan2 = atan2

    def logaddexp(self, other):
        return F.logaddexp(self, other)

    def tan(self):
        return apply(OPS["tan"], (self,))

    def asin(self):
        return apply(OPS["asin"], (self,))

    def acos(self):
        return apply(OPS["acos"], (self,))

    def atan(self):
        return apply(OPS["atan"], (self,))

    def sinh(self):
        return apply(OPS["sinh"], (self,))

    def cosh(self):
        return apply(OPS["cosh"], (self,))

    def asinh(self):
        return apply(OPS["asinh"], (self,))

    def acosh(self):
        return apply(OPS["acosh"], (self,))

    def atanh(self):
        return apply(OPS["atanh"], (self,))

    def log2(self):
        return apply(OPS["log2"], (self,))

    def log10(self):
        return apply(OPS["log10"], (self,))

    def exp2(self):
        return apply(OPS["exp2"], (self,))

    def erfc(self):
        return apply(OPS["erfc"], (self,))

    def trunc(self):
        return apply(OPS["trunc"], (self,))

    def frac(self):
        return apply(OPS["frac"], (self,))

    arcsin, arccos, arctan, arcsinh, arccosh, arctanh, fix = asin, acos, atan, asinh, acosh, atanh, trunc

    def fmod(self, other):
        return F.fmod(self, F._method_operand("fmod", other))

    def hypot(self, other):
        if not isinstance(other, Tensor):
            raise F.not_a_tensor("hypot", "other", other)
        return F.hypot(self, other)

    def copysign(self, other):
        return F.copysign(self, F._method_operand("copysign", other))

    def xlogy(self, other):
        return F.xlogy(self, F._method_operand("xlogy", other))

    def float_power(self, exponent):
        return F.float_power(self, exponent)

    def logit(self, eps=None):
        return F.logit(self, eps)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return F.nan_to_num(self, nan, posinf, neginf)

    def signbit(self):
        return F.signbit(self)

    def positive(self):
        return F.positive(self)

    def index_select(self, dim, index):
        return F.index_select(self, dim, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return F.index_add(self, dim, index, source, alpha=alpha)

    def take(self, index):
        return F.take(self, index)

    def index_put(self, indices, values, accumulate=False):
        return F.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        """self[indices] = values in place (accumulate: self[indices] += values, repeats adding up)"""
        index = F._index_put_index("index_put_", self, indices, values)
        return _inplace(self, "index_put", (values,), {"indices": index, "accumulate": accumulate})

    def masked_select(self, mask):
        return F.masked_select(self, mask)

    def roll(self, shifts, dims=None):
        return F.roll(self, shifts, dims)

    def rot90(self, k=1, dims=(0, 1)):
        return F.rot90(self, k, dims)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return F.diff(self, n, dim, prepend, append)

    def tile(self, *dims):
        return F.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def ravel(self):
        return F.ravel(self)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return F.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def inner(self, other):
        return F.inner(self, other)

    def cross(self, other, dim=None):
        return F.cross(self, other, dim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return F.kthvalue(self, k, dim, keepdim)

    def cummax(self, dim):
        return F.cummax(self, dim)

    def cummin(self, dim):
        return F.cummin(self, dim)

    def count_nonzero(self, dim=None):
        return F.count_nonzero(self, dim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return F.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return F.nanmean(self, dim, keepdim, dtype=dtype)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return F.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return F.addcdiv(self, tensor1, tensor2, value=value)

    def dist(self, other, p=2):
        return F.dist(self, other, p)

    def broadcast_to(self, size):
        return F.broadcast_to(self, size)

    def tensor_split(self, indices_or_sections, dim=0):
        return F.tensor_split(self, indices_or_sections, dim)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        if repeats is None:
            return F.repeat_interleave(self)
        return F.repeat_interleave(self, repeats, dim)

    def movedim(self, source, destination):
        return F.movedim(self, source, destination)

    moveaxis = movedim

    def diag(self, diagonal=0):
        return F.diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return F.diagonal(self, offset, dim1, dim2)

    def sqrt(self):
        return apply(OPS["sqrt"], (self,))

    def rsqrt(self):
        return apply(OPS["rsqrt"], (self,))

    def abs(self):
        return F.abs(self)

    absolute = abs

    def sign(self):
        return F.sign(self)

    def sgn(self):
        return F.sgn(self)

    def median(self, dim=None, keepdim=False):
        return F.median(self, dim, keepdim)

    def sin(self):
        return apply(OPS["sin"], (self,))

    def cos(self):
        return apply(OPS["cos"], (self,))

    def tanh(self):
        return apply(OPS["tanh"], (self,))

    def sigmoid(self):
        return apply(OPS["sigmoid"], (self,))

    def relu(self):
        return apply(OPS["relu"], (self,))

    def floor(self):
        return F.floor(self)

    def ceil(self):
        return F.ceil(self)

    def round(self, *, decimals=None):
        return F._round(self, decimals=decimals)

    def clamp(self, min=None, max=None):
        return F._clamp_method(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return F.clamp_min(self, min)

    def clamp_max(self, max):
        return F.clamp_max(self, max)

    def maximum(self, other):
        return F.maximum(self, other)

    def minimum(self, other):
        return F.minimum(self, other)

    def where(self, condition, other):
        return F.where(condition, self, other)

    def masked_fill(self, mask, value):
        return F.masked_fill(self, mask, value)

    # comparisons and logic
    def eq(self, other):
        return F.eq(self, other)

    def ne(self, other):
        return F.ne(self, other)

    def lt(self, other):
        return F.lt(self, other)

    def le(self, other):
        return F.le(self, other)

    def gt(self, other):
        return F.gt(self, other)

    def ge(self, other):
        return F.ge(self, other)

    def equal(self, other):
        return F.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return F.allclose(self, other, rtol, atol, equal_nan)

    def isnan(self):
        return F.isnan(self)

    def isinf(self):
        return F.isinf(self)

    def isfinite(self):
        return F.isfinite(self)

    def logical_and(self, other):
        return F.logical_and(self, other)

    def logical_or(self, other):
        return F.logical_or(self, other)

    def logical_xor(self, other):
        return F.logical_xor(self, other)

    def bitwise_and(self, other):
        return F.bitwise_and(self, other)

    def bitwise_or(self, other):
        return F.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return F.bitwise_xor(self, other)

    def bitwise_not(self):
        return F.bitwise_not(self)

    def all(self, dim=None, keepdim=False):
        return F._all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return F._any(self, dim, keepdim)

    # reductions
    # (keepdim without a dim, and prod's, max's, min's dim=None: the method's message of PyTorch's refusal)
    def sum(self, dim=OMITTED, keepdim=OMITTED, dtype=None):
        F._keepdim_given("sum", True, dim, keepdim, dtype)
        return F.sum(self, dim, keepdim, dtype)

    def mean(self, dim=OMITTED, keepdim=OMITTED, dtype=None):
        F._keepdim_given("mean", True, dim, keepdim, dtype)
        return F.mean(self, dim, keepdim, dtype)

    def prod(self, dim=OMITTED, keepdim=OMITTED, dtype=None):
        F._keepdim_given("prod", True, dim, keepdim, dtype)
        return F.prod(self, dim, keepdim, dtype)

    def max(self, dim=OMITTED, keepdim=OMITTED, *, other=None):
        F._keepdim_given("max", True, dim, keepdim)
        return F.max(self, dim, keepdim, other=other)

    def min(self, dim=OMITTED, keepdim=OMITTED, *, other=None):
        F._keepdim_given("min", True, dim, keepdim)
        return F.min(self, dim, keepdim, other=other)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        return F.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return F.scatter_add(self, dim, index, src)

    def lerp(self, end, weight):
        return F.lerp(self, end, weight)

    def amax(self, dim=(), keepdim=False):
        return F.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return F.argmin(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False):
        return F.norm(self, p, dim, keepdim)

    def var(self, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=OMITTED, unbiased=None, keepdim=False, *, correction=None):
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return F.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return F.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return F.log_softmax(self, dim, dtype)

    def cumsum(self, dim, dtype=None):
        return F.cumsum(self, dim, dtype)

    def cumprod(self, dim=None, dtype=None):
        return F.cumprod(self, dim, dtype)

    def trace(self):
        return F.trace(self)

    # linear algebra
    def mm(self, mat2):
        return F.mm(self, mat2)

    def mv(self, vec):
        return F.mv(self, vec)

    def dot(self, other):
        return F.dot(self, other)

    def bmm(self, mat2):
        return F.bmm(self, mat2)

    def matmul(self, other):
        return F.matmul(self, other)

    def outer(self, vec2):
        return F.outer(self, vec2)

    ger = outer

    # shapes and views
    @property
    def T(self):
        return F._numpy_T(self)

    @property
    def mT(self):
        return F._matrix_T(self)

    def t(self):
        return F.t(self)

    def transpose(self, dim0, dim1):
        return F.transpose(self, dim0, dim1)

    def swapaxes(self, axis0, axis1):
        return F.swapaxes(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        return F.swapdims(self, dim0, dim1)

    def permute(self, *dims):
        return F.permute(self, *dims)

    def reshape(self, *shape):
        return F.reshape(self, *shape)

    def reshape_as(self, other):
        return F.reshape(self, other.shape)

    def view(self, *shape):
        return F.view(self, *shape)

    def view_as(self, other):
        return F.view(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return F.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return F.unsqueeze(self, dim)

    def expand(self, *sizes):
        return F.expand(self, *sizes)

    def expand_as(self, other):
        return F.expand_as(self, other)

    def repeat(self, *sizes):
        return F.repeat(self, *sizes)

    def contiguous(self):
        return F.contiguous(self)

    def clone(self):
        return F.clone(self)

    def flip(self, dims):
        return F.flip(self, dims)

    def tril(self, diagonal=0):
        return F.tril(self, diagonal)

    def triu(self, diagonal=0):
        return F.triu(self, diagonal)

    def narrow(self, dim, start, length):
        return F.narrow(self, dim, start, length)

    def select(self, dim, index):
        return F.select(self, dim, index)

    def split(self, split_size_or_sections, dim=0):
        return F.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return F.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return F.unbind(self, dim)

    # picking and sorting
    def gather(self, dim, index, *, sparse_grad=False):
        return F.gather(self, dim, index, sparse_grad=sparse_grad)

    def sort(self, dim=-1, descending=False, stable=False):
        return F.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return F.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return F.topk(self, k, dim, largest, sorted)

    def nonzero(self, *, as_tuple=False):
        return F.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return F.argwhere(self)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return F.unique(self, sorted, return_inverse, return_counts, dim)

    # dtypes and new tensors like this one
    def type_as(self, other):
        return self.to(other.dtype)

    def short(self):
        return self.to(_dtypes.int16)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return F._new_tensor(self, data, dtype, device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        # (_created_shape: new_zeros is new_empty then zero_, and says so for a negative size)
        return _factories.zeros(_created_shape(size), dtype=self.dtype if dtype is None else dtype,
                                device=device or "cpu", requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _factories.ones(*size, dtype=self.dtype if dtype is None else dtype, device=device or "cpu",
                               requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return _factories.empty(*size, dtype=self.dtype if dtype is None else dtype, device=device or "cpu",
                                requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return _factories.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                               device=device or "cpu", requires_grad=requires_grad)

    # in place: the op written into self, with the out-of-place op's grad_fn name (as PyTorch)
    def relu_(self):
        return _inplace(self, "relu")

    def sigmoid_(self):
        return _inplace(self, "sigmoid")

    def tanh_(self):
        return _inplace(self, "tanh")

    def exp_(self):
        return _inplace(self, "exp")

    def log_(self):
        return _inplace(self, "log")

    def log1p_(self):
        return _inplace(self, "log1p")

    def expm1_(self):
        return _inplace(self, "expm1")

    def erf_(self):
        return _inplace(self, "erf")

    def tan_(self):
        return _inplace(self, "tan")

    def asin_(self):
        return _inplace(self, "asin")

    def acos_(self):
        return _inplace(self, "acos")

    def atan_(self):
        return _inplace(self, "atan")

    def sinh_(self):
        return _inplace(self, "sinh")

    def cosh_(self):
        return _inplace(self, "cosh")

    def asinh_(self):
        return _inplace(self, "asinh")

    def acosh_(self):
        return _inplace(self, "acosh")

    def atanh_(self):
        return _inplace(self, "atanh")

    def log2_(self):
        return _inplace(self, "log2")

    def log10_(self):
        return _inplace(self, "log10")

    def exp2_(self):
        return _inplace(self, "exp2")

    def erfc_(self):
        return _inplace(self, "erfc")

    def trunc_(self):
        return _inplace(self, "trunc")

    def frac_(self):
        return _inplace(self, "frac")

    arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_, fix_ = asin_, acos_, atan_, asinh_, acosh_, atanh_, trunc_

    def fmod_(self, other):
        F._method_operand("fmod_", other)
        F._check_integer_division(self, other, "fmod_cpu")
        if isinstance(other, Tensor):
            return _inplace(self, "fmod_tensor", (other,))
        return _inplace(self, "fmod", params={"other": other})

    def hypot_(self, other):
        if not isinstance(other, Tensor):
            raise F.not_a_tensor("hypot_", "other", other)
        return _inplace(self, "hypot", (other,))

    def copysign_(self, other):
        if isinstance(F._method_operand("copysign_", other), Tensor):
            return _inplace(self, "copysign_tensor", (other,))
        return _inplace(self, "copysign", params={"other": other})

    def xlogy_(self, other):
        if isinstance(F._method_operand("xlogy_", other), Tensor):
            return _inplace(self, "xlogy", (other,))
        return _inplace(self, "xlogy_number_other", params={"other": other})

    def float_power_(self, exponent):
        if self._data.dtype != np.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {_dtypes.SCALAR_NAME[self.dtype]} "
                               "but the operation's result requires dtype Double")
        return self.pow_(exponent.to(_dtypes.float64) if isinstance(exponent, Tensor) else exponent)

    def logit_(self, eps=None):
        return _inplace(self, "logit", params=None if eps is None else {"eps": eps})

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _inplace(self, "nan_to_num", params={"nan": nan, "posinf": posinf, "neginf": neginf})

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        F.addmm(self.detach(), mat1.detach(), mat2.detach())  # (its refusals)
        return _inplace(self, "addmm_scaled", (mat1, mat2), {"beta": beta, "alpha": alpha})

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return _inplace(self, "addcmul", (tensor1, tensor2), {"value": value})

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        F.addcdiv(self.detach(), tensor1, tensor2, value=value)  # (its refusal of integers)
        return _inplace(self, "addcdiv", (tensor1, tensor2), {"value": value})

    def index_add_(self, dim, index, source, *, alpha=1):
        return _inplace(self, "index_add", (source,), F._index_add_args(self, dim, index, source, alpha))

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        """self[..., index[i, j], ...] = src[i, j] along dim (or the number value), in place"""
        if reduce is not None:
            F.scatter(self, dim, index, src, value, reduce=reduce)  # (its refusal)
        src = value if src is None else src
        d = F._scatter_checks("scatter", self, dim, index, src)
        if isinstance(src, Tensor):
            return _inplace(self, "scatter", (src,), {"dim": d, "index": index._data})
        return _inplace(self, "scatter_value", params={"dim": d, "index": index._data, "value": src})

    def scatter_add_(self, dim, index, src):
        """self[..., index[i, j], ...] += src[i, j] along dim, in place"""
        if not isinstance(src, Tensor):
            F.scatter_add(self, dim, index, src)  # (its refusal)
        d = F._scatter_checks("scatter", self, dim, index, src)
        return _inplace(self, "scatter_add", (src,), {"dim": d, "index": index._data})

    def sqrt_(self):
        return _inplace(self, "sqrt")

    def rsqrt_(self):
        return _inplace(self, "rsqrt")

    def abs_(self):
        return _inplace(self, "abs")

    def neg_(self):
        return _inplace(self, "neg")

    def floor_(self):
        return _inplace(self, "floor")

    def ceil_(self):
        return _inplace(self, "ceil")

    def round_(self, *, decimals=None):
        if decimals is None:
            return _inplace(self, "round")
        F._round(self.detach(), decimals=decimals)  # (its refusal of integers)
        return _inplace(self, "round_decimals", params={"decimals": decimals})

    def sin_(self):
        return _inplace(self, "sin")

    def cos_(self):
        return _inplace(self, "cos")

    def reciprocal_(self):
        return _inplace(self, "reciprocal")

    def pow_(self, exponent):
        if isinstance(exponent, Tensor):
            want = result_dtype(self, exponent)
            return _inplace(self, "pow_tensor", (exponent,), F._pow_tensor_params(exponent, want))
        return _inplace(self, "pow", params={"exponent": exponent})

    __ipow__ = pow_

    def clamp_(self, min=None, max=None):
        return F._clamp_(self, min, max)

    def clamp_min_(self, min):
        if isinstance(min, Tensor):
            return _inplace(self, "clamp_min_tensor", (min,))
        return _inplace(self, "clamp_min", params={"min": min})

    def clamp_max_(self, max):
        if isinstance(max, Tensor):
            return _inplace(self, "clamp_max_tensor", (max,))
        return _inplace(self, "clamp_max", params={"max": max})

    def masked_fill_(self, mask, value):
        return F._masked_fill_(self, mask, value)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        _check_fill_in_place(self)
        return _init.uniform_(self, a, b, generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        _check_fill_in_place(self)
        return _init.normal_(self, mean, std, generator)


_CTYPE = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}


def number_as(dtype, value):
    """A Python number as a 0-dim array of dtype, as PyTorch converts a scalar (checked_convert):
    an integer dtype refuses a value that overflows it (nan, inf, 300 for uint8; -1 wraps)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and not isinstance(value, (bool, np.bool_)):
        info = np.iinfo(dtype)
        if value != value or value > info.max or (
                value < -info.max if dtype.kind == "u" else value < info.min):
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[dtype.name]} without overflow")
        value = int(value)  # (a float is truncated toward zero)
    return np.asarray(value).astype(dtype)


def _alpha_param(self, alpha):
    """add_/sub_'s params: {"alpha": alpha} (checked by _inplace), or None for the plain op."""
    return None if type(alpha) is int and alpha == 1 else {"alpha": alpha}


def _without_leading_ones(value):
    """value viewed without its leading size-1 dims (ViewBackward0 when there are any)."""
    dims = _without_leading_ones_shape(value._data.shape)
    return value if dims == value._data.shape else value.view(dims)


def _without_leading_ones_shape(shape):
    """shape without its leading 1s (ATen's slicePrefix1sSize)"""
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def to_dtype_arg(args, kwargs):
    """The dtype asked for by .to(...)'s arguments (None for none); devices must be the CPU."""
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, _dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            _dtypes.cpu_only(a)
    _dtypes.cpu_only(kwargs.get("device"))
    return dtype


def _rebuild(data, requires_grad):
    return _make(data, None, requires_grad)


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
    if isinstance(data, np.ndarray):
        _dtypes.check_holdable(arr.dtype)
    elif arr.dtype.kind == "c":  # (Python complex numbers: PyTorch's default complex dtype)
        _dtypes.check_holdable(np.dtype(np.complex64))
    if arr.dtype.kind == "f" and not from_numpy:
        return _F32
    if arr.dtype.kind in "iu" and not from_numpy:
        return np.dtype(np.int64)
    if arr.dtype.kind == "O":
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    if arr.dtype.kind in "US":
        raise TypeError(f"new(): invalid data type '{type_name(data)}'")
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
    _dtypes.check_holdable(arr.dtype)
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
        warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
             "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
    _dtypes.factory_device(device)
    return _from_data(data, dtype, requires_grad)


def _is_operand(x):
    """What a binary operator takes: a tensor, a number, a numpy array or scalar."""
    return isinstance(x, (Tensor, numbers.Number, np.ndarray, np.generic))


_OPERANDS = frozenset((Tensor, float, int))  # (the common cases, checked first)
_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_POW, _MM = OPS["pow"], OPS["mm"]
_EXPONENTS = frozenset((int, float))  # (not bool: a bool exponent is a case of its own)


def _check_fill_in_place(t):
    """x.uniform_() / x.normal_() on a leaf that requires grad: PyTorch's in-place check first."""
    if STATE.grad_enabled and t.requires_grad:
        _check_inplace(t)


# Tensor's methods run the public functions (_functions.py), backward (autograd.py), the printing
# and the factories, all built on Tensor: imported last, once Tensor and apply() exist.
from . import _factories, _functions as F, _printing, autograd  # noqa: E402
from .nn import init as _init  # noqa: E402
