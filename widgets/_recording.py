"""GraphModel.from_recording: the graph an ``autograd_core.record()`` block built, step by step.

One step per event of the recording (after a step 0 for "before the first event"); see the
StepState fields in graph_model's docstring. The values shown are the copies the events carry, so
each step shows what was true at that moment, not what the tensors hold now.
"""
import functools

import numpy as np

import autograd_core

from . import graph_model as gm
from . import naming


class _Recorder:
    def __init__(self, model, rec, found, show_saved, small=gm.SMALL):
        self.m = model
        self.fmt = functools.partial(gm.format_array, small=small)
        self.rec = rec
        self.names = {k: v[0] for k, v in found.items()}
        self.modules = getattr(found, "modules", {})
        # `w.grad` and `w.data` are tensors of their own: name them after w, and follow in-place
        # changes of a leaf's .grad (w.grad.zero_()) into that leaf's grad text
        self.grad_owner, self.data_owner = {}, {}
        for _, t in found.values():
            if not isinstance(t, autograd_core.Tensor):
                continue  # (a real torch tensor's ._grad warns when it is not a leaf)
            g = getattr(t, "_grad", None)
            if g is not None:
                self.grad_owner.setdefault(id(g), t)
            d = getattr(t, "_data", None)
            if d is not None:
                self.data_owner.setdefault(id(d), t)
        self.show_saved = show_saved
        self.node_of = {}        # id(tensor) -> node id of its latest version (tensor view)
        self.versions = {}       # id(tensor) -> how many nodes it has had
        self.fn_of = {}          # id(grad_fn) -> function / op node id
        self.out_of = {}         # id(grad_fn) -> output tensor node id (tensor view)
        self.inputs_of = {}      # op / function node id -> [(slot, src id, edge id)]
        self.result_edge = {}    # op node id -> edge op -> output
        self.acc_of = {}         # id(leaf tensor) -> AccumulateGrad node id (function view)
        self.leaf_edge = {}      # AccumulateGrad node id -> edge leaf -> it
        self.root_nodes = []     # function view: the root tensors' nodes
        self.keep = []
        # the state as it evolves
        self.visible, self.visible_edges = [], []  # append-only: a step keeps how many it saw
        self.partial = {}        # node id -> summed grad ndarray in the current backward run
        self.done = []
        self.edge_grads = {}     # edge id -> gradient text, for the current step only
        self.in_backward = False

    # --- nodes -----------------------------------------------------------------------------------
    def show(self, *ids):
        self.visible.extend(ids)

    def show_edge(self, edge):
        self.visible_edges.append(edge.id)
        return edge

    def tensor(self, t, value=None, new_version=False):
        """The node of tensor t (a new one for a new version after an in-place op)."""
        key = id(t)
        nid = self.node_of.get(key)
        if nid is not None and not new_version:
            return nid
        k = self.versions.get(key, 0)
        self.versions[key] = k + 1
        name = self.names.get(key) or self.alias(t)
        label = gm.tensor_label(name, t) + (f" v{k}" if k else "")
        fields = gm.tensor_fields(t, name, module=self.modules.get(key))
        node = self.m.add_node("tensor", label, **fields)
        if value is not None:
            node.value, node.has_value = np.array(value, copy=True), True
        self.keep.append(t)
        self.node_of[key] = node.id
        if value is None:  # made before the recording: its value when the recording began
            before = self.initial_value(t)
            self.values[node.id] = "?" if before is None else self.fmt(before)
        else:
            self.values[node.id] = self.fmt(node.value)
        self.grads[node.id] = self.initial_grad(t)
        self.show(node.id)
        return node.id

    def alias(self, t):
        """'w.grad' for the tensor that is w's .grad, 'w.data' for another tensor on w's memory."""
        owner = self.grad_owner.get(id(t))
        if owner is not None and id(owner) in self.names:
            return self.names[id(owner)] + ".grad"
        owner = self.data_owner.get(id(getattr(t, "_data", None)))
        if owner is not None and owner is not t and id(owner) in self.names:
            return self.names[id(owner)] + ".data"
        return None

    def initial_value(self, t):
        """t's data before the recording's first in-place write into its memory (w.data.sub_(...)).

        Events copy values only after each op, so the value before is known when nothing wrote
        into t (its data now), or when the first write was an add/sub of a known value (undone
        here); otherwise None ("?")."""
        data = gm._np(t)
        first = None
        for ev in self.rec.events:
            if ev.kind == "forward" and ev.inputs and ev.inputs[0] is ev.tensor and \
                    getattr(ev.tensor, "_data", None) is data:
                first = ev
                break
        if first is None:
            return data
        if first.op not in ("add", "sub") or len(first.inputs) != 2:
            return None
        other = first.inputs[1]
        if naming.is_tensor(other):
            copies = [e.value for e in self.rec.events[:first.index]
                      if e.kind in ("leaf", "forward") and e.tensor is other]
            other = copies[-1] if copies else gm._np(other)
        return first.value - other if first.op == "add" else first.value + other

    def initial_grad(self, t):
        """.grad text before the recording's first accumulation into t."""
        if t.grad_fn is not None:
            return "None"
        first = next((e for e in self.rec.events if e.kind == "accumulate" and e.tensor is t), None)
        if first is None:
            return self.fmt(gm._grad_of(t))
        if getattr(first, "prev", False) is not False:  # an engine that records the grad before
            return self.fmt(first.prev)
        before = first.total - first.grad
        # None and zeros both give 0 here; a leaf made inside the recording had None
        made_inside = any(e.kind == "leaf" and e.tensor is t for e in self.rec.events)
        return "None" if made_inside or not np.any(before) else self.fmt(before)

    def const(self, x):
        a = np.asarray(x)
        node = self.m.add_node("const", self.fmt(a), shape=tuple(a.shape), dtype=str(a.dtype),
                               classes=("const", "number"), value=a, has_value=True, is_leaf=True)
        self.values[node.id] = self.fmt(a)
        self.show(node.id)
        return node.id

    # --- events ----------------------------------------------------------------------------------
    def leaf(self, ev):
        nid = self.tensor(ev.tensor, ev.value, new_version=id(ev.tensor) in self.node_of)
        return [nid], [], f"leaf {self.m.nodes[nid].label} = {self.values[nid]}"

    def forward(self, ev):
        owner = self.grad_owner.get(id(ev.tensor))
        if owner is not None and id(owner) in self.node_of:  # an in-place change of owner.grad
            self.grads[self.node_of[id(owner)]] = self.fmt(ev.value)
        owner = self.data_owner.get(id(getattr(ev.tensor, "_data", None)))
        if owner is not None and owner is not ev.tensor and id(owner) in self.node_of:
            self.values[self.node_of[id(owner)]] = self.fmt(ev.value)  # w.data.sub_(...)
        if self.m.view == gm.TENSOR_VIEW:
            return self.forward_tensor(ev)
        return self.forward_function(ev)

    def forward_tensor(self, ev):
        m = self.m
        ins = []
        for slot, x in enumerate(ev.inputs):
            if naming.is_tensor(x):
                ins.append((slot, self.tensor(x)))
            else:
                ins.append((slot, self.const(x)))
        fname = ev.node.name() if ev.node is not None else None
        op = m.add_node("op", ev.op, op=fname, classes=("op",) if ev.node is not None else ("op", "nograd"))
        self.show(op.id)
        edges = [self.show_edge(m.add_edge(src, op.id, slot, ("data",))) for slot, src in ins]
        self.inputs_of[op.id] = [(slot, src, e.id) for (slot, src), e in zip(ins, edges)]
        out = self.tensor(ev.tensor, ev.value, new_version=id(ev.tensor) in self.node_of)
        res = self.show_edge(m.add_edge(op.id, out, 0, ("result",)))
        self.result_edge[op.id] = res.id
        if ev.node is not None:
            self.fn_of[id(ev.node)] = op.id
            self.out_of[id(ev.node)] = out
            self.keep.append(ev.node)
            if self.show_saved:
                self.saved(ev.node, op.id)
        args = ", ".join(m.nodes[src].label for _, src in ins)
        caption = f"forward: {m.nodes[out].label} = {ev.op}({args}) = {self.values[out]}"
        return [op.id, out], [e.id for e in edges] + [res.id], caption

    def forward_function(self, ev):
        m = self.m
        if ev.node is None:
            return [], [], f"forward: {ev.op} (needs no grad: not in the backward graph)"
        active, edges, ins = [], [], []
        for slot, (nxt, _) in enumerate(ev.node.next_functions):
            if nxt is None:
                continue
            if gm._is_acc(nxt):
                src = self.accumulate_node(nxt)
            else:
                src = self.fn_of.get(id(nxt))
                if src is None:
                    continue  # built before the recording started
            ins.append((slot, src))
        t = ev.tensor
        name = self.names.get(id(t))
        node = m.add_node("function", ev.node.name(), name=name, op=ev.node.name(), classes=("function",))
        self.show(node.id)
        for slot, src in ins:
            e = self.show_edge(m.add_edge(src, node.id, slot, ("next",)))
            edges.append(e.id)
        self.inputs_of[node.id] = [(slot, src, eid) for (slot, src), eid in zip(ins, edges)]
        self.fn_of[id(ev.node)] = node.id
        self.keep.append(ev.node)
        if id(t) not in self.consumed:
            active.append(self.root_node(t, node.id, ev.value))
        if self.show_saved:
            self.saved(ev.node, node.id)
        active.insert(0, node.id)
        return active, edges, f"forward: {ev.op} records {ev.node.name()}"

    def accumulate_node(self, acc):
        leaf_t = acc.variable
        if id(leaf_t) in self.acc_of:
            return self.acc_of[id(leaf_t)]
        leaf = self.tensor(leaf_t)
        node = self.m.add_node("accumulate", "AccumulateGrad", op=acc.name(), classes=("accumulate",))
        self.show(node.id)
        self.leaf_edge[node.id] = self.show_edge(self.m.add_edge(leaf, node.id, 0, ("variable",))).id
        self.acc_of[id(leaf_t)] = node.id
        return node.id

    def saved(self, fn, fn_id):
        for name, arr in gm._saved(fn).items():
            node = self.m.add_node("saved", name, shape=tuple(arr.shape), dtype=str(arr.dtype),
                                   classes=("saved",), value=arr.copy(), has_value=True)
            self.values[node.id] = self.fmt(arr)
            self.show(node.id)
            self.show_edge(self.m.add_edge(node.id, fn_id, 0, ("saved",)))

    def backward(self, ev):
        m = self.m
        if not self.in_backward:  # a new backward pass: gradients flow afresh
            self.partial.clear()
            self.flows.clear()
        fid = self.fn_of.get(id(ev.node))
        if fid is None:
            return [], [], f"backward: {ev.node.name()} (built before the recording)"
        active, edges = [fid], []
        if m.view == gm.TENSOR_VIEW:
            out = self.out_of[id(ev.node)]
            self.flows[out] = self.fmt(ev.grad_output)
            active.append(out)
            edges.append(self.result_edge[fid])
            self.edge_grads[self.result_edge[fid]] = self.flows[out]
        inputs = {slot: (src, eid) for slot, src, eid in self.inputs_of.get(fid, ())}
        for slot, g in enumerate(ev.grad_inputs):
            if g is None or slot not in inputs:
                continue
            src, eid = inputs[slot]
            edges.append(eid)
            self.edge_grads[eid] = self.fmt(g)
            if m.view == gm.TENSOR_VIEW:
                total = self.partial.get(src)
                self.partial[src] = g if total is None else total + g
                self.flows[src] = self.fmt(self.partial[src])
        self.done.append(fid)
        return active, edges, (f"backward: {ev.node.name()} gets grad {self.fmt(ev.grad_output)}"
                               " and passes it to its inputs")

    def accumulate(self, ev):
        leaf = self.tensor(ev.tensor)
        self.grads[leaf] = self.fmt(ev.total)
        active, edges = [leaf], []
        if self.m.view == gm.FUNCTION_VIEW:
            acc = self.acc_of.get(id(ev.tensor))
            if acc is not None:
                active.insert(0, acc)
                edges.append(self.leaf_edge[acc])
                self.done.append(acc)
        self.done.append(leaf)
        label = self.m.nodes[leaf].label
        return active, edges, f"accumulate: {label}.grad += {self.fmt(ev.grad)} -> {self.grads[leaf]}"

    def retain(self, ev):
        nid = self.node_of.get(id(ev.tensor))
        if nid is None:  # function view: the retaining tensor is its grad_fn's node
            fid = self.fn_of.get(id(ev.node))
            return ([fid] if fid else []), [], f"retain_grad: .grad = {self.fmt(ev.grad)}"
        self.grads[nid] = self.fmt(ev.grad)
        return [nid], [], f"retain_grad: {self.m.nodes[nid].label}.grad = {self.grads[nid]}"

    # --- the walk --------------------------------------------------------------------------------
    def snapshot(self, phase, caption, event, active, active_edges):
        edge_grads, self.edge_grads = self.edge_grads, {}  # only this step's
        self.log.step(phase, caption, event, active, active_edges, edge_grads)

    def build(self):
        m = self.m
        events = self.rec.events
        self.log = gm.StepLog(self.visible, self.visible_edges, self.done)
        self.values, self.grads, self.flows = self.log.values, self.log.grads, self.log.flows
        # a tensor no op uses is a root (its node is drawn as the output)
        self.consumed = {id(x) for e in events if e.kind == "forward" for x in e.inputs
                         if naming.is_tensor(x) and x is not e.tensor}
        # tensors made before the recording are there from step 0
        made_inside = {id(e.tensor) for e in events if e.kind in ("leaf", "forward")}
        if m.view == gm.TENSOR_VIEW:
            for ev in events:
                if ev.kind == "forward":
                    for x in ev.inputs:
                        if naming.is_tensor(x) and id(x) not in made_inside:
                            self.tensor(x)
        self.snapshot("initial", "before the first step", None, [], [])
        handlers = {"leaf": self.leaf, "forward": self.forward, "backward": self.backward,
                    "accumulate": self.accumulate, "retain": self.retain}
        for ev in events:
            if ev.kind == "leaf" and m.view == gm.FUNCTION_VIEW:
                active, edges, caption = [], [], f"leaf created ({self.fmt(ev.value)})"
            else:
                active, edges, caption = handlers[ev.kind](ev)
            self.in_backward = ev.kind in ("backward", "accumulate", "retain")
            self.snapshot(ev.kind, caption, ev.index, active, edges)
        m.states = self.log
        m._keep.extend(self.keep)
        if m.view == gm.TENSOR_VIEW:
            roots = [nid for t_id, nid in self.node_of.items()
                     if t_id not in self.consumed and not m.nodes[nid].is_leaf]
            for nid in roots:
                if "output" not in m.nodes[nid].classes:
                    m.nodes[nid].classes += ("output",)
            m.roots = tuple(sorted(roots, key=lambda n: int(n[1:])))
        else:
            m.roots = tuple(self.root_nodes)

    def root_node(self, t, fid, value):
        """Function view: the tensor a root function made, drawn after it from this step on."""
        name = self.names.get(id(t))
        node = self.m.add_node("tensor", gm.tensor_label(name, t), **gm.tensor_fields(t, name, True))
        node.value, node.has_value = np.array(value, copy=True), True
        self.show(node.id)
        self.show_edge(self.m.add_edge(fid, node.id, 0, ("result",)))
        self.values[node.id] = self.fmt(value)
        self.grads[node.id] = "None"
        self.root_nodes.append(node.id)
        return node.id


def build_from_recording(model, rec, found, show_saved, small=gm.SMALL):
    if not hasattr(rec, "events"):
        raise TypeError(f"expected an autograd_core Recording, not {type(rec).__name__}")
    _Recorder(model, rec, found, show_saved, small).build()
