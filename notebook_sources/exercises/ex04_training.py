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
#     minutes: 25
#     title: Training
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 04 · Training
#
# For lectures 06 and 07.
#
# Write your answer where a cell says `# YOUR CODE HERE` (set the variable that is still `None`, or
# write the function's body), run that cell, then run the **check** cell below it: it prints ✓ when
# your answer is right, and otherwise one line that says what to look at. *Run ▸ Run All Cells* runs
# every check, even after one fails. **Show a hint** reveals a hint at a time. The other cells are
# read-only; add cells of your own to experiment.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.exercises import Hints, check, check_function, check_true

# %%
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend


# %% [markdown]
# ## Task 1 · One gradient-descent step
#
# Write `gd_step(w, b, x, y, lr)`: `w` and `b` are Python floats, `x`, `y` tensors. Make `w` and `b`
# leaves that require grad, compute the loss `(0.5 * (y - (w * x + b)) ** 2).mean()`, call
# `backward()`, and return the updated values `(w - lr * dL/dw, b - lr * dL/db)` as two floats.

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
def reference(w, b, x, y, lr):
    residual = y - (w * x + b)
    return w + lr * (residual * x).mean().item(), b + lr * residual.mean().item()

xs, ys = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([7.0, 9.0, 11.0])
check_function("gd_step", gd_step, [(1.0, 0.0, xs, ys, 0.05), (2.5, 1.0, xs, ys, 0.1)],
               reference, explain="Subtract lr times the gradient from each parameter.")

# %% jupyter={"source_hidden": true}
Hints(
    "`torch.tensor(w, requires_grad=True)` makes a leaf.",
    "After `loss.backward()`, the gradients are in `w.grad` and `b.grad`; use `.item()` for floats.",
)

# %% [markdown]
# ## Task 2 · Momentum by hand
#
# `optim.SGD([p], lr=0.1, momentum=0.9)` minimises $f(p) = p^2$ starting at $p = 1$. What is $p$
# after **two** steps? (Velocity $v \leftarrow 0.9\,v + g$, first step $v = g$; $p \leftarrow p - 0.1\,v$.)

# %% nbgrader={"grade_id": "ex04_task2", "solution": true}
p_after_two = None
### BEGIN SOLUTION
p_after_two = 0.46
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task2_check", "grade": true, "points": 1}
p = nn.Parameter(torch.tensor([1.0]))
opt = optim.SGD([p], lr=0.1, momentum=0.9)
for _ in range(2):
    opt.zero_grad()
    (p ** 2).sum().backward()
    opt.step()
check("p_after_two", p_after_two, p.detach().reshape(()), mistakes=[
    (0.64, "that is plain SGD; with momentum the second step uses v = 0.9 * 2 + 1.6."),
    (0.8, "that is after one step; take a second one.")])

# %% jupyter={"source_hidden": true}
Hints(
    "Step 1: g = 2p = 2, v = 2, p = 1 - 0.1 * 2 = 0.8.",
    "Step 2: g = 1.6, v = 0.9 * 2 + 1.6 = 3.4.",
)

# %% [markdown]
# ## Task 3 · Fine-tune only the last layer
#
# `model` is a small network. Freeze every parameter, replace the last layer `model[2]` with a new
# `nn.Linear(8, 3)`, and create `optimizer = optim.SGD(..., lr=0.1)` over the new layer's parameters
# only.

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
optimizer = None

# %% nbgrader={"grade_id": "ex04_task3", "solution": true}
### BEGIN SOLUTION
for p in model.parameters():
    p.requires_grad = False
model[2] = nn.Linear(8, 3)
optimizer = optim.SGD(model[2].parameters(), lr=0.1)
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex04_task3_check", "grade": true, "points": 1}
check_true("optimizer", optimizer is not None, "create the optimizer (it is still None).")
out = model(torch.rand(5, 4))
check("output shape", list(out.shape), [5, 3],
      explain="the new last layer should have 3 outputs.")
out.sum().backward()
has_grad = [p.grad is not None for p in model.parameters()]
check("which parameters get gradients", has_grad, [False, False, True, True],
      explain="only the new layer's weight and bias should get gradients: freeze the others.")
optimised = [p for group in optimizer.param_groups for p in group["params"]]
new_layer = list(model[2].parameters())
check_true("optimizer parameters",
           len(optimised) == 2 and all(any(p is q for q in new_layer) for p in optimised),
           "give the optimizer only model[2].parameters().")

# %% jupyter={"source_hidden": true}
Hints(
    "Loop over `model.parameters()` and set `requires_grad = False`.",
    "Assign `model[2] = nn.Linear(8, 3)` after freezing, so the new layer is not frozen.",
    "`optim.SGD(model[2].parameters(), lr=0.1)`",
)
