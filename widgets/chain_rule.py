"""The chain rule, written out from a recording's backward events (pure Python, no widgets).

For a root L and a tensor t feeding ops o_1 .. o_k (in forward order), one backward pass computes

    dL/dt = dL/do_1 · do_1/dt + ... + dL/do_k · do_k/dt

where dL/do_i is what o_i's grad_fn received (``event.grad_output``) and do_i/dt its local
derivative (``event.local_grads``: d sum(o_i)/dt, the local derivative of an elementwise scalar op).
For tensors the product is a vector-Jacobian product, so the text shows shapes instead of numbers.

    rules = ChainRule(rec, names={id(w): "w", id(y.grad_fn): "y", ...})
    rules.derivation(w)          # 'dy/dw = dy/da · da/dw + dy/db · db/dw = 2·1 + 3·1 = 5'
    rules.step_lines(k)          # what event k did, one line per edge
    rules.targets(k)             # [(label, ndarray)]: the gradients a student may predict at event k

A quantity is a leaf tensor (reached through its AccumulateGrad node) or the output of a grad_fn
(keyed by the grad_fn, so an in-place op's new version is a new quantity, as in the engine).
"""
import dataclasses

import numpy as np

from .graph_model import _np, format_array, short_op

BACKWARD_KINDS = ("backward", "accumulate", "retain")
DOT = "·"


def _is_acc(fn):
    return hasattr(fn, "next_functions") and fn.name().endswith("AccumulateGrad")


def _num(x):
    """One number at 4 significant digits ("2", "-0.5", "1.5e+04")."""
    x = float(np.asarray(x).reshape(-1)[0])
    s = f"{x:.4g}"
    return "0" if s == "-0" else s


def _is_scalar(*arrays):
    return all(a is not None and np.asarray(a).size == 1 for a in arrays)


def shape_text(a):
    """'()' / '(3,)' / '(2, 3)'."""
    shape = tuple(np.shape(a))
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


@dataclasses.dataclass
class Term:
    """One path's share of dL/dt: dL/d(out) (received by the op) times d(out)/dt (its local derivative)."""
    event: int            # index of the backward event in rec.events
    slot: int             # which next_functions entry of the event's node leads to t
    out: object           # the grad_fn whose output the path goes through
    grad_output: object   # ndarray dL/d(out)
    local: object         # ndarray d sum(out)/dt
    grad: object          # ndarray: what the op passed to t (the product / VJP)
    seq: int              # forward creation order of `out` (orders the terms as the code reads)


@dataclasses.dataclass
class Pass:
    """One backward pass: its root (a grad_fn), its events, and the terms of every quantity."""
    root: object
    events: list
    terms: dict           # key -> [Term] in forward order
    quantity: dict        # key -> the tensor or grad_fn the key stands for


def key_of(obj):
    """The key of a quantity: a leaf tensor, or a grad_fn standing for its output."""
    if _is_acc(obj):
        obj = obj.variable
    return id(obj)


class ChainRule:
    """Chain-rule text for every backward event of a recording; `names` maps id(obj) -> name."""

    def __init__(self, rec, names=None):
        if not hasattr(rec, "events"):
            raise TypeError(f"expected an autograd_core Recording, not {type(rec).__name__}")
        self.rec = rec
        self.names = dict(names or {})
        self.passes = []
        self.pass_of = {}          # event index -> Pass
        self.forward_of = {}       # id(grad_fn) -> its forward Event
        for ev in rec.events:
            if ev.kind == "forward" and ev.node is not None:
                self.forward_of[id(ev.node)] = ev
        self._split_passes()

    # --- names -----------------------------------------------------------------------------------
    def name(self, obj):
        """The name of a quantity: the variable holding it, else "[op]" for an unnamed op output."""
        if _is_acc(obj):
            obj = obj.variable
        n = self.names.get(id(obj))
        if n:
            return f"({n})" if " " in n else n  # "b v1" (a tensor's version 1) reads as one symbol
        if hasattr(obj, "next_functions"):
            op = getattr(getattr(obj, "op", None), "name", None) or short_op(obj.name())
            return f"[{op}]"
        if getattr(obj, "grad_fn", None) is not None:
            return self.name(obj.grad_fn)
        if hasattr(obj, "requires_grad") and not obj.requires_grad and obj.numel() <= 4:
            return format_array(_np(obj))  # an unnamed constant reads best as its value
        return "[tensor]"

    def d(self, num, den):
        return f"d{self.name(num)}/d{self.name(den)}"

    def root_name(self, p):
        return self.name(p.root)

    # --- passes ----------------------------------------------------------------------------------
    def _split_passes(self):
        current = None
        prev_kind = None
        for ev in self.rec.events:
            if ev.kind in BACKWARD_KINDS:
                if current is None or prev_kind not in BACKWARD_KINDS:
                    root = ev.node if ev.kind == "backward" else ev.tensor
                    current = Pass(root, [], {}, {})
                    self.passes.append(current)
                current.events.append(ev.index)
                self.pass_of[ev.index] = current
                if ev.kind == "backward":
                    self._add_terms(current, ev)
            prev_kind = ev.kind
        for p in self.passes:
            for terms in p.terms.values():
                terms.sort(key=lambda t: (t.seq, t.slot))

    def _add_terms(self, p, ev):
        for slot, (nxt, _) in enumerate(ev.node.next_functions):
            grads = ev.grad_inputs or ()
            if nxt is None or slot >= len(grads) or grads[slot] is None:
                continue
            key = key_of(nxt)
            p.quantity[key] = nxt.variable if _is_acc(nxt) else nxt
            local = ev.local_grads[slot] if ev.local_grads is not None else None
            p.terms.setdefault(key, []).append(
                Term(ev.index, slot, ev.node, np.asarray(ev.grad_output), local, np.asarray(grads[slot]),
                     getattr(ev.node, "_seq", ev.index)))

    # --- text --------------------------------------------------------------------------------------
    def _pass_for(self, obj, pass_index):
        key = key_of(obj)
        if pass_index is not None:
            return self.passes[pass_index]
        for p in reversed(self.passes):
            if key in p.terms:
                return p
        return None

    def total(self, obj, pass_index=None):
        """dL/d(obj) summed over the paths of one backward pass (the last one reaching obj)."""
        p = self._pass_for(obj, pass_index)
        terms = p.terms.get(key_of(obj), []) if p else []
        if not terms:
            return None
        return sum(t.grad for t in terms[1:]) + terms[0].grad if len(terms) > 1 else terms[0].grad

    def term_symbol(self, p, term, obj):
        """'dy/da · da/dw' (numbers) or 'vjp(dy/da, da/dw)' (tensors)."""
        upstream, local = self.d(p.root, term.out), self.d(term.out, obj)
        if term.out is p.root:
            upstream = f"d{self.root_name(p)}/d{self.root_name(p)}"
        if _is_scalar(term.grad_output, term.local, term.grad):
            return f"{upstream} {DOT} {local}"
        return f"vjp({upstream}, {local})"

    def term_value(self, term):
        if _is_scalar(term.grad_output, term.local, term.grad):
            return f"{_num(term.grad_output)}{DOT}{_num(term.local)}"
        return f"[{shape_text(term.grad_output)} → {shape_text(term.grad)}]"

    def derivation(self, obj, pass_index=None):
        """'dy/dw = dy/da · da/dw + dy/db · db/dw = 2·1 + 3·1 = 5' for one backward pass."""
        p = self._pass_for(obj, pass_index)
        terms = p.terms.get(key_of(obj), []) if p else []
        if not terms:
            return f"{self.name(obj)}: no gradient reaches it in this backward pass"
        lhs = f"d{self.root_name(p)}/d{self.name(obj)}"
        symbols = " + ".join(self.term_symbol(p, t, obj) for t in terms)
        values = " + ".join(self.term_value(t) for t in terms)
        total = self.total(obj, self.passes.index(p))
        if all(_is_scalar(t.grad_output, t.local, t.grad) for t in terms):
            return f"{lhs} = {symbols} = {values} = {_num(total)}"
        return (f"{lhs} = {symbols} = {format_array(total)}   (vector-Jacobian products, "
                f"shape {shape_text(total)})")

    def _edge_line(self, p, ev, slot, nxt):
        """What one backward event passed along one edge."""
        key = key_of(nxt)
        terms = p.terms.get(key, [])
        term = next(t for t in terms if t.event == ev.index and t.slot == slot)
        lhs = f"d{self.root_name(p)}/d{self.name(nxt)}"
        sym = self.term_symbol(p, term, nxt)
        if _is_scalar(term.grad_output, term.local, term.grad):
            line = f"{lhs} ← {sym} = {self.term_value(term)} = {_num(term.grad)}"
        else:
            line = (f"{lhs} ← {sym}: {shape_text(term.grad_output)} → {shape_text(term.grad)}"
                    f" = {format_array(term.grad)}")
        if len(terms) > 1:
            seen = [t for t in self.rec_order(terms) if (t.event, t.slot) <= (ev.index, slot)]
            if len(seen) < len(terms):
                running = sum(t.grad for t in seen[1:]) + seen[0].grad if len(seen) > 1 else seen[0].grad
                line += f"   (path {len(seen)} of {len(terms)}; sum so far {format_array(running)})"
            else:
                line += f"   (last of {len(terms)} paths)"
                return [line, "  so " + self.derivation(nxt, self.passes.index(p))]
        return [line]

    @staticmethod
    def rec_order(terms):
        return sorted(terms, key=lambda t: (t.event, t.slot))

    def step_lines(self, index):
        """Lines describing event `index`: the chain rule at work for backward events."""
        ev = self.rec.events[index]
        if ev.kind == "leaf":
            rg = "requires grad" if getattr(ev.tensor, "requires_grad", False) else "needs no grad"
            return [f"{self.name(ev.tensor)} = {format_array(ev.value)}: a new leaf tensor ({rg})"]
        if ev.kind == "forward":
            args = ", ".join(self.name(x) if hasattr(x, "grad_fn") else format_array(x) for x in ev.inputs)
            out = self.name(ev.node) if ev.node is not None else self.name(ev.tensor)
            head = f"{out} = {ev.op}({args}) = {format_array(ev.value)}"
            if ev.node is None:
                return [head, "no input requires grad: nothing is recorded for backward"]
            return [head, f"records {ev.node.name()} for the backward pass; {self._saves(ev, out)}"]
        p = self.pass_of[index]
        root = self.root_name(p)
        if ev.kind == "backward":
            out = self.name(ev.node)
            d_out = f"d{root}/d{out}"
            received = (f"{_num(ev.grad_output)}" if _is_scalar(ev.grad_output)
                        else f"{format_array(ev.grad_output)} (shape {shape_text(ev.grad_output)})")
            lines = [f"{ev.node.name()} receives {d_out} = {received}"]
            for slot, (nxt, _) in enumerate(ev.node.next_functions):
                grads = ev.grad_inputs or ()
                if nxt is None or slot >= len(grads) or grads[slot] is None:
                    continue
                lines.extend(self._edge_line(p, ev, slot, nxt))
            if len(lines) == 1:
                lines.append("no input needs a gradient")
            elif not all(_is_scalar(ev.grad_output, g) for g in ev.grad_inputs if g is not None):
                lines.append(f"vjp(v, J) = vᵀJ: the gradient received (v) times the Jacobian J of "
                             f"{out} w.r.t. the input, computed without building J")
            return lines
        if ev.kind == "accumulate":
            leaf = self.name(ev.tensor)
            lines = [f"{leaf}.grad += d{root}/d{leaf} = {format_array(ev.grad)}  →  "
                     f"{leaf}.grad = {format_array(ev.total)}"]
            if key_of(ev.tensor) in p.terms:
                lines.append(self.derivation(ev.tensor, self.passes.index(p)))
            return lines
        if ev.kind == "retain":
            name = self.name(ev.tensor)
            return [f"{name}.retain_grad() was called: {name}.grad = d{root}/d{name} = {format_array(ev.grad)}"]
        return []

    def _saves(self, ev, out):
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
                names.append(self.name(x) if hasattr(x, "grad_fn") else format_array(x))
            else:
                names.append(s)
        return "it saves " + ", ".join(names)

    # --- predictions --------------------------------------------------------------------------------
    def targets(self, index):
        """[(label, ndarray)]: what event `index` reveals, for a student to predict first."""
        ev = self.rec.events[index]
        if ev.kind not in BACKWARD_KINDS:
            return []
        p = self.pass_of[index]
        root = self.root_name(p)
        if ev.kind == "backward":
            out = []
            for slot, (nxt, _) in enumerate(ev.node.next_functions):
                grads = ev.grad_inputs or ()
                if nxt is not None and slot < len(grads) and grads[slot] is not None:
                    out.append((f"d{root}/d{self.name(nxt)}", np.asarray(grads[slot])))
            labels = [label for label, _ in out]
            if len(set(labels)) < len(labels):  # x * x: one tensor, two inputs
                out = [(f"{label} (input {i + 1})", g) for i, (label, g) in enumerate(out)]
            return out
        if ev.kind == "accumulate":
            return [(f"{self.name(ev.tensor)}.grad", np.asarray(ev.total))]
        return [(f"{self.name(ev.tensor)}.grad", np.asarray(ev.grad))]

    def prompt_lines(self, index):
        """The question shown before the targets of event `index` are revealed (no answers in it)."""
        ev = self.rec.events[index]
        p = self.pass_of.get(index)
        if p is None:
            return []
        root = self.root_name(p)
        if ev.kind == "backward":
            received = (_num(ev.grad_output) if _is_scalar(ev.grad_output)
                        else f"{format_array(ev.grad_output)} (shape {shape_text(ev.grad_output)})")
            fwd = self.forward_of.get(id(ev.node))
            made = ""
            if fwd is not None:
                args = ", ".join(self.name(x) if hasattr(x, "grad_fn") else format_array(x)
                                 for x in fwd.inputs)
                made = f" (forward: {self.name(ev.node)} = {fwd.op}({args}))"
            return [f"{ev.node.name()} receives d{root}/d{self.name(ev.node)} = {received}{made}",
                    "Predict what it passes on to each input:"]
        if ev.kind == "accumulate":
            return [f"AccumulateGrad adds d{root}/d{self.name(ev.tensor)} into "
                    f"{self.name(ev.tensor)}.grad. Predict the new {self.name(ev.tensor)}.grad:"]
        return [f"{self.name(ev.tensor)} retains its grad. Predict {self.name(ev.tensor)}.grad:"]


def parse_guess(text):
    """A typed number or nested list of numbers ("5", "-0.5", "[1, 2]", "1 2") as an ndarray."""
    s = str(text).strip()
    if not s:
        raise ValueError("type a number (or a list of numbers for a tensor)")
    s = s.replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ").replace(",", " ")
    try:
        return np.array([float(v) for v in s.split()])
    except ValueError:
        raise ValueError(f"could not read {text!r} as a number or a list of numbers") from None


def is_close(guess, expected, rtol=1e-3):
    """guess matches expected within relative tolerance rtol (and a tiny absolute one for zeros)."""
    expected = np.asarray(expected, dtype=float)
    guess = np.asarray(guess, dtype=float).reshape(-1)
    if guess.size == 1:
        guess = np.full(expected.shape, guess[0])
    elif guess.size != expected.size:
        return False
    guess = guess.reshape(expected.shape)
    return bool(np.allclose(guess, expected, rtol=rtol, atol=1e-6))
