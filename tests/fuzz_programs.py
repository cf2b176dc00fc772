"""Differential fuzzing of autograd_core against PyTorch 2.13: random programs written the way a
student writes them, run statement by statement under both libraries and compared after every step.

A program is a list of Python statements over the name ``torch`` (and ``F`` for
torch.nn.functional), e.g. ``t2 = t0[1:].transpose(0, 1)`` or ``t5.backward(retain_graph=True)``.
The generator draws each statement from the state PyTorch is in (shapes, dtypes, which tensors need
grad), so programs are mostly valid, and sometimes not: then both libraries must raise the same
error, and the program goes on. After each statement every tensor the statement may have touched is
compared through the torch oracle (tests/torch_oracle.py): values, dtype, shape, requires_grad,
is_leaf, grad_fn name, retains_grad and .grad; and an error must be the same type and message.

The oracle's tolerance applies, with three documented allowances for rounding that is not a bug:
float64 values in a program holding float32 data get float32's tolerance (``at_least``); the values
of statements that sum (matmul, losses, reductions) get SUM_LOOSEN and .grad gets GRAD_LOOSEN (sums
that cancel keep the rounding of their terms); and a value that differs is re-computed by
autograd_core from torch's input values: if it then agrees, the statement is right and the inputs'
last-bit differences were amplified (cos of a large number, x ** y), so it is not counted.

Run it three ways:
- ``tests/test_fuzz_vs_torch.py``: a bounded, derandomized hypothesis run (CI), shrunk on failure;
- ``python tests/fuzz_programs.py --n 20000 --workers 2`` (``make fuzz N=20000``): many seeded
  programs without pytest, every mismatch shrunk to a minimal program and grouped by cause;
- ``python tests/fuzz_programs.py --seed S --show I``: program I of series S, as plain Python.
"""
import argparse
import ast
import collections
import math
import os
import random
import re
import sys
import time
import warnings
import zlib
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # torch_oracle, when run as a script
import torch  # noqa: E402

import autograd_core  # noqa: E402
from torch_oracle import Values, dtype_name, grad_fn_name, quiet_grad, difference  # noqa: E402

# --- what may be generated ------------------------------------------------------------------------
# Areas of the generator, each on by default and in `make fuzz`. A known engine bug that swamps the
# results can be kept out of the CI run by switching its area off there (tests/test_fuzz_vs_torch.py
# lists which, and why); nothing else skips a bug.
AREAS = {
    "nan": "NaN and infinities in the data",
    "empty": "tensors with a 0-size dimension",
    "int": "int64 tensors used as operands",
    "bool": "bool tensors used as operands (not only as masks and conditions)",
    "float64": "float64 tensors",
    "views": "view ops (view, reshape, transpose, expand, narrow, select, ...) chosen often",
    "inplace": "in-place ops",
    "inplace_with_views": "in-place ops on a view, or on a tensor that has views",
    "flip": "flip(), which must copy",
    "dim_of_scalar": "a dim argument on a 0-d tensor (x.sum(0), x.softmax(-1) of a scalar)",
    "rounding_ops": "//, %, sign, floor, ceil, round and rounding division of float tensors",
    "autograd_grad": "torch.autograd.grad",
    "second_backward": "retain_graph=True and a second backward",
    "create_graph": "create_graph=True: gradients with a graph of their own, used and differentiated again",
    "higher_order": "after the last statement: a gradient built with create_graph differentiated again "
                    "(second and third derivatives, grad_outputs that require grad, .grad with a graph)",
    "retain_grad": "retain_grad()",
    "hooks": "register_hook",
    "no_grad": "torch.no_grad() blocks",
    "errors": "calls chosen to be wrong (bad dims, sizes, shapes)",
    "random": "torch.manual_seed, then leaves drawn by rand / randn / randint (both generators in step)",
}


@dataclass
class Options:
    """What the generator may produce: areas (AREAS) and program length."""

    areas: frozenset = frozenset(AREAS)
    max_statements: int = 20

    def on(self, area):
        return area in self.areas


# --- choices: one interface for hypothesis and for a seeded random generator ----------------------
class RandomChoices:
    """Draws from a random.Random: seeded for the bulk runner (a program is reproducible from its
    seed), or hypothesis' st.randoms() in the CI test (then every draw is shrinkable, and a draw
    shrinks towards its lowest value, so option lists put the simplest choice first and chance()
    shrinks towards "no")."""

    def __init__(self, seed_or_random):
        self.rng = seed_or_random if hasattr(seed_or_random, "randint") else random.Random(seed_or_random)

    def integer(self, lo, hi):
        return self.rng.randint(lo, hi)

    def chance(self, p):
        return self.rng.random() >= 1 - p


def choice(ch, options):
    return options[ch.integer(0, len(options) - 1)]


def weighted(ch, table):
    """A key of {key: weight}, with probability proportional to weight."""
    total = sum(table.values())
    r = ch.integer(0, total - 1)
    for key, w in table.items():
        if r < w:
            return key
        r -= w
    raise AssertionError("unreachable")


# --- statements and their outcomes ----------------------------------------------------------------
@dataclass
class Statement:
    code: str              # Python source, one or more lines
    tag: str               # what kind of statement it is, for grouping mismatches
    touches_all: bool      # may change tensors other than the one it assigns (in-place, backward)

    def names(self):
        """The program variables the statement mentions."""
        return {n.id for n in ast.walk(ast.parse(self.code)) if isinstance(n, ast.Name)} - _NOT_VARIABLES

    def assigned(self):
        """The variables it assigns (x = ..., a, b = ..., also inside a with block)."""
        out = []
        for node in ast.walk(ast.parse(self.code)):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    out += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                            and isinstance(n.ctx, ast.Store)]
        return out


_NOT_VARIABLES = {"torch", "F", "float", "int", "bool", "True", "False", "None", "print"}


def is_variable(name, value):
    """A program variable (not torch, F, or a builtin) holding something comparable."""
    return (name not in _NOT_VARIABLES and not name.startswith("__")
            and (value is None or isinstance(value, (torch.Tensor, autograd_core.Tensor, tuple, list, int, float,
                                                     bool, torch.Size, autograd_core.Size))))


def statements_from_text(text):
    """A program typed as plain Python (one top-level statement after another) as Statements; every
    statement is compared on everything afterwards."""
    tree = ast.parse(text)
    return [Statement(ast.get_source_segment(text, node), "statement", True) for node in tree.body
            if not (isinstance(node, ast.Import) or isinstance(node, ast.ImportFrom))]


@dataclass
class Mismatch:
    index: int             # the statement after which the libraries disagree
    kind: str              # "error", "values", "grad", "dtype", ... (what differs)
    detail: str            # the oracle's description
    where: str = ""        # the variable, when the difference is in a variable

    def signature(self, statements):
        """What groups mismatches with one cause: an error's (torch's) message without its numbers;
        otherwise what differs after which kind of statement."""
        if self.kind.startswith(("raises", "error")):
            lines = self.detail.split("\n")
            message = lines[-1] if self.kind.startswith("error") else lines[0]
            message = re.sub(r"^(torch|autograd_core):\s+\w+: ", "", message.strip())
            message = re.sub(r"\d+", "N", message.split(": ", 1)[-1] if self.kind.startswith("raises")
                             else message)[:90]
            return f"{self.kind}: {message}"
        tag = statements[self.index].tag
        if tag.startswith("inplace") and self.where not in statements[self.index].code:
            tag = "in-place on another tensor" + (" (no_grad)" if "no_grad" in tag else "")
        return f"{self.kind} after {tag}"


def _execute(code, ns):
    """Run one compiled statement; (exception type name, message) if it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
    except Exception as e:  # noqa: BLE001 -- an exception is an outcome to compare
        return (type(e).__name__, str(e))
    return None


def _namespace(module):
    return {"torch": module, "F": module.nn.functional, "__builtins__": __builtins__}


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, autograd_core.Tensor))


def _read(fn):
    """fn(), or what it raised: reading an attribute may raise (torch: the grad_fn of a view from a
    multi-output function whose base changed in place), and then both libraries must raise alike."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception as e:  # noqa: BLE001
        return ("raises", type(e).__name__, str(e))


def describe(x):
    """Everything observable about a program value, as plain data for the oracle."""
    if _is_tensor(x):
        def grad():
            g = quiet_grad(x)
            return None if g is None else (dtype_name(g), tuple(g.shape), Values(g))
        return {"dtype": dtype_name(x), "shape": tuple(x.shape), "values": _read(lambda: Values(x)),
                "requires_grad": x.requires_grad, "is_leaf": _read(lambda: x.is_leaf),
                "grad_fn": _read(lambda: grad_fn_name(x)), "retains_grad": _read(lambda: x.retains_grad),
                "grad": _read(grad)}
    if isinstance(x, (tuple, list)):
        return [describe(v) for v in x]
    if isinstance(x, (torch.Size, autograd_core.Size)):
        return tuple(x)
    if isinstance(x, (torch.dtype, autograd_core.dtype)):
        return dtype_name(x)
    return x


# .grad is compared with 100 times the oracle's tolerance (float32: rtol 1e-4, atol 1e-5), because a
# leaf's gradient sums the contributions of several paths, each rounded in its own way (ATen's
# derivative formulas are not numpy's: x / x gives 7.6e-06 here, -1.2e-07 in torch, exactly 0 in
# exact arithmetic), and a sum that cancels keeps rounding the size of its terms, not of its result.
# Values of statements that sum (matmul, linear, losses, reductions) get 10 times, for the same reason;
# so do the gradients the higher_order area's statements assign (each a .grad by another name).
GRAD_LOOSEN = 100
SUM_LOOSEN = 10
_SUMMING = ("matmul", "nn linear", "nn mse", "nn cross_entropy", "reduce", "higher order")

# fields in the order a report names the first difference (the value before what follows from it)
_FIELDS = ("dtype", "shape", "values", "requires_grad", "is_leaf", "grad_fn", "retains_grad", "grad")


def compare_values(name, ours, theirs, at_least=None, excused=None, sums=False):
    """(kind, detail) of the first difference between a variable in both namespaces, or None.
    `excused`: (our values, torch's values) accepted earlier; values still equal to them pass.
    `sums`: the values come from a sum (SUM_LOOSEN)."""
    try:
        a = describe(ours)
    except Exception as e:  # noqa: BLE001
        return "inspect", f"{name}: reading autograd_core's value raised {type(e).__name__}: {e}"
    b = describe(theirs)
    if isinstance(a, dict) and isinstance(b, dict):
        for f in _FIELDS:
            if f == "values" and excused is not None and _unchanged(a[f], excused[0]) and _unchanged(
                    b[f], excused[1]):
                continue
            loosen = GRAD_LOOSEN if f == "grad" else SUM_LOOSEN if f == "values" and sums else 1
            d = difference(a[f], b[f], at_least=at_least, loosen=loosen)
            if d is not None:
                return f, f"{name}.{f}: {d}"
        return None
    d = difference(a, b, at_least=at_least)
    return None if d is None else ("values", f"{name}: {d}")


def _unchanged(values, before):
    return (isinstance(values, Values) and values.array.shape == before.array.shape
            and difference(values, before, exact=True) is None)


class Run:
    """One program executed in lockstep under autograd_core and torch."""

    def __init__(self):
        self.ours, self.theirs = _namespace(autograd_core), _namespace(torch)
        self.statements, self.outcomes = [], []  # outcomes: torch's error or None, per statement
        self.mismatch = None
        self.excused = {}  # variable -> (our values, torch's values) excused as amplified rounding
        self.inputs = {}  # torch's values of the variables the current statement names, before it
        self.summed = set()  # variables whose values a summing statement made (SUM_LOOSEN, also later)
        self.rng_before = None  # our generator's state before the current statement (for a re-check)

    def step(self, statement):
        """Run one statement on both sides and compare; returns the Mismatch (also kept) or None."""
        index = len(self.statements)
        self.statements.append(statement)
        code = compile(statement.code, f"<statement {index}>", "exec")
        self.inputs = {v: (t.detach().clone() if isinstance(t, torch.Tensor) else t)
                       for v in statement.names() if (t := self.theirs.get(v)) is not None}
        self.rng_before = autograd_core.get_rng_state()  # (a re-check draws what the statement drew)
        mine = _execute(code, self.ours)
        theirs = _execute(code, self.theirs)
        self.outcomes.append(theirs)
        if mine != theirs:
            if mine is None:
                detail = f"torch raises {theirs[0]}: {theirs[1]}; autograd_core does not"
                kind = "raises only in torch"
            elif theirs is None:
                detail = f"autograd_core raises {mine[0]}: {mine[1]}; torch does not"
                kind = "raises only in autograd_core"
            else:
                kind = "error type" if mine[0] != theirs[0] else "error message"
                detail = f"autograd_core: {mine[0]}: {mine[1]}\ntorch:         {theirs[0]}: {theirs[1]}"
            self.mismatch = Mismatch(index, kind, detail)
            return self.mismatch
        names = self.variables() if statement.touches_all else statement.assigned()
        # a sum's rounding stays in its values when later statements compare them again
        for name in statement.assigned():
            if statement.tag.startswith(_SUMMING):
                self.summed.add(name)
            else:
                self.summed.discard(name)
        # float64 values computed from float32 ones carry float32's rounding (the oracle's at_least)
        mixed = any(isinstance(v, torch.Tensor) and v.dtype == torch.float32 for v in self.theirs.values())
        for name in names:
            if (name in self.ours) != (name in self.theirs):
                self.mismatch = Mismatch(index, "defined", f"{name} defined only on one side", name)
                return self.mismatch
            if name not in self.theirs:
                continue
            found = compare_values(name, self.ours[name], self.theirs[name], "float32" if mixed else None,
                                   self.excused.get(name), name in self.summed)
            if found is not None and found[0] == "values" and name in statement.names() and \
                    self.same_given_torch_inputs(statement, name, "float32" if mixed else None):
                # rounding differences in the inputs, amplified (see same_given_torch_inputs): the values
                # are excused until either side changes them
                self.excused[name] = (Values(self.ours[name]), Values(self.theirs[name]))
                continue
            if found is not None:
                self.mismatch = Mismatch(index, found[0], found[1], name)
                return self.mismatch
        return None

    def same_given_torch_inputs(self, statement, name, at_least):
        """Whether autograd_core computes `name` as torch does when fed torch's values of the
        statement's inputs. Inputs may differ within the tolerance (each library rounds in its own
        way), and an ill-conditioned op (cos of a large number, x ** y, a cancelling sum) can
        amplify that: the statement itself is then right, and only a difference that remains with
        equal inputs counts."""
        ns = _namespace(autograd_core)
        for var, value in self.inputs.items():  # torch's values before the statement, outside any graph
            if isinstance(value, torch.Tensor):
                ns[var] = autograd_core.tensor(value.numpy().copy())
            elif var in self.ours:
                ns[var] = value  # Python numbers (item(), tolist())
        rng_after = autograd_core.get_rng_state()
        autograd_core.set_rng_state(self.rng_before)
        try:
            if _execute(compile(statement.code, "<recheck>", "exec"), ns) is not None or name not in ns:
                return False
        finally:  # (the program goes on from where the statement left our generator)
            autograd_core.set_rng_state(rng_after)
        a, b = describe(ns[name]), describe(self.theirs[name])
        if isinstance(a, dict) and isinstance(b, dict):
            a, b = a["values"], b["values"]
        return difference(a, b, at_least=at_least) is None

    def program(self):
        return Program(list(self.statements), list(self.outcomes), self.mismatch)

    def variables(self):
        names = {k for k, v in self.theirs.items() if is_variable(k, v)}
        names |= {k for k, v in self.ours.items() if is_variable(k, v)}
        return sorted(names, key=lambda k: (len(k), k))


@dataclass
class Program:
    """What a run leaves behind (picklable): the statements, torch's error or None for each, and
    the first mismatch."""

    statements: list
    outcomes: list
    mismatch: Mismatch = None


def run_statements(statements):
    """Run a whole program afresh; the Run (its .mismatch is the first difference, or None)."""
    run = Run()
    for s in statements:
        if run.step(s) is not None:
            break
    return run


# --- literals ---------------------------------------------------------------------------------------
NICE_FLOATS = (1.0, 2.0, -1.0, 0.5, 0.0, -2.0, 1.5, 3.0, -0.5, 0.25, -3.0, 4.0, -1.5)
UGLY_FLOATS = (0.1, -0.7, 1.3, 2.7, -1.9, 0.3)
SPECIAL_FLOATS = (math.nan, math.inf, -math.inf)
NICE_INTS = (1, 2, 0, 3, -1, -2, 5)


def float_literal(v):
    if math.isnan(v):
        return 'float("nan")'
    if math.isinf(v):
        return 'float("inf")' if v > 0 else '-float("inf")'
    return repr(float(v))


def literal(values, kind):
    """A nested Python list (or a number for 0-d) as a student types it."""
    if isinstance(values, list):
        return "[" + ", ".join(literal(v, kind) for v in values) + "]"
    if kind == "float":
        return float_literal(values)
    if kind == "bool":
        return repr(bool(values))
    return repr(int(values))


def nested(flat, shape):
    if not shape:
        return flat[0]
    step = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return [nested(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def shape_args(shape):
    """(2, 3) -> '2, 3'; () -> '()' (torch.ones(()) is a 0-d tensor)."""
    return ", ".join(map(str, shape)) if shape else "()"


def numel(shape):
    return int(np.prod(shape)) if shape else 1


MAX_NUMEL = 64


# --- the generator -----------------------------------------------------------------------------------
FLOAT_DTYPES = ("torch.float32", "torch.float64")


class Generator:
    """Writes one program, statement by statement, running each on both libraries as it goes."""

    def __init__(self, ch, options=None):
        self.ch, self.options = ch, options or Options()
        self.run = Run()
        self.counter = 0
        self.uses_nan = self.options.on("nan") and ch.chance(0.15)
        self.seeded = False  # (a program seeds the generators before its first random leaf)

    # --- state ---------------------------------------------------------------------------------------
    def new_name(self):
        name = f"t{self.counter}"
        self.counter += 1
        return name

    def tensor(self, name):
        return self.run.theirs[name]

    def tensors(self, where=None):
        out = []
        for k, v in self.run.theirs.items():
            if re.fullmatch(r"t\d+", k) and isinstance(v, torch.Tensor):
                # (reading is_leaf or grad_fn of a view torch cannot regenerate raises: not picked)
                picked = True if where is None else _read(lambda: where(v))
                if picked and not isinstance(picked, tuple):
                    out.append(k)
        return sorted(out, key=lambda k: int(k[1:]))

    def pick(self, where=None, masks=False):
        """A tensor variable (passing `where`); bool and integer tensors only where their areas are on
        (or, for bool, where `masks` says the op takes masks)."""
        def allowed(t):
            if t.dtype == torch.bool and not (masks or self.options.on("bool")):
                return False
            if not (t.is_floating_point() or t.dtype == torch.bool) and not self.options.on("int"):
                return False
            return where is None or where(t)
        names = self.tensors(allowed)
        return choice(self.ch, names) if names else None

    def peek(self, expr):
        """An expression's value, evaluated in torch to choose what comes next -- its draws from torch's
        generator undone (an inline torch.rand(()) would put torch's generator a draw ahead of ours)."""
        state = torch.get_rng_state()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return eval(expr, self.run.theirs)
        finally:
            torch.set_rng_state(state)

    def shape_of(self, expr):
        """The shape of a side-effect-free expression, evaluated in torch (None if it raises)."""
        try:
            return tuple(self.peek(expr).shape)
        except Exception:  # noqa: BLE001
            return None

    def has_views(self, name):
        """Whether the tensor is a view, or some other variable is a view of it."""
        t = self.tensor(name)
        if t._base is not None:
            return True
        return any(isinstance(u, torch.Tensor) and u._base is t for u in self.run.theirs.values())

    def chance(self, p):
        return self.ch.chance(p)

    def integer(self, lo, hi):
        return self.ch.integer(lo, hi)

    def emit(self, code, tag, touches_all=False):
        return self.run.step(Statement(code, tag, touches_all))

    # --- values ------------------------------------------------------------------------------------------
    def float_values(self, n):
        out = []
        for _ in range(n):
            if self.uses_nan and self.chance(0.2):
                out.append(choice(self.ch, SPECIAL_FLOATS))
            elif self.chance(0.15):
                out.append(choice(self.ch, UGLY_FLOATS))
            else:
                out.append(choice(self.ch, NICE_FLOATS))
        return out

    def scalar(self, kind=None):
        """A Python number for `x * 2` and friends."""
        kind = kind or weighted(self.ch, {"float": 6, "int": 3, "bool": 1 if self.options.on("bool") else 0})
        if kind == "int":
            return repr(choice(self.ch, NICE_INTS))
        if kind == "bool":
            return choice(self.ch, ("True", "False"))
        return float_literal(self.float_values(1)[0])

    def random_shape(self, max_dims=3):
        dims = weighted(self.ch, {1: 4, 2: 4, 0: 2, 3: 2})
        dims = min(dims, max_dims)
        low = 0 if self.options.on("empty") and self.chance(0.06) else 1
        shape = [self.integer(low if i == 0 or self.chance(0.3) else 1, 4) for i in range(dims)]
        return tuple(shape)

    def broadcast_partner(self, shape):
        """A shape that broadcasts with `shape` (drop leading dims, some dims 1, maybe a new one)."""
        kind = weighted(self.ch, {"same": 4, "fewer": 3, "ones": 3, "more": 1,
                                  "wrong": 1 if self.options.on("errors") else 0})
        s = list(shape)
        if kind == "fewer" and s:
            s = s[self.integer(1, len(s)):]
        elif kind == "ones":
            s = [1 if self.chance(0.5) else d for d in s]
        elif kind == "more" and len(s) < 3:
            s = [self.integer(1, 3)] + s
        elif kind == "wrong" and s:
            i = self.integer(0, len(s) - 1)
            s[i] = s[i] + 1 if s[i] != 1 else 2
        return tuple(s)

    # --- leaves ------------------------------------------------------------------------------------------
    def leaf_expr(self, shape=None, kind=None, requires_grad=None):
        """An expression making a new tensor from numbers (torch.tensor, ones, arange, ...)."""
        kind = kind or weighted(self.ch, {"float32": 12, "float64": 2 if self.options.on("float64") else 0,
                                          "int64": 2 if self.options.on("int") else 0,
                                          "bool": 1 if self.options.on("bool") else 0})
        shape = self.random_shape() if shape is None else shape
        if requires_grad is None:
            requires_grad = kind.startswith("float") and self.chance(0.7)
        dtype_kw = ", dtype=torch.float64" if kind == "float64" else ""
        rg = ", requires_grad=True" if requires_grad else ""
        n = numel(shape)
        style = weighted(self.ch, {"literal": 8, "ones": 2, "full": 1, "arange": 2 if len(shape) <= 2 else 0,
                                   "linspace": 1 if len(shape) == 1 else 0, "eye": 1 if len(shape) == 2 else 0,
                                   "random": 2 if self.options.on("random") and kind != "bool" else 0})
        if style == "random":
            return self.random_leaf_expr(shape, kind, dtype_kw, rg)
        if kind == "bool":
            flat = [self.chance(0.5) for _ in range(n)]
            return f"torch.tensor({literal(nested(flat, shape) if n or shape else [], 'bool')})" if n else \
                f"torch.zeros({shape_args(shape)}, dtype=torch.bool)"
        if kind == "int64":
            if style == "arange" and n:
                return f"torch.arange({n})" + (f".reshape({shape_args(shape)})" if len(shape) != 1 else "")
            if n == 0:
                return f"torch.zeros({shape_args(shape)}, dtype=torch.int64)"
            flat = [choice(self.ch, NICE_INTS) for _ in range(n)]
            return f"torch.tensor({literal(nested(flat, shape), 'int')})"
        if style == "ones" or n == 0:
            fn = "ones" if self.chance(0.5) else "zeros"
            return f"torch.{fn}({shape_args(shape)}{dtype_kw}{rg})"
        if style == "full":
            return f"torch.full(({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''}), " \
                   f"{float_literal(self.float_values(1)[0])}{dtype_kw}{rg})"
        if style == "arange":
            start = choice(self.ch, ("", "-2.0, ", "1.0, "))
            end = float(n) if not start else (n - 2.0 if start == "-2.0, " else n + 1.0)
            expr = f"torch.arange({start}{end}{dtype_kw})"
            if len(shape) != 1:
                expr += f".reshape({shape_args(shape)})"
            return expr + (".requires_grad_()" if requires_grad else "")
        if style == "linspace":
            return f"torch.linspace(-1, 1, {shape[0]}{dtype_kw}{rg})"
        if style == "eye":
            return f"torch.eye({shape[0]}{', ' + str(shape[1]) if shape[1] != shape[0] else ''}{dtype_kw}{rg})"
        flat = self.float_values(n)
        return f"torch.tensor({literal(nested(flat, shape), 'float')}{dtype_kw}{rg})"

    def random_leaf_expr(self, shape, kind, dtype_kw, rg):
        """A leaf a student draws: torch.manual_seed first (once a program), then randn / rand /
        randint of the shape, or a like-function of a tensor of it."""
        if not self.seeded:
            self.seeded = True
            self.emit(f"torch.manual_seed({choice(self.ch, (0, 1, 7, 42, 2 ** 32 + 3))})", "seed")
        size = shape_args(shape)
        if kind == "int64":
            return f"torch.randint({choice(self.ch, ('-3, 4', '0, 10', '5'))}, ({size}{',' if len(shape) == 1 else ''}))"
        fn = weighted(self.ch, {"randn": 4, "rand": 2, "randn_like": 1, "normal": 1})
        if fn == "randn_like":
            return f"torch.randn_like(torch.zeros({size}{dtype_kw})){'.requires_grad_()' if rg else ''}"
        if fn == "normal":
            return f"torch.normal(2.0, 0.5, ({size}{',' if len(shape) == 1 else ''})){'.requires_grad_()' if rg else ''}"
        return f"torch.{fn}({size}{dtype_kw}{rg})"

    def new_leaf(self, shape=None, kind=None, requires_grad=None):
        name = self.new_name()
        self.emit(f"{name} = {self.leaf_expr(shape, kind, requires_grad)}", "leaf")
        return name if name in self.run.theirs else None

    # --- operands --------------------------------------------------------------------------------------
    def operand_for(self, name, into=False):
        """A second operand for a binary op with tensor `name`: a tensor variable, an inline tensor,
        the same tensor, or a Python number. `into`: for an in-place op on `name` (the operand
        must broadcast to its shape, unless the errors area asks for wrong calls)."""
        t = self.tensor(name)
        shape = tuple(t.shape)
        fits = _broadcasts_to if into else broadcasts
        anything = self.options.on("errors") and self.chance(0.1)
        how = weighted(self.ch, {"number": 4, "variable": 4, "inline": 2, "same": 1, "zero-dim": 1})
        if how == "variable":
            partner = self.pick(lambda u: u is not t and (anything or fits(tuple(u.shape), shape)))
            if partner:
                return partner
            how = "inline"
        if how == "same":
            return name
        if how == "inline":
            target = self.broadcast_partner(shape)
            while not (anything or fits(target, shape)):
                target = target[1:] if len(target) > len(shape) else tuple(
                    1 if a != b else a for a, b in zip(target, shape))
            if numel(target) > 8:
                target = target[-1:]
            kind = "float64" if t.dtype == torch.float64 and self.chance(0.5) else \
                weighted(self.ch, {"float32": 6, "int64": 1 if self.options.on("int") else 0,
                                   "bool": 1 if self.options.on("bool") else 0})
            return self.leaf_expr(target, kind, requires_grad=False)
        if how == "zero-dim":
            return f"torch.tensor({self.scalar('float')}" + (
                ", dtype=torch.float64)" if self.options.on("float64") and self.chance(0.3) else ")")
        return self.scalar()

    def dim(self, t, extra=0):
        n = t.dim() + extra
        if n == 0:  # (callers skip this when dim_of_scalar is off)
            return choice(self.ch, (0, -1))
        if self.options.on("errors") and self.chance(0.03):
            return n
        return self.integer(-n, n - 1)

    # --- statements ------------------------------------------------------------------------------------
    def statement(self):
        kinds = {"leaf": 3, "unary": 8, "binary": 12, "compare": 2, "reduction": 8, "matmul": 3,
                 "view": 10 if self.options.on("views") else 2, "index": 6, "shape": 3, "misc": 5,
                 "inplace": 10 if self.options.on("inplace") else 0, "autograd": 7, "convert": 2,
                 "nn": 2}
        kind = weighted(self.ch, kinds)
        return getattr(self, "do_" + kind)()

    def assign(self, expr, tag, touches_all=False, block=None):
        name = self.new_name()
        code = f"{name} = {expr}"
        if block:
            code = f"{block}:\n    {code}"
        return self.emit(code, tag, touches_all)

    def do_leaf(self):
        self.new_leaf()

    def do_unary(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        fn = choice(self.ch, ("neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu",
                              "square", "reciprocal", "log1p", "rsqrt", "floor", "ceil", "round", "sign",
                              "clone", "pos", "sqrt-shifted", "log-abs", "sgn", "tan", "asin", "acos", "atan",
                              "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10", "exp2", "erfc", "trunc",
                              "frac", "logit", "nan_to_num", "positive"))
        if fn in ("floor", "ceil", "round", "sign", "sgn", "trunc", "frac") and not self.options.on("rounding_ops"):
            fn = "abs"
        if fn == "neg":
            expr = choice(self.ch, (f"-{x}", f"torch.neg({x})", f"{x}.neg()"))
        elif fn == "pos":
            expr = f"+{x}"
        elif fn == "sqrt-shifted":
            expr = f"({x}.abs() + 1).sqrt()"
        elif fn == "log-abs":
            expr = f"torch.log({x}.abs() + 0.5)"
        elif self.chance(0.5):
            expr = f"torch.{fn}({x})"
        else:
            expr = f"{x}.{fn}()"
        self.assign(expr, f"unary {fn}")

    def do_binary(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        y = self.operand_for(x)
        op = choice(self.ch, ("+", "*", "-", "/", "**", "add-alpha", "sub-alpha", "maximum", "minimum",
                              "max2", "where", "rsub", "div-floor", "//", "%", "pow", "mul-fn", "div-trunc",
                              "fmod", "hypot", "copysign", "xlogy"))
        if op in ("div-floor", "//", "%", "div-trunc", "fmod") and not self.options.on("rounding_ops"):
            op = "*"
        if self.chance(0.3) and op in ("+", "*", "-", "/", "**"):
            x, y = y, x  # 2 * x, 1 / x, 2 ** x, y - x
        table = {
            "+": f"{x} + {y}", "*": f"{x} * {y}", "-": f"{x} - {y}", "/": f"{x} / {y}", "**": f"{x} ** {y}",
            "add-alpha": f"torch.add({x}, {y}, alpha={choice(self.ch, (2, 0.5, -1))})",
            "sub-alpha": f"{x}.sub({y}, alpha={choice(self.ch, (2, 0.5))})",
            "maximum": f"torch.maximum({x}, {y})", "minimum": f"torch.minimum({x}, {y})",
            "max2": f"torch.{choice(self.ch, ('max', 'min'))}({x}, {y})",
            "where": f"torch.where({x} > 0, {x}, {y})",
            "rsub": f"{y} - {x}", "div-floor": f"torch.div({x}, {y}, rounding_mode=\"floor\")",
            "div-trunc": f"torch.div({x}, {y}, rounding_mode=\"trunc\")",
            "//": f"{x} // {y}", "%": f"{x} % {y}", "pow": f"torch.pow({x}, {y})", "mul-fn": f"torch.mul({x}, {y})",
            "fmod": f"torch.fmod({x}, {y})", "hypot": f"torch.hypot({x}, {y})", "copysign": f"{x}.copysign({y})",
            "xlogy": f"torch.xlogy({x}, {y})",
        }
        if op in ("maximum", "minimum", "max2", "hypot") and not y.startswith(("t", "torch")):
            y = f"torch.tensor({y})"
            table[op] = table[op].split("(")[0] + f"({x}, {y})"
        self.assign(table[op], f"binary {op}")

    def do_compare(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        y = self.operand_for(x)
        op = choice(self.ch, (">", "<", "==", ">=", "!=", "<="))
        expr = f"{x} {op} {y}"
        if self.chance(0.3):
            shape = self.shape_of(expr)
            anything = self.options.on("errors") or shape is None
            other = self.pick(lambda t: t.dtype == torch.bool and (anything or broadcasts(tuple(t.shape), shape)),
                              masks=True)
            if other is not None:
                expr = choice(self.ch, (f"~{other}", f"({expr}) & {other}", f"({expr}) | {other}",
                                        f"torch.logical_not({other})"))
        self.assign(expr, "compare")

    def do_reduction(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        fn = choice(self.ch, ("sum", "mean", "max", "min", "prod", "sum-dim", "mean-dim", "max-dim",
                              "min-dim", "argmax", "argmin", "norm", "std", "var", "logsumexp", "cumsum",
                              "softmax", "log_softmax", "prod-dim", "sum-dims", "all", "any", "norm-dim"))
        if t.dim() == 0 and not self.options.on("dim_of_scalar"):
            fn = fn.split("-")[0] if fn.split("-")[0] in ("sum", "mean", "max", "min", "prod", "norm") else "sum"
        keep = ", keepdim=True" if self.chance(0.3) else ""
        if fn in ("sum", "mean", "max", "min", "prod", "argmax", "argmin", "norm", "std", "var", "all", "any"):
            expr = f"{x}.{fn}()" if self.chance(0.6) else f"torch.{fn}({x})"
            if fn == "norm" and self.chance(0.4):
                p = choice(self.ch, (1, 3, float_literal(math.inf)))
                expr = f"{x}.norm(p={p})"
            return self.assign(expr, f"reduce {fn}")
        d = self.dim(t)
        if fn in ("sum-dim", "mean-dim", "prod-dim"):
            name = fn.split("-")[0]
            return self.assign(f"{x}.{name}({'dim=' if self.chance(0.5) else ''}{d}{keep})", f"reduce {fn}")
        if fn == "sum-dims":
            dims = sorted({self.dim(t) for _ in range(2)})
            if len({d % max(t.dim(), 1) for d in dims}) < len(dims) and not self.options.on("errors"):
                dims = dims[:1]  # x.sum(dim=(1, -1)) of a 2-d x names one dim twice
            return self.assign(f"{x}.sum(dim={tuple(dims)}{keep})", "reduce sum-dims")
        if fn in ("max-dim", "min-dim"):
            name = fn.split("-")[0]
            if self.chance(0.5):
                v, i = self.new_name(), self.new_name()
                return self.emit(f"{v}, {i} = {x}.{name}(dim={d}{keep})", f"reduce {fn}")
            return self.assign(f"torch.{name}({x}, {d}{keep}).values", f"reduce {fn}")
        if fn in ("softmax", "log_softmax"):
            expr = choice(self.ch, (f"{x}.{fn}(dim={d})", f"torch.{fn}({x}, {d})", f"F.{fn}({x}, dim={d})"))
            return self.assign(expr, f"reduce {fn}")
        if fn == "norm-dim":
            return self.assign(f"{x}.norm(dim={d}{keep})", "reduce norm-dim")
        if fn == "logsumexp":
            return self.assign(f"torch.logsumexp({x}, dim={d}{keep})", "reduce logsumexp")
        if fn == "cumsum":
            return self.assign(f"{x}.cumsum(dim={d})", "reduce cumsum")
        return self.assign(f"{x}.{fn}(dim={d}{keep})", f"reduce {fn}")

    def do_matmul(self):
        x = self.pick(lambda t: 1 <= t.dim() <= 3)
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        k = t.shape[-1]
        form = choice(self.ch, ("@", "matmul", "mm", "mv", "dot", "bmm", "outer", "self-T"))
        need = {"mm": 2, "mv": 2, "dot": 1, "bmm": 3, "outer": 1}.get(form)
        if need and need != t.dim() and not self.options.on("errors"):
            form = "@"
        dtype = "float64" if t.dtype == torch.float64 else "float32"
        if self.options.on("errors") and self.chance(0.05):
            k = k + 1  # mismatched inner sizes
        if form == "self-T":
            return self.assign(f"{x} @ {x}.T" if t.dim() == 2 else f"{x} @ {x}", "matmul self")
        if form == "outer":
            y = self.pick(lambda u: u.dim() == 1) or self.leaf_expr((self.integer(1, 3),), dtype)
            return self.assign(f"torch.outer({x}, {y})", "matmul outer")
        shape = {"@": choice(self.ch, ((k,), (k, self.integer(1, 3)), (2, k, self.integer(1, 3)))),
                 "matmul": (k, self.integer(1, 3)), "mm": (k, self.integer(1, 3)), "mv": (k,), "dot": (k,),
                 "bmm": (t.shape[0], k, self.integer(1, 3))}[form]
        existing = self.pick(lambda u: tuple(u.shape) == shape)
        y = existing if existing and self.chance(0.5) else None
        if y is None:
            y = self.new_leaf(shape, dtype if self.chance(0.9) else "float32")
            if y is None:
                return None
        expr = {"@": f"{x} @ {y}", "matmul": f"torch.matmul({x}, {y})", "mm": f"{x}.mm({y})",
                "mv": f"torch.mv({x}, {y})", "dot": f"torch.dot({x}, {y})", "bmm": f"torch.bmm({x}, {y})"}[form]
        return self.assign(expr, f"matmul {form}")

    def do_view(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        shape, n = tuple(t.shape), t.dim()
        forms = ["view", "reshape", "flatten", "unsqueeze", "squeeze", "expand", "detach"]
        if n >= 2:
            forms += ["transpose", "T", "permute", "mT"]
        if n <= 2:
            forms.append("t")
        if n >= 1:
            forms += ["narrow", "select", "view-1"]
        if n >= 2:  # torch API the engine does not have yet is generated once it does
            forms += [f for f in ("diagonal", "movedim") if hasattr(autograd_core.Tensor, f)]
        form = choice(self.ch, forms)
        if form == "diagonal":
            return self.assign(f"{x}.diagonal()" if self.chance(0.5) else
                               f"{x}.diagonal({self.integer(-1, 1)}, {self.dim(t)}, {self.dim(t)})", "view diagonal")
        if form == "movedim":
            return self.assign(f"{x}.movedim({self.dim(t)}, {self.dim(t)})", "view movedim")
        if form in ("view", "reshape"):
            target = self.factor_shape(shape)
            return self.assign(f"{x}.{form}({shape_args(target)})", f"view {form}")
        if form == "view-1":
            return self.assign(f"{x}.view(-1)" if self.chance(0.5) else f"{x}.reshape(-1)", "view -1")
        if form == "flatten":
            valid = n >= 2 or self.options.on("errors")
            return self.assign(f"{x}.flatten()" if self.chance(0.7) or not valid else f"torch.flatten({x}, 1)",
                               "view flatten")
        if form == "unsqueeze":
            return self.assign(f"{x}.unsqueeze({self.dim(t, 1)})" if self.chance(0.7) else f"{x}[None]",
                               "view unsqueeze")
        if form == "squeeze":
            return self.assign(f"{x}.squeeze()" if self.chance(0.5) or n == 0 else f"{x}.squeeze({self.dim(t)})",
                               "view squeeze")
        if form == "expand":
            target = [choice(self.ch, (2, 3)) if s == 1 else s for s in shape]
            if self.chance(0.4) or not shape:
                target = [self.integer(1, 3)] + target
            if numel(target) > MAX_NUMEL:
                target = list(shape)
            args = ", ".join(str(-1 if (s == o and self.chance(0.3)) else s) for s, o in
                             zip(target, [None] * (len(target) - len(shape)) + list(shape)))
            return self.assign(f"{x}.expand({args or '()'})", "view expand")
        if form == "detach":
            return self.assign(f"{x}.detach()", "view detach")
        if form == "transpose":
            return self.assign(f"{x}.transpose({self.dim(t)}, {self.dim(t)})", "view transpose")
        if form == "T":
            return self.assign(f"{x}.T", "view T")
        if form == "mT":
            return self.assign(f"{x}.mT", "view mT")
        if form == "t":
            return self.assign(f"{x}.t()", "view t")
        if form == "permute":
            dims = list(range(n))
            self.shuffle(dims)
            return self.assign(f"{x}.permute({', '.join(map(str, dims))})", "view permute")
        d = self.dim(t)
        size = shape[d % n]
        if form == "narrow":
            start = self.integer(0, max(size - 1, 0))
            length = self.integer(0, size - start)
            return self.assign(f"{x}.narrow({d}, {start}, {length})", "view narrow")
        i = self.integer(-size, size - 1) if size else 0
        return self.assign(f"{x}.select({d}, {i})", "view select")

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.integer(0, i)
            items[i], items[j] = items[j], items[i]

    def factor_shape(self, shape):
        """Another shape with the same number of elements (sometimes with a -1)."""
        n = numel(shape)
        if n == 0:
            return choice(self.ch, ((0,), (0, 2), (2, 0, 1)))
        factors = []
        rest = n
        while rest > 1 and len(factors) < 3:
            divisors = [d for d in range(2, rest + 1) if rest % d == 0]
            d = choice(self.ch, divisors)
            factors.append(d)
            rest //= d
        if rest > 1:
            factors[-1] *= rest
        if self.chance(0.3):
            factors.insert(self.integer(0, len(factors)), 1)
        if factors and self.chance(0.3):
            factors[self.integer(0, len(factors) - 1)] = -1
        if self.options.on("errors") and self.chance(0.03):
            factors.append(2)
        return tuple(factors)

    def index_expr(self, t):
        """An index a student writes: x[1], x[:, 0], x[1:], x[::2], x[..., -1], x[[0, 2]], x[x > 0]."""
        shape = tuple(t.shape)
        if not shape:
            return choice(self.ch, ("...", "None"))
        form = weighted(self.ch, {"int": 4, "slice": 4, "pair": 3, "ellipsis": 2, "none": 1, "list": 2,
                                  "mask": 2, "step": 2})
        size = shape[0]
        if form == "int" and size:
            return str(self.integer(-size, size - 1))
        if form == "slice":
            a = self.integer(-size, size) if size else 0
            return choice(self.ch, (f"{a}:", f":{a}", f"{min(a, 0) + size // 2}:{size}", "1:-1"))
        if form == "step":
            return f"::{choice(self.ch, (2, 3))}" if self.chance(0.5) else "1::2"
        if form == "pair" and len(shape) >= 2:
            j = self.integer(-shape[1], shape[1] - 1) if shape[1] else 0
            return choice(self.ch, (f":, {j}", f"{self.integer(0, max(size - 1, 0))}, {j}", ":, 1:",
                                    f"{self.integer(0, max(size - 1, 0))}, :{self.integer(0, shape[1])}"))
        if form == "ellipsis":
            last = shape[-1]
            return f"..., {self.integer(-last, last - 1)}" if last else "..., 0:1"
        if form == "none":
            return choice(self.ch, ("None", ":, None", "None, 0:1"))
        if form == "list" and size:
            idx = [self.integer(-size, size - 1) for _ in range(self.integer(1, 3))]
            return repr(idx) if self.chance(0.6) else f"torch.tensor({idx})"
        if form == "mask":
            return "MASK"
        return ":"

    def do_index(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        idx = self.index_expr(self.tensor(x))
        if idx == "MASK":
            idx = choice(self.ch, (f"{x} > 0", f"{x} != 1"))
        if self.chance(0.3) and self.tensor(x).dim() >= 1:  # a view of a view
            try:
                first = self.peek(f"{x}[{idx}]")
                rank, size = first.dim(), (first.shape[0] if first.dim() else 0)
            except Exception:  # noqa: BLE001 -- the first index is wrong: the error is the test
                rank, size = 0, 0
            seconds = [".T", ".unsqueeze(0)", ".view(-1)"]
            seconds += ["[1:]", "[..., :1]"] if rank >= 1 or self.options.on("errors") else []
            seconds += ["[0]"] if (rank >= 1 and size) or self.options.on("errors") else []
            seconds += ["[:, 0]"] if (rank >= 2 and first.shape[1]) or self.options.on("errors") else []
            return self.assign(f"{x}[{idx}]{choice(self.ch, seconds)}", "index twice")
        return self.assign(f"{x}[{idx}]", "index")

    def do_shape(self):
        """cat, stack, chunk, split, unbind, repeat, flip, tril."""
        x = self.pick(lambda t: t.dim() >= 1)
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        form = choice(self.ch, ("cat", "stack", "chunk", "unbind", "repeat", "flip", "tril", "split", "expand_as"))
        d = self.dim(t)
        if form in ("cat", "stack"):
            same = self.pick(lambda u: tuple(u.shape) == tuple(t.shape))
            others = [x, same or x] + ([x] if self.chance(0.3) else [])
            return self.assign(f"torch.{form}([{', '.join(others)}], dim={d if form == 'cat' else self.dim(t, 1)})",
                               f"shape {form}")
        if form in ("chunk", "split", "unbind"):
            size = t.shape[d % t.dim()]
            if form == "unbind":
                count = size
                expr = f"{x}.unbind({d})"
            else:
                parts = self.integer(1, 3)
                expr = f"{x}.{form}({parts}, dim={d})"
                try:
                    count = len(getattr(torch.empty(tuple(t.shape)), form)(parts, dim=d))
                except Exception:  # noqa: BLE001 -- a bad dim: the statement's error is the test
                    count = 1
            if count == 0 or count > 4:
                return self.assign(f"{expr}[0]" if count else f"{x}.clone()", f"shape {form}")
            names = [self.new_name() for _ in range(count)]
            return self.emit(f"{', '.join(names)}{',' if count == 1 else ''} = {expr}", f"shape {form}")
        if form == "repeat":
            reps = [self.integer(1, 2) for _ in range(t.dim())]
            return self.assign(f"{x}.repeat({', '.join(map(str, reps))})", "shape repeat")
        if form == "flip" and not self.options.on("flip"):
            form = "repeat"
        if form == "repeat":
            reps = [self.integer(1, 2) for _ in range(t.dim())]
            return self.assign(f"{x}.repeat({', '.join(map(str, reps))})", "shape repeat")
        if form == "flip":
            return self.assign(f"{x}.flip({d})" if self.chance(0.5) else f"torch.flip({x}, [{d}])", "shape flip")
        if form == "tril" and t.dim() < 2 and not self.options.on("errors"):
            form = "expand_as"
        if form == "tril":
            return self.assign(f"{x}.{choice(self.ch, ('tril', 'triu'))}({self.integer(-1, 1)})", "shape tril")
        other = self.pick(lambda u: broadcasts(tuple(t.shape), tuple(u.shape)) and u.dim() >= t.dim())
        return self.assign(f"{x}.expand_as({other or x})", "shape expand_as")

    def do_misc(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        form = choice(self.ch, ("clamp", "clamp-min", "clamp-max", "where-number", "masked_fill", "clamp_min",
                                "abs-sub", "mean-center"))
        lo, hi = sorted(self.float_values(2)) if not self.uses_nan else self.float_values(2)
        if form == "clamp":
            return self.assign(f"{x}.clamp({float_literal(lo)}, {float_literal(hi)})"
                               if self.chance(0.5) else f"torch.clamp({x}, min={float_literal(lo)}, max={float_literal(hi)})",
                               "misc clamp")
        if form == "clamp-min":
            v = choice(self.ch, (float_literal(lo), "0", "-0.5"))
            return self.assign(f"{x}.clamp(min={v})", "misc clamp-min")
        if form == "clamp-max":
            return self.assign(f"torch.clamp({x}, max={float_literal(hi)})", "misc clamp-max")
        if form == "clamp_min":
            return self.assign(f"{x}.clamp_min({float_literal(lo)})", "misc clamp_min")
        if form == "where-number":
            return self.assign(f"torch.where({x} > 0, {x}, {self.scalar()})", "misc where-number")
        if form == "masked_fill":
            return self.assign(f"{x}.masked_fill({x} < 0, {self.scalar('float')})", "misc masked_fill")
        if form == "abs-sub":
            y = self.operand_for(x)
            return self.assign(f"({x} - {y}).abs()", "misc abs-sub")
        return self.assign(f"{x} - {x}.mean()" if t.is_floating_point() else f"{x} - {x}.float().mean()",
                           "misc mean-center")

    def do_convert(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        form = choice(self.ch, ("float", "double", "long", "bool", "to64", "int", "item", "tolist"))
        t = self.tensor(x)
        if form == "item":
            if t.numel() != 1 and not (self.options.on("errors") and self.chance(0.1)):
                return self.assign(f"{x}.sum().item()", "convert item")
            return self.assign(f"{x}.item()", "convert item")
        if form == "tolist":
            return self.assign(f"{x}.tolist()", "convert tolist")
        expr = {"float": f"{x}.float()", "double": f"{x}.double()", "long": f"{x}.long()", "bool": f"{x}.bool()",
                "to64": f"{x}.to(torch.float64)", "int": f"{x}.int()"}[form]
        return self.assign(expr, f"convert {form}")

    def do_nn(self):
        x = self.pick(lambda t: t.is_floating_point())
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        form = choice(self.ch, ("relu", "mse", "sigmoid", "cross_entropy", "linear"))
        if form == "relu":
            return self.assign(f"F.relu({x})", "nn relu")
        if form == "sigmoid":
            return self.assign(f"torch.sigmoid({x})", "nn sigmoid")
        if form == "mse":
            y = self.pick(lambda u: tuple(u.shape) == tuple(t.shape) and u.is_floating_point()) or x
            reduction = choice(self.ch, ("", ', reduction="sum"'))
            return self.assign(f"F.mse_loss({x}, {y}{reduction})", "nn mse")
        if form == "linear" and t.dim() >= 1:
            w = self.new_leaf((self.integer(1, 3), t.shape[-1]), "float64" if t.dtype == torch.float64 else "float32")
            if w is None:
                return None
            return self.assign(f"F.linear({x}, {w})", "nn linear")
        if t.dim() == 2 and t.shape[1] > 0:
            target = [self.integer(0, t.shape[1] - 1) for _ in range(t.shape[0])]
            return self.assign(f"F.cross_entropy({x}, torch.tensor({target}))", "nn cross_entropy")
        return self.assign(f"F.relu({x})", "nn relu")

    # --- in-place ---------------------------------------------------------------------------------------
    def do_inplace(self):
        x = self.pick()
        if x is None:
            return self.do_leaf()
        t = self.tensor(x)
        is_view = t._base is not None
        if not self.options.on("inplace_with_views") and self.has_views(x):
            return self.do_unary()
        form = choice(self.ch, ("mul_", "add_", "+=", "*=", "-=", "sub_", "div_", "zero_", "fill_", "clamp_",
                                "relu_", "exp_", "neg_", "sigmoid_", "pow_", "copy_", "masked_fill_",
                                "setitem", "setitem", "abs_", "sqrt_", "tanh_", "clamp_min_", "/=", "sinh_", "atan_",
                                "asin_", "exp2_", "erfc_", "frac_", "nan_to_num_"))
        if form in ("add_", "sub_", "div_", "mul_", "+=", "*=", "-=", "/=", "copy_"):
            y = self.operand_for(x, into=True)
            if form == "sub_" and self.chance(0.3):
                code = f"{x}.sub_({y}, alpha={choice(self.ch, (2, 0.5))})"
            elif form.endswith("="):
                code = f"{x} {form} {y}"
            elif form == "copy_" and not y.startswith(("t", "torch")):
                code = f"{x}.copy_(torch.tensor({y}))"
            else:
                code = f"{x}.{form}({y})"
        elif form == "fill_":
            code = f"{x}.fill_({self.scalar('float')})"
        elif form == "clamp_":
            lo, hi = sorted(self.float_values(2)) if not self.uses_nan else self.float_values(2)
            code = f"{x}.clamp_({float_literal(lo)}, {float_literal(hi)})"
        elif form == "clamp_min_":
            code = f"{x}.clamp_min_({self.scalar('float')})"
        elif form == "pow_":
            code = f"{x}.pow_({choice(self.ch, (2, 0.5, 3, -1))})"
        elif form == "masked_fill_":
            code = f"{x}.masked_fill_({x} > 0, {self.scalar('float')})"
        elif form == "setitem":
            if t.dim() == 0:
                idx = "..."
            else:
                idx = self.index_expr(t)
                if idx == "MASK":
                    idx = f"{x} > 0"
            value = self.scalar("float") if self.chance(0.6) else None
            if value is None:
                try:
                    target = tuple(self.peek(f"{x}[{idx}]").shape)
                except Exception:  # noqa: BLE001 -- a bad index: a scalar value, the error is the test
                    target = ()
                source = self.pick(lambda u: _broadcasts_to(tuple(u.shape), target) and u.numel() > 0)
                value = source if source and self.chance(0.6) else self.leaf_expr(
                    target[-1:] if numel(target) > 8 else target, "float32", requires_grad=False)
            code = f"{x}[{idx}] = {value}"
        else:
            code = f"{x}.{form}()"
        leaf = _read(lambda: t.is_leaf) is True
        no_grad = self.options.on("no_grad") and self.chance(0.5 if leaf and t.requires_grad else 0.15)
        if no_grad:
            code = "with torch.no_grad():\n    " + code
        tag = f"inplace {form} on {'view' if is_view else 'leaf' if leaf else 'non-leaf'}" + (
            " (no_grad)" if no_grad else "")
        return self.emit(code, tag, touches_all=True)

    # --- autograd -------------------------------------------------------------------------------------
    def do_autograd(self):
        needs_grad = self.tensors(lambda t: t.requires_grad)
        if not needs_grad:
            return self.new_leaf(kind="float32", requires_grad=True)
        form = weighted(self.ch, {"backward": 6, "grad": 2 if self.options.on("autograd_grad") else 0,
                                  "retain_grad": 3 if self.options.on("retain_grad") else 0,
                                  "zero_grad": 1, "detach": 1, "no_grad": 1 if self.options.on("no_grad") else 0,
                                  "hook": 1 if self.options.on("hooks") else 0, "grad_var": 1,
                                  "requires_grad_": 1})
        x = choice(self.ch, needs_grad)
        t = self.tensor(x)
        if form == "backward":
            return self.backward(x)
        if form == "grad":
            leaves = self.tensors(lambda u: u.requires_grad and (u.is_leaf or self.chance(0.2))) or [x]
            inputs = sorted({choice(self.ch, leaves) for _ in range(self.integer(1, 2))},
                            key=lambda k: int(k[1:]))
            out = x if t.numel() == 1 and self.chance(0.5) else f"{x}.sum()"
            names = [self.new_name() for _ in inputs]
            extra = ", retain_graph=True" if self.options.on("second_backward") and self.chance(0.5) else ""
            extra += ", allow_unused=True" if self.chance(0.7) else ""
            extra += ", create_graph=True" if self.options.on("create_graph") and self.chance(0.5) else ""
            return self.emit(f"{', '.join(names)}{',' if len(names) == 1 else ''} = torch.autograd.grad("
                             f"{out}, [{', '.join(inputs)}]{extra})", "autograd.grad", touches_all=True)
        if form == "retain_grad":
            y = self.pick(lambda u: u.requires_grad and not u.is_leaf) or x
            return self.emit(f"{y}.retain_grad()", "retain_grad", touches_all=True)
        if form == "zero_grad":
            leaf = self.pick(lambda u: u.is_leaf and u.grad is not None)
            if leaf is None:
                return self.backward(x)
            return self.emit(f"{leaf}.grad = None" if self.chance(0.5) else f"{leaf}.grad.zero_()", "zero grad",
                             touches_all=True)
        if form == "detach":
            return self.assign(choice(self.ch, (f"{x}.detach()", f"{x}.detach().clone()", f"{x}.data")),
                               "detach")
        if form == "no_grad":
            return self.assign(f"{x} * {self.scalar('float')}", "no_grad op", block="with torch.no_grad()")
        if form == "hook":
            return self.emit(f"{x}.register_hook(lambda g: g * 2)", "hook")
        if form == "grad_var":
            leaf = self.pick(lambda u: u.is_leaf and u.grad is not None)
            if leaf is None:
                return self.backward(x)
            return self.assign(f"{leaf}.grad", "grad variable")
        y = self.pick(lambda u: u.is_leaf and not u.requires_grad)
        if y is None:
            return self.backward(x)
        return self.emit(f"{y}.requires_grad_()", "requires_grad_", touches_all=True)

    def backward(self, x):
        t = self.tensor(x)
        retain = ", retain_graph=True" if self.options.on("second_backward") and self.chance(0.4) else ""
        if self.options.on("create_graph") and self.chance(0.2):
            retain += ", create_graph=True"
        if t.numel() == 1 and self.chance(0.8):
            call = f"{x}.backward({retain.lstrip(', ')})"
            tag = "backward"
        else:
            form = weighted(self.ch, {"sum": 4, "ones_like": 2, "gradient": 2,
                                      "implicit": 1 if self.options.on("errors") else 0})
            if form == "sum":
                call = f"{x}.sum().backward({retain.lstrip(', ')})"
            elif form == "ones_like":
                call = f"{x}.backward(torch.ones_like({x}){retain})"
            elif form == "gradient":
                g = self.leaf_expr(tuple(t.shape), "float64" if t.dtype == torch.float64 else "float32",
                                   requires_grad=False)
                call = f"{x}.backward(gradient={g}{retain})"
            else:
                call = f"{x}.backward()"
            tag = f"backward {form}"
        return self.emit(call, tag, touches_all=True)

    # --- a whole program ------------------------------------------------------------------------------
    def program(self):
        for _ in range(self.integer(1, 3)):
            self.new_leaf()
            if self.run.mismatch:
                return self.run
        for _ in range(self.integer(1, self.options.max_statements)):
            self.statement()
            if self.run.mismatch:
                return self.run
        # the finale: a backward through whatever needs grad (most programs end like this)
        x = self.pick(lambda t: t.requires_grad and t.is_floating_point())
        if x is not None and self.chance(0.8):
            self.backward(x)
        # then, in a program without in-place ops (whose gradients' graphs go through PyTorch's
        # as_strided views and CopySlices, built otherwise here by design: GRAPH_DIFFERS in
        # test_double_backward.py), derivatives of derivatives, drawn from a stream of their own,
        # seeded by the program so far (the program's own draws, so every earlier series and CI's
        # hypothesis search, stay as they were)
        if (self.options.on("higher_order") and not self.run.mismatch
                and not any(s.tag.startswith("inplace") for s in self.run.statements)):
            main, self.ch = self.ch, RandomChoices(zlib.crc32("\n".join(s.code for s in self.run.statements).encode()))
            try:
                self.higher_order()
            finally:
                self.ch = main
        return self.run

    def higher_order(self):
        """Derivatives of derivatives, after the finale. A tensor that needs grad is differentiated with
        create_graph=True, through torch.autograd.grad (sometimes with grad_outputs v that requires
        grad, the double-backward trick: the gradient is then differentiated with respect to v too)
        or backward() into .grad; then a gradient that has a graph is differentiated again, once or
        twice."""
        leaves = self.tensors(lambda t: t.is_leaf and t.requires_grad and t.is_floating_point())
        y = self.pick(lambda t: t.requires_grad and t.is_floating_point() and not t.is_leaf)
        if not leaves or y is None or self.chance(0.4):  # (in 60% of the programs that can)
            return
        inputs = sorted({choice(self.ch, leaves) for _ in range(self.integer(1, 2))}, key=lambda k: int(k[1:]))
        wrt = list(inputs)
        how = weighted(self.ch, {"grad": 4, "grad_outputs": 2, "backward": 2})
        if how == "backward":
            if self.emit(f"{y}.sum().backward(create_graph=True)", "higher order: backward", touches_all=True):
                return
            firsts = [f"{n}.grad" for n in inputs]
        else:
            out = f"{y}.sum()"
            if how == "grad_outputs":
                v = self.new_name()
                kind = "float64" if self.tensor(y).dtype == torch.float64 else "float32"
                if self.emit(f"{v} = {self.leaf_expr(tuple(self.tensor(y).shape), kind, requires_grad=True)}",
                             "leaf"):
                    return
                out = f"{y}, [{', '.join(inputs)}], {v}"
                wrt.append(v)
            else:
                out = f"{out}, [{', '.join(inputs)}]"
            firsts = [self.new_name() for _ in inputs]
            if self.emit(f"{_targets(firsts)} = torch.autograd.grad({out}, create_graph=True, allow_unused=True)",
                         "higher order: autograd.grad", touches_all=True):
                return
        for order in (2, 3):
            firsts = [g for g in firsts if _read(lambda g=g: self.peek(g).requires_grad) is True]
            if not firsts:
                return
            g = choice(self.ch, firsts)
            target = choice(self.ch, (f"{g}.sum()", f"({g} * {g}).sum()", f"{g}.exp().mean()"))
            more = order == 2 and self.chance(0.6)
            names = [self.new_name() for _ in wrt]
            if self.emit(f"{_targets(names)} = torch.autograd.grad({target}, [{', '.join(wrt)}], allow_unused=True"
                         f"{', create_graph=True' if more else ''})", f"higher order: order {order}",
                         touches_all=True) or not more:
                return
            firsts = names


def _targets(names):
    """The left side of an assignment from autograd.grad: 'a, b' (or 'a,' for one)."""
    return ", ".join(names) + ("," if len(names) == 1 else "")


def broadcasts(s1, s2):
    """Whether two shapes broadcast together."""
    try:
        np.broadcast_shapes(s1, s2)
        return True
    except ValueError:
        return False


def _broadcasts_to(source, target):
    return broadcasts(source, target) and np.broadcast_shapes(source, target) == tuple(target)


def generate(ch, options=None):
    """Write and run one program; the Run holds the statements and the first mismatch (or None)."""
    return Generator(ch, options).program()


# --- reports -----------------------------------------------------------------------------------------------
_STUDENT_NAMES = "abcdfhkmnpqrsuvwxyz"


def student_names(statements):
    """t0, t7, t8, ... -> a, b, c, ... in order of first appearance."""
    mapping = {}
    for s in statements:
        for name in re.findall(r"\bt\d+\b", s.code):
            if name not in mapping:
                i = len(mapping)
                mapping[name] = _STUDENT_NAMES[i % len(_STUDENT_NAMES)] + ("" if i < len(_STUDENT_NAMES)
                                                                           else str(i // len(_STUDENT_NAMES)))
    return mapping


def _rename(text, mapping):
    return re.sub(r"\bt\d+\b", lambda m: mapping.get(m.group(0), m.group(0)), text)


def render(run, mismatch=None):
    """The program as Python a student can paste: statements torch refuses are wrapped in
    try/except (the program goes on, as the fuzzer's did), and the statement after which the
    libraries differ is marked."""
    mismatch = mismatch or run.mismatch
    statements = run.statements[:mismatch.index + 1] if mismatch else run.statements
    mapping = student_names(statements)
    lines = ["import torch"]
    if any("F." in s.code for s in statements):
        lines.append("import torch.nn.functional as F")
    for i, s in enumerate(statements):
        code = _rename(s.code, mapping)
        error = run.outcomes[i] if i < len(run.outcomes) else None
        if error is not None:
            body = "\n".join("    " + line for line in code.split("\n"))
            code = f"try:\n{body}\nexcept {error[0]} as e:\n    print(e)  # torch: {error[1][:120]!r}"
        if mismatch and i == mismatch.index:
            lines.append("# autograd_core and torch differ after the next statement:")
        lines.append(code)
    if mismatch:
        detail = _rename(mismatch.detail, mapping).split("\n")
        lines += [f"# {mismatch.kind}: {detail[0]}"] + [f"#   {line}" for line in detail[1:]]
    return "\n".join(lines)


def _same_bug(found, kind):
    return found is not None and found.kind == kind


def shrink(statements, kind, budget=400):
    """A shorter program that still differs in the same way (kind): statements dropped one at a
    time, from the end, with what used only them. `budget` bounds the number of reruns."""
    current = list(statements)
    changed = True
    while changed and budget > 0:
        changed = False
        for i in reversed(range(len(current))):
            if budget <= 0:
                break
            candidate = _without(current, i)
            if candidate is None:
                continue
            budget -= 1
            found = run_statements(candidate).mismatch
            if _same_bug(found, kind):
                current = candidate[:found.index + 1]
                changed = True
                break
    return _simpler_numbers(current, kind, budget)


_NUMBER = re.compile(r'-?float\("(?:nan|inf)"\)|-?\d+\.\d+(?:e-?\d+)?|(?<![\w.])-?\d+(?![\w.])')


def _simpler_numbers(statements, kind, budget):
    """Each number in a tensor literal (torch.tensor([...])) replaced by 1.0 (or 1) where the
    difference stays: what is left shows which values matter."""
    current = list(statements)
    for i, s in enumerate(current):
        m = re.search(r"torch\.tensor\(\[", s.code)
        if not m:
            continue
        start, depth = m.end() - 1, 0
        for end in range(start, len(s.code)):  # the matching bracket
            depth += {"[": 1, "]": -1}.get(s.code[end], 0)
            if depth == 0:
                break
        literal = s.code[start:end + 1]  # (its end moves as numbers are replaced)
        numbers = list(_NUMBER.finditer(literal))
        for n in reversed(numbers):
            if budget <= 0:
                return current
            text = n.group(0)
            plain_one = "1" if re.fullmatch(r"-?\d+", text) else "1.0"
            if text == plain_one:
                continue
            trial = literal[:n.start()] + plain_one + literal[n.end():]
            candidate = list(current)
            candidate[i] = Statement(s.code[:start] + trial + s.code[start + len(literal):], s.tag, s.touches_all)
            budget -= 1
            found = run_statements(candidate).mismatch
            if _same_bug(found, kind) and found.index == len(candidate) - 1:
                current, literal = candidate, trial
                s = current[i]
    return current


def _without(statements, i):
    """statements without statement i and without later statements that need a name it defined
    (None if nothing would change)."""
    if i >= len(statements):
        return None
    gone = set(statements[i].assigned())
    out = statements[:i]
    for s in statements[i + 1:]:
        if s.names() & gone:
            gone |= set(s.assigned())
            continue
        out.append(s)
    return out


# --- the bulk runner (make fuzz) ----------------------------------------------------------------------------
def _one(args):
    """Run program number `index` of a seeded series; a compact record for the parent process."""
    seed, index, areas, max_statements = args
    ch = RandomChoices(seed * 1_000_003 + index)
    try:
        run = generate(ch, Options(frozenset(areas), max_statements))
    except Exception:  # noqa: BLE001 -- a generator bug must be visible, not a silent skip
        import traceback
        return index, "generator error", traceback.format_exc(), None
    if run.mismatch is None:
        return index, None, None, len(run.statements)
    return index, run.mismatch.signature(run.statements), run.program(), len(run.statements)


def _shrink_one(args):
    index, program = args
    small = shrink(program.statements, program.mismatch.kind)
    again = run_statements(small)
    if again.mismatch is None:  # (cannot happen: shrink keeps only failing candidates)
        return index, program
    return index, again.program()


def _workers_map(fn, items, workers):
    """fn over items in `workers` processes. Spawned, not forked: a child forked from a parent whose
    torch has started its thread pool can hang; and a worker that dies raises BrokenProcessPool here
    instead of leaving the run waiting forever for its programs (multiprocessing.Pool does that)."""
    if workers <= 1:
        return map(fn, items)
    import concurrent.futures
    import multiprocessing
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_worker_init)
    return pool.map(fn, items, chunksize=8)


def _worker_init():
    torch.set_num_threads(1)  # tiny tensors: threads only cost (and 2 workers share 2 cores)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="how many programs")
    parser.add_argument("--seed", type=int, default=0, help="the series (program i uses seed*1000003+i)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--max-statements", type=int, default=20)
    parser.add_argument("--without", default="", help="comma-separated AREAS to leave out")
    parser.add_argument("--show", type=int, default=None, metavar="I", help="print program I and its outcome")
    parser.add_argument("--report", default=None, help="also write the report (markdown) to this file")
    parser.add_argument("--shrink-limit", type=int, default=60, help="shrink at most this many groups")
    args = parser.parse_args(argv)
    areas = tuple(a for a in AREAS if a not in set(filter(None, args.without.split(","))))
    if args.show is not None:
        _, sig, run, _ = _one((args.seed, args.show, areas, args.max_statements))
        if sig == "generator error":
            print(run)
            return 2
        if run is None:
            run = Generator(RandomChoices(args.seed * 1_000_003 + args.show),
                            Options(frozenset(areas), args.max_statements)).program()
        print(render(run))
        print("\n# no difference" if run.mismatch is None else "")
        return 0 if run.mismatch is None else 1
    torch.set_num_threads(1)
    start = time.time()
    groups = collections.OrderedDict()
    statements_run = 0
    generator_errors = []
    work = [(args.seed, i, areas, args.max_statements) for i in range(args.n)]
    done = 0
    for index, sig, run, n_statements in _workers_map(_one, work, args.workers):
        done += 1
        if sig == "generator error":
            generator_errors.append((index, run))
            continue
        statements_run += n_statements
        if sig is not None:
            groups.setdefault(sig, []).append((index, run))
        if done % 1000 == 0:
            print(f"  {done} programs, {sum(len(v) for v in groups.values())} mismatches, "
                  f"{time.time() - start:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.time() - start
    mismatches = sum(len(v) for v in groups.values())
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    # one shrunk program per group (the largest groups first)
    to_shrink = [members[0] for _, members in ordered[:args.shrink_limit]]
    shrunk = dict(_workers_map(_shrink_one, to_shrink, args.workers))
    head = [f"# fuzz: {args.n} programs (seed {args.seed}, {statements_run} statements, {elapsed:.0f} s, "
            f"{args.workers} workers): {mismatches} mismatches in {len(groups)} groups",
            f"areas left out: {', '.join(sorted(set(AREAS) - set(areas))) or 'none'}", "",
            "## by category"]
    for category, count in _categories(groups).items():
        head.append(f"- {count} {category}")
    head += ["", "## by group (torch's error without numbers, or what differs after which statement)"]
    head += [f"- {len(members)} x {sig}" for sig, members in ordered]
    out = []
    for sig, members in ordered:
        index = members[0][0]
        out.append(f"## {len(members)} x {sig}  (e.g. --seed {args.seed} --show {index})")
        if index in shrunk:
            out += ["```python", render(shrunk[index]), "```"]
        out.append("")
    for index, tb in generator_errors:
        out += [f"## generator error in program {index}", "```", tb, "```"]
    print("\n".join(head))
    if args.report:
        with open(args.report, "w") as f:
            f.write("\n".join(head + [""] + out) + "\n")
        print(f"\nshrunk programs: {args.report}")
    else:
        print("\n".join(out))
    print(f"\n{args.n} programs, {mismatches} mismatches ({len(groups)} groups), "
          f"{len(generator_errors)} generator errors", file=sys.stderr)
    return 1 if mismatches or generator_errors else 0


CATEGORIES = {  # mismatch kind -> category (the first is the worst: a number that differs silently)
    "values": "wrong values or grads (no error)", "grad": "wrong values or grads (no error)",
    "dtype": "wrong dtype or shape", "shape": "wrong dtype or shape", "defined": "wrong dtype or shape",
    "requires_grad": "wrong graph (requires_grad, is_leaf, grad_fn, retains_grad)",
    "is_leaf": "wrong graph (requires_grad, is_leaf, grad_fn, retains_grad)",
    "grad_fn": "wrong graph (requires_grad, is_leaf, grad_fn, retains_grad)",
    "retains_grad": "wrong graph (requires_grad, is_leaf, grad_fn, retains_grad)",
    "raises only in autograd_core": "autograd_core raises, torch does not",
    "raises only in torch": "torch raises, autograd_core does not",
    "error type": "both raise, another error type or message",
    "error message": "both raise, another error type or message",
    "inspect": "reading a result raises",
}


def _categories(groups):
    counts = collections.Counter()
    for members in groups.values():
        for _, program in members:
            counts[CATEGORIES.get(program.mismatch.kind, program.mismatch.kind)] += 1
    return dict(counts.most_common())


if __name__ == "__main__":
    sys.exit(main())
