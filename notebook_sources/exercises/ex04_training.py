# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '06'
#     - '07'
#     minutes: 45
#     title: Training
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 04 · Training
#
# For lectures 06 and 07. One step of gradient descent and of momentum, then two debugging tasks:
# a training loop and a fine-tuning script, each with bugs planted in it. No error message points
# at most of them: you find them by running the code and looking at what it does. Last, you
# fine-tune a ResNet-18 yourself.
#
# Write your answer where a cell says `# YOUR CODE HERE` (set the variable that is still `None`, or
# write the function's body), run that cell, then run the **check** cell below it: it prints ✓ for
# each part that is right, and one line for each part that is not, saying what to look at.
# *Run ▸ Run All Cells* runs every check, even after one fails. **Show a hint** reveals a hint at a
# time, from a pointer to a method; none gives the answer away. The other cells are read-only; add
# cells of your own to experiment.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.exercise_checks import ex04 as checks
from widgets.exercises import Hints
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend


# %% [markdown]
# ## Task 1 · One gradient-descent step
#
# Write `gd_step(w, b, x, y, lr)`: `w` and `b` are Python floats, `x`, `y` tensors. Make `w` and `b`
# leaves that require grad, compute the loss `(0.5 * (y - (w * x + b)) ** 2).mean()`, call
# `backward()`, and return the updated values `(w - lr * dL/dw, b - lr * dL/db)` as two floats.
# The check calls it on data of its own.

# %% nbgrader={"grade_id": "ex04_task1", "solution": true}
def gd_step(w, b, x, y, lr):
    """(w, b) after one gradient-descent step on (0.5 * (y - (w * x + b)) ** 2).mean()."""
    ### BEGIN SOLUTION
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss = (0.5 * (y - (w * x + b)) ** 2).mean()
    loss.backward()
    return w.item() - lr * w.grad.item(), b.item() - lr * b.grad.item()
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task1_check", "grade": true, "points": 1}
checks.gradient_step(gd_step)

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 06 turns numbers into leaves that require grad; do that for w and b.",
    "Build the loss from those leaves, run the backward pass, and read both gradients.",
    "A descent step moves each parameter against its gradient, scaled by lr; hand back plain floats.",
)

# %% [markdown]
# ## Task 2 · Momentum by hand
#
# `optim.SGD([p], lr=0.1, momentum=0.9)` minimises $f(p) = p^2$ starting at $p = 1$. What is $p$
# after **two** steps? (Velocity $v \leftarrow 0.9\,v + g$, first step $v = g$; $p \leftarrow p - 0.1\,v$.)
# Work it out by hand and write the number.

# %% nbgrader={"grade_id": "ex04_task2", "solution": true}
p_after_two = None
### BEGIN SOLUTION
p_after_two = 0.46
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task2_check", "grade": true, "points": 1}
checks.momentum_by_hand(p_after_two)

# %% jupyter={"source_hidden": true}
Hints(
    "Step 1: the gradient of p² is 2p, taken at p = 1; the first velocity is that gradient.",
    "Step 2: take the gradient again at the new p; the velocity keeps 0.9 of the old velocity and adds "
    "the new gradient.",
    "Each step ends with p ← p − 0.1 · v: carry p, g and v through both steps in a small table.",
)

# %% [markdown]
# ## Task 3 · Debug: a training loop
#
# `train` should fit `model` (here a line, `nn.Linear(1, 1)`) to batches of points by SGD on the
# mean squared error, and return each epoch's mean loss as a plain number. The data follow
# $y = 3x + 0.5$; each batch has inputs `x` of shape `(8, 1)` and targets `y` of shape `(8,)`.
# It runs without an error, yet it has **three bugs**. Run it (the cell below the answer), look at
# what it prints, and fix `train` **in the answer cell**. The check trains a line of its own with
# your `train` and compares it with loops that have each bug.

# %%
torch.manual_seed(0)
x_all = torch.rand(32, 1) * 2 - 1
y_all = 3 * x_all[:, 0] + 0.5 + 0.1 * torch.randn(32)
batches = [(x_all[i:i + 8], y_all[i:i + 8]) for i in range(0, 32, 8)]
print("x:", tuple(batches[0][0].shape), " y:", tuple(batches[0][1].shape))


# %% nbgrader={"grade_id": "ex04_task3", "solution": true}
def train(model, batches, epochs, lr=0.1):
    """Fit model to the (x, y) batches by SGD on the mean squared error; return each epoch's mean loss."""
    optimizer = optim.SGD(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        total = 0
        for x, y in batches:
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            total += loss
        history.append(total / len(batches))
    return history


### BEGIN SOLUTION
def train(model, batches, epochs, lr=0.1):
    """Fit model to the (x, y) batches by SGD on the mean squared error; return each epoch's mean loss."""
    optimizer = optim.SGD(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        total = 0.0
        for x, y in batches:
            optimizer.zero_grad()
            loss = ((model(x).squeeze(1) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / len(batches))
    return history
### END SOLUTION


# %% tags=["backend-specific", "raises-exception"]
torch.manual_seed(1)
model = nn.Linear(1, 1)
history = train(model, batches, 12)
print("epoch losses:", [round(float(loss), 3) for loss in history])
print("history[0] is a", type(history[0]).__name__, " grad_fn:", getattr(history[0], "grad_fn", None))
print(f"fitted line: y = {model.weight.item():.3f} x + {model.bias.item():.3f}")

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task3_check", "grade": true, "points": 1}
checks.debug_training_loop(train)

# %% jupyter={"source_hidden": true}
Hints(
    "Look at the printout: does the loss fall steadily, does the line end near y = 3x + 0.5, and what "
    "does history hold?",
    "Three places to look, one per lecture: what .grad holds at the second step (03), the shapes that "
    "meet in model(x) - y (broadcasting), and what total is after an epoch (05).",
    "Print shapes and a parameter's .grad inside the loop for one epoch; each bug shows itself there "
    "or in what train returns.",
)


# %% [markdown]
# ## Task 4 · Debug: fine-tuning
#
# `pretrained()` stands in for a pretrained network (4 inputs, 8 features, 2 classes). `finetune`
# should adapt it to 3 classes the way lecture 07 does: **freeze** the pretrained layers, **replace**
# the last layer `model[2]` by a new `nn.Linear(8, 3)`, and train **only** that layer; it returns
# the optimizer. It has **two bugs**. Run it, read what the cell below the answer prints, and fix
# `finetune` **in the answer cell**. (Careful: one natural fix of one bug plants another.)

# %%
def pretrained():
    """A small network standing in for a pretrained one: 4 inputs, 8 features, 2 classes."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


class_batches = [(torch.rand(16, 4), torch.randint(0, 3, (16,))) for _ in range(5)]


# %% nbgrader={"grade_id": "ex04_task4", "solution": true}
def finetune(model, batches, lr=0.1):
    """Freeze model, replace model[2] by a new nn.Linear(8, 3) and train only it; return the optimizer."""
    optimizer = optim.SGD(model.parameters(), lr=lr)
    model.requires_grad = False          # freeze the pretrained layers
    model[2] = nn.Linear(8, 3)           # a new head for 3 classes
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return optimizer


### BEGIN SOLUTION
def finetune(model, batches, lr=0.1):
    """Freeze model, replace model[2] by a new nn.Linear(8, 3) and train only it; return the optimizer."""
    model.requires_grad_(False)
    model[2] = nn.Linear(8, 3)
    optimizer = optim.SGD(model[2].parameters(), lr=lr)
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return optimizer
### END SOLUTION


# %% tags=["raises-exception"]
model = pretrained()
features_before = model[0].weight.detach().clone()
optimizer = finetune(model, class_batches)
in_optimizer = [p for group in optimizer.param_groups for p in group["params"]]
for name, p in model.named_parameters():
    print(f"{name:9} requires_grad={p.requires_grad!s:5}  has .grad: {p.grad is not None!s:5}  "
          f"in the optimizer: {any(p is q for q in in_optimizer)}")
print("the pretrained layer changed:", bool((model[0].weight.detach() != features_before).any()))

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task4_check", "grade": true, "points": 1}
checks.debug_finetune(finetune)

# %% jupyter={"source_hidden": true}
Hints(
    "Read the printout row by row: which parameters should require grad, have a .grad and sit in the "
    "optimizer after fine-tuning, and which do?",
    "Two questions: does setting an attribute on the module reach its parameters (lecture 07 freezes "
    "them one way; nn.Module has a method for it too), and which parameters did model.parameters() "
    "return at the moment the optimizer was created?",
    "Order matters twice: the optimizer holds what existed when it was made, and freezing affects "
    "what exists when you freeze.",
)

# %% [markdown]
# ## Task 5 · Fine-tune resnet18
#
# Lecture 07's recipe, written by you: `finetune(model, num_classes)` gets a `resnet18()` and the
# number of classes of a new task. It should **freeze** every parameter of the network, **replace**
# its classifier `model.fc` by a new `nn.Linear` that maps the backbone's features to
# `num_classes` scores, and **return** an `optim.SGD` optimizer (`lr=0.01`, `momentum=0.9`) that
# will train the new layer. The check calls it on a network and a class count of its own, then runs
# a training step with your optimizer and looks at what moved.

# %%
from widgets.torch_switch import torchvision   # torchvision, or autograd_core's own (autograd_core.vision)

resnet18 = torchvision.models.resnet18


# %% nbgrader={"grade_id": "ex04_task5", "solution": true}
def finetune(model, num_classes):
    """Freeze model, replace model.fc by a new layer for num_classes classes; return its optimizer."""
    ### BEGIN SOLUTION
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
    ### END SOLUTION


# %% tags=["raises-exception"]
torch.manual_seed(0)
model = resnet18()
optimizer = finetune(model, 4)
print("fc:", model.fc)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]
print(f"{len(trainable)} of {len(list(model.parameters()))} parameter tensors require grad:",
      ", ".join(trainable[:3]) + (", ..." if len(trainable) > 3 else ""))

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task5_check", "grade": true, "points": 1}
checks.finetune_resnet18(finetune)

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 07, \"Freezing and fine-tuning\": three steps, and the section after it says why their "
    "order matters.",
    "How many features reach fc? The old fc knows: print(model.fc) before you replace it.",
    "Every parameter gets requires_grad = False first; the layer you make afterwards is fresh, so it "
    "requires grad; an optimizer made last can hold it.",
)
