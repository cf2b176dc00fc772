# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 30
#     title: Backward in depth
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · `backward()` in depth
#
# *About 30 minutes. Runs on `autograd_core` and on PyTorch.*
#
# - the chain rule, checked against a formula;
# - gradients **accumulate**, so they must be zeroed;
# - why a second `backward()` fails, and `retain_graph`;
# - non-scalar outputs: the `gradient=` argument and **vector-Jacobian products**;
# - `torch.autograd.grad`, which returns gradients instead of storing them;
# - the graph is rebuilt every iteration, so control flow and shapes may change.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %% [markdown]
# ## The chain rule
#
# For $y = \sin(x^2)$, the chain rule gives $dy/dx = \cos(x^2)\cdot 2x$. Autograd computes exactly
# this product: `PowBackward0` contributes $2x$, `SinBackward0` contributes $\cos(x^2)$.

# %%
x = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)
y = torch.sin(x ** 2)
y.sum().backward()

by_formula = torch.cos(x.detach() ** 2) * 2 * x.detach()
print("autograd:   ", x.grad)
print("by formula: ", by_formula)
print("equal:", torch.allclose(x.grad, by_formula))

# %% [markdown]
# ## Gradients accumulate
#
# `backward()` **adds** into `.grad`; it never overwrites. (The two paths to `w` in Example A are
# added before that, inside the pass: lecture 01's recording stored `w.grad = 5` once.) So two
# backward passes add up, as a training loop's iterations do: each runs a new forward pass (a new
# graph) and a backward through it.

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)

for i in (1, 2):
    y = (w + x) * (w + 1)    # a forward pass: a new graph
    y.backward()
    print(f"after backward {i}: w.grad = {w.grad.item()}")
print("5 + 5: the second pass added to the first")

w.grad.zero_()           # what optimizer.zero_grad() does for every parameter
x.grad = None            # also fine: the next backward starts a fresh .grad
y = (w + x) * (w + 1)
y.backward()
print("after zeroing:    w.grad =", w.grad.item(), " x.grad =", x.grad.item())

# %% [markdown]
# In a training loop, forgetting to zero makes every step use the sum of all gradients so far.
# The habit: **zero the gradients before (or right after) every `backward()`** —
# `optimizer.zero_grad()` in lecture 07.

# %% [markdown]
# ## A graph is used once: `retain_graph`
#
# During backward each node uses the values it saved and then **frees** them. Calling `backward()` a
# second time through the same graph finds them gone:

# %%
y = (w + x) * (w + 1)
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown]
# The message says what to do. `backward(retain_graph=True)` keeps the saved values, at the cost of
# memory, for the rare case where you really need two passes over the same graph:

# %%
w.grad = None
y = (w + x) * (w + 1)
y.backward(retain_graph=True)    # keep the saved values: this graph will be walked again
y.backward()                     # the last pass may free them
print("w.grad =", w.grad.item(), " (5 + 5: the two passes accumulate, like any two backward calls)")

# %% [markdown]
# Usually you do not need it: the next iteration runs a new forward pass, which builds a new graph.

# %% [markdown]
# ## Non-scalar outputs
#
# So far the root was a single number. Take $a = [2, 3]$, $b = [6, 4]$ and
#
# $$Q = 3a^3 - b^2 .$$
#
# $Q$ is a *vector* with two entries. What would "the gradient of $Q$" be? There is one per entry
# of $Q$ — a whole Jacobian (the table of every $\partial Q_i/\partial a_j$ and
# $\partial Q_i/\partial b_j$, below). PyTorch refuses to guess:

# %%
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
print("Q =", Q)
try:
    Q.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown]
# We have to say how much each entry of $Q$ matters by passing a `gradient` of $Q$'s shape.
# With all ones it means "the gradient of $Q_1 + Q_2$":

# %%
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
print("a.grad =", a.grad, "   9*a**2 =", 9 * a.detach() ** 2, "  equal:", torch.equal(a.grad, 9 * a.detach() ** 2))
print("b.grad =", b.grad, "   -2*b   =", -2 * b.detach(), "  equal:", torch.equal(b.grad, -2 * b.detach()))

# %% [markdown]
# The graph behind `Q`, drawn the way PyTorch's autograd tutorial draws it: the backward functions
# are the nodes, the arrows follow the forward pass, and the leaves `a` and `b` (blue) are where the
# gradients are accumulated.

# %%
from widgets import draw

draw(Q, view="function")

# %%
# Same thing, written as a scalar: sum first, then backward.
a.grad, b.grad = None, None
Q = 3 * a ** 3 - b ** 2
Q.sum().backward()
print("a.grad =", a.grad, "  b.grad =", b.grad)

# %% [markdown]
# ### What autograd really computes: vector-Jacobian products
#
# For $\vec y = f(\vec x)$ the Jacobian $J$ holds every partial derivative,
# $J_{ij} = \partial y_i/\partial x_j$. Autograd never builds $J$. Given a vector $\vec v$ (the
# `gradient` argument), it computes the **vector-Jacobian product**
#
# $$J^{\top}\vec v .$$
#
# If $\vec v$ is the gradient of some scalar $l = g(\vec y)$, i.e. $v_i = \partial l/\partial y_i$,
# then by the chain rule $J^\top \vec v$ is exactly $\partial l/\partial \vec x$. That is why one
# backward pass per scalar loss is all training needs, however many outputs sit in between.
#
# For $Q$, $J$ is diagonal ($\partial Q_i/\partial a_i = 9a_i^2$), so $J^\top[1, 1] = 9a^2$. With a
# matrix product the Jacobian is a full matrix. Check $J^\top v$ against autograd for
# $\vec y = M\vec x$, whose Jacobian is $M$:

# %%
M = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, -1.0, 3.0]])
x = torch.tensor([1.0, 1.0, 2.0], requires_grad=True)
y = M @ x                              # J = M, a 2 x 3 matrix
v = torch.tensor([0.5, -2.0])
y.backward(gradient=v)
print("autograd x.grad:", x.grad)
print("M^T v by hand:  ", M.t() @ v)

# v as the gradient of a scalar: l = sum(y**2) has dl/dy = 2y, and J^T (2y) = dl/dx.
x.grad = None
l = ((M @ x) ** 2).sum()
l.backward()
print("dl/dx =", x.grad, "  M^T (2y) =", M.t() @ (2 * (M @ x.detach())))

# %% [markdown]
# ## `torch.autograd.grad`: gradients as a return value
#
# `backward()` accumulates into the leaves' `.grad`. `torch.autograd.grad(outputs, inputs)` instead
# *returns* the gradients as a tuple and leaves `.grad` alone — handy when you want a derivative as
# a value (for a penalty, a check, or a plot) without disturbing training.

# %%
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
dQ_da, dQ_db = torch.autograd.grad(Q.sum(), [a, b])
print("dQ/da =", dQ_da, " dQ/db =", dQ_db)
print("a.grad is still", a.grad)

# %% [markdown]
# ## The graph is rebuilt every iteration
#
# After `backward()` the graph is gone; the next forward pass records a new one. So each iteration
# may take a different path through your Python code, use different operations, and even
# different **shapes** — here a sequence whose length changes every step, as sentences do in
# language models:

# %%
weight = torch.tensor(0.5, requires_grad=True)
for length in (2, 4, 3):
    seq = torch.arange(1.0, length + 1)          # a different length each time
    h = torch.tensor(0.0)
    for token in seq:                            # a loop over the sequence: the graph grows with it
        h = torch.tanh(weight * h + token)
    h.backward()
    print(f"length {length}: h = {h.item():.4f}   last step's tanh'(z) = 1 - h**2 = {1 - h.item() ** 2:.2e}"
          f"   d h/d weight = {weight.grad.item():.2e}")
    weight.grad = None

# %% [markdown]
# Why is $dh/d\mathrm{weight}$ so small, and smaller for the longer sequence? Each step computes
# $h = \tanh(z)$ with $z = \mathrm{weight}\cdot h_{\mathrm{prev}} + \mathrm{token}$, and
# $\tanh'(z) = 1 - \tanh^2(z) = 1 - h^2$. For length 4 the last step has
# $z = 0.5 \cdot 0.9981 + 4 \approx 4.50$, where tanh is nearly flat: $h = 0.99975$ and
# $\tanh'(z) = 1 - 0.99975^2 \approx 4.9\cdot 10^{-4}$. The chain rule multiplies everything that
# flows back through this step by that factor:
#
# $$\frac{dh}{d\,\mathrm{weight}} = \tanh'(z)\,\Big(h_{\mathrm{prev}} + \mathrm{weight}\,\frac{dh_{\mathrm{prev}}}{d\,\mathrm{weight}}\Big)
#   \approx 4.9\cdot 10^{-4} \cdot (0.9981 + 0.5 \cdot 0.0037) \approx 4.9\cdot 10^{-4}.$$
#
# The unit is **saturated**: its input is so large that its output hardly moves, so hardly any
# gradient gets through. Here the tokens grow with the length, so the longest sequence saturates
# most. In a recurrent network every step multiplies by such a factor, which is how gradients
# *vanish* over long sequences.

# %% [markdown]
# ## Summary
#
# - Autograd multiplies local derivatives along each path (chain rule), adds the paths, and **adds**
#   into `.grad`: zero gradients between steps.
# - Saved values are freed after `backward()`; `retain_graph=True` keeps them.
# - A non-scalar root needs a `gradient` $\vec v$; autograd computes $J^\top\vec v$ (a
#   vector-Jacobian product). `Q.sum().backward()` is the same as `gradient=ones`.
# - `torch.autograd.grad` returns gradients without touching `.grad`.
# - A new graph is recorded every forward pass, so control flow and shapes can change freely.
#
# **Exercises:** [ex02 · backward in depth](exercises/ex02_backward.ipynb).
