# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: lecture
#     minutes: 35
#     title: 'Training networks: modules, optimizers, freezing'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Training networks: modules, optimizers, freezing
#
# *About 35 minutes. Runs on `autograd_core` and on PyTorch (with torchvision).*
#
# Real models have millions of parameters. PyTorch organises them in **modules** (`torch.nn`) and
# updates them with **optimizers** (`torch.optim`); autograd is unchanged underneath. This lecture
# follows the last part of PyTorch's "60-minute blitz" on autograd: one training step of a
# ResNet-18, then fine-tuning it for a new task by **freezing** it and **replacing its classifier**.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend
from widgets.torch_switch import torchvision  # torchvision, or autograd_core's own (autograd_core.vision)

resnet18 = torchvision.models.resnet18

# %% [markdown]
# ## ResNet-18
#
# The tutorial loads a ResNet-18 pretrained on ImageNet, `resnet18(weights=ResNet18_Weights.DEFAULT)`.
# Nothing is downloaded here, so we build the same network with random weights, `resnet18()`:
# the same modules, the same 11.7 million parameters, only their values differ. (On the torch
# backend this is torchvision's own `resnet18`; on `autograd_core` its copy,
# `autograd_core.vision.models.resnet18`, which has the same modules under the same names.)

# %%
torch.manual_seed(0)
model = resnet18()
print("parameters:", f"{sum(p.numel() for p in model.parameters()):,}")
for name, child in model.named_children():
    count = sum(p.numel() for p in child.parameters())
    print(f"  {name:8} {type(child).__name__:17} {count:>10,} parameters")

# %% [markdown]
# A convolution (`conv1`), a batch normalisation, four **layers** of two residual blocks each
# (`layer1` to `layer4`: each block adds its input to what its two convolutions make of it), an
# average over the picture, and the classifier `fc`: 512 features in, 1000 class scores out.

# %% [markdown]
# ## A training step: forward, backward, step
#
# The tutorial's program, as it writes it: a random image of shape `(1, 3, 64, 64)`, random labels,
# and the loss `(prediction - labels).sum()`.

# %%
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)                 # forward pass
loss = (prediction - labels).sum()
loss.backward()                          # backward pass: every parameter's .grad is filled

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = model.fc.bias.detach().clone()
optimizer.step()                         # gradient descent: p -= lr * (momentum-smoothed) grad
print("prediction:", tuple(prediction.shape), " loss grad_fn:", type(loss.grad_fn).__name__)
print("every parameter has a gradient:", all(p.grad is not None for p in model.parameters()))
print("fc.bias moved by -lr * grad:", torch.allclose(model.fc.bias.detach() - before, -1e-2 * model.fc.bias.grad))

# %% [markdown]
# ### The graph, one node per block
#
# That loss has a graph of about two hundred nodes: too many to read. Two options of `draw` make it
# readable: `view="function"` draws what backward runs (the `grad_fn` nodes, lecture 02), and
# `collapse=2` draws each module two levels below the model (`model.layer1.0`, a residual block)
# as one node, with how many nodes it stands for. The network becomes a chain: `conv1` to
# `maxpool`, the eight residual blocks, `avgpool` and `fc`.
# Each edge marked ×2 is a tensor that enters a block twice: once into the block's convolutions,
# once around them (through a 1×1 convolution where the block changes the shape), to an
# `AddBackward0` at the block's end that adds the two. In the backward pass that node hands the
# **same** gradient to both ways: the way around reaches the earlier layers without passing through
# the block's convolutions, which is why a network this deep still trains.

# %%
from widgets import draw

draw(loss, view="function", collapse=2)

# %% [markdown]
# ### A residual block, step by step
#
# The same idea at a size the stepper can show: numbers in place of images, and a product in place
# of each convolution, `out = relu(x + w2 * relu(w1 * x))`. Its `w1` makes the block's ReLU output
# zero, a "dead" block, which passes back no gradient. Step to `AddBackward0` (step 10): it hands
# the gradient it receives, 1, unchanged to **both** `x` and `w2 * h`. The block's path then passes
# back 0, and `x.grad` still ends at 1: through the way around.
#
# (The stepper replays `autograd_core`'s recorder, so this one cell uses `autograd_core` whichever
# backend the lecture runs on.)

# %%
from widgets.stepper import GraphStepper
from widgets.torch_switch import load

engine = load("autograd_core")


def residual_block():
    x = engine.tensor(1.0, requires_grad=True)
    w1 = engine.tensor(-0.5, requires_grad=True)
    w2 = engine.tensor(2.0, requires_grad=True)
    h = (w1 * x).relu()                  # the block: w1 * x is negative, so its ReLU gives 0
    out = (x + w2 * h).relu()            # ...and the way around it, x itself, added back
    out.backward()


GraphStepper(residual_block)

# %% [markdown]
# `loss.backward()` and `optimizer.step()` are the two halves of training. Between steps,
# `optimizer.zero_grad()` resets the gradients (lecture 03: they accumulate).

# %% [markdown]
# ## Momentum, by hand
#
# SGD with momentum keeps a **velocity** per parameter: $v \leftarrow \mu v + g$, then
# $p \leftarrow p - \mathrm{lr}\, v$ (PyTorch's convention; the first step uses $v = g$). Steps
# along a consistent direction build up speed; zig-zags cancel. Three steps on $f(p) = p^2$ from $p = 1$
# with $\mathrm{lr} = 0.05$ and $\mu = 0.9$, the optimizer against the formula:

# %%
p = nn.Parameter(torch.tensor([1.0]))
opt = optim.SGD([p], lr=0.05, momentum=0.9)

mine, v = 1.0, 0.0
for step in range(1, 4):
    opt.zero_grad()
    (p ** 2).sum().backward()
    opt.step()

    g = 2 * mine                       # f'(p) at the old value
    v = 0.9 * v + g if step > 1 else g
    mine = mine - 0.05 * v
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
# To adapt the pretrained network to a new task with 10 classes, the tutorial:
#
# 1. **freezes** every parameter (`requires_grad = False`): no gradients are computed for them;
# 2. **replaces the classifier** `fc` with a new layer, whose fresh parameters do require grad;
# 3. gives the optimizer the parameters to update.

# %%
model = resnet18()
for param in model.parameters():
    param.requires_grad = False           # 1. freeze

model.fc = nn.Linear(512, 10)             # 2. a new classifier for 10 classes
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)   # 3. as the tutorial does

loss = (model(data) - torch.rand(1, 10)).sum()
loss.backward(retain_graph=True)  # (retain_graph: the picture below shows the values the graph saved)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]
print("requires grad:", trainable, " frozen tensors:", sum(not p.requires_grad for p in model.parameters()))
print("have a .grad: ", [name for name, p in model.named_parameters() if p.grad is not None])
draw(loss)

# %% [markdown]
# Only the new `fc` got gradients, and its graph is all there is: autograd did not even record the
# frozen layers' operations, because none of their inputs required grad — the 512 features reach
# `fc` as a constant. The optimizer holds every parameter (the tutorial's choice), but SGD skips
# a parameter whose `.grad` is `None`: only `fc` moves. Giving it `model.fc.parameters()` alone says
# the same more plainly.

# %% [markdown]
# ### Order matters
#
# Freeze first, then replace. The other order freezes the new classifier too: nothing requires
# grad any more, there is no graph, and `backward()` has nothing to run.

# %%
model = resnet18()
model.fc = nn.Linear(512, 10)             # replaced first...
for param in model.parameters():
    param.requires_grad = False           # ...then frozen: the new fc as well
loss = (model(data) - torch.rand(1, 10)).sum()
print("loss.requires_grad:", loss.requires_grad, " grad_fn:", loss.grad_fn)
try:
    loss.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# %% [markdown]
# ## `torch.no_grad()`
#
# The same effect for a block of code: inside `with torch.no_grad():` nothing is recorded, whatever
# `requires_grad` says. Freezing the backbone this way means running *the backbone* under `no_grad`
# and the head outside it. Take a fresh network, whose parameters all require grad; its backbone is
# every module but `fc` (`ResNet.forward` flattens the features before `fc`):

# %%
model = resnet18()
backbone = nn.Sequential(*list(model.children())[:-1])     # conv1 ... avgpool: all but fc
with torch.no_grad():
    features = torch.flatten(backbone(data), 1)            # the backbone: not recorded
out = model.fc(features)                                   # the head: recorded, from a constant input
out.sum().backward()
print("features:", tuple(features.shape), " requires_grad =", features.requires_grad, " grad_fn =", features.grad_fn)
print("requires grad:", sum(p.requires_grad for p in model.parameters()), "of", len(list(model.parameters())),
      "tensors;  have a .grad:", [name for name, p in model.named_parameters() if p.grad is not None])

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

# %% [markdown]
# ## Summary
#
# - A training step is forward, loss, `backward()`, `optimizer.step()`, `optimizer.zero_grad()`.
# - SGD with momentum: $v \leftarrow \mu v + g$, $p \leftarrow p - \mathrm{lr}\,v$.
# - A big graph reads best one node per module (`draw(loss, view="function", collapse=2)`); a
#   residual block's `AddBackward0` passes the gradient around the block's convolutions as well.
# - Fine-tuning: freeze with `requires_grad = False`, **then** replace the head; only the new
#   parameters get gradients and only they move. `torch.no_grad()` switches recording off for a
#   block: run the backbone in it and the head outside, and only the head gets gradients; run the
#   whole model in it to evaluate.
#
# **Exercises:** [ex04 · training](exercises/ex04_training.ipynb), tasks 2–5.
