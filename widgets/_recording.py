"""GraphModel.from_recording: an ``autograd_core.record()`` block interpreted once, in one pass.

The pass makes everything a view of the steps needs, so no view reads the recording again:
- the graph (nodes, edges, roots) with one distinct label per tensor (widgets.naming.Labeler);
- model.states: one StepState per step (step 0: before the first event; step k: after event k-1)
  with the visible / active / done nodes and edges, values, grads, flows, the value rows the graph
  shows, the caption, the chain-rule panel's lines and, for a backward step, the Question predict
  mode asks (its fields with the engine's values, and the rows to keep until it is answered);
- model.frames: the same per step as small JSON-able changes (what the browser receives);
- model.passes: the chain-rule terms of every backward pass (widgets.chain_rule);
- model.objects: node id -> the engine's tensor / grad_fn, model.activity: what each op did when.
The values shown are the copies the events carry, so each step shows what was true at that moment.
Work and memory are linear in the number of events (a pre-scan indexes what later steps need).
"""
import collections.abc
import functools
import gc
import re

import numpy as np

import autograd_core

from . import graph_model as gm
from . import naming
from .chain_rule import (BACKWARD_KINDS, Pass, Term, d, derivation, is_scalar, num, partial,
                         shape_text, term_symbol, term_value)

PROGRAM_LINES = 40   # the program listing of step 0 shows this many lines at most
CAPTION_NAMES = 4    # a caption lists this many inputs at most
Line = gm.Line


def _is_acc(fn):
    return fn is not None and fn.name().endswith("AccumulateGrad")


def _key(fn):
    """What a next_functions entry stands for: a leaf (through its AccumulateGrad) or a grad_fn."""
    return id(fn.variable) if _is_acc(fn) else id(fn)


class _Scan:
    """One pass over the events indexing what the interpretation needs to know ahead of time."""

    def __init__(self, events):
        self.consumed = set()      # id(tensor) some op used as an input (not as its own target)
        self.made_inside = set()   # id(tensor) made by a leaf or forward event
        self.first_write = {}      # id(ndarray) -> (first in-place forward writing it, other's value)
        self.first_acc = {}        # id(tensor) -> its first accumulate event
        self.pass_of = {}          # event index -> number of its backward pass
        self.pass_end = set()      # event index of the last event of each backward pass
        self.paths = {}            # (pass, key) -> edges carrying a gradient to key in that pass
        self.asked = set()         # (pass, key) whose whole gradient a later step asks (.grad)
        last_value = {}
        n_pass, prev, pending = -1, None, set()
        for ev in events:
            kind = ev.kind
            if kind in ("leaf", "forward"):
                self.made_inside.add(id(ev.tensor))
                last_value[id(ev.tensor)] = ev.value
            if kind == "forward":
                for x in ev.inputs:
                    if naming.is_tensor(x) and x is not ev.tensor:
                        self.consumed.add(id(x))
                data = getattr(ev.tensor, "_data", None)
                if ev.inputs and ev.inputs[0] is ev.tensor and id(data) not in self.first_write:
                    other = ev.inputs[1] if len(ev.inputs) == 2 else None
                    if naming.is_tensor(other):
                        other = last_value.get(id(other), gm._np(other))
                    self.first_write[id(data)] = (ev, other)
            elif kind == "accumulate":
                self.first_acc.setdefault(id(ev.tensor), ev)
            if kind in BACKWARD_KINDS:
                # a node runs in a pass only after an earlier step of that pass sent it a gradient
                # (or its retain step came first): any other node starts a new pass (its root)
                if prev not in BACKWARD_KINDS or id(ev.node) not in pending:
                    if prev in BACKWARD_KINDS:
                        self.pass_end.add(ev.index - 1)
                    n_pass += 1
                    pending = set()
                self.pass_of[ev.index] = n_pass
                if kind == "retain":
                    pending.add(id(ev.node))
                    self.asked.add((n_pass, id(ev.node)))
                elif kind == "accumulate":
                    self.asked.add((n_pass, id(ev.tensor)))
                elif kind == "backward":
                    grads = ev.grad_inputs or ()
                    for slot, (nxt, _) in enumerate(ev.node.next_functions):
                        if nxt is not None and slot < len(grads) and grads[slot] is not None:
                            pending.add(id(nxt))
                            k = (n_pass, _key(nxt))
                            self.paths[k] = self.paths.get(k, 0) + 1
            elif prev in BACKWARD_KINDS:
                self.pass_end.add(ev.index - 1)
            prev = kind
        if prev in BACKWARD_KINDS:
            self.pass_end.add(len(events) - 1)


class _Interpreter:
    def __init__(self, model, rec, found, show_saved, small=gm.SMALL):
        self.m = model
        self.tensor_view = model.view == gm.TENSOR_VIEW
        self.fmt = functools.partial(gm.format_array, small=small)
        self.events = rec.events
        self.scan = _Scan(rec.events)
        self.names = {k: v[0] for k, v in found.items()}
        self.modules = getattr(found, "modules", {})
        self.labeler = naming.Labeler(self.names.values())
        # `w.grad` and `w.data` are tensors of their own: name them after w, and follow in-place
        # changes of a leaf's .grad (w.grad.zero_()) into that leaf's grad text
        self.grad_owner, self.data_owner = {}, {}
        for _, t in found.values():
            if not isinstance(t, autograd_core.Tensor):
                continue  # (a real torch tensor's ._grad warns when it is not a leaf)
            g = getattr(t, "_grad", None)
            if g is not None:
                self.grad_owner.setdefault(id(g), t)
            data = getattr(t, "_data", None)
            if data is not None:
                self.data_owner.setdefault(id(data), t)
        self.show_saved = show_saved
        # the graph
        self.label_of = {}      # id(tensor) -> the label of its latest version (every view)
        self.node_of = {}       # id(tensor) -> node id of its latest version
        self.versions = {}      # id(tensor) -> how many labels (versions) it has had
        self.expr_of = {}       # id(grad_fn) -> how its op read in its inputs' labels
        self.fn_of = {}         # id(grad_fn) -> op node (tensor view) / function node id
        self.out_of = {}        # id(grad_fn) -> its output quantity's node id
        self.fwd_index = {}     # id(grad_fn) -> index of its forward event (orders terms)
        self.inputs_of = {}     # op / function node id -> [(slot, src id, edge id)]
        self.result_edge = {}   # op node id -> the edge op -> output
        self.acc_of = {}        # id(leaf) -> AccumulateGrad node id (function view)
        self.leaf_of = {}       # AccumulateGrad node id -> its leaf's node id
        self.leaf_edge = {}     # AccumulateGrad node id -> the edge leaf -> it
        self.root_nodes = []    # function view: the root tensors' nodes
        self.program = []
        # the state as it evolves, step by step
        self.k = 0
        self.visible, self.visible_edges = [], []  # append-only: a step keeps how many it saw
        self.values, self.grads, self.flows = gm.History(), gm.History(), gm.History()
        self.rows, self.done = gm.History(), gm.History()
        self.done_changes = []   # [[node id, done?], ...] at this step (for the frame)
        self.dirty = set()       # node ids whose row may change at this step
        self.showing_flows = False
        self.edge_grads = {}
        self.given = None        # the node whose new row a question gives away (what it received)
        self.passing = None      # the current Pass
        self.running = {}        # node id -> gradient summed so far in the current pass
        self.meta = []           # per step: (phase, caption, event, #visible, #edges, active, ...)
        self.prev_counts = (0, 0)

    # --- labels -------------------------------------------------------------------------------------
    def alias(self, t):
        """'w.grad' for the tensor that is w's .grad, 'w.data' for another tensor on w's memory."""
        owner = self.grad_owner.get(id(t))
        if owner is not None and id(owner) in self.names:
            return self.names[id(owner)] + ".grad"
        owner = self.data_owner.get(id(getattr(t, "_data", None)))
        if owner is not None and owner is not t and id(owner) in self.names:
            return self.names[id(owner)] + ".data"
        return None

    def new_label(self, t, result_of=None, value=None):
        """A label for t's next version (t made by result_of = (op, operands, params)): its name
        ("b", then "b v1" after an in-place op), else its expression or op #k, else a leaf's."""
        version = self.versions.get(id(t), 0)
        self.versions[id(t)] = version + 1
        name = self.names.get(id(t)) or self.alias(t)
        if name:
            return self.labeler.named(name) if version == 0 else self.labeler.take(f"{name} v{version}")
        if result_of is not None:
            return self.labeler.result(*result_of)
        if t.grad_fn is not None:  # a non-leaf made before the recording
            return self.labeler.indexed(gm.short_op(t.grad_fn.name()))
        arr = gm._np(t) if value is None else np.asarray(value)
        return self.labeler.unnamed(bool(t.requires_grad), self.fmt(arr) if arr.size <= 4 else None)

    def tlabel(self, t, value=None):
        """The current label of a tensor (labelling one made before the recording on first sight)."""
        label = self.label_of.get(id(t))
        if label is None:
            label = self.label_of[id(t)] = self.new_label(
                t, value=value if value is not None else self.initial_value(t))
        return label

    def operands(self, ev):
        """(the input labels as operands of an expression or None, the labels as written)."""
        ops, raw = [], []
        for x in ev.inputs:
            if naming.is_tensor(x):
                label = self.tlabel(x)
                ops.append(self.labeler.operand(label))
            else:
                label = self.labeler.value(self.fmt(np.asarray(x)))
                ops.append(label)
            raw.append(label)
        return ops, raw

    def expression(self, ev, raw):
        """How the op reads in its inputs' labels, whatever its length: 'a * b', 'sum(h)'; an op
        whose parameters cannot be shown (a sum's dim...) reads 'sum(h, …)'."""
        return (self.labeler.expression(ev.op, raw, _params(ev))[0]
                or f"{naming.op_name(ev.op)}({', '.join(raw + ['…'])})")

    def qlabel(self, nid):
        """The label of the quantity node nid stands for (a function node: the tensor it made)."""
        node = self.m.nodes[nid]
        return node.name if node.kind in ("function", "accumulate") else node.label

    # --- state changes ------------------------------------------------------------------------------
    def set_value(self, nid, text):
        self.values.set(self.k, nid, text)
        self.dirty.add(nid)

    def set_grad(self, nid, text):
        self.grads.set(self.k, nid, text)
        self.dirty.add(nid)

    def set_flow(self, nid, text):
        self.flows.set(self.k, nid, text)
        self.dirty.add(nid)

    def show(self, nid):
        self.visible.append(nid)

    def show_edge(self, edge):
        self.visible_edges.append(edge.id)
        return edge

    def mark_done(self, nid):
        if nid not in self.done:  # (the browser undoes a change by flipping it)
            self.done.set(self.k, nid, True)
            self.done_changes.append([nid, True])

    def row(self, nid):
        """[data text, grad text, css class] of a tensor node as the graph shows it now.

        Leaves show .grad; a non-leaf shows the gradient flowing through it while a backward pass
        runs (class "cg-flow": it is not stored in .grad) and, after the pass, .grad: None unless
        retained (class "cg-freed" when a gradient did pass through it)."""
        node = self.m.nodes[nid]
        if node.kind == "saved":
            return ["data " + self.values.get(nid, "?")]
        data = "data " + self.values.get(nid) if nid in self.values else "data"
        grad = self.grads.get(nid)
        cls = ""
        if grad is None:
            text = "grad"
        elif node.is_leaf:
            text = "grad " + grad
        elif self.showing_flows and nid in self.flows:
            text, cls = "grad " + self.flows.get(nid), "cg-flow"
        else:
            text = "grad " + grad
            if grad == "None" and nid in self.flows:
                cls = "cg-freed"
        return [data, text, cls]

    # --- nodes ----------------------------------------------------------------------------------------
    def tensor(self, t, value=None, new_version=False, label=None):
        """The node of tensor t (a new one for a new version after an in-place op)."""
        key = id(t)
        nid = self.node_of.get(key)
        if nid is not None and not new_version:
            return nid
        if label is None:
            label = self.new_label(t, value=value) if nid is not None else self.tlabel(t, value)
        self.label_of[key] = label
        name = self.names.get(key) or self.alias(t)
        fields = gm.tensor_fields(t, name, module=self.modules.get(key))
        node = self.m.add_node("tensor", label, **fields)
        if value is not None:
            node.value, node.has_value = np.array(value, copy=True), True
        self.m._keep.append(t)
        self.m.objects[node.id] = t
        self.node_of[key] = node.id
        if value is None:  # made before the recording: its value when the recording began
            before = self.initial_value(t)
            self.set_value(node.id, "?" if before is None else self.fmt(before))
        else:
            self.set_value(node.id, self.fmt(node.value))
        self.set_grad(node.id, self.initial_grad(t))
        self.show(node.id)
        return node.id

    def initial_value(self, t):
        """t's data before the recording's first in-place write into its memory (w.data.sub_(...)).

        Events copy values only after each op, so the value before is known when nothing wrote
        into t (its data now), or when the first write was an add/sub of a known value (undone
        here); otherwise None ("?")."""
        data = gm._np(t)
        first = self.scan.first_write.get(id(getattr(t, "_data", None)))
        if first is None:
            return data
        ev, other = first
        if ev.op not in ("add", "sub") or len(ev.inputs) != 2:
            return None
        return ev.value - other if ev.op == "add" else ev.value + other

    def initial_grad(self, t):
        """.grad text before the recording's first accumulation into t."""
        if t.grad_fn is not None:
            return "None"
        first = self.scan.first_acc.get(id(t))
        if first is None:
            return self.fmt(gm._grad_of(t))
        if getattr(first, "prev", False) is not False:  # the engine records the grad before
            return self.fmt(first.prev)
        before = first.total - first.grad
        # None and zeros both give 0 here; a leaf made inside the recording had None
        return "None" if id(t) in self.scan.made_inside or not np.any(before) else self.fmt(before)

    def const(self, x):
        a = np.asarray(x)
        text = self.fmt(a)
        node = self.m.add_node("const", self.labeler.value(text), shape=tuple(a.shape),
                               dtype=str(a.dtype), classes=("const", "number"), value=a,
                               has_value=True, is_leaf=True)
        self.set_value(node.id, text)
        self.show(node.id)
        return node.id

    def saved(self, fn, fn_id):
        for name, arr in gm._saved(fn).items():
            node = self.m.add_node("saved", name, shape=tuple(arr.shape), dtype=str(arr.dtype),
                                   classes=("saved",), value=arr.copy(), has_value=True)
            self.set_value(node.id, self.fmt(arr))
            self.show(node.id)
            self.show_edge(self.m.add_edge(node.id, fn_id, 0, ("saved",)))

    def accumulate_node(self, acc):
        leaf_t = acc.variable
        if id(leaf_t) in self.acc_of:
            return self.acc_of[id(leaf_t)]
        leaf = self.tensor(leaf_t)
        node = self.m.add_node("accumulate", "AccumulateGrad", name=self.m.nodes[leaf].label + ".grad",
                               op=acc.name(), classes=("accumulate",))
        self.m.objects[node.id] = acc
        self.show(node.id)
        self.leaf_edge[node.id] = self.show_edge(self.m.add_edge(leaf, node.id, 0, ("variable",))).id
        self.acc_of[id(leaf_t)] = node.id
        self.leaf_of[node.id] = leaf
        return node.id

    def root_node(self, t, fid, value, label):
        """Function view: the tensor a root function made, drawn after it from this step on."""
        name = self.names.get(id(t))
        node = self.m.add_node("tensor", label, **gm.tensor_fields(t, name, True))
        node.value, node.has_value = np.array(value, copy=True), True
        self.m.objects[node.id] = t
        self.show(node.id)
        self.show_edge(self.m.add_edge(fid, node.id, 0, ("result",)))
        self.set_value(node.id, self.fmt(value))
        self.set_grad(node.id, "None")
        self.root_nodes.append(node.id)
        return node.id

    # --- forward events -------------------------------------------------------------------------------
    def leaf(self, ev):
        t = ev.tensor
        value = self.fmt(ev.value)
        rg = bool(getattr(t, "requires_grad", False))
        active = []
        if self.tensor_view or rg:  # the function view shows leaves that can get a gradient
            active = [self.tensor(t, ev.value, new_version=id(t) in self.node_of)]
        label = self.tlabel(t)
        made = f"tensor({_literal(value, ev.value)}{', requires_grad=True' if rg else ''})"
        what = "requires grad" if rg else "needs no grad"
        if label == value:  # an unnamed constant, labelled by its value
            self.program.append(made)
            return dict(active=active, caption=f"leaf: a constant tensor {value}",
                        lines=[Line(f"{made}: a new leaf tensor ({what})", "head")])
        self.program.append(f"{label} = {made}")
        return dict(active=active, caption=f"leaf {label} = {value}",
                    lines=[Line(f"{label} = {value}: a new leaf tensor ({what})", "head")])

    def forward(self, ev):
        owner = self.grad_owner.get(id(ev.tensor))
        if owner is not None and id(owner) in self.node_of:  # an in-place change of owner.grad
            self.set_grad(self.node_of[id(owner)], self.fmt(ev.value))
        owner = self.data_owner.get(id(getattr(ev.tensor, "_data", None)))
        if owner is not None and owner is not ev.tensor and id(owner) in self.node_of:
            self.set_value(self.node_of[id(owner)], self.fmt(ev.value))  # w.data.sub_(...)
        t = ev.tensor
        ins = []
        if self.tensor_view:  # the inputs' nodes first: an in-place op's target gets its old one
            ins = [(slot, self.tensor(x) if naming.is_tensor(x) else self.const(x))
                   for slot, x in enumerate(ev.inputs)]
        operands, raw = self.operands(ev)
        label = self.label_of[id(t)] = self.new_label(t, (ev.op, operands, _params(ev)))
        expr = self.expression(ev, raw)
        if ev.node is not None:
            self.expr_of[id(ev.node)] = expr
        value = self.fmt(ev.value)
        self.program.append(expr if expr == label else f"{label} = {expr}")
        if ev.node is not None:
            self.fwd_index[id(ev.node)] = ev.index
            self.m._keep.append(ev.node)
        step = self.forward_tensor(ev, ins, label) if self.tensor_view else self.forward_function(ev, label)
        head = f"{label} = {value}" if expr == label else f"{label} = {expr} = {value}"
        if ev.node is None:
            note = "no input requires grad: nothing is recorded for backward"
        else:
            note = f"records {ev.node.name()} for the backward pass; {self.saves(ev, label)}"
        step["lines"] = [Line(head, "head"), Line(note, "note")]
        if self.tensor_view or ev.node is None:
            step["caption"] = f"forward: {head}" + ("" if ev.node is not None else " (needs no grad)")
        else:
            step["caption"] = f"forward: {head}, recorded as {ev.node.name()}"
        return step

    def forward_tensor(self, ev, ins, label):
        m = self.m
        fname = ev.node.name() if ev.node is not None else None
        op = m.add_node("op", naming.op_name(ev.op), op=fname,
                        classes=("op",) if ev.node is not None else ("op", "nograd"))
        self.show(op.id)
        edges = [self.show_edge(m.add_edge(src, op.id, slot, ("data",))) for slot, src in ins]
        self.inputs_of[op.id] = [(slot, src, e.id) for (slot, src), e in zip(ins, edges)]
        out = self.tensor(ev.tensor, ev.value, new_version=id(ev.tensor) in self.node_of, label=label)
        res = self.show_edge(m.add_edge(op.id, out, 0, ("result",)))
        self.result_edge[op.id] = res.id
        if ev.node is not None:
            m.objects[op.id] = ev.node
            self.fn_of[id(ev.node)] = op.id
            self.out_of[id(ev.node)] = out
            if self.show_saved:
                self.saved(ev.node, op.id)
        return dict(active=[op.id, out], active_edges=[e.id for e in edges] + [res.id])

    def forward_function(self, ev, label):
        m = self.m
        if ev.node is None:
            return dict(active=[])
        ins = []
        for slot, (nxt, _) in enumerate(ev.node.next_functions):
            if nxt is None:
                continue
            src = self.accumulate_node(nxt) if _is_acc(nxt) else self.fn_of.get(id(nxt))
            if src is not None:  # (None: built before the recording started)
                ins.append((slot, src))
        node = m.add_node("function", ev.node.name(), name=label, op=ev.node.name(),
                          classes=("function",))
        m.objects[node.id] = ev.node
        self.show(node.id)
        edges = [self.show_edge(m.add_edge(src, node.id, slot, ("next",))).id for slot, src in ins]
        self.inputs_of[node.id] = [(slot, src, eid) for (slot, src), eid in zip(ins, edges)]
        self.fn_of[id(ev.node)] = self.out_of[id(ev.node)] = node.id
        active = [node.id]
        if id(ev.tensor) not in self.scan.consumed:
            active.append(self.root_node(ev.tensor, node.id, ev.value, label))
        if self.show_saved:
            self.saved(ev.node, node.id)
        return dict(active=active, active_edges=edges)

    def saves(self, ev, out):
        """'it saves a, b' from the op table's `saves` (self / other / result) of ev's node."""
        saves = getattr(getattr(ev.node, "op", None), "saves", None)
        if saves is None:
            return "see its saved tensors in the inspector"
        if not saves:
            return "it saves nothing (its local derivatives need no values)"
        args = getattr(ev.node.op, "arg_names", ())
        names = []
        for s in saves:
            if s == "result":
                names.append(out)
            elif s in args and args.index(s) < len(ev.inputs):
                x = ev.inputs[args.index(s)]
                names.append(self.tlabel(x) if naming.is_tensor(x) else self.fmt(np.asarray(x)))
            else:
                names.append(s)
        return "it saves " + ", ".join(names)

    # --- backward events ------------------------------------------------------------------------------
    def enter_pass(self, ev, root_id, root_label):
        """The Pass of ev, starting a new one (gradients flow afresh) at its first event."""
        n = self.scan.pass_of[ev.index]
        if self.passing is None or n != len(self.m.passes) - 1:
            for nid in list(self.flows.keys()):
                self.flows.delete(self.k, nid)
                self.dirty.add(nid)
            for nid in list(self.done.keys()):
                self.done.delete(self.k, nid)
                self.done_changes.append([nid, False])
            self.running = {}
            self.passing = Pass(root_label, root_id, [], {}, {})
            self.m.passes.append(self.passing)
            if self.program and root_label:
                self.program.append(f"{root_label}.backward()")
        self.passing.steps.append(self.k)
        return self.passing

    def backward(self, ev):
        fid = self.fn_of.get(id(ev.node))
        out = self.out_of.get(id(ev.node))
        p = self.enter_pass(ev, out, self.qlabel(out) if out is not None else ev.node.name())
        fn = ev.node.name()
        if fid is None:
            caption = f"backward: {fn} (built before the recording started)"
            return dict(active=[], caption=caption, lines=[Line(caption, "note")])
        root, o_label = p.root, self.qlabel(out)
        g_out = np.asarray(ev.grad_output)
        received = num(g_out) if is_scalar(g_out) else f"{self.fmt(g_out)} (shape {shape_text(g_out)})"
        active, edges = [fid], []
        if self.tensor_view:
            self.set_flow(out, self.fmt(g_out))
            self.given = out
            active.append(out)
            edges.append(self.result_edge[fid])
            self.edge_grads[self.result_edge[fid]] = self.fmt(g_out)
        lines = [Line(f"{fn} receives {d(root, o_label)} = {received}", "head")]
        fields, passed, targets = [], [], []
        grads = ev.grad_inputs or ()
        n_pass = self.scan.pass_of[ev.index]
        for slot, src, eid in self.inputs_of.get(fid, ()):
            g = grads[slot] if slot < len(grads) else None
            if g is None:
                continue
            nxt = ev.node.next_functions[slot][0]
            q = self.leaf_of.get(src, src)
            t_label = self.qlabel(q)
            n = self.scan.paths.get((n_pass, _key(nxt)), 1)
            local = ev.local_grads[slot] if ev.local_grads is not None else None
            term = Term(self.k, slot, o_label, out, g_out, None if local is None else np.asarray(local),
                        np.asarray(g), self.fwd_index.get(id(ev.node), ev.index))
            p.terms.setdefault(q, []).append(term)
            p.labels[q] = t_label
            i = len(p.terms[q])
            running = self.running[q] = np.asarray(g) if i == 1 else self.running[q] + g
            edges.append(eid)
            self.edge_grads[eid] = self.fmt(g)
            if self.tensor_view:
                self.set_flow(q, self.fmt(running))
            lines.append(Line(self.edge_text(root, term, t_label, i, n, running), "edge"))
            # the sum of the paths is shown here unless a later step asks for it (as a .grad)
            if n > 1 and i == n and (n_pass, _key(nxt)) not in self.scan.asked:
                lines.append(Line("so " + derivation(p, q), "total"))
            fields.append(self.share_field(root, term, t_label, q, i, n))
            passed.append(f"to {t_label}: {self.fmt(g)}")
            targets.append(t_label)
        if not fields:
            lines.append(Line("no input needs a gradient", "note"))
        elif not is_scalar(g_out, *[f.expected for f in fields]):
            lines.append(Line(f"vjp(v, J) = vᵀJ: the gradient received (v) times the Jacobian J of "
                              f"{o_label} with respect to the input, computed without building J",
                              "note"))
        self.m.activity.setdefault(fid, []).append(
            gm.Activity(self.k, f"{d(root, o_label)} = {self.fmt(g_out)}", tuple(passed)))
        self.mark_done(fid)
        names = ", ".join(dict.fromkeys(targets[:CAPTION_NAMES])) + (", …" if len(targets) > CAPTION_NAMES else "")
        caption = (f"backward: {fn} gets {d(root, o_label)} = {received}"
                   + (f" and passes gradients to {names}" if targets else ""))
        question = None
        if fields:
            fields = _distinct(fields)
            expr = self.expr_of.get(id(ev.node))
            made = f"  (forward: {o_label} = {expr})" if expr and expr != o_label else ""
            question = dict(caption=caption, prompt=[
                Line(f"{fn} receives {d(root, o_label)} = {received}{made}", "head"),
                Line("Predict what it passes on:", "prompt")], fields=fields)
        return dict(active=active, active_edges=edges, caption=caption, lines=lines,
                    question=question)

    def edge_text(self, root, term, t, i, n, running):
        """One edge's chain rule: 'dy/da = dy/dy · ∂y/∂a = 1·2 = 2' (or one path's share of it)."""
        g = term.share
        if is_scalar(term.upstream, g) and (term.local is None or is_scalar(term.local)):
            value = f"{term_value(term)} = {num(g)}" if term.local is not None else num(g)
            rhs = f"{term_symbol(root, term, t)} = {value}"
        else:
            rhs = (f"vjp({d(root, term.out)}, {partial(term.out, t)}): {shape_text(term.upstream)} → "
                   f"{shape_text(g)} = {self.fmt(g)}")
        if n == 1:
            return f"{d(root, t)} = {rhs}"
        where = f"path {i} of {n} into {d(root, t)}"
        if i < n:
            where += f"; sum so far {self.fmt(running)}"
        return f"{rhs}   ({where})"

    def share_field(self, root, term, t, q, i, n):
        """The Field for what one edge passes: the whole d<root>/d<t> when it is t's only path."""
        if n == 1:
            return gm.Field(d(root, t), f"{d(root, t)}: the gradient of {root} with respect to {t}",
                            term.share, "grad", q, term.via, term.slot)
        share = f"{d(root, term.out)} · {partial(term.out, t)}"
        return gm.Field(share, f"the part of {d(root, t)} that flows through {term.out} "
                               f"(path {i} of {n}: {d(root, t)} is the sum of all {n})",
                        term.share, "share", q, term.via, term.slot)

    def accumulate(self, ev):
        leaf = self.tensor(ev.tensor)
        label = self.m.nodes[leaf].label
        p = self.enter_pass(ev, leaf, label)
        root = p.root
        before = self.grads.get(leaf, "None")
        total = self.fmt(ev.total)
        self.set_grad(leaf, total)
        active, edges = [leaf], []
        acc = self.acc_of.get(id(ev.tensor)) if not self.tensor_view else None
        if acc is not None:
            active.insert(0, acc)
            edges.append(self.leaf_edge[acc])
            self.mark_done(acc)
            self.m.activity.setdefault(acc, []).append(
                gm.Activity(self.k, f"{d(root, label)} = {self.fmt(ev.grad)}", (f".grad = {total}",)))
        self.mark_done(leaf)
        grad = self.fmt(ev.grad)
        lines = [Line(f"{label}.grad += {d(root, label)} = {grad}  →  {label}.grad = {total}", "head")]
        if leaf in p.terms:
            lines.append(Line(derivation(p, leaf), "total"))
        words = (f"the new {label}.grad: it is None now, so it becomes {d(root, label)}"
                 if before == "None" else f"the new {label}.grad: {before} + {d(root, label)}")
        question = dict(
            caption=f"accumulate: AccumulateGrad adds {d(root, label)} into {label}.grad",
            prompt=[Line(f"AccumulateGrad adds {d(root, label)} into {label}.grad, which is "
                         f"{before} now.", "head"),
                    Line(f"Predict the new {label}.grad:", "prompt")],
            fields=[gm.Field(f"{label}.grad", words, np.asarray(ev.total), "leaf_grad", leaf)])
        return dict(active=active, active_edges=edges, lines=lines, question=question,
                    caption=f"accumulate: {label}.grad += {grad} → {total}")

    def retain(self, ev):
        t = ev.tensor
        nid = self.node_of.get(id(t)) if self.tensor_view else self.fn_of.get(id(ev.node))
        label = self.tlabel(t)
        p = self.enter_pass(ev, nid, label)
        grad = self.fmt(ev.grad)
        active = [nid] if nid is not None else []
        if nid is not None and self.tensor_view:
            self.set_grad(nid, grad)
        lines = [Line(f"{label}.retain_grad() was called: {label}.grad = {d(p.root, label)} = {grad}",
                      "head")]
        if nid in p.terms:
            lines.append(Line(derivation(p, nid), "total"))
        question = None
        if nid is not None:
            question = dict(
                caption=f"retain_grad: {label} keeps {d(p.root, label)} in {label}.grad",
                prompt=[Line(f"{label}.retain_grad() was called: {label} keeps its gradient "
                             f"{d(p.root, label)} in {label}.grad.", "head"),
                        Line(f"Predict {label}.grad:", "prompt")],
                fields=[gm.Field(f"{label}.grad", f"{label}.grad: {d(p.root, label)}",
                                 np.asarray(ev.grad), "retained", nid)])
        return dict(active=active, caption=f"retain_grad: {label}.grad = {grad}", lines=lines,
                    question=question)

    # --- steps ----------------------------------------------------------------------------------------
    def close_step(self, phase, event, step):
        """Record step self.k: its StepState parts and its frame (what changed, for the browser)."""
        k = self.k
        active = tuple(dict.fromkeys(n for n in step.get("active", ()) if n is not None))
        active_edges = tuple(step.get("active_edges", ()))
        changed = {}
        for nid in sorted(self.dirty, key=_node_order):
            if self.m.nodes[nid].kind not in ("tensor", "saved"):
                continue
            new, old = self.row(nid), self.rows.get(nid)
            if new != old:
                changed[nid] = (old, new)
                self.rows.set(k, nid, new)
        self.dirty = set()
        question = None
        q = step.get("question")
        if q is not None:
            keep = {nid: old for nid, (old, _) in changed.items() if old is not None and nid != self.given}
            question = gm.Question(q["caption"], tuple(q["prompt"]), tuple(q["fields"]), keep)
        self.given = None
        lines = tuple(step.get("lines", ()))
        edge_grads, self.edge_grads = self.edge_grads, {}
        nv, ne = len(self.visible), len(self.visible_edges)
        self.meta.append((phase, step.get("caption", ""), event, nv, ne, active, active_edges,
                          edge_grads, lines, question))
        pv, pe = self.prev_counts
        self.prev_counts = nv, ne
        group = "backward" if phase in BACKWARD_KINDS else "forward" if phase in ("leaf", "forward") \
            else "initial"
        frame = {"phase": group, "caption": step.get("caption", ""),
                 "phase_label": {"backward": "◀ backward", "forward": "forward ▶"}.get(group, "start"),
                 "title": {"backward": "chain rule", "forward": "forward pass"}.get(group, "the program"),
                 "active": list(active), "active_edges": list(active_edges),
                 "show": self.visible[pv:nv], "show_edges": self.visible_edges[pe:ne],
                 "done": self.done_changes,
                 "texts": {nid: new for nid, (_, new) in changed.items()},
                 "lines": [[line.text, line.role] for line in lines]}
        if question is not None:
            frame["ask"] = {"prompt": [[line.text, line.role] for line in question.prompt],
                            "fields": [{"label": f.label, "words": f.words} for f in question.fields],
                            "keep": question.keep_rows}
            if question.caption != frame["caption"]:
                frame["ask"]["caption"] = question.caption
        self.m.frames.append(frame)
        self.done_changes = []
        self.k += 1

    def build(self):
        m = self.m
        if self.tensor_view:  # tensors made before the recording are there from step 0
            for ev in self.events:
                if ev.kind == "forward":
                    for x in ev.inputs:
                        if naming.is_tensor(x) and id(x) not in self.scan.made_inside:
                            self.tensor(x)
        self.close_step("initial", None, {"caption": ""})
        handlers = {"leaf": self.leaf, "forward": self.forward, "backward": self.backward,
                    "accumulate": self.accumulate, "retain": self.retain}
        for ev in self.events:
            in_pass = ev.kind in BACKWARD_KINDS
            step = handlers[ev.kind](ev)
            if in_pass != self.showing_flows or ev.index in self.scan.pass_end:
                self.dirty.update(self.flows.keys())
            self.showing_flows = in_pass and ev.index not in self.scan.pass_end
            self.close_step(ev.kind, ev.index, step)
        self.finish_step_zero()
        m.states = _States(self)
        m.program = tuple(self.program)
        if self.tensor_view:
            roots = [nid for t_id, nid in self.node_of.items()
                     if t_id not in self.scan.consumed and not m.nodes[nid].is_leaf]
            for nid in roots:
                if "output" not in m.nodes[nid].classes:
                    m.nodes[nid].classes += ("output",)
            m.roots = tuple(sorted(roots, key=_node_order))
        else:
            m.roots = tuple(self.root_nodes)

    def finish_step_zero(self):
        """Step 0 shows the program it is about to run (and the tensors made before it)."""
        n = len(self.events)
        listing = self.program[:PROGRAM_LINES]
        if len(self.program) > PROGRAM_LINES:
            listing.append(f"… and {len(self.program) - PROGRAM_LINES} more")
        caption = (f"Before the first of {n} events. Next (→) runs the program one event at a "
                   "time; play runs it on its own.")
        empty = not self.meta[0][3]
        if empty:  # nothing to see yet: the program fills the graph's place, the panel says how
            lines = (Line("Nothing has run yet: the program is on the left.", "head"),
                     Line("Each step runs one event of it: a new leaf, one op of the forward pass, "
                          "or one node of the backward pass.", "note"))
        else:
            lines = (Line("The recorded program:", "note"),) + tuple(Line(x, "code") for x in listing)
        self.meta[0] = ("initial", caption, None) + self.meta[0][3:8] + (lines, None)
        frame = self.m.frames[0]
        frame["caption"] = caption
        frame["lines"] = [[line.text, line.role] for line in lines]
        if empty:
            frame["program"] = listing


def _params(ev):
    """The op's parameters (a pow's exponent, a sum's dims) from its grad_fn; an op recorded
    without one (it needed no grad) keeps them to itself: naming.UNKNOWN."""
    return getattr(ev.node, "_params", None) if ev.node is not None else naming.UNKNOWN


def _literal(text, value):
    """A value as a tensor literal: floats keep their point ("2." for 2.0)."""
    a = np.asarray(value)
    if a.size > gm.SMALL:
        return f"<shape {tuple(a.shape)}>"
    if a.dtype.kind != "f":
        return text
    return re.sub(r"(?<![\w.+-])(-?\d+)(?![\w.])", r"\1.", text)


def _distinct(fields):
    """Fields with distinct labels: `a + a` asks for two shares of dy/da, told apart by input."""
    labels = [f.label for f in fields]
    if len(set(labels)) == len(labels):
        return fields
    return [gm.Field(f"{f.label} (input {f.slot + 1})", f"{f.words}, through input {f.slot + 1}",
                     f.expected, f.kind, f.target, f.via, f.slot)
            if labels.count(f.label) > 1 else f for f in fields]


def _node_order(nid):
    return int(nid[1:])


class _States(collections.abc.Sequence):
    """model.states of a recording: each StepState made on demand from the recorded changes."""

    def __init__(self, it):
        self._meta, self._visible, self._visible_edges = it.meta, it.visible, it.visible_edges
        self._values, self._grads, self._flows = it.values, it.grads, it.flows
        self._rows, self._done = it.rows, it.done
        self._position = None

    def __len__(self):
        return len(self._meta)

    def phases(self):
        """[(phase, question)] of every step, without making whole states."""
        return [(m[0], m[9]) for m in self._meta]

    def node_at(self, nid, k):
        """What node nid shows after step k: {"visible", and "value" / "grad" / "flow" texts}."""
        if self._position is None:
            self._position = {n: i for i, n in enumerate(self._visible)}
        out = {"visible": self._position.get(nid, len(self._visible)) < self._meta[k][3]}
        for key, history in (("value", self._values), ("grad", self._grads), ("flow", self._flows)):
            text = history.value_at(nid, k)
            if text is not None:
                out[key] = text
        return out

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        n = len(self._meta)
        if not -n <= k < n:
            raise IndexError(f"step {k} out of range: the recording has {n} steps")
        k %= n
        phase, caption, event, nv, ne, active, active_edges, edge_grads, lines, question = self._meta[k]
        return gm.StepState(k, phase, caption, event, tuple(self._visible[:nv]),
                            tuple(self._visible_edges[:ne]), active, active_edges,
                            tuple(self._done.at(k)), self._values.at(k), self._grads.at(k),
                            self._flows.at(k), dict(edge_grads), lines, question, self._rows.at(k))


def build_from_recording(model, rec, found, show_saved, small=gm.SMALL):
    if not hasattr(rec, "events"):
        raise TypeError(f"expected an autograd_core Recording, not {type(rec).__name__}")
    # the build makes many small objects and no garbage cycles: the cyclic collector, which would
    # rescan the growing model (and the recording) again and again, waits until it is done
    paused = gc.isenabled()
    gc.disable()
    try:
        _Interpreter(model, rec, found, show_saved, small).build()
    finally:
        if paused:
            gc.enable()
