# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 40
#     title: Build your own autograd
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Build your own autograd
#
# *About 40 minutes. Runs on `autograd_core` and on PyTorch: the engine we build here is plain
# Python, and we check it against whichever `torch` the switch gives us.*
#
# Seven lectures have used autograd. This one builds it — a scalar engine of about forty lines, in
# the spirit of Andrej Karpathy's [micrograd](https://github.com/karpathy/micrograd) — to see why
# it is built the way it is:
#
# - a `Value`: a number that remembers the numbers it came from and its **local derivatives**;
# - `backward`: the chain rule, applied in **reverse topological order**;
# - three ways a home-made engine goes wrong: **`=` instead of `+=`** (the `a + a` bug),
#   **leftover gradients** from the last call, and a **recursive** sort that dies on deep graphs;
# - checking any gradient with **finite differences**, and PyTorch's `gradcheck`;
# - plugging a backward of your own into PyTorch with **`torch.autograd.Function`**.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch


# %% [markdown]
# ## A number that remembers where it came from
#
# To run the chain rule backwards, each number in the computation needs four things:
#
# | field | what it holds |
# |---|---|
# | `data` | its value, computed in the forward pass |
# | `grad` | $\partial L/\partial v$ for the output $L$ we differentiate, filled in by backward |
# | `parents` | the numbers it was computed from |
# | `local_grads` | one **local derivative** $\partial v/\partial p$ per parent $p$, in the same order |
#
# The local derivatives are known the moment an operation runs, because its inputs are: for
# $v = a \cdot b$ they are $\partial v/\partial a = b$ and $\partial v/\partial b = a$. So each
# operation computes its result *and* its local derivatives together, as a row of PyTorch's
# `derivatives.yaml` does. Two operations are enough for Examples A and C of the tutorials:
#
# | operation | `data` | `local_grads` |
# |---|---|---|
# | `a + b` | $a + b$ | $(1,\ 1)$ |
# | `a * b` | $a\,b$ | $(b,\ a)$ |

# %%
class Value:
    """A number in a computation graph: data, grad = dL/d(self), parents, d(self)/d(parent)."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)          # a tuple, not a set: a + a has two edges from a
        self.local_grads = tuple(local_grads)  # d(self)/d(parents[i]), one per parent
        self.op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)   # w + 1: 1 becomes a Value
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    __radd__ = __add__     # 1 + w
    __rmul__ = __mul__     # 2 * w

    def __repr__(self):
        return f"Value(data={self.data:g}, grad={self.grad:g})"


# %% [markdown]
# The forward pass of Example A ($w = 1$, $x = 2$, $a = w + x$, $b = w + 1$, $y = a\,b$) is
# ordinary Python; the graph is the chain of `parents` it leaves behind:

# %%
w, x = Value(1.0), Value(2.0)
a = w + x
b = w + 1
y = a * b
print("y =", y)
print("y.parents:", y.parents, "  y.local_grads:", y.local_grads, "  (dy/da = b, dy/db = a)")
print("b.parents:", b.parents)


# %% [markdown]
# ## Backward: the chain rule, in the right order
#
# The chain rule says how the gradient of a node $p$ is made from the nodes $v$ that use it:
#
# $$\frac{\partial L}{\partial p} \;=\; \sum_{v \text{ uses } p} \frac{\partial L}{\partial v}\,
# \frac{\partial v}{\partial p} .$$
#
# Each edge $p \to v$ contributes one term: `v.grad * local`. A node may pass its gradient on to its
# parents only when it is **complete** — when every node computed from it has already contributed.
# Does the order matter? Try the obvious one: start at the root and visit nodes in the order we
# meet them. With $x = 3$, $a = 2x$, $b = 3a$, $y = a + b = 8x$ the answer must be 8:

# %%
def backward_in_meeting_order(root):
    """Pass each node's gradient on in the order the nodes are met from the root (breadth first)."""
    root.grad = 1.0
    queue, met = [root], {root}
    for node in queue:                        # the list grows while we walk it
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
            if parent not in met:
                met.add(parent)
                queue.append(parent)


x = Value(3.0)
a = x * 2
b = a * 3
y = a + b
backward_in_meeting_order(y)
print("dy/dx =", x.grad, "  (should be 8)")


# %% [markdown]
# `a` was met first (a parent of `y`) and passed its gradient so far, 1, times its local derivative
# 2 on to `x` — before `b` had added its share, 3, to `a`: `x` got 2 where it should get
# $(1 + 3) \cdot 2 = 8$. The fix is an order in which every node comes **after its parents**, a
# *topological order*; walked in reverse it puts every node after all the nodes computed from it,
# so its gradient is complete when its turn comes. micrograd finds that order with a recursive
# depth-first search: visit the parents first, then append the node.

# %%
def topological_order(root):
    """Every Value root depends on, each after its parents (root last), as micrograd finds it."""
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)            # after all of its parents

    visit(root)
    return order


def backward(root):
    """dL/dv into v.grad for every Value v behind root (L = root), by the chain rule."""
    root.grad = 1.0                       # dL/dL
    for node in reversed(topological_order(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad      # one edge's term of the chain rule


x = Value(3.0)
a = x * 2
b = a * 3
y = a + b
print("order:", [f"{v.data:g}" for v in topological_order(y)], "(x, 2, a, 3, b, y)")
backward(y)
print("dy/dx =", x.grad)

# %% [markdown]
# ## Checked against the real engine
#
# Examples A and C of the tutorials, in our engine and in `torch`, side by side:

# %%
w, x = Value(1.0), Value(2.0)
a = w + x
b = w + 1
y = a * b
backward(y)

tw = torch.tensor(1.0, requires_grad=True)
tx = torch.tensor(2.0, requires_grad=True)
ty = (tw + tx) * (tw + 1)
ty.backward()
print("Example A   y =", y.data, "  ours: w.grad =", w.grad, " x.grad =", x.grad)
print("           torch: y =", ty.item(), " w.grad =", tw.grad.item(), " x.grad =", tx.grad.item())

# %%
ca, cb, cc, cd = Value(1.0), Value(2.0), Value(3.0), Value(4.0)
cz = (ca + cb) + cc * cd
backward(cz)

ta, tb, tc, td = (torch.tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0, 4.0))
tz = (ta + tb) + tc * td
tz.backward()
print("Example C   z =", cz.data, "  ours: ", [v.grad for v in (ca, cb, cc, cd)])
print("           torch: z =", tz.item(), [t.grad.item() for t in (ta, tb, tc, td)])

# %% [markdown]
# ### The same graph, drawn twice
#
# `draw()` pictures a graph from the course's `GraphModel`. A few lines turn our `Value` graph
# into one (a tensor node per `Value`, an op node per operation), so we can put it next to the
# graph `torch` recorded for Example A:

# %% jupyter={"source_hidden": true}
# side_by_side: two pictures next to each other where the notebook is wide enough, one below the
# other where it is not; each at most as tall as the window, so a projector shows both whole.
# (Click the dots to see the code: a flex row of draw()'s own pictures.)
import html

from IPython.display import HTML
from widgets.render import svg_size_px


def side_by_side(pictures):
    """{caption: draw() result} as a row that wraps, each picture fitting the window's height."""
    figures = []
    for caption, picture in pictures.items():
        width, height = svg_size_px(picture.pipe(format="svg", encoding="utf-8"))
        # the widest the picture may be so that it and its caption fit the window's height
        widest = f"calc((100vh - 190px) * {width / height:.3f})"
        figures.append(f'<figure style="flex: 1 1 0; max-width: {widest}; margin: 0">'
                       f'<figcaption>{html.escape(caption)}</figcaption>'
                       f'{picture._repr_mimebundle_()["text/html"]}</figure>')
    return HTML('<div style="display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; align-items: flex-start">'
                + "".join(figures) + "</div>")


# %%
import numpy as np
from widgets import GraphModel, draw


def value_graph(root, names):
    """A GraphModel of the Values behind root (input -> op -> output), for draw()."""
    model, ids = GraphModel(), {}
    label = {id(v): name for name, v in names.items()}
    for v in topological_order(root):
        common = dict(shape=(), value=np.array(v.data), has_value=True, is_leaf=not v.parents)
        if not v.parents and id(v) not in label:      # a number such as the 1 of w + 1
            node = model.add_node("const", f"{v.data:g}", classes=("const", "number"), **common)
        else:
            classes = ("nonleaf" if v.parents else "leaf",) + (("output",) if v is root else ())
            node = model.add_node("tensor", label.get(id(v), v.op), classes=classes,
                                  dtype="float64", grad=np.array(v.grad), requires_grad=True, **common)
        if v.parents:                                  # parents -> op -> v
            op = model.add_node("op", v.op, classes=("op",))
            for slot, parent in enumerate(v.parents):
                model.add_edge(ids[id(parent)], op.id, slot, ("data",))
            model.add_edge(op.id, node.id, 0, ("result",))
        ids[id(v)] = node.id
    model.roots = (ids[id(root)],)
    return model


side_by_side({"Our Value graph of Example A, after backward": draw(value_graph(y, dict(w=w, x=x, a=a, b=b, y=y))),
              "The graph torch recorded, after backward": draw(ty, names=dict(w=tw, x=tx, y=ty))})


# %% [markdown]
# The same two additions and one multiplication, joined the same way. One difference: our engine
# keeps every intermediate gradient (`a.grad` = 2, `b.grad` = 3), while PyTorch's `.grad` lives on
# the leaves only (lecture 02): inside the graph, a gradient exists only while backward runs, and
# is freed once passed on. That saves memory — and, as we will see, it also matters for
# correctness.

# %% [markdown]
# ## Three ways to get it wrong

# %% [markdown]
# ### 1. `=` instead of `+=`: the `a + a` bug
#
# Change one character in `backward` — overwrite instead of add — and test it on the smallest
# graph that uses a number twice, $b = a + a$:

# %%
def backward_overwriting(root):
    """backward with `=` where `+=` belongs."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad       # the bug


a = Value(3.0)
b = a + a
backward_overwriting(b)
print("b = a + a:   db/da =", a.grad, "  (should be 2)")

w, x = Value(1.0), Value(2.0)
y = (w + x) * (w + 1)
backward_overwriting(y)
print("Example A:   w.grad =", w.grad, "  (should be 5)")

# %% [markdown]
# `a + a` has **two edges** from `a` to `b`, each with local derivative 1; the second overwrote
# the first. In Example A, `w` reaches `y` through `a` and through `b`, and only the last path
# walked survived. The sum in the chain rule *is* the `+=`: every edge adds its term. (micrograd
# writes `self.grad += out.grad` in each operation for this reason; Karpathy's lecture meets this
# exact bug.) The same loss happens if the edges themselves are lost — for instance by storing
# `parents` as a `set`, in which `a` can appear only once. Our `Value` keeps a tuple.

# %% [markdown]
# ### 2. Leftover gradients: calling backward twice
#
# PyTorch **adds** each backward pass into the leaves' `.grad` (lecture 03: zero them between
# steps). Two passes through Example A give `w.grad` = 5 + 5 = 10. Ours:

# %%
w, x = Value(1.0), Value(2.0)
a = w + x
b = w + 1
y = a * b
backward(y)
backward(y)
print("ours, two backward calls:  w.grad =", w.grad, " x.grad =", x.grad, "  a.grad =", a.grad)

tw = torch.tensor(1.0, requires_grad=True)
tx = torch.tensor(2.0, requires_grad=True)
ty = (tw + tx) * (tw + 1)
ty.backward(retain_graph=True)
ty.backward()
print("torch, two backward calls: w.grad =", tw.grad.item(), " x.grad =", tx.grad.item())

# %% [markdown]
# 15, not 10. The second call starts with `y.grad = 1` again, but `a` and `b` still hold their
# gradients from the first call, so they pass on *twice* their share. Every interior gradient
# belongs to **one** pass and must start from zero in each; only the leaves accumulate across
# passes. PyTorch gets this for free by never storing interior gradients at all. (micrograd
# has the same leftover: its `backward` sets the root's `grad` to 1 but resets nothing else.)

# %% [markdown]
# ### 3. Deep graphs: the recursion limit
#
# `topological_order` calls `visit` inside `visit` once per level of the graph, and every call
# waiting for its inner calls is a frame on Python's call stack. CPython stops at
# `sys.getrecursionlimit()` frames. A chain of 2,000 operations is far from exotic — an RNN over
# 2,000 tokens, a loop of 2,000 steps:

# %%
import sys

v = start = Value(1.0)
for _ in range(2000):
    v = v * 1.0
print("recursion limit:", sys.getrecursionlimit())
try:
    backward(v)
except RecursionError as e:
    print("RecursionError:", str(e).split(" while")[0])

# %% [markdown]
# Raising the limit with `sys.setrecursionlimit` only moves the wall to the next, deeper graph, and
# Python's documentation warns that "a too-high limit can lead to a crash". PyTorch's engine, and
# `autograd_core`'s, never recurse: they keep the work still to do in a data structure of their
# own, so the depth of the graph only costs memory. The same chain, 20,000 deep:

# %%
t = tstart = torch.tensor(1.0, requires_grad=True)
for _ in range(20000):
    t = t * 1.0
t.backward()
print("torch: d t / d start =", tstart.grad.item(), "through 20,000 multiplications")

# %% [markdown]
# To walk without recursion, replace Python's call stack by a list you push to and pop from
# yourself. Two classic ways: a depth-first search with an explicit stack (a node is appended once
# all its parents are), or Kahn's algorithm, which counts for each node how many of its users are
# still to come (PyTorch's engine counts such dependencies before it starts). That is task 2 of
# the exercise; the other two bugs are yours to fix there too.

# %% [markdown]
# ## Is the gradient right? Finite differences
#
# A gradient can be checked without any engine, from the definition of the derivative. For a small
# step $h$, Taylor's formula gives
#
# $$\frac{f(x+h) - f(x)}{h} = f'(x) + \frac{h}{2} f''(x) + \dots \qquad
# \frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^2}{6} f'''(x) + \dots$$
#
# The **forward** difference is off by a term proportional to $h$; in the **central** difference
# the $h$ terms cancel and the error shrinks like $h^2$. But $h$ cannot be made tiny: $f(x \pm h)$
# are rounded to about 16 significant digits, and dividing their difference by $h$ magnifies that
# rounding error $\varepsilon \approx 10^{-16}$ to about $\varepsilon / h$. Here is the
# error of both for $f = \exp$ at $x = 1$, where $f'(1) = e$:

# %%
import math

x, exact = 1.0, math.exp(1.0)
print("    h     forward error   central error")
for k in range(1, 13):
    h = 10.0 ** -k
    forward = (math.exp(x + h) - math.exp(x)) / h
    central = (math.exp(x + h) - math.exp(x - h)) / (2 * h)
    print(f"  1e-{k:02d}    {abs(forward - exact):9.1e}       {abs(central - exact):9.1e}")

# %% [markdown]
# The two errors trade off truncation ($h$ or $h^2$) against rounding ($\varepsilon/h$): the
# forward difference is best near $h = \sqrt{\varepsilon} \approx 10^{-8}$, with about 8 correct
# digits; the central difference near $h = \varepsilon^{1/3} \approx 10^{-5}$, with about 11. In
# **float32**, $\varepsilon \approx 10^{-7}$: the best step gives about 5 digits, and the step
# PyTorch's `gradcheck` takes (below), $10^{-6}$, about 2:

# %%
x32 = np.float32(1.0)
for h in (np.float32(1e-2), np.float32(1e-4), np.float32(1e-6)):
    central = (np.exp(x32 + h) - np.exp(x32 - h)) / (2 * h)
    error = abs(float(central) - exact)
    print(f"float32, h = {h:.0e}: central difference {central:.6f}   error {error:.1e}")


# %% [markdown]
# That is why gradient checks run in **float64**. The exercise asks you to write a central
# difference check for functions of several inputs — one coordinate at a time — and to turn it
# on your own engine.

# %% [markdown]
# ### PyTorch's checker: `torch.autograd.gradcheck`
#
# `torch.autograd.gradcheck(fn, inputs)` does this for every element of every input that requires
# grad: it builds the Jacobian of `fn` column by column from central differences (step
# `eps=1e-6`) and row by row from backward (one vector-Jacobian product per output element), and
# compares them with `atol=1e-5`, `rtol=1e-3`. It returns `True`, or raises an error that shows
# both Jacobians. It expects float64 inputs and warns about anything else.

# %% [markdown]
# ## Your own backward in PyTorch: `torch.autograd.Function`
#
# Sometimes you know a derivative better than autograd would compute it — a closed form that is
# cheaper or numerically safer than the chain through its pieces, or an operation autograd cannot
# look into (numpy or C code). A subclass of `torch.autograd.Function` is one row of the table,
# written by you:
#
# - `forward(ctx, *inputs)` computes the output from tensors (nothing inside it is recorded) and
#   keeps what backward will need: tensors with `ctx.save_for_backward(...)`, anything else as
#   an attribute of `ctx`;
# - `backward(ctx, grad_output)` receives $\partial L/\partial(\text{output})$ and returns
#   $\partial L/\partial(\text{input})$ for each input of `forward` (`None` for an input that needs
#   none): `grad_output` times the local derivative — our engine's `local * node.grad`, with tensors;
# - `Cube.apply(x)` runs it; the result's `grad_fn` is a `CubeBackward` node.

# %%
class Cube(torch.autograd.Function):
    """x ** 3, elementwise; d/dx = 3 x ** 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)               # backward needs x
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x * x


class CubeWithABug(Cube):
    """The same forward, and a backward that forgot the square."""

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x


x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = Cube.apply(x)
print("y =", y.detach(), "  y.grad_fn:", type(y.grad_fn).__name__)

# %% [markdown]
# A central difference checks them. Cube acts element by element, so one step $h$ added to
# every element at once gives every element's derivative together (for a general function you
# move one coordinate at a time — the exercise does):

# %%
h = 1e-6
with torch.no_grad():
    numerical = (Cube.apply(x + h) - Cube.apply(x - h)) / (2 * h)
for fn in (Cube, CubeWithABug):
    x.grad = None
    fn.apply(x).sum().backward()
    agrees = torch.allclose(x.grad, numerical, atol=1e-5, rtol=1e-3)
    print(f"{fn.__name__:13} backward: {x.grad}   agrees with the central difference: {agrees}")
print("central difference:      ", numerical)

# %% [markdown]
# `gradcheck` runs the same comparison, input element by input element, on any function:

# %%
print("gradcheck(Cube):", torch.autograd.gradcheck(Cube.apply, (x,)))
print("gradcheck(CubeWithABug, raise_exception=False):",
      torch.autograd.gradcheck(CubeWithABug.apply, (x,), raise_exception=False))

# %% [markdown]
# ## Summary
#
# - A `Value` stores its `data`, its `parents` and one **local derivative** per parent, computed
#   in the forward pass; `backward` sets the root's gradient to 1 and, in **reverse topological
#   order**, adds `local * node.grad` into each parent.
# - **`+=`, not `=`**: the chain rule sums over edges, and `a + a` has two.
# - Interior gradients belong to one backward pass; only leaves accumulate across passes.
# - Recursion depth limits a recursive graph walk; real engines walk with their own stack or queue.
# - A **central difference**, $(f(x+h) - f(x-h))/2h$, checks any gradient; its error falls like
#   $h^2$ until rounding ($\varepsilon/h$) takes over, so check in float64.
#   `torch.autograd.gradcheck` does it for whole Jacobians.
# - `torch.autograd.Function`: `forward` with `ctx.save_for_backward`, `backward` returns
#   `grad_output` times the local derivative, one per input.
#
# **Exercises:** [ex05 · build your own autograd](exercises/ex05_build_your_own_autograd.ipynb).
