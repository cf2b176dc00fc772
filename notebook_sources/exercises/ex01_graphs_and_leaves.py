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
# For lectures 01 and 02.
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

# %% [markdown]
# ## Task 1 · Example B by hand
#
# $m = 2$, $n = 3$, $a = m + n$, $b = m - n$, $y = a \cdot b$. Work out $\partial y/\partial m$ and
# $\partial y/\partial n$ **by hand** (no code) and write the numbers below.

# %% nbgrader={"grade_id": "ex01_task1", "solution": true}
m_grad = None   # dy/dm
n_grad = None   # dy/dn
### BEGIN SOLUTION
m_grad = 4.0
n_grad = -6.0
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task1_check", "grade": true, "points": 1}
m = torch.tensor(2.0, requires_grad=True)
n = torch.tensor(3.0, requires_grad=True)
y = (m + n) * (m - n)
y.backward()
check("m_grad", m_grad, m.grad, mistakes=[
    (5.0, "that is a = m + n only; y = a * b, so dy/dm = b * da/dm + a * db/dm."),
    (-1.0, "that is only the path through a; m reaches y through b as well.")])
check("n_grad", n_grad, n.grad, mistakes=[
    (4.0, "the subtraction b = m - n has local derivative -1 for n."),
    (6.0, "check the sign: b = m - n has derivative -1 for n.")])

# %% jupyter={"source_hidden": true}
Hints(
    "Use the chain rule along every path: dy/dm = dy/da * da/dm + dy/db * db/dm.",
    "dy/da = b = -1 and dy/db = a = 5.",
    "da/dm = 1, db/dm = 1, da/dn = 1, db/dn = -1.",
)

# %% [markdown]
# ## Task 2 · Predict the gradients
#
# With $a = 2$, $b = 3$, $c = 4$ and $z = a\,b + b\,c$, what are $\partial z/\partial a$,
# $\partial z/\partial b$ and $\partial z/\partial c$? Write them as a list `[dz_da, dz_db, dz_dc]`.

# %% nbgrader={"grade_id": "ex01_task2", "solution": true}
z_grads = None   # [dz/da, dz/db, dz/dc]
### BEGIN SOLUTION
z_grads = [3.0, 6.0, 3.0]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task2_check", "grade": true, "points": 1}
a, b, c = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
(a * b + b * c).backward()
check("z_grads", z_grads, [a.grad, b.grad, c.grad],
      mistakes=[([3.0, 2.0, 3.0], "b is used twice; its two contributions (a and c) add up."),
                ([3.0, 4.0, 3.0], "b is used twice; its two contributions (a and c) add up.")])

# %% jupyter={"source_hidden": true}
Hints(
    "A product's gradient with respect to one factor is the other factor.",
    "b appears in two products: the gradients from both paths are added.",
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
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b
check("leaf_flags", leaf_flags, [t.is_leaf for t in (w, x, a, b, y)], mistakes=[
    ([True, True, False, False, True], "y was computed by an operation, so it is not a leaf.")])
check("y_grad_fn_name", y_grad_fn_name, y.grad_fn.name(),
      explain="It is the operation's name, 'Backward' and a number, e.g. 'AddBackward0'.")

# %% jupyter={"source_hidden": true}
Hints(
    "A leaf is a tensor no recorded operation produced.",
    "y = a * b: the operation is a multiplication, 'Mul'.",
)


# %% [markdown]
# ## Task 4 · Keep an intermediate gradient
#
# Complete `grad_of_b()`: build Example A, make sure `b` keeps its gradient through `backward()`,
# call `y.backward()` and return `b.grad`.

# %% nbgrader={"grade_id": "ex01_task4", "solution": true}
def grad_of_b():
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    ### BEGIN SOLUTION
    a = w + x
    b = w + 1
    b.retain_grad()
    y = a * b
    y.backward()
    return b.grad
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex01_task4_check", "grade": true, "points": 1}
w = torch.tensor(1.0, requires_grad=True)
a, b = w + 2.0, w + 1
b.retain_grad()
(a * b).backward()
check_function("grad_of_b", grad_of_b, [()], lambda: b.grad,
               explain="b.grad should be dy/db = a. Call b.retain_grad() before y.backward().")

# %% jupyter={"source_hidden": true}
Hints(
    "Non-leaf gradients are freed unless you ask to keep them.",
    "Call `b.retain_grad()` after computing b and before `y.backward()`.",
)
