"""record(): what the engine did, in order, for the widgets to draw and step through.

Every op (apply, in-place writes) and every backward step adds an Event to the active Recording,
when there is one (STATE.recorder: the one check per op when nothing records). A call of
torch.autograd.grad also notes what it was asked (Recording.grad_calls): its backward events alone do
not say which inputs the gradients are of.
"""
import sys

from ._graph import STATE
from ._tensor import Tensor
from .nn.modules import Module


class Event:
    """One step of a recording. Fields not used by a kind are None.

    kind        "leaf" | "forward" | "backward" | "retain" | "accumulate"
    index       position in Recording.events
    leaf:       tensor (made by a factory inside the block), value (copy of its data)
    forward:    op (public name, e.g. "mul"), tensor (the output), node (its grad_fn or None),
                inputs (tuple of the op's tensor/number arguments), value (copy of output data),
                backward_of (None for the program's own ops; for an op made during a backward --
                by a hook, or under create_graph by a derivative formula or the engine -- the
                node being processed: the gradient's own graph is built of these)
    backward:   node, grad_output (ndarray: dL/d(node's output), after tensor hooks),
                grad_inputs (tuple aligned with node.next_functions: ndarray or None, what the node
                passed on), local_grads (same alignment: the node's backward applied to ones,
                i.e. d sum(output)/d input -- the local derivative for elementwise scalar ops),
                grad_tensors (under create_graph: the Tensors passed on, aligned as grad_inputs,
                each with its own grad_fn; else None)
    retain:     node, tensor (the non-leaf that called retain_grad()), grad (ndarray stored)
    accumulate: node (AccumulateGrad), tensor (the leaf), grad (ndarray received, after hooks),
                prev (copy of leaf.grad before: None when it was None), total (copy after)
    """

    __slots__ = ("kind", "index", "op", "tensor", "node", "inputs", "value", "grad_output",
                 "grad_inputs", "local_grads", "grad", "total", "prev", "grad_tensors", "backward_of")

    def __init__(self, kind, **fields):
        self.kind = kind
        for name in Event.__slots__[1:]:
            setattr(self, name, fields.get(name))

    def __repr__(self):
        what = self.op or (self.node.name() if self.node is not None else "")
        return f"<Event {self.index} {self.kind} {what}>"


class GradCall:
    """One torch.autograd.grad call inside the recording: ``start`` (the index its first event would
    take: its backward pass begins there or later), ``inputs`` (the tensors it differentiates with
    respect to; ``given``: the type they came in, a Tensor, tuple or list), ``create_graph``, and ``results`` (the tuple it returned; None if it raised)."""

    __slots__ = ("start", "inputs", "given", "create_graph", "results")

    def __init__(self, start, inputs, create_graph, given=tuple):
        self.start, self.inputs, self.given = start, tuple(inputs), given
        self.create_graph, self.results = bool(create_graph), None

    def __repr__(self):
        return f"<GradCall at {self.start} of {len(self.inputs)} inputs>"


class Recording:
    """What happened inside ``with autograd_core.record() as rec:``: ``rec.events`` in order, and
    ``rec.names``: {variable name: tensor or module} of the block's variables that held a tensor it
    recorded (or a module owning one) when the block ended, so later cells rebinding them change
    nothing about how the recording is drawn."""

    def __init__(self):
        self.events = []
        self.names = {}
        self.grad_calls = []  # GradCall: each torch.autograd.grad call, in order
        self._backward_of = None  # the node a running backward is at (set by the engine)

    def _add(self, kind, **fields):
        if kind == "forward":
            fields["backward_of"] = self._backward_of
        ev = Event(kind, index=len(self.events), **fields)
        self.events.append(ev)
        return ev

    def _grad_call(self, inputs, create_graph, given=tuple):
        call = GradCall(len(self.events), inputs, create_graph, given)
        self.grad_calls.append(call)
        return call

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def __getitem__(self, i):
        return self.events[i]

    def __repr__(self):
        kinds = {}
        for e in self.events:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        return f"Recording({', '.join(f'{k}={v}' for k, v in kinds.items()) or 'empty'})"

    def __enter__(self):
        self._prev = STATE.recorder
        STATE.recorder = self
        return self

    def __exit__(self, *exc):
        STATE.recorder = self._prev
        self.names = _names_of(self.events, sys._getframe(1), self.grad_calls)
        return False


def _names_of(events, frame, grad_calls=()):
    """{name: tensor or module} of frame's variables (locals, then globals) that hold a tensor some
    event reads or makes, or a module with such a parameter; modules first, as a parameter is
    known by its module's path before any loop variable that still holds it."""
    seen = set()
    for ev in events:
        seen.add(id(ev.tensor))
        for x in ev.inputs or ():
            seen.add(id(x))
    for call in grad_calls:  # (autograd.grad's inputs and results: its call names them)
        seen.update(id(x) for x in call.inputs + (call.results or ()) if x is not None)
    spaces = [frame.f_locals] if frame.f_globals is frame.f_locals else [frame.f_locals, frame.f_globals]
    modules, tensors = {}, {}
    for space in spaces:
        for name, obj in list(space.items()):
            if not isinstance(name, str) or name.startswith("_") or name in modules or name in tensors:
                continue
            if isinstance(obj, Tensor):
                if id(obj) in seen:
                    tensors[name] = obj
            elif isinstance(obj, Module) and any(id(p) in seen for p in obj.parameters()):
                modules[name] = obj
    return {**modules, **tensors}


def record():
    """Context manager recording, in order, every forward op and every backward step.

    >>> with record() as rec:
    ...     y = (w * x).sum(); y.backward()
    >>> [e.kind for e in rec.events]            # see Event for the fields of each kind
    """
    return Recording()


