# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 40
#     title: Higher-order gradients
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Higher-order gradients
#
# *About 40 minutes. Runs on `autograd_core` and on PyTorch (the torch switch).*
#
# A backward pass computes gradients with tensor operations: multiplications, powers, sums. If
# autograd records those operations too, the gradient gets a graph of its own, and we can
# differentiate it again. In this lecture:
#
# - `create_graph=True`: the backward pass **builds a graph**; we walk it, draw it and compare it
#   with the forward graph;
# - second derivatives ($x^3 \to 6x$, $\tanh''$), a mixed partial, and the trap of
#   `backward(create_graph=True)`: both gradients **accumulate** into the same `.grad`;
# - what `create_graph` keeps alive, **in bytes**;
# - a **Hessian-vector product** by double backward: about two backward passes instead of the
#   $n \times n$ Hessian;
# - a **gradient penalty** added to a loss, and trained.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from IPython.display import display

from widgets import draw            # pictures of graphs (Graphviz)

# %% [markdown]
# ## The backward pass is a computation
#
# Lecture 03 looked inside a node: `PowBackward0` multiplies the gradient arriving from above by the
# power's local derivative ($2x$ for the $x^2$ there). For $y = x^3$ it turns
# $\bar y = \partial L/\partial y$ into $\bar y \cdot 3x^2$. That is three tensor operations: a
# power, a multiplication by 3, a multiplication by $\bar y$. A plain backward pass runs them
# outside autograd and keeps only the number. With **`create_graph=True`** autograd records them,
# like any other operation: the gradient comes back with a `grad_fn`.

# %%
x = torch.tensor(1.5, requires_grad=True)
y = x ** 3

(g,) = torch.autograd.grad(y, x, create_graph=True)     # dy/dx, with a graph
print("y     =", y)
print("dy/dx =", g, "  (3 x^2 =", 3 * 1.5 ** 2, ")")

(g_plain,) = torch.autograd.grad(x ** 3, x)              # the same number, without a graph
print("without create_graph:", g_plain, " requires_grad:", g_plain.requires_grad)


# %% [markdown]
# ### Walking the gradient's graph
#
# `g.grad_fn` is the last operation of the backward formula; its `next_functions` lead to the
# operations before it, as for any tensor (lecture 02). A few lines print the graph behind a tensor
# as a tree, the root first:

# %%
def print_graph(t):
    """The graph behind tensor t as an indented tree: each node above the nodes it came from."""
    def show(fn, depth):
        if fn is None:
            print("    " * depth + "None  (an input that needs no gradient)")
            return
        print("    " * depth + fn.name())
        for next_fn, _ in fn.next_functions:
            show(next_fn, depth + 1)
    show(t.grad_fn, 0)


print("the forward graph, behind y:")
print_graph(y)
print("\nthe gradient's graph, behind g = dy/dx:")
print_graph(g)

# %% [markdown]
# Read the gradient's graph from the bottom up. It starts at the same leaf $x$ (`AccumulateGrad`):
# `PowBackward0` computes $x^2$ (a **new** node, not the one behind $y$), `MulBackward1` multiplies
# by the number 3 (the `1` marks a Python number as the other factor), and `MulBackward0`
# multiplies by $\bar y = \partial y/\partial y = 1$, the seed, which needs no gradient (`None`).
# That is PyTorch's derivative formula for `pow`, `grad * (exponent * self.pow(exponent - 1))`, run
# as ordinary operations.
#
# Here are both graphs as pictures (tensors as boxes, operations as ovals): the forward graph of $y$
# first, then the graph of $g$ that the backward pass built beside it: a second graph that starts at
# the same leaf, not an extension of $y$'s graph.

# %%
display(draw(y, names=dict(x=x, y=y)))
display(draw(g, names=dict(x=x, g=g)))

# %% [markdown]
# Step through it. The first backward's steps build $g$'s graph, one new node at a time (pink, with
# a dashed outline: made by the backward pass); then `g.backward()`, a second backward, runs through
# those new nodes and reaches $x$ with $6x = 9$. (The stepper records autograd_core whichever backend
# this notebook runs on: PyTorch has no recorder.)

# %%
from widgets.stepper import GraphStepper
from widgets.torch_switch import load

engine = load("autograd_core")


def double_backward():
    x = engine.tensor(1.5, requires_grad=True)
    y = x ** 3
    (g,) = engine.autograd.grad(y, x, create_graph=True)
    g.backward()


GraphStepper(double_backward)

# %% [markdown]
# [Lecture 04](04_static_vs_dynamic.ipynb) showed `tf.gradients` adding the backward pass to a
# **static** graph as new nodes, before anything ran. `create_graph=True` is the **dynamic**
# counterpart: the backward pass runs now, and while it runs it records its operations as nodes, as
# any forward pass does. In both, a gradient becomes a node of a graph, and so it can be
# differentiated again.

# %% [markdown]
# ## A second derivative
#
# $g = 3x^2$ is a tensor with a graph back to $x$, so `autograd.grad(g, x)` differentiates it:
# $\frac{d^2 y}{dx^2} = 6x = 9$ at $x = 1.5$. Keep `create_graph=True` each time, and you can go on.

# %%
derivative = x ** 3
for order, formula in enumerate(["x^3", "3 x^2", "6 x", "6", "0"]):
    print(f"d^{order} y / dx^{order} = {formula:6} = {derivative.item()}")
    if order < 4:
        (derivative,) = torch.autograd.grad(derivative, x, create_graph=True)

# %% [markdown]
# Autograd does not simplify: the third derivative, $6$, is still computed *from* $x$ (its graph
# still reaches the leaf), so the fourth comes out as a plain $0$. Now forget `create_graph=True` on
# the first gradient. That gradient is then a number to autograd, with no graph to differentiate,
# and the second `grad` refuses:

# %%
(first,) = torch.autograd.grad(x ** 3, x)             # no create_graph
print("first derivative:", first, " requires_grad:", first.requires_grad)
try:
    torch.autograd.grad(first, x)
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown]
# *"element 0 of tensors does not require grad"* in second-derivative code almost always means a
# missing `create_graph=True`.

# %% [markdown]
# ### tanh, twice
#
# $\tanh' = 1 - \tanh^2$ and $\tanh'' = -2 \tanh\,(1 - \tanh^2)$. For a vector of inputs, each output
# depends only on its own input, so the gradient of `y.sum()` is the vector of first derivatives,
# and the gradient of *that* vector's sum is the vector of second derivatives.

# %%
x = torch.linspace(-2.0, 2.0, 5, requires_grad=True)
y = torch.tanh(x)
(first,) = torch.autograd.grad(y.sum(), x, create_graph=True)
(second,) = torch.autograd.grad(first.sum(), x)

t = y.detach()
print("x                 ", x.detach())
print("tanh'  (autograd) ", first.detach())
print("1 - tanh^2        ", 1 - t ** 2)
print("tanh'' (autograd) ", second)
print("-2 tanh (1-tanh^2)", -2 * t * (1 - t ** 2))
print("equal:", torch.allclose(first, 1 - t ** 2) and torch.allclose(second, -2 * t * (1 - t ** 2)))
print()
print_graph(first)

# %% [markdown]
# This time the gradient's graph **reaches into the forward graph**: PyTorch writes $\tanh'$ with
# the *output* $y$ (that is what `TanhBackward0` saved), so `TanhBackwardBackward0` — the derivative
# of tanh's backward, named as PyTorch names it — takes `TanhBackward0`, $y$'s node, as an input.
# The double backward goes back through the forward graph. Its other input, `None`, is the gradient
# arriving from `y.sum()`: the seed 1 spread over the five entries, a constant that needs no
# gradient (so no `ExpandBackward0` node is recorded for it).

# %% [markdown]
# ### A mixed partial derivative
#
# For $f(x, y) = x^2 y^3$, differentiate with respect to $x$, then the result with respect to $y$,
# and the other way round. The two mixed partials agree (for smooth $f$ they always do), which
# makes the $2 \times 2$ **Hessian** symmetric.

# %%
x = torch.tensor(1.5, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
f = x ** 2 * y ** 3

df_dx, df_dy = torch.autograd.grad(f, (x, y), create_graph=True)
print(f"df/dx = 2 x y^3 = {df_dx.item()},  df/dy = 3 x^2 y^2 = {df_dy.item()}")
row_x = torch.autograd.grad(df_dx, (x, y), retain_graph=True)     # (d2f/dx2, d2f/dy dx)
row_y = torch.autograd.grad(df_dy, (x, y))                        # (d2f/dx dy, d2f/dy2)
hessian = torch.stack([torch.stack(row_x), torch.stack(row_y)])
print("Hessian:\n", hessian)
print(f"d/dy (df/dx) = {row_x[1].item()},  d/dx (df/dy) = {row_y[0].item()},  6 x y^2 = {6 * 1.5 * 2.0 ** 2}")

# %% [markdown]
# ## The trap: `backward(create_graph=True)` accumulates
#
# `backward()` takes `create_graph=True` too. It puts the gradient, graph and all, into `x.grad`.
# Differentiate that gradient with another `backward()`, and the second derivative is **added to
# `x.grad`**, which already holds the first one: PyTorch accumulates both.

# %%
x = torch.tensor(1.5, requires_grad=True)
y = x ** 3
y.backward(create_graph=True)
print("after the first backward: x.grad =", x.grad)       # 3 x^2, with a graph
x.grad.backward()
print("after the second:         x.grad =", x.grad, " = 3 x^2 + 6 x =", 3 * 1.5 ** 2 + 6 * 1.5)

# %% [markdown]
# $6.75 + 9 = 15.75$: neither derivative. (PyTorch also warns, in the first `backward`, that
# `x.grad` now holds a graph that refers back to `x`: a reference cycle, which keeps memory alive.)
# Two ways out: take the first gradient with `torch.autograd.grad`, which returns it and leaves
# `.grad` alone (as above), or move it out of `.grad` before the second pass:

# %%
x = torch.tensor(1.5, requires_grad=True)
(x ** 3).backward(create_graph=True)
first = x.grad
x.grad = None                  # the next backward starts a fresh .grad
first.backward()
print("first derivative:", first.item(), "  second derivative (x.grad):", x.grad.item())

# %% [markdown]
# ## What `create_graph` keeps alive
#
# Lecture 09 walked a network's graph and added up the bytes its nodes saved for backward. With
# `create_graph=True` two things change: the gradients' graph saves tensors of its own, and the
# forward graph is **not freed** (`retain_graph` defaults to `create_graph`), because the gradients'
# graph may need its saved values, as `TanhBackwardBackward0` needed $y$. The same network as in
# lecture 09, with fixed inputs:

# %%
def backward_nodes(*tensors):
    """Every node of the graphs behind the tensors, found by following next_functions (iteratively)."""
    seen, stack, order = set(), [t.grad_fn for t in tensors], []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        order.append(fn)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return order


def saved_bytes(*tensors, exclude=()):
    """Bytes of the distinct tensors the graphs behind `tensors` saved for backward, without `exclude`."""
    skip = {p.data_ptr() for p in exclude}
    seen, total = set(), 0
    for fn in backward_nodes(*tensors):
        for name in dir(fn):
            saved = getattr(fn, name) if name.startswith("_saved_") else None
            if isinstance(saved, torch.Tensor) and saved.data_ptr() not in skip | seen:
                seen.add(saved.data_ptr())
                total += saved.numel() * saved.element_size()
    return total


nn = torch.nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(100, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 10))
params = list(model.parameters())
inputs = torch.linspace(-1.0, 1.0, 64 * 100).reshape(64, 100)
targets = torch.linspace(0.0, 1.0, 64 * 10).reshape(64, 10)

loss = ((model(inputs) - targets) ** 2).mean()
forward_bytes = saved_bytes(loss, exclude=params)
grads = torch.autograd.grad(loss, params, create_graph=True)
print(f"forward graph: {len(backward_nodes(loss))} nodes, {forward_bytes:,} bytes saved")
print(f"the gradients' graph: {len(backward_nodes(*grads))} nodes "
      f"(it includes the forward graph's {len(backward_nodes(loss))})")
print("forward graph still there:", saved_bytes(loss, exclude=params) == forward_bytes)

# %%
grads_bytes = saved_bytes(*grads, exclude=params)
print(f"saved by the gradients' graph, forward graph included: {grads_bytes:,} bytes "
      f"({grads_bytes / forward_bytes:.1f} x the forward graph's)")

# %% [markdown]
# More than twice the forward graph's bytes, kept for as long as any of the gradients is alive. So
# ask for `create_graph=True` only when you will differentiate the gradient, and let the gradients
# go when you are done (`del grads`, or let them go out of scope): their graph goes with them.

# %% [markdown]
# ## Hessian-vector products
#
# For a loss $f(\vec w)$ of $n$ weights the **Hessian** $H_{ij} = \partial^2 f/\partial w_i \partial w_j$
# is $n \times n$: for a million weights, $10^{12}$ numbers. Newton-type optimizers, curvature
# estimates and influence functions need only **products** $H\vec v$, and those come without $H$.
# The gradient $\vec g = \nabla f$ has a graph (create_graph), and
#
# $$H\vec v = \nabla_{\vec w}\,(\vec g \cdot \vec v),$$
#
# because $\partial(\vec g\cdot\vec v)/\partial w_j = \sum_i v_i\, \partial g_i/\partial w_j = (H\vec v)_j$
# ($H$ is symmetric). $\vec g \cdot \vec v$ is one number, so that is one more backward pass:
# **a forward pass and two backward passes** for any $n$. Building $H$ row by row instead takes one
# backward pass through $\vec g$'s graph per row: $n$ of them.

# %%
import time

n = 200
# 64 inputs of n features, wave patterns rather than random numbers: the same on both backends
i, j = torch.arange(1.0, 65.0).reshape(64, 1), torch.arange(1.0, n + 1.0)
X = torch.sin(0.9 + 0.1 * i) * torch.cos(0.3 * j) + torch.sin(0.13 * i * j)
target = torch.cos(torch.arange(64.0))


def f(w):
    """A small nonlinear least-squares loss of n weights."""
    return ((torch.tanh(X @ w) - target) ** 2).mean()


w = (0.1 * torch.cos(j)).requires_grad_(True)
v = torch.linspace(-1.0, 1.0, n)

start = time.perf_counter()
(g,) = torch.autograd.grad(f(w), w, create_graph=True)       # backward pass 1, with a graph
(Hv,) = torch.autograd.grad(g @ v, w)                         # backward pass 2: d(g.v)/dw
seconds_hvp = time.perf_counter() - start

start = time.perf_counter()
(g,) = torch.autograd.grad(f(w), w, create_graph=True)
H = torch.stack([torch.autograd.grad(g[i], w, retain_graph=True)[0] for i in range(n)])   # n passes
seconds_hessian = time.perf_counter() - start

print("H v by double backward equals H @ v:", torch.allclose(Hv, H @ v, atol=1e-5))
print("H is symmetric:", torch.allclose(H, H.T, atol=1e-6))
print(f"the Hessian: {H.numel():,} numbers, {H.numel() * H.element_size():,} bytes;  "
      f"H v: {Hv.numel()} numbers")

# %% tags=["backend-specific"]
print(f"H v: 2 backward passes, {seconds_hvp * 1e3:.1f} ms;  "
      f"H: {n} backward passes, {seconds_hessian * 1e3:.0f} ms ({seconds_hessian / seconds_hvp:.0f} x)")

# %% [markdown]
# What are $H\vec v$ products good for without $H$? For example, the **largest curvature** of the
# loss — the eigenvalue of $H$ largest in size, which limits how large a learning rate gradient
# descent can take. Power iteration finds it with nothing but products:
# $\vec u \leftarrow H\vec u / \|H\vec u\|$, and then $\vec u \cdot H\vec u$.

# %%
def hvp(f, w, v):
    """H v for the Hessian H of f at w: the gradient of (grad f . v), by double backward."""
    (g,) = torch.autograd.grad(f(w), w, create_graph=True)
    (Hv,) = torch.autograd.grad(g @ v, w)
    return Hv


import numpy as np

u = torch.ones(n) / n ** 0.5
for _ in range(20):
    Hu = hvp(f, w, u)
    u = Hu / Hu.norm()
largest = (u @ hvp(f, w, u)).item()                 # the Rayleigh quotient u.Hu of the unit vector u
print(f"largest eigenvalue by 20 H v products: {largest:.2f}")
print(f"largest eigenvalue of the whole H:     {np.linalg.eigvalsh(H.detach().numpy()).max():.2f}")

# %% [markdown]
# PyTorch packages these in `torch.autograd.functional`: `vhp` is exactly our double backward
# (it returns $\vec v^\top H$, the same numbers for a symmetric $H$), `hvp` takes one backward pass
# more so as not to assume that symmetry, and `hessian` builds the whole $H$. And
# `torch.autograd.gradgradcheck` compares second derivatives with finite differences, as `gradcheck`
# does first derivatives (lecture 08):

# %%
functional = torch.autograd.functional
_, Hv_library = functional.hvp(f, w.detach(), v)
print("functional.hvp equals our double backward:", torch.allclose(Hv_library, Hv, atol=1e-5))
print("functional.hessian equals our H:", torch.allclose(functional.hessian(f, w.detach()), H, atol=1e-5))
z = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64, requires_grad=True)   # float64: finite differences
print("gradgradcheck of tanh:", torch.autograd.gradgradcheck(torch.tanh, (z,)))

# %% [markdown]
# ## A gradient penalty
#
# A loss may contain a gradient. **Double backpropagation** (Drucker and LeCun, 1992) adds to the
# data loss $L$ the squared size of its gradient with respect to the *inputs*,
#
# $$L_{\text{total}} = L + \lambda \,\Big\|\frac{\partial L}{\partial \vec x}\Big\|^2,$$
#
# which asks for a model whose loss does not change much when an input moves a little (WGAN-GP's
# penalty on a critic's input gradient is the same idea). Training on $L_{\text{total}}$ needs its
# gradient with respect to the weights, and the penalty's part of it is a second derivative: the
# penalty must be built with `create_graph=True`. Forget it, and nothing fails: the penalty is then a
# constant to autograd, and its share of the weights' gradient is silently zero.

# %%
def make_model():
    """A 1 -> 16 -> 1 tanh network with fixed starting weights (the same on both backends)."""
    k = torch.arange(16, dtype=torch.float32)
    return [torch.cos(k).reshape(1, 16).requires_grad_(True), (0.1 * torch.sin(k)).requires_grad_(True),
            (0.5 * torch.cos(3 * k)).reshape(16, 1).requires_grad_(True), torch.zeros(1, requires_grad=True)]


def predict(weights, x):
    W1, b1, W2, b2 = weights
    return torch.tanh(x @ W1 + b1) @ W2 + b2


xs = torch.linspace(-2.0, 2.0, 32).reshape(32, 1)
ys = torch.sin(3 * xs)


def total_loss(weights, lam, create_graph=True):
    """(data loss, penalty): mean squared error, and lam * ||d(data loss)/d(inputs)||^2."""
    x = xs.clone().requires_grad_(True)                   # the inputs need a gradient now
    data_loss = ((predict(weights, x) - ys) ** 2).mean()
    # retain_graph: the training step's backward goes through data_loss's graph again
    (dL_dx,) = torch.autograd.grad(data_loss, x, create_graph=create_graph, retain_graph=True)
    return data_loss, lam * (dL_dx ** 2).sum()


weights = make_model()
for create_graph in (True, False):
    data_loss, penalty = total_loss(weights, lam=10.0, create_graph=create_graph)
    (data_loss + penalty).backward()
    print(f"create_graph={create_graph!s:5}: penalty {penalty.item():.6f}, "
          f"penalty.requires_grad {penalty.requires_grad!s:5}, |dL_total/dW1| = {weights[0].grad.norm().item():.4f}")
    for p in weights:
        p.grad = None

# %% [markdown]
# The same penalty value both times; only with `create_graph=True` does it reach the weights. Now
# train a few hundred steps of gradient descent with and without the penalty, and compare the data
# loss and the size of the input gradient the model ends up with:

# %%
for lam in (0.0, 10.0):
    weights = make_model()
    optimizer = torch.optim.SGD(weights, lr=0.05)
    for step in range(301):
        data_loss, penalty = total_loss(weights, lam)
        if step % 100 == 0:
            _, input_grad = total_loss(weights, 1.0)          # ||dL/dx||^2 itself, for the report
            print(f"lambda {lam:4}: step {step:3}  data loss {data_loss.item():.4f}  "
                  f"||dL/dx||^2 {input_grad.item():.6f}")
        optimizer.zero_grad()
        (data_loss + penalty).backward()
        optimizer.step()

# %% [markdown]
# Fitting the data makes the loss steeper around the training points: $\|\partial L/\partial x\|^2$
# grows during training in both runs. After 300 steps the penalized model has about half the
# unpenalized one's input gradient, and pays for it in data loss (0.20 instead of 0.12): a flatter
# loss around the training points, bought with a worse fit. Every step ran a forward pass, a backward pass with
# `create_graph=True` (the penalty) and a backward pass through both graphs (the step): a training
# step with a gradient penalty costs roughly twice a plain one.

# %% [markdown]
# ## Summary
#
# - `create_graph=True` (in `autograd.grad` or `backward`) makes the backward pass record its own
#   operations: the gradient has a `grad_fn`, and its graph (walk it, `draw` it) starts at the same
#   leaves — and may run through the forward graph's nodes, as `TanhBackwardBackward0` does.
# - Differentiate that gradient for second derivatives, mixed partials, Hessians; without
#   `create_graph`, the second `grad` fails with *element 0 of tensors does not require grad*.
# - `backward(create_graph=True)` followed by `x.grad.backward()` **adds** the second derivative to
#   the first in `x.grad`; use `autograd.grad` for the first gradient, or reset `.grad`.
# - `create_graph` keeps the forward graph and the gradients' graph alive: more than twice the bytes.
# - $H\vec v = \nabla(\nabla f\cdot\vec v)$: two backward passes, never the $n\times n$ Hessian.
# - A penalty on a gradient is trained through a double backward; without `create_graph` it
#   silently does nothing.
#
# **Exercises:** [ex07 · higher-order gradients](exercises/ex07_higher_order_gradients.ipynb).
