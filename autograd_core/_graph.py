"""The graph autograd records: grad_fn nodes, the edges between them, and grad mode.

A node is PyTorch's grad_fn object (MulBackward0, ...): its class is a row of the op table
(_ops.py), its ``next_functions`` the edges to the nodes that made its inputs (a leaf's
AccumulateGrad), and it keeps what its backward rule reads (``_args``, ``_out``, ``_params``),
checked against in-place changes by the version counters saved with them. The walk over these
nodes is _engine.py's.
"""
import functools
import itertools
import math
import re
import warnings
import weakref

import numpy as np

from . import _dtypes


class _State:
    __slots__ = ("grad_enabled", "recorder", "formula", "saved_hooks", "hooks_disabled", "data_set")

    def __init__(self):
        self.grad_enabled = True
        self.recorder = None  # the one check per op when nothing records
        self.formula = False  # inside a derivative formula under create_graph (numbers are Scalars)
        self.saved_hooks = []  # saved_tensors_hooks' (pack, unpack) pairs, innermost last
        self.hooks_disabled = None  # disable_saved_tensors_hooks' message
        self.data_set = False  # some x.data = other happened (saved inputs may have new data)


STATE = _State()
_next_seq = itertools.count().__next__
_ACCUMULATE = 2 ** 64 - 1  # PyTorch's AccumulateGrad sequence number (UINT64_MAX): run when ready

FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True, check_nan=False).")


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------
class Node:
    """A backward function: PyTorch's grad_fn object (MulBackward0, ...).

    ``next_functions[i]`` is ``(node, nr)`` for the i-th input that needs a gradient (its grad_fn,
    or the AccumulateGrad of a leaf; nr is which output of node the input is, 0 but for a node of
    several outputs) and ``(None, 0)`` for an input that needs none.
    """

    __slots__ = ("next_functions", "_args", "_out", "_params", "_saved_versions", "_seq", "_shape",
                 "_dtype", "__dict__", "__weakref__")
    # set only on the few nodes that need them (lazily created __dict__)
    _pre_hooks = None  # the tensor's hooks, run on the gradient before this node
    _retain = None     # weakref to the tensor that called retain_grad()
    _freed = False     # backward released what this node saved
    _in_dtypes = None  # the inputs' dtypes, when the op computed in a promoted one
    _hooked = False    # any of the tensor hooks, retain_grad or node hooks is set
    _packed = None     # {saved name: Packed}: what saved_tensors_hooks' pack made of a saved tensor
    _node_pre_hooks = None   # register_prehook: hook(grad_outputs) before the node runs
    _node_post_hooks = None  # register_hook: hook(grad_inputs, grad_outputs) after it ran
    _metadata = None
    # {input slot: number}: a Python-number last operand (the 3 of 3 * x), kept when backward frees
    # the rest; a number costs nothing to keep, and a drawing of the graph after backward can still
    # say "x * 3" (nothing torch shows: its _saved_other raises once freed, here too)
    _numbers = None
    # a node of several outputs (a custom autograd.Function's): edges into it name the output
    # (t._output_nr), its gradient buffer is a list (None where nothing arrived), its backward takes
    # that list, and each output's tensor hooks / retain_grad are kept per output: _pre_hooks is
    # then {output: its tensor's hooks} (in the order they came), _retain a list (a weakref or None
    # per output)
    _multi = False
    _n_outputs = 1
    _kept_layouts = None  # [(shape, strides) of each input]: what backward left of them (_release)
    op = None  # the row of the op table this node class belongs to
    _rules_only = False  # its backward is its row's rules (Node._backward), no code of its own
    _frees = False  # whether backward releases something (what the op saved)

    def name(self):
        n = type(self).__name__
        # PyTorch's hand-written C++ nodes carry their namespace in name()
        return "torch::autograd::" + n if n in ("CopyBackwards", "CopySlices", "NotImplemented") else n

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def _sequence_nr(self):
        return self._seq

    @property
    def _output_metadata(self):
        """((shape, dtype),): what this node's forward produced, recorded when it ran (PyTorch's
        input_metadata: the shape and dtype of the gradient this node receives)."""
        if self._shape is None:  # (a custom Function that returned no tensor)
            return None
        return ((self._shape, _dtypes.FROM_NUMPY[self._dtype]),)

    @property
    def metadata(self):
        """A dict of the user's, kept with the node (PyTorch's Node.metadata)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_prehook(self, hook):
        """hook(grad_outputs) -> None or new grad_outputs, called before the node runs (after the
        hooks of the tensor it made)."""
        self._node_pre_hooks = self._node_pre_hooks or {}
        self._hooked = True
        return _add_hook(self._node_pre_hooks, hook)

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) -> None or new grad_inputs, called after the node ran."""
        self._node_post_hooks = self._node_post_hooks or {}
        self._hooked = True
        return _add_hook(self._node_post_hooks, hook)

    # grad_fn._saved_self, ._saved_other, ._saved_result: what backward will read, as in PyTorch;
    # ._raw_saved_<name>: the saved tensor itself, to which pack/unpack hooks can be attached. Both
    # are properties of each row's node class (saved_attributes), not a __getattr__, which would
    # slow down every attribute read of every node in the backward walk.

    def __dir__(self):
        # as PyTorch's: every _saved_<name> is a saved value (the engine's own _saved_* helpers are left out)
        saved = self.op.saves if self.op is not None else ()
        own = {n for n in object.__dir__(self) if not n.startswith(("_saved_", "_raw_saved_"))}
        options = self.op.option_names if self.op is not None else ()
        return sorted(own | {"_saved_" + n for n in saved + options}
                      | {"_raw_saved_" + n for n in self._tensor_saves()})

    def _tensor_saves(self):
        """The saved names PyTorch keeps as tensors (SavedVariables): inputs, the result, and the
        index / mask arrays an op keeps (not the numbers: those are Scalars)."""
        op = self.op
        if op is None:
            return ()
        params = self._params or {}
        return tuple(n for n in op.saves if n == "result" or n in op.arg_names
                     or _holds_tensors(params.get(n)))

    def saved_tensors(self):
        """{name: Tensor} of what this node keeps for backward (empty once freed), as it is now
        (``_saved_<name>`` instead raises, as PyTorch's does, when it was changed in place)."""
        if self._freed:
            return {}
        return {name: self._read_saved(name, check=False) for name in self.op.saves}

    def _read_saved(self, name, check=True):
        # (not "_saved_tensor" nor "_saved_value": DotBackward0 saves an input named "tensor",
        # AddcmulBackward0 a number named "value")
        _make = _tensor._make
        if name not in self.op.saves:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_saved_{name}'")
        if name in self.op.arg_names and not self._was_saved(self.op.arg_names.index(name)):
            return None  # (an input only another input's gradient reads, when that one needs none; freed too)
        if self._freed and name in self._tensor_saves():  # (a saved number or size outlives backward)
            raise RuntimeError(FREED_MSG)
        if self._freed:
            return self._params[name]
        if self._packed is not None and name in self._packed:
            packed = self._packed[name]
            if isinstance(packed, tuple):
                return tuple(p.unpack() if isinstance(p, Packed) else None if isinstance(p, slice) else p
                             for p in packed)
            return packed.unpack()
        if name == "result":
            arr = self._out
        elif name in self.op.arg_names:
            arr = self._args[self.op.arg_names.index(name)]
        else:
            arr = self._params[name]
        if isinstance(arr, tuple):  # index: PyTorch shows tensors, and None for a slice
            return tuple(_make(i, None, False) if isinstance(i, np.ndarray) else
                         None if isinstance(i, slice) else i for i in arr)
        if not isinstance(arr, np.ndarray):
            if name in self.op.arg_names and not isinstance(arr, (type(None), str)):
                # a Python number argument (x * 1.5): PyTorch saves it wrapped in a 0-dim tensor
                kind = np.bool_ if isinstance(arr, bool) else np.int64 if isinstance(arr, int) else np.float64
                return _make(np.asarray(arr, dtype=kind), None, False)
            return arr
        if name in self.op.arg_names:  # (the input as given: a bool mask or an int, though cast to compute)
            entry = self._saved_entries().get(self.op.arg_names.index(name))
            if entry is not None and not isinstance(entry[2], (str, weakref.ref)):
                if check:
                    _check_version(entry, self)
                return entry[2]
        entries = self._saved_versions or ()
        if name == "indices":  # (the indices an op returned beside its values: saved last, _functions._saved_indices)
            entries = reversed(entries)
        for entry in entries:
            counter, _, saved, saved_arr = entry
            if saved_arr is arr or (name == "indices" and saved_arr is getattr(saved, "_data", None)):
                if check:
                    _check_version(entry, self)
                if not isinstance(saved, (str, weakref.ref)):
                    return saved  # the input tensor itself, as PyTorch returns it
                if name == "result":  # PyTorch: the output again, grad_fn this node
                    return _make(arr, self, True, counter)
        return _make(arr, None, False)

    def _saved_entries(self):
        """{input position: its saved entry (counter, version, tensor, array)}. The entries are in the
        order apply() saved them (the row's saved_args, skipping the inputs it did not save)."""
        entries = self._saved_versions
        if not entries:
            return {}
        entries = iter(entries)
        saved, args, edges = {}, self._args, self.next_functions
        for i, needed_by in self.op.saved_args:
            if i is not None:
                if not isinstance(args[i], np.ndarray):
                    continue
                if needed_by is not None and all(edges[j][0] is None for j in needed_by):
                    continue
            entry = next(entries, None)
            if entry is None:
                break
            if i is not None:
                saved[i] = entry
        return saved

    def _was_saved(self, i):
        """Whether input i was saved: it is, unless only the gradients of inputs that need none read it."""
        for j, needed_by in self.op.saved_args:
            if j == i:
                return needed_by is None or any(self.next_functions[k][0] is not None for k in needed_by)
        return True

    def _check_saved(self):
        """PyTorch's SavedVariable::unpack check: nothing this node saved was changed in place."""
        versions = self._saved_versions
        if versions:
            for entry in versions:
                if entry[0][0] != entry[1]:  # (the counter moved on since it was saved)
                    _check_version(entry, self)
            if STATE.data_set:
                self._read_new_data()
        elif self._freed:
            raise RuntimeError(FREED_MSG)

    def _read_new_data(self):
        """x.data = other since this node saved its input x: PyTorch's SavedVariable of an input is
        the tensor itself, so backward reads x's new data (a saved result keeps its old data)."""
        for k, (vc, version, t, arr) in enumerate(self._saved_versions):
            if type(t) is not str and t._data is not arr and self._args is not None:
                self._args = [t._data if a is arr else a for a in self._args]
                self._saved_versions[k] = (vc, version, t, t._data)

    def _backward(self, g, xp):
        """dL/d(each input) given g = dL/d(output), aligned with next_functions: None where an input
        needs no gradient, else the row's rule for it, reduced to the input's shape and dtype. xp is
        the namespace the rules run on (numpy arrays, or Tensors under create_graph)."""
        if self._saved_versions or self._freed:
            self._check_saved()
        if not xp.builds_graph and self._packed is None:  # (a plain backward: the arrays themselves)
            args, out, params = self._args, self._out, self._params
        else:
            args, out, params = self._inputs_on(xp)
        # (under create_graph a number in a derivative formula is ATen's Scalar: g * 2 is MulBackward1)
        formula = xp.builds_graph and self.op.in_table
        if formula:
            STATE.formula = True
        try:
            edges = self.next_functions
            if not xp.builds_graph:
                return [None if nxt is None else self._input_grad(i, g, xp, args, out, params)
                        for i, (nxt, _) in enumerate(edges)]
            # under create_graph the order the rules run in numbers the nodes they make, and a later
            # backward through those nodes runs them (and adds up its sums) in that order: PyTorch's
            # generated code runs the formulas in the row's formula_order, and its engine reduces the
            # results to the inputs' shapes and dtypes afterwards, input by input (validate_outputs)
            grads = [None] * len(edges)
            for i in self.op.formula_order or range(len(edges)):
                if edges[i][0] is not None:
                    grads[i] = self._rule(i, g, xp, args, out, params)
            return [None if gi is None else self._conform(i, gi, xp) for i, gi in enumerate(grads)]
        finally:
            if formula:
                STATE.formula = False

    def _rule(self, i, g, xp, args, out, params):
        """The row's rule for input i, as it gives it (the input's shape and dtype not yet restored).
        (_input_grad runs the same three calls inline: the plain backward's one call per edge.)"""
        op = self.op
        if op.variadic:
            return op.grads[0](xp, i, g, args, out, **params)
        if params:
            return op.grads[i](xp, g, *args, out, **params)
        return op.grads[i](xp, g, *args, out)

    def _conform(self, i, gi, xp):
        """gi reduced to input i's shape and cast to its dtype."""
        a, in_dtypes = self._args[i], self._in_dtypes
        return xp.conform(gi, a, a.dtype if in_dtypes is None else in_dtypes[i])

    def _input_grad(self, i, g, xp, args, out, params):
        """dL/d(input i): the row's rule for it, reduced to the input's shape and dtype."""
        op = self.op
        if op.variadic:
            gi = op.grads[0](xp, i, g, args, out, **params)
        elif params:
            gi = op.grads[i](xp, g, *args, out, **params)
        else:
            gi = op.grads[i](xp, g, *args, out)
        a, in_dtypes = self._args[i], self._in_dtypes
        want = a.dtype if in_dtypes is None else in_dtypes[i]
        if type(gi) is np.ndarray and gi.dtype is want and gi.shape == a.shape:
            return gi  # (the common case: nothing to reduce or cast)
        if gi is None:  # (ATen's undefined tensor: a rule may give none, see _ops._MaybeUndefinedNode)
            return None
        return xp.conform(gi, a, want)

    def _inputs_on(self, xp):
        """(inputs, result, params) as values of xp, what saved_tensors_hooks packed unpacked."""
        args, out, params = xp.inputs(self), xp.result(self), self._params or {}
        if self._packed is not None:
            args, out, params = self._unpacked(args, out, params, xp)
        return args, out, params

    def _unpacked(self, args, out, params, xp):
        """The node's inputs, result and params with every packed value unpacked (unpack_hook), in
        the order it saved them."""
        args, params = list(args), dict(params)
        names = self.op.arg_names
        for name, packed in self._packed.items():
            if isinstance(packed, tuple):  # (an index)
                params[name] = tuple(p.unpack()._data if isinstance(p, Packed) else p for p in packed)
                continue
            t = packed.unpack()
            value = t if xp.builds_graph else t._data
            if name == "result":
                out = value
            elif name in names:
                args[names.index(name)] = value
            else:
                params[name] = t._data
        return args, out, params

    def _release(self):
        # freed (a second backward refuses) only when something was saved: an input saved only for
        # another input's gradient was not, when that one needed none
        if self._saved_versions or self._packed or self._saved_something():
            self._freed = True
            args = self._args
            if self.op.keeps_layouts:  # (PyTorch keeps an input's sizes and strides past backward)
                # (as numpy gives them, turned into PyTorch's only when read: most never are)
                self._kept_layouts = [(a.shape, a.strides, a.itemsize) if isinstance(a, np.ndarray) else None
                                      for a in args]
            self._args = self._out = None
            self._saved_versions = self._packed = None
            if args:  # (a number operand comes last, but in torch.sub(2., x): one check per node)
                last = args[-1]
                if type(last) is float or type(last) is int:
                    self._numbers = {len(args) - 1: last}

    def _input_layout(self, i):
        """(shape, strides) of input i, as PyTorch's sym_sizes() and sym_strides() give them."""
        if self._args is not None:
            return _layout(self._args[i])
        kept = self._kept_layouts[i]
        return None if kept is None else (kept[0], _torch_strides(*kept))

    def _saved_something(self):
        """Whether this node saved what PyTorch keeps as a saved variable besides tensors: a number
        operand (x * 1.5 saves the 1.5), an index or mask."""
        args, edges = self._args, self.next_functions
        for i, needed_by in self.op.saved_args:
            if i is None or args[i] is None or type(args[i]) is np.ndarray:
                continue
            if needed_by is None:
                return True
            for j in needed_by:
                if edges[j][0] is not None:
                    return True
        params = self._params
        if params:
            for name in self.op.saves:
                if _holds_tensors(params.get(name)):
                    return True
        return False


def saved_attributes(names, base):
    """The properties grad_fn._saved_<name> and grad_fn._raw_saved_<name> of a node class (base:
    the class it derives from) whose row saves `names`."""
    attrs = {}
    for name in names:
        if not hasattr(base, "_saved_" + name):  # (the engine's own _saved_versions, ...: not a saved name)
            attrs["_saved_" + name] = property(lambda self, name=name: _shown(name, self._read_saved(name)))
        attrs["_raw_saved_" + name] = property(lambda self, name=name: _raw_saved(self, name))
    return attrs


def torch_strides(arr):
    """An array's strides in elements, as PyTorch's: a new empty array (to which numpy gives no
    strides at all) has the row-major ones, each dim of size 0 counted as 1: (2, 0, 4) -> (4, 4, 1)."""
    return _torch_strides(arr.shape, arr.strides, arr.itemsize)


def _torch_strides(shape, strides, itemsize):
    st = tuple(s // itemsize for s in strides)
    if 0 in shape and not any(st):
        st, step = [], 1
        for size in reversed(shape):
            st.insert(0, step)
            step *= max(size, 1)
        st = tuple(st)
    return st


def _layout(a):
    return (a.shape, torch_strides(a)) if isinstance(a, np.ndarray) else None


class EveryDim(tuple):
    """Every dim of a reduction, given as dim=None or dim=() (x.sum(dim=None)): PyTorch's node shows
    the dim as given, and its backward expands the 0-d gradient without unsqueezing it first."""

    def __new__(cls, ndim, given):
        dims = super().__new__(cls, range(ndim))
        dims.given = given
        return dims


def _as_int64(value):
    """An ATen int (int64_t, SymInt) as PyTorch's _saved_ getters hand it out: as given (a dim -1,
    not the 1 it is in range: _tensor.GivenDim; None for EveryDim), through uint64, so -1 reads
    2**64 - 1 (a Scalar, alpha=-1, reads -1)."""
    value = getattr(value, "given", value)
    if isinstance(value, tuple):
        return tuple(map(_as_int64, value))
    return value + 2 ** 64 if type(value) is int and value < 0 else value


# how PyTorch shows an option: a loss's reduction as ATen's enum (Reduction::None, Mean, Sum); the
# arguments ATen declares int or SymInt (not Scalar) through uint64
_OPTION_AS_TORCH_SHOWS = {"reduction": ("none", "mean", "sum").index,
                          **dict.fromkeys(("dim", "dims", "dim0", "dim1", "dim2", "index", "start", "end", "step",
                                           "offset", "diagonal", "k", "shifts", "pad", "ignore_index",
                                           "padding_idx", "repeats", "split_size", "source_dim"), _as_int64)}


def _shown(name, value):
    """A saved number (or string) as PyTorch's grad_fn._saved_<name> shows it."""
    shown = _OPTION_AS_TORCH_SHOWS.get(name)
    return value if shown is None else shown(value)


# <input>_sym_sizes / _sym_strides / _sym_numel / _sym_argsize_<d> / _dim: PyTorch's names of an input's layout
_LAYOUT_OF_INPUT = re.compile(r"(\w+?)_(sym_sizes|sym_strides|sym_numel|sym_argsize_\d+|dim)$")


def reads_input_layout(name, arg_names):
    """Whether the option `name` is one of an input's layout (see option_attributes)."""
    match = _LAYOUT_OF_INPUT.match(name)
    return match is not None and match.group(1) in arg_names


def option_names(options):
    return tuple(o if isinstance(o, str) else o[0] for o in options)


def option_attributes(options, forward, arg_names):
    """The properties grad_fn._saved_<name> of a row's options, what PyTorch keeps on the node as
    plain values. An option is a name: the call's param, else the forward's default for it (add's
    alpha=1), else, for <input>_sym_sizes (_sym_strides, _sym_numel, _sym_argsize_<d>, _dim), that
    input's layout (strides only where the input needs a gradient: PyTorch saves them for its
    formula alone); or (name, f): f of the params it names (SliceBackward0's start, of the slice)."""
    defaults = {}
    if options and hasattr(forward, "__code__"):  # (a numpy function as forward has no defaults)
        code, given = forward.__code__, forward.__defaults__ or ()
        params = code.co_varnames[:code.co_argcount]
        defaults = dict(zip(params[len(params) - len(given):], given))

    def param(node, name):
        params = node._params
        return params[name] if params and name in params else defaults[name]

    attrs = {}
    for option in options:
        name, derive = (option, None) if isinstance(option, str) else option
        layout = _LAYOUT_OF_INPUT.match(name)
        if derive is not None:
            wanted = derive.__code__.co_varnames[:derive.__code__.co_argcount]

            def read(self, name=name, derive=derive, wanted=wanted):
                return _shown(name, derive(*(param(self, w) for w in wanted)))
        elif reads_input_layout(name, arg_names) and name not in defaults:
            def read(self, i=arg_names.index(layout.group(1)), what=layout.group(2)):
                shape, strides = self._input_layout(i)
                if what == "sym_sizes":
                    return tuple(shape)
                if what == "sym_strides":
                    return tuple(strides) if self.next_functions[i][0] is not None else ()
                if what == "sym_numel":
                    return math.prod(shape)
                if what == "dim":
                    return len(shape)
                return shape[int(what[len("sym_argsize_"):])]
        else:
            def read(self, name=name):
                return _shown(name, param(self, name))
        attrs["_saved_" + name] = property(read)
    return attrs


def _raw_saved(node, name):
    """grad_fn._raw_saved_<name>: a SavedTensor, for the names PyTorch keeps as tensors."""
    if name not in node._tensor_saves():
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '_raw_saved_{name}'")
    return SavedTensor(node, name)


def _holds_tensors(value):
    """Whether a saved param is what PyTorch keeps as tensors: an array, or an index (a tuple holding
    arrays or slices); a tuple of ints (a convolution's stride) is a list of numbers there."""
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, tuple) and any(isinstance(i, (np.ndarray, slice)) for i in value)


def short_name(node):
    """A node as PyTorch's error messages name it: MulBackward0 -> Mul, PowBackward1 -> Pow1, a
    custom Function's ExpBackward -> Exp."""
    n = node if isinstance(node, str) else node.name()
    return re.sub(r"Backward(\d*)$", lambda m: "" if m.group(1) in ("0", "") else m.group(1), n)


INTERNAL_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers "
                        "to a single memory location. Please clone() the tensor before performing the "
                        "operation.")


# PyTorch's engine casts a gradient to its input's dtype, then asserts that it is differentiable
NOT_DIFFERENTIABLE_MSG = ('isDifferentiableType(grad.scalar_type()) INTERNAL ASSERT FAILED at '
                          '"/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp":998, please report a bug '
                          'to PyTorch. ')


def _check_version(entry, unpacking):
    """A saved tensor is unchanged since it was saved, else PyTorch's error naming it (unpacking:
    the node reading it)."""
    counter, version, saved, arr = entry
    if counter[0] != version:
        d = _dtypes.FROM_NUMPY[arr.dtype]
        # (a bool tensor prints as its backend type: ATen's toString)
        name = "CPUBoolType" if d is _dtypes.bool else "torch." + d._legacy
        what = f"[{name} {list(arr.shape)}]"
        # a saved input is named by its grad_fn now (none for a leaf); a saved result by the node
        # that saved it
        if isinstance(saved, weakref.ref):  # an in-place result on a view: the view's grad_fn
            producer = saved()                # then, while something still holds it (PyTorch's
            if producer is None:              # weak_grad_fn_), else the node reading it
                producer = unpacking
        else:
            producer = saved if isinstance(saved, str) else saved.grad_fn
        if producer is not None:
            what += f", which is output 0 of {short_name(producer)},"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {what} is at version {counter[0]}; expected version {version} instead. {HINT}")


class CopySlices(Node):
    """An in-place op on a view, seen from the view's base: the base's new grad_fn (PyTorch's
    CopySlices). ``_fn`` is the op's own node (MulBackward0 for ``view.mul_(w)``), whose first input
    was the view; next_functions are the base's old history, then the op's other inputs.

    Backward: the base's gradient, in which the view's elements are replaced by what ``_fn`` gives
    for the view's old value; the op's other inputs get what ``_fn`` gives them."""

    __slots__ = ()
    _frees = True
    _fn = None        # the wrapped node (None once backward released it)
    _positions = None  # flat index in the base of each element of the view
    _view_geometry = None  # the view's size, stride and storage_offset (its as_strided under create_graph)
    _expanded_view = False  # several elements of the view are one element of the base

    def _backward(self, g, xp):
        fn = self._fn
        if fn is None:
            raise RuntimeError(FREED_MSG)
        if xp.builds_graph:
            return xp.copy_slices_backward(self, g)
        result = np.array(g, copy=True, order="C")
        flat = result.reshape(-1)
        grads = fn._backward(flat[self._positions], xp)
        if self.next_functions[0][0] is not None:
            if self._expanded_view:  # (PyTorch copies the view's gradient into an expanded slice)
                raise RuntimeError(INTERNAL_OVERLAP_MSG)
            flat[self._positions] = grads[0]
            grads[0] = result
        return grads

    def _release(self):
        self._freed = True
        self._fn = None  # (PyTorch's drops it, not its saved tensors: a create_graph gradient may hold it)


class AccumulateGrad:
    """The node at a leaf: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable", "_node_pre_hooks", "_node_post_hooks", "_metadata", "_hooked", "__weakref__")
    next_functions = ()
    _seq = _ACCUMULATE
    _multi = False

    def __init__(self, variable):
        self.variable = variable
        self._node_pre_hooks = self._node_post_hooks = self._metadata = None
        self._hooked = False

    def name(self):
        return "torch::autograd::AccumulateGrad"

    metadata = Node.metadata
    register_prehook = Node.register_prehook
    register_hook = Node.register_hook

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def _sequence_nr(self):
        return self._seq

    @property
    def _output_metadata(self):
        v = self.variable
        return ((tuple(v._data.shape), v.dtype),)


class RemovableHandle:
    """What registering a hook returns: .remove() unregisters it."""

    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


def _add_hook(hooks, hook):
    key = _next_seq()
    hooks[key] = hook
    return RemovableHandle(hooks, key)


class Packed:
    """A saved tensor as saved_tensors_hooks' pack_hook made it, with the unpack_hook to read it
    back, and the edge the tensor had in the graph (its grad_fn, or a leaf's AccumulateGrad, and
    which output of it the tensor is) so that what unpacks joins the graph where the original was."""

    __slots__ = ("packed", "unpack_hook", "edge", "output_nr", "requires_grad", "node")

    def __init__(self, tensor, pack_hook, unpack_hook, node=None):
        self.packed = pack_hook(tensor)
        self.unpack_hook = unpack_hook
        self.requires_grad = tensor._requires_grad
        in_graph = tensor._requires_grad or tensor._grad_fn is not None
        self.edge, self.output_nr = gradient_edge(tensor) if in_graph else (None, 0)
        self.node = node  # (the node itself, for a saved result: its grad_fn)

    def unpack(self):
        """unpack_hook(packed), as a tensor with the original's place in the graph."""
        t = self.unpack_hook(self.packed)
        if not isinstance(t, _tensor.Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result "
                            f"of type {type(t).__name__}")
        edge = self.node if self.node is not None else self.edge
        out = _tensor._make(t._data, None if isinstance(edge, AccumulateGrad) else edge,
                            self.requires_grad or edge is not None, t._vc)
        if isinstance(edge, AccumulateGrad):
            out._acc = weakref.ref(edge)  # (a leaf: the gradient goes to the original's .grad)
        elif self.output_nr:  # (an output of a node of several outputs: the same output again)
            out._output_nr = self.output_nr
        return out


class SavedTensor:
    """grad_fn._raw_saved_<name>: one tensor a node saved (PyTorch's SavedTensor), on which a pair
    of pack / unpack hooks can be registered (pack runs at once)."""

    def __init__(self, node, name):
        self._node, self._name = node, name

    def register_hooks(self, pack_hook, unpack_hook):
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("register_hooks(): incompatible function arguments. The following argument "
                            "types are supported:\n    1. (self: torch._C._autograd.SavedTensor, arg0: "
                            "collections.abc.Callable, arg1: collections.abc.Callable) -> None")
        node = self._node
        if node._freed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate "
                "values of the graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if you "
                "need to access saved variables after calling backward.")
        if node._packed is not None and self._name in node._packed:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. "
                               "Hint: only one pair of hooks is allowed at a time.")
        tensor = node._read_saved(self._name)
        node._packed = node._packed or {}
        node._packed[self._name] = Packed(tensor, pack_hook, unpack_hook,
                                          node if self._name == "result" else None)

    def __repr__(self):
        return f"<torch._C._autograd.SavedTensor object at {hex(id(self))}>"


def pack_saved(node, op, args, result):
    """saved_tensors_hooks: each tensor the node saves goes through the innermost pack_hook now (in
    the order PyTorch saves them) and is not kept itself (nor checked against in-place changes);
    the index and mask arrays an op keeps too. args: the op's inputs (tensors or numbers); result:
    the tensor it made."""
    pack_hook, unpack_hook = STATE.saved_hooks[-1]
    packed, edges = {}, node.next_functions
    for i, needed_by in op.saved_args:  # (what apply saved: see its loop)
        if i is None:
            packed["result"] = Packed(result, pack_hook, unpack_hook, node)
        elif isinstance(args[i], _tensor.Tensor) and (
                needed_by is None or any(edges[j][0] is not None for j in needed_by)):
            packed[op.arg_names[i]] = Packed(args[i], pack_hook, unpack_hook)
    params = node._params or {}
    for name in op.saves:
        value = params.get(name)
        if name in packed or name in op.arg_names:
            continue
        if isinstance(value, np.ndarray):
            packed[name] = Packed(_tensor._make(value, None, False), pack_hook, unpack_hook)
        elif isinstance(value, tuple):  # (an index: each index tensor packed, a slice kept)
            packed[name] = tuple(Packed(_tensor._make(i, None, False), pack_hook, unpack_hook)
                                 if isinstance(i, np.ndarray) else i for i in value)
    node._packed = packed
    node._saved_versions = []


def gradient_edge(t):
    """(node, output_nr): where the gradient for tensor t goes (its grad_fn, or its AccumulateGrad
    when it is a leaf that requires grad; output_nr is 0 but for a node of several outputs);
    (None, 0) when it needs none."""
    fn = t._grad_fn if t._base is None else t.grad_fn  # (a view's is brought up to date)
    if fn is not None:
        return (fn, t._output_nr if fn._multi else 0)
    if not t._requires_grad:
        return (None, 0)
    acc = t._acc() if t._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


# ---------------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------------
class _GradMode:
    """Base of no_grad / enable_grad / set_grad_enabled: a context manager and a decorator."""

    _mode = None

    def __enter__(self):
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode

    def __exit__(self, *exc):
        STATE.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self._mode):
                return fn(*args, **kwargs)
        return wrapper


class _NoParamDecorator(_GradMode):
    """Also usable as a bare decorator, ``@no_grad`` without parentheses, as in PyTorch 2."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Ops inside build no graph: results have requires_grad=False."""
    _mode = False


class enable_grad(_NoParamDecorator):
    """Turn graph building back on inside a no_grad block."""
    _mode = True


class set_grad_enabled(_GradMode):
    """set_grad_enabled(mode): like no_grad or enable_grad; also takes effect when just called."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        STATE.grad_enabled = self._prev  # used as a decorator: only the wrapped calls change mode
        return super().__call__(fn)


def is_grad_enabled():
    return STATE.grad_enabled


_INFERENCE = [False]  # inside inference_mode()?


class inference_mode(_GradMode):
    """inference_mode(mode=True): no graph inside, like no_grad (PyTorch also marks the results as
    inference tensors, which refuse to join a graph later; that is not modelled here)."""

    def __new__(cls, mode=True):
        if not isinstance(mode, (bool, int)):  # used as a bare decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        if isinstance(mode, (bool, int)):
            self._mode, self._inference = not mode, bool(mode)

    def __enter__(self):
        if self._inference:
            super().__enter__()
        self._prev_inference, _INFERENCE[0] = _INFERENCE[0], self._inference

    def __exit__(self, *exc):
        _INFERENCE[0] = self._prev_inference
        if self._inference:
            super().__exit__(*exc)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self._inference):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled():
    return _INFERENCE[0]


def warn_nonleaf_grad():
    warnings.warn(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
        "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
        "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
        "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
        "instead. See github.com/pytorch/pytorch/pull/30531 for more information.",
        UserWarning, stacklevel=3)


# A node's _saved_* attributes hand out Tensors, and Tensor (_tensor.py) is built on this module:
# imported last, once everything above exists (read only when an attribute is asked for).
from . import _tensor  # noqa: E402
