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
#     minutes: 20
#     title: Control flow, `.data` and `.detach()`
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercises 03 · Control flow, `.data` and `.detach()`
#
# For lectures 04 and 05.
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
# ## Task 1 · Control flow in a dynamic graph
#
# Write `branchy(a, b)`: if `a` is positive, `x = a * b`, otherwise `x = a + b`; return `x * x`.
# Use a plain Python `if` on `a.item()`.

# %% nbgrader={"grade_id": "ex03_task1", "solution": true}
def branchy(a, b):
    """x * x, where x = a * b if a > 0, else a + b."""
    ### BEGIN SOLUTION
    if a.item() > 0:
        x = a * b
    else:
        x = a + b
    return x * x
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task1_check", "grade": true, "points": 1}
def reference(a, b):
    x = a * b if a.item() > 0 else a + b
    return x * x

cases = [(torch.tensor(1.5), torch.tensor(2.0)), (torch.tensor(-1.0), torch.tensor(3.0))]
check_function("branchy", branchy, cases, reference)

a = torch.tensor(-1.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
branchy(a, b).backward()
check("gradients of branchy(-1, 3)", [a.grad, b.grad], [4.0, 4.0],
      explain="With a = -1 the graph is (a + b)**2; both gradients are 2 (a + b).")

# %% jupyter={"source_hidden": true}
Hints(
    "`if a.item() > 0:` then `x = a * b`, `else:` `x = a + b`.",
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
def raises(make_alias):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = x.exp()
    make_alias(out).zero_()
    try:
        out.sum().backward()
    except RuntimeError:
        return True
    return False

check("data_raises", data_raises, raises(lambda t: t.data), mistakes=[
    (True, "changes through .data are invisible to autograd: no version bump, no error.")])
check("detach_raises", detach_raises, raises(lambda t: t.detach()), mistakes=[
    (False, "detach() shares the version counter, so backward notices the change.")])

# %% jupyter={"source_hidden": true}
Hints(
    "Which of the two shares the version counter with the original tensor?",
    "Lecture 05: a changed version number makes backward raise.",
)


# %% [markdown]
# ## Task 3 · Report a mean loss without keeping graphs alive
#
# `mean_loss(w, batches)` should return the mean of `((w * xb - yb) ** 2).mean()` over the
# `(xb, yb)` pairs in `batches`, as a **Python float** — without keeping any graph alive.

# %% nbgrader={"grade_id": "ex03_task3", "solution": true}
def mean_loss(w, batches):
    total = 0.0
    ### BEGIN SOLUTION
    for xb, yb in batches:
        total += ((w * xb - yb) ** 2).mean().item()
    return total / len(batches)
    ### END SOLUTION


# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task3_check", "grade": true, "points": 1}
w = torch.tensor(1.5, requires_grad=True)
batches = [(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0])),
           (torch.tensor([3.0]), torch.tensor([5.0]))]
def reference(w, batches):
    return sum(((w * xb - yb) ** 2).mean().item() for xb, yb in batches) / len(batches)

check_function("mean_loss", mean_loss, [(w, batches)], reference)
result = mean_loss(w, batches)
check_true("mean_loss returns a float", isinstance(result, float),
           f"it returned a {type(result).__name__}; use loss.item() to get a plain number "
           "(a tensor keeps every batch's graph alive).")

# %% jupyter={"source_hidden": true}
Hints(
    "Add up `loss.item()`, not `loss`.",
    "Divide by `len(batches)` at the end.",
)

# %% [markdown]
# ## Task 4 · The same branch in a static graph
#
# Build `branchy` from task 1 as a **define-then-run** graph with `autograd_core.static` (TensorFlow
# 1.x style; it does not depend on the torch switch): `y` should be `x * x` where `x` is `a * b`
# when `a > 0` and `a + b` otherwise. A Python `if` cannot work here — `a` has no value while the
# graph is built — so use `tf.cond`. The check runs your graph in a session and compares `y` and its
# gradients with the dynamic engine.

# %%
import autograd_core.static as tf

tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
y = None

# %% nbgrader={"grade_id": "ex03_task4", "solution": true}
### BEGIN SOLUTION
x = tf.cond(a > 0, lambda: a * b, lambda: a + b)
y = x * x
### END SOLUTION

# %% tags=["raises-exception"] nbgrader={"grade_id": "ex03_task4_check", "grade": true, "points": 1}
check_true("y", y is not None, "build the graph for y in the cell above (y is still None).")
da, db = tf.gradients(y, [a, b])
with tf.Session() as sess:
    for va, vb in [(1.5, 2.0), (-1.0, 3.0)]:
        got = [float(v) for v in sess.run([y, da, db], feed_dict={a: va, b: vb})]
        ta, tb = torch.tensor(va, requires_grad=True), torch.tensor(vb, requires_grad=True)
        ty = (ta * tb if va > 0 else ta + tb) ** 2
        ty.backward()
        check(f"[y, dy/da, dy/db] at a={va}, b={vb}", got,
              [ty.item(), ta.grad.item(), tb.grad.item()],
              explain="check both branches of tf.cond and that y = x * x.")

# %% jupyter={"source_hidden": true}
Hints(
    "`tf.cond(pred, true_fn, false_fn)` takes two functions without arguments: `lambda: a * b`.",
    "The predicate is a graph node too: `a > 0`.",
    "`x = tf.cond(a > 0, lambda: a * b, lambda: a + b)`, then `y = x * x`.",
)
