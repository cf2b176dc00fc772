"""Checks of ex05 · Build your own autograd (lecture 08).

The student's engine is plain Python: the notebook's ``Value`` class and functions the student
writes. Every check builds its graphs with the ``Value(data, parents, local_grads)`` constructor
itself, not with the student's operations, so that each task is checked on its own; what an answer
should be is computed here, when the check runs, by the engine of the torch switch in float64 (or
by numpy), on numbers the notebook does not show. A check names the likely mistakes: the `a + a`
bug (`=` for `+=`), interior gradients left from the last pass, leaves reset, a recursive sort on
a deep chain, a flipped sign or a one-sided difference, a backward that forgets grad_output, an
overflowing softplus.
"""
import warnings

import numpy as np

from widgets.exercises import ExerciseError, Feedback, _compare, _describe, is_stub

from . import backend

CHAIN = 10_000      # Values in the deep chain: ten times Python's default recursion limit


# --- helpers --------------------------------------------------------------------------------------

def _value_and_grads(fn, *xs):
    """fn(*xs) and [d fn / d x_i], by the switch's engine in float64."""
    torch = backend()
    ts = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    return out.item(), [g.item() for g in torch.autograd.grad(out, ts)]


def _call(call, fn, *args):
    """fn(*args); an error inside the student's code becomes one line that names the call."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except RecursionError:
        raise ExerciseError(f"{call} hit Python's recursion limit.") from None
    except Exception as e:
        cause = ""
        if "converted to Python scalars" in str(e):     # math.exp(tensor), float(tensor) of several
            cause = (" (math's functions take one number; torch's, such as torch.exp and torch.log1p, work "
                     "on every element of a tensor)")
        raise ExerciseError(f"{call} raised {type(e).__name__}: {_first_line(e)}{cause}") from None


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0] if text else ""


def _not_written(names, where="in the cell above"):
    """One line for functions whose body is still the stub ("is not written yet" names them all);
    `where`: where they are, when the cell right above the check is not theirs."""
    first, rest = names[0], names[1:]
    others = f" (nor {', '.join(rest)})" if rest else ""
    returns = "" if set(names) <= _FILLS_IN_PLACE else " (and return the result)"
    return (f"{first} is not written yet{others}: write {'its body' if not rest else 'their bodies'} "
            f"{where}{returns}.")


_FILLS_IN_PLACE = {"backward"}  # (it fills .grad and returns nothing)


def _stubs(functions):
    """The names of the functions in {name: fn} that are missing or still stubs."""
    return [name for name, fn in functions.items() if fn is None or (callable(fn) and is_stub(fn))]


def _require_functions(functions):
    """Raise one line when any of {name: fn} is not a written function."""
    stubs = _stubs(functions)
    if stubs:
        raise ExerciseError(_not_written(stubs))
    for name, fn in functions.items():
        if not callable(fn):
            raise ExerciseError(f"{name} should be a function; you gave {_describe(fn)}.")


def graph(Value, kind, *xs, labels=None):
    """(leaves, root) of a small graph built with the Value constructor only:
    "a + a", "A" (y = (w + x) * (w + 1)), "C" (z = (a + b) + c * d), or "chain" (xs = start,
    factor, n: start multiplied n times by factor). `labels`, a dict, gets {id(node): its name}."""
    labels = {} if labels is None else labels

    def node(name, data, parents=(), local_grads=(), op=""):
        v = Value(data, parents, local_grads, op)
        labels[id(v)] = name
        return v

    def plus(name, p, q):
        return node(name, p.data + q.data, (p, q), (1.0, 1.0), "+")

    def times(name, p, q):
        return node(name, p.data * q.data, (p, q), (q.data, p.data), "*")

    if kind == "chain":
        start, factor, n = xs
        v = first = node("the first Value", start)
        for k in range(int(n)):
            v = node(f"Value number {k + 2} of the chain", v.data * factor, (v,), (factor,), "*")
        return [first], v
    if kind == "a + a":
        a = node("a", xs[0])
        return [a], plus("b = a + a", a, a)
    if kind == "A":
        w, x = node("w", xs[0]), node("x", xs[1])
        return [w, x], times("y", plus("a = w + x", w, x), plus("b = w + 1", w, node("the 1 of w + 1", 1.0)))
    if kind == "C":
        a, b, c, d = (node(name, v) for name, v in zip("abcd", xs))
        return [a, b, c, d], plus("z", plus("x = a + b", a, b), times("y = c * d", c, d))
    raise ValueError(f"unknown graph {kind!r}")


TORCH_GRAPHS = {"a + a": lambda a: a + a, "A": lambda w, x: (w + x) * (w + 1),
                "C": lambda a, b, c, d: (a + b) + c * d}


# --- task 1: operations ---------------------------------------------------------------------------

def _operation_cases():
    """Per operation: (function argument tuples as numbers, extra text, torch function, mistakes as
    (local_grads a wrong answer gives, message)). Local derivatives are what the engine computes."""
    k = 3.0
    return {
        "sub": [((5.0, 3.0), "", lambda a, b: a - b,
                 [(lambda a, b: (1.0, 1.0), "a - b falls as b grows: its local derivative for b is negative.")]),
                ((2.5, 7.0), "", lambda a, b: a - b, [])],
        "div": [((6.0, -4.0), "", lambda a, b: a / b,
                 [(lambda a, b: (1 / b, a / b ** 2), "check the sign of d(a/b)/db: for a, b > 0, a / b falls "
                                                     "as b grows."),
                  (lambda a, b: (1 / b, -1 / b ** 2), "d(a/b)/db: write a / b as a * b**-1; the factor a stays."),
                  (lambda a, b: (b, a), "those are a * b's; write a / b as a * b**-1.")]),
                ((1.5, 0.5), "", lambda a, b: a / b, [])],
        "power": [((2.0,), k, lambda a: a ** k,
                   [(lambda a: (k * a ** k,), "the exponent drops by one: the derivative of a**k is k * a**(k-1)."),
                    (lambda a: (a ** (k - 1),), "the exponent k comes down as a factor.")]),
                  ((4.0,), -0.5, lambda a: a ** -0.5, [])],
        "exp": [((0.5,), "", lambda a: a.exp(),
                 [(lambda a: (a,), "that is a itself; e**a is its own derivative."),
                  (lambda a: (1.0,), "the local derivative depends on a: e**a is its own derivative.")]),
                ((-1.25,), "", lambda a: a.exp(), [])],
    }


def _check_operation(Value, name, fn, numbers, k, torch_fn, mistakes):
    inputs = [Value(x) for x in numbers]
    args = inputs + ([k] if name == "power" else [])
    call = f"{name}({', '.join(f'Value({x:g})' for x in numbers)}{f', {k:g}' if name == 'power' else ''})"
    out = _call(call, fn, *args)
    if out is None:
        raise ExerciseError(f"{call} returned None: end {name} with a return statement.")
    if not isinstance(out, Value):
        raise ExerciseError(f"{call} should return a new Value; it returned {_describe(out)}.")
    parents, local_grads = tuple(out.parents), tuple(out.local_grads)
    if len(parents) != len(inputs) or any(p is not v for p, v in zip(parents, inputs)):
        if len(inputs) > 1:
            raise ExerciseError(f"{call}.parents should be its two input Values, in order.")
        raise ExerciseError(f"{call}.parents should be its input Value alone (k is a number, not a parent).")
    if len(local_grads) != len(inputs):
        raise ExerciseError(f"{call} has {len(local_grads)} local_grads: give one per parent.")
    data, grads = _value_and_grads(torch_fn, *numbers)
    _compare(f"{call}.data", out.data, data, atol=1e-9, rtol=1e-9)
    _compare(f"{call}.local_grads", [float(g) for g in local_grads], grads, atol=1e-9, rtol=1e-9,
             mistakes=[(wrong(*numbers), message) for wrong, message in mistakes],
             explain="Differentiate the result with respect to each parent, at the parents' data.")


def operations(Value, sub, div, power, exp):
    """Task 1: sub, div, power (number exponent) and exp on fresh Values: data, parents (the input
    Values, in order, a Value used twice kept twice) and local_grads against the engine's."""
    functions = {"sub": sub, "div": div, "power": power, "exp": exp}
    stubs = _stubs(functions)
    with Feedback() as fb:
        if stubs:
            # (the cell right above the check wires the operators: task 1's cell is the one before)
            fb.fail(_not_written(stubs, where="in task 1's cell, the one before the operators' wiring"))
        for name, fn in functions.items():
            if name in stubs:
                continue
            if not callable(fn):
                fb.fail(f"{name} should be a function; you gave {_describe(fn)}.")
                continue
            try:
                for case in _operation_cases()[name]:
                    _check_operation(Value, name, fn, *case)
                if name in ("sub", "div"):         # (the task: b may be a plain number, `a / 2`)
                    a = Value(4.0)
                    out = _call(f"{name}(Value(4), 1.5)", fn, a, 1.5)
                    if not (isinstance(out, Value) and len(out.parents) == 2 and out.parents[0] is a
                            and isinstance(out.parents[1], Value)):
                        raise ExerciseError(f"{name}(a, 1.5), with b a plain number, should have the parents "
                                            "(a, Value(1.5)): make b a Value with as_value(b).")
                    out = _call(f"{name}(a, a)", fn, a, a)
                    if not (len(out.parents) == 2 and out.parents[0] is a and out.parents[1] is a):
                        raise ExerciseError(f"{name}(a, a) should have two parents, both a (a tuple keeps both; "
                                            "a set would keep one).")
            except ExerciseError as e:
                fb.failures.extend(e.messages)
                continue
            fb.passed(f"{name}: its data, parents and local derivatives are right")


# --- task 2: topological order --------------------------------------------------------------------

def _check_order(Value, topological_order, kind, *xs):
    name = {}
    leaves, root = graph(Value, kind, *xs, labels=name)
    everything, todo = {}, [root]            # every node of the graph, by this check's own walk
    while todo:
        node = todo.pop()
        if id(node) not in everything:
            everything[id(node)] = node
            todo.extend(node.parents)
    def called(v):
        return name.get(id(v), repr(v))

    where = "a chain" if kind == "chain" else f"Example {kind}" if kind in "AC" else kind
    try:
        order = topological_order(root)
    except RecursionError:
        raise ExerciseError(f"topological_order hit Python's recursion limit on a chain of {len(everything):,} "
                            "Values: keep your own stack (a list) instead of recursing.") from None
    except Exception as e:
        raise ExerciseError(f"topological_order(root) on {where} raised {type(e).__name__}: "
                            f"{_first_line(e)}") from None
    if order is None:
        raise ExerciseError("topological_order returned None: end it with a return statement.")
    try:
        order = list(order)
    except TypeError:
        raise ExerciseError(f"topological_order should return a list of Values; it returned "
                            f"{_describe(order)}.") from None
    seen = set()
    for v in order:
        if id(v) not in everything:
            raise ExerciseError(f"topological_order returned {v!r} for {where}, which the root does not "
                                "depend on.")
        if id(v) in seen:
            raise ExerciseError(f"{called(v)} appears twice in the order of {where}: remember the nodes "
                                "already placed, and skip them.")
        seen.add(id(v))
    missing = [v for i, v in everything.items() if i not in seen]
    if missing:
        raise ExerciseError(f"the order of {where} misses {len(missing)} node(s), e.g. {called(missing[0])}: "
                            "follow every parent of every node.")
    if order[0] is root and len(order) > 1:
        raise ExerciseError(f"the order of {where} starts with the root; it should end with it (parents "
                            "first): reverse it, or place a node only once its parents are placed.")
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            if position[id(p)] > position[id(v)]:
                raise ExerciseError(f"in the order of {where}, {called(p)} comes after {called(v)}, which "
                                    "is computed from it: place a node after all of its parents.")


def iterative_order(Value, topological_order):
    """Task 2: every node once, each after its parents, on Examples A and C, a + a (two edges from
    one node) and a chain ten times deeper than Python's recursion limit."""
    _require_functions({"topological_order": topological_order})
    _check_order(Value, topological_order, "A", 1.0, 2.0)
    _check_order(Value, topological_order, "a + a", 3.0)
    _check_order(Value, topological_order, "C", 1.0, 2.0, 3.0, 4.0)
    _check_order(Value, topological_order, "chain", 1.0, 1.0, CHAIN)
    print(f"✓ topological_order: every node once, after its parents, even {CHAIN:,} deep")


# --- task 3: backward -----------------------------------------------------------------------------

def _run_backward(Value, backward, kind, *xs, calls=1):
    """The leaves' grads after `calls` calls of the student's backward on a fresh graph, and the
    engine's after as many backward passes (retain_graph) on the same expression."""
    leaves, root = graph(Value, kind, *xs)
    where = "a chain" if kind == "chain" else f"Example {kind}" if kind in "AC" else kind
    for _ in range(calls):
        _call(f"backward(root) on {where}", backward, root)
    if root.grad == 0 and all(v.grad == 0 for v in leaves):
        raise ExerciseError(f"after backward(root) on {where} every grad is still 0: a pass starts with "
                            "root.grad = 1.")
    if kind == "chain":
        start, factor, n = xs
        want = [factor ** int(n) * calls]
    else:
        torch = backend()
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out = TORCH_GRAPHS[kind](*ts)
        for i in range(calls):
            out.backward(retain_graph=i + 1 < calls)
        want = [t.grad.item() for t in ts]
    return [v.grad for v in leaves], want


def backward_pass(Value, backward):
    """Task 3: a + a, Example A once and twice (interior grads reset, leaves accumulated), Example C,
    and a chain ten times deeper than the recursion limit, against the engine."""
    _require_functions({"backward": backward})
    got, want = _run_backward(Value, backward, "a + a", 3.0)
    _compare("a.grad for b = a + a", got[0], want[0], mistakes=[
        (want[0] / 2, "the `a + a` bug: the two edges from a to b each add their share, so write "
                      "parent.grad += local * node.grad, not =.")])
    got, want = _run_backward(Value, backward, "A", 1.0, 2.0)
    _compare("[w.grad, x.grad] in Example A", got, want,
             explain="Walk reversed(topological_order(root)) from the root, adding local * node.grad into "
                     "each parent.")
    once = want
    got, want = _run_backward(Value, backward, "A", 1.0, 2.0, calls=2)
    _compare("[w.grad, x.grad] after two backward calls", got, want, mistakes=[
        ([3 * g for g in once], "a and b kept their grads from the first call and passed them on twice: set "
                                "every Value that has parents to grad 0 at the start of a pass."),
        (once, "you reset the leaves too: PyTorch adds every pass into a leaf's grad (zeroing it is the "
               "user's job). Reset only Values that have parents.")])
    got, want = _run_backward(Value, backward, "C", 1.0, 2.0, 3.0, 4.0)
    _compare("[a.grad, b.grad, c.grad, d.grad] in Example C", got, want)
    got, want = _run_backward(Value, backward, "chain", 1.0, 1.0001, CHAIN)
    _compare(f"d(end)/d(start) through {CHAIN:,} multiplications by 1.0001", got, want, rtol=1e-9)
    print(f"✓ backward: a + a, Examples A and C, two calls in a row, and a chain {CHAIN:,} deep")


# --- task 4: the tutorials' examples ----------------------------------------------------------------

EXAMPLES = {  # name: (variables, torch expression, the tutorial's numbers, other numbers)
    "example_a": ("wx", lambda w, x: (w + x) * (w + 1), (1.0, 2.0), (-0.5, 3.0)),
    "example_b": ("mn", lambda m, n: (m + n) * (m - n), (2.0, 3.0), (1.5, -4.0)),
    "example_c": ("abcd", lambda a, b, c, d: (a + b) + c * d, (1.0, 2.0, 3.0, 4.0), (0.5, -1.0, 2.0, -3.0)),
}


def _check_example(Value, name, fn, torch_fn, numbers):
    leaves = [Value(x) for x in numbers]
    call = f"{name}({', '.join(f'Value({x:g})' for x in numbers)})"
    out = _call(call, fn, *leaves)
    if out is None:
        raise ExerciseError(f"{call} returned None: end {name} with a return statement.")
    if not isinstance(out, Value):
        raise ExerciseError(f"{call} should return the Value built from its arguments; it returned "
                            f"{_describe(out)}.")
    _call(f"{call}.backward()", out.backward)
    if out.grad == 0:
        raise ExerciseError("backward (task 3) is not done yet: the check calls it on what you return.")
    data, grads = _value_and_grads(torch_fn, *numbers)
    _compare(f"{call}.data", out.data, data, atol=1e-9)
    got = [v.grad for v in leaves]
    if all(g == 0 for g in got):
        raise ExerciseError(f"{call}: every grad is 0: build the output from the Values you are given (not "
                            "from new ones), with the operators.")
    _compare(f"the gradients of {call}", got, grads, atol=1e-9, mistakes=[
        ([2 * g for g in grads], f"twice the gradients: does {name} call backward itself? Return the output "
                                 "alone; the check calls .backward() on it.")],
             explain="Compare with the example's formulas; tasks 1 (sub) and 3 must pass first.")
    return grads


def tutorial_examples(Value, example_a, example_b, example_c):
    """Task 4: Examples A, B and C built with the student's operations, backward through them by the
    student's backward, against the engine at the tutorials' numbers and at others."""
    functions = {"example_a": example_a, "example_b": example_b, "example_c": example_c}
    stubs = _stubs(functions)
    with Feedback() as fb:
        if stubs:
            fb.fail(_not_written(stubs))
        for name, fn in functions.items():
            if name in stubs:
                continue
            variables, torch_fn, tutorial, other = EXAMPLES[name]
            try:
                grads = _check_example(Value, name, fn, torch_fn, tutorial)
                _check_example(Value, name, fn, torch_fn, other)
            except ExerciseError as e:
                fb.failures.extend(e.messages)
                continue
            fb.passed(f"{name} matches torch; at the tutorial's numbers " + ", ".join(
                f"d/d{v} = {g:g}" for v, g in zip(variables, grads)))


# --- task 5: a set of parents ---------------------------------------------------------------------

def set_of_parents(Value, set_of_parents_grads):
    """Task 5: a.grad, in an engine that keeps parents in a set, for a * a and a - a at a = 3; the
    check runs that engine (one node deep, zip over the set and the local derivatives)."""
    class SetValue(Value):
        def __init__(self, data, parents=(), local_grads=(), op=""):
            super().__init__(data, (), local_grads, op)
            self.parents = set(parents)

    def their_grad(torch_fn):
        _, local_grads = _value_and_grads(torch_fn, 3.0, 3.0)      # d out / d (each operand)
        a = SetValue(3.0)
        out = SetValue(torch_fn(3.0, 3.0), (a, a), local_grads)
        out.grad = 1.0
        for parent, local in zip(out.parents, out.local_grads):
            parent.grad += local * out.grad
        return a.grad

    times, minus = (lambda p, q: p * q), (lambda p, q: p - q)
    theirs = [their_grad(times), their_grad(minus)]
    true = [_value_and_grads(lambda t: times(t, t), 3.0)[1][0], _value_and_grads(lambda t: minus(t, t), 3.0)[1][0]]
    with Feedback() as fb:
        fb.check("set_of_parents_grads", set_of_parents_grads, theirs, by_hand=True, mistakes=[
            (true, "those are the true gradients; what is {a, a} as a set, and what does zip pair it with?"),
            ([theirs[0], -theirs[1]], "zip pairs the set's one element with the first local derivative.")])


# --- task 6: central differences ------------------------------------------------------------------

def _f1(xs):
    return xs[0] * xs[1] ** 2 + xs[2] / xs[0]


def _f2(xs):
    return (xs[0] - 1) ** 3 * xs[1] - xs[1] / (xs[0] + 2)


def central_differences(numerical_grad):
    """Task 6: numerical_grad on two functions at two steps h against the engine's derivatives (within
    h**2 at h = 1e-3, within 1e-7 at 1e-6), naming a flipped sign, a one-sided difference, a
    missing factor 2, and a list of inputs changed in place."""
    _require_functions({"numerical_grad": numerical_grad})
    for f, name, xs in [(_f1, "f1", [1.5, -2.0, 0.5]), (_f2, "f2", [2.0, 3.0])]:
        _, exact = _value_and_grads(lambda *ts: f(list(ts)), *xs)
        for h in (1e-3, 1e-6):
            given = list(xs)
            call = f"numerical_grad({name}, {xs}, h={h:g})"
            got = _call(call, numerical_grad, f, given, h)
            if got is None:
                raise ExerciseError(f"{call} returned None: end numerical_grad with a return statement.")
            if given != xs:
                raise ExerciseError(f"{call} changed the list it was given to {given}: move a copy of xs (or "
                                    "save x_i and restore it exactly).")

            def moved(i, step):
                return [x + step if j == i else x for j, x in enumerate(xs)]

            one_sided = [(f(moved(i, h)) - f(xs)) / h for i in range(len(xs))]
            other_side = [(f(xs) - f(moved(i, -h))) / h for i in range(len(xs))]
            worst = max(abs(a - b) for a, b in zip(one_sided, exact))
            _compare(call, got, exact, atol=1e-5 if h > 1e-4 else 1e-7, rtol=1e-6, mistakes=[
                ([-g for g in exact], "the sign is flipped: it is f(x + h e_i) - f(x - h e_i), over 2h."),
                ([2 * g for g in exact], "twice too large: x + h e_i and x - h e_i are 2h apart."),
                (one_sided, f"that is the one-sided difference (f(x + h e_i) - f(x)) / h, off by about h/2 "
                            f"times f'' ({worst:.0e} here); the central one's error shrinks like h**2."),
                (other_side, "that is the one-sided difference (f(x) - f(x - h e_i)) / h, off by about h/2 "
                             "times f''; use the central one.")])
    print("✓ numerical_grad: central differences, within h**2 of the derivative, xs left as it was")


# --- task 7: the engine against the checker ---------------------------------------------------------

def engine_against_checker(Value, gradient_error):
    """Task 7: gradient_error is tiny for a function the student's engine differentiates right, and
    equals what a planted bug costs (an op whose local derivative is 3v instead of 3v**2)."""
    _require_functions({"gradient_error": gradient_error})

    def cube_with_a_bug(v):
        return Value(v.data ** 3, (v,), (3 * v.data,), "cube")

    def smooth(vs):
        x, y, z = vs
        return (x * y - z) / y ** 2 + (x * 0.5).exp()

    def buggy(vs):
        x, y = vs
        return cube_with_a_bug(x) * y

    call = "gradient_error(smooth, [1.5, -2, 0.25])"
    error = _call(call, gradient_error, smooth, [1.5, -2.0, 0.25])
    if error is None:
        raise ExerciseError(f"{call} returned None: end gradient_error with a return statement.")
    if isinstance(error, bool) or not isinstance(error, (int, float)):
        raise ExerciseError(f"gradient_error should return one number (the largest difference); it returned "
                            f"{_describe(error)}.")
    if not error < 1e-5:
        raise ExerciseError(f"{call} = {error:.2g} for a function your engine gets right (if tasks 1 and 3 "
                            "pass): are the leaves fresh Values, used for one backward?")
    _, exact = _value_and_grads(lambda x, y: x ** 3 * y, 1.5, 2.0)
    planted = max(abs(e - b) for e, b in zip(exact, [3 * 1.5 * 2.0, 1.5 ** 3]))     # what the bug costs
    found = _call("gradient_error(buggy, [1.5, 2])", gradient_error, buggy, [1.5, 2.0])
    _compare("gradient_error(buggy, [1.5, 2])", found, planted, rtol=1e-4, mistakes=[
        (planted / exact[0], "that is relative to the gradient; return the absolute difference."),
        (0.0, "the planted bug went unnoticed: compare backward's grads with numerical_grad's, and take the "
              "absolute value of each difference (a gradient that is too small makes it negative).")])
    print(f"✓ gradient_error: {error:.0e} for your engine, {found:g} for the planted bug")


# --- task 8: softplus as an autograd.Function -------------------------------------------------------

class _StandInCtx:
    """What forward and backward get as ctx when the check calls them directly (to find stubs)."""

    saved_tensors = ()             # as torch's ctx before save_for_backward: nothing saved
    saved = False

    def save_for_backward(self, *tensors):
        self.saved_tensors, self.saved = tensors, True


def _softplus(x):
    return np.logaddexp(0.0, x)                   # log(e**0 + e**x), without overflow


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))         # 1 / (1 + e**-x), without overflow


def softplus_written(Softplus):
    """Whether task 8's Softplus has a forward and a backward (code after the task that runs them,
    such as gradcheck, asks first); if not, prints one line saying which to write, and where."""
    stubs = _stubs({"Softplus.forward": getattr(Softplus, "forward", None),
                    "Softplus.backward": getattr(Softplus, "backward", None)})
    if stubs:
        print(_not_written(stubs, where="in task 8's cell") + " Then run this cell again.")
    return not stubs


def softplus_function(Softplus, numerical_grad):
    """Task 8: Softplus.apply against numpy (forward, also at +-800, and backward with an upstream
    gradient that is not all ones), then the student's numerical_grad against their backward."""
    torch = backend()
    forward, backward = getattr(Softplus, "forward", None), getattr(Softplus, "backward", None)
    _require_functions({"Softplus.forward": forward, "Softplus.backward": backward})
    points = np.array([-3.0, -0.5, 0.0, 0.75, 4.0, 30.0])
    upstream = np.array([1.0, -2.0, 0.5, 3.0, 1.0, -1.0])

    def tensor(values, requires_grad=False):
        return torch.tensor(np.asarray(values, dtype=float).tolist(), dtype=torch.float64,
                            requires_grad=requires_grad)

    ctx = _StandInCtx()
    if _call("Softplus.forward(ctx, x)", forward, ctx, tensor(points)) is None:
        raise ExerciseError("Softplus.forward returned None: end it with a return statement.")
    try:
        returned = _call("Softplus.backward(ctx, g)", backward, ctx, tensor(upstream))
    except ExerciseError as error:
        code = getattr(backward, "__code__", None)
        if not ctx.saved and code is not None and "saved_tensors" in code.co_names:
            # (what backward then raised, an unpacking error as under torch, says nothing of the cause)
            raise ExerciseError(f"{error.messages[0].rstrip('.')}: it reads ctx.saved_tensors, but forward "
                                "saved nothing there; call ctx.save_for_backward(x) in forward.") from None
        raise
    if returned is None:
        raise ExerciseError("Softplus.backward returned None: end it with a return statement.")

    x = tensor(points, requires_grad=True)
    with warnings.catch_warnings():            # e**800 overflows: the check says so in words
        warnings.simplefilter("ignore", RuntimeWarning)
        y = _call("Softplus.apply(x)", Softplus.apply, x)
        _compare("Softplus.apply(x)", y, _softplus(points), atol=1e-9, rtol=1e-9)
        big = _call("Softplus.apply([-800, 800])", Softplus.apply, tensor([-800.0, 800.0]))
        _compare("Softplus.apply([-800, 800])", big, _softplus(np.array([-800.0, 800.0])), atol=1e-9, rtol=1e-9,
                 explain="e**800 overflows float64 to inf; for x > 0, log(1 + e**x) = x + log(1 + e**-x).")
        _call("Softplus.apply(x).backward(g)", y.backward, tensor(upstream))
    _compare("x.grad after Softplus.apply(x).backward(g)", x.grad, upstream * _sigmoid(points), atol=1e-9,
             rtol=1e-9, mistakes=[
        (_sigmoid(points), "backward must multiply by grad_output (the chain rule)."),
        (upstream * _sigmoid(-points), "check the sign: d/dx log(1 + e**x) = e**x / (1 + e**x)."),
        (upstream * _softplus(points), "that is softplus itself, not its derivative."),
        (upstream * np.exp(points), "that is the derivative of e**x; the chain rule goes through the log too.")])

    if numerical_grad is None or (callable(numerical_grad) and is_stub(numerical_grad)):
        raise ExerciseError("numerical_grad (task 6) is not written yet: this check uses it to verify your backward.")

    def softplus_sum(xs):
        return Softplus.apply(tensor(xs)).sum().item()

    for at in ([-1.5, 0.2, 2.0], [10.0, -10.0]):
        t = tensor(at, requires_grad=True)
        Softplus.apply(t).sum().backward()
        mine = _call(f"numerical_grad(softplus_sum, {at})", numerical_grad, softplus_sum, list(at))
        _compare(f"your numerical_grad of Softplus at {at}, against your backward", mine, t.grad, atol=1e-6,
                 rtol=1e-6, explain="With task 6 passing, backward is wrong somewhere.")
    print("✓ Softplus: forward (even at x = 800) and backward are correct, and your numerical_grad agrees")


__all__ = ["operations", "iterative_order", "backward_pass", "tutorial_examples", "set_of_parents",
           "central_differences", "engine_against_checker", "softplus_function", "graph"]
