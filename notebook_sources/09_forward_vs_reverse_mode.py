# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 35
#     title: Forward vs reverse mode, cost and memory
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Forward vs reverse mode, cost and memory
#
# *About 35 minutes. Runs on `autograd_core` and on PyTorch (the torch switch).*
#
# `backward()` is one way to apply the chain rule, not the only one. In this lecture:
#
# - a derivative is a **sum over paths** of products of local derivatives, and the two ways to
#   add it up without listing the paths: **forward mode** pushes $\partial/\partial w$ from an input
#   through every node, **reverse mode** pulls $\partial y/\partial\cdot$ back from an output;
# - a small forward-mode evaluator of our own (dual numbers), beside the backward pass you know;
# - a Jacobian built **row by row** from vector-Jacobian products and **column by column** from
#   Jacobian-vector products, and which needs fewer passes;
# - what a backward pass costs compared with the forward pass, **measured**;
# - the memory the graph holds for backward, **in bytes**, with and without `no_grad`;
# - hooks that show the gradient arriving at each node, in the order backward visits them.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %% [markdown]
# ## A derivative is a sum over paths
#
# Example A again: $w = 1$, $x = 2$, $a = w + x$, $b = w + 1$, $y = a\,b$. Write on every edge of
# the graph the **local derivative** of its head with respect to its tail, at the current values:
#
# | edge | local derivative | value |
# |---|---|---|
# | $w \to a$ | $\partial a/\partial w$ | 1 |
# | $x \to a$ | $\partial a/\partial x$ | 1 |
# | $w \to b$ | $\partial b/\partial w$ | 1 |
# | $a \to y$ | $\partial y/\partial a = b$ | 2 |
# | $b \to y$ | $\partial y/\partial b = a$ | 3 |
#
# The chain rule, written out for a whole graph, says: **the derivative of $y$ with respect to $w$ is
# the sum, over every path from $w$ to $y$, of the product of the local derivatives along that
# path.** $w$ reaches $y$ along two paths, $x$ along one:
#
# $$\frac{\partial y}{\partial w} = \underbrace{1\cdot 2}_{w\to a\to y} + \underbrace{1\cdot 3}_{w\to b\to y} = 5,
# \qquad \frac{\partial y}{\partial x} = \underbrace{1\cdot 2}_{x\to a\to y} = 2 .$$
#
# (This is the picture in Christopher Olah's essay *Calculus on Computational Graphs:
# Backpropagation*, whose example $e = (a + b)(b + 1)$ is Example A with other names.)
# Here it is in code: the graph as a table of edges, and a function that lists the paths.

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b

# every edge (tail, head) with its local derivative, read off the forward values
edges = {("w", "a"): 1.0, ("x", "a"): 1.0, ("w", "b"): 1.0,
         ("a", "y"): b.item(), ("b", "y"): a.item()}


def paths(src, dst):
    """Every path from node src to node dst, as a list of node names."""
    if src == dst:
        return [[dst]]
    return [[src] + rest for (tail, head) in edges if tail == src for rest in paths(head, dst)]


def sum_over_paths(src, dst):
    """d dst / d src = sum over paths of the product of the local derivatives on the path."""
    total = 0.0
    for path in paths(src, dst):
        product = 1.0
        for edge in zip(path, path[1:]):
            product *= edges[edge]
        print(f"  path {' -> '.join(path):12} product {product}")
        total += product
    return total


print("dy/dw:"); dy_dw = sum_over_paths("w", "y")
print("dy/dx:"); dy_dx = sum_over_paths("x", "y")
y.backward()
print(f"sum over paths: dy/dw = {dy_dw}, dy/dx = {dy_dx}")
print(f"backward():     dy/dw = {w.grad.item()}, dy/dx = {x.grad.item()}")

# %% [markdown]
# ### Why nobody lists the paths
#
# The number of paths grows **exponentially** with depth. Chain $k$ "diamonds", each splitting a value
# into two branches and joining them again: $h_{i+1} = \sin h_i + \cos h_i$. Every diamond doubles the
# paths, so $k = 40$ gives $2^{40} \approx 10^{12}$ of them. Yet `backward()` answers at once.
#
# The trick is to **factor** the sum. Each diamond contributes the factor
# $(\cos h_i - \sin h_i)$, the local derivatives of its two branches added, and the sum over all
# $2^k$ paths is the product of the $k$ factors: a $k$-step computation. Both modes of automatic differentiation are ways of
# factoring the sum like this, one node at a time:

# %%
h0 = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)   # float64: 40 rounding steps
h, factors = h0, []
for _ in range(40):
    factors.append(torch.cos(h.detach()) - torch.sin(h.detach()))   # this diamond's two branches
    h = torch.sin(h) + torch.cos(h)
h.backward()

product = torch.stack(factors).prod()
print(f"paths from h0 to h40: 2**40 = {2 ** 40:,}")
print(f"backward(): dh40/dh0 = {h0.grad.item():.6e}   product of the 40 factors = {product.item():.6e}")
print("equal:", torch.allclose(h0.grad, product))


# %% [markdown]
# - **Forward mode** starts at one input, say $w$, and moves *with* the computation: at every node
#   it knows $\dot v = \partial v/\partial w$, the sum over the paths from $w$ to $v$, obtained from the
#   node's inputs as $\dot v = \sum_{u \to v} \frac{\partial v}{\partial u}\,\dot u$. At the end it has
#   $\partial y/\partial w$ for **every output** $y$, for this one input.
# - **Reverse mode** starts at one output $y$ and moves *against* the computation: at every node it
#   knows $\bar v = \partial y/\partial v$, the sum over the paths from $v$ to $y$, obtained from the
#   node's consumers as $\bar v = \sum_{v \to u} \bar u\,\frac{\partial u}{\partial v}$. At the end it
#   has $\partial y/\partial w$ for **every input** $w$, for this one output. This is `backward()`.
#
# Both visit every edge once. The difference is what one pass gives you: one column of derivatives
# (forward) or one row (reverse).

# %% [markdown]
# ## Forward mode by hand: dual numbers
#
# `backward()` is reverse mode, and reverse mode is all `autograd_core` has. PyTorch has a forward
# mode too (`torch.func.jvp`, and `torch.autograd.forward_ad`, whose `make_dual` pairs a tensor with
# its tangent exactly as below); we build our own, which is easy: carry next to every value $v$ its
# **tangent** $\dot v = \partial v/\partial(\text{seed})$, and give every operation the rule for
# both: $u + v$ has the tangent $\dot u + \dot v$, $u\,v$ has $\dot u\,v + u\,\dot v$ (the product
# rule), $\sin u$ has $\cos u\;\dot u$ (the chain rule). A value with its tangent is called a
# **dual number**.

# %%
class Dual:
    """A value v and its tangent dv/dseed; every operation computes both (forward-mode AD)."""

    def __init__(self, value, tangent):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        other = lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __sub__(self, other):
        other = lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    def __mul__(self, other):                       # the product rule
        other = lift(other)
        return Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, other):
        return lift(other) - self

    def __getitem__(self, i):                       # x[i] of a vector: both parts
        return Dual(self.value[i], self.tangent[i])

    def __repr__(self):
        return f"Dual(value={self.value}, tangent={self.tangent})"


def lift(v):
    """A constant as a dual number: its tangent is 0."""
    return v if isinstance(v, Dual) else Dual(v, 0.0)


def sin(u):
    """sin for tensors and dual numbers: d sin(u) = cos(u) du."""
    if isinstance(u, Dual):
        return Dual(torch.sin(u.value), torch.cos(u.value) * u.tangent)
    return torch.sin(u)


def stack(items):
    """torch.stack for tensors and dual numbers (values with values, tangents with tangents)."""
    if not any(isinstance(i, Dual) for i in items):
        return torch.stack(items)
    items = [lift(i) for i in items]
    return Dual(torch.stack([torch.as_tensor(i.value) for i in items]),
                torch.stack([torch.as_tensor(i.tangent) for i in items]))


# %% [markdown]
# Example A in forward mode. To get $\partial y/\partial w$ we **seed** $\dot w = 1$, $\dot x = 0$
# and run the computation once; every line computes a value and its tangent together, so the
# derivative is ready as soon as $y$ is. For $\partial y/\partial x$ we need a **second pass**, seeded
# $\dot w = 0$, $\dot x = 1$:

# %%
def example_a(w, x):
    a = w + x
    b = w + 1
    y = a * b
    return {"w": w, "x": x, "a": a, "b": b, "y": y}


for seed in ("w", "x"):
    nodes = example_a(Dual(1.0, 1.0 if seed == "w" else 0.0), Dual(2.0, 1.0 if seed == "x" else 0.0))
    print(f"pass seeded d{seed} = 1:  " + "   ".join(
        f"{name} = {v.value:g}, d{name}/d{seed} = {v.tangent:g}" for name, v in nodes.items()))

# %% [markdown]
# Two forward passes for two inputs; one backward pass gave both. Below, the stepper replays Example
# A's forward and backward pass one event at a time, and beside it a table traces forward mode on the
# same graph. Step through the forward steps: each new node's row appears with its value **and** both
# tangents — forward mode has its derivatives as soon as it has its values, one input per pass. The
# last column, $\bar v = \partial y/\partial v$, stays empty until the backward steps fill it, from $y$
# back to the leaves: one pass, every input.
#
# (The stepper replays `autograd_core`'s recorder, so this one cell uses `autograd_core` whichever
# backend the lecture runs on.)

# %% jupyter={"source_hidden": true}
# Example A's stepper, and beside it (above it in a narrow notebook) the forward-mode trace of the
# same graph, kept in step with it.
# (Click the dots to see the code: a recording read event by event into the table's rows.)
import html

import ipywidgets as W
from widgets.stepper import GraphStepper
from widgets.torch_switch import load

engine = load("autograd_core")


def example_a_backward():
    w = engine.tensor(1.0, requires_grad=True)
    x = engine.tensor(2.0, requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    y.backward()


stepper = GraphStepper(example_a_backward)
events = stepper.recording.events
name_of = {id(t): name for name, t in stepper.recording.names.items()}
by_w = example_a(Dual(1.0, 1.0), Dual(2.0, 0.0))      # forward-mode pass 1
by_x = example_a(Dual(1.0, 0.0), Dual(2.0, 1.0))      # forward-mode pass 2


STYLE = """<style>
.cgraph-trace {border-collapse: collapse; margin: 2px 0 8px; line-height: 1.4; font-size: .85em}
.cgraph-trace th, .cgraph-trace td {padding: 2px 4px; text-align: right;
    border-bottom: 1px solid var(--jp-border-color2)}
.cgraph-trace td {font-family: var(--jp-code-font-family)}
.cgraph-trace tr.cgraph-latest td {background: var(--jp-layout-color2); font-weight: bold}
.cgraph-trace th[colspan] {text-align: center; border-bottom: none}
.cgraph-trace-note {color: var(--jp-ui-font-color2)}
</style>"""


def open_question():
    """The step whose question predict mode has open, or None: the table must not show what that
    step computes, nor the derivatives of y it asks for (forward mode has them from step 5 on)."""
    waiting = [k for k in stepper.ask_steps if k not in stepper.answered] if stepper.predict else []
    return waiting[0] if waiting else None


def trace_table(step):
    """The forward-mode trace and the reverse-mode column as they stand after `step` events."""
    ask = open_question()
    made, adjoint, latest = set(), {}, None
    tensor_of_node = {ev.node: ev.tensor for ev in events if ev.kind == "forward"}
    for ev in events[:step if ask is None else min(step, ask - 1)]:
        if ev.kind in ("leaf", "forward"):            # the forward pass makes a node...
            latest = name_of[id(ev.tensor)]
            made.add(latest)
        elif ev.kind == "backward":                   # ...the backward pass reaches its output
            latest = name_of[id(tensor_of_node[ev.node])]
            adjoint[latest] = float(ev.grad_output)
        elif ev.kind == "accumulate":                 # ...or a leaf
            latest = name_of[id(ev.tensor)]
            adjoint[latest] = float(ev.total)
    head = ("<tr><th></th><th></th><th colspan='2'>forward</th><th>backward</th></tr>"
            "<tr><th>node</th><th>value</th><th>∂v/∂w</th><th>∂v/∂x</th><th>∂y/∂v</th></tr>")
    rows = []
    for name in ("w", "x", "a", "b", "y"):
        cells = ([by_w[name].value, by_w[name].tangent, by_x[name].tangent] if name in made else [None] * 3)
        cells.append(adjoint.get(name))
        shown = [f"{c:g}" if c is not None else "" for c in cells]
        if ask is not None and name == "y" and name in made:
            shown[1:3] = ["?", "?"]                   # dy/dw and dy/dx: what predict mode asks
        row_class = " class='cgraph-latest'" if name == latest else ""
        rows.append(f"<tr{row_class}><td>{html.escape(name)}</td>"
                    + "".join(f"<td>{c}</td>" for c in shown) + "</tr>")
    note = ("forward: ∂v/∂w in pass 1,<br>∂v/∂x in pass 2" if ask is None else
            "predict mode: ∂y/∂w, ∂y/∂x and<br>the step you predict show<br>once you have answered")
    return (f"{STYLE}<div>after step {step} of {stepper.n_steps - 1}</div>"
            f"<table class='cgraph-trace'>{head}{''.join(rows)}</table>"
            f"<div class='cgraph-trace-note'>{note}</div>")


table = W.HTML(trace_table(stepper.step), layout=W.Layout(flex="0 0 auto"))
stepper.observe(lambda change: setattr(table, "value", trace_table(stepper.step)),
                names=["step", "predict", "answered"])
# the table beside the stepper where the notebook leaves the stepper room for its whole graph
# (38.5em: the graph at its readable minimum next to the chain-rule column, in lecture mode too; a
# 1280-wide projector with the side bar closed has it), above it where it does not: the stepper
# fills the window's height, so below it the table and the graph would never be on screen together
stepper.layout.flex = "1 1 38.5em"
W.Box([table, stepper], layout=W.Layout(display="flex", flex_flow="row wrap", align_items="flex-start",
                                        grid_gap="0 1em"))


# %% [markdown]
# Step through to the end: the $\partial v/\partial w$ column ends at $y$ with $5 = \partial y/\partial w$,
# the $\partial v/\partial x$ column with $2 = \partial y/\partial x$, and the backward column ends at
# the leaves with the same two numbers — the same sums over paths, read along the other axis.

# %% [markdown]
# ## Jacobians: rows from reverse mode, columns from forward mode
#
# For $\vec y = f(\vec x)$ with $n$ inputs and $m$ outputs the Jacobian $J_{ij} = \partial y_i/\partial x_j$
# is an $m \times n$ matrix. Lecture 03 showed that backward computes a **vector-Jacobian product**
# $\vec v^\top J$ (a VJP; `x.grad` holds it as $J^\top\vec v$). With $\vec v = \vec e_i$, the $i$-th unit
# vector, that is **row $i$** of $J$. Forward mode computes a **Jacobian-vector product** $J\,\vec u$
# (a JVP): seeding the tangents with $\vec u = \vec e_j$ gives **column $j$**.
#
# Take $f(x_0, x_1, x_2) = (x_0 x_1 + \sin x_2,\; x_0 - 3 x_2)$: $n = 3$, $m = 2$.

# %%
def f(x):
    return stack([x[0] * x[1] + sin(x[2]), x[0] - 3 * x[2]])


x = torch.tensor([1.0, 2.0, 0.5], requires_grad=True)
y = f(x)
m, n = y.shape[0], x.shape[0]

rows = []
for i in range(m):                                   # m backward passes
    e_i = torch.zeros(m)
    e_i[i] = 1.0
    (row,) = torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)
    rows.append(row)
J_rows = torch.stack(rows)

columns = []
for j in range(n):                                   # n forward passes
    e_j = torch.zeros(n)
    e_j[j] = 1.0
    columns.append(f(Dual(x.detach(), e_j)).tangent)
J_columns = torch.stack(columns, dim=1)

J_library = torch.autograd.functional.jacobian(f, x.detach())
print("row by row (VJPs):\n", J_rows)
print("column by column (JVPs):\n", J_columns)
print("torch.autograd.functional.jacobian:\n", J_library)
print("all equal:", torch.allclose(J_rows, J_columns) and torch.allclose(J_rows, J_library))

# %% [markdown]
# `retain_graph=True` matters: each `autograd.grad` call is a backward pass, and a backward pass frees
# the values the graph saved (lecture 03). Without it the second row fails:

# %%
y = f(x)
try:
    for i in range(m):
        e_i = torch.zeros(m)
        e_i[i] = 1.0
        torch.autograd.grad(y, x, grad_outputs=e_i)
        print(f"row {i}: fine")
except RuntimeError as e:
    print(f"row {i}: RuntimeError:", str(e)[:62] + "...")

# %% [markdown]
# ## When each mode wins
#
# Building the whole Jacobian takes **$m$ reverse passes or $n$ forward passes**; each pass costs a
# small multiple of one evaluation of $f$. So:
#
# | situation | $n$ inputs | $m$ outputs | fewer passes |
# |---|---|---|---|
# | training loss of a network | millions of parameters | **1** | reverse: one `backward()` |
# | sensitivity of a whole simulated trajectory to one parameter | **1** | thousands of time steps | forward |
# | a square Jacobian ($n = m$) | $n$ | $n$ | either; reverse also needs the saved values (below) |
#
# A loss is a single number, $m = 1$, which is why deep learning is built on reverse mode. Here is the
# difference for a loss of $n = 200$ weights: one backward pass against 200 forward passes.

# %%
import time

torch.manual_seed(0)
X, t = torch.randn(64, 200), torch.randn(64)
w = torch.randn(200, requires_grad=True)


def loss_of(w):
    """A least-squares loss: one number from 200 weights."""
    r = X @ w - t
    return (r * r).sum() * (1 / 64)


torch.autograd.grad(loss_of(w), w)    # a first, untimed pass: the engine's one-time start-up is not the point

start = time.perf_counter()
(grad_reverse,) = torch.autograd.grad(loss_of(w), w)          # 1 pass
seconds_reverse = time.perf_counter() - start

start = time.perf_counter()
grad_forward = []
for j in range(200):                                            # 200 passes
    e_j = torch.zeros(200)
    e_j[j] = 1.0
    r = Dual(X @ w.detach(), X @ e_j) - t                       # the tangent of X @ w is X @ e_j
    grad_forward.append(((r * r).tangent.sum() * (1 / 64)))
grad_forward = torch.stack(grad_forward)
seconds_forward = time.perf_counter() - start
print("same gradient:", torch.allclose(grad_reverse, grad_forward, atol=1e-5))

# %% tags=["backend-specific"]
print(f"reverse mode: 1 pass, {seconds_reverse * 1e3:.2f} ms;  "
      f"forward mode: 200 passes, {seconds_forward * 1e3:.1f} ms")

# %% [markdown]
# ## What a backward pass costs
#
# A common rule of thumb: one backward pass costs **one to three forward passes**. Let us time a forward
# and a backward pass of a small network (best of 30 runs, to keep other programs' noise out):

# %%
nn = torch.nn
torch.manual_seed(0)
batch = 64
model = nn.Sequential(nn.Linear(100, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 10))
inputs, targets = torch.randn(batch, 100), torch.randn(batch, 10)


def forward():
    return ((model(inputs) - targets) ** 2).mean()


def best_of(runs, fn):
    """The shortest of `runs` timings of fn() (fn returns the seconds it measured)."""
    return min(fn() for _ in range(runs))


def time_forward():
    start = time.perf_counter()
    forward()
    return time.perf_counter() - start


def time_backward():
    loss = forward()                      # a fresh graph for every backward
    start = time.perf_counter()
    loss.backward()
    return time.perf_counter() - start


def time_forward_no_grad():
    with torch.no_grad():
        return time_forward()


# %% tags=["backend-specific"]
from widgets.torch_switch import BACKEND

forward_s, backward_s, no_grad_s = (best_of(30, fn) for fn in (time_forward, time_backward,
                                                                time_forward_no_grad))
print(f"{BACKEND}: forward {forward_s * 1e3:.3f} ms, backward {backward_s * 1e3:.3f} ms, "
      f"backward / forward = {backward_s / forward_s:.2f}")
print(f"forward under no_grad {no_grad_s * 1e3:.3f} ms (no graph recorded)")

# %% [markdown]
# Why more than once, and up to about twice? Count the arithmetic. A linear layer $Y = X W^\top + b$ is one matrix product
# forward. Backward needs **two**: $\partial L/\partial W = (\partial L/\partial Y)^\top X$ for the
# weights and $\partial L/\partial X = (\partial L/\partial Y)\,W$ to pass on — except in the first
# layer, whose input needs no gradient. The elementwise operations (tanh, the squares) cost about the
# same both ways. So for this network:

# %%
layer_shapes = [(layer.in_features, layer.out_features) for layer in model if isinstance(layer, nn.Linear)]
matmul_flops = [2 * batch * fan_in * fan_out for fan_in, fan_out in layer_shapes]
forward_flops = sum(matmul_flops)
backward_flops = sum(matmul_flops) + sum(matmul_flops[1:])   # dL/dW everywhere, dL/dX after layer 1
print("matrix-product flops: forward", f"{forward_flops:,}", " backward", f"{backward_flops:,}",
      f" ratio {backward_flops / forward_flops:.2f}")


# %% [markdown]
# The measured ratio sits near this count when the matrix products dominate. For tiny tensors the
# fixed cost of each operation (Python, dispatch, allocating the result) dominates instead, and each
# node costs about the same forward and backward, so the ratio moves towards 1. The forward pass in
# grad mode also pays for *recording* the graph, which `no_grad` skips. Run this lecture on both
# backends (`CGRAPH_BACKEND=torch`) and compare. When it was written (busy 2-core machines, December
# 2026), PyTorch measured between about 1.4 and 2.2 and `autograd_core` between about 1.2 and 1.8,
# varying with the machine and from run to run, against the 1.7 counted above: the rest is each
# engine's fixed cost per operation, and how fast its matrix products run on the transposed shapes
# backward uses.

# %% [markdown]
# ## The memory reverse mode holds
#
# Forward mode needs nothing from the past: a tangent is used by the next operation and can be
# dropped. Reverse mode runs *after* the forward pass, so every node must **keep what its backward
# will need** — the values lecture 01 saw saved on `MulBackward0`. PyTorch shows them as the
# `_saved_*` attributes of each `grad_fn` (`_saved_self`, `_saved_other`, `_saved_result`, ...). We
# can walk the graph from the loss, collect them, and add up their bytes. A tensor saved by two nodes
# (one layer's output is the next layer's input) is counted once, and the parameters are not counted:
# they exist whether or not a graph does.

# %%
def backward_nodes(t):
    """Every node of the graph behind t, found by following next_functions (iteratively)."""
    seen, stack_, order = set(), [t.grad_fn], []
    while stack_:
        fn = stack_.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        order.append(fn)
        stack_.extend(next_fn for next_fn, _ in fn.next_functions)
    return order


def saved_tensors(fn):
    """[(attribute name, tensor)] that node fn keeps for backward."""
    found = []
    for name in sorted(dir(fn)):
        if name.startswith("_saved_"):
            value = getattr(fn, name)
            if isinstance(value, torch.Tensor):
                found.append((name, value))
    return found


def saved_bytes(t, exclude=()):
    """Bytes of the distinct tensors the graph behind t saved for backward, without `exclude`."""
    skip = {p.data_ptr() for p in exclude}
    seen, total = set(), 0
    for fn in backward_nodes(t):
        for _, s in saved_tensors(fn):
            if s.data_ptr() in skip or s.data_ptr() in seen:
                continue
            seen.add(s.data_ptr())
            total += s.numel() * s.element_size()
    return total


loss = forward()
params = list(model.parameters())
for fn in backward_nodes(loss):
    kept = [f"{name}{tuple(s.shape)}" for name, s in saved_tensors(fn)
            if s.data_ptr() not in {p.data_ptr() for p in params}]
    if kept:
        print(f"{fn.name():16} keeps {', '.join(kept)}")
print(f"saved for backward: {saved_bytes(loss, params):,} bytes")


# %% [markdown]
# The input, both tanh outputs and the difference before squaring: $4$ bytes (float32) $\times\ 64
# \times (100 + 256 + 256 + 10) = 159{,}232$ bytes. It grows with the batch and with the depth — this,
# not the parameters, is what fills memory when a network trains. Compare grad mode, `no_grad` and
# `inference_mode` (PyTorch's stricter `no_grad` for pure inference):

# %%
def saved_bytes_in_mode(mode, batch):
    data = torch.randn(batch, 100)
    with mode():
        loss = ((model(data) - torch.randn(batch, 10)) ** 2).mean()
    return 0 if loss.grad_fn is None else saved_bytes(loss, params)


modes = {"grad mode": torch.enable_grad, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}
for batch_size in (64, 256, 1024):
    print(f"batch {batch_size:4}:", "   ".join(
        f"{label} {saved_bytes_in_mode(mode, batch_size):>9,} bytes" for label, mode in modes.items()))
print(f"the parameters themselves: {sum(p.numel() * p.element_size() for p in params):,} bytes")

# %% [markdown]
# Under `no_grad` and `inference_mode` nothing is recorded: no `grad_fn`, nothing saved, and each
# intermediate result is freed as soon as the next layer has used it. That is why evaluation runs in
# `no_grad`: from a batch of about 150 on (2,488 bytes per example against 376,872), the saved
# activations outweigh the model itself.
#
# The saved values live as long as the graph does. `backward()` frees them as it goes (unless
# `retain_graph=True`), and keeping a loss tensor alive keeps its graph's saved values alive — the
# memory leak of `total += loss` in lecture 05.

# %%
loss = forward()
print("before backward:", f"{saved_bytes(loss, params):,} bytes")
loss.backward()
try:
    saved_bytes(loss, params)
except RuntimeError as e:
    print("after backward: RuntimeError:", str(e)[:58] + "...")

# %% [markdown]
# Reverse mode buys its one-pass gradient with this memory; forward mode would need no saved values
# but one pass per parameter. Between the two sit tricks such as *gradient checkpointing*, which saves
# only some activations and recomputes the rest during backward.

# %% [markdown]
# ## Watching the gradients arrive: hooks
#
# `t.register_hook(fn)` asks the engine to call `fn(grad)` when the gradient of `t` has been computed
# — the reverse-mode value $\bar t = \partial y/\partial t$. A hook on every tensor of Example A prints
# them in the order backward visits them:

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b
for name, t in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y)]:
    t.register_hook(lambda grad, name=name: print(f"  dy/d{name} = {grad.item()}"))
y.backward()

# %% [markdown]
# Reverse topological order: $y$ first, then $b$ and $a$ (PyTorch runs the most recently created ready
# node first, so `b`, made after `a`, comes first), then the leaves. The hook on `w` fires **once, with
# 5**: the engine waits until both paths have delivered their share before it passes the sum on.
#
# A hook may also *return* a replacement gradient. Returning zero at `b` cuts the path
# $w \to b \to y$ out of the sum — and `w.grad` becomes the other path's share alone:

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
b.register_hook(lambda grad: grad * 0)      # no gradient flows through b
y = a * b
y.backward()
print("w.grad =", w.grad.item(), " (only the path w -> a -> y, 1 * 2)")

# %% [markdown]
# ## Summary
#
# - $\partial y/\partial w$ is a **sum over paths** of products of local derivatives; the number of
#   paths explodes, so both modes factor the sum node by node.
# - **Forward mode** carries $\dot v = \partial v/\partial(\text{one input})$ along with the values:
#   one pass gives a Jacobian **column** (a JVP). **Reverse mode** (`backward()`) carries
#   $\bar v = \partial(\text{one output})/\partial v$ back: one pass gives a **row** (a VJP).
# - A full Jacobian costs $n$ forward or $m$ reverse passes; a loss has $m = 1$, so reverse wins.
# - A backward pass costs about one to three forward passes (about two matrix products per one).
# - Reverse mode keeps the forward pass's saved values until backward: bytes proportional to batch
#   and depth; `no_grad` and `inference_mode` keep none.
# - `register_hook` shows (and can change) each gradient as backward reaches it.
#
# **Exercises:** [ex06 · forward and reverse mode](exercises/ex06_forward_and_reverse_mode.ipynb).
