# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     kind: lecture
#     minutes: 30
#     title: Static versus dynamic graphs
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Static versus dynamic graphs
#
# *About 30 minutes. Uses `autograd_core.static`, so it runs on `autograd_core` only.*
#
# PyTorch records its graph while your code runs. TensorFlow 1.x did the opposite: you **defined**
# the whole graph first, then **ran** it. `autograd_core.static` imitates TensorFlow 1.x on top of
# the same operations, so we can compare the two styles side by side: how code looks, how control
# flow works, and what each costs — measured, not just claimed. (It is an imitation: TensorFlow itself
# is not used anywhere in this course, and the timings below are this engine's.)

# %%
import time
import warnings

import autograd_core as torch
import autograd_core.static as tf        # TensorFlow 1.x style: placeholders, Session, gradients
from widgets import GraphModel, draw

# %% [markdown]
# ## Two ways to plan a trip
#
# A **static graph** is a travel itinerary fixed in advance: every leg is booked before you leave,
# so the whole route can be optimised, but changing plans on the way means rebooking. A **dynamic
# graph** decides the route as you go: each step is taken when you get there, so detours are easy
# and you always know where you are.
#
# | | define-then-run (static, TF 1.x) | define-by-run (dynamic, PyTorch) |
# |---|---|---|
# | building | declare placeholders and operations once | the forward pass *is* the building |
# | running | `sess.run(outputs, feed_dict={...})` | call the Python code |
# | intermediate values | only inside `sess.run` | ordinary values, printable anywhere |
# | control flow | graph operations (`tf.cond`, `tf.while_loop`) | Python `if`, `for`, `while` |
# | graph per input | one graph, reused | a new graph per forward pass |

# %% [markdown]
# ## Example C, define-then-run
#
# First the graph: placeholders are typed holes for the inputs; `x`, `y` and `z` are graph nodes,
# not numbers. Every node has a name in the graph; we pass `name=` so that the graph's names match
# ours (without it, `a + b` would be called `add`).

# %%
tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
c = tf.placeholder(tf.float32, shape=(), name="c")
d = tf.placeholder(tf.float32, shape=(), name="d")
x = tf.add(a, b, name="x")          # a + b, named x
y = tf.multiply(c, d, name="y")     # c * d
z = tf.add(x, y, name="z")
print("x is", x)          # a node of the graph: no value yet
print("z is", z)
draw(GraphModel.from_static(tf.get_default_graph()))

# %% [markdown] slideshow={"slide_type": "subslide"}
# `tf.gradients(z, [a, b, c, d])` does not compute anything either: it adds the backward pass *to
# the graph*, as more nodes, which the session can later run like any other.

# %%
graph = tf.get_default_graph()
before = len(graph.nodes)
grads = tf.gradients(z, [a, b, c, d])
print(f"graph nodes: {before} before tf.gradients, {len(graph.nodes)} after")

# %% [markdown]
# Values exist only while the graph runs in a **session**, for the inputs in `feed_dict`:

# %%
with tf.Session() as sess:
    x_val, y_val, z_val, *grad_vals = sess.run([x, y, z] + grads, feed_dict={a: 1.0, b: 2.0, c: 3.0, d: 4.0})
print("x, y, z =", float(x_val), float(y_val), float(z_val))
print("dz/da, dz/db, dz/dc, dz/dd =", [float(g) for g in grad_vals])

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same numbers as the dynamic version in lecture 01 — but to see `x` you had to ask the session
# for it. `tf.gradients` added seven nodes, under names scoped as TensorFlow scopes them: `gradients/`
# (the scope of one `tf.gradients` call), then the forward node they differentiate through
# (`x_grad`), then the rule (`AddGrad`; `_1` for its second input). That last part is this
# imitation's: TensorFlow puts several smaller operations there (`Sum`, `Reshape`, ...) where this
# imitation has one node per derivative. Each holds one derivative of `z`:

# %%
for node in graph.nodes[before:]:
    ys, wrt = node.grad_of            # what the node differentiates: the sum of ys, with respect to wrt
    print(f"{node.id:28} {node.op:8} holds d{ys[0].id}/d{wrt.id}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# `Fill` is the seed, $\partial z/\partial z = 1$. The two `AddGrad` of `z` pass it on to `x` and `y`,
# the two `MulGrad` of `y` multiply it by the other factor ($\partial z/\partial c = d$), and the
# `AddGrad` of `x` pass it on to `a` and `b`: the backward pass of lecture 01, written into the graph.
# Each gradient node is wired to its forward node and to all of that node's inputs (this imitation
# hands every rule all of them, needed or not), hence the many arrows. Here is the whole graph now,
# drawn from left to right: the forward pass on the left, what `tf.gradients` added on its right; the
# end points, which no other node uses (the four gradients), are green:

# %%
draw(GraphModel.from_static(tf.get_default_graph()), rankdir="LR")

# %% [markdown]
# ## Control flow: `if` versus `cond`
#
# With a dynamic graph, an `if` is just Python. The graph records only the branch that ran:

# %%
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
if a.item() > 0:
    x = a + b
else:
    x = a - b
y = x * 2
y.backward()
print("took the", x.grad_fn.name(), "branch;  a.grad =", a.grad.item(), " b.grad =", b.grad.item())

# %% [markdown]
# With $a = 1 > 0$ the graph is $y = 2(a + b)$, so both gradients are 2. A static graph cannot use
# Python's `if` on `a`: when the graph is built, `a` is an empty placeholder with no value to compare.
# It needs a **graph operation** that holds both branches and picks one each time the graph runs,
# `tf.cond`:

# %%
tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
x = tf.cond(a > 0, lambda: a + b, lambda: a - b)     # both branches are in the graph
y = x * 2
da, db = tf.gradients(y, [a, b])
with tf.Session() as sess:
    for a_val in (1.0, -1.0):
        y_val, da_val, db_val = sess.run([y, da, db], feed_dict={a: a_val, b: 2.0})
        print(f"a = {a_val:4}: y = {float(y_val):4}   dy/da = {float(da_val)}   dy/db = {float(db_val)}")


# %% [markdown]
# ## The cost of rebuilding, measured
#
# The claim: a static graph is built once and reused for every input, so it is more efficient; a
# dynamic graph is rebuilt for each input. Let us time Example C's expression with its gradients,
# one input at a time, for 50 and 5,000 inputs: the dynamic graph rebuilt per input, the static graph
# built once and run per input — and, for scale, one batched pass over all inputs at once.
#
# Be clear about what is compared: **`autograd_core` against its own static imitation**, both
# running the same numpy code for each operation. It measures what rebuilding the graph costs in
# this engine, not how fast TensorFlow or PyTorch is (their operations run in C++, and PyTorch's
# per-operation overhead is a different number).

# %% tags=["backend-specific"]
def dynamic_per_input(values):
    for va, vb, vc, vd in values:          # a new graph for every input
        a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (va, vb, vc, vd))
        z = (a + b) + c * d
        z.backward()

tf.reset_default_graph()
pa, pb, pc, pd = (tf.placeholder(tf.float32, shape=(), name=n) for n in "abcd")
static_grads = tf.gradients((pa + pb) + pc * pd, [pa, pb, pc, pd])   # built once
session = tf.Session()

def static_per_input(values):
    for va, vb, vc, vd in values:          # the same graph, run again
        session.run(static_grads, feed_dict={pa: va, pb: vb, pc: vc, pd: vd})

def dynamic_batched(values):
    a, b, c, d = (torch.tensor(col, requires_grad=True) for col in zip(*values))
    ((a + b) + c * d).sum().backward()     # one graph for the whole batch

def best_of(fn, values, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(values)
        times.append(time.perf_counter() - t0)
    return min(times)

for n in (50, 5000):
    values = [(1.0 + i, 2.0, 3.0, 4.0) for i in range(n)]
    dyn, sta, bat = (best_of(f, values) for f in (dynamic_per_input, static_per_input, dynamic_batched))
    print(f"{n:5} inputs: dynamic {dyn * 1e3:8.2f} ms   static {sta * 1e3:8.2f} ms "
          f"({dyn / sta:3.1f}x faster)   batched {bat * 1e3:5.2f} ms")
session.close()


# %% [markdown]
# On this engine the static graph is a few times faster per input: running a prepared plan skips
# creating tensors and graph nodes. The saving grows with the number of inputs (it is paid per
# input), so it matters for many small computations and hardly at all for a handful — or for a
# network whose every operation is a large matrix product. And batching beats both by far, in either
# style. (`bench/bench_static.py` measures this properly, PyTorch included.)

# %% [markdown]
# ## Tracing pitfalls
#
# Frameworks also turn a dynamic program into a static graph by **tracing** it: run it once on an
# example input and keep the operations that ran (PyTorch's `torch.jit.trace`, which PyTorch 2.13
# warns is deprecated in favour of `torch.compile` and `torch.export`; here `tf.trace`). Python
# control flow is not an operation, so the trace keeps only the branch the example took:

# %%
def f(a, b):
    if a.item() > 0:
        return (a + b) * 2
    return (a - b) * 2

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = tf.trace(f, (torch.tensor(1.0), torch.tensor(2.0)))
print("warning:", caught[0].message)
print("f(-1, 2)      =", f(torch.tensor(-1.0), torch.tensor(2.0)).item())
print("traced(-1, 2) =", traced(torch.tensor(-1.0), torch.tensor(2.0)).item(), "  <- the a > 0 branch, frozen in")

# %% [markdown]
# The tracer warned: `.item()` turned a tensor into a Python number, so the decision was made outside
# the graph and became a constant. Loops whose length depends on the data and Python-side state have
# the same problem. Static graphs must express such decisions as graph operations (`tf.cond`);
# dynamic graphs simply run the Python again.
#
# PyTorch's newer way to get a graph, **`torch.compile`** (PyTorch 2), also captures the operations
# from running Python, but it does not freeze what it cannot capture: at `a.item() > 0` it makes a
# *graph break*, runs that `if` as ordinary Python, and compiles the pieces on either side; it also
# guards its assumptions about the inputs and recompiles when they fail. So `torch.compile(f)` called
# with `torch.tensor(-1.0), torch.tensor(2.0)` gives $-6$, the right answer, where `torch.jit.trace`
# gives $2$ as the trace above does, at the cost of a graph in pieces.

# %% [markdown]
# ## When each wins
#
# - **Dynamic**: easy to write and debug (print anything, use a debugger), natural for inputs whose
#   size or structure varies (sentences of different lengths, trees), and "just Python".
#   PyTorch's default.
# - **Static**: the whole program is known before it runs, so it can be optimised, saved, and run
#   without Python; nothing is rebuilt per input. The gap matters when the work per operation is
#   small and the number of operations large.
#
# **Exercises:** [ex03 · control flow, .data and .detach()](exercises/ex03_static_and_detach.ipynb), tasks 1 and 5.
