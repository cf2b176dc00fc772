# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - '10'
#     minutes: 45
#     title: Higher-order gradients
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 07 · Higher-order gradients
#
# For lecture 10. A prediction to make by hand, a second-derivative function to debug, and two
# functions to write; the checks call them on functions and networks you have not seen, and watch
# how many forward and backward passes they run.
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
from widgets.exercise_checks import ex07 as checks
from widgets.exercises import Hints

# %% [markdown]
# ## Task 1 · Predict: two backward passes into one `.grad`
#
# ```python
# x = torch.tensor(3.0, requires_grad=True)
# w = torch.tensor(2.0, requires_grad=True)
# y = x ** 2 * w
# y.backward(create_graph=True)     # (1)
# x.grad.backward()                 # (2)
# ```
#
# Without running it, give:
#
# - `x_grad_first`: `x.grad` after (1);
# - `x_grad_second`: `x.grad` after (2);
# - `w_grad_second`: `w.grad` after (2).
#
# Work it out on paper: what does each backward compute, and where does it put the result?

# %% nbgrader={"grade_id": "ex07_task1", "solution": true}
x_grad_first = None
x_grad_second = None
w_grad_second = None
### BEGIN SOLUTION
# (1): dy/dx = 2 x w = 12 into x.grad (with a graph), dy/dw = x^2 = 9 into w.grad.
# (2): differentiates x.grad = 2 x w: d/dx = 2 w = 4 and d/dw = 2 x = 6, each ADDED to the .grad there.
x_grad_first = 12.0
x_grad_second = 12.0 + 4.0
w_grad_second = 9.0 + 6.0
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex07_task1_check", "points": 2}
checks.predict_double_backward(x_grad_first, x_grad_second, w_grad_second)

# %% jupyter={"source_hidden": true}
Hints(
    "After (1), x.grad holds dy/dx as a tensor with a graph: a function of x and w.",
    "(2) is a backward of that tensor: it computes its derivative with respect to every leaf its graph reaches.",
    "backward never replaces a .grad: it adds to what is there (lecture 03).",
)

# %% [markdown]
# ## Task 2 · Debug: a Laplacian
#
# The **Laplacian** of a scalar function $f(\vec x)$ is the sum of its second derivatives,
# $\sum_i \partial^2 f/\partial x_i^2$ (the trace of the Hessian). The function below should compute
# it, one entry of the gradient at a time. Run the cell below it: it fails. It has **two bugs**,
# and the second shows only once the first is fixed. Fix both **in the answer cell**; the check
# runs your fixed function on functions of its own.

# %% nbgrader={"grade_id": "ex07_task2", "solution": true}
def laplacian(f, x):
    """sum_i d2f/dx_i2 of the scalar f at x (a 1-D tensor without requires_grad)."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)                 # the gradient, one entry per x_i
    total = 0.0
    for i in range(x.shape[0]):
        (row,) = torch.autograd.grad(g[i], x)           # row i of the Hessian: d g_i / dx
        total = total + row[i]
    return total


### BEGIN SOLUTION
def laplacian(f, x):
    """sum_i d2f/dx_i2 of the scalar f at x (a 1-D tensor without requires_grad)."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    total = 0.0
    for i in range(x.shape[0]):
        (row,) = torch.autograd.grad(g[i], x, retain_graph=True)
        total = total + row[i]
    return total
### END SOLUTION


# %% tags=["raises-exception"]
def paraboloid(x):
    return (x ** 2).sum()          # every d2f/dx_i2 is 2


print("laplacian of |x|^2 in 3-D:", laplacian(paraboloid, torch.tensor([1.0, 2.0, 3.0])))

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex07_task2_check", "points": 2}
checks.debug_laplacian(laplacian)

# %% jupyter={"source_hidden": true}
Hints(
    "Read the first error: which tensor 'does not require grad', and why has it no graph behind it?",
    "A gradient you want to differentiate again must be built as a graph (lecture 10, the second derivative).",
    "Once it runs past the first row, the loop backwards through the gradient's graph once per entry: what does a backward do to the graph it went through?",
)

# %% [markdown]
# ## Task 3 · A Hessian-vector product
#
# Write `hvp(f, x, v)`: the product $H\vec v$ of the Hessian of the scalar function `f` at `x` with
# the vector `v` (`x` and `v` are 1-D tensors, `x` **without** `requires_grad`). Use the double
# backward of lecture 10: **one** forward pass and **two** backward passes, whatever the size of `x`,
# never the $n \times n$ Hessian.
#
# The check compares your product with Hessians it worked out on paper, for functions and vectors
# you have not seen, and counts your passes.

# %% nbgrader={"grade_id": "ex07_task3", "solution": true}
def hvp(f, x, v):
    """H v, for H[i, j] = d2 f / dx_i dx_j at x: the gradient of (grad f(x) . v)."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (Hv,) = torch.autograd.grad(g @ v, x)
    return Hv
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex07_task3_check", "points": 3}
checks.hvp(hvp)

# %% jupyter={"source_hidden": true}
Hints(
    "Start from a copy of x that requires grad, call f once, and take its gradient g so that g can be differentiated again.",
    "(H v)_j = sum_i v_i d g_i / d x_j: the derivative of one number built from g and v.",
    "That number is a dot product; `torch.autograd.grad` of it with respect to x is the answer.",
)

# %% [markdown]
# ## Task 4 · A gradient penalty
#
# Write `penalized_loss(model, x, y, lam)`: the mean squared error $L$ of `model(x)` against `y`,
# plus `lam` times the **sum of the squares** of $\partial L/\partial x$ (the input-gradient penalty of
# lecture 10):
#
# $$L_{\text{total}} = L + \lambda \sum_{k} \Big(\frac{\partial L}{\partial x_k}\Big)^2 .$$
#
# Return $L_{\text{total}}$ as a tensor, such that `penalized_loss(...).backward()` gives **every**
# weight of `model` the gradient of the whole penalized loss, the penalty's share included. `x`
# arrives without `requires_grad`. The check builds a network and a batch of its own, compares the
# value, then calls `backward()` on what you return and compares the weights' gradients.

# %% nbgrader={"grade_id": "ex07_task4", "solution": true}
def penalized_loss(model, x, y, lam):
    """mse(model(x), y) + lam * sum((d mse / d x) ** 2), ready for backward()."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    mse = ((model(x) - y) ** 2).mean()
    (dL_dx,) = torch.autograd.grad(mse, x, create_graph=True)
    return mse + lam * (dL_dx ** 2).sum()
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex07_task4_check", "points": 3}
checks.gradient_penalty(penalized_loss)

# %% jupyter={"source_hidden": true}
Hints(
    "To have dL/dx at all, x must require grad before the model runs on it.",
    "`torch.autograd.grad(mse, x, ...)` gives dL/dx and leaves the weights' .grad alone; the penalty is then ordinary tensor arithmetic.",
    "The penalty's gradient with respect to the weights is a second derivative: what must dL/dx carry for a later backward to go through it?",
)
