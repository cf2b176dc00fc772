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

# %% [markdown]
# ### `.detach()` is tracked: the version counter
#
# Every tensor has a **version counter**, which every in-place operation on it bumps. A backward
# node remembers the version of each tensor it saved; if the version has changed when backward runs,
# you get an error instead of a wrong answer. Who shares the counter decides what is caught:
#
# - `t.detach()` and views of `t` (`t[1:]`, `t.view(...)`) share both the memory and the counter, so
#   an in-place change through them bumps `t`'s version;
# - `t.data` shares the memory but gets a **counter of its own**: a change through it leaves `t`'s
#   version as it was. That is exactly why the wrong gradient above went unnoticed.

# %%
x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.sigmoid()
print("version of out:", out._version)
out.data.zero_()
print("after out.data.zero_():     out._version =", out._version, " (not seen)")
out.detach().zero_()
print("after out.detach().zero_(): out._version =", out._version)
try:
    out.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

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
# and memory grows with every step. What a graph holds is mostly the tensors its nodes saved for
# backward. `graph_memory` walks the graph behind a tensor and adds up the bytes of those saved
# tensors (each counted once: several nodes may save the same one):

# %%
def saved_tensors(fn):
    """The tensors backward node fn saved."""
    if hasattr(fn, "saved_tensors"):         # autograd_core lists them: {name: tensor}
        values = fn.saved_tensors().values()
    else:                                    # PyTorch shows each as an attribute _saved_<name>
        values = [getattr(fn, name) for name in dir(fn) if name.startswith("_saved_")]
    return [v for v in values if isinstance(v, torch.Tensor)]

def graph_memory(t):
    """(backward nodes reachable from t.grad_fn, bytes of the distinct tensors they saved)."""
    seen, todo, saved = set(), [t.grad_fn], {}
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        for s in saved_tensors(fn):
            saved[s.data_ptr()] = s.element_size() * s.numel()   # keyed by memory address: once each
        todo.extend(f for f, _ in fn.next_functions)
    return len(seen), sum(saved.values())

w = torch.tensor([0.5], requires_grad=True)
data = torch.linspace(0.0, 1.0, 1000)          # 1,000 float32 values: 4,000 bytes
total_tensor, total_float = 0, 0.0
for step in range(1, 31):
    loss = ((w * data - 2 * data) ** 2).mean()
    total_tensor += loss             # keeps loss's graph alive
    total_float += loss.item()       # a Python float: the graph can be freed
    if step % 10 == 0:
        nodes, nbytes = graph_memory(total_tensor)
        print(f"step {step}: total_tensor keeps {nodes:3} nodes alive, holding {nbytes / 1000:5.1f} kB"
              f" of saved tensors;  total_float is a {type(total_float).__name__}")

# %% [markdown]
# Every step adds about 4 kB: `PowBackward0` saved the step's 1,000 differences `w * data - 2 * data`
# (4,000 bytes) to differentiate the square, and `data` itself, saved by `MulBackward0`, is the same
# tensor every step and counts once. The float total holds nothing. On a real model a step's graph
# holds its activations, megabytes, so a training loop that sums tensor losses slowly fills the
# memory. **Accumulate `loss.item()`** (or `loss.detach()`) when you only want the number.

# %% [markdown]
# ## Summary
#
# - `Variable(t)` returns a plain tensor; tensors carry `grad`, `grad_fn` and `requires_grad` themselves.
# - `.data` and `.detach()` share memory and leave the graph. `.detach()` also shares the version
#   counter, so an in-place change through it makes backward **raise**; `.data` has a counter of its
#   own, so a change through it goes **unnoticed** (wrong gradients, silently). Prefer `.detach()`;
#   to numpy via `t.detach().cpu().numpy()`.
# - `loss.item()` replaces `loss.data[0]`; sum `loss.item()`, not `loss`, or every graph stays alive.
#
# **Exercises:** [ex03 · control flow, .data and .detach()](exercises/ex03_static_and_detach.ipynb), tasks 2–4.
