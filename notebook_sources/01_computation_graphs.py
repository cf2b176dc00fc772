# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     kind: lecture
#     minutes: 25
#     title: Computation graphs and the dynamic graph
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Computation graphs and the dynamic graph
#
# *About 25 minutes. Uses `autograd_core`'s recorder, so this lecture runs on `autograd_core` only.*
#
# - what a computation graph is;
# - how PyTorch builds it *while* your code runs (define-by-run);
# - the forward pass and the backward pass, worked by hand and then watched step by step
#   on three small examples, A, B and C.

# %%
import autograd_core as torch
from widgets import draw            # pictures of graphs (Graphviz)

# %% [markdown]
# ## A calculation is a graph
#
# Take $y = (w + x)\,(w + 1)$. Computing it takes three operations, and each uses results of earlier
# ones:
#
# ```
# a = w + x        b = w + 1        y = a * b
# ```
#
# Draw every value as a node and every operation as arrows from its inputs to its output, and you
# get a **computation graph**: a *directed acyclic graph* (DAG). Directed, because data flows from
# inputs to outputs; acyclic, because a value never depends on itself. The inputs `w` and `x` are the
# graph's **leaves**; `y` is its **root**. Operations can be anything with a derivative: addition,
# multiplication, a matrix product, a convolution.
#
# Why bother? Because the chain rule is *local*: if every operation knows the derivative of its own
# output with respect to its own inputs, the derivative of the root with respect to a leaf is a
# **sum over the paths** from the leaf to the root, of the **product** of the local derivatives
# along each path. Here `w` reaches `y` along two paths, through `a` and through `b`:
#
# $$\frac{\partial y}{\partial w} = \underbrace{\frac{\partial y}{\partial a}\frac{\partial a}{\partial w}}_{\text{path through } a}
#   + \underbrace{\frac{\partial y}{\partial b}\frac{\partial b}{\partial w}}_{\text{path through } b} = b \cdot 1 + a \cdot 1.$$
#
# The graph tells us which paths exist. (The backward pass does not list the paths one by one,
# which could be exponentially many: it adds the contributions where paths meet, node by node.)

# %% [markdown]
# ## Example A, built one line at a time
#
# In PyTorch the graph is not declared in advance. It is **recorded as the code runs**: every
# operation on a tensor with `requires_grad=True` produces a new tensor *and* a note of how it was
# made, its `grad_fn`. This is called *define-by-run*, or a **dynamic graph**.

# %%
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)

a = w + x
print("a =", a.item(), " made by", a.grad_fn.name())
b = w + 1
print("b =", b.item(), " made by", b.grad_fn.name())
y = a * b
print("y =", y.item(), " made by", y.grad_fn.name())
print("w is a leaf with grad_fn", w.grad_fn)

# %% [markdown]
# Each `print` ran *during* the forward pass, and each intermediate value already knew its `grad_fn`:
# the graph grew with the program. You can put a breakpoint or a `print` anywhere in a dynamic graph;
# that is a large part of why PyTorch is pleasant to debug.
#
# `draw` pictures the graph that was recorded: tensors as boxes with their values (leaves marked),
# operations as the arrows' junctions. Nothing has a gradient yet.

# %%
draw(y)

# %% [markdown]
# ### The forward pass keeps what backward will need
#
# To differentiate $y = a\,b$ later, the engine needs $\partial y/\partial a = b$ and
# $\partial y/\partial b = a$: the *values* of `a` and `b`. So the forward pass saves them on the
# `MulBackward0` node, where PyTorch shows them as `_saved_self` (the first factor) and `_saved_other`
# (the second); `autograd_core` names them the same way. An addition saves no tensor: its local
# derivatives are 1 (PyTorch's `AddBackward0` keeps only `_saved_alpha`, the number $\alpha$ of
# `torch.add(a, b, alpha=...)`, which computes $a + \alpha\,b$).

# %%
print("MulBackward0 saved a =", y.grad_fn._saved_self.item(), " and b =", y.grad_fn._saved_other.item())
print("the saved self is a itself:", y.grad_fn._saved_self is a)

# %% [markdown]
# ## The backward pass, by hand
#
# `y.backward()` starts at the root with $\partial y/\partial y = 1$ and walks the graph in
# **reverse topological order** (every node after all the nodes that use its output), multiplying by
# each operation's local derivative — the chain rule — and **adding up** contributions that reach
# the same leaf along different paths:
#
# | node | receives | local derivatives | sends |
# |---|---|---|---|
# | `y = a*b` | $\partial y/\partial y = 1$ | $\partial y/\partial a = b = 2$, $\partial y/\partial b = a = 3$ | 2 to `a`, 3 to `b` |
# | `a = w+x` | 2 | 1, 1 | 2 to `w`, 2 to `x` |
# | `b = w+1` | 3 | 1 | 3 to `w` |
#
# `w` is reached along two paths, so $\partial y/\partial w = 2 + 3 = 5$, and
# $\partial y/\partial x = 2$.

# %%
y.backward()
print("w.grad =", w.grad.item(), "  x.grad =", x.grad.item())
draw(y)          # now the leaves show their .grad; the intermediate ones were freed (lecture 02)


# %% [markdown]
# ### Watching the engine do it
#
# `autograd_core.record()` writes down every event of the forward and backward pass, in order.
# Here is Example A again, inside a recording:

# %%
def show(rec):
    """Print a recording, one event per line. A tensor is named by the variable that held it when the
    recording ended (rec.names)."""
    name = {id(t): n for n, t in rec.names.items()}
    for ev in rec.events:
        if ev.kind == "leaf":
            print(f"{ev.index:2}  leaf        {name.get(id(ev.tensor), '?')} = {ev.value}")
        elif ev.kind == "forward":
            print(f"{ev.index:2}  forward     {ev.op:4} -> {ev.node.name() if ev.node else 'no grad_fn':13} value {ev.value}")
        elif ev.kind == "backward":
            sent = [None if g is None else float(g) for g in ev.grad_inputs]
            print(f"{ev.index:2}  backward    {ev.node.name():13} got {float(ev.grad_output)}  sends {sent}")
        elif ev.kind == "accumulate":
            leaf = name.get(id(ev.tensor), "a leaf")
            print(f"{ev.index:2}  accumulate  {float(ev.grad)} into {leaf}.grad  -> {leaf}.grad = {ev.total}")
        else:
            print(f"{ev.index:2}  {ev.kind:11} {ev.grad}")

with torch.record() as rec_a:
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
show(rec_a)

# %% [markdown]
# Read it top to bottom: two leaves, three forward operations, then three backward steps in reverse
# order, and finally the two leaves' `.grad` being filled. The engine added `w`'s two contributions
# (3 and 2) before storing `w.grad = 5`.
#
# The same recording, as a picture you can step through: forward to build the graph node by node,
# then backward to watch each gradient arrive. The chain-rule panel shows, at every backward step,
# *received × local derivative = passed on*. Click a node to inspect it.

# %%
from widgets.stepper import GraphStepper

GraphStepper(rec_a)

# %% [markdown]
# ## Example B
#
# $m = 2$, $n = 3$, $a = m + n$, $b = m - n$, $y = a\,b$. This time, predict before you look:
# the cell below records Example B without printing anything, and its stepper has **predict** on, so
# at each backward step you type the gradients before they are revealed (the tally counts your right
# and wrong answers). Work them out by hand ($a = 5$, $b = -1$).

# %%
with torch.record() as rec_b:
    m = torch.tensor(2.0, requires_grad=True)
    n = torch.tensor(3.0, requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
    y.backward()

GraphStepper(rec_b, predict=True)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Done predicting? The cell below has the same recording as a list of events, and the engine's
# answers with how they come about: it keeps them back until you press its button.

# %%
from widgets.reveal import Reveal

with Reveal("Show the engine's answers"):
    show(rec_b)
    print("m.grad =", m.grad.item(), "  n.grad =", n.grad.item())
    print("Each leaf's grad adds up what reaches it along both paths (the accumulate lines);")
    print("on n's path through b = m - n, SubBackward0 multiplies by its local derivative -1.")

# %% [markdown]
# ## Example C
#
# Four leaves, $a=1, b=2, c=3, d=4$; $x = a + b$, $y = c\,d$, $z = x + y$. We print every
# intermediate value and its `grad_fn` *as it is computed*. (One of the tutorials this course is based
# on prints $z = 5$ here: that is a misprint, $3 + 12 = 15$.)

# %%
a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0, 4.0))
x = a + b
print("x =", x.item(), x.grad_fn.name())
y = c * d
print("y =", y.item(), y.grad_fn.name())
z = x + y
print("z =", z.item(), z.grad_fn.name())

z.backward()     # starts from dz/dz = 1
print("a.grad, b.grad, c.grad, d.grad =", a.grad.item(), b.grad.item(), c.grad.item(), d.grad.item())
draw(z)


# %% [markdown]
# The addition passes its gradient through unchanged (`a.grad = b.grad = 1`); the product swaps its
# inputs (`c.grad = d = 4`, `d.grad = c = 3`).
#
# A stepper can also run a function for you, recording it as it goes. Here is Example C in the
# *function* view, the graph of `...Backward` nodes that `backward()` actually walks:

# %%
def example_c():
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0, 4.0))
    z = (a + b) + c * d
    z.backward()

GraphStepper(example_c, view="function")


# %% [markdown]
# ## A new graph on every forward pass
#
# Because the graph is recorded as code runs, running the code again records a **new** graph. Plain
# Python decides its shape: here a loop runs a different number of times for different inputs, and
# each graph has a different length.

# %%
def power(x, k):
    out = x
    for _ in range(k - 1):      # ordinary Python control flow
        out = out * x
    return out

for k in (2, 3, 5):
    x = torch.tensor(2.0, requires_grad=True)
    y = power(x, k)
    y.backward()
    print(f"k={k}: y = x**{k} = {y.item():4}   dy/dx = {x.grad.item():4}  (k * x**(k-1) = {k * 2.0 ** (k - 1)})")

y1, y2 = power(x, 2), power(x, 2)
print("same code, two graphs:", y1.grad_fn is not y2.grad_fn)

# %% [markdown]
# ## Summary
#
# - A computation graph is a DAG from leaves (inputs) to a root (the output).
# - PyTorch builds it **while the forward pass runs**, a new graph every time; each result knows its
#   `grad_fn`, and nodes save the values their derivative needs.
# - `backward()` starts from $1$ at the root, applies the chain rule in reverse topological order and
#   **sums** contributions that reach a leaf along several paths.
#
# **Exercises:** [ex01 · graphs, leaves and grad_fn](exercises/ex01_graphs_and_leaves.ipynb), tasks 1–2.
