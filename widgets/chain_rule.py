"""The chain rule in words and symbols: the notation every view uses, and the terms of a pass.

Notation. For the root y of a backward pass and a tensor t, ``dy/dt`` is the total derivative (the
gradient backward computes, summed over every path from t to y) and ``∂o/∂t`` the local derivative
of one op's output o with respect to its input t. One backward step of o's grad_fn passes t

    its share      dy/do · ∂o/∂t            (a vector-Jacobian product for tensors)

and when t feeds ops o_1 .. o_k (in forward order), dy/dt is the sum of the k shares:

    dy/dt = dy/do_1 · ∂o_1/∂t + ... + dy/do_k · ∂o_k/∂t

The numbers come from the recording: dy/do is what o's grad_fn received (``event.grad_output``),
∂o/∂t its local derivative (``event.local_grads``: d sum(o)/dt, exact for elementwise scalar ops)
and the share what it passed on (``event.grad_inputs``). Labels are the model's node labels, so
the panel, the graph, the inspector and predict mode name a tensor the same way. Negative factors
are parenthesised: ``1·(-1)``.

    rules = ChainRule(stepper.model)      # or ChainRule(recording, names={"w": w, ...})
    rules.derivation(w)                   # 'dy/dw = dy/da · ∂a/∂w + dy/db · ∂b/∂w = 2·1 + 3·1 = 5'
    rules.total(w)                        # ndarray 5.0
"""
import ast
import dataclasses
import operator
import re
import warnings

import numpy as np

from .graph_model import GraphModel, format_array
from .naming import _operand

DOT = "·"
MAX_TERMS = 6  # a derivation with more paths shows the first ones, "…" and the last
BACKWARD_KINDS = ("backward", "accumulate", "retain")


# ---------------------------------------------------------------------------------------------
# Notation
# ---------------------------------------------------------------------------------------------
def d(root, t):
    """The total derivative of root with respect to t: 'dy/dt', 'dy/d(w + x)'."""
    return f"d{_operand(root)}/d{_operand(t)}"


def partial(out, t):
    """The local derivative of one op's output with respect to its input: '∂a/∂w'."""
    return f"∂{_operand(out)}/∂{_operand(t)}"


def num(x):
    """One number at 4 significant digits ("2", "-0.5", "1.5e+04")."""
    return format_array(np.asarray(x).reshape(-1)[0])


def factor(x):
    """A number as a factor of a product: negative ones in parentheses, '(-1)'."""
    s = num(x)
    return f"({s})" if s.startswith("-") else s


def is_scalar(*arrays):
    """All one number each (a list -- several outputs' gradients -- never is)."""
    return all(a is not None and not isinstance(a, list) and np.asarray(a).size == 1 for a in arrays)


def shape_text(a):
    """'()' / '(3,)' / '(2, 3)'; a list of arrays (the gradients of a node's several outputs):
    '(2,) and (2,)'."""
    if isinstance(a, list):
        return " and ".join(map(shape_text, a))
    shape = tuple(np.shape(a))
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ---------------------------------------------------------------------------------------------
# Terms: what one backward pass passed along each edge
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Term:
    """One path's share of dy/dt: dy/do (what o's grad_fn received) times ∂o/∂t (its local
    derivative), as passed at backward step `step` through input `slot` of o's grad_fn."""
    step: int
    slot: int
    out: str              # the label of o (the op output the path goes through)
    via: str              # o's node id (tensor view: the output tensor; function view: the grad_fn)
    upstream: object      # ndarray dy/do
    local: object         # ndarray d sum(o)/dt, or None
    share: object         # ndarray: what was passed to t
    seq: int              # o's forward order: terms read in the order the code wrote them


@dataclasses.dataclass
class Pass:
    """One backward pass: its root's label and node id, its steps, every quantity's terms."""
    root: str
    root_id: str | None
    steps: list
    terms: dict           # node id of t -> [Term] in backward (arrival) order
    labels: dict          # node id of t -> its label

    def total(self, nid):
        terms = self.terms.get(nid, ())
        return sum_of(t.share for t in terms) if terms else None


def sum_of(arrays):
    """The sum in arrival order (as the engine adds them), an ndarray; None for no arrays."""
    total = None
    for a in arrays:
        total = np.asarray(a) if total is None else total + a
    return None if total is None else np.asarray(total)


def term_symbol(root, term, t):
    """'dy/da · ∂a/∂w' (numbers) or 'vjp(dy/da, ∂a/∂w)' (tensors)."""
    if is_scalar(term.upstream, term.share) and (term.local is None or is_scalar(term.local)):
        return f"{d(root, term.out)} {DOT} {partial(term.out, t)}"
    return f"vjp({d(root, term.out)}, {partial(term.out, t)})"


def term_value(term):
    """'2·1' (numbers; just the share when the local derivative is unknown) or '(2,) → (2,)'."""
    if is_scalar(term.upstream, term.share):
        if term.local is not None and is_scalar(term.local):
            return f"{factor(term.upstream)}{DOT}{factor(term.local)}"
        return factor(term.share)
    return f"[{shape_text(term.upstream)} → {shape_text(term.share)}]"


def derivation(p, nid):
    """'dy/dw = dy/da · ∂a/∂w + dy/db · ∂b/∂w = 2·1 + 3·1 = 5': t's gradient in pass p."""
    label = p.labels.get(nid, nid)
    terms = sorted(p.terms.get(nid, ()), key=lambda t: (t.seq, t.slot))
    if not terms:
        return f"{label}: no gradient reaches it in this backward pass"
    lhs = d(p.root, label)
    total = p.total(nid)
    shown = terms if len(terms) <= MAX_TERMS else terms[:MAX_TERMS - 1] + [None] + terms[-1:]
    # a long sum reads as its first terms, "…", and its last one
    symbols = " + ".join("…" if t is None else term_symbol(p.root, t, label) for t in shown)
    paths = "" if shown is terms else f"   ({len(terms)} paths)"
    if all(is_scalar(t.upstream, t.share) for t in terms):
        values = " + ".join("…" if t is None else term_value(t) for t in shown)
        return f"{lhs} = {symbols} = {values} = {num(total)}{paths}"
    return (f"{lhs} = {symbols} = {format_array(total)}   (vector-Jacobian products, "
            f"shape {shape_text(total)}){paths}")


# ---------------------------------------------------------------------------------------------
# A view of a model's passes
# ---------------------------------------------------------------------------------------------
class ChainRule:
    """The chain-rule terms of a model built from a recording: derivations and totals by tensor.

    ChainRule(model) reads model.passes; ChainRule(recording, names=None) builds the model first.
    A target is a node id, a label, or an engine tensor / grad_fn of the recording."""

    def __init__(self, source, names=None):
        if isinstance(source, GraphModel):
            model = source
        elif hasattr(source, "events"):
            from .naming import caller_frame
            model = GraphModel.from_recording(source, names=names, frame=caller_frame())
        else:
            raise TypeError(f"expected a GraphModel or an autograd_core Recording, "
                            f"not {type(source).__name__}")
        if model.source != "recording":
            raise ValueError("a ChainRule needs a model built with GraphModel.from_recording()")
        self.model = model

    def node_id(self, target):
        """The node id of target: a node id, a label, or an engine object (its latest node; in
        the function view a non-leaf is its grad_fn's node, an AccumulateGrad its leaf's)."""
        m = self.model
        if isinstance(target, str):
            if target in m.nodes:
                return target
            for nid, node in m.nodes.items():
                if node.kind in ("tensor", "function") and target in (node.label, node.name):
                    return nid
            raise KeyError(f"no node labelled {target!r}")
        key = target
        if m.view == "function" and getattr(target, "grad_fn", None) is not None:
            key = target.grad_fn
        key = getattr(key, "variable", key)
        found = [nid for nid, obj in m.objects.items()
                 if obj is key and m.nodes[nid].kind in ("tensor", "function")]
        if not found:
            raise KeyError(f"this {type(target).__name__} is not in the recording's graph")
        return found[-1]

    def _pass(self, nid, pass_index):
        if pass_index is not None:
            return self.model.passes[pass_index]
        for p in reversed(self.model.passes):
            if nid in p.terms:
                return p
        return None

    def total(self, target, pass_index=None):
        """dy/dt summed over the paths of one backward pass (the last one reaching t)."""
        nid = self.node_id(target)
        p = self._pass(nid, pass_index)
        return p.total(nid) if p is not None else None

    def derivation(self, target, pass_index=None):
        nid = self.node_id(target)
        p = self._pass(nid, pass_index)
        if p is None:
            return f"{self.model.nodes[nid].label}: no gradient reaches it"
        return derivation(p, nid)


# ---------------------------------------------------------------------------------------------
# Checking a prediction
# ---------------------------------------------------------------------------------------------
_FRACTION = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def _read_number(token):
    """One typed number: "0.05", "-5e-2", or a fraction "1/20" (a mean's gradient reads as one)."""
    m = _FRACTION.fullmatch(token)
    if m:
        numerator, denominator = float(m.group(1)), float(m.group(2))
        if denominator == 0:
            raise ValueError("division by zero")
        return numerator / denominator
    return float(token)


_DECIMAL_COMMA = re.compile(r"\d,\d")   # "6,75" for one number: Python reads two
_EMPTY = "type a number (or a list of numbers for a tensor)"
# what torch prints after a tensor's values: tensor(6.7500, grad_fn=<MulBackward0>)
_TENSOR_KEYWORDS = re.compile(r",?\s*(grad_fn|requires_grad|dtype|device)\s*=\s*[^,)]*")
# the arithmetic an answer may be written in ("3*1.5**2"); "·" and "×" are the panel's and a book's times
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv, ast.Pow: operator.pow}
_SIGNS = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_TIMES = str.maketrans({"\u00b7": "*", "\u00d7": "*"})


class _NotArithmetic(ValueError):
    """A part of a typed answer that is not a number, an operator or a bracket: `piece` names it."""

    def __init__(self, piece):
        super().__init__(piece)
        self.piece = piece


def _arithmetic(node, text):
    """The numbers of an expression tree of numbers, + - * / ** and parentheses (lists or tuples of
    such for a tensor), flattened, computed in floats (so 9**9**9 overflows at once, no huge int)."""
    if isinstance(node, ast.Expression):
        return _arithmetic(node.body, text)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [v for item in node.elts for v in _arithmetic(item, text)]
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return [float(node.value)]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _SIGNS:
        (value,) = _scalar(node.operand, text)
        return [_SIGNS[type(node.op)](value)]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        (left,), (right,) = _scalar(node.left, text), _scalar(node.right, text)
        try:
            value = _OPERATORS[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ValueError(f"{text!r} divides by zero") from None
        except OverflowError:
            raise ValueError(f"{text!r} is too large a number") from None
        if isinstance(value, complex):          # (-8) ** (1/3)
            raise ValueError(f"{text!r} is not a real number") from None
        return [value]
    raise _NotArithmetic(ast.get_source_segment(text, node) or text)


def _scalar(node, text):
    """The one number an operand of an operator is (a list in arithmetic is not read)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        raise _NotArithmetic(ast.get_source_segment(text, node) or text)
    return _arithmetic(node, text)


def _read_arithmetic(text):
    """The numbers of `text` written as Python writes numbers, with + - * / ** and parentheses
    ("3*1.5**2", "[1/2, -3]"), or None where Python does not parse it as an expression ("1 2").
    Nothing is evaluated but numbers and those operators: a name, a call or an attribute raises
    _NotArithmetic naming it ("x" in "3*x")."""
    text = text.strip()
    try:
        with warnings.catch_warnings():          # ("2 (3)": "'int' object is not callable")
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        return _arithmetic(tree, text)
    except RecursionError:
        return None


def parse_guess(text, size=None):
    """A typed number or nested list of numbers ("5", "-0.5", "1/20", "3*1.5**2", "[1, 2]", "1 2",
    "tensor([1., 2.])" or "tensor(6.7500, grad_fn=<MulBackward0>)" as printed) as an ndarray.
    Arithmetic on numbers is read (+ - * / ** and parentheses, nothing else is evaluated).
    size: how many numbers the answer has; "6,75" for one number is a decimal comma, which Python
    does not read, so the student is told how to write it (for two numbers it is a list)."""
    s = str(text).strip().replace("\u2212", "-").translate(_TIMES)  # a typographic minus reads as one
    if not s:
        raise ValueError(_EMPTY)
    s = re.sub(r"^(torch\.)?tensor\b", " ", s)          # a value copied as torch prints it
    s = _TENSOR_KEYWORDS.sub(" ", s)
    unread = None
    try:
        values = _read_arithmetic(s)
    except _NotArithmetic as e:
        values, unread = None, e.piece
    if values is not None:
        if size == 1 and len(values) > 1 and _DECIMAL_COMMA.search(s):   # "6,75", "3*1,5**2"
            pointed = s.strip().replace(",", ".")
            raise ValueError(f"write the decimal with a point, as Python does: {pointed}")
        if not values:
            raise ValueError(_EMPTY)
        return np.array(values)
    s = s.replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ").replace(",", " ")
    s = re.sub(r"\s*/\s*", "/", s)                      # "1 / 20" is one fraction
    try:
        values = [_read_number(v) for v in s.split()]
    except ValueError:
        typed = str(text).strip()
        if unread is not None and unread != typed:
            raise ValueError(f"could not read {unread!r} in {typed!r}: an answer is numbers, "
                             f"with + - * / ** and parentheses if you like") from None
        raise ValueError(f"could not read {typed!r} as a number or a list of numbers") from None
    if not values:
        raise ValueError(_EMPTY)
    return np.array(values)


def is_close(guess, expected, rtol=1e-3):
    """guess matches expected within relative tolerance rtol (and a tiny absolute one for zeros)."""
    expected = np.asarray(expected, dtype=float)
    guess = np.asarray(guess, dtype=float).reshape(-1)
    if guess.size == 1:
        guess = np.full(expected.shape, guess[0])
    elif guess.size != expected.size:
        return False
    guess = guess.reshape(expected.shape)
    return bool(np.allclose(guess, expected, rtol=rtol, atol=1e-6, equal_nan=True))


__all__ = ["ChainRule", "Term", "Pass", "derivation", "d", "partial", "parse_guess", "is_close"]
