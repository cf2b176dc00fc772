# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '04'
#     - '05'
#     minutes: 30
#     title: Control flow, `.data` and `.detach()`
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 03 · Control flow, `.data` and `.detach()`
#
# For lectures 04 and 05. Branches in dynamic and static graphs, what `.data` and `.detach()` cut,
# and your first debugging task: old code that fails today and leaks memory.
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
from widgets.exercise_checks import ex03 as checks
from widgets.exercises import Hints


# %% [markdown]
# ## Task 1 · Control flow in a dynamic graph
#
# Write `branchy(a, b)` for 0-d tensors `a` and `b`: if `a` is positive, `x = a * b`, otherwise
# `x = a + b`; return `x * x`. Decide with a plain Python `if` on `a.item()`. The check calls it
# with leaves of its own and runs `backward()` through the result.

# %% nbgrader={"grade_id": "ex03_task1", "solution": true}
def branchy(a, b):
    """x * x, where x = a * b if a is positive, else a + b."""
    ### BEGIN SOLUTION
    if a.item() > 0:
        x = a * b
    else:
        x = a + b
    return x * x
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task1_check", "grade": true, "points": 1}
checks.control_flow(branchy)

# %% jupyter={"source_hidden": true}
Hints(
    "Read a's number with a.item() and branch on it with a Python if.",
    "Inside each branch compute with the tensors a and b themselves, so that the graph records the "
    "operation (a plain number has no grad_fn).",
    "Which branch should a = 0 take? Check what 'positive' means before you write the comparison.",
)

# %% [markdown]
# ## Task 2 · `.data` or `.detach()`?
#
# `out = x.exp()` saves `out` for backward. We then zero `out` in place, once through `out.data` and
# once through `out.detach()`, and call `out.sum().backward()`. For each, does backward **raise an
# error** (`True`) or **silently return a wrong gradient** (`False`)?

# %% nbgrader={"grade_id": "ex03_task2", "solution": true}
data_raises = None      # True or False
detach_raises = None    # True or False
### BEGIN SOLUTION
data_raises = False
detach_raises = True
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task2_check", "grade": true, "points": 1}
checks.data_or_detach(data_raises, detach_raises)

# %% jupyter={"source_hidden": true}
Hints(
    "Both share memory with out. Which of the two also shares out's version counter?",
    "Lecture 05: backward compares the version each saved tensor had when it was saved with its "
    "version now.",
    "An in-place change that the counter does not see leaves backward nothing to notice.",
)

# %% [markdown]
# ## Task 3 · Stopping a gradient
#
# `detach()` is how you tell autograd "treat this as a constant". Predict, by hand, what `x.grad`
# holds at the two marked points:
#
# ```python
# x = torch.arange(4.0, requires_grad=True)     # [0., 1., 2., 3.]
# y = x * x
# u = y.detach()
# z = u * x
# z.sum().backward()
# # (1) x.grad here?
# x.grad.zero_()
# y.sum().backward()
# # (2) x.grad here?
# ```
#
# Write each as a list of four numbers.

# %% nbgrader={"grade_id": "ex03_task3", "solution": true}
x_grad_z = None   # x.grad at (1)
x_grad_y = None   # x.grad at (2)
### BEGIN SOLUTION
x_grad_z = [0.0, 1.0, 4.0, 9.0]
x_grad_y = [0.0, 2.0, 4.0, 6.0]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task3_check", "grade": true, "points": 1}
checks.stop_gradient(x_grad_z, x_grad_y)

# %% jupyter={"source_hidden": true}
Hints(
    "u = y.detach() has y's values but no grad_fn: to backward it is a constant, like a number you typed.",
    "With u a constant, z = u · x is linear in x: what is dz_i/dx_i for each entry?",
    "detach() makes a new tensor and leaves y alone: y.sum().backward() still runs through y = x · x.",
)


# %% [markdown]
# ## Task 4 · Debug: a loss report from 2017
#
# This function was written for PyTorch 0.3, where a loss was a one-element tensor. Run the cell
# below it: today it fails, and even once it runs it has a second bug, one that no error reveals —
# it keeps every batch's graph alive while it adds up the losses (lecture 05). Fix both **in the
# answer cell** (it should return the mean as a plain number, without a graph). The check runs your
# fixed function on batches of its own and looks at what it holds when it returns.

# %% nbgrader={"grade_id": "ex03_task4", "solution": true}
def mean_loss(w, batches):
    """The mean over the (xb, yb) batches of ((w * xb - yb) ** 2).mean(), as a plain number."""
    total = 0
    for xb, yb in batches:
        loss = ((w * xb - yb) ** 2).mean()
        total += loss
    return total.data[0] / len(batches)


### BEGIN SOLUTION
def mean_loss(w, batches):
    """The mean over the (xb, yb) batches of ((w * xb - yb) ** 2).mean(), as a plain number."""
    total = 0.0
    for xb, yb in batches:
        loss = ((w * xb - yb) ** 2).mean()
        total += loss.item()
    return total / len(batches)
### END SOLUTION


# %% tags=["raises-exception"]
w = torch.tensor(1.5, requires_grad=True)
batches = [(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0])),
           (torch.tensor([3.0]), torch.tensor([5.0]))]
print("mean loss:", mean_loss(w, batches))

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task4_check", "grade": true, "points": 1}
checks.debug_mean_loss(mean_loss)

# %% jupyter={"source_hidden": true}
Hints(
    "Read the error of the cell that runs it: what shape does a loss have today, and how does lecture "
    "05 read its number?",
    "Once it runs, ask what total is after the loop when you add the loss tensors themselves: a "
    "number, or a tensor with a grad_fn whose graph reaches every batch?",
    "Add up numbers, not tensors, and divide at the end: nothing returned or kept should carry a grad_fn.",
)

# %% [markdown]
# ## Task 5 · The same branch in a static graph
#
# Build `branchy` from task 1 as a **define-then-run** graph with `autograd_core.static` (TensorFlow
# 1.x style; it does not depend on the torch switch): `y` should be `x * x` where `x` is `a * b`
# when `a` is positive and `a + b` otherwise. A Python `if` cannot work here — `a` has no value
# while the graph is built. The check runs your graph in a session at several points and compares
# `y` and its gradients with the dynamic engine.

# %%
import autograd_core.static as tf

tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
y = None

# %% nbgrader={"grade_id": "ex03_task5", "solution": true}
### BEGIN SOLUTION
x = tf.cond(a > 0, lambda: a * b, lambda: a + b)
y = x * x
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task5_check", "grade": true, "points": 1}
checks.static_branch(y, a, b)

# %% jupyter={"source_hidden": true}
Hints(
    "The choice between the branches has to be a node of the graph itself; lecture 04 shows the op "
    "that makes one.",
    "tf.cond(pred, true_fn, false_fn): pred is a graph node, and each branch is a function without "
    "arguments that builds that branch (a lambda).",
    "Build the predicate from the placeholder with a comparison, choose between the two branches, "
    "then square the result.",
)
