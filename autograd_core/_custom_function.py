"""torch.autograd.Function: user-defined forward and backward (the tutorial's MyReLU, LegendrePolynomial3).

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp(); ctx.save_for_backward(y); return y
        @staticmethod
        def backward(ctx, grad_output):
            y, = ctx.saved_tensors; return grad_output * y
    z = Exp.apply(x)          # z.grad_fn is an <ExpBackward object>

As in PyTorch, ``ctx`` IS the node: each Function subclass gets a node class ``<Class>Backward``
(``z.grad_fn``), whose instance forward receives as ctx; its next_functions are the tensor
arguments' gradient edges. The node has one output per value forward returns (a tuple: several),
so ``backward(ctx, *grad_outputs)`` gets one gradient per output: the gradient that arrived, or
where none did zeros (None after ``ctx.set_materialize_grads(False)``, and always None for an
output that is no tensor). Forward runs under no_grad; what it returns is given its history
following PyTorch's rules (custom_function.cpp: an input returned as-is becomes a view of it,
``mark_dirty`` rebases an input's history, ``mark_non_differentiable`` leaves an output out).
Errors and their wording are PyTorch's.
"""
import contextlib
import functools
import inspect
import warnings

import numpy as np

from . import _dtypes
from ._graph import FREED_MSG, HINT, STATE, Node, Packed, _next_seq, gradient_edge, no_grad, short_name
from ._tensor import Tensor, _make, _no_record, _rebase_history, _set_grad_fn


class FunctionCtx:
    """What forward's ctx offers: save_for_backward(*tensors), mark_dirty(*inputs),
    mark_non_differentiable(*outputs), set_materialize_grads(bool), and any attribute."""

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward, as ctx.saved_tensors (checked for in-place changes)."""
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        for tensor in tensors:
            if not (isinstance(tensor, Tensor) or tensor is None):
                raise AssertionError("save_for_forward expects all arguments to be tensors; you should "
                                     "save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """These inputs were modified in place by forward (and must be returned)."""
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        warnings.warn("`mark_shared_storage` is deprecated. Tensors with shared storages are "
                      "automatically tracked. Note that calls to `set_()` are not tracked",
                      DeprecationWarning, stacklevel=2)

    def mark_non_differentiable(self, *args):
        """These outputs get no gradient (requires_grad=False); backward still takes a slot for them."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """False: backward receives None, not zeros, for the outputs no gradient reached."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node of one call of a custom Function (and forward's ctx). Subclassed per Function as
    ``<Class>Backward``."""

    _multi = True
    _frees = True
    _forward_cls = None
    _materialize_grads = True
    _materialize_non_diff_grads = True

    @property
    def materialize_grads(self):
        return self._materialize_grads

    @materialize_grads.setter
    def materialize_grads(self, value):
        if not isinstance(value, bool):  # (PyTorch's C setter; its message shows no argument)
            raise TypeError("set_materialize_grads received an invalid combination of arguments - got (), "
                            "but expected (bool)")
        self._materialize_grads = value

    @property
    def materialize_non_diff_grads(self):
        return self._materialize_non_diff_grads

    @materialize_non_diff_grads.setter
    def materialize_non_diff_grads(self, value):
        if not isinstance(value, bool):
            raise TypeError("set_materialize_non_diff_grads received an invalid combination of arguments - "
                            "got (), but expected (bool)")
        self._materialize_non_diff_grads = value

    def __repr__(self):
        # PyTorch's class for a user's node lives in torch.autograd.function
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    @property
    def saved_tensors(self):
        """The tensors save_for_backward kept (a saved output comes back with this node as grad_fn);
        each must be unchanged since, and backward must not have freed them."""
        if self._freed:
            raise RuntimeError(FREED_MSG)
        saved = self.__dict__.get("_saved")
        if saved is None:
            return ()
        return tuple(_unpack(self, entry) for entry in saved)

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning,
                      stacklevel=2)
        return self.saved_tensors

    def apply(self, *grad_outputs):
        """Call the user's backward (or vjp) on this ctx."""
        return self._user_backward()(self, *grad_outputs)

    def _user_backward(self):
        cls = self._forward_cls
        backward_fn, vjp_fn = cls.backward, cls.vjp
        if backward_fn is not Function.backward and vjp_fn is not Function.vjp:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not "
                               "allowed. You should only implement one of them.")
        return vjp_fn if vjp_fn is not Function.vjp else backward_fn

    def _backward(self, g, xp):
        """dL/d(each tensor input) from g (one gradient or None per output; one gradient when
        CopySlices wraps this node): the user's backward, then PyTorch's checks of what it returned.
        Under create_graph (xp builds a graph) the gradients are Tensors and the user's backward
        runs in grad mode: what it computes is the gradients' own graph."""
        if not isinstance(g, list):
            g = [g]
        only_defined = _ONLY_DEFINED[0]
        grads = []
        for nr, (gi, info) in enumerate(zip(g, self._output_info)):
            if only_defined is not None and (self, nr) not in only_defined:
                gi = None  # (gradcheck's undefined-gradient check: only undefined ones reach it)
            if gi is not None:
                grads.append(xp.as_tensor(gi))
            elif info is None or not self.materialize_grads or (
                    not info[2] and not self.materialize_non_diff_grads):
                grads.append(None)
            else:
                grads.append(_make(np.zeros(info[0], dtype=info[1]), None, False))
        if xp.builds_graph:
            result = self.apply(*grads)
        else:
            with no_grad(), _no_record():  # (a recording shows this node, not the ops inside it)
                result = self.apply(*grads)
        return self._check_gradients(result, xp)

    def _check_gradients(self, result, xp):
        """PyTorch's PyNode::apply and validate_outputs: one gradient per forward argument (None
        for those that are no tensor), each shaped like its input (a broadcast one is summed
        back), in its input's dtype."""
        name = self.name()
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self._is_tensor_arg)
        if len(result) > n_args and all(r is None for r in result[n_args:]):
            result = result[:n_args]
        if len(result) != n_args:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected "
                               f"{n_args}, got {len(result)})")
        grads = []
        for i, (r, is_tensor) in enumerate(zip(result, self._is_tensor_arg)):
            if not is_tensor:
                if r is not None:
                    raise RuntimeError(f"function {name} returned a gradient different than None at "
                                       f"position {i + 1}, but the corresponding forward input was not "
                                       "a Variable")
                continue
            if r is not None and not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            grads.append(r)
        out = []
        for i, ((nxt, _), r, (shape, dtype)) in enumerate(zip(self.next_functions, grads, self._input_info)):
            if nxt is None or r is None:
                out.append(None)
                continue
            got = r._data.shape
            if got != shape and not _expandable(shape, got):
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                   f"{list(got)} but expected shape compatible with {list(shape)}")
            # summed back to the input's shape, cast to its dtype (PyTorch's validate_outputs)
            out.append(xp.conform(xp.from_tensor(r), np.broadcast_to(np.empty((), dtype), shape), dtype))
        return out

    def _release(self):
        self._freed = True
        self.__dict__.pop("_saved", None)
        self._args = None


def _expandable(shape, desired):
    """Whether a tensor of shape broadcasts to desired (PyTorch's is_expandable_to)."""
    if len(shape) > len(desired):
        return False
    return all(s == d or s == 1 for s, d in zip(reversed(shape), reversed(desired)))


def _unpack(node, entry):
    """A saved tensor as backward reads it (PyTorch's SavedVariable::unpack), after checking that
    nothing changed it in place since it was saved."""
    if entry is None:
        return None
    if type(entry) is Packed:
        return entry.unpack()
    tensor, counter, version, arr, output_nr = entry
    if counter[0] != version:
        d = _dtypes.FROM_NUMPY[arr.dtype]
        name = "CPUBoolType" if d is _dtypes.bool else "torch." + d._legacy
        what = f"[{name} {list(arr.shape)}]"
        producer = node if output_nr is not None else tensor.grad_fn
        if producer is not None:
            nr = output_nr if output_nr is not None else tensor._output_nr
            what += f", which is output {nr} of {short_name(producer)},"
        raise RuntimeError("one of the variables needed for gradient computation has been modified by "
                           f"an inplace operation: {what} is at version {counter[0]}; expected version "
                           f"{version} instead. {HINT}")
    if output_nr is None:
        return tensor  # (an input, or a tensor forward made: the tensor itself)
    t = _make(arr, node, True, counter)  # an output: again, with this node as its grad_fn
    if output_nr:
        t._output_nr = output_nr
    return t


class DelayedError(Node):
    """PyTorch's Error node (torch._C._functions.DelayedError): its backward raises msg. Put by
    once_differentiable between a backward's results and whatever would differentiate them again."""

    _multi = True

    def __init__(self, msg, num_inputs):
        self._msg = msg.decode() if isinstance(msg, bytes) else msg
        self._n_outputs = num_inputs

    def name(self):
        return "torch::autograd::Error"

    def __repr__(self):
        return f"<Error object at {hex(id(self))}>"

    def __call__(self, *inputs):
        self.next_functions = tuple(gradient_edge(t) if isinstance(t, Tensor) else (None, 0) for t in inputs)
        self._args, self._out, self._params, self._saved_versions = None, None, None, None
        self._seq = _next_seq()
        outputs = []
        for nr, t in enumerate(inputs):
            if t is None:
                outputs.append(None)
                continue
            out = _make(t._data, self, True)  # (PyTorch's Error passes each input through)
            if nr:
                out._output_nr = nr
            outputs.append(out)
        if self._n_outputs == 1:
            return outputs[0]
        return tuple(outputs)

    def _backward(self, g, xp):
        raise RuntimeError(self._msg)


DelayedError.__name__ = DelayedError.__qualname__ = "Error"


class Function(FunctionCtx):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs), then call
    Class.apply(*args). Or: forward(*args) without ctx plus a static setup_context(ctx, inputs,
    output) that fills ctx."""

    clear_saved_tensors_on_access = False
    generate_vmap_rule = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # (PyTorch's FunctionMeta: the class of this Function's nodes, named <Class>Backward)
        # (its module: where PyTorch's are, torch.autograd.function)
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,),
                                 {"_forward_cls": cls, "__module__": "autograd_core.autograd.function"})

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions are "
                      "all static, so you should invoke them on the class itself. Instantiating an "
                      "autograd function will raise an error in a future version of PyTorch.",
                      DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please "
                           "use new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward  # (vjp and backward are two names of one method)

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to "
                                  "use it with forward mode AD.")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either override the vmap "
                                  "staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on args (under no_grad) and give its tensor outputs this call's node as
        grad_fn; backward then runs the user's backward."""
        new_style = cls.setup_context is not Function.setup_context
        if new_style:  # (PyTorch binds the defaults of forward's signature first)
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        args = _resolve_kwargs_to_positional(cls, args, kwargs, new_style)
        return _apply(cls, args, new_style)


def _resolve_kwargs_to_positional(cls, args, kwargs, new_style):
    """Keyword arguments put in their positions of forward's signature (PyTorch's
    resolve_kwargs_to_positional, with its messages)."""
    if not kwargs:
        return args
    code = cls.forward.__code__
    offset = 0 if new_style else 1  # (forward's ctx)
    names = code.co_varnames[offset:code.co_argcount]
    n_params, n_positional = len(names), len(args)
    max_idx = n_positional - 1
    for key in kwargs:
        if key not in names:
            raise TypeError(f"forward() got an unexpected keyword argument '{key}'")
        idx = names.index(key)
        if idx < n_positional:
            raise TypeError(f"forward() got multiple values for argument '{key}'")
        max_idx = max(max_idx, idx)
    total = max_idx + 1
    if total > n_params:
        raise TypeError(f"forward() takes {n_params} positional arguments but {total} were given")
    result = list(args) + [_MISSING] * (total - n_positional)
    for key, value in kwargs.items():
        result[names.index(key)] = value
    for i, value in enumerate(result):
        if value is _MISSING:
            raise TypeError(f"forward() missing required argument: '{names[i]}' (position {i})")
    return tuple(result)


_MISSING = object()


def _apply(cls, args, new_style):
    """PyTorch's THPFunction_apply and process_outputs."""
    ctx = cls._backward_cls.__new__(cls._backward_cls)
    tensors = [a for a in args if isinstance(a, Tensor)]
    ctx._is_tensor_arg = tuple(isinstance(a, Tensor) for a in args)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    executable = STATE.grad_enabled and any(t.requires_grad for t in tensors)
    ctx.next_functions = tuple(gradient_edge(t) for t in tensors) if executable else ()
    ctx._seq = _next_seq()
    ctx._args, ctx._out, ctx._params, ctx._saved_versions = None, None, None, None
    ctx._shape = ctx._dtype = None
    with no_grad(), _no_record():  # (a recording shows this node, not the ops inside it)
        if new_style:
            raw = cls.forward(*args)
            cls.setup_context(ctx, args, raw)
        else:
            raw = cls.forward(ctx, *args)
    unpack = not isinstance(raw, tuple)
    raw_outputs = (raw,) if unpack else raw
    if executable:
        ctx._input_info = [(t._data.shape, t._data.dtype) for t in tensors]
        ctx._args = tuple(t._data for t in tensors)
    to_save, saved_if_setup_context = _tensors_to_save(ctx, executable, new_style)
    outputs = _wrap_outputs(ctx, tensors, raw_outputs, executable, saved_if_setup_context)
    if executable:
        _save_variables(ctx, to_save, outputs)
    for attr in ("to_save", "non_differentiable", "saved_for_forward"):
        ctx.__dict__.pop(attr, None)
    rec = STATE.recorder
    if rec is not None:
        for out in outputs:
            if isinstance(out, Tensor):
                rec._add("forward", op=cls.__name__, tensor=out, node=out._grad_fn, inputs=tuple(args),
                         value=out._data.copy())
    return outputs[0] if unpack else tuple(outputs)


def _tensors_to_save(ctx, executable, new_style):
    """ctx.to_save, checked: tensors or None (PyTorch checks only when it records a graph)."""
    saved_if_setup_context = set()
    if new_style:
        for t in ctx.__dict__.get("saved_for_forward") or ():
            if isinstance(t, Tensor):
                saved_if_setup_context.add(id(t))
    to_save = []
    for i, obj in enumerate(ctx.__dict__.get("to_save") or ()):
        if obj is None:
            to_save.append(None)
        elif isinstance(obj, Tensor):
            if new_style:
                saved_if_setup_context.add(id(obj))
            to_save.append(obj)
        elif executable:
            raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                            f"{type(obj).__name__}")
    return to_save, saved_if_setup_context


INPUT_RETURNED_AS_IS_SAVED = (
    "A input that has been returned as-is as output is being saved for backward. This is not supported "
    "if you override setup_context. You should return and save a view of the input instead, e.g. with "
    "x.view_as(x) or setup ctx inside the forward function itself.")


def _view_as_self(t):
    """t.view_as(t) made in no_grad mode: a new tensor over t's memory (a returned input gets its
    own history this way)."""
    with no_grad(), _no_record():
        return t.view_as(t)


def _wrap_outputs(ctx, tensors, raw_outputs, executable, saved_if_setup_context):
    """The outputs forward returned, given their history (PyTorch's _wrap_outputs and
    _process_backward_mode_ad); ctx._output_info: (shape, dtype, differentiable) per output, None
    for one that is no tensor."""
    non_differentiable = ctx.__dict__.get("non_differentiable")
    if non_differentiable is not None:
        if not isinstance(non_differentiable, tuple):
            raise RuntimeError("autograd internal error: non_differentiable attribute is expected to be a "
                               f"tuple but is {type(non_differentiable).__name__}")
        for t in non_differentiable:
            if not isinstance(t, Tensor):  # (PyTorch's message stops there)
                raise RuntimeError("mark_non_differentiable only accepts variable arguments, but got ")
    non_differentiable = {id(t) for t in non_differentiable or ()}
    dirty = ctx.__dict__.pop("dirty_tensors", None)
    if dirty is not None:
        if not isinstance(dirty, tuple):
            raise RuntimeError("autograd internal error: dirty_tensors attribute is expected to be a tuple "
                               f"but is {type(dirty).__name__}")
        for t in dirty:
            if not isinstance(t, Tensor):
                raise RuntimeError("mark_dirty can only accept variables, but argument ")
            t._vc[0] += 1  # (PyTorch bumps the version of what forward marked dirty)
    dirty_ids = {id(t) for t in dirty or ()}
    input_ids = {id(t) for t in tensors}
    num_outputs = len(raw_outputs)
    ctx._n_outputs = num_outputs
    outputs, output_ids, num_diff = [], set(), 0
    for i, var in enumerate(raw_outputs):
        if not isinstance(var, Tensor):
            outputs.append(var)
            continue
        key = id(var)
        is_input, is_modified = key in input_ids, key in dirty_ids
        is_differentiable = (executable and key not in non_differentiable
                             and var._data.dtype.kind in "fc")
        saved_and_setup = key in saved_if_setup_context
        var = _set_history(ctx, var, i, is_input, is_modified, is_differentiable, saved_and_setup,
                           num_outputs, tensors[0] if tensors else None)
        if not (is_input and is_modified) and var._base is not None:
            var._creation = "custom_function"
        num_diff += is_differentiable
        output_ids.add(key)
        outputs.append(var)
    if num_diff > 1:  # (several differentiable outputs: none of their views may be modified in place)
        for var in outputs:
            if isinstance(var, Tensor) and var._base is not None:
                var._creation = "multi_output"
    for key in dirty_ids:
        if key not in output_ids:
            raise RuntimeError("Some elements marked as dirty during the forward method were not returned "
                               "as output. The inputs that are modified inplace must all be outputs of the "
                               "Function.")
    if executable:
        ctx._output_info = [None if not isinstance(v, Tensor) else
                            (v._data.shape, v._data.dtype, v._grad_fn is ctx and v._requires_grad)
                            for v in outputs]
        first = next((v for v in outputs if isinstance(v, Tensor)), None)
        if first is not None:
            ctx._shape, ctx._dtype = first._data.shape, first._data.dtype
    return outputs


def _set_history(ctx, var, nr, is_input, is_modified, is_differentiable, saved_and_setup, num_outputs,
                 first_input):
    """Output nr of the Function: its grad_fn becomes (ctx, nr), as PyTorch's set_history decides."""
    if not is_differentiable:
        if not var.requires_grad:
            if is_input and not is_modified:
                if saved_and_setup:
                    raise RuntimeError(INPUT_RETURNED_AS_IS_SAVED)
                var = _view_as_self(var)
            return var
        if is_input:  # (a detached alias of an input, rather than changing its requires_grad)
            return var.detach()
        if var._base is None:
            var.detach_()
        return var
    if is_modified:
        # (a view's leafness is not asked: that would bring its grad_fn up to date with the write
        # forward made, before the rebase below does)
        if var._base is None and var._grad_fn is None and var._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        if var._base is not None and num_outputs > 1:
            raise RuntimeError(
                "If your Function modifies inplace an input that is a view of another Tensor, your Function "
                "cannot return more than one Tensor. This is not supported by the current autograd engine. "
                "You should either make sure the input is not a view (using .clone() for example) or make "
                "your Function only return one Tensor (potentially splitting it into two Functions: one "
                "doing the inplace that returns a single Tensor and a second one that does the other "
                "operations). You can ask on the forum https://discuss.pytorch.org/ if you need help to do "
                "this change.")
        var._grad = None
        var._hooks = None
        if var._base is not None:
            # (the base's new history is CopySlices around ctx, which takes the view's gradient
            # as that of ctx's first input)
            if first_input is not var:
                raise NotImplementedError(
                    "autograd_core: a custom Function may modify in place (mark_dirty) a view only when "
                    "that view is its first tensor argument")
            _rebase_history(var, ctx, var._base._data.copy())
        else:
            _set_grad_fn(var, ctx)
        _set_output_nr(var, nr)
        return var
    if is_input:
        if saved_and_setup:
            raise RuntimeError(INPUT_RETURNED_AS_IS_SAVED)
        var = _view_as_self(var)
    var._grad_fn = ctx
    var._requires_grad = True
    _set_output_nr(var, nr)
    return var


def _set_output_nr(var, nr):
    if nr or var.__dict__.get("_output_nr"):
        var._output_nr = nr


def _save_variables(ctx, to_save, outputs):
    """The saved tensors, each with the version it has now (after forward marked its outputs): an
    output is kept as data and comes back with ctx as grad_fn; anything else is kept itself.
    Inside saved_tensors_hooks: what the innermost pack_hook made of each, in order (unpacked
    when read, not version-checked)."""
    out_nr = {id(o): nr for nr, o in enumerate(outputs) if isinstance(o, Tensor)}
    hooks = STATE.saved_hooks[-1] if STATE.saved_hooks else None
    saved = []
    for t in to_save:
        if t is None:
            saved.append(None)
            continue
        if hooks is not None:
            saved.append(Packed(t, *hooks))  # (an output keeps its edge: this node, its output)
            continue
        nr = out_nr.get(id(t))
        if nr is not None and t._grad_fn is not ctx:
            nr = None  # (a non-differentiable output: saved as itself)
        saved.append((t, t._vc, t._vc[0], t._data, nr))
    ctx._saved = saved


# ---------------------------------------------------------------------------------------------
# once_differentiable
# ---------------------------------------------------------------------------------------------
def once_differentiable(fn):
    """Mark a backward as differentiable only once: it runs under no_grad, and under create_graph
    its results get an Error node whose backward raises (differentiating them again is an error)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args, **kwargs):
        with no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not STATE.grad_enabled:
            return outputs
        # (only an approximation of requires_grad, as in PyTorch: the arguments, not what the
        # backward read from ctx.saved_tensors)
        requires_grad = any(isinstance(arg, Tensor) and arg.requires_grad for arg in args)
        if not requires_grad:
            return outputs
        outputs_ = outputs if isinstance(outputs, tuple) else (outputs,)
        err_fn = DelayedError(b"trying to differentiate twice a function that was marked with "
                              b"@once_differentiable", len(outputs_))

        def fake_requires_grad(var):
            if var is not None:
                var = var.detach()
                var.requires_grad = True
            return var

        return err_fn(*[fake_requires_grad(v) for v in outputs_])

    return wrapper


class InplaceFunction(Function):
    """Kept for backward compatibility (as in PyTorch): a Function with an ``inplace`` flag."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


# ---------------------------------------------------------------------------------------------
# gradcheck's undefined-gradient check
# ---------------------------------------------------------------------------------------------
_ONLY_DEFINED = [None]  # None, or the set of (node, output) a defined gradient reaches


@contextlib.contextmanager
def _only_defined_slots(defined_roots):
    """While active, a custom Function's output that no defined gradient reaches (no path from a
    tensor of defined_roots) counts as undefined: backward gets None or zeros for it, as when
    PyTorch's gradcheck wraps the other outputs in UndefinedGrad (built-in nodes pass undefined
    gradients on as undefined)."""
    reached = set()
    stack = []
    for t in defined_roots:
        node, nr = gradient_edge(t)
        if node is not None:
            reached.add((node, nr))
            stack.append(node)
    seen = set(stack)
    while stack:
        for edge in stack.pop().next_functions:
            if edge[0] is not None:
                reached.add(edge)
                if edge[0] not in seen:
                    seen.add(edge[0])
                    stack.append(edge[0])
    prev, _ONLY_DEFINED[0] = _ONLY_DEFINED[0], reached
    try:
        yield
    finally:
        _ONLY_DEFINED[0] = prev
