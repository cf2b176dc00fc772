# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '03'
#     minutes: 20
#     title: '`backward()` in depth'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 02 · `backward()` in depth
#
# For lecture 03.
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
# ## Task 1 · Accumulation
#
# The cell below calls `backward()` three times through the same graph of Example A without zeroing.
# Without running anything else, what is `w.grad` afterwards?

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
y = (w + x) * (w + 1)
for _ in range(3):
    y.backward(retain_graph=True)

# %% nbgrader={"grade_id": "ex02_task1", "solution": true}
w_grad_after_three = None
### BEGIN SOLUTION
w_grad_after_three = 15.0
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task1_check", "grade": true, "points": 1}
check("w_grad_after_three", w_grad_after_three, w.grad,
      mistakes=[(5.0, "backward() adds into .grad; it does not overwrite it.")])

# %% jupyter={"source_hidden": true}
Hints(
    "One backward gives w.grad = 5 (lecture 01).",
    "Each call adds another 5.",
)

# %% [markdown]
# ## Task 2 · A vector-Jacobian product by hand
#
# For $\vec x = (x_0, x_1) = (2, 5)$ let $\vec y = (x_0 x_1,\; x_0 + 3x_1)$. What does
# `x.grad` hold after `y.backward(gradient=torch.tensor([1.0, 2.0]))`? Write it as a list of two
# numbers.

# %% nbgrader={"grade_id": "ex02_task2", "solution": true}
x_grad = None    # [d/dx0, d/dx1]
### BEGIN SOLUTION
x_grad = [7.0, 8.0]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task2_check", "grade": true, "points": 1}
x = torch.tensor([2.0, 5.0], requires_grad=True)
y = torch.stack([x[0] * x[1], x[0] + 3 * x[1]])
y.backward(gradient=torch.tensor([1.0, 2.0]))
check("x_grad", x_grad, x.grad,
      mistakes=[([9.0, 7.0], "that is J v; autograd computes J^T v (transpose the Jacobian)."),
                ([6.0, 5.0], "you used v = [1, 1]; the gradient argument is [1, 2].")])

# %% jupyter={"source_hidden": true}
Hints(
    "The Jacobian is J = [[x1, x0], [1, 3]] = [[5, 2], [1, 3]].",
    "Autograd computes J^T v: entry j is sum_i J[i][j] * v[i].",
)

# %% [markdown]
# ## Task 3 · Write `vjp`
#
# Write `vjp(J, v)` that returns $J^\top v$ for a numpy matrix `J` (shape `(m, n)`) and vector `v`
# (shape `(m,)`). The check compares it with what autograd computes for $\vec y = J\vec x$.

# %% nbgrader={"grade_id": "ex02_task3", "solution": true}
import numpy as np

def vjp(J, v):
    """J^T v for a matrix J of shape (m, n) and a vector v of shape (m,)."""
    ### BEGIN SOLUTION
    return np.asarray(J).T @ np.asarray(v)
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task3_check", "grade": true, "points": 1}
import numpy as np

def vjp_by_autograd(J, v):
    x = torch.zeros(J.shape[1], requires_grad=True)
    y = torch.tensor(J) @ x
    y.backward(gradient=torch.tensor(v))
    return x.grad

f32 = np.float32
cases = [(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=f32), np.array([1.0, -1.0], dtype=f32)),
         (np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]], dtype=f32), np.array([2.0, 3.0], dtype=f32))]
check_function("vjp", vjp, cases, vjp_by_autograd,
               explain="Transpose J before multiplying by v.")

# %% jupyter={"source_hidden": true}
Hints(
    "numpy: `J.T` is the transpose, `@` multiplies.",
    "`return J.T @ v`",
)
