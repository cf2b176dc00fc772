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
import dataclasses
import functools
import gc
import re

import numpy as np

import autograd_core
from autograd_core._engine import unbroadcast

from . import graph_model as gm
from . import naming
from .chain_rule import (BACKWARD_KINDS, Pass, Term, d, derivation, factor, is_scalar, num, partial,
                         shape_text, term_symbol, term_value)

PROGRAM_LINES = 40   # the program listing of step 0 shows this many lines at most
ORDINALS = ("first", "second", "third", "fourth", "fifth")
BLANK_ROWS = {"tensor": ["data", "grad", ""], "saved": ["data"], "const": ["data", "grad", ""]}
CAPTION_NAMES = 4    # a caption lists this many inputs at most
ELEMENT_RTOL = 2e-3  # an element worked out from two or three numbers shown at 4 significant digits
SHOWN = "which the chain-rule panel showed when it was passed on"
Line = gm.Line


def _is_acc(fn):
    return fn is not None and fn.name().endswith("AccumulateGrad")


def _key(fn, nr=0):
    """What a next_functions entry (fn, nr) stands for: a leaf (through its AccumulateGrad), a
    grad_fn, or output nr of a grad_fn of several (a piece of unbind / split: each its own gradient)."""
    if _is_acc(fn):
        return id(fn.variable)
    return (id(fn), nr) if getattr(fn, "_multi", False) else id(fn)


class _Scan:
    """One pass over the events indexing what the interpretation needs to know ahead of time.

    A backward pass is its backward / accumulate / retain events, and the forward events made
    while it processed one of its nodes (``event.backward_of``: what a derivative formula builds
    under create_graph, a hook's ops, the engine's sums of gradients). Such a "building" event
    belongs to the step of its node: the next backward / retain / accumulate event of that node
    (the formula runs before the node's event is recorded), or the node's backward event just
    before it (the engine adds the gradients a node passes on to what its inputs had received)."""

    def __init__(self, events):
        self.consumed = set()      # id(tensor) some op used as an input (not as its own target)
        self.made_inside = set()   # id(tensor) made by a leaf or forward event
        self.first_write = {}      # id(ndarray) -> (first in-place forward writing it, other's value)
        self.first_acc = {}        # id(tensor) -> its first accumulate event
        self.pass_of = {}          # event index -> number of its backward pass
        self.pass_end = set()      # event index of the last event of each backward pass
        self.paths = {}            # (pass, key) -> edges carrying a gradient to key in that pass
        self.asked = set()         # (pass, key) whose whole gradient a later step asks (.grad)
        self.owner = {}            # building event index -> index of its node's event
        self.first_build = {}      # index of a node's event -> its first building event's index
        self.sum_of = {}           # index of the engine's sum -> (its node's event, slot, k): the
        #                            sum of the first k paths into that slot's input
        self.passed_by = {}        # id(tensor) -> (backward event, slot, k) first passing it on
        #                            (as the k-th path into that input)
        self.build_first = set()   # id(tensor) made outside, first used by a building event
        self.graph_passes = set()  # passes whose gradients are tensors with a graph (create_graph)
        self.leaf_passes = set()   # passes that accumulate into a leaf (backward(), not grad())
        last_value, used = {}, set()
        n_pass, prev, pending = -1, None, set()
        waiting = {}               # id(node) -> its building events, waiting for its event
        current, sums = None, []   # the last backward-kind event; the sums it will cause
        for ev in events:
            kind = ev.kind
            building = kind == "forward" and ev.backward_of is not None
            if kind in ("leaf", "forward"):
                self.made_inside.add(id(ev.tensor))
                last_value[id(ev.tensor)] = ev.value
            if kind == "forward":
                for x in ev.inputs:
                    if naming.is_tensor(x) and x is not ev.tensor:
                        self.consumed.add(id(x))
                    if naming.is_tensor(x) and id(x) not in used:
                        used.add(id(x))
                        if building and id(x) not in self.made_inside:
                            self.build_first.add(id(x))
                data = getattr(ev.tensor, "_data", None)
                if ev.inputs and ev.inputs[0] is ev.tensor and id(data) not in self.first_write:
                    other = ev.inputs[1] if len(ev.inputs) == 2 else None
                    if naming.is_tensor(other):
                        other = last_value.get(id(other), gm._np(other))
                    self.first_write[id(data)] = (ev, other)
            elif kind == "accumulate":
                self.first_acc.setdefault(id(ev.tensor), ev)
            if building:
                node = id(ev.backward_of)
                if current is not None and current[0] == node and node not in waiting:
                    self.owner[ev.index] = current[1]  # (made after its node ran: a sum)
                    self.pass_of[ev.index] = self.pass_of[current[1]]
                    for j, (slot, t_id, k) in enumerate(sums):
                        if len(ev.inputs) == 2 and t_id == id(ev.inputs[1]):
                            self.sum_of[ev.index] = (current[1], slot, k)
                            del sums[j]
                            break
                else:
                    waiting.setdefault(node, []).append(ev.index)
                continue  # (a building event neither starts nor ends a pass)
            if kind in BACKWARD_KINDS:
                # a node runs in a pass only after an earlier step of that pass sent it a gradient
                # (or its retain step came first): any other node starts a new pass (its root)
                if prev not in BACKWARD_KINDS or id(ev.node) not in pending:
                    n_pass += 1
                    pending = set()
                self.pass_of[ev.index] = n_pass
                for j in waiting.pop(id(ev.node), ()):
                    self.owner[j] = ev.index
                    self.pass_of[j] = n_pass
                    self.first_build.setdefault(ev.index, j)
                current, sums = None, []
                if kind == "retain":
                    pending.add(id(ev.node))
                    self.asked.add((n_pass, id(ev.node)))
                elif kind == "accumulate":
                    self.asked.add((n_pass, id(ev.tensor)))
                    self.leaf_passes.add(n_pass)
                elif kind == "backward":
                    current = (id(ev.node), ev.index)
                    grads = ev.grad_inputs or ()
                    tensors = ev.grad_tensors or ()
                    if ev.grad_tensors is not None:
                        self.graph_passes.add(n_pass)
                    for slot, (nxt, nr) in enumerate(ev.node.next_functions):
                        if nxt is not None and slot < len(grads) and grads[slot] is not None:
                            k = (n_pass, _key(nxt, nr))
                            self.paths[k] = self.paths.get(k, 0) + 1
                            if slot < len(tensors) and tensors[slot] is not None:
                                self.passed_by.setdefault(id(tensors[slot]),
                                                          (ev.index, slot, self.paths[k]))
                                if id(nxt) in pending:  # (the engine adds it to what nxt has)
                                    sums.append((slot, id(tensors[slot]), self.paths[k]))
                            pending.add(id(nxt))
            else:
                waiting, current, sums = {}, None, []
            prev = kind
        last = {}
        for i, n in self.pass_of.items():
            last[n] = max(last.get(n, i), i)
        self.pass_end = set(last.values())


class _Interpreter:
    def __init__(self, model, rec, found, show_saved, small=gm.SMALL):
        self.m = model
        self.tensor_view = model.view == gm.TENSOR_VIEW
        self.fmt = functools.partial(gm.format_array, small=small)
        self.full = functools.partial(gm.shown_in_full, small=small)
        self.small = small
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
        # an unnamed result's line ("x ** 3") goes when an op uses it: the user's line shows it whole,
        # as it was written ("y = x ** 3 * c")
        self.line_of_unnamed = {}   # label of an op's unnamed result not used yet -> its program line
        self.folded = set()         # the program lines that went
        # torch.autograd.grad's calls (what each was asked: the engine notes them), latest last
        self.grad_calls = list(getattr(rec, "grad_calls", ()))
        # the state as it evolves, step by step
        self.k = 0
        self.visible, self.visible_edges = [], []  # append-only: a step keeps how many it saw
        self.edge_ends = {}  # edge id -> (src, dst): the ends of the edges shown so far
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
        # what a backward pass builds (create_graph=True): the gradient's own graph
        self.deriv_of = {}       # gradient tensor node id -> (root label, wrt label) it holds d of
        self.built = {}          # index of a node's event -> node ids its building events made
        self.grad_node = {}      # id(leaf) -> the node of the .grad tensor a backward made for it
        self.asked_early = set()  # node events whose question a building step asked (or skipped)
        self.pass_prefix = ""    # "second" (backward) in a pass after one that built a graph
        self.output_labels = {}  # id(node of several outputs) -> {output_nr: its tensor's label}
        # what predict mode can ask of tensors the screen shows only as min / mean / max
        self.latest = {}         # id(tensor) -> its value at its latest leaf / forward event
        self.reads = {}          # id(grad_fn) -> [(input index or None for the result, the
        #                          inputs whose rule reads it or None for all, label, value)]:
        #                          what its backward reads, kept when one of its values is large
        self.modes = {}          # (pass, node id of t) -> how each path's d<root>/d<t> was asked
        #                          at a node with a large value: "whole", "element" (at the first
        #                          index), "part" or None (not asked); a path not kept: whole

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
        self.edge_ends[edge.id] = (edge.src, edge.dst)
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
        self.latest[id(t)] = ev.value
        value = self.fmt(ev.value)
        rg = bool(getattr(t, "requires_grad", False))
        active = []
        if self.tensor_view or rg:  # the function view shows leaves that can get a gradient
            active = [self.tensor(t, ev.value, new_version=id(t) in self.node_of)]
        label = self.tlabel(t)
        made = _tensor_call(value, ev.value, rg)
        what = "requires grad" if rg else "needs no grad"
        if label == value:  # an unnamed constant, labelled by its value
            self.program.append(made)
            return dict(active=active, caption=f"leaf: a constant tensor {value}",
                        lines=[Line(f"{made}: a new leaf tensor ({what})", "head")])
        self.program.append(f"{label} = {made}")
        return dict(active=active, caption=f"leaf {label} = {value}",
                    lines=[Line(f"{label} = {value}: a new leaf tensor ({what})", "head")])

    def forward(self, ev):
        if ev.backward_of is not None:
            return self.build_step(ev)
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
        self.note_reads(ev, label, raw)
        self.latest[id(t)] = ev.value
        if ev.node is not None:
            self.expr_of[id(ev.node)] = expr
        value = self.fmt(ev.value)
        self.fold_into_next_line(raw)
        if expr == label:
            self.line_of_unnamed[label] = len(self.program)
        self.program.append(expr if expr == label else f"{label} = {expr}")
        if ev.node is not None:
            self.fwd_index[id(ev.node)] = ev.index
            self.m._keep.append(ev.node)
        if ev.node is not None and getattr(ev.node, "_multi", False):  # (its outputs, by number)
            self.output_labels.setdefault(id(ev.node), {})[ev.tensor.output_nr] = label
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
        if _more_outputs(ev, self.fn_of):  # another output of one node (a custom Function's)
            op_id = self.fn_of[id(ev.node)]
            out = self.tensor(ev.tensor, ev.value, new_version=id(ev.tensor) in self.node_of, label=label)
            res = self.show_edge(m.add_edge(op_id, out, ev.tensor.output_nr, ("result",)))
            return dict(active=[op_id, out], active_edges=[res.id])
        fname = ev.node.name() if ev.node is not None else None
        classes = ("op",) if ev.node is not None else ("op", "nograd")
        if ev.backward_of is not None:  # an op the backward pass made (create_graph, a hook)
            classes += ("made-by-backward",)
        op = m.add_node("op", naming.op_name(ev.op), op=fname, classes=classes)
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
        if _more_outputs(ev, self.fn_of):  # another output of one node: the node is drawn
            fid = self.fn_of[id(ev.node)]
            active = [fid]
            if id(ev.tensor) not in self.scan.consumed:
                active.append(self.root_node(ev.tensor, fid, ev.value, label))
            return dict(active=active)
        ins = []
        for slot, (nxt, _) in enumerate(ev.node.next_functions):
            if nxt is None:
                continue
            src = self.accumulate_node(nxt) if _is_acc(nxt) else self.fn_of.get(id(nxt))
            if src is not None:  # (None: built before the recording started)
                ins.append((slot, src))
        node = m.add_node("function", ev.node.name(), name=label, op=ev.node.name(),
                          classes=("function",) if ev.backward_of is None
                          else ("function", "made-by-backward"))
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

    def value_at_forward(self, x):
        """The value input x of an op had when the op ran (events copy values; a tensor made
        before the recording has its value then); a number as an array."""
        if not naming.is_tensor(x):
            return np.asarray(x)
        v = self.latest.get(id(x))
        if v is None:
            v = self.initial_value(x)
        return None if v is None else np.asarray(v)

    def note_reads(self, ev, out_label, labels=None):
        """Keep what ev's node will read in its backward (the inputs and result it saves, the op
        table's ``saved_args``; for a node of the user's own code, every tensor input and the
        result) with their values now: predict mode's element questions show them. Only for an op
        with a value of more than `small` elements (any other question shows every value whole).
        labels: the inputs' labels as the op read them (an in-place op's target: its old one)."""
        node = ev.node
        if node is None or getattr(node, "_multi", False):
            return
        out = np.asarray(ev.value)
        if out.size <= self.small and all(_size(x) <= self.small for x in ev.inputs):
            return
        values = [self.value_at_forward(x) for x in ev.inputs]
        op = getattr(node, "op", None)
        saved = getattr(op, "saved_args", None) if getattr(op, "in_table", False) else None
        if saved is None:  # (its backward is Python code: it may read any input and the result)
            saved = [(i, None) for i in range(len(ev.inputs))] + [(None, None)]
        reads = []
        for i, needs in saved:
            if i is None:
                reads.append((None, needs, out_label, out))
            elif i < len(ev.inputs) and naming.is_tensor(ev.inputs[i]) and values[i] is not None:
                label = labels[i] if labels is not None else self.tlabel(ev.inputs[i])
                reads.append((i, needs, label, values[i]))
        self.reads[id(node)] = reads

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

    # --- what a backward pass builds ---------------------------------------------------------------
    # Under create_graph each node's derivative formula runs as ops (recorded as forward events
    # with backward_of set) before the node's backward event; so does the engine's sum of two
    # gradients of one input (after it), AccumulateGrad's copy into a new .grad, retain_grad's
    # clone. Each is a step: the gradient's own graph grows op by op, drawn as the backward
    # pass's ("made-by-backward"), and the tensors that ARE gradients are labelled by what they
    # hold ("dy/dx"). Predict mode asks a node's question at its first building step, before any
    # of the values it builds is on screen.
    def build_step(self, ev):
        owner_index = self.scan.owner.get(ev.index)
        owner = self.events[owner_index] if owner_index is not None else None
        p = None
        if ev.index in self.scan.pass_of:  # (a hook's op in a pass that never ran its node: none)
            new_pass = self.passing is None or self.scan.pass_of[ev.index] != len(self.m.passes) - 1
            p = self.enter_pass(ev, *(self.pass_root(owner) if new_pass else (None, None)))
        t = ev.tensor
        fresh = self.overwritten(ev, 0)  # (a new .grad: only the gradient copied into it counts)
        slots = [s for s in range(len(ev.inputs)) if not (s == 0 and fresh)]
        inputs = {s: _number_of(ev.inputs[s]) for s in slots}
        for x in inputs.values():
            self.label_received(x, owner, p)
        ins = []
        if self.tensor_view:
            ins = [(s, self.tensor(x) if naming.is_tensor(x) else self.const(x)) for s, x in inputs.items()]
        raw = [self.tlabel(x) if naming.is_tensor(x) else self.labeler.value(self.fmt(np.asarray(x)))
               for x in inputs.values()]
        label, deriv, what = self.built_label(ev, owner, p, raw, fresh)
        self.label_of[id(t)] = label
        expr = self.expression_of(ev, raw)
        self.note_reads(ev, label)
        self.latest[id(t)] = ev.value
        if ev.node is not None:
            self.expr_of[id(ev.node)] = expr
            self.fwd_index[id(ev.node)] = ev.index
            self.m._keep.append(ev.node)
        step = self.forward_tensor(ev, ins, label) if self.tensor_view else self.forward_function(ev, label)
        made = [nid for nid in step.get("active", ()) if self.m.nodes[nid].kind == "tensor"]
        for nid in made:
            node = self.m.nodes[nid]
            if "made-by-backward" not in node.classes:
                node.classes += ("made-by-backward",)
            if deriv is not None:
                node.derivative = deriv[0]
                self.deriv_of[nid] = deriv[1:]
        if deriv is not None and ev.node is not None and not self.tensor_view:
            self.deriv_of[self.fn_of[id(ev.node)]] = deriv[1:]  # (a pass's root is its node)
        if owner_index is not None:
            self.built.setdefault(owner_index, []).extend(made)
            if what == "grad" and made:
                self.grad_node[id(owner.tensor)] = made[-1]
        value = self.fmt(ev.value)
        head = f"{label} = {value}" if expr == label else f"{label} = {expr} = {value}"
        if deriv is not None and deriv[0] != label:
            head = f"{label} = {deriv[0]} = {expr} = {value}" if expr != label else f"{label} = {deriv[0]} = {value}"
        fn = ev.backward_of.name()
        graph = p is not None and self.scan.pass_of[ev.index] in self.scan.graph_passes
        by = self.built_by_words(ev, owner, what, graph, fn)
        caption = f"{by} {head}"
        total = what if isinstance(what, tuple) else None  # (the sum of all of q's paths)
        what = "sum" if total else what
        if what == "grad" and fresh:
            caption = (f"accumulate: AccumulateGrad copies {raw[-1]} into a new tensor: {label} = "
                       f"{value} (its grad_fn: CopyBackwards)")
        elif what == "grad":
            caption = f"accumulate: AccumulateGrad adds, out of place: {head}, a new tensor"
        elif what == "passes":
            caption += f": the gradient it passes to {deriv[2]}"
        elif what == "sum":
            caption += f": the sum of the paths into {deriv[2]}"
        elif ev.node is None:
            caption += " (needs no grad: not part of the gradient's graph)"
        else:
            caption += ": a new node"
        lines = [Line(head, "head"), Line(self.build_note(ev, what, graph, fn), "note")]
        step.update(caption=caption, lines=lines, made_by=fn)
        question = None
        if graph and owner.kind == "backward" and self.scan.first_build.get(owner_index) == ev.index:
            question = self.first_build_question(owner, p, fresh)
            self.asked_early.add(owner_index)
        elif what in ("grad", "retained"):  # (a first .grad copies a gradient already asked)
            question = None if fresh else self.first_build_question(owner, p, fresh)
            self.asked_early.add(owner_index)
        elif total:  # the engine adds the last path's gradient: predict the whole gradient
            _, q_id, n = total
            question = dict(
                caption=f"{by} {label}" + (f" = {deriv[0]}" if deriv[0] != label else "")
                        + f" = {expr}: the sum of the {n} paths into {deriv[2]}",
                prompt=[Line(f"The gradients of the {n} paths into {deriv[2]} are tensors: the "
                             f"engine adds them with an op, {deriv[0]} = {expr}.", "head"),
                        Line(f"Predict {deriv[0]}:", "prompt")],
                fields=[gm.Field(deriv[0], f"{deriv[0]}: the gradient of {p.root} with respect to "
                                           f"{deriv[2]}, the sum of all {n} paths",
                                 np.asarray(ev.value), "grad", q_id)])
            question = self.derived_question(
                question, (self.scan.pass_of[ev.index], q_id), ev.value, None,
                f"{deriv[0]} adds up gradients not all predicted whole")
        if question is not None and "skip" in question:
            step["skip"] = question["skip"]
            question = None
        if question is not None:
            step["question"] = question
            step["hide"] = made  # (the values it makes are what it asks)
        return step

    def pass_root(self, ev):
        """(node id, label) of the root of the backward pass whose first event is ev."""
        if ev is None:
            return None, None
        if ev.kind == "backward":
            out = self.out_of.get(id(ev.node))
            return out, self.qlabel(out) if out is not None else ev.node.name()
        if ev.kind == "accumulate":
            leaf = self.tensor(ev.tensor)
            return leaf, self.m.nodes[leaf].label
        nid = self.node_of.get(id(ev.tensor)) if self.tensor_view else self.fn_of.get(id(ev.node))
        return nid, self.tlabel(ev.tensor)

    def overwritten(self, ev, slot):
        """Whether input `slot` of ev is memory the op overwrites before reading anything of it:
        AccumulateGrad's new .grad, made empty, then the gradient copied into it."""
        return (slot == 0 and ev.op.startswith("copy") and ev.inputs and ev.inputs[0] is ev.tensor
                and id(ev.tensor) not in self.node_of and id(ev.tensor) not in self.label_of)

    def label_received(self, x, owner, p):
        """Label a tensor made outside the recording, first used by a building event: when it is
        the gradient the node received (the backward pass's seed, ones), "dy/dy"."""
        if not naming.is_tensor(x) or id(x) not in self.scan.build_first or id(x) in self.label_of:
            return
        if owner is None or p is None or owner.kind != "backward" or self.names.get(id(x)):
            return
        out = self.out_of.get(id(owner.node))
        if out is None or not np.array_equal(gm._np(x), owner.grad_output):
            return
        text = d(p.root, self.qlabel(out))
        self.label_of[id(x)] = self.derivative_label(text)
        self.versions[id(x)] = 1

    def derivative_label(self, text):
        """A derivative as a label ("dy/dx", "dy/dx (2)" when taken): read as one operand."""
        label = self.labeler.take(text) if text not in self.labeler.used else self.labeler.repeated(text)
        self.labeler.prec[label] = 0  # in an expression it reads as one thing: (dy/dy) * 3
        return label

    def target(self, ev, slot):
        """(node id, label, key) of what input `slot` of backward event ev's node stands for."""
        fid = self.fn_of.get(id(ev.node))
        for s, src, _ in self.inputs_of.get(fid, ()):
            if s == slot:
                q = self.leaf_of.get(src, src)
                return q, self.qlabel(q), _key(*ev.node.next_functions[slot])
        return None, None, None

    def built_label(self, ev, owner, p, raw, fresh):
        """(label, derivative, what) of the tensor a building event makes. what: "passes" (the
        gradient its node passes on), "sum" (the engine's sum of a gradient's paths), "grad" (a
        leaf's new .grad), "retained" (a retained .grad), or None (a formula's intermediate).
        derivative: (text "dy/dx", root label, wrt label) for a gradient, else None."""
        t = ev.tensor
        what, deriv, text = None, None, None
        graph = p is not None and self.scan.pass_of[ev.index] in self.scan.graph_passes
        if owner is not None and graph:  # (else a hook's op: an ordinary op on a gradient)
            root, n_pass = p.root, self.scan.pass_of[ev.index]
            old = self.grad_node.get(id(owner.tensor))
            adds_to_old = (ev.op == "add" and naming.is_tensor(ev.inputs[0]) and old is not None
                           and self.node_of.get(id(ev.inputs[0])) == old)
            if owner.kind == "accumulate" and (fresh or adds_to_old):
                leaf = self.tlabel(owner.tensor)
                what, text = "grad", f"{leaf}.grad"
                if fresh:  # the first .grad: this pass's gradient, copied
                    deriv = (d(root, leaf), root, leaf)
            elif owner.kind == "retain" and ev.op in ("clone", "add"):
                q = self.tlabel(owner.tensor)
                what, text, deriv = "retained", f"{q}.grad", (d(root, q), root, q)
            elif ev.index in self.scan.sum_of:
                b, slot, i = self.scan.sum_of[ev.index]
                q_id, q, key = self.target(self.events[b], slot)
                if q is not None:
                    n = self.scan.paths.get((n_pass, key), 1)
                    total = d(root, q)
                    what = "sum" if i < n else ("total", q_id, n)
                    deriv = (total if i >= n else f"{total} (paths 1-{i} of {n})", root, q)
            elif id(t) in self.scan.passed_by and self.events[self.scan.passed_by[id(t)][0]] is owner:
                _, slot, i = self.scan.passed_by[id(t)]
                q_id, q, key = self.target(owner, slot)
                if q is not None:
                    what = "passes"
                    n = self.scan.paths.get((n_pass, key), 1)
                    deriv = (d(root, q) if n == 1 else f"{d(root, q)} (path {i} of {n})", root, q)
        versions = self.versions.get(id(t), 0)
        if self.names.get(id(t)):
            label = self.new_label(t)
        elif text is not None:
            self.versions[id(t)] = versions + 1
            label = self.labeler.take(text) if text not in self.labeler.used else self.labeler.repeated(text)
        elif deriv is not None:
            self.versions[id(t)] = versions + 1
            label = self.derivative_label(deriv[0])
        else:
            operands = [self.labeler.operand(r) for r in raw]
            label = self.new_label(t, (ev.op, operands, _params(ev)))
        return label, deriv, what

    def expression_of(self, ev, raw):
        return (self.labeler.expression(ev.op, raw, _params(ev))[0]
                or f"{naming.op_name(ev.op)}({', '.join(raw + ['…'])})")

    def built_by_words(self, ev, owner, what, graph, fn):
        """Who made this op, in words: 'backward of PowBackward0 builds', 'retain_grad: makes',
        'backward: the engine adds two gradients:', 'backward: a hook (before X runs) computes'."""
        if ev.index in self.scan.sum_of:
            return "backward: the engine adds two gradients:"
        if what == "retained":
            return "retain_grad: makes"
        if what == "grad":
            return "accumulate: AccumulateGrad makes"
        if graph and owner is not None and owner.kind == "backward":
            return f"backward of {fn} builds"
        return f"backward: a hook (before {fn} runs) computes"

    def build_note(self, ev, what, graph, fn):
        if not graph:
            return "a hook runs during backward: its ops are ordinary ops on the gradient"
        made = (f"{ev.node.name()} records it" if ev.node is not None
                else "no input requires grad: nothing is recorded")
        if what == "grad":
            return (f"create_graph=True: .grad is a tensor with a graph of its own ({made}); "
                    "the leaf's .grad now refers to it")
        if what == "sum":
            return f"create_graph=True: the gradients are tensors, so adding them is an op ({made})"
        return (f"create_graph=True: {fn}'s derivative formula runs as ops that are recorded too, "
                f"so the gradient has a graph of its own ({made})")

    def first_build_question(self, owner, p, fresh):
        """What predict mode asks when a node starts building: what the node will pass on (its
        backward event's fields), a leaf's new .grad when it adds to an old one, a retained
        .grad; None when there is nothing to ask (a first .grad is a copy of a gradient asked)."""
        root = p.root
        if owner.kind == "backward":
            fid, out = self.fn_of.get(id(owner.node)), self.out_of.get(id(owner.node))
            if fid is None or out is None:
                return None
            o_label = self.qlabel(out)
            g_out = np.asarray(owner.grad_output)
            received = self.received_text(g_out)
            items = self.node_fields(owner, p, fid, out, o_label, g_out)
            if not items:
                return None
            fields, heads, notes, _, skipped = self.judge(p, owner, o_label, items)
            if not fields:
                return {"skip": _skip_text(skipped)}
            expr = self.expr_of.get(id(owner.node))
            made = f"  (forward: {o_label} = {expr})" if expr and expr != o_label else ""
            fn = owner.node.name()
            return dict(
                caption=f"backward of {fn}: it gets {d(root, o_label)} = {received} and builds "
                        "the gradients it passes on",
                prompt=[Line(f"{fn} receives {d(root, o_label)} = {received}{made}", "head"), *heads,
                        Line("create_graph=True: it computes what it passes on with ops that are "
                             "recorded too (the next steps build them).", "note"), *notes,
                        Line("Predict what it passes on:", "prompt")],
                fields=_distinct(fields), notes=skipped)
        n_pass = self.scan.pass_of[owner.index]
        if owner.kind == "accumulate":
            if fresh:
                return None
            leaf = self.tensor(owner.tensor)
            label = self.m.nodes[leaf].label
            before = self.grads.get(leaf, "None")
            q = dict(
                caption=f"accumulate: AccumulateGrad adds {d(root, label)} to {label}.grad",
                prompt=[Line(f"AccumulateGrad adds {d(root, label)} to {label}.grad, which is "
                             f"{before} now: the sum is a new tensor.", "head"),
                        Line(f"Predict the new {label}.grad:", "prompt")],
                fields=[gm.Field(f"{label}.grad", f"the new {label}.grad: {before} + {d(root, label)}",
                                 np.asarray(owner.total), "leaf_grad", leaf)])
            return self.derived_question(
                q, (n_pass, leaf), owner.grad, owner.prev,
                f"{label}.grad was {before}, so it becomes {d(root, label)}, {SHOWN}",
                f"AccumulateGrad adds {d(root, label)} = {self.fmt(owner.grad)} to {label}.grad, which "
                f"is {before} now: the sum is a new tensor.")
        nid = self.node_of.get(id(owner.tensor)) if self.tensor_view else self.fn_of.get(id(owner.node))
        if nid is None:
            return None
        label = self.tlabel(owner.tensor)
        q = dict(
            caption=f"retain_grad: {label} keeps {d(root, label)} in {label}.grad",
            prompt=[Line(f"{label}.retain_grad() was called: {label} keeps its gradient "
                         f"{d(root, label)} in {label}.grad (a copy, with a graph).", "head"),
                    Line(f"Predict {label}.grad:", "prompt")],
            fields=[gm.Field(f"{label}.grad", f"{label}.grad: {d(root, label)}",
                             np.asarray(owner.grad), "retained", nid)])
        return self.derived_question(q, (n_pass, nid), owner.grad, None,
                                     f"{label}.grad is {d(root, label)}, {SHOWN}")

    def received_text(self, g_out):
        return num(g_out) if is_scalar(g_out) else f"{self.fmt(g_out)} (shape {shape_text(g_out)})"

    def node_fields(self, ev, p, fid, out, o_label, g_out):
        """The Fields a backward step of ev's node would ask: one per input it passes a gradient to
        (the whole d<root>/d<t> when it is t's only path in the pass, else this path's share), as
        [(field, term, t's label, t's node id)] for judge()."""
        grads = ev.grad_inputs or ()
        n_pass = self.scan.pass_of[ev.index]
        arrived = {}
        fields = []
        for slot, src, _ in self.inputs_of.get(fid, ()):
            g = grads[slot] if slot < len(grads) else None
            if g is None:
                continue
            edge = ev.node.next_functions[slot]
            q = self.leaf_of.get(src, src)
            n = self.scan.paths.get((n_pass, _key(*edge)), 1)
            arrived[q] = arrived.get(q, len(p.terms.get(q, ()))) + 1
            local = ev.local_grads[slot] if ev.local_grads is not None else None
            term = Term(self.k, slot, o_label, out, g_out, None if local is None else np.asarray(local),
                        np.asarray(g), self.fwd_index.get(id(ev.node), ev.index))
            fields.append((self.share_field(p.root, term, self.qlabel(q), q, arrived[q], n), term,
                           self.qlabel(q), q))
        return fields

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
            graph = n in self.scan.graph_passes
            if self.program and root_label:
                self.fold_into_next_line([root_label])
                graph = ", create_graph=True" if graph else ""
                self.program.append(f"{root_label}.backward({graph[2:]})" if n in self.scan.leaf_passes
                                    else self.grad_call_text(ev.index, root_label, graph))
            # a pass after one that built a gradient's graph says which backward it is
            self.pass_prefix = ""
            if any(k < n for k in self.scan.graph_passes):
                self.pass_prefix = ORDINALS[n] if n < len(ORDINALS) else f"#{n + 1}"
        self.passing.steps.append(self.k)
        return self.passing

    def grad_call_text(self, index, root_label, graph):
        """'(g,) = torch.autograd.grad(y, x, create_graph=True)': the autograd.grad call whose pass
        starts at event `index`, its inputs and the names its results were given ("…" for what is
        not known: an input no step shows, or a call the engine did not note)."""
        call = None
        while self.grad_calls and self.grad_calls[0].start <= index:
            call = self.grad_calls.pop(0)  # (the latest call before the pass; earlier ones ran none)
        if call is None:
            return f"torch.autograd.grad({root_label}, …{graph})"
        inputs = [self.label_of.get(id(x)) or self.names.get(id(x)) or "…" for x in call.inputs]
        if call.given is list:
            inputs = f"[{', '.join(inputs)}]"
        elif len(inputs) == 1 and call.given is not tuple:  # (a tensor alone)
            inputs = inputs[0]
        else:
            inputs = f"({', '.join(inputs)}{',' if len(inputs) == 1 else ''})"
        results = [self.names.get(id(r)) if r is not None else None for r in call.results or ()]
        said = ""
        if results and all(results):
            said = f"({results[0]},) = " if len(results) == 1 else f"{', '.join(results)} = "
        return f"{said}torch.autograd.grad({root_label}, {inputs}{graph})"

    def backward(self, ev):
        fid = self.fn_of.get(id(ev.node))
        out = self.out_of.get(id(ev.node))
        p = self.enter_pass(ev, out, self.qlabel(out) if out is not None else ev.node.name())
        fn = ev.node.name()
        if fid is None:
            caption = f"backward: {fn} (built before the recording started)"
            return dict(active=[], caption=caption, lines=[Line(caption, "note")])
        root, o_label = p.root, self.qlabel(out)
        multi = isinstance(ev.grad_output, tuple)  # (a node of several outputs: one each)
        g_out = np.asarray(ev.grad_output[0] if multi else ev.grad_output)
        received = self.received_text(g_out)
        upstream = g_out
        if multi:
            outs = self.output_labels.get(id(ev.node), {})
            received = ", ".join(f"{d(root, outs[nr])} = " + (
                "None" if g is None else self.received_text(np.asarray(g)))
                for nr, g in enumerate(ev.grad_output) if nr in outs)
            got = [nr for nr, g in enumerate(ev.grad_output) if g is not None and nr in outs]
            if len(got) > 1:  # (what it passes on is made of all of them: unbind's stack of the pieces')
                o_label = ", ".join(outs[nr] for nr in got)
                upstream = [np.asarray(ev.grad_output[nr]) for nr in got]
        gets = received if multi else f"{d(root, o_label)} = {received}"
        graph = ev.grad_tensors is not None  # create_graph: the gradients are tensors with a graph
        active, edges = [fid], []
        if self.tensor_view:
            self.set_flow(out, self.fmt(g_out))
            self.given = out
            active.append(out)
            edges.append(self.result_edge[fid])
            self.edge_grads[self.result_edge[fid]] = self.fmt(g_out)
        lines = [Line(f"{fn} receives {gets}", "head")]
        items, passed, targets = [], [], []
        grads = ev.grad_inputs or ()
        n_pass = self.scan.pass_of[ev.index]
        for slot, src, eid in self.inputs_of.get(fid, ()):
            g = grads[slot] if slot < len(grads) else None
            if g is None:
                continue
            edge = ev.node.next_functions[slot]
            q = self.leaf_of.get(src, src)
            t_label = self.qlabel(q)
            n = self.scan.paths.get((n_pass, _key(*edge)), 1)
            local = ev.local_grads[slot] if ev.local_grads is not None else None
            term = Term(self.k, slot, o_label, out, upstream, None if local is None else np.asarray(local),
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
            # the sum of the paths is shown here unless a later step asks for it (as a .grad), or
            # under create_graph the engine's sum is a step of its own (the next one)
            if n > 1 and i == n and (n_pass, _key(*edge)) not in self.scan.asked and not graph:
                lines.append(Line("so " + derivation(p, q), "total"))
            items.append((self.share_field(root, term, t_label, q, i, n), term, t_label, q))
            passed.append(f"to {t_label}: {self.fmt(g)}")
            targets.append(t_label)
        fields, heads, notes, skipped = [], [], [], []
        if items and ev.index not in self.asked_early and not multi:
            # (a node asked when it began building: judged then; several outputs: nothing asked)
            fields, heads, notes, after, skipped = self.judge(p, ev, o_label, items)
            lines += after
        if not items:
            lines.append(Line("no input needs a gradient", "note"))
        elif not is_scalar(g_out, *[f.expected for f, *_ in items]):
            lines.append(Line(f"vjp(v, J) = vᵀJ: the gradient received (v) times the Jacobian J of "
                              f"{o_label} with respect to the input, computed without building J",
                              "note"))
        self.m.activity.setdefault(fid, []).append(
            gm.Activity(self.k, received if multi else f"{d(root, o_label)} = {self.fmt(g_out)}", tuple(passed)))
        self.mark_done(fid)
        names = ", ".join(dict.fromkeys(targets[:CAPTION_NAMES])) + (", …" if len(targets) > CAPTION_NAMES else "")
        caption = (f"backward: {fn} gets {gets}"
                   + (f" and passes gradients to {names}" if targets else ""))
        if graph:
            passed_on = self.passed_tensors(ev, targets)
            if passed_on:  # the gradients are nodes of the graph: name them
                active.extend(nid for nid, _ in passed_on if nid is not None)
                said = ", ".join(text for _, text in passed_on[:CAPTION_NAMES])
                caption = (f"backward: {fn} gets {gets} and passes "
                           f"{said}" + (", …" if len(passed_on) > CAPTION_NAMES else ""))
                lines.append(Line("create_graph=True: what it passes on are tensors with a graph of "
                                  "their own (built in the steps before, or passed on as they came)",
                                  "note"))
        # (asked when the node began building: its values are on screen now; a node of several
        # outputs: what it passes on is its own backward's, not a product to predict)
        question = None
        if fields:
            fields = _distinct(fields)
            expr = self.expr_of.get(id(ev.node))
            made = f"  (forward: {o_label} = {expr})" if expr and expr != o_label else ""
            question = dict(caption=caption, prompt=[
                Line(f"{fn} receives {d(root, o_label)} = {received}{made}", "head"), *heads, *notes,
                Line("Predict what it passes on:", "prompt")], fields=fields, notes=skipped)
        return dict(active=active, active_edges=edges, caption=caption, lines=lines,
                    question=question, skip=_skip_text(skipped) if skipped and not fields else None)

    def passed_tensors(self, ev, targets):
        """[(node id or None, "dy/dx to x")] for the gradient tensors ev's node passed on."""
        out, i = [], 0
        fid = self.fn_of.get(id(ev.node))
        for slot, _, _ in self.inputs_of.get(fid, ()):
            t = ev.grad_tensors[slot] if slot < len(ev.grad_tensors) else None
            if t is None or i >= len(targets):
                continue
            label = self.label_of.get(id(t))
            nid = self.node_of.get(id(t)) if self.tensor_view else None
            out.append((nid, f"{label if label else self.fmt(ev.grad_inputs[slot])} to {targets[i]}"))
            i += 1
        return out

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

    # --- what predict mode can ask -----------------------------------------------------------------
    # Predict mode asks only what a student can work out from the screen and the answers given
    # before. A tensor of more than `small` elements shows min / mean / max only: a gradient that
    # depends on one whose elements differ is asked as ONE element when the recorded numbers show
    # the op works element by element (what it passes on is what it received times its local
    # derivative, element by element), the prompt giving that element's received gradient and the
    # values the node saved for it; as one element's PART of a sum over the op's elements (dloss/dw
    # of w * x adds up dloss/d(w * x) · x over its 20 elements) when the numbers show that sum; whole
    # when it is the received gradient summed times a constant (dloss/db of w * x + b: 20 times
    # its mean); else not at all, and the prompt (or the step, when nothing is left) says why.
    def judge(self, p, ev, o_label, items):
        """Predict mode's form of the fields `items` [(field, term, t's label, t's node id)] that
        ev's node passes on: (fields to ask, premise lines, note lines, chain-rule panel lines,
        skipped [(label, why)]). Fields involving no tensor shown as min / mean / max are asked
        as they always were. Each field's form is kept in self.modes, by pass and t."""
        reads = self.reads.get(id(ev.node))
        if reads is None:  # (every value small: asked as always; a path not kept counts as whole)
            return [f for f, *_ in items], [], [], [], []
        n_pass = self.scan.pass_of[ev.index]
        root, o, fn = p.root, o_label, ev.node.name()
        fields, notes, after, skipped, saved = [], [], [], [], {}
        at = None
        for f, term, t, q in items:
            g, G = np.asarray(term.upstream), np.asarray(term.share)
            local = None if term.local is None else np.asarray(term.local)
            its = [(label, v) for _, needs, label, v in reads if needs is None or f.slot in needs]
            mode = self.form(g, G, local, its)
            self.modes.setdefault((n_pass, q), []).append(mode if mode in ("whole", None) else mode[0])
            whole = d(root, t) if f.kind == "grad" else f.label
            if mode == "whole":
                fields.append(f)
                continue
            if mode is None:
                why = f"it depends on {g.size} values shown only as min / mean / max"
                skipped.append((f.label, why))
                notes.append(Line(f"Not asked: {f.label} ({why}).", "note"))
                continue
            at = mode[1]
            it = gm.index_text(at)
            for label, v in its:
                if _fits(v, g.shape):
                    saved.setdefault(label, np.broadcast_to(v, g.shape)[at])
            if mode[0] == "element":
                label = f"{f.label}{it}" if f.kind == "grad" else f"({f.label}){it}"
                words = (f"{label}: the gradient of {root} with respect to element {it} of {t}"
                         if f.kind == "grad" else f"element {it} of {f.words}")
                value = G[at]
                fields.append(dataclasses.replace(f, label=label, words=words, expected=np.asarray(value),
                                                  index=at, rtol=ELEMENT_RTOL))
                notes.append(Line(f"{whole} has {G.size} different values, one per element: "
                                  f"predict the one at {it}.", "note"))
                after.append(Line(f"{label} = {d(root, o)} · {partial(o, t)} at {it} = "
                                  f"{factor(g[at])}·{factor(local[at])} = {num(value)}", "edge"))
            else:
                _, _, v_label, v = mode
                label = f"part {it} of {whole}"
                value = g[at] * v[at]
                fields.append(dataclasses.replace(
                    f, label=label, expected=np.asarray(value), index=at, part=True, rtol=ELEMENT_RTOL,
                    words=f"what element {it} of {o} adds to {whole}: {d(root, o)} · {partial(o, t)} "
                          f"there ({whole} adds up all {g.size} such parts)"))
                notes.append(Line(f"{whole} adds up {g.size} parts, one per element of {o}: "
                                  f"predict the part from {it}.", "note"))
                after.append(Line(f"{label} = {d(root, o)} · {partial(o, t)} at {it} = "
                                  f"{factor(g[at])}·{factor(v[at])} = {num(value)}; {whole} adds "
                                  f"up all {g.size} parts", "edge"))
        notes = list({line.text: line for line in notes}.values())  # (a + a: one line for both)
        heads = []
        if at is not None:
            g = np.asarray(items[0][1].upstream)
            what = ", ".join(f"{label} = {num(v)}" for label, v in saved.items())
            heads.append(Line(f"At {gm.index_text(at)} (the first of {g.size}): {d(root, o)} = "
                              f"{num(g[at])}" + (f"; {fn} saved {what}" if what else ""), "head"))
        return fields, heads, notes, after, skipped

    def form(self, g, G, local, its):
        """How predict mode asks for G, what a node passes on given g (its local derivative summed
        to G's shape: local; the values its rule reads: its): "whole", ("element", index),
        ("part", index, label, value) (value: the read value by which each element of g is
        multiplied, as the op's output is shaped) or None (not at all)."""
        full = self.full
        if full(g) and full(G) and (all(full(v) for _, v in its) or G.size > 1 and _uniform(G)):
            return "whole"  # every value it needs is on screen (or every element is one number)
        if local is None or not np.all(np.isfinite(G)) or not np.all(np.isfinite(g)):
            return None
        at = (0,) * g.ndim
        if full(G) and all(full(v) for _, v in its) and _same(
                G, local * np.mean(g, dtype=np.float64), np.abs(local).max(initial=0) * np.abs(g).max()):
            return "whole"  # the received gradient, summed, times a constant: n times its mean
        if G.shape == g.shape == local.shape and _same(G, g * local) \
                and all(_fits(v, g.shape) for _, v in its):
            return ("element", at)
        if G.size < g.size:
            for label, v in its:
                if not _fits(v, g.shape):
                    continue
                v = np.broadcast_to(v, g.shape)
                products = g * v.astype(np.float64)
                if _same(_reduce(products, G.shape), G, np.abs(products).sum()) \
                        and _same(_reduce(v, G.shape), local, np.abs(v).sum()):
                    return ("part", at, label, v)
        return None

    def derived(self, key, addend, before, total):
        """How predict mode asks for a value made of the pass's gradient of t (key: (pass, t)):
        a leaf's new .grad (total = before + addend), a retained .grad, the sum of t's paths:
        "today" (as always: every path of it was asked whole, every value is on screen), "given"
        (the addend is on screen but was not asked whole: the prompt gives it), "fresh" (likewise,
        but nothing is added to it: nothing to work out), ("element", index) (each path was asked
        at that element: that element of it) or "skip"."""
        modes = self.modes.get(key, ())
        full = self.full
        if all(m == "whole" for m in modes) and full(total) and full(before):
            return "today"
        if full(addend) and full(before):
            return "given" if before is not None and np.any(before) else "fresh"
        at = (0,) * np.ndim(total)
        if modes and all(m in ("whole", "element") for m in modes):
            return ("element", at)
        return "skip"

    def derived_question(self, q, key, addend, before, fresh, given=None):
        """Question q (one field: a value derived() judges) as predict mode can ask it: q itself,
        q with the addend's value in its premise (`given`), the field's element with the old
        value there in the premise, or {"skip": why} (`fresh`: why nothing is left to work out)."""
        f = q["fields"][0]
        total = np.asarray(f.expected)
        how = self.derived(key, addend, before, total)
        if how == "today":
            return q
        if how == "given" and given is not None:
            q["prompt"] = [Line(given, "head")] + q["prompt"][1:]
            return q
        if how in ("given", "fresh"):
            return {"skip": f"Nothing to predict here: {fresh}."}
        if how == "skip":
            return {"skip": f"Nothing to predict here: {f.label} has {total.size} different values, "
                            "shown only as min / mean / max."}
        at = how[1]
        it = gm.index_text(at)
        heads = [Line(f"{f.label} at {it} is {num(np.asarray(before)[at])} now.", "head")] \
            if before is not None else []
        q["prompt"] = q["prompt"][:1] + heads + [
            Line(f"{f.label} has {total.size} different values: predict the one at {it}, from "
                 "what you predicted there.", "note")] + q["prompt"][1:]
        q["fields"] = [dataclasses.replace(f, label=f"{f.label}{it}", words=f"element {it} of {f.words}",
                                           expected=np.asarray(total[at]), index=at, rtol=ELEMENT_RTOL)]
        return q

    def accumulate(self, ev):
        leaf = self.tensor(ev.tensor)
        label = self.m.nodes[leaf].label
        p = self.enter_pass(ev, leaf, label)
        root = p.root
        before = self.grads.get(leaf, "None")
        total = self.fmt(ev.total)
        self.set_grad(leaf, total)
        grad_node = self.grad_node.get(id(ev.tensor))
        if grad_node is not None and ev.index not in self.asked_early and ev.prev is not None:
            self.set_value(grad_node, total)  # (added in place into the .grad tensor drawn)
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
        second = self.second_derivative(p, label)
        if second:
            lines.append(Line(second, "note"))
        if ev.index in self.asked_early:  # create_graph: .grad is the tensor just built
            made = self.built.get(ev.index, [])
            active.extend(made)
            lines.append(Line(f"create_graph=True: {label}.grad is now "
                              f"{self.m.nodes[made[-1]].label if made else 'a new tensor'}, a "
                              "gradient with a graph of its own", "note"))
            return dict(active=active, active_edges=edges, lines=lines, question=None,
                        caption=f"accumulate: {label}.grad += {grad} → {total}")
        words = (f"the new {label}.grad: it is None now, so it becomes {d(root, label)}"
                 if before == "None" else f"the new {label}.grad: {before} + {d(root, label)}")
        question = dict(
            caption=f"accumulate: AccumulateGrad adds {d(root, label)} into {label}.grad",
            prompt=[Line(f"AccumulateGrad adds {d(root, label)} into {label}.grad, which is "
                         f"{before} now.", "head"),
                    Line(f"Predict the new {label}.grad:", "prompt")],
            fields=[gm.Field(f"{label}.grad", words, np.asarray(ev.total), "leaf_grad", leaf)])
        question = self.derived_question(
            question, (self.scan.pass_of[ev.index], leaf), ev.grad, ev.prev,
            f"{label}.grad was {before}, so it becomes {d(root, label)}, {SHOWN}",
            f"AccumulateGrad adds {d(root, label)} = {grad} into {label}.grad, which is {before} now.")
        skip = question.pop("skip", None)
        return dict(active=active, active_edges=edges, lines=lines, question=question or None,
                    skip=skip, caption=f"accumulate: {label}.grad += {grad} → {total}")

    def second_derivative(self, p, leaf):
        """When the pass's root is a gradient g = dy/dx: 'dg/dx = d²y/dx²: a second derivative'
        (∂²y/∂w∂x for another leaf w); None otherwise."""
        held = self.deriv_of.get(p.root_id)
        if held is None:
            return None
        y, x = held
        if not all(naming._SYMBOL.fullmatch(s) for s in (y, x, leaf, p.root)):
            return None
        second = f"d²{y}/d{x}²" if leaf == x else f"∂²{y}/∂{leaf}∂{x}"
        return f"{p.root} = d{y}/d{x}, so {d(p.root, leaf)} = {second}: a second derivative"

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
        if nid is not None and ev.index not in self.asked_early:  # (else asked at the clone)
            question = dict(
                caption=f"retain_grad: {label} keeps {d(p.root, label)} in {label}.grad",
                prompt=[Line(f"{label}.retain_grad() was called: {label} keeps its gradient "
                             f"{d(p.root, label)} in {label}.grad.", "head"),
                        Line(f"Predict {label}.grad:", "prompt")],
                fields=[gm.Field(f"{label}.grad", f"{label}.grad: {d(p.root, label)}",
                                 np.asarray(ev.grad), "retained", nid)])
            question = self.derived_question(
                question, (self.scan.pass_of[ev.index], nid), ev.grad, None,
                f"{label}.grad is {d(p.root, label)}, {SHOWN}")
        skip = question.pop("skip", None) if question is not None else None
        return dict(active=active, caption=f"retain_grad: {label}.grad = {grad}", lines=lines,
                    question=question or None, skip=skip)

    # --- steps ----------------------------------------------------------------------------------------
    def close_step(self, phase, event, step):
        """Record step self.k: its StepState parts and its frame (what changed, for the browser)."""
        k = self.k
        active = tuple(dict.fromkeys(n for n in step.get("active", ()) if n is not None))
        active_edges = tuple(step.get("active_edges", ()))
        # the nodes at the other ends of the step's edges (what a backward step passes gradients
        # to, what a forward op reads): kept in view beside the active nodes where the box has room
        around = list(dict.fromkeys(end for eid in active_edges for end in self.edge_ends.get(eid, ())
                                    if end not in active))
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
            for nid in step.get("hide", ()):  # what this step makes shows no value until answered
                if nid in changed:
                    keep[nid] = BLANK_ROWS[self.m.nodes[nid].kind]
            question = gm.Question(q["caption"], tuple(q["prompt"]), tuple(q["fields"]), keep,
                                   tuple(q.get("notes", ())))
        self.given = None
        lines = tuple(step.get("lines", ()))
        edge_grads, self.edge_grads = self.edge_grads, {}
        nv, ne = len(self.visible), len(self.visible_edges)
        skip = step.get("skip") if question is None else None
        self.meta.append((phase, step.get("caption", ""), event, nv, ne, active, active_edges,
                          edge_grads, lines, question, step.get("made_by"), skip))
        pv, pe = self.prev_counts
        self.prev_counts = nv, ne
        # an op a backward pass builds is a step of that pass ("build": its edges carry values
        # forwards, so they are not drawn as gradients flowing back)
        group = "build" if step.get("made_by") else "backward" if phase in BACKWARD_KINDS else \
            "forward" if phase in ("leaf", "forward") else "initial"
        frame = {"phase": group, "caption": step.get("caption", ""),
                 "phase_label": {"backward": "◀ backward", "build": "◀ backward",
                                 "forward": "forward ▶"}.get(group, "start"),
                 "title": {"backward": "chain rule", "build": "backward builds",
                           "forward": "forward pass"}.get(group, "the program"),
                 "active": list(active), "active_edges": list(active_edges), "around": around,
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
                _keep_whole(frame["ask"])
            _keep_lines_whole(frame["ask"], "prompt")
        _keep_whole(frame)
        _keep_lines_whole(frame, "lines")
        if skip:  # (predict mode shows it: why this step asks nothing)
            frame["skip"] = skip
        self.m.frames.append(frame)
        self.done_changes = []
        self.k += 1

    def build(self):
        m = self.m
        if self.tensor_view:  # tensors made before the recording are there from step 0
            for ev in self.events:
                if ev.kind == "forward":
                    for x in ev.inputs:
                        if naming.is_tensor(x) and id(x) not in self.scan.made_inside and \
                                id(x) not in self.scan.build_first:
                            self.tensor(x)
        self.close_step("initial", None, {"caption": ""})
        handlers = {"leaf": self.leaf, "forward": self.forward, "backward": self.backward,
                    "accumulate": self.accumulate, "retain": self.retain}
        for ev in self.events:
            in_pass = ev.index in self.scan.pass_of
            step = handlers[ev.kind](ev)
            if in_pass and self.pass_prefix:  # "second backward: ..." (through a gradient's graph)
                step["caption"] = self.prefixed(step.get("caption", ""))
                if step.get("question"):
                    step["question"]["caption"] = self.prefixed(step["question"]["caption"])
            if in_pass != self.showing_flows or ev.index in self.scan.pass_end:
                self.dirty.update(self.flows.keys())
            self.showing_flows = in_pass and ev.index not in self.scan.pass_end
            self.close_step(ev.kind, ev.index, step)
        self.finish_step_zero()
        m.states = _States(self)
        m.program = tuple(self.listing())
        if self.tensor_view:
            roots = [nid for t_id, nid in self.node_of.items()
                     if t_id not in self.scan.consumed and not m.nodes[nid].is_leaf]
            for nid in roots:
                if "output" not in m.nodes[nid].classes:
                    m.nodes[nid].classes += ("output",)
            m.roots = tuple(sorted(roots, key=_node_order))
        else:
            m.roots = tuple(self.root_nodes)

    def prefixed(self, caption):
        """'backward: ...' -> 'second backward: ...', 'accumulate: ...' -> 'second backward,
        accumulate: ...' in a pass after one that built a gradient's graph."""
        if caption.startswith("backward: "):
            return f"{self.pass_prefix} backward: {caption[len('backward: '):]}"
        return f"{self.pass_prefix} backward, {caption}"

    def fold_into_next_line(self, labels):
        """The lines of the unnamed results among `labels` go: the line about to be written uses them."""
        for label in labels:
            if label in self.line_of_unnamed:
                self.folded.add(self.line_of_unnamed.pop(label))

    def listing(self):
        """The program as written: a line per leaf, named result and backward call, an unnamed
        result inside the line that uses it."""
        return [line for k, line in enumerate(self.program) if k not in self.folded]

    def finish_step_zero(self):
        """Step 0 shows the program it is about to run (and the tensors made before it)."""
        n = len(self.events)
        program = self.listing()
        listing = program[:PROGRAM_LINES]
        if len(program) > PROGRAM_LINES:
            listing.append(f"… and {len(program) - PROGRAM_LINES} more")
        caption = (f"Before the first of {n} events. Next (→) runs the program one event at a "
                   "time; play runs it on its own.")
        empty = not self.meta[0][3]
        if empty:  # nothing to see yet: the program fills the graph's place, the panel says how
            lines = (Line("Nothing has run yet: the program is on the left.", "head"),
                     Line("Each step runs one event of it: a new leaf, one op of the forward pass, "
                          "or one node of the backward pass.", "note"))
        else:
            lines = (Line("The recorded program:", "note"),) + tuple(Line(x, "code") for x in listing)
        self.meta[0] = ("initial", caption, None) + self.meta[0][3:8] + (lines, None, None, None)
        frame = self.m.frames[0]
        frame["caption"] = caption
        frame["lines"] = [[line.text, line.role] for line in lines]
        frame.pop("lines_whole", None)
        _keep_lines_whole(frame, "lines")
        if empty:
            frame["program"] = listing


def _keep_whole(frame):
    """The runs of frame's caption that the browser keeps on one line (its labels: W11_5, the caption
    "... passes gradients to x + w2 * h" broke after its x at 1280x720), when it has any."""
    runs = naming.whole_runs(frame["caption"])
    if runs:
        frame["caption_whole"] = runs


def _keep_lines_whole(frame, key):
    """The same for the chain-rule panel's lines (frame[key]: [[text, role]]): frame[key + "_whole"]
    holds each line's runs ([] for a line without one), when a line has any (W13_2: lecture 01's
    "dz/db = dz/d(a + b) · ∂(a + b)/∂b" broke inside "(a + b)" in lecture mode)."""
    runs = [naming.whole_runs(text) for text, _role in frame[key]]
    if any(runs):
        frame[key + "_whole"] = runs


def _more_outputs(ev, fn_of):
    """Whether forward event ev makes another output of a node already drawn (a node of several
    outputs, a custom Function's: one event per output, told apart by output_nr)."""
    return (ev.node is not None and getattr(ev.node, "_multi", False) and id(ev.node) in fn_of
            and getattr(ev.tensor, "output_nr", 0) > 0)


def _number_of(x):
    """A number a derivative formula read back (PyTorch's "wrapped number", a 0-dim tensor of the
    engine's) as the number it stands for; anything else as it is."""
    return x._data.item() if getattr(x, "_wrapped_number", False) else x


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


# the dtypes torch.tensor gives Python floats, ints and bools: a listing names any other
_INFERRED_DTYPES = ("float32", "int64", "bool")


def _tensor_call(text, value, requires_grad):
    """The call that makes a leaf, as the student's program writes it (the listing must run as
    written): 'torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)'."""
    args = [_literal(text, value)]
    dtype = np.asarray(value).dtype.name
    if dtype not in _INFERRED_DTYPES:
        args.append(f"dtype=torch.{dtype}")
    if requires_grad:
        args.append("requires_grad=True")
    return f"torch.tensor({', '.join(args)})"


def _distinct(fields):
    """Fields with distinct labels: `a + a` asks for two shares of dy/da, told apart by input."""
    labels = [f.label for f in fields]
    if len(set(labels)) == len(labels):
        return fields
    return [dataclasses.replace(f, label=f"{f.label} (input {f.slot + 1})",
                                words=f"{f.words}, through input {f.slot + 1}")
            if labels.count(f.label) > 1 else f for f in fields]


def _size(x):
    """How many elements an op's input has (a number: 1)."""
    data = getattr(x, "_data", None)
    if data is not None:
        return data.size
    return gm._np(x).size if naming.is_tensor(x) else np.size(x)


def _uniform(a):
    a = np.asarray(a)
    return a.size > 0 and gm.all_equal(a)


def _fits(v, shape):
    """Whether v broadcasts to `shape` (an operand of an op whose output has that shape)."""
    try:
        return np.broadcast_shapes(np.shape(v), tuple(shape)) == tuple(shape)
    except ValueError:
        return False


def _reduce(a, shape):
    """a summed to `shape` by the engine's unbroadcast (in float64); None if it cannot."""
    shape = tuple(shape)
    a = np.asarray(a, dtype=np.float64)
    try:
        stretched = np.broadcast_shapes(shape, a.shape) == a.shape
    except ValueError:
        stretched = False
    return unbroadcast(a, shape) if stretched else None


def _same(a, b, scale=None):
    """The engine's number a and a sum or product b of recorded numbers agree (up to float32
    rounding of terms of size `scale`)."""
    if a is None or b is None:
        return False
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    if scale is None:
        scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0))
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-5 * float(scale) + 1e-12))


def _skip_text(skipped):
    """One line: why a step that passes gradients on asks nothing."""
    labels = [label for label, _ in skipped]
    if len(labels) == 1:
        return f"Nothing to predict here: {labels[0]} depends on values shown only as min / mean / max."
    return (f"Nothing to predict here: {', '.join(labels)} depend on values shown only as min / "
            "mean / max.")


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
        (phase, caption, event, nv, ne, active, active_edges, edge_grads, lines, question,
         made_by, skip) = self._meta[k]
        return gm.StepState(k, phase, caption, event, tuple(self._visible[:nv]),
                            tuple(self._visible_edges[:ne]), active, active_edges,
                            tuple(self._done.at(k)), self._values.at(k), self._grads.at(k),
                            self._flows.at(k), dict(edge_grads), lines, question, self._rows.at(k),
                            made_by, skip)


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
