# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '03'
#     minutes: 25
#     title: '`backward()` in depth'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 02 · `backward()` in depth
#
# For lecture 03. Predict what `backward()` does, explain a gradient that is almost zero, and write
# a backward rule of your own.
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
from widgets.exercise_checks import ex02 as checks
from widgets.exercises import Hints

# %% [markdown]
# ## Task 1 · Accumulation
#
# Predict, without running it, what this code leaves in `w.grad` and `x.grad` (Example A, three
# backward passes through the same graph, never zeroed):
#
# ```python
# w = torch.tensor(1.0, requires_grad=True)
# x = torch.tensor(2.0, requires_grad=True)
# y = (w + x) * (w + 1)
# for _ in range(3):
#     y.backward(retain_graph=True)
# ```
#
# And if the loop called `y.backward()` **without** `retain_graph=True`: would the second call raise
# an error (`True`) or not (`False`)?

# %% nbgrader={"grade_id": "ex02_task1", "solution": true}
w_grad_after_three = None       # a number
x_grad_after_three = None       # a number
second_backward_raises = None   # True or False
### BEGIN SOLUTION
w_grad_after_three = 15.0
x_grad_after_three = 6.0
second_backward_raises = True
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task1_check", "grade": true, "points": 1}
checks.accumulation(w_grad_after_three, x_grad_after_three, second_backward_raises)

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 03, 'Gradients accumulate': what does backward() do with a .grad that already holds a number?",
    "Work out one backward pass's w.grad and x.grad first (Example A, lecture 01), then apply what "
    "happens on each further pass.",
    "retain_graph=True keeps what the graph saved for backward. Without it, what is left of the "
    "graph for the second call to use?",
)

# %% [markdown]
# ## Task 2 · A vector-Jacobian product by hand
#
# For $\vec x = (x_0, x_1) = (2, 5)$ let $\vec y = (x_0 x_1,\; x_0 + 3x_1)$. What does
# `x.grad` hold after `y.backward(gradient=torch.tensor([1.0, 2.0]))`? Write it as a list of two
# numbers, worked out by hand.

# %% nbgrader={"grade_id": "ex02_task2", "solution": true}
x_grad = None    # [d/dx0, d/dx1]
### BEGIN SOLUTION
x_grad = [7.0, 8.0]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task2_check", "grade": true, "points": 1}
checks.vjp_by_hand(x_grad)

# %% jupyter={"source_hidden": true}
Hints(
    "Write down the Jacobian J: row i holds the derivatives of y_i with respect to x_0 and x_1.",
    "backward(gradient=v) computes the vector-Jacobian product J^T v: entry j is the sum over i of "
    "J[i][j] · v[i].",
    "Evaluate J at x = (2, 5) first; then weight row 0 by v[0] and row 1 by v[1], and add the rows.",
)

# %% [markdown]
# ## Task 3 · Why is this gradient almost zero?
#
# A single $\tanh$ unit, $h = \tanh(z)$ with $z = w\,x$, at $w = 4.5$ and $x = 1$:

# %%
w = torch.tensor(4.5, requires_grad=True)
x = torch.tensor(1.0)
z = w * x
h = torch.tanh(z)
h.backward()
print(f"h = {h.item():.5f}   dh/dw = {w.grad.item():.4f}")

# %% [markdown]
# A change of $w$ barely moves $h$: $\partial h/\partial w \approx 0.0005$. By the chain rule
# $\partial h/\partial w = \partial h/\partial z \cdot \partial z/\partial w$.
#
# - `small_factor`: which of the two factors is the tiny one, the string `"dh/dz"` or `"dz/dw"`?
# - `dh_dw(w, x)`: write $\partial h/\partial w$ for plain Python floats with the chain rule and
#   `math.tanh` (no tensors: the check runs your function with autograd switched off, on inputs of
#   its own, and compares with autograd).

# %% nbgrader={"grade_id": "ex02_task3_factor", "solution": true}
small_factor = None   # "dh/dz" or "dz/dw"
### BEGIN SOLUTION
small_factor = "dh/dz"
### END SOLUTION

# %% nbgrader={"grade_id": "ex02_task3_dh_dw", "solution": true}
import math


def dh_dw(w, x):
    """dh/dw for h = tanh(w * x), from the chain rule, for Python floats w and x."""
    ### BEGIN SOLUTION
    z = w * x
    return (1 - math.tanh(z) ** 2) * x
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task3_check", "grade": true, "points": 1}
checks.saturation(small_factor, dh_dw)

# %% jupyter={"source_hidden": true}
Hints(
    "Compute both factors at w = 4.5, x = 1: dz/dw for z = w · x, and dh/dz for h = tanh(z).",
    "The derivative of tanh is written with tanh itself: tanh'(z) = 1 - tanh(z)². What is it when "
    "tanh(z) is close to 1, as h is here?",
    "In dh_dw, compute z first, then each of the two factors with math.tanh, and multiply them.",
)

# %% [markdown]
# ## Task 4 · Write a backward rule
#
# Every operation in the engine has a **backward rule**: given $\partial L/\partial\,\mathrm{out}$
# (`grad_out`) it returns $\partial L/\partial$ input for each input. Write the rule of
#
# $$\mathrm{out} = a \cdot \sin(b) \qquad \text{(elementwise; } a \text{ and } b \text{ have the same shape)}$$
#
# as `mul_sin_backward(grad_out, a, b)`: it gets numpy arrays of one shape and returns the tuple
# `(grad_a, grad_b)` of numpy arrays of that shape. The check compares it with autograd on random
# inputs of several shapes, with autograd switched off while your function runs: write the math
# with numpy.

# %% nbgrader={"grade_id": "ex02_task4", "solution": true}
import numpy as np


def mul_sin_backward(grad_out, a, b):
    """(dL/da, dL/db) for out = a * sin(b), given grad_out = dL/dout (numpy arrays of one shape)."""
    ### BEGIN SOLUTION
    return grad_out * np.sin(b), grad_out * a * np.cos(b)
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex02_task4_check", "grade": true, "points": 1}
checks.backward_rule(mul_sin_backward)

# %% jupyter={"source_hidden": true}
Hints(
    "A backward rule is the chain rule for one operation: dL/da = dL/dout · dout/da, and the same for b.",
    "The operation is elementwise, so each local derivative is elementwise too: differentiate "
    "a · sin(b) with respect to a (b fixed), then with respect to b (a fixed).",
    "np.sin and np.cos work elementwise on arrays; multiply each local derivative by grad_out and "
    "return the two arrays in the order of the inputs.",
)
