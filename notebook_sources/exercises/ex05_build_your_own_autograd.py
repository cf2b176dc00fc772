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
# graphs and numbers of their own, and compute what it should give with `torch`.
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
from widgets.exercise_checks import ex05 as checks
from widgets.exercises import Hints

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

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task1_check", "points": 2}
checks.operations(Value, sub, div, power, exp)

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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task2_check", "points": 2}
checks.iterative_order(Value, topological_order)

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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task3_check", "points": 2}
checks.backward_pass(Value, backward)

# %% jupyter={"source_hidden": true}
Hints(
    "Three steps: get `topological_order(root)`; reset; then walk `reversed(...)` of it.",
    "Resetting: which Values' grads belong to one pass only (task text)? Zero those, then seed the "
    "root with dL/dL.",
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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task4_check", "points": 1}
checks.tutorial_examples(Value, example_a, example_b, example_c)

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

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task5_check", "points": 1}
checks.set_of_parents(Value, set_of_parents_grads)

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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task6_check", "points": 2}
checks.central_differences(numerical_grad)

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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task7_check", "points": 1}
checks.engine_against_checker(Value, gradient_error)

# %% jupyter={"source_hidden": true}
Hints(
    "Engine side: one fresh Value per number of `xs`, `f` of that list, backward on the result, then "
    "each Value's `.grad`.",
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


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex05_task8_check", "points": 2}
checks.softplus_function(Softplus, numerical_grad)

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 08's `Cube` shows how forward keeps a tensor for backward (`ctx.save_for_backward`) and "
    "how backward gets it back (`ctx.saved_tensors`).",
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

# %%
class SoftplusWithABug(Softplus):
    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return torch.sigmoid(x)                          # grad_output forgotten


x = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
if checks.softplus_written(Softplus):  # (else it says what to write first)
    for fn in (Softplus, SoftplusWithABug):
        try:
            print(f"gradcheck({fn.__name__}):", torch.autograd.gradcheck(fn.apply, (x,)))
        except Exception as e:
            print(f"gradcheck({fn.__name__}) failed: {type(e).__name__}: {e}")

# %% [markdown]
# Its message shows both Jacobians. The numerical one is diagonal: softplus acts on each element
# alone. The buggy backward returns `sigmoid(x)` whatever `grad_output` asks for, so every column
# of its Jacobian is the same.
#
# Your `gradient_error` looked at one scalar output and took the error as a plain difference;
# `gradcheck` looks at every output element (a full Jacobian, by one vector-Jacobian product per
# output) and scales its tolerance with the gradient's size. The idea is the same: backward must
# agree with the definition of the derivative.
