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
# write the function's body), run that cell, then run the **check** cell below it: it prints ✓ when
# your answer is right, and otherwise one line that says what to look at. *Run ▸ Run All Cells* runs
# every check, even after one fails. **Show a hint** reveals a hint at a time. The other cells are
# read-only; add cells of your own to experiment.

# %%
# The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
from widgets.torch_switch import torch

# %%
from widgets.exercises import ExerciseError, Hints, as_array, check, check_function, check_true

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

# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task1_check", "points": 2}
# The check: your products and sums against the paths of this graph, listed from its values.
p = torch.tensor(2.0, requires_grad=True)
q = torch.tensor(3.0, requires_grad=True)
u = p * q
v = u + p
z = v * u
z.backward()

# every edge (tail, head) with its local derivative at these values
edges = {("p", "u"): q.item(), ("q", "u"): p.item(), ("u", "v"): 1.0, ("p", "v"): 1.0,
         ("v", "z"): u.item(), ("u", "z"): v.item()}


def paths_to_z(node):
    """[(path, product of the local derivatives along it)] for every path from node to z."""
    if node == "z":
        return [("z", 1.0)]
    return [(f"{node} → {path}", edges[(node, head)] * product)
            for (tail, head) in edges if tail == node for path, product in paths_to_z(head)]


def check_paths_sum(name, answer, source, expected):
    """check() with one known mistake per path: the sum with that path left out."""
    paths = paths_to_z(source)
    total = sum(product for _, product in paths)
    missing_one = [(total - product, f"a path is missing: {path} (product {product:g}).")
                   for path, product in paths]
    check(name, answer, expected, mistakes=missing_one)


reference = sorted(product for _, product in paths_to_z("p"))
if isinstance(path_products_p, (list, tuple)) and len(path_products_p) != len(reference):
    raise ExerciseError(f"path_products_p has {len(path_products_p)} products, but p reaches z along "
                        f"{len(reference)} paths: follow every edge out of p, and out of each node "
                        "you reach.")
in_order = None if path_products_p is None else sorted(as_array(path_products_p).tolist())
check("path_products_p", in_order, reference,
      explain="A path's product multiplies the local derivatives of its edges, at p = 2, q = 3.")
check_paths_sum("dz_dp", dz_dp, "p", p.grad)
check_paths_sum("dz_dq", dz_dq, "q", q.grad)

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

# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task2_check", "points": 2}
# The check: fewer_passes on five (n, m) pairs, then the four situations (n, m given below).
def by_passes(n, m):
    """The mode with fewer passes: forward mode needs n (one per input), reverse mode m (one per output)."""
    return "forward" if n < m else "reverse" if m < n else "either"


def answers(fn, cases):
    """fn's answer for each case, or None where it fails (check_function then says how)."""
    try:
        return [fn(n, m) for n, m in cases]
    except Exception:
        return None


MIXED_UP = ("forward mode needs one pass per input (n), reverse mode one per output (m); "
            "yours mixes them up.")
cases = [(1, 1000), (10**6, 1), (7, 3), (2, 5), (4, 4)]
if callable(fewer_passes) and answers(fewer_passes, cases[:4]) == [by_passes(m, n) for n, m in cases[:4]]:
    raise ExerciseError(f"fewer_passes: {MIXED_UP}")
check_function("fewer_passes", fewer_passes, cases, by_passes)

# (inputs n, outputs m) of the four situations
sizes = [(25_000_000, 1), (1, 10_000), (3, 3), (7, 3)]
if situations is not None and list(situations) == [by_passes(m, n) for n, m in sizes]:
    raise ExerciseError(f"situations: {MIXED_UP}")
if situations is not None and len(situations) != len(sizes):
    raise ExerciseError(f"situations should hold {len(sizes)} strings, one per situation; "
                        f"it has {len(situations)}.")
for i, ((n, m), answer) in enumerate(zip(sizes, situations or [None] * len(sizes)), start=1):
    check(f"situation {i}", answer, by_passes(n, m),
          explain="Count the inputs n and the outputs m of that function first.")

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


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task3_check", "points": 3}
# The check: jacobian_rows on three functions, against Jacobians worked out on paper;
# it counts the forward passes (calls of f) and backward passes (gradients reaching f's output).
import numpy as np


def f_wide(x):        # R^3 -> R^2
    return torch.stack([x[0] * x[1] + torch.sin(x[2]), x[0] - 3 * x[2]])


def f_tall(x):        # R^2 -> R^4
    return torch.stack([x[0] * x[0], x[0] * x[1], torch.exp(x[1]), x[1] - x[0]])


def f_square(x):      # R^2 -> R^2, not symmetric
    return torch.stack([x[0] * x[1], x[0] + 2 * x[1]])


def jacobian_by_hand(f, x):
    """The Jacobians of the three functions above, differentiated on paper."""
    x0, x1 = float(x[0]), float(x[1])
    if f is f_wide:
        return np.array([[x1, x0, np.cos(float(x[2]))], [1, 0, -3]])
    if f is f_tall:
        return np.array([[2 * x0, 0], [x1, x0], [0, np.exp(x1)], [-1, 1]])
    return np.array([[x1, x0], [1, 2]])


def counting(f):
    """f, counting its calls (forward passes) and the gradients reaching its output (backward passes)."""
    counts = {"forward": 0, "backward": 0}

    def counted(x):
        counts["forward"] += 1
        y = f(x)
        if y.requires_grad:
            y.register_hook(lambda grad: counts.update(backward=counts["backward"] + 1))
        return y
    return counted, counts


def check_jacobian(name, fn, f, x):
    counted, counts = counting(f)
    try:
        got = fn(counted, x)
    except RuntimeError as e:
        if "second time" in str(e):
            raise ExerciseError(f"{name}: the second backward pass found the graph freed: "
                                "pass retain_graph=True to keep it for the next row.") from None
        if "does not require grad" in str(e):
            raise ExerciseError(f"{name}: x arrives without requires_grad; make a copy that requires "
                                "it before calling f.") from None
        raise ExerciseError(f"{name} raised RuntimeError: {str(e)[:80]}") from None
    if got is None:
        raise ExerciseError(f"{name} returned None: write the body of {name} in the cell above "
                            "(and return the result).")
    J = jacobian_by_hand(f, x)
    m, n = J.shape
    got = as_array(got)
    if got.shape == (n, m) and np.allclose(got, J.T, atol=1e-5):
        raise ExerciseError(f"{name}: rows and columns are transposed: J[i, j] = ∂y_i/∂x_j has one row "
                            f"per output, shape (m, n) = {(m, n)}.")
    if got.shape == J.shape and m > 1:
        # the three ways of reading rows off x.grad after y.backward(e_i) that go wrong
        if np.allclose(got, np.cumsum(J, axis=0), atol=1e-5):
            raise ExerciseError(f"{name}: each row also holds the rows before it: .grad accumulates, so "
                                "start every pass from x.grad = None, or use torch.autograd.grad.")
        if np.allclose(got, np.broadcast_to(J.sum(axis=0), J.shape), atol=1e-5) or not got.any():
            raise ExerciseError(f"{name}: every row is the same tensor, x.grad, which later passes "
                                "change in place: keep a copy of each row, or use torch.autograd.grad.")
    check(f"{name} on {f.__name__}", got, J, atol=1e-5, rtol=1e-4,
          explain="Row i is the gradient of y[i]: grad_outputs = e_i.")
    if counts["forward"] == 0:
        raise ExerciseError(f"{name} never called f: compute the rows from f's graph.")
    if counts["forward"] != 1:
        raise ExerciseError(f"{name} called f {counts['forward']} times: one forward pass is enough "
                            "(keep its graph with retain_graph=True).")
    if counts["backward"] != m:
        raise ExerciseError(f"{name} ran {counts['backward']} backward passes for {m} rows: "
                            "one per row.")


for f, x in [(f_wide, torch.tensor([1.0, 2.0, 0.5])), (f_tall, torch.tensor([0.5, -1.0])),
             (f_square, torch.tensor([3.0, -2.0]))]:
    check_jacobian("jacobian_rows", jacobian_rows, f, x)

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


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task4_check", "points": 2}
# The check: your tangents against directional derivatives computed by reverse mode.
def directional_derivative(fn, values, directions):
    """d/dt fn(values + t * directions) at t = 0, by reverse mode: what a tangent must equal."""
    t = torch.tensor(0.0, requires_grad=True)
    fn(*(v + t * d for v, d in zip(values, directions))).sum().backward()
    return t.grad


u_value, u_dot = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([1.0, 3.0, -0.5])
v_value, v_dot = torch.tensor([2.0, 0.25, -3.0]), torch.tensor([-2.0, 1.0, 4.0])
product = Dual(u_value, u_dot) * Dual(v_value, v_dot)
check("the tangent of u * v", None if product.tangent is None else product.tangent.sum(),
      directional_derivative(lambda a, b: a * b, (u_value, v_value), (u_dot, v_dot)),
      mistakes=[((u_dot * v_dot).sum(), "that multiplies the two tangents; the product rule has two "
                                        "terms."),
                ((u_dot * v_value).sum(), "only one term of the product rule: v changes too."),
                ((u_value * v_dot).sum(), "only one term of the product rule: u changes too.")])
scaled = 3 * Dual(u_value, u_dot)            # a number times a Dual: __rmul__, lift(3)
check("the tangent of 3 * u", None if scaled.tangent is None else scaled.tangent.sum(),
      (3 * u_dot).sum(), explain="A constant's tangent is 0 (lift gives it one), so only one term is left.")
sine = sin(Dual(u_value, u_dot))
check("the tangent of sin(u)", None if sine.tangent is None else sine.tangent.sum(),
      directional_derivative(torch.sin, (u_value,), (u_dot,)),
      mistakes=[(torch.cos(u_value).sum(), "that is d sin(u)/du; the chain rule multiplies it by u's "
                                           "tangent."),
                ((torch.sin(u_value) * u_dot).sum(), "the derivative of sin is cos.")])

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


# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task5_check", "points": 3}
# The check: jacobian_columns on three functions, against Jacobians worked out on paper;
# it counts the forward-mode passes (calls of f on a Dual).
def g_wide(x):        # R^3 -> R^2
    return stack([x[0] * x[1] + sin(x[2]), x[0] - 3 * x[2]])


def g_tall(x):        # R^2 -> R^4
    return stack([x[0] * x[0], x[0] * x[1], sin(x[1]), x[1] - x[0]])


def g_square(x):      # R^2 -> R^2, not symmetric
    return stack([x[0] * x[1], x[0] + 2 * x[1]])


def jvp_jacobian_by_hand(f, x):
    """The Jacobians of the three functions above, differentiated on paper."""
    x0, x1 = float(x[0]), float(x[1])
    if f is g_wide:
        return np.array([[x1, x0, np.cos(float(x[2]))], [1, 0, -3]])
    if f is g_tall:
        return np.array([[2 * x0, 0], [x1, x0], [0, np.cos(x1)], [-1, 1]])
    return np.array([[x1, x0], [1, 2]])


def task4_done():
    """Whether task 4's two tangent rules are filled in."""
    one = Dual(torch.tensor(1.0), torch.tensor(1.0))
    return (one * one).tangent is not None and sin(one).tangent is not None


def check_columns(f, x):
    calls = {"dual": 0}

    def counted(arg):
        calls["dual"] += isinstance(arg, Dual)
        return f(arg)
    try:
        got = jacobian_columns(counted, x)
    except Exception as e:
        if not task4_done():
            raise ExerciseError("jacobian_columns needs task 4's tangent rules, which are still None: "
                                "finish task 4 first.") from None
        raise ExerciseError(f"jacobian_columns raised {type(e).__name__}: {str(e)[:80]}") from None
    if got is None:
        raise ExerciseError("jacobian_columns returned None: write the body of jacobian_columns in the "
                            "cell above (and return the result).")
    J = jvp_jacobian_by_hand(f, x)
    m, n = J.shape
    got = as_array(got)
    if got.shape == (n, m) and np.allclose(got, J.T, atol=1e-5):
        raise ExerciseError(f"jacobian_columns: rows and columns are transposed: each pass gives a "
                            f"column J[:, j]; stack them along dim=1 for shape (m, n) = {(m, n)}.")
    all_seeded = np.broadcast_to((J @ np.ones(n))[:, None], J.shape)
    if got.shape == J.shape and n > 1 and np.allclose(got, all_seeded, atol=1e-5):
        raise ExerciseError("jacobian_columns: every column is J times a vector of ones: seed one input "
                            "at a time, with the unit vector e_j.")
    check(f"jacobian_columns on {f.__name__}", got, J, atol=1e-5, rtol=1e-4,
          explain="Column j is the tangent of f(Dual(x, e_j)).")
    if calls["dual"] != n:
        raise ExerciseError(f"jacobian_columns called f on a Dual {calls['dual']} times for {n} inputs: "
                            "one forward-mode pass per column.")


for f, x in [(g_wide, torch.tensor([1.0, 2.0, 0.5])), (g_tall, torch.tensor([0.5, -1.0])),
             (g_square, torch.tensor([3.0, -2.0]))]:
    check_columns(f, x)

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

# %% tags=["raises-exception"] jupyter={"source_hidden": true} nbgrader={"grade": true, "grade_id": "ex06_task6_check", "points": 2}
# The check: the bytes worked out from the network's layers, and some likely slips.
FLOAT32 = 4
linears = [layer for layer in model if isinstance(layer, nn.Linear)]
batch = data.shape[0]
# what backward keeps: every Linear's input (the first one's is `data`, the others' are the
# activations' outputs, which the activations keep themselves), and the difference that is squared
kept_floats = batch * (sum(layer.in_features for layer in linears) + linears[-1].out_features)
reference = FLOAT32 * kept_floats
activations = batch * sum(layer.in_features for layer in linears[1:])
weight_bytes = FLOAT32 * sum(layer.weight.numel() for layer in linears)
parameter_bytes = FLOAT32 * sum(p.numel() for p in model.parameters())
PARAMETERS = "the parameters are counted too: they exist whether or not a graph does."
check("bytes_grad_mode", bytes_grad_mode, reference, mistakes=[
    (kept_floats, "that is the number of floats; a float32 takes 4 bytes."),
    (reference + weight_bytes, PARAMETERS),
    (reference + parameter_bytes, PARAMETERS),
    (reference + FLOAT32 * activations,
     "each activation's output is also the next Linear's input: one tensor, count it once."),
    (reference - FLOAT32 * batch * linears[0].in_features,
     "the first Linear keeps its input too: its weight's gradient needs it."),
    (reference - FLOAT32 * batch * linears[-1].out_features,
     "the square keeps its input, the difference (out - target)."),
])
check_true("loss_no_grad has no graph", loss_no_grad.grad_fn is None,
           "it should have been built under no_grad.")
check("bytes_no_grad", bytes_no_grad, 0,
      explain="Under no_grad nothing is recorded: no grad_fn, so nothing is kept for backward.")

# %% jupyter={"source_hidden": true}
Hints(
    "Lecture 09 printed what each node keeps: AddmmBackward0 its input (mat1), TanhBackward0 its output, PowBackward0 its input.",
    "A ReLU or Sigmoid keeps its output, which is also the next Linear's input: the same tensor.",
    "Add up the floats of each distinct kept tensor (batch × width), then convert floats to bytes.",
)
