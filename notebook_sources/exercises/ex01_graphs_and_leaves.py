# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '01'
#     - '02'
#     minutes: 20
#     title: Graphs, leaves and `grad_fn`
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 01 · Graphs, leaves and `grad_fn`
#
# For lectures 01 and 02. The first of seven exercise sets; they get harder as they go.
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
from widgets.exercise_checks import ex01 as checks
from widgets.exercises import Hints

# %% [markdown]
# ## Task 1 · Example B by hand
#
# $m = 2$, $n = 3$, $a = m + n$, $b = m - n$, $y = a \cdot b$. Work out $\partial y/\partial m$ and
# $\partial y/\partial n$ **by hand** (no code: the check wants the numbers you wrote, not a tensor)
# and write them below.

# %% nbgrader={"grade_id": "ex01_task1", "solution": true}
m_grad = None   # dy/dm
n_grad = None   # dy/dn
### BEGIN SOLUTION
m_grad = 4.0
n_grad = -6.0
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task1_check", "grade": true, "points": 1}
checks.example_b_by_hand(m_grad, n_grad)

# %% jupyter={"source_hidden": true}
Hints(
    "Draw the graph: m and n each reach y along two paths, one through a and one through b.",
    "Add the paths up (chain rule): dy/dm = dy/da · da/dm + dy/db · db/dm, and the same for n.",
    "For a product y = a · b, dy/da is the other factor, b. Here a = 5 and b = -1; which of the local "
    "derivatives of a = m + n and b = m - n is -1?",
)

# %% [markdown]
# ## Task 2 · Predict the gradients
#
# With $a = 2$, $b = 3$, $c = 4$ and $z = a\,b + b\,c$, what are $\partial z/\partial a$,
# $\partial z/\partial b$ and $\partial z/\partial c$? Write them as a list of numbers
# `[dz_da, dz_db, dz_dc]`.

# %% nbgrader={"grade_id": "ex01_task2", "solution": true}
z_grads = None   # [dz/da, dz/db, dz/dc]
### BEGIN SOLUTION
z_grads = [3.0, 6.0, 3.0]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task2_check", "grade": true, "points": 1}
checks.predict_gradients(z_grads)

# %% jupyter={"source_hidden": true}
Hints(
    "A product's gradient with respect to one factor is the other factor.",
    "Count the paths from each input to z: a gradient collects one term per path, and they add up.",
)

# %% [markdown]
# ## Task 3 · Leaves and `grad_fn`
#
# In Example A (`w = 1`, `x = 2` with `requires_grad=True`; `a = w + x`; `b = w + 1`; `y = a * b`):
#
# - `leaf_flags`: the values of `is_leaf` for `[w, x, a, b, y]`, as a list of `True`/`False`;
# - `y_grad_fn_name`: the string `y.grad_fn.name()` returns.

# %% nbgrader={"grade_id": "ex01_task3", "solution": true}
leaf_flags = None       # [w, x, a, b, y]
y_grad_fn_name = None   # a string
### BEGIN SOLUTION
leaf_flags = [True, True, False, False, False]
y_grad_fn_name = "MulBackward0"
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task3_check", "grade": true, "points": 1}
checks.leaves_and_grad_fn(leaf_flags, y_grad_fn_name)

# %% jupyter={"source_hidden": true}
Hints(
    "A leaf is a tensor that no recorded operation produced, whatever its requires_grad.",
    "grad_fn names the operation that made the tensor itself: which operation made y? Lecture 02 "
    "prints a few of these names; they follow one pattern.",
)


# %% [markdown]
# ## Task 4 · Keep an intermediate gradient
#
# Complete `grad_of_b(w, x)`: from the leaves `w` and `x` it is given, build Example A
# (`a = w + x`, `b = w + 1`, `y = a * b`), make sure `b` keeps its gradient through `backward()`,
# call `y.backward()` and return `b.grad`. The check calls it with leaves of its own.

# %% nbgrader={"grade_id": "ex01_task4", "solution": true}
def grad_of_b(w, x):
    """dy/db of Example A built from the leaves w and x, read from b.grad after y.backward()."""
    ### BEGIN SOLUTION
    a = w + x
    b = w + 1
    b.retain_grad()
    y = a * b
    y.backward()
    return b.grad
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task4_check", "grade": true, "points": 1}
checks.keep_interior_gradient(grad_of_b)

# %% jupyter={"source_hidden": true}
Hints(
    "After backward() only leaves keep .grad; b = w + 1 is not a leaf.",
    "Lecture 02 shows how to ask autograd to keep an interior node's gradient. When must that request "
    "be made: before or after backward() runs?",
    "Order of work: build a and b, make the request for b, build y, run the backward pass, return "
    "what b now holds.",
)
