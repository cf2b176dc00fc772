# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - 08
#     minutes: 60
#     title: Build your own autograd
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 05 · Build your own autograd
#
# For lecture 08. A longer set than the others: you build a scalar autograd engine that fixes the
# three weak spots of lecture 08's engine, check it against `torch` on the tutorials' Examples A, B and C,
# write a gradient checker, and give PyTorch a backward of your own. The checks run your code on
# graphs and numbers of their own, and compute what it should give with `torch`; their code is
# long, so it is collapsed (click the `⋯` to read a check).
#
# Write your answer where a cell says `# YOUR CODE HERE` (set the variable that is still `None`, or
# write the function's body), run that cell, then run the **check** cell below it: it prints ✓ when
# your answer is right, and otherwise one line that says what to look at. *Run ▸ Run All Cells* runs
# every check, even after one fails. **Show a hint** reveals a hint at a time. The other cells are
# read-only; add cells of your own to experiment.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.exercises import ExerciseError, Hints, check

# %% [markdown]
# ## The engine you complete
#
# A `Value` is lecture 08's: `data`, `grad`, the `parents` it was computed from and one local
# derivative per parent in `local_grads`. Operations are plain functions that return a new
# `Value`; `add` and `mul` are done. The cell after task 1 wires them to Python's operators, so
# `a - b`, `2 * a`, `a / b`, `a ** 3`, `a.exp()` and `y.backward()` call your functions.

# %%
import math


class Value:
    """A number in a computation graph: data, grad = dL/d(self), parents, d(self)/d(parent)."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(local_grads)
        self.op = op

    def __repr__(self):
        return f"Value(data={self.data:g}, grad={self.grad:g})"


def as_value(x):
    """x if it is a Value, else a new Value holding the number x (a constant)."""
    return x if isinstance(x, Value) else Value(x)


def add(a, b):
    """a + b; local derivatives 1 and 1."""
    b = as_value(b)
    return Value(a.data + b.data, (a, b), (1.0, 1.0), "+")


def mul(a, b):
    """a * b; local derivatives b and a."""
    b = as_value(b)
    return Value(a.data * b.data, (a, b), (b.data, a.data), "*")


# %% [markdown]
# The checks use a few helpers of their own (collapsed below): they build graphs with the
# `Value(data, parents, local_grads)` constructor directly, so each task is checked on its own,
# and they compute what your code should give with `torch` in float64.

# %% jupyter={"source_hidden": true}
# Helpers for the checks (read them if you like).
import contextlib
import io


def torch_value_and_grads(fn, *xs):
    """fn(*xs) and [d fn / d x_i], by torch's autograd in float64."""
    ts = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    return out.item(), [g.item() for g in torch.autograd.grad(out, ts)]


def graph(kind, *xs):
    """Leaves and root of a small graph built with the constructor only (not with tasks 1-4)."""
    leaves = [Value(x) for x in xs] if kind != "chain" else [Value(xs[0])]
    def plus(p, q):
        return Value(p.data + q.data, (p, q), (1.0, 1.0), "+")
    def times(p, q):
        return Value(p.data * q.data, (p, q), (q.data, p.data), "*")
    if kind == "a + a":
        (a,) = leaves
        return leaves, plus(a, a)
    if kind == "A":                                  # y = (w + x) * (w + 1)
        w, x = leaves
        return leaves, times(plus(w, x), plus(w, Value(1.0)))
    if kind == "C":                                  # z = (a + b) + c * d
        a, b, c, d = leaves
        return leaves, plus(plus(a, b), times(c, d))
    if kind == "chain":                              # xs[0] * xs[1] * xs[1] * ... (n factors)
        factor, n = xs[1], int(xs[2])
        node = leaves[0]
        for _ in range(n):
            node = Value(node.data * factor, (node,), (factor,), "*")
        return leaves, node
    raise ValueError(kind)


TORCH_EXAMPLES = {"a + a": lambda a: a + a, "A": lambda w, x: (w + x) * (w + 1),
                  "C": lambda a, b, c, d: (a + b) + c * d}


def returned_none(call, name):
    return ExerciseError(f"{call} returned None: write the body of {name} in the cell above "
                         "(and return the result).")


def verify(name, answer, expected, **options):
    """check() without its ✓ line: raise ExerciseError unless answer matches expected."""
    with contextlib.redirect_stdout(io.StringIO()):
        check(name, answer, expected, **options)


def calling(call, fn, *args):
    """fn(*args); an error inside it becomes one line that names the call."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except RecursionError:
        raise ExerciseError(f"{call} hit Python's recursion limit.") from None
    except Exception as e:
        raise ExerciseError(f"{call} raised {type(e).__name__}: {e}") from None


# %% [markdown]
# ## Task 1 · Four operations and their local derivatives
#
# Write `sub(a, b)`, `div(a, b)`, `power(a, k)` and `exp(a)` the way `add` and `mul` are written:
# each returns a new `Value` with its `data`, its `parents` (the Values it was computed from, in
# order) and one local derivative per parent in `local_grads` (same order). `b` may be a plain
# number (`a - 2`): make it a Value with `as_value`. In `power` the exponent `k` is a number, not a
# Value, so `a` is the only parent.

# %% nbgrader={"grade_id": "ex05_task1", "solution": true}
def sub(a, b):
    """a - b."""
    ### BEGIN SOLUTION
    b = as_value(b)
    return Value(a.data - b.data, (a, b), (1.0, -1.0), "-")
    ### END SOLUTION


def div(a, b):
    """a / b."""
    ### BEGIN SOLUTION
    b = as_value(b)
    return Value(a.data / b.data, (a, b), (1.0 / b.data, -a.data / b.data ** 2), "/")
    ### END SOLUTION


def power(a, k):
    """a ** k for a number k."""
    ### BEGIN SOLUTION
    return Value(a.data ** k, (a,), (k * a.data ** (k - 1),), f"**{k:g}")
    ### END SOLUTION


def exp(a):
    """e ** a."""
    ### BEGIN SOLUTION
    e_a = math.exp(a.data)
    return Value(e_a, (a,), (e_a,), "exp")
    ### END SOLUTION


# %%
# Python's operators call the functions above (and backward, which you write in task 3).
Value.__add__ = Value.__radd__ = add
Value.__mul__ = Value.__rmul__ = mul
Value.__sub__ = sub
Value.__rsub__ = lambda a, b: sub(as_value(b), a)          # 2 - a
Value.__truediv__ = div
Value.__rtruediv__ = lambda a, b: div(as_value(b), a)      # 1 / a
Value.__pow__ = power
Value.__neg__ = lambda a: mul(a, -1.0)
Value.exp = exp
Value.backward = lambda self: backward(self)


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task1_check", "points": 2}
# The check of task 1 (expand to read it): your operations on fresh Values, against torch's derivatives.
def check_operation(name, fn, args, torch_fn, mistakes, extra=""):
    """fn on fresh Values holding args: its data, parents and local_grads against torch_fn's."""
    inputs = [Value(x) for x in args]
    call = f"{name}({', '.join(f'Value({x:g})' for x in args)}{extra})"
    out = calling(call, fn, *inputs)
    if out is None:
        raise returned_none(call, name)
    if not isinstance(out, Value):
        raise ExerciseError(f"{call} should return a new Value, not {type(out).__name__}.")
    if len(out.parents) != len(inputs) or any(p is not v for p, v in zip(out.parents, inputs)):
        raise ExerciseError(f"{call}.parents should be its input Value{'s, in order' if len(inputs) > 1 else ''}"
                            f"{'' if len(inputs) > 1 else ' (k is a number, not a parent)'}.")
    if len(out.local_grads) != len(inputs):
        raise ExerciseError(f"{call} has {len(out.local_grads)} local_grads: give one per parent.")
    data, grads = torch_value_and_grads(torch_fn, *args)
    verify(f"{call}.data", out.data, data, atol=1e-9, rtol=1e-9)
    verify(f"{call}.local_grads", [float(g) for g in out.local_grads], grads, atol=1e-9, rtol=1e-9,
           mistakes=[(wrong(*args), message) for wrong, message in mistakes],
           explain="differentiate the result with respect to each parent, at the parents' data.")


k = 3.0
cases = [
    ("sub", sub, (5.0, 3.0), lambda a, b: a - b,
     [(lambda a, b: (1.0, 1.0), "a - b falls as b grows: its local derivative for b is negative.")]),
    ("sub", sub, (2.5, 7.0), lambda a, b: a - b, []),
    ("div", div, (6.0, -4.0), lambda a, b: a / b,
     [(lambda a, b: (1 / b, a / b ** 2), "check the sign of d(a/b)/db: for a, b > 0, a / b falls as b grows."),
      (lambda a, b: (1 / b, -1 / b ** 2), "d(a/b)/db: write a / b as a * b**-1; the factor a stays."),
      (lambda a, b: (b, a), "those are a * b's; write a / b as a * b**-1.")]),
    ("div", div, (1.5, 0.5), lambda a, b: a / b, []),
    ("power", lambda a: power(a, k), (2.0,), lambda a: a ** k,
     [(lambda a: (k * a ** k,), "the exponent drops by one: the derivative of a**k is k * a**(k-1)."),
      (lambda a: (a ** (k - 1),), "the exponent k comes down as a factor.")], ", 3"),
    ("power", lambda a: power(a, -0.5), (4.0,), lambda a: a ** -0.5, [], ", -0.5"),
    ("exp", exp, (0.5,), lambda a: a.exp(),
     [(lambda a: (a,), "that is a itself; e**a is its own derivative."),
      (lambda a: (1.0,), "the local derivative depends on a: e**a is its own derivative.")]),
    ("exp", exp, (-1.25,), lambda a: a.exp(), []),
]
for case in cases:
    check_operation(*case)

# a plain number as b, and a Value used twice
a = Value(4.0)
out = calling("a - 1.5", lambda: a - 1.5)
if not (isinstance(out, Value) and len(out.parents) == 2 and out.parents[0] is a):
    raise ExerciseError("a - 1.5 (b a plain number) should give a Value with parents (a, Value(1.5)): "
                        "use as_value(b).")
out = a - a
if not (len(out.parents) == 2 and out.parents[0] is a and out.parents[1] is a):
    raise ExerciseError("a - a should have two parents, both a (a tuple keeps both; a set would keep one).")
print("✓ sub, div, power and exp: values, parents and local derivatives are correct")

# %% jupyter={"source_hidden": true}
Hints(
    "Copy the pattern of `add` and `mul`: `Value(data, (parents...), (local derivatives...), op)`.",
    "A local derivative is the derivative of the operation's result with respect to one input, "
    "with the other inputs held fixed, evaluated at the inputs' `data`.",
    "Work them out: d(a-b)/db, d(a/b)/db (write a/b as a * b**-1), d(a**k)/da, d(e**a)/da. "
    "For exp, the local derivative equals the result.",
)


# %% [markdown]
# ## Task 2 · A topological order without recursion
#
# Write `topological_order(root)`: a list of every Value that `root` depends on (`root`
# included), **each exactly once**, each **after all of its parents** (so `root` comes last).
# Lecture 08's recursive version fails on a chain deeper than Python's recursion limit; yours must
# not recurse — the check runs it on a chain of 10,000 Values.

# %% nbgrader={"grade_id": "ex05_task2", "solution": true}
def topological_order(root):
    """Every Value behind root (root included), each once and after all its parents; no recursion."""
    ### BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]               # (node, are its parents placed already?)
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))    # comes back after everything pushed below it
            for parent in node.parents:
                if parent not in visited:
                    stack.append((parent, False))
    return order
    ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task2_check", "points": 2}
# The check of task 2 (expand to read it): your order on Examples A and C, a + a, and a chain 10,000 deep.
def check_order(kind, *xs, names=()):
    leaves, root = graph(kind, *xs)
    everything, todo = {}, [root]           # every node of the graph, found by the check's own walk
    while todo:
        node = todo.pop()
        if id(node) not in everything:
            everything[id(node)] = node
            todo.extend(node.parents)
    name = dict(zip(map(id, leaves), names))
    name[id(root)] = "the root"
    def called(v):
        return name.get(id(v), f"the node {v}")
    try:
        order = topological_order(root)
    except RecursionError:
        raise ExerciseError(f"topological_order hit Python's recursion limit on a chain of {len(everything):,} "
                            "Values: keep your own stack (a list) instead of recursing.") from None
    except Exception as e:
        raise ExerciseError(f"topological_order(root) on {kind} raised {type(e).__name__}: {e}") from None
    if order is None:
        raise returned_none("topological_order(root)", "topological_order")
    order = list(order)
    seen = set()
    for v in order:
        if id(v) not in everything:
            raise ExerciseError(f"topological_order returned {v!r}, which root does not depend on.")
        if id(v) in seen:
            raise ExerciseError(f"{called(v)} appears twice in the order ({kind}): remember the nodes "
                                "already placed and skip them.")
        seen.add(id(v))
    missing = [v for i, v in everything.items() if i not in seen]
    if missing:
        raise ExerciseError(f"the order ({kind}) misses {len(missing)} node(s), e.g. {called(missing[0])}: "
                            "follow every parent, recursively, with your stack.")
    if order[0] is root and len(order) > 1:
        raise ExerciseError(f"the order ({kind}) starts with the root: it should end with it (parents "
                            "first). Reverse it, or place a node only once its parents are placed.")
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            if position[id(p)] > position[id(v)]:
                raise ExerciseError(f"in the order ({kind}), {called(p)} comes after {called(v)}, "
                                    "which is computed from it: place a node after all its parents.")


check_order("A", 1.0, 2.0, names=("w", "x"))
check_order("a + a", 3.0, names=("a",))
check_order("C", 1.0, 2.0, 3.0, 4.0, names="abcd")
check_order("chain", 1.0, 1.0, 10_000, names=("the first Value",))
print("✓ topological_order: every node once, after its parents, even 10,000 deep")

# %% jupyter={"source_hidden": true}
Hints(
    "The recursion in lecture 08 kept its unfinished work on Python's call stack. Keep it in a list "
    "of your own: `stack.append(...)`, `stack.pop()`.",
    "A node may be appended to the order only after its parents. One way: push each node twice, "
    "first to visit it (which pushes its parents on top), then to place it.",
    "Another way (Kahn's algorithm): count, for every node, how many of its users are not processed "
    "yet; start from the root, and hand a parent on when its count reaches zero. That gives the "
    "reversed order.",
    "Use a `set` of visited nodes so a node reached along two paths (`a + a`) is placed once.",
)


# %% [markdown]
# ## Task 3 · `backward`, right the second time too
#
# Write `backward(root)`. It must:
#
# - start each pass with `grad = 0` for every Value **that has parents** (interior gradients
#   belong to one pass) and `root.grad = 1`;
# - walk the Values in reverse topological order (your task 2), adding each node's share
#   `local * node.grad` into each of its parents' `grad`;
# - leave the **leaves** (Values without parents) to accumulate across calls, as PyTorch's `.grad`
#   does: two calls on Example A give `w.grad = 10`.

# %% nbgrader={"grade_id": "ex05_task3", "solution": true}
def backward(root):
    """dL/dv into v.grad for every Value v behind root (L = root); leaves accumulate across calls."""
    ### BEGIN SOLUTION
    order = topological_order(root)
    for node in order:
        if node.parents:          # an interior gradient belongs to this pass only
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
    ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task3_check", "points": 2}
# The check of task 3 (expand to read it): your backward on graphs built with the constructor, against torch.
def run_backward(kind, *xs, calls=1):
    """The leaves' grads after `calls` calls of your backward, and torch's for the same."""
    leaves, root = graph(kind, *xs)
    for _ in range(calls):
        calling(f"backward(root) on {'a chain' if kind == 'chain' else kind}", backward, root)
    if root.grad == 0 and all(v.grad == 0 for v in leaves):
        raise ExerciseError("backward is not filled in yet: after backward(y) every grad is still 0 "
                            "(a pass starts with y.grad = 1).")
    if kind == "chain":
        want = [xs[1] ** int(xs[2]) * calls]
    else:
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out = TORCH_EXAMPLES[kind](*ts)
        for i in range(calls):
            out.backward(retain_graph=i + 1 < calls)
        want = [t.grad.item() for t in ts]
    return [v.grad for v in leaves], want


got, want = run_backward("a + a", 3.0)
verify("a.grad for b = a + a", got[0], want[0], mistakes=[
    (want[0] / 2, "the `a + a` bug: the two edges from a to b each add their share, so write "
                  "parent.grad += local * node.grad, not =.")])
got, want = run_backward("A", 1.0, 2.0)
verify("[w.grad, x.grad] in Example A", got, want,
       explain="walk reversed(topological_order(root)) from the root, adding local * node.grad into each parent.")
got, want = run_backward("A", 1.0, 2.0, calls=2)
verify("[w.grad, x.grad] after two backward calls", got, want, mistakes=[
    ([15.0, 6.0], "a and b kept their grads from the first call and passed them on twice: set every "
                  "Value that has parents to grad 0 at the start of a pass."),
    ([5.0, 2.0], "you reset the leaves too: PyTorch adds every pass into a leaf's grad (zeroing is "
                 "the user's job). Reset only Values that have parents.")])
got, want = run_backward("C", 1.0, 2.0, 3.0, 4.0)
verify("[a.grad, b.grad, c.grad, d.grad] in Example C", got, want)
got, want = run_backward("chain", 1.0, 1.0001, 10_000)
verify("d(end)/d(start) through 10,000 multiplications by 1.0001", got, want, rtol=1e-9)
print("✓ backward: a + a, Examples A and C, two calls in a row, and a chain 10,000 deep")

# %% jupyter={"source_hidden": true}
Hints(
    "Three steps: get `topological_order(root)`; reset; then walk `reversed(...)` of it.",
    "Resetting: for each node in the order that has parents, `grad = 0.0`; then `root.grad = 1.0`.",
    "The walk is lecture 08's: for each node, `zip` its parents with its local_grads and add "
    "`local * node.grad` into `parent.grad`.",
)


# %% [markdown]
# ## Task 4 · Examples A, B and C in your engine
#
# Complete the three functions: each gets fresh leaf Values and returns the example's output, built
# with Python's operators (which call your task 1 functions). The check calls `.backward()` on what
# you return and compares the gradients with `torch` at the tutorials' numbers and at others.
#
# - Example A: $a = w + x$, $b = w + 1$, $y = a\,b$ — at $w = 1, x = 2$: $\partial y/\partial w = 5$,
#   $\partial y/\partial x = 2$.
# - Example B: $a = m + n$, $b = m - n$, $y = a\,b$ — at $m = 2, n = 3$: $\partial y/\partial m = 4$,
#   $\partial y/\partial n = -6$.
# - Example C: $x = a + b$, $y = c\,d$, $z = x + y$ — at $1, 2, 3, 4$: gradients $1, 1, 4, 3$.

# %% nbgrader={"grade_id": "ex05_task4", "solution": true}
def example_a(w, x):
    """y of Example A, from the Values w and x."""
    ### BEGIN SOLUTION
    a = w + x
    b = w + 1
    return a * b
    ### END SOLUTION


def example_b(m, n):
    """y of Example B, from the Values m and n."""
    ### BEGIN SOLUTION
    a = m + n
    b = m - n
    return a * b
    ### END SOLUTION


def example_c(a, b, c, d):
    """z of Example C, from the Values a, b, c and d."""
    ### BEGIN SOLUTION
    x = a + b
    y = c * d
    return x + y
    ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task4_check", "points": 1}
# The check of task 4 (expand to read it): your examples, at the tutorials' numbers and others, against torch.
examples = [("example_a", example_a, "wx", lambda w, x: (w + x) * (w + 1), [(1.0, 2.0), (-0.5, 3.0)]),
            ("example_b", example_b, "mn", lambda m, n: (m + n) * (m - n), [(2.0, 3.0), (1.5, -4.0)]),
            ("example_c", example_c, "abcd", lambda a, b, c, d: (a + b) + c * d,
             [(1.0, 2.0, 3.0, 4.0), (0.5, -1.0, 2.0, -3.0)])]
for name, fn, names, torch_fn, points in examples:
    for numbers in points:
        leaves = [Value(x) for x in numbers]
        call = f"{name}({', '.join(f'Value({x:g})' for x in numbers)})"
        out = calling(call, fn, *leaves)
        if out is None:
            raise returned_none(call, name)
        if not isinstance(out, Value):
            raise ExerciseError(f"{call} should return the Value built from its arguments, not "
                                f"{type(out).__name__}.")
        calling(f"backward of {call}", out.backward)
        if out.grad == 0:
            raise ExerciseError("backward (task 3) is not done yet: the check calls it on what you return.")
        data, grads = torch_value_and_grads(torch_fn, *numbers)
        verify(f"{call}.data", out.data, data, atol=1e-9)
        got = [v.grad for v in leaves]
        if all(g == 0 for g in got):
            raise ExerciseError(f"{call}: every grad is 0: build the output from the Values you are "
                                "given (not from new ones), with the operators.")
        verify(f"the gradients of {call}", got, grads, atol=1e-9,
               explain="compare with the example's formulas; tasks 1 (sub) and 3 must pass first.")
    print(f"✓ {name} matches torch; at the tutorial's numbers", ", ".join(
        f"d/d{n} = {v:g}" for n, v in zip(names, torch_value_and_grads(torch_fn, *points[0])[1])))

# %% jupyter={"source_hidden": true}
Hints(
    "Write each example as the tutorial does, with the Values you are given: `a = w + x`, ...",
    "Return the last Value (`y` or `z`); the check calls `.backward()` on it.",
)

# %% [markdown]
# ## Task 5 · What a `set` of parents does
#
# A classmate's `Value` stores its parents as a set: `self.parents = set(parents)`. Everything
# else — `local_grads`, and a `backward` like yours that walks
# `zip(node.parents, node.local_grads)` — is unchanged. In their engine, with a fresh
# `a = Value(3.0)` each time, what is `a.grad` after backward of
#
# 1. `b = a * a`, and
# 2. `c = a - a`?
#
# Work it out without running their engine; answer `[a.grad for 1, a.grad for 2]`.

# %% nbgrader={"grade_id": "ex05_task5", "solution": true}
set_of_parents_grads = None   # [a.grad after b = a * a, a.grad after c = a - a]
### BEGIN SOLUTION
set_of_parents_grads = [3.0, 1.0]
### END SOLUTION

# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task5_check", "points": 1}
# The check of task 5 (expand to read it): it runs the classmate's engine.
class SetValue(Value):
    """The classmate's Value: parents kept in a set."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        super().__init__(data, (), local_grads, op)
        self.parents = set(parents)


def classmates_grad(torch_fn):
    """a.grad in the classmate's engine for out = torch_fn(a, a) at a = 3 (one node deep)."""
    _, local_grads = torch_value_and_grads(torch_fn, 3.0, 3.0)     # d out / d (each operand)
    a = SetValue(3.0)
    out = SetValue(torch_fn(3.0, 3.0), (a, a), local_grads)
    out.grad = 1.0
    for parent, local in zip(out.parents, out.local_grads):        # their backward's walk
        parent.grad += local * out.grad
    return a.grad


times, minus = (lambda p, q: p * q), (lambda p, q: p - q)
their_grads = [classmates_grad(times), classmates_grad(minus)]
true_grads = [torch_value_and_grads(lambda t: times(t, t), 3.0)[1][0],
              torch_value_and_grads(lambda t: minus(t, t), 3.0)[1][0]]
check("set_of_parents_grads", set_of_parents_grads, their_grads, mistakes=[
    (true_grads, "those are the true gradients; what is {a, a} as a set, and what does zip pair it with?"),
    ([their_grads[0], -their_grads[1]], "zip pairs the set's one element with the first local derivative.")])

# %% jupyter={"source_hidden": true}
Hints(
    "`set((a, a))` has one element. `zip` stops at the shorter of its arguments.",
    "So a receives one edge's share, local * out.grad: which of the two local derivatives is paired "
    "with it, for a * a and for a - a?",
)


# %% [markdown]
# With two *different* parents a set keeps both, but in an order that depends on their memory
# addresses: `zip` may pair `a` with `b`'s local derivative. An engine with that bug gives right
# answers on some runs and wrong ones on others — keep parents in a tuple.
#
# ## Task 6 · Central differences
#
# Write `numerical_grad(f, xs, h=1e-6)`. `f` takes a list of floats and returns a float; return the
# list of $\partial f/\partial x_i$ at `xs`, each estimated by the **central difference**
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h\,e_i) - f(x - h\,e_i)}{2h},$$
#
# where $x \pm h\,e_i$ is `xs` with only its `i`-th entry moved by $\pm h$. Do not change `xs`.

# %% nbgrader={"grade_id": "ex05_task6", "solution": true}
def numerical_grad(f, xs, h=1e-6):
    """[df/dx_i for each i], by central differences of f at xs (a list of floats)."""
    ### BEGIN SOLUTION
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(up) - f(down)) / (2 * h))
    return grads
    ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task6_check", "points": 2}
# The check of task 6 (expand to read it): two functions, two steps h, against torch's derivatives.
def f1(xs):
    return xs[0] * xs[1] ** 2 + xs[2] / xs[0]


def f2(xs):
    return (xs[0] - 1) ** 3 * xs[1] - xs[1] / (xs[0] + 2)


for f, xs in [(f1, [1.5, -2.0, 0.5]), (f2, [2.0, 3.0])]:
    for h in (1e-3, 1e-6):
        given = list(xs)
        call = f"numerical_grad({f.__name__}, {xs}, h={h:g})"
        got = calling(call, numerical_grad, f, given, h)
        if got is None:
            raise returned_none(call, "numerical_grad")
        if given != xs:
            raise ExerciseError(f"{call} changed the list it was given to {given}: move a copy of xs "
                                "(or save x_i and restore it exactly).")
        _, exact = torch_value_and_grads(lambda *ts: f(list(ts)), *xs)

        def moved(i, step):
            return [x + step if j == i else x for j, x in enumerate(xs)]

        one_sided = [(f(moved(i, h)) - f(xs)) / h for i in range(len(xs))]
        other_side = [(f(xs) - f(moved(i, -h))) / h for i in range(len(xs))]
        worst = max(abs(a - b) for a, b in zip(one_sided, exact))
        verify(call, got, exact, atol=1e-5 if h > 1e-4 else 1e-7, rtol=1e-6, mistakes=[
            ([-g for g in exact], "the sign is flipped: it is f(x + h e_i) - f(x - h e_i), over 2h."),
            ([2 * g for g in exact], "twice too large: x + h e_i and x - h e_i are 2h apart."),
            (one_sided, f"that is the one-sided difference (f(x + h e_i) - f(x)) / h, off by about "
                        f"h/2 times f'' ({worst:.0e} here); the central one's error shrinks like h**2."),
            (other_side, "that is the one-sided difference (f(x) - f(x - h e_i)) / h, off by about "
                         "h/2 times f''; use the central one.")])
print("✓ numerical_grad: central differences, within h**2 of the derivative, xs left as it was")

# %% jupyter={"source_hidden": true}
Hints(
    "One coordinate at a time: for each `i`, two new lists that differ from `xs` only at index `i`.",
    "`list(xs)` is a copy you may change; changing `xs` itself would move the point for the next i.",
    "Evaluate f at both moved points and divide the difference of the two results by their distance.",
)


# %% [markdown]
# ## Task 7 · Check your engine with your checker
#
# Write `gradient_error(f, xs)`: `f` takes a **list of Values** and returns a Value, built with the
# operators. Return the largest absolute difference, over the inputs, between your engine's
# gradient of `f` at `xs` (fresh leaf Values, `backward`) and `numerical_grad`'s. To evaluate `f` at
# a list of floats, wrap them in Values and take `.data` of the result.
#
# The check runs it on functions your engine gets right (tiny error) and on one with a planted
# bug: an operation whose local derivative is wrong. Your checker must catch it.

# %% nbgrader={"grade_id": "ex05_task7", "solution": true}
def gradient_error(f, xs):
    """max over i of |your engine's df/dx_i - numerical_grad's| at xs (a list of floats)."""
    ### BEGIN SOLUTION
    leaves = [Value(x) for x in xs]
    backward(f(leaves))
    numerical = numerical_grad(lambda ys: f([Value(y) for y in ys]).data, xs)
    return max(abs(v.grad - n) for v, n in zip(leaves, numerical))
    ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task7_check", "points": 1}
# The check of task 7 (expand to read it): a function your engine gets right, and one with a planted bug.
def cube_with_a_bug(v):
    """v ** 3 with a planted bug: local derivative 3 v instead of 3 v**2."""
    return Value(v.data ** 3, (v,), (3 * v.data,), "cube")


def smooth(vs):
    x, y, z = vs
    return (x * y - z) / y ** 2 + (x * 0.5).exp()


def buggy(vs):
    x, y = vs
    return cube_with_a_bug(x) * y


error = calling("gradient_error(smooth, [1.5, -2, 0.25])", gradient_error, smooth, [1.5, -2.0, 0.25])
if error is None:
    raise returned_none("gradient_error(smooth, [1.5, -2, 0.25])", "gradient_error")
if not isinstance(error, (int, float)):
    raise ExerciseError(f"gradient_error should return one number (the largest difference), not "
                        f"{type(error).__name__}.")
if not error < 1e-5:
    raise ExerciseError(f"gradient_error(smooth, ...) = {error:.2g} for a function your engine gets right "
                        "(if tasks 1 and 3 pass): are the leaves fresh Values, used for one backward?")
_, exact = torch_value_and_grads(lambda x, y: x ** 3 * y, 1.5, 2.0)
planted = max(abs(e - b) for e, b in zip(exact, [3 * 1.5 * 2.0, 1.5 ** 3]))     # what the bug costs
found = calling("gradient_error(buggy, [1.5, 2])", gradient_error, buggy, [1.5, 2.0])
verify("gradient_error(buggy, [1.5, 2])", found, planted, rtol=1e-4, mistakes=[
    (planted / exact[0], "that is relative to the gradient; return the absolute difference."),
    (0.0, "the planted bug went unnoticed: compare backward's grads with numerical_grad's.")])
print(f"✓ gradient_error: {error:.0e} for your engine, {found:g} for the planted bug")

# %% jupyter={"source_hidden": true}
Hints(
    "Engine side: make `leaves = [Value(x) for x in xs]`, call backward on `f(leaves)`, read each `.grad`.",
    "Numerical side: `numerical_grad` needs a function of floats; build one from `f` that wraps its "
    "argument in Values and returns the result's `.data`.",
    "Then the largest `abs(engine - numerical)` over the inputs.",
)


# %% [markdown]
# ## Task 8 · Your own backward in PyTorch: softplus
#
# $\mathrm{softplus}(x) = \log(1 + e^x)$ is a smooth ReLU. Write it as a `torch.autograd.Function`:
#
# - `forward(ctx, x)`: softplus of a tensor, elementwise, that does **not overflow** for large `x`
#   (the check tries $x = 800$, where $e^x$ is `inf` in float64); save what backward needs;
# - `backward(ctx, grad_output)`: $\partial L/\partial x$ — work out $\frac{d}{dx}\log(1 + e^x)$.
#
# The check compares both with values it computes with numpy, then differentiates `Softplus.apply`
# with **your `numerical_grad`** (task 6) and compares that with your backward.

# %% nbgrader={"grade_id": "ex05_task8", "solution": true}
class Softplus(torch.autograd.Function):
    """softplus(x) = log(1 + exp(x)), elementwise."""

    @staticmethod
    def forward(ctx, x):
        """softplus(x), without overflow for large x; saves what backward needs."""
        ### BEGIN SOLUTION
        ctx.save_for_backward(x)
        return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))
        ### END SOLUTION

    @staticmethod
    def backward(ctx, grad_output):
        """dL/dx from grad_output = dL/d softplus(x)."""
        ### BEGIN SOLUTION
        x, = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)
        ### END SOLUTION


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex05_task8_check", "points": 2}
# The check of task 8 (expand to read it): your Function against numpy, and against your numerical_grad.
import numpy as np


class StandInCtx:
    """What forward and backward get as ctx when the check calls them directly."""

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors


def softplus_reference(x):
    return np.logaddexp(0.0, x)                    # log(e**0 + e**x), computed without overflow


def sigmoid_reference(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))          # 1 / (1 + e**-x), without overflow


points = np.array([-3.0, -0.5, 0.0, 0.75, 4.0, 30.0])
upstream = np.array([1.0, -2.0, 0.5, 3.0, 1.0, -1.0])
x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
ctx = StandInCtx()
if calling("Softplus.forward(ctx, x)", Softplus.forward, ctx, x.detach()) is None:
    raise returned_none("Softplus.forward(ctx, x)", "forward")
if calling("Softplus.backward(ctx, g)", Softplus.backward, ctx, torch.tensor(upstream, dtype=torch.float64)) is None:
    raise returned_none("Softplus.backward(ctx, grad_output)", "backward")

y = calling("Softplus.apply(x)", Softplus.apply, x)
verify("Softplus.apply(x)", y, softplus_reference(points), atol=1e-9, rtol=1e-9)
big = calling("Softplus.apply([-800, 800])", Softplus.apply, torch.tensor([-800.0, 800.0], dtype=torch.float64))
verify("Softplus.apply([-800, 800])", big, softplus_reference(np.array([-800.0, 800.0])), atol=1e-9,
       rtol=1e-9, explain="e**800 overflows float64 to inf; for x > 0, log(1 + e**x) = x + log(1 + e**-x).")
calling("Softplus.apply(x).backward(g)", y.backward, torch.tensor(upstream, dtype=torch.float64))
want = upstream * sigmoid_reference(points)
verify("x.grad after Softplus.apply(x).backward(g)", x.grad, want, atol=1e-9, rtol=1e-9, mistakes=[
    (sigmoid_reference(points), "backward must multiply by grad_output (the chain rule)."),
    (upstream * sigmoid_reference(-points), "check the sign: d/dx log(1 + e**x) = e**x / (1 + e**x)."),
    (upstream * softplus_reference(points), "that is softplus itself, not its derivative."),
    (upstream * np.exp(points), "that is the derivative of e**x; the chain rule goes through the log too.")])


def softplus_sum(xs):
    return Softplus.apply(torch.tensor(xs, dtype=torch.float64)).sum().item()


for at in ([-1.5, 0.2, 2.0], [10.0, -10.0]):
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    Softplus.apply(t).sum().backward()
    mine = calling(f"numerical_grad(softplus_sum, {at})", numerical_grad, softplus_sum, at)
    if mine is None:
        raise ExerciseError("numerical_grad (task 6) returned None: this check uses it to verify your backward.")
    verify(f"your numerical_grad of Softplus at {at}, against your backward", mine, t.grad,
           atol=1e-6, rtol=1e-6, explain="with task 6 passing, backward is wrong somewhere.")
print("✓ Softplus: forward (even at x = 800) and backward are correct, and your numerical_grad agrees")

# %% jupyter={"source_hidden": true}
Hints(
    "forward: save `x` with `ctx.save_for_backward(x)`; in backward, `x, = ctx.saved_tensors`.",
    "Overflow: for x > 0, log(1 + e**x) = x + log(1 + e**-x), and e**-x is small. "
    "`torch.clamp(x, min=0)`, `torch.abs`, `torch.log1p` and `torch.exp` write both cases as one formula.",
    "The derivative of log(1 + e**x) is e**x / (1 + e**x) = 1 / (1 + e**-x), which torch calls "
    "`torch.sigmoid`. Multiply it by what backward receives.",
)


# %% [markdown]
# ## PyTorch's own checker
#
# `torch.autograd.gradcheck` does what your `numerical_grad` and `gradient_error` do, for every
# element of every input and every output at once: it compares the whole Jacobian from central
# differences (step `eps=1e-6`) with the one backward gives, within `atol=1e-5` and `rtol=1e-3`,
# and wants float64 inputs. Run it on your `Softplus` — and on a copy whose backward forgot
# `grad_output`:

# %% tags=["backend-specific"]
class SoftplusWithABug(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return torch.sigmoid(x)                          # grad_output forgotten


x = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
if not hasattr(torch.autograd, "gradcheck"):
    print(f"this {torch.__name__} has no torch.autograd.gradcheck yet: run this notebook on PyTorch to try it")
else:
    for fn in (Softplus, SoftplusWithABug):
        try:
            print(f"gradcheck({fn.__name__}):", torch.autograd.gradcheck(fn.apply, (x,)))
        except Exception as e:
            print(f"gradcheck({fn.__name__}) failed: {type(e).__name__}: {str(e).splitlines()[0]}")

# %% [markdown]
# Your `gradient_error` looked at one scalar output and took the error as a plain difference;
# `gradcheck` looks at every output element (a full Jacobian, by one vector-Jacobian product per
# output) and scales its tolerance with the gradient's size. The idea is the same: backward must
# agree with the definition of the derivative.
