# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     - torch
#     kind: exercise
#     lectures:
#     - 09
#     minutes: 45
#     title: Forward and reverse mode
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 06 · Forward and reverse mode
#
# For lecture 09. Harder than the earlier sets: several tasks ask for a function, and the checks
# call it on graphs you have not seen.
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
from widgets.exercise_checks import ex06 as checks
from widgets.exercises import Hints

# %% [markdown]
# ## Task 1 · The sum over paths, by hand
#
# $p = 2$, $q = 3$, and
#
# $$u = p\,q, \qquad v = u + p, \qquad z = v\,u .$$
#
# Draw the graph, write the local derivative on each edge (at these values), and list **every path**
# from $p$ to $z$. Then give:
#
# - `path_products_p`: the product of the local derivatives along each path from $p$ to $z$, one
#   number per path, in any order;
# - `dz_dp` and `dz_dq`, each as the sum over its paths.
#
# Work it out on paper, not with autograd: the point is to see where the terms come from.

# %% nbgrader={"grade_id": "ex06_task1", "solution": true}
path_products_p = None   # a list: one product per path from p to z
dz_dp = None
dz_dq = None
### BEGIN SOLUTION
# edges: p->u (q = 3), q->u (p = 2), u->v (1), p->v (1), v->z (u = 6), u->z (v = 8)
path_products_p = [3 * 8, 3 * 1 * 6, 1 * 6]   # p->u->z, p->u->v->z, p->v->z
dz_dp = 48.0
dz_dq = 2 * 8 + 2 * 1 * 6                    # q->u->z, q->u->v->z
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task1_check", "points": 2}
checks.sum_over_paths(path_products_p, dz_dp, dz_dq)

# %% jupyter={"source_hidden": true}
Hints(
    "Each edge's local derivative: for u = p q, ∂u/∂p is the other factor, q; for z = v u, ∂z/∂u is v.",
    "p has two edges out (to u and to v), and u has two edges out (to v and to z): count the paths.",
    "A path's product multiplies the edge values along it: p → u → v → z is (∂u/∂p)(∂v/∂u)(∂z/∂v).",
)


# %% [markdown]
# ## Task 2 · Which mode needs fewer passes?
#
# Building the whole Jacobian of $f: \mathbb{R}^n \to \mathbb{R}^m$ takes one forward-mode pass per
# column or one reverse-mode pass per row.
#
# **a)** Write `fewer_passes(n, m)`, returning `"forward"`, `"reverse"` or `"either"` (when both need the
# same number of passes).
#
# **b)** For each situation below, which mode builds the Jacobian in fewer passes? Set `situations` to
# a list of four of those strings, in order.
#
# 1. The gradient of a network's training loss with respect to its 25 million parameters.
# 2. How each of the 10,000 pixels of a rendered image changes with the brightness of the one lamp.
# 3. How a rotated point $R\vec x$ in 3-D depends on the 3 coordinates of $\vec x$.
# 4. How the $(x, y, z)$ position of a robot's hand depends on the 7 angles of its arm's joints.

# %% nbgrader={"grade_id": "ex06_task2", "solution": true}
def fewer_passes(n, m):
    """'forward', 'reverse' or 'either': the mode that builds the m x n Jacobian of f: R^n -> R^m
    in fewer passes."""
    ### BEGIN SOLUTION
    if n < m:
        return "forward"
    if m < n:
        return "reverse"
    return "either"
    ### END SOLUTION


situations = None   # four strings
### BEGIN SOLUTION
situations = ["reverse", "forward", "either", "reverse"]
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task2_check", "points": 2}
checks.which_mode(fewer_passes, situations)

# %% jupyter={"source_hidden": true}
Hints(
    "One forward-mode pass seeds one input and gives one column of the Jacobian; one backward pass starts from one output and gives one row.",
    "So forward mode needs n passes and reverse mode m. Which inputs and outputs does each situation's function have?",
    "A loss is one number (m = 1), however many parameters it has.",
)


# %% [markdown]
# ## Task 3 · A Jacobian from vector-Jacobian products
#
# Write `jacobian_rows(f, x)`: the $m \times n$ Jacobian of `f` at `x` (a 1-D tensor of $n$ numbers,
# **without** `requires_grad`; `f` returns a 1-D tensor of $m$ numbers), as an $m \times n$ tensor.
# Use reverse mode the way it is meant to be used: **one** forward pass (one call of `f`), then one
# backward pass per row with `torch.autograd.grad(y, x, grad_outputs=...)`.
#
# The check calls it on functions you have not seen, and counts your passes.

# %% nbgrader={"grade_id": "ex06_task3", "solution": true}
def jacobian_rows(f, x):
    """J[i, j] = d f(x)[i] / d x[j], row i from one backward pass with grad_outputs = e_i."""
    ### BEGIN SOLUTION
    x = x.detach().requires_grad_(True)
    y = f(x)
    rows = []
    for i in range(y.shape[0]):
        e_i = torch.zeros(y.shape[0])
        e_i[i] = 1.0
        (row,) = torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)
        rows.append(row)
    return torch.stack(rows)
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task3_check", "points": 3}
checks.jacobian_rows(jacobian_rows)

# %% jupyter={"source_hidden": true}
Hints(
    "x has no requires_grad: start with a copy that has it, `x.detach().requires_grad_(True)`, and call f once.",
    "Row i of J is the vector-Jacobian product with the i-th unit vector e_i (a tensor of zeros with a 1 at i), passed as `grad_outputs`.",
    "`torch.autograd.grad` returns a tuple (one gradient per input) and frees the graph unless told otherwise; `torch.stack` joins the rows.",
)


# %% [markdown]
# ## Task 4 · Forward mode: the tangent rules
#
# Here is lecture 09's dual number, with two rules left for you: the tangent of a **product**
# and of **sin**. A `Dual` holds a value $v$ and its tangent $\dot v$; fill in `tangent` so that it is
# the tangent of $u\,v$ in `__mul__` (`self` is $u$, `other` is $v$) and of $\sin u$ in `sin`.
# (Values and tangents may be numbers or tensors.)

# %% nbgrader={"grade_id": "ex06_task4", "solution": true}
class Dual:
    """A value and its tangent d(value)/d(seed): forward-mode automatic differentiation."""

    def __init__(self, value, tangent):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        other = lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __sub__(self, other):
        other = lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    def __mul__(self, other):
        """(u v)' from u, u', v, v'."""
        other = lift(other)
        tangent = None
        ### BEGIN SOLUTION
        tangent = self.tangent * other.value + self.value * other.tangent
        ### END SOLUTION
        return Dual(self.value * other.value, tangent)

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, other):
        return lift(other) - self

    def __getitem__(self, i):
        return Dual(self.value[i], self.tangent[i])


def sin(u):
    """sin(u) for a tensor or a Dual: (sin u)' from u and u'."""
    if not isinstance(u, Dual):
        return torch.sin(u)
    tangent = None
    ### BEGIN SOLUTION
    tangent = torch.cos(u.value) * u.tangent
    ### END SOLUTION
    return Dual(torch.sin(u.value), tangent)


def lift(v):
    """A constant as a Dual: its tangent is 0."""
    return v if isinstance(v, Dual) else Dual(v, 0.0)


def stack(items):
    """torch.stack for tensors and Duals."""
    if not any(isinstance(i, Dual) for i in items):
        return torch.stack(items)
    items = [lift(i) for i in items]
    return Dual(torch.stack([torch.as_tensor(i.value) for i in items]),
                torch.stack([torch.as_tensor(i.tangent) for i in items]))


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task4_check", "points": 2}
checks.tangent_rules(Dual, sin)

# %% jupyter={"source_hidden": true}
Hints(
    "If u and v both move along t, how fast does u v move? The product rule.",
    "self.tangent, self.value, other.tangent and other.value are all you need for the product.",
    "For sin: the chain rule, with the derivative of sin evaluated at u.value.",
)


# %% [markdown]
# ## Task 5 · A Jacobian from Jacobian-vector products
#
# Write `jacobian_columns(f, x)`: the same $m \times n$ Jacobian as in task 3, now **column by column**
# with your `Dual` from task 4: one forward-mode pass per input, no `backward()`. The functions the
# check uses are written with `sin` and `stack` from task 4, so they accept a `Dual` as `x`.

# %% nbgrader={"grade_id": "ex06_task5", "solution": true}
def jacobian_columns(f, x):
    """J[:, j] = the tangent of f(Dual(x, e_j)): one forward-mode pass per input."""
    ### BEGIN SOLUTION
    n = x.shape[0]
    columns = []
    for j in range(n):
        e_j = torch.zeros(n)
        e_j[j] = 1.0
        columns.append(f(Dual(x, e_j)).tangent)
    return torch.stack(columns, dim=1)
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task5_check", "points": 3}
checks.jacobian_columns(jacobian_columns, Dual, sin, stack)

# %% jupyter={"source_hidden": true}
Hints(
    "One pass per input j: call f on a Dual whose value is x and whose tangent is the seed for input j.",
    "The seed for input j is the unit vector e_j; the pass's answer is the output's `.tangent`, column j of J.",
    "Each column has m entries; `torch.stack(..., dim=1)` puts them side by side.",
)

# %% [markdown]
# ## Task 6 · The bytes reverse mode keeps
#
# The network and loss below are built in grad mode and, a second time, under `torch.no_grad()`.
# **Predict**, without running code that measures it, how many bytes of tensors the graph of `loss`
# keeps for backward:
#
# - `bytes_grad_mode`: in grad mode;
# - `bytes_no_grad`: under `no_grad`.
#
# Count as lecture 09 did: each distinct tensor once, parameters not at all (they exist anyway).
# Lecture 09 showed what a `Linear`, an activation and a square keep; every number here is float32.

# %%
nn = torch.nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(20, 50), nn.ReLU(), nn.Linear(50, 50), nn.Sigmoid(), nn.Linear(50, 1))
data, target = torch.randn(32, 20), torch.randn(32, 1)

loss = ((model(data) - target) ** 2).mean()
with torch.no_grad():
    loss_no_grad = ((model(data) - target) ** 2).mean()

# %% nbgrader={"grade_id": "ex06_task6", "solution": true}
bytes_grad_mode = None
bytes_no_grad = None
### BEGIN SOLUTION
# the input (for the first weight's gradient), the ReLU and Sigmoid outputs (each also the next
# Linear's input: one tensor each), the difference before squaring: 32 x (20 + 50 + 50 + 1) floats
bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)
bytes_no_grad = 0
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade": true, "grade_id": "ex06_task6_check", "points": 2}
checks.bytes_kept(bytes_grad_mode, bytes_no_grad)

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 09 printed what each node keeps: AddmmBackward0 its input (mat1), TanhBackward0 its output, PowBackward0 its input.",
    "A ReLU or Sigmoid keeps its output, which is also the next Linear's input: the same tensor.",
    "Add up the floats of each distinct kept tensor (batch × width), then convert floats to bytes.",
)
