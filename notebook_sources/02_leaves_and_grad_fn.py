# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 20
#     title: Leaves, grad_fn, next_functions and retain_grad
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Leaves, `grad_fn`, `next_functions` and `retain_grad`
#
# *About 20 minutes. Runs on `autograd_core` and on PyTorch (the torch switch).*
#
# Lecture 01 drew the graph on paper. Here we take the graph PyTorch actually keeps and walk it
# in code: which tensors are leaves, what `grad_fn` objects are, how they point to each other, and
# which tensors end up with a `.grad`.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %% [markdown]
# ## Leaves
#
# A tensor is a **leaf** if no recorded operation produced it: you created it yourself (with
# `requires_grad=True` or not), or it does not require grad at all. Everything computed from tensors
# that require grad is a non-leaf. We use Example A again.

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b

for name, t in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y)]:
    print(f"{name}: is_leaf={t.is_leaf!s:5}  requires_grad={t.requires_grad}")

# %% [markdown]
# ## `grad_fn`: how a tensor was made
#
# A non-leaf's `grad_fn` is the node of the graph that will compute its backward step. Its class name
# is the operation plus `Backward` and a number, as in PyTorch: `MulBackward0`, `AddBackward0`. The
# number tells apart the variants of one operation: `x ** 2` makes a `PowBackward0` (a number as
# the exponent), `x ** x` a `PowBackward1` (a tensor). A leaf has `grad_fn = None`.

# %%
print("y.grad_fn:", y.grad_fn.name())
print("a.grad_fn:", a.grad_fn.name())
print("w.grad_fn:", w.grad_fn)

# %% [markdown]
# ## `next_functions`: the edges of the graph
#
# The graph PyTorch keeps is a graph of these *function* nodes. Each node's `next_functions` is a
# tuple of `(node, input_nr)` pairs, one per input of the operation, pointing one step towards the
# leaves. Three kinds of entry appear:
#
# - another backward node, for an input that was itself computed;
# - an `AccumulateGrad` node, for a leaf that requires grad — it stores the arriving gradient in the
#   leaf's `.grad`, and its `.variable` is that leaf;
# - `(None, 0)`, for an input that needs no gradient (here the constant `1` in `w + 1`).

# %%
print(y.grad_fn.next_functions)
acc = a.grad_fn.next_functions[0][0]
print(acc.name(), "-> its variable is w:", acc.variable is w)
print("b = w + 1:", [(fn.name() if fn is not None else None, nr) for fn, nr in b.grad_fn.next_functions])


# %% [markdown]
# Following `next_functions` from the root visits the whole graph. This walk prints it as a tree:

# %%
def walk(fn, depth=0):
    if fn is None:
        print("    " * depth + "None (no grad needed)")
        return
    label = fn.name()
    if hasattr(fn, "variable"):
        label += f"  -> leaf with value {fn.variable.item()}"
    print("    " * depth + label)
    for next_fn, _ in fn.next_functions:
        walk(next_fn, depth + 1)

walk(y.grad_fn)
print("w's two entries are one node:", a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0])

# %% [markdown]
# `w` appears twice: it feeds both `a` and `b`. It is the same `AccumulateGrad` node both times
# (the last line: `is` finds one object), which is why the two gradients that reach it are added.
#
# This graph of backward functions is the picture in PyTorch's own autograd tutorial: the nodes are
# the `...Backward` functions, the arrows point the way the forward pass went, and the leaves (drawn
# blue there) are the tensors you asked gradients for. The **leaves are the inputs, the roots are the
# outputs**. `draw` shows it (it reads the graph through `grad_fn` and `next_functions`, so it works
# for real PyTorch tensors too):

# %%
from widgets import draw

draw(y, view="function")

# %% [markdown]
# ## Which tensors get a `.grad`?
#
# After `backward()`, only leaves that require grad keep their gradient in `.grad`. The gradients of
# intermediate tensors are computed (they have to be: the chain rule passes through them) but are
# **freed** as soon as they have been passed on, to save memory. Reading `.grad` of a non-leaf gives
# `None`, and PyTorch warns you: the box under the output below is its `UserWarning`.

# %%
import warnings

y.backward()
print("w.grad =", w.grad, " x.grad =", x.grad)
with warnings.catch_warnings():
    warnings.simplefilter("always")     # show the warning on every run (Python shows it once per line)
    print("a.grad =", a.grad)

# %% [markdown]
# `b.grad` and `y.grad` are `None` too, with the same warning. It names both ways out:
# `.retain_grad()` on the non-leaf (next section), or reading the leaf you meant. `autograd_core`
# gives the same warning, word for word; PyTorch adds where in its C++ source it was raised
# ("Triggered internally at ...").

# %% [markdown]
# ### `retain_grad()`: keep an intermediate gradient
#
# If you want to see an intermediate gradient — to debug, or to teach — ask for it *before*
# `backward()`:

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
a.retain_grad()
b = w + 1
y = a * b
y.backward()
print("a.grad =", a.grad, "(dy/da = b)")
print("a.retains_grad:", a.retains_grad, "  w.grad:", w.grad)

# %% [markdown]
# ## `requires_grad` spreads through operations
#
# An operation's result requires grad if **any** input does; only then is the operation recorded.
# Tensors that do not require grad cost nothing in the graph.

# %%
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand(5, 5, requires_grad=True)

print("x + y requires grad?", (x + y).requires_grad)
print("x + z requires grad?", (x + z).requires_grad, " grad_fn:", (x + z).grad_fn.name())
print("x + y has a grad_fn?", (x + y).grad_fn)

# %% [markdown]
# ## Summary
#
# - Leaves are tensors you made; non-leaves carry a `grad_fn` named after the operation.
# - `grad_fn.next_functions` are the graph's edges; `AccumulateGrad` nodes deliver gradients into
#   leaves; `(None, 0)` marks inputs that need none.
# - Only leaves keep `.grad`; call `retain_grad()` before `backward()` to keep an intermediate one.
# - `requires_grad` propagates: a result requires grad if any input does.
#
# **Exercises:** [ex01 · graphs, leaves and grad_fn](exercises/ex01_graphs_and_leaves.ipynb), tasks 3–4.
