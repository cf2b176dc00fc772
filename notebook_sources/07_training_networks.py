# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 30
#     title: 'Training networks: modules, optimizers, freezing'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Training networks: modules, optimizers, freezing
#
# *About 30 minutes. Runs on `autograd_core` and on PyTorch.*
#
# Real models have thousands or millions of parameters. PyTorch organises them in **modules**
# (`torch.nn`) and updates them with **optimizers** (`torch.optim`); autograd is unchanged underneath.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend


# %% [markdown]
# ## A training step: forward, backward, step
#
# PyTorch's "60-minute blitz" trains a pretrained ResNet-18 for one step on a random image. We have
# no downloads here, so we use a small network of our own with the same interface: an input of shape
# `(1, 3, 64, 64)`, 512 features feeding a final layer `fc` with 1000 output scores (as in
# ResNet-18), random labels, and the loss `(prediction - labels).sum()`.

# %%
class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(3 * 64 * 64, 512), nn.ReLU())
        self.fc = nn.Linear(512, 1000)         # the "classifier" layer, as ResNet-18 calls it

    def forward(self, x):
        return self.fc(self.features(x))

torch.manual_seed(0)
model = SmallNet()
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

print("parameters:", [(name, tuple(p.shape)) for name, p in model.named_parameters()])
print("number of parameters:", sum(p.numel() for p in model.parameters()))

# %%
prediction = model(data)                 # forward pass
loss = (prediction - labels).sum()
loss.backward()                          # backward pass: every parameter's .grad is filled

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = model.fc.bias.detach().clone()
optimizer.step()                         # gradient descent: p -= lr * (momentum-smoothed) grad
print("prediction shape:", tuple(prediction.shape))
print("every parameter has a gradient:", all(p.grad is not None for p in model.parameters()))
print("fc.bias moved by -lr * grad:", torch.allclose(model.fc.bias.detach() - before, -1e-2 * model.fc.bias.grad))

# %% [markdown]
# The graph of that loss: each module's operations sit in a dashed box named after the module, the
# parameters are leaves, and the 6.8 million numbers hide behind a handful of nodes.

# %%
from widgets import draw

draw(loss)

# %% [markdown]
# `loss.backward()` and `optimizer.step()` are the two halves of training. Between steps,
# `optimizer.zero_grad()` resets the gradients (lecture 03: they accumulate).
#
# ## Momentum, by hand
#
# SGD with momentum keeps a **velocity** per parameter: $v \leftarrow \mu v + g$, then
# $p \leftarrow p - \mathrm{lr}\, v$ (PyTorch's convention; the first step uses $v = g$). Steps
# along a consistent direction build up speed; zig-zags cancel. Three steps on $f(p) = p^2$ from $p = 1$,
# the optimizer against the formula:

# %%
p = nn.Parameter(torch.tensor([1.0]))
opt = optim.SGD([p], lr=0.1, momentum=0.9)

mine, v = 1.0, 0.0
for step in range(1, 4):
    opt.zero_grad()
    (p ** 2).sum().backward()
    opt.step()

    g = 2 * mine                       # f'(p) at the old value
    v = 0.9 * v + g if step > 1 else g
    mine = mine - 0.1 * v
    print(f"step {step}: optimizer p = {p.item():.4f}   by hand p = {mine:.4f}")

# %% [markdown]
# ## `requires_grad` flows into modules
#
# A module's parameters are leaves with `requires_grad=True`. Data usually is not. As in lecture 02,
# a result requires grad as soon as one input does, so the network's output does, through the
# parameters:

# %%
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand(5, 5, requires_grad=True)
print("(x + y).requires_grad:", (x + y).requires_grad, "  (x + z).requires_grad:", (x + z).requires_grad)
print("data requires grad:", data.requires_grad, "  model(data) requires grad:", model(data).requires_grad)

# %% [markdown]
# ## Freezing and fine-tuning
#
# To adapt a pretrained network to a new task with 10 classes, the usual recipe is:
#
# 1. **freeze** every parameter (`requires_grad = False`): no gradients are computed for them;
# 2. **replace the classifier** with a new layer, whose fresh parameters do require grad;
# 3. give the optimizer **only the new layer's parameters**.

# %%
model.zero_grad()                         # forget the gradients of the training step above
for param in model.parameters():
    param.requires_grad = False           # 1. freeze

model.fc = nn.Linear(512, 10)             # 2. a new classifier for 10 classes
optimizer = optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)   # 3. optimise only it

out = model(data)
loss = out.sum()
loss.backward()
for name, p in model.named_parameters():
    print(f"{name:20} requires_grad={p.requires_grad!s:5}  has grad: {p.grad is not None}")
draw(loss)

# %% [markdown]
# Only the new `fc` got gradients: autograd did not even record the frozen layers' backward, because
# none of their inputs required grad — the feature extractor's output is a constant as far as the
# graph is concerned. The optimizer will update `fc` alone.
#
# ## `torch.no_grad()`
#
# The same effect for a block of code: inside `with torch.no_grad():` nothing is recorded, whatever
# `requires_grad` says. Freezing the backbone this way means running *the backbone* under `no_grad`
# and the head outside it. Take a fresh network, whose parameters all require grad:

# %%
torch.manual_seed(0)
model = SmallNet()
with torch.no_grad():
    features = model.features(data)       # the backbone: not recorded
out = model.fc(features)                  # the head: recorded, from a constant input
out.sum().backward()
print("features: requires_grad =", features.requires_grad, " grad_fn =", features.grad_fn)
for name, p in model.named_parameters():
    print(f"{name:20} requires_grad={p.requires_grad!s:5}  has grad: {p.grad is not None}")

# %% [markdown]
# Only the head got gradients, although every parameter still says `requires_grad=True`: the
# backbone's operations were never recorded, so backward stops at `features`. Unlike
# `requires_grad = False`, this freezes nothing permanently: outside the block the same layers train
# again. Wrap the **whole** model in `no_grad` and nothing at all is recorded — the output has no
# `grad_fn`, and `backward()` is impossible. That is what you want for evaluation (no graph, less
# memory), and for hand-written parameter updates:

# %%
with torch.no_grad():
    out = model(data)
print("whole model inside no_grad: requires_grad =", out.requires_grad, " grad_fn =", out.grad_fn)

w = torch.tensor([1.0, 2.0], requires_grad=True)
(w ** 2).sum().backward()
with torch.no_grad():
    w -= 0.1 * w.grad                     # an update that is not itself part of any graph
print("w after a hand-written step:", w, " still a leaf:", w.is_leaf)

# %% [markdown]
# ## Further reading
#
# Two topics the PyTorch autograd notes cover that we have only touched: **in-place operations**
# (lecture 05's version counter is their safety net) and **multithreaded autograd** (several threads
# may call `backward()` on separate graphs concurrently).
#
# ## Summary
#
# - A training step is forward, loss, `backward()`, `optimizer.step()`, `optimizer.zero_grad()`.
# - SGD with momentum: $v \leftarrow \mu v + g$, $p \leftarrow p - \mathrm{lr}\,v$.
# - Freeze with `requires_grad = False`, replace the head, optimise only the new parameters;
#   `torch.no_grad()` switches recording off for a block: run the backbone in it and the head
#   outside, and only the head gets gradients; run the whole model in it to evaluate.
#
# **Exercises:** [ex04 · training](exercises/ex04_training.ipynb), tasks 2–3.
