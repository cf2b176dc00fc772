# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 25
#     title: Variable, .data versus .detach(), and .item()
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · `Variable`, `.data` versus `.detach()`, and `.item()`
#
# *About 25 minutes. Runs on `autograd_core` and on PyTorch.*
#
# Old PyTorch code (and many blog posts) uses `Variable`, `.data` and `loss.data[0]`. This lecture
# explains what they were, what replaced them, and two traps they hide: **silently wrong gradients**
# and **memory that grows every iteration**.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %% [markdown]
# ## `Variable` is now just a `Tensor`
#
# Before PyTorch 0.4, a tensor could not take part in autograd by itself: you wrapped it in
# `torch.autograd.Variable`, which carried `.data` (the wrapped tensor), `.grad` and `.grad_fn`.
# Since 0.4 tensors do all of that themselves. `Variable(...)` still works, for old code, but simply
# returns a tensor:

# %%
Variable = torch.autograd.Variable       # in old code: from torch.autograd import Variable

v = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
print("a Tensor?", isinstance(v, torch.Tensor), "  v =", v)
print("v.data =", v.data, "  v.grad =", v.grad, "  v.grad_fn =", v.grad_fn)

# %% [markdown]
# ## `.data` and `.detach()`: the same memory, outside the graph
#
# Both give a tensor that **shares memory** with the original but is **not part of the graph**
# (`requires_grad=False`). Change one, and the other sees it:

# %%
t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
d, e = t.data, t.detach()
print("requires_grad:", d.requires_grad, e.requires_grad)
with torch.no_grad():
    t[0] = 10.0
print("after t[0] = 10:  t.data =", d, "  t.detach() =", e)

# %% [markdown]
# ### The trap: in-place changes through `.data` are invisible
#
# $\sigma(x) = 1/(1 + e^{-x})$ has derivative $\sigma(x)(1 - \sigma(x))$ — computed from the
# *output*, so `SigmoidBackward0` saves `out`. What if we modify `out` in place after the forward pass?

# %%
x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.sigmoid()
correct = out.detach() * (1 - out.detach())      # sigma' from the unmodified output
print("correct gradient:       ", correct)

out.data.zero_()          # change the saved output behind autograd's back
out.sum().backward()
print("gradient after .data.zero_():", x.grad, " <- silently wrong!")

# %% [markdown]
# No error, no warning: backward used the zeros and produced a wrong gradient. That is the danger of
# `.data`: autograd cannot see changes made through it.
#
# ### `.detach()` is tracked: the version counter
#
# Every tensor has a **version counter**, shared by all tensors that share its memory. Each in-place
# operation bumps it. A backward node remembers the version of every tensor it saved; if the version
# has changed when backward runs, you get an error instead of a wrong answer. `.detach()` shares the
# counter; `.data` does not.

# %%
x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.sigmoid()
print("version before:", out._version)
out.detach().zero_()
print("version after detach().zero_():", out._version)
try:
    out.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:95] + "...")

# %% [markdown]
# **Use `.detach()`**, not `.data`. The same goes for moving a result to numpy:
# `t.detach().cpu().numpy()` (the `.cpu()` is a no-op on the CPU, but makes the code work on a GPU too).
# Calling `.numpy()` on a tensor that requires grad is refused, with a message that says so:

# %%
t = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    t.numpy()
except RuntimeError as e:
    print("RuntimeError:", e)
print("t.detach().cpu().numpy() =", t.detach().cpu().numpy())

# %% [markdown]
# ## Reading a number: `.item()`
#
# Old code read a scalar loss as `loss.data[0]`. A scalar is now a 0-dimensional tensor, which has
# no index 0, so that line fails today. `loss.item()` returns a plain Python number:

# %%
loss = (torch.tensor([1.0, 2.0, 3.0]) ** 2).mean()
print("loss.item() =", loss.item(), " a", type(loss.item()).__name__)
try:
    loss.data[0]
except IndexError as e:
    print("loss.data[0] -> IndexError:", e)


# %% [markdown]
# ### `total += loss` keeps every graph alive
#
# Summing losses for a report looks harmless. But `loss` is a tensor *in a graph*, so `total + loss`
# is a new node whose graph contains **every previous iteration's graph**: none of them can be freed,
# and memory grows with every step. Count the nodes reachable from `total`:

# %%
def graph_size(t):
    """Number of backward nodes reachable from t.grad_fn."""
    seen, todo = set(), [t.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        todo.extend(f for f, _ in fn.next_functions)
    return len(seen)

w = torch.tensor([0.5], requires_grad=True)
data = torch.tensor([1.0, 2.0, 3.0, 4.0])
total_tensor, total_float = 0, 0.0
for step in range(1, 31):
    loss = ((w * data - 2 * data) ** 2).mean()
    total_tensor += loss             # keeps loss's graph alive
    total_float += loss.item()       # a Python float: the graph can be freed
    if step % 10 == 0:
        print(f"step {step}: nodes kept alive by total_tensor = {graph_size(total_tensor):4}   "
              f"total_float is a {type(total_float).__name__}")

# %% [markdown]
# The tensor total drags a graph that grows by the same number of nodes every step (with the saved
# tensors inside them); on a real model each of those holds activations, and a training run slowly
# fills the memory. **Accumulate `loss.item()`** (or `loss.detach()`) when you only want the number.
#
# ## Summary
#
# - `Variable(t)` returns a plain tensor; tensors carry `grad`, `grad_fn` and `requires_grad` themselves.
# - `.data` and `.detach()` share memory and leave the graph; in-place changes through `.data` are
#   **not tracked** (wrong gradients, silently), through `.detach()` they bump the version counter
#   and backward **raises**. Prefer `.detach()`; to numpy via `t.detach().cpu().numpy()`.
# - `loss.item()` replaces `loss.data[0]`; sum `loss.item()`, not `loss`, or every graph stays alive.
#
# **Exercises:** [ex03 · control flow, .data and .detach()](exercises/ex03_static_and_detach.ipynb), tasks 2–3.
