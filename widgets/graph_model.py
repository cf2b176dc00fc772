"""GraphModel: the computation graph as plain data (nodes, edges, per-step state), no drawing.

Build one with
    GraphModel.from_tensors(*roots, view="tensor" | "function", names=None, show_saved=False)
    GraphModel.from_recording(rec, view=..., names=None, show_saved=False)   # autograd_core.record()
    GraphModel.from_static(graph)                                            # autograd_core.static
Roots may be autograd_core tensors or real ``torch.Tensor``s (walked the same way, iteratively).
Names come from ``names={"w": w}`` (tensors or nn modules), then the caller's locals, then its
globals (widgets.naming); a non-leaf is named through ``t.grad_fn is node``. In a recording,
``w.grad`` and ``w.data`` tensors are named after w. ``model.nodes`` (dict id -> Node, in id
order), ``model.edges`` (list of Edge), ``model.roots`` (node ids), ``model.states``.

Views
- "tensor": tensors are nodes (kind "tensor"; numbers used by an op are kind "const"), each op is a
  small node (kind "op") between its inputs and its output: input -> op -> output. Inputs that
  need no grad are known while the graph holds them (before backward frees an op's inputs, or
  with retain_graph=True) and always in a recording; torch graphs never show them.
- "function": PyTorch's backward graph as the 60-minute blitz draws it: grad_fn nodes (kind
  "function"), AccumulateGrad nodes (kind "accumulate") fed by their leaf tensors (kind "tensor"),
  arrows in the forward direction (next_function -> node), roots as tensor nodes at the end.
show_saved adds a node of kind "saved" per saved tensor of a grad_fn, with an edge into it.

Node ids are "t<k>" for tensors, constants and saved tensors and "f<k>" for op/function nodes,
k counting ALL nodes in a deterministic traversal order (inputs before the nodes that use them,
next_functions in order), so ids never collide; edge ids are "e<src k>_<dst k>_<n>", n numbering
parallel edges (``a + a`` has e0_1_0 and e0_1_1). Node.classes are CSS classes: for tensors one of
"leaf" (requires grad), "const", "nonleaf", plus "param", "frozen", "retained", "output"; "op",
"function", "accumulate", "saved" for the others. Edge classes: "data" (tensor view), "next"
(function view, one per non-None next_functions entry), "variable" (leaf -> AccumulateGrad),
"result" (op -> output tensor), "saved".

Per-step state (models from a recording, built in ONE pass over the events by
widgets._recording, the step model every view reads): ``model.states`` is a sequence (len, [k],
iteration; each StepState made on demand from the recorded changes) and ``model.state_at(k)`` the
same; step 0 is the state before the first event, step k the state after event k-1:
    visible, visible_edges   node / edge ids that exist after this step (forward grows the graph)
    active, active_edges     what this step touched (the op computed, the backward node that ran,
                             the leaf accumulated into)
    done                     nodes whose backward has run in the current pass (leaves accumulated)
    values                   {tensor node id: value text} for visible tensors
    grads                    {tensor node id: ".grad" text}: "None" until accumulated / retained
    flows                    {tensor node id: dL/d(tensor) text} summed over the pass's steps so far
    rows                     {tensor node id: [data text, grad text, css class]}: what the graph's
                             value rows show (a flowing gradient in italics, a freed one struck)
    edge_grads               {edge id: text} of the gradient each active edge carries at a backward
                             step (tensor view: what the op passes to that input, and dL/d(output)
                             on the op -> output edge; function view: what the node passes on)
    phase, caption, event    "initial" | "leaf" | "forward" | "backward" | "retain" | "accumulate",
                             one line for humans, index into rec.events (None for step 0)
    made_by                  at a step of what a backward pass builds (create_graph: an op of the
                             gradient's own graph; a hook's op): the grad_fn name whose backward
                             made it, else None
    lines                    the chain-rule panel: Lines (text, role)
    question                 what predict mode asks at a backward step (under create_graph: at
                             the first step of what a node builds): a Question (its caption and
                             prompt without the step's results, its Fields with the engine's values,
                             the rows to keep until it is answered), else None
    skip                     a step where predict mode asks nothing because what it would ask
                             cannot be worked out from the screen: the one line that says why
Predict mode asks only what a student can work out from what is on screen at that step and the
answers given before. A tensor of more than SMALL elements shows only min / mean / max, so a
gradient that depends on such a tensor with different values (shown_in_full is False) is asked
as ONE element ("dloss/d(y - y_pred)[0, 0]", the prompt giving that element's operands: the
chain rule per element), as one element's part of a sum ("part [0, 0] of dloss/dw" of w * x), or,
when the recorded numbers show neither, not at all (Question.notes / StepState.skip say why). A
gradient that is the received one summed times a constant (dloss/db of w * x + b: 20 x its mean)
and every field that involves no such tensor are asked whole, as they always were.
``StepState.to_dict()`` gives the same as plain JSON-able data. Texts come from format_array
(4 significant digits; min/mean/max above SMALL elements; "None" for a missing grad, "?" for a
value the recording cannot tell). A tensor made before the recording starts with its value then
(undoing a first in-place add/sub such as w.data.sub_(...)) and .grad "None", or, when an
accumulation shows it held a nonzero grad, that grad (the events cannot tell None from zeros).
The same pass fills ``model.frames`` (each step's changes as JSON-able data: the browser's copy),
``model.passes`` (chain-rule terms, widgets.chain_rule), ``model.objects`` (node id -> engine
object), ``model.activity`` (what each op did at each backward step) and ``model.program``.

Labels: every tensor has a distinct label (widgets.naming.Labeler): its variable's name, a module
parameter's path ("model.fc.bias"), else its expression ("w + x") or its op and index ("mul #3").
A function node's ``name`` is the label of the tensor it made (an AccumulateGrad's: "w.grad").

Large graphs: simplify(model, max_nodes=150, collapse=None, chain_min=4) (used by to_dot) returns
a smaller model: same-op chains -> one "summary" node, nn modules -> one "module" node each (every
module with parameters, the modules named, or those at a depth: collapse=1 draws a ResNet as
conv1, bn1, layer1..layer4, fc), and beyond max_nodes the nodes farthest from the roots -> one
"elided" node; kept ids stay the same.
"""
import bisect
import collections.abc
import contextlib
import dataclasses
import math
import re
import sys
import warnings
import weakref

import numpy as np

from . import naming

TENSOR_VIEW, FUNCTION_VIEW = "tensor", "function"
SMALL = 8  # tensors with more elements are summarised as min / mean / max


# ---------------------------------------------------------------------------------------------
# Formatting values
# ---------------------------------------------------------------------------------------------
def _num(x):
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    s = f"{x:.4g}"
    return "0" if s == "-0" else s


def format_array(arr, small=SMALL):
    """Text for a value or grad: "None" for None, all elements at 4 significant digits when there
    are at most `small`, else "min .. mean .. max" (never a made-up 0 for a missing grad)."""
    if arr is None:
        return "None"
    a = np.asarray(arr)
    if a.size <= small:
        if a.ndim == 0:
            return _num(a.item())

        def rec(x):
            return "[" + ", ".join(rec(v) if isinstance(v, list) else _num(v) for v in x) + "]"
        return rec(a.tolist())
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} True"
    return f"min {_num(a.min())}  mean {_num(a.mean())}  max {_num(a.max())}"


def shown_in_full(arr, small=SMALL):
    """Whether format_array(arr) tells every element of arr: at most `small` elements, or all of
    them equal (then "min v  mean v  max v" says each one is v). None (no value) counts as shown."""
    if arr is None:
        return True
    a = np.asarray(arr)
    return a.size <= small or all_equal(a) or bool(a.dtype.kind in "fc" and np.all(np.isnan(a)))


def all_equal(a):
    """Whether every element of the (non-empty) array a equals its first."""
    return bool(np.all(a == a.reshape(-1)[0]))


def index_text(index):
    """An element's index as written in Python: (0, 0) -> '[0, 0]'."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def text_width(shape, small=SMALL):
    """An upper bound on len(format_array(x)) for any x of this shape: lays out values never seen."""
    size = int(np.prod(shape)) if shape is not None else small + 1
    if shape is None or size > small:
        return 44
    per = 10  # "-1.235e+05" is the longest 4-significant-digit number
    brackets = 2 * sum(int(np.prod(shape[:i])) for i in range(len(shape)))
    return max(1, size * per + max(size - 1, 0) * 2 + brackets)


def short_op(fn_name):
    """'MulBackward0' -> 'mul' (for torch grad_fns, which have no op-table row)."""
    return re.sub(r"Backward\d*$", "", fn_name.rpartition("::")[2]).lower()


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Node:
    id: str
    kind: str                  # "tensor" | "const" | "op" | "function" | "accumulate" | "saved"
    label: str                 # what the node is called: a name, an op, a grad_fn name, a number
    name: str | None = None    # the variable holding it, if any
    op: str | None = None      # tensor: its grad_fn's name; op/function: the grad_fn's name
    shape: tuple | None = None
    dtype: str | None = None
    classes: tuple = ()
    value: object = None       # ndarray (or number) or None when unknown
    grad: object = None        # ndarray, or None when .grad is None
    has_value: bool = False
    requires_grad: bool = False
    is_leaf: bool = False
    module: str | None = None  # nn module prefix ("fc") of a parameter or of the ops using it
    calls: tuple = ()          # ((module name, call id), ...), outermost first: the module calls an
    #                            op ran in (autograd_core notes them: nn.Module.__call__)
    count: int = 1             # > 1 for a summarised chain or a collapsed module
    derivative: str | None = None  # a gradient tensor a backward pass made: what it holds, "dy/dx"

    @property
    def value_text(self):
        return format_array(self.value) if self.has_value else "?"

    @property
    def grad_text(self):
        return format_array(self.grad)


@dataclasses.dataclass
class Edge:
    id: str
    src: str
    dst: str
    slot: int = 0              # which input of dst (argument position / next_functions index)
    classes: tuple = ()
    count: int = 1             # > 1 for edges merged by simplification


@dataclasses.dataclass(frozen=True)
class Line:
    """One line of the chain-rule panel; role says what it is (the view styles by it)."""
    text: str
    role: str  # "head" (what ran) | "edge" (one edge's chain rule) | "total" (a sum over paths)
    #            | "note" | "prompt" (a question) | "code" (the recorded program)


@dataclasses.dataclass(frozen=True)
class Field:
    """One value predict mode asks for: its box's label, the same in words, the engine's value.

    kind "grad": the whole gradient label names (d<root>/d<t>, every path of this pass); "share":
    one path's part of it (what one op passes to t, label d<root>/d<o> · ∂<o>/∂<t>); "leaf_grad":
    t.grad after AccumulateGrad adds the pass's d<root>/d<t>; "retained": t.grad a non-leaf keeps.
    target is t's node id, via the node id of o (for a share) and slot the input position.

    index: None for the whole value; else the one element asked for (a value with more different
    elements than the screen shows): expected is that element of the value (label
    "dloss/d(y - y_pred)[0, 0]"), or with part=True what element `index` of o (the op's output)
    adds to a gradient summed over o's elements (label "part [0, 0] of dloss/dw": dloss/d(w * x)
    · x at [0, 0]). rtol: how close a typed value must be (an element is worked out from numbers
    shown at 4 significant digits, so it gets more room than a value typed as shown)."""
    label: str
    words: str
    expected: object
    kind: str
    target: str
    via: str | None = None
    slot: int | None = None
    index: tuple | None = None
    part: bool = False
    rtol: float = 1e-3


@dataclasses.dataclass(frozen=True)
class Question:
    """What predict mode shows at a step until it is answered: a caption and prompt without the
    step's results, the fields to fill, and {node id: row} to show instead of the step's new rows.
    notes: (label, why) of what the step passes on but does not ask (it cannot be worked out from
    the screen); the prompt says it too."""
    caption: str
    prompt: tuple
    fields: tuple
    keep_rows: dict
    notes: tuple = ()


@dataclasses.dataclass(frozen=True)
class Activity:
    """What an op / grad_fn / AccumulateGrad node did at one backward step (for the inspector)."""
    step: int
    received: str     # "dy/da = 2"
    passed: tuple     # ("to w: 2", ...) or (".grad = 5",)


@dataclasses.dataclass(frozen=True)
class StepState:
    index: int
    phase: str
    caption: str
    event: int | None
    visible: tuple
    visible_edges: tuple
    active: tuple
    active_edges: tuple
    done: tuple
    values: dict
    grads: dict
    flows: dict
    edge_grads: dict = dataclasses.field(default_factory=dict)
    lines: tuple = ()                 # Lines of the chain-rule panel
    question: Question | None = None  # what predict mode asks at this step (backward kinds)
    rows: dict = dataclasses.field(default_factory=dict)  # {node id: [data, grad, css class]}
    made_by: str | None = None        # a step of what a backward pass builds: the node whose
    #                                   backward made this op ("PowBackward0"), else None
    skip: str | None = None           # no question although the step passes gradients on: why
    #                                   (what it would ask cannot be worked out from the screen)

    def to_dict(self):
        d = dataclasses.asdict(self)
        for k in ("visible", "visible_edges", "active", "active_edges", "done"):
            d[k] = list(d[k])
        return d


class History:
    """Values by key over steps, kept as changes: at(k) is the dict as it was after step k.

    Memory is the number of changes (not steps x keys); at(k) costs O(keys log changes)."""

    def __init__(self):
        self._changes = {}  # key -> ([step, ...], [value or _GONE, ...]) in step order
        self._now = {}

    def set(self, step, key, value):
        steps, values = self._changes.setdefault(key, ([], []))
        if steps and steps[-1] == step:
            values[-1] = value
        else:
            steps.append(step)
            values.append(value)
        if value is _GONE:
            self._now.pop(key, None)
        else:
            self._now[key] = value

    def delete(self, step, key):
        if key in self._now:
            self.set(step, key, _GONE)

    def get(self, key, default=None):
        return self._now.get(key, default)

    def __contains__(self, key):
        return key in self._now

    def keys(self):
        return self._now.keys()

    def value_at(self, key, k, default=None):
        """The value of key after step k (default when it had none)."""
        steps, values = self._changes.get(key, ((), ()))
        i = bisect.bisect_right(steps, k) - 1
        return default if i < 0 or values[i] is _GONE else values[i]

    def at(self, k):
        out = {}
        for key, (steps, values) in self._changes.items():
            i = bisect.bisect_right(steps, k) - 1
            if i >= 0 and values[i] is not _GONE:
                out[key] = values[i]
        return out


_GONE = object()


class _MappedStates(collections.abc.Sequence):
    """states[k] of a simplified model: the original's, with ids mapped (made on demand)."""

    def __init__(self, states, fn):
        self._states, self._fn = states, fn

    def __len__(self):
        return len(self._states)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self._fn(self._states[k])


# ---------------------------------------------------------------------------------------------
# Reading tensors and grad_fns of either engine
# ---------------------------------------------------------------------------------------------
def _is_acc(fn):
    return fn is not None and fn.name().endswith("AccumulateGrad")


def built_by(fn):
    """The root grad_fns of the backward(create_graph=True) whose pass made grad_fn fn (its ops
    are the gradient's own graph), or None: fn is the program's own. autograd_core notes this
    (autograd_core._engine.built_by); for torch's grad_fns it is not known (None)."""
    engine = sys.modules.get("autograd_core._engine")
    find = getattr(engine, "built_by", None)
    return None if fn is None or find is None else find(fn)


def _np(t):
    """A tensor's data as an ndarray (autograd_core or torch), without copying when possible."""
    if hasattr(t, "_data") and isinstance(getattr(t, "_data", None), np.ndarray):
        return t._data
    return t.detach().cpu().numpy(force=True)  # (force: an efficient zero tensor refuses otherwise)


def _grad_of(t):
    """t.grad without PyTorch's non-leaf warning; None when it is None."""
    if any(c.__module__.startswith("autograd_core") for c in type(t).__mro__):
        g = t._grad
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = t.grad
    return None if g is None else _np(g).copy()


def _output_nr(t):
    """Which output of its grad_fn tensor t is (0 but for a node of several outputs)."""
    if not getattr(t.grad_fn, "_multi", True):  # (autograd_core: a view's piece has its own node)
        return 0
    return int(getattr(t, "output_nr", 0))


def _raw_grad(t):
    """t.grad as the tensor it is (no copy, no PyTorch warning), or None."""
    if any(c.__module__.startswith("autograd_core") for c in type(t).__mro__):
        return t._grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.grad


def d_text(root, t):
    """The total derivative of root with respect to t: 'dy/dt', 'dy/d(w + x)'."""
    return f"d{naming._operand(root)}/d{naming._operand(t)}"


def _dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _is_param(t):
    return any(c.__name__ == "Parameter" for c in type(t).__mro__)


def _saved_value(v):
    """A saved tensor or number as an ndarray; None for what is not a value (sizes, options)."""
    if naming.is_tensor(v):
        return _np(v)
    if isinstance(v, (bool, int, float, np.number)):
        return np.asarray(v)
    return None


def _saved(fn):
    """{name: ndarray} of what fn saved for backward, tensors and numbers (empty once freed)."""
    if hasattr(fn, "saved_tensors") and callable(fn.saved_tensors):
        try:
            items = list(fn.saved_tensors().items())
        except RuntimeError:
            return {}
    else:
        items = []
        for attr in sorted(a for a in dir(fn) if a.startswith("_saved_")):
            try:
                items.append((attr[7:], getattr(fn, attr)))
            except RuntimeError:  # freed by backward
                continue
    out = {}
    for name, v in items:
        arr = _saved_value(v)
        if arr is not None:
            out[name] = arr
    return out


def _retained_tensor(fn):
    """autograd_core: the tensor fn made, when it called retain_grad() (fn holds a weakref)."""
    ref = getattr(fn, "_retain", None)
    t = ref() if ref is not None else None
    return t if t is not None and t.grad_fn is fn else None


def _saved_result(fn):
    """The output fn saved for backward, as an ndarray (None when it saved none, or was freed)."""
    out = getattr(fn, "_out", None)  # autograd_core
    if out is not None:
        return out
    try:  # torch: the ops whose derivative uses their result (exp, tanh, sigmoid, ...)
        result = fn._saved_result
    except (AttributeError, RuntimeError):  # none saved, or freed by backward
        return None
    return _np(result) if naming.is_tensor(result) else None


def _output_metadata(fn):
    """(shape, dtype name) of fn's first output as recorded at forward time; (None, None) if
    unknown. autograd_core: grad_fn._output_metadata; torch: the metadata of the gradient fn
    takes, which is its output's (grad_fn._input_metadata)."""
    meta = getattr(fn, "_output_metadata", None)
    if meta:
        shape, dtype = meta[0]
        return tuple(shape), str(dtype).replace("torch.", "")
    meta = getattr(fn, "_input_metadata", None)
    if meta:
        return tuple(meta[0].shape), str(meta[0].dtype).replace("torch.", "")
    return None, None


def _fn_args(fn):
    """autograd_core keeps a node's input arrays (until backward frees them); torch does not show them."""
    try:
        return fn._args if not getattr(fn, "_freed", True) else None
    except AttributeError:
        return None


def _fn_numbers(fn):
    """{input slot: number} of fn's Python-number operands (the 3 of 3 * x), which autograd_core keeps
    when backward frees the rest; {} for a torch node (torch frees them with the saved tensors)."""
    return getattr(fn, "_numbers", None) or {}


def _maybe_absent(fn, slot):
    """Whether input `slot` of fn may be an optional input that was never given (a convolution's or
    batch norm's weight or bias: None), which backward's freeing makes indistinguishable."""
    names = getattr(getattr(fn, "op", None), "arg_names", ())
    return slot < len(names) and names[slot] in ("weight", "bias")


def _fn_params(fn):
    """What an expression needs of fn's op parameters: autograd_core keeps them (``_params``);
    of a torch grad_fn only a pow's exponent is read, else naming.UNKNOWN."""
    if getattr(fn, "op", None) is not None:
        return getattr(fn, "_params", None)
    name = fn.name()
    if name == "PowBackward0":
        try:
            return {"exponent": fn._saved_exponent}
        except (AttributeError, RuntimeError):
            pass
    if not name.endswith("Backward0"):  # SumBackward1 sums over dims it does not show
        return {"overload": name}
    return naming.UNKNOWN


def _topo(roots):
    """grad_fn nodes reachable from roots, inputs before users (iterative post-order DFS)."""
    order, seen = [], set()
    for root in roots:
        if root is None or id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, it = stack[-1]
            for nxt, _ in it:
                if nxt is not None and id(nxt) not in seen:
                    seen.add(id(nxt))
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


# ---------------------------------------------------------------------------------------------
# Static graphs: labels
# ---------------------------------------------------------------------------------------------
def _static_name(node):
    return str(getattr(node, "id", None) or node.name)


def _static_derivative(grad_of):
    """'∂z/∂a' for grad_of = ((z,), a): d(sum of ys)/dx, the ys' and x's names ('∂(y+z)/∂a')."""
    ys, wrt = grad_of
    ys = [_static_name(y) for y in ys]
    top = ys[0] if len(ys) == 1 else "(" + "+".join(ys) + ")"
    return f"∂{top}/∂{_static_name(wrt)}"


def _static_labels(nodes):
    """{id(node): label}, every label distinct: a node's name, or the derivative a gradient node
    holds; a part of it (summed by an AddN, or reduced by an Unbroadcast, of the same derivative)
    says which part it is, and a derivative computed again (a second tf.gradients call) gets a
    count, "∂z/∂a (2)"."""
    base = {}
    for node in nodes:
        if getattr(node, "grad_of", None) is not None:
            base[id(node)] = _static_derivative(node.grad_of)
    parts = {}   # id(node) -> what the node it feeds makes of it
    for node in nodes:
        if id(node) not in base or str(node.op) not in ("AddN", "Unbroadcast"):
            continue
        k = 0
        for inp in node.inputs:
            if base.get(id(inp)) == base[id(node)] and id(inp) not in parts:
                k += 1
                parts[id(inp)] = f"path {k}" if str(node.op) == "AddN" else "broadcast"
    labels, used = {}, set()
    for node in nodes:
        text = base.get(id(node))
        if text is None:
            text = _static_name(node)
        elif id(node) in parts:
            text = f"{text} ({parts[id(node)]})"
        label, k = text, 2
        while label in used:  # (ids are unique; derivatives computed twice are not)
            label, k = f"{text} ({k})", k + 1
        used.add(label)
        labels[id(node)] = label
    return labels


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------
class GraphModel:
    """Nodes (dict id -> Node, in traversal order), edges (list of Edge), roots (node ids), states."""

    def __init__(self, view=TENSOR_VIEW):
        if view not in (TENSOR_VIEW, FUNCTION_VIEW):
            raise ValueError(f"view must be 'tensor' or 'function', not {view!r}")
        self.view = view
        self.source = "tensors"  # or "recording", "static": what the model was built from
        self.nodes = {}
        self.edges = []
        self.roots = ()
        self.states = []
        self._count = 0
        self._pairs = {}  # (src, dst) -> number of edges so far, for multiplicity ids
        self._keep = []   # objects whose id() keys a node: kept alive so ids are not reused
        self.members = {}  # set by simplify(): new node id -> the original node ids it stands for
        # from a recording (widgets._recording): what every view of the steps reads
        self.frames = []   # per step, what changed, as JSON-able data for the browser
        self.objects = {}  # node id -> the engine's tensor / grad_fn / AccumulateGrad it stands for
        self.activity = {}  # op / function node id -> [Activity] at each backward step it ran
        self.passes = []   # one Pass per backward pass: the chain-rule terms of every quantity
        self.program = ()  # the recorded program as written: a line per leaf, named result, backward call

    # --- building blocks ------------------------------------------------------------------------
    def _new_id(self, prefix):
        k = self._count
        self._count += 1
        return f"{prefix}{k}"

    def add_node(self, kind, label, **fields):
        nid = self._new_id("f" if kind in ("op", "function", "accumulate") else "t")
        node = Node(nid, kind, label, **fields)
        self.nodes[nid] = node
        return node

    def add_edge(self, src, dst, slot=0, classes=()):
        n = self._pairs.get((src, dst), 0)
        self._pairs[(src, dst)] = n + 1
        edge = Edge(f"e{src[1:]}_{dst[1:]}_{n}", src, dst, slot, tuple(classes))
        self.edges.append(edge)
        return edge

    def __len__(self):
        return len(self.nodes)

    def __repr__(self):
        return (f"GraphModel(view={self.view!r}, nodes={len(self.nodes)}, edges={len(self.edges)}, "
                f"steps={len(self.states)})")

    def state_at(self, step):
        """The StepState after `step` events (0: before the first); negative counts from the end."""
        if not self.states:
            raise ValueError("this GraphModel has no steps: build it with GraphModel.from_recording()")
        return self.states[step]

    def edges_between(self, src, dst):
        return [e for e in self.edges if e.src == src and e.dst == dst]

    # --- constructors ------------------------------------------------------------------------
    @classmethod
    def from_tensors(cls, *roots, view=TENSOR_VIEW, names=None, show_saved=False, frame=None):
        """The graph behind `roots` (tensors of autograd_core or torch), found by walking grad_fn."""
        if not roots:
            raise ValueError("from_tensors needs at least one root tensor")
        for r in roots:
            if not naming.is_tensor(r):
                raise TypeError(f"expected tensors, got {type(r).__name__}")
        roots = tuple({id(r): r for r in roots}.values())  # draw(y, y) is draw(y)
        frame = frame if frame is not None else naming.caller_frame()
        found = naming.tensor_names(names, frame)
        builder = _TensorBuilder if view == TENSOR_VIEW else _FunctionBuilder
        model = cls(view)
        builder(model, found, show_saved).build(roots)
        return model

    @classmethod
    def from_recording(cls, rec, view=TENSOR_VIEW, names=None, show_saved=False, frame=None,
                       small=SMALL):
        """The graph an ``autograd_core.record()`` block built, with the state after each event
        (values and grads of more than `small` elements are summarised as min / mean / max)."""
        from ._recording import build_from_recording
        frame = frame if frame is not None else naming.caller_frame()
        # names the recording itself noted when its block ended (if the engine keeps them: a
        # later cell rebinding `y` must not take the name away), after the ones given here
        kept = getattr(rec, "names", None)
        if isinstance(kept, dict) and kept:  # (the first name of a tensor names it)
            names = {**(names or {}), **{k: v for k, v in kept.items() if k not in (names or {})}}
        found = naming.tensor_names(names, frame)
        model = cls(view)
        model.source = "recording"
        build_from_recording(model, rec, found, show_saved, small)
        return model

    @classmethod
    def from_static(cls, graph):
        """A static (define-then-run) graph, e.g. autograd_core.static's: one node per graph node
        (in ``graph.nodes`` order), an edge from each of its ``inputs``. Placeholders and Variables
        are drawn as leaves, Consts as constants, other ops as op nodes. Every node's label is
        distinct: a value node's by its name, an op's by the name of the value it computes (its
        id; the op type on the line below), and a node tf.gradients added (``node.grad_of = (ys,
        x)``) by the derivative it holds, ∂z/∂a (one path's part of it, before an AddN sums the
        parts: "∂z/∂a (path 2)"; before Unbroadcast reduces it: "∂z/∂a (broadcast)")."""
        model = cls(TENSOR_VIEW)
        model.source = "static"
        ids = {}
        kinds = {"Placeholder": ("tensor", ("leaf", "placeholder")),
                 "Const": ("tensor", ("const",)),
                 "VariableV2": ("tensor", ("leaf", "param")),
                 "Variable": ("tensor", ("leaf", "param"))}
        used = {id(inp) for node in graph.nodes for inp in node.inputs}
        labels = _static_labels(graph.nodes)
        for node in graph.nodes:
            op = str(node.op)
            kind, classes = kinds.get(op, ("op", ("op",)))
            name = _static_name(node)
            shape = None if node.shape is None else tuple("?" if d is None else d for d in node.shape)
            dtype = None if node.dtype is None else getattr(node.dtype, "name", None) or str(node.dtype)
            if getattr(node, "grad_of", None) is not None:
                classes += ("made-by-backward",)
            if id(node) not in used:
                classes += ("output",)
            value = getattr(node, "const_value", None)
            n = model.add_node(kind, labels[id(node)], name=name, op=op, shape=shape,
                               dtype=dtype, classes=classes, is_leaf=kind != "op",
                               value=value, has_value=value is not None)
            ids[id(node)] = n.id
            for slot, inp in enumerate(node.inputs):
                model.add_edge(ids[id(inp)], n.id, slot, ("data",))
        model.roots = tuple(ids[id(n)] for n in graph.nodes if id(n) not in used)
        return model

    # --- display -----------------------------------------------------------------------------
    def to_dot(self, **kwargs):
        from .render import to_dot
        return to_dot(self, **kwargs)

    def _repr_svg_(self):
        from .render import render_svg
        return render_svg(self.to_dot())

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .render import to_digraph
        return {**to_digraph(self)._repr_mimebundle_(include, exclude), "text/plain": repr(self)}


# ---------------------------------------------------------------------------------------------
# Tensor nodes: what every builder shares
# ---------------------------------------------------------------------------------------------
def tensor_classes(t, is_root=False, retained=None):
    """CSS classes of a tensor: its kind first (leaf / const / nonleaf), then modifiers."""
    leaf = t.grad_fn is None
    rg = bool(t.requires_grad)
    classes = ["leaf" if leaf and rg else "const" if leaf else "nonleaf"]
    if _is_param(t):
        classes.append("param" if rg else "frozen")
    if retained if retained is not None else (not leaf and getattr(t, "retains_grad", False)):
        classes.append("retained")
    if is_root:
        classes.append("output")
    return tuple(classes)


def tensor_fields(t, name, is_root=False, module=None):
    """Node fields describing tensor t (its value and .grad as they are now)."""
    return dict(name=name, op=t.grad_fn.name() if t.grad_fn is not None else None,
                shape=tuple(t.shape), dtype=_dtype_name(t), classes=tensor_classes(t, is_root),
                value=_np(t).copy(), has_value=True, grad=_grad_of(t),
                requires_grad=bool(t.requires_grad), is_leaf=t.grad_fn is None,
                module=module or (naming.module_of(name) if _is_param(t) else None))




class _Builder:
    def __init__(self, model, found, show_saved):
        self.model = model
        self.names = {k: v[0] for k, v in found.items()}
        self.modules = getattr(found, "modules", {})
        self.module_names = getattr(found, "module_names", {})
        self.calls = []  # (start, end, module name) of the module calls noted on the graph's nodes
        self.found_tensors = [t for _, t in found.values()]
        self.param_derived = set()  # node ids: parameters, and ops' outputs computed from them only
        self.by_fn = {}   # id(grad_fn) -> tensor that holds it (from the namespace)
        self.by_output = {}  # (id(grad_fn), output_nr) -> that tensor: a tensor is its node's
        #                      output number output_nr (a custom Function's node has several)
        for name, t in found.values():
            if t.grad_fn is not None:
                self.by_output.setdefault((id(t.grad_fn), _output_nr(t)), t)
        for name, t in found.values():
            if t.grad_fn is not None:
                self.by_fn.setdefault(id(t.grad_fn), t)
        self.show_saved = show_saved
        self.tensor_ids = {}  # id(tensor) -> node id
        self.root_ids = set()
        self.labeler = naming.Labeler(self.names.values())
        self.out_label = {}   # id(grad_fn) -> the label of the tensor it made
        # a leaf's .grad is a tensor of its own (with a graph, after backward(create_graph=True)):
        # named after the leaf, "w.grad"
        self.grad_owner = {}  # id(.grad tensor) -> the leaf's name
        for name, t in found.values():
            if t.grad_fn is None:
                g = _raw_grad(t)
                if g is not None:
                    self.grad_owner.setdefault(id(g), name)

    def label(self, t, result_of=None):
        """t's label: its name ("w.grad" for a leaf's .grad), else (an op's output) its expression
        or op #k, else a leaf's."""
        name = self.names.get(id(t))
        if name:
            return self.labeler.named(name)
        owner = self.grad_owner.get(id(t))
        if owner is not None:
            text = owner + ".grad"
            return self.labeler.take(text) if text not in self.labeler.used else self.labeler.repeated(text)
        if result_of is not None:
            return self.labeler.result(*result_of)
        if t.grad_fn is not None:  # a non-leaf whose inputs we cannot read
            return self.labeler.indexed(short_op(t.grad_fn.name()))
        return self.labeler.unnamed(bool(t.requires_grad), format_array(_np(t)) if t.numel() <= 4
                                    else None)

    def tensor_node(self, t, result_of=None, label=None):
        nid = self.tensor_ids.get(id(t))
        if nid is None:
            name = self.names.get(id(t))
            node = self.model.add_node("tensor", label or self.label(t, result_of),
                                       **tensor_fields(t, name, id(t) in self.root_ids,
                                                       self.modules.get(id(t))))
            roots = built_by(t.grad_fn)
            if roots is not None:  # made by a backward pass under create_graph
                node.classes += ("made-by-backward",)
                node.derivative = self.derivative(t, roots)
            self.model._keep.append(t)
            nid = self.tensor_ids[id(t)] = node.id
            if node.module:
                self.param_derived.add(nid)
        return nid

    def derivative(self, t, roots):
        """'dy/dw' for t = w.grad made by y.backward(create_graph=True) when y and w have names;
        None when that is not known (autograd.grad's results say not what they differentiate)."""
        owner = self.grad_owner.get(id(t))
        if owner is None or len(roots) != 1 or roots[0] is None:
            return None
        y = self.by_fn.get(id(roots[0]))
        y_name = self.names.get(id(y)) if y is not None else None
        return None if y_name is None else d_text(y_name, owner)

    def saved_nodes(self, fn, fn_id):
        for name, arr in _saved(fn).items():
            node = self.model.add_node("saved", name, shape=tuple(arr.shape), dtype=str(arr.dtype),
                                       classes=("saved",), value=arr.copy(), has_value=True)
            self.model.add_edge(node.id, fn_id, 0, ("saved",))

    def index_calls(self, fns):
        """Collect the module calls autograd_core's Module.__call__ noted on the graph's nodes
        (node._module_calls: a weakref to the module and the range of node numbers made while its
        forward ran), for the modules that have names (found in the caller's namespace)."""
        calls = set()
        for fn in fns:
            noted = getattr(fn, "_module_calls", None)
            if noted is None and type(fn).__module__ == "builtins":  # a torch node: see module_calls()
                noted = fn.metadata.get(TORCH_CALLS_KEY)
            for ref, start, end in noted or ():
                module = ref()
                name = self.module_names.get(id(module)) if module is not None else None
                if name is not None:
                    calls.add((start, end, name))
        self.calls = sorted(calls)

    def calls_of(self, fn):
        """((module name, call id), ...), outermost first: the calls whose forward made fn."""
        if not self.calls:
            return ()
        seq = getattr(fn, "_seq", None)
        if seq is None and callable(getattr(fn, "_sequence_nr", None)):
            seq = fn._sequence_nr()
        if type(seq) is not int:
            return ()
        return tuple((name, start) for start, end, name in self.calls if start <= seq < end)

    def modules_from_inputs(self, op_node, input_ids):
        """An op whose input is a parameter (or an op on one only, like t(W)) belongs to its module.

        Returns True when all its inputs are parameter-derived (then so is its output)."""
        derived = [nid for nid in input_ids if nid in self.param_derived]
        if derived:
            op_node.module = self.model.nodes[derived[0]].module
        return bool(input_ids) and len(derived) == len(input_ids)


class _TensorBuilder(_Builder):
    """Tensor view from roots: input tensors -> op -> output tensor, for every grad_fn."""

    def build(self, roots):
        m = self.model
        self.root_ids = {id(r) for r in roots}
        outputs = {}  # (id(grad_fn), output_nr) -> node id of the tensor it produced
        used = {}     # id(grad_fn) -> the output numbers of it the graph uses
        for r in roots:
            if r.grad_fn is not None:
                self.by_fn.setdefault(id(r.grad_fn), r)
                self.by_output[(id(r.grad_fn), _output_nr(r))] = r
                used.setdefault(id(r.grad_fn), set()).add(_output_nr(r))
        fns = [fn for fn in _topo([r.grad_fn for r in roots]) if not _is_acc(fn)]
        self.index_calls(fns)
        for fn in fns:
            for nxt, nr in fn.next_functions:
                if nxt is not None:
                    used.setdefault(id(nxt), set()).add(nr)
        const_tensors = {}  # id(ndarray) -> tensor, for inputs that need no grad
        for t in list(self.found_tensors) + list(roots):
            if isinstance(getattr(t, "_data", None), np.ndarray):  # autograd_core: ops keep t._data
                const_tensors.setdefault(id(t._data), t)
        for fn in fns:
            args = _fn_args(fn)
            inputs = []
            unknown = False  # an input needing no grad that we cannot see (freed by backward)
            overwrites = fn.name().endswith("CopyBackwards")  # (dst.copy_(src): dst's old data is gone)
            for slot, (nxt, nr) in enumerate(fn.next_functions):
                if nxt is None and overwrites and slot == 0:
                    continue  # e.g. a new .grad's memory, before the gradient is copied into it
                if nxt is None and args is not None and slot < len(args) and args[slot] is None:
                    continue  # an optional input not given (a convolution without bias)
                if nxt is None:
                    nid = self.const_node(args, slot, const_tensors, _fn_numbers(fn))
                    unknown = unknown or nid is None
                    if nid is None and getattr(fn, "_freed", False) and not _maybe_absent(fn, slot):
                        # (a constant input backward freed: drawn, without its value)
                        nid = self.model.add_node("tensor", self.labeler.indexed("constant"), classes=("const",),
                                                  is_leaf=True).id
                elif _is_acc(nxt):
                    nid = self.tensor_node(nxt.variable)
                else:
                    nid = outputs[(id(nxt), nr)]
                    self.fill_anonymous(nid, args, slot)
                if nid is not None:
                    inputs.append((slot, nid))
            fname = fn.name()
            op = getattr(fn, "op", None)
            op_name = naming.op_name(op.name) if op is not None else short_op(fname)
            made = built_by(fn) is not None  # (an op a backward pass made: create_graph)
            op_node = m.add_node("op", op_name, op=fname,
                                 classes=("op", "made-by-backward") if made else ("op",))
            op_node.calls = self.calls_of(fn)
            operands = [None] * len(fn.next_functions)
            for slot, nid in inputs:
                operands[slot] = self.labeler.operand(m.nodes[nid].label)
            result_of = (op_name, operands, _fn_params(fn))
            all_params = self.modules_from_inputs(
                op_node, [nid for _, nid in inputs if "number" not in m.nodes[nid].classes]) and not unknown
            for slot, nid in inputs:
                m.add_edge(nid, op_node.id, slot, ("data",))
            if self.show_saved:
                self.saved_nodes(fn, op_node.id)
            for nr in sorted(used.get(id(fn), {0})):  # one node per output (a, b = F.apply(x))
                t = self.by_output.get((id(fn), nr))
                if t is None and nr == 0:
                    t = self.by_fn.get(id(fn))
                    t = t if t is not None and _output_nr(t) == 0 else _retained_tensor(fn)
                if t is not None:
                    out_id = self.tensor_node(t, result_of)
                else:  # a result no variable holds: its value only where fn saved it
                    out = m.add_node("tensor", self.labeler.result(*result_of), op=fname,
                                     classes=("nonleaf", "made-by-backward") if made else ("nonleaf",),
                                     requires_grad=True, is_leaf=False)
                    value = _saved_result(fn) if nr == 0 else None
                    if value is not None:
                        self._set_value(out, value)
                    elif nr == 0:
                        out.shape, out.dtype = _output_metadata(fn)
                    out_id = out.id
                if op_node.calls and not m.nodes[out_id].calls:
                    m.nodes[out_id].calls = op_node.calls
                if op_node.module and not m.nodes[out_id].module:
                    m.nodes[out_id].module = op_node.module
                    if all_params:
                        self.param_derived.add(out_id)
                outputs[(id(fn), nr)] = out_id
                m.add_edge(op_node.id, out_id, nr, ("result",))
        for r in roots:
            self.tensor_node(r)  # a leaf root has no grad_fn to reach it
        m.roots = tuple(self.tensor_ids[id(r)] for r in roots)

    @staticmethod
    def _set_value(node, arr):
        arr = np.asarray(arr)
        node.value, node.has_value = arr.copy(), True
        node.shape, node.dtype = tuple(arr.shape), str(arr.dtype)

    def fill_anonymous(self, nid, args, slot):
        node = self.model.nodes[nid]
        if not node.has_value and args is not None and isinstance(args[slot], np.ndarray):
            self._set_value(node, args[slot])

    def const_node(self, args, slot, const_tensors, numbers=None):
        """An input that needs no grad: a constant tensor (named if we know it) or a number
        (numbers: fn's number operands, which outlive backward's freeing)."""
        if args is None or slot >= len(args):
            if numbers and slot in numbers:
                return self.const_node((numbers[slot],), 0, {})
            return None  # freed by backward, or a torch node: the constant is not recoverable
        arr = args[slot]
        t = const_tensors.get(id(arr))
        if t is not None:
            return self.tensor_node(t)
        a = np.asarray(arr)
        if not isinstance(arr, np.ndarray):  # a Python number, e.g. the 1 of `w + 1`
            node = self.model.add_node("const", self.labeler.value(format_array(a)),
                                       shape=tuple(a.shape), dtype=str(a.dtype),
                                       classes=("const", "number"), value=a.copy(), has_value=True,
                                       is_leaf=True)
        else:  # a tensor that needs no grad and that no variable holds
            text = format_array(a) if a.size <= 4 else None
            node = self.model.add_node("tensor", self.labeler.unnamed(False, text),
                                       shape=tuple(a.shape), dtype=str(a.dtype), classes=("const",),
                                       value=a.copy(), has_value=True, is_leaf=True)
        return node.id


class _FunctionBuilder(_Builder):
    """Function view from roots: next_function -> grad_fn, leaf -> AccumulateGrad, grad_fn -> root."""

    def build(self, roots):
        m = self.model
        self.root_ids = {id(r) for r in roots}
        for r in roots:
            if r.grad_fn is not None:
                self.by_fn[id(r.grad_fn)] = r
        fn_ids = {}
        fns = list(_topo([r.grad_fn for r in roots]))
        self.index_calls(fns)
        for fn in fns:
            if _is_acc(fn):
                leaf = self.tensor_node(fn.variable)
                self.out_label[id(fn)] = m.nodes[leaf].label
                node = m.add_node("accumulate", "AccumulateGrad", name=m.nodes[leaf].label + ".grad",
                                  op=fn.name(), classes=("accumulate",), module=m.nodes[leaf].module)
                if node.module:
                    self.param_derived.add(node.id)
                m.add_edge(leaf, node.id, 0, ("variable",))
                fn_ids[id(fn)] = node.id
                continue
            t = self.by_fn.get(id(fn))
            args = _fn_args(fn)
            numbers = _fn_numbers(fn) if args is None else {}
            operands = []
            for slot, (nxt, _) in enumerate(fn.next_functions):
                if nxt is not None:
                    operands.append(self.labeler.operand(self.out_label.get(id(nxt), "")))
                elif args is not None and slot < len(args) and args[slot] is not None and \
                        not isinstance(args[slot], np.ndarray):
                    operands.append(self.labeler.value(format_array(np.asarray(args[slot]))))
                elif slot in numbers:  # (a number operand, after backward freed the rest)
                    operands.append(self.labeler.value(format_array(np.asarray(numbers[slot]))))
                else:
                    operands.append(None)  # a constant tensor: not in the function view
            op = getattr(fn, "op", None)
            result_of = (op.name if op is not None else short_op(fn.name()), operands,
                         _fn_params(fn))
            label = self.label(t, result_of) if t is not None else self.labeler.result(*result_of)
            self.out_label[id(fn)] = label
            # the node is the grad_fn; its second line names the tensor it made
            made = built_by(fn) is not None  # (a node a backward pass made: create_graph)
            node = m.add_node("function", fn.name(), name=label, op=fn.name(),
                              classes=("function", "made-by-backward") if made else ("function",))
            node.calls = self.calls_of(fn)
            inputs = [fn_ids[id(nxt)] for nxt, _ in fn.next_functions if nxt is not None]
            # an input that needs no grad (data, or a number) leaves no trace: count it as data
            if self.modules_from_inputs(node, inputs) and all(n is not None for n, _ in fn.next_functions):
                self.param_derived.add(node.id)
            for slot, (nxt, _) in enumerate(fn.next_functions):
                if nxt is not None:
                    m.add_edge(fn_ids[id(nxt)], node.id, slot, ("next",))
            if self.show_saved:
                self.saved_nodes(fn, node.id)
            fn_ids[id(fn)] = node.id
        for r in roots:
            nid = self.tensor_node(r, label=self.out_label.get(id(r.grad_fn)))
            if r.grad_fn is not None:
                m.add_edge(fn_ids[id(r.grad_fn)], nid, 0, ("result",))
        m.roots = tuple(self.tensor_ids[id(r)] for r in roots)


# ---------------------------------------------------------------------------------------------
# torch models: the module calls, noted while a block runs
# ---------------------------------------------------------------------------------------------
TORCH_CALLS_KEY = "cgraph_module_calls"


@contextlib.contextmanager
def module_calls():
    """While the block runs, note which torch nn.Module call made each graph node, so that
    draw(..., collapse=1) draws a torch model by module as it draws an autograd_core one
    (autograd_core's Module.__call__ notes its calls always; torch's cannot be told afterwards).

        with widgets.module_calls():
            y = model(x)
        widgets.draw(y, collapse=1)

    Global forward hooks read torch's autograd sequence number before and after each module's
    forward and note (module, first, end) in the metadata of the output's grad_fn."""
    import torch
    from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
    peek = torch._C._autograd._get_sequence_nr
    starts = {}

    def before(module, args):
        starts.setdefault(id(module), []).append(peek())

    def after(module, args, output):
        stack = starts.get(id(module))
        if not stack:
            return
        start, end = stack.pop(), peek()
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        for out in outputs:
            fn = getattr(out, "grad_fn", None) if isinstance(out, torch.Tensor) else None
            if fn is not None:
                fn.metadata.setdefault(TORCH_CALLS_KEY, []).append((weakref.ref(module), start, end))

    handles = (register_module_forward_pre_hook(before), register_module_forward_hook(after))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


# ---------------------------------------------------------------------------------------------
# Simplifying large graphs
# ---------------------------------------------------------------------------------------------
def simplify(model, max_nodes=150, collapse=None, chain_min=4):
    """A readable version of a large model; the model itself when nothing needs to change.

    collapse=None (auto): only when the model has more than max_nodes nodes, first summarise every
    run of more than chain_min same-op nodes in a single chain into one "×N op" node (kind
    "summary"), then, if still too large, collapse every nn module into one node (kind "module").
    collapse=True does both regardless of size, False neither; a collection of module names
    collapses those modules only, each with its submodules ("model.layer1" takes in
    "model.layer1.0.conv1"), and an int k collapses every module at depth k below the model it
    belongs to (its name's first part, the variable that holds it): k=1 the model's children
    ("model.layer1", "model.fc"), k=2 theirs ("model.layer1.0": a ResNet's residual blocks); a
    module less deep collapses whole. A collapsed module also takes in the
    parameter-free ops (relu, add, ...) and tensors that lie between its own nodes -- reached from
    them and leading back to them -- so a block whose shortcut add comes last keeps that add
    outside. Kept nodes and edges keep their ids; a summary or module node
    takes the id of its first member, a merged edge the id of its first member (with .count).
    ``result.members`` maps each new node id to the old ids it stands for; states are remapped.
    """
    if collapse is False:
        return model
    big = len(model.nodes) > max_nodes
    if collapse is None and not big:
        return model
    groups = {}  # old id -> representative old id
    summaries = {}
    if collapse is True or (collapse is None and big):
        summaries = _chains(model, chain_min)
        for rep, (members, _) in summaries.items():
            for nid in members:
                groups[nid] = rep
    modules = set()
    if collapse is True:
        modules = {n.module for n in model.nodes.values() if n.module}
    elif collapse is None:
        if len(model.nodes) - len(groups) + len(summaries) > max_nodes:
            modules = {n.module for n in model.nodes.values() if n.module}
    elif isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"collapse as a depth must be at least 1, not {collapse}")
        names = {n.module for n in model.nodes.values() if n.module}
        names |= {name for n in model.nodes.values() for name, _ in n.calls if "." in name}
        cut = {".".join(name.split(".")[:collapse + 1]) for name in names}
        # a module less deep than that collapses whole only if nothing deeper is drawn inside it
        modules = {m for m in cut if not any(other.startswith(m + ".") for other in cut)}
    elif collapse is not None:
        modules = set(collapse)
    owner = _module_owner(model, modules, exclude=groups)
    module_rep = {}
    for node in model.nodes.values():
        key = owner.get(node.id)
        if key is not None:
            rep = module_rep.setdefault(key, node.id)
            groups[node.id] = rep
    labels = {rep: key[0] for key, rep in module_rep.items()}
    if collapse in (None, True):
        elided = _elide(model, groups, max_nodes)
        if elided:
            rep = next(iter(elided))
            for nid in elided:
                groups[nid] = rep
            summaries.pop(rep, None)
            labels[rep] = f"… {len(elided)} earlier nodes"
    if not groups:
        return model
    return _regroup(model, groups, summaries, labels)


def _module_owner(model, modules, exclude):
    """{node id: (name in `modules`, call id)}: which collapsed node each node goes into.

    An op (and the tensor it made) goes into the outermost module named in `modules` whose
    forward was running when it was made (Node.calls; each call its own node, so a module used
    twice is drawn twice); a node without calls (a parameter, or any node of a graph without
    call notes, e.g. torch's) by its module's name, with or under a name in `modules`, into that
    module's first call. Then, for graphs without call notes, the module-free nodes between a
    module's own nodes go in too. A root stays a node of its own (the output a picture is about)."""
    if not modules:
        return {}
    owner = {}
    roots = set(model.roots)
    for node in model.nodes.values():
        if node.id in exclude or node.id in roots:
            continue
        key = next(((name, call) for name, call in node.calls if name in modules), None)
        if key is None and node.module:
            parts = node.module.split(".")
            prefix = next((p for p in (".".join(parts[:k]) for k in range(1, len(parts) + 1)) if p in modules),
                          None)
            if prefix is not None:
                key = (prefix, None)
        if key is not None:
            owner[node.id] = key
    first_call = {}
    for name, call in owner.values():
        if call is not None and (name not in first_call or call < first_call[name]):
            first_call[name] = call
    for nid, (name, call) in owner.items():
        if call is None and name in first_call:
            owner[nid] = (name, first_call[name])

    succ, pred = {}, {}
    for e in model.edges:
        succ.setdefault(e.src, []).append(e.dst)
        pred.setdefault(e.dst, []).append(e.src)
    free = {nid for nid, n in model.nodes.items()
            if not n.module and not n.calls and nid not in exclude and nid not in roots}

    def reach(starts, step):
        seen, todo = set(), list(starts)
        while todo:
            for nxt in step.get(todo.pop(), ()):
                if nxt in free and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    members = {}
    for nid, key in owner.items():
        members.setdefault(key, []).append(nid)
    for key, ids in members.items():
        for nid in reach(ids, succ) & reach(ids, pred):
            owner.setdefault(nid, key)
    return owner


def _elide(model, groups, max_nodes):
    """Old node ids beyond the max_nodes groups nearest the roots (walking back from them)."""
    reps = {}
    for nid in model.nodes:
        reps.setdefault(groups.get(nid, nid), []).append(nid)
    if len(reps) <= max_nodes:
        return []
    preds = {}
    for e in model.edges:
        a, b = groups.get(e.src, e.src), groups.get(e.dst, e.dst)
        if a != b:
            preds.setdefault(b, []).append(a)
    keep = list(dict.fromkeys(groups.get(r, r) for r in model.roots))[:max_nodes - 1]
    seen = set(keep)
    i = 0
    while i < len(keep) and len(keep) < max_nodes - 1:
        for p in preds.get(keep[i], ()):
            if p not in seen and len(keep) < max_nodes - 1:
                seen.add(p)
                keep.append(p)
        i += 1
    return [nid for rep, ids in reps.items() if rep not in seen for nid in ids]


def _chains(model, chain_min):
    """{first member id: (member ids, op label)} for runs of more than chain_min same-op units."""
    out_edges, in_edges = {}, {}
    for e in model.edges:
        out_edges.setdefault(e.src, []).append(e)
        in_edges.setdefault(e.dst, []).append(e)
    roots = set(model.roots)
    tensor_view = model.view == TENSOR_VIEW
    unit_kind = "op" if tensor_view else "function"
    nxt, prev_count = {}, {}
    for node in model.nodes.values():
        if node.kind != unit_kind:
            continue
        if tensor_view:  # op -> its output tensor -> the one op using it
            res = [e.dst for e in out_edges.get(node.id, ()) if "result" in e.classes]
            if len(res) != 1 or res[0] in roots:
                continue
            uses = out_edges.get(res[0], ())
            follow = [e.dst for e in uses]
        else:
            follow = [e.dst for e in out_edges.get(node.id, ()) if "next" in e.classes]
            if any(e.dst in roots for e in out_edges.get(node.id, ())):
                continue
        if len(follow) == 1 and model.nodes[follow[0]].kind == unit_kind and \
                model.nodes[follow[0]].label == node.label:
            nxt[node.id] = follow[0]
            prev_count[follow[0]] = prev_count.get(follow[0], 0) + 1
    nxt = {a: b for a, b in nxt.items() if prev_count[b] == 1}
    has_prev = set(nxt.values())
    runs = {}
    for start in model.nodes:
        if start not in nxt or start in has_prev:
            continue
        chain = [start]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        if len(chain) <= chain_min:
            continue
        members = []
        for i, op_id in enumerate(chain):
            members.append(op_id)
            if tensor_view and i < len(chain) - 1:  # the intermediate tensors inside the run
                members.extend(e.dst for e in out_edges[op_id] if "result" in e.classes)
        runs[start] = (members, model.nodes[start].label)
    return runs


def _regroup(model, groups, summaries, module_reps):
    new = GraphModel(model.view)
    new.source = model.source
    new._count = model._count
    new._keep = model._keep
    members = {}
    collapsed = set(module_reps.values())
    for node in model.nodes.values():
        rep = groups.get(node.id, node.id)
        members.setdefault(rep, []).append(node.id)
    for rep, ids in members.items():
        first = model.nodes[rep]
        if rep in summaries:
            n = len([i for i in ids if model.nodes[i].kind in ("op", "function")])
            node = Node(rep, "summary", f"×{n} {first.label}", op=first.op, classes=("summary",),
                        count=n)
        elif rep in module_reps:
            label = module_reps[rep]
            node = Node(rep, "module", label, count=len(ids),
                        classes=("module", "elided") if label.startswith("…") else ("module",))
        elif first.module and _inside(first.module, collapsed):
            node = dataclasses.replace(first, module=None)  # (a root left out of its collapsed module)
        else:
            node = dataclasses.replace(first)
        new.nodes[rep] = node
    new.members = {rep: tuple(ids) for rep, ids in members.items()}
    merged = {}
    edge_alias = {}
    for e in model.edges:
        src, dst = groups.get(e.src, e.src), groups.get(e.dst, e.dst)
        if src == dst:
            edge_alias[e.id] = None
            continue
        # parallel edges into a summary / module merge (with a count); elsewhere each edge stays
        key = (src, dst) if (len(members[src]) > 1 or len(members[dst]) > 1) else e.id
        if key in merged:
            merged[key].count += 1
            edge_alias[e.id] = merged[key].id
            continue
        ne = Edge(e.id, src, dst, e.slot, e.classes, e.count)
        merged[key] = ne
        new.edges.append(ne)
        edge_alias[e.id] = e.id
    new.roots = tuple(dict.fromkeys(groups.get(r, r) for r in model.roots))
    grouped = set(groups)
    new.states = _MappedStates(model.states,
                               lambda st: _remap_state(st, groups, edge_alias, grouped)) \
        if len(model.states) else []
    return new


def _inside(module, names):
    """True when module is one of names or a submodule of one."""
    parts = module.split(".")
    return any(".".join(parts[:k]) in names for k in range(1, len(parts) + 1))


def _remap_state(st, groups, edge_alias, grouped):
    def nodes(ids):
        return tuple(dict.fromkeys(groups.get(i, i) for i in ids))

    def edges(ids):
        return tuple(dict.fromkeys(edge_alias.get(i, i) for i in ids if edge_alias.get(i, i)))

    def text(d):
        return {k: v for k, v in d.items() if k not in grouped}
    edge_grads = {}
    for eid, g in st.edge_grads.items():
        new = edge_alias.get(eid, eid)
        if new and new not in edge_grads:
            edge_grads[new] = g
    return dataclasses.replace(
        st, visible=nodes(st.visible), visible_edges=edges(st.visible_edges), active=nodes(st.active),
        active_edges=edges(st.active_edges), done=nodes(st.done), values=text(st.values),
        grads=text(st.grads), flows=text(st.flows), edge_grads=edge_grads, rows=text(st.rows))
