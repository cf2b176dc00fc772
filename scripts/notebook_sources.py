"""The cells of every notebook, as Python literals (assembled by scripts/build_notebooks.py).

Conventions
- A notebook whose code uses only PyTorch's API starts with ``from widgets.torch_switch import
  torch`` and lists both backends; CI runs it with autograd_core and with PyTorch and compares the
  text the cells print (cells tagged "backend-specific" -- random numbers, timings -- are not
  compared). A notebook that needs autograd_core-only features (record, widgets, static graphs)
  imports ``autograd_core`` directly and lists only that backend.
- Exercise notebooks: answers go inside ``### BEGIN SOLUTION`` / ``### END SOLUTION`` in cells with
  nbgrader solution metadata; checks are locked nbgrader "grade" cells. The build writes these
  instructor versions to instructor/ and the student copies (solutions replaced by ``# YOUR CODE
  HERE``, every other cell read-only) to notebooks/exercises/. A variable the student must set is
  first set to None above the markers, and a function to write has a docstring above them, so an
  unfilled copy runs top to bottom and each check says "not filled in yet" or "returned None".
"""
from textwrap import dedent

BOTH = ["autograd_core", "torch"]
CORE = ["autograd_core"]


def md(text, **kw):
    return {"kind": "md", "source": dedent(text).strip("\n"), **kw}


def code(text, tags=(), **kw):
    return {"kind": "code", "source": dedent(text).strip("\n"), "tags": list(tags), **kw}


def hints(text):
    """An exercise's Hints(...) cell: only its button shows. Its source, which holds every hint, is
    collapsed in JupyterLab (which shows the first line in its place: write just ``Hints(`` there)."""
    return code(text, source_hidden=True)


def solution(text, grade_id):
    return code(text, nbgrader={"grade": False, "grade_id": grade_id, "locked": False,
                                "schema_version": 3, "solution": True, "task": False})


def grader(text, grade_id, points=1):
    # "raises-exception": a failed check shows its message and Run All goes on to the next cell
    # (JupyterLab and nbclient send it with stop_on_error=False), so the hints below still appear;
    # the error output still gives the cell no points in nbgrader's autograder.
    return code(text, tags=["raises-exception"],
                nbgrader={"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                          "schema_version": 3, "solution": False, "task": False})


SWITCH = code("""
    # The torch switch: autograd_core by default, real PyTorch when CGRAPH_BACKEND=torch.
    from widgets.torch_switch import torch
""")

# =================================================================================================
# 00 welcome
# =================================================================================================
L00 = dict(file="00_welcome.ipynb", kind="lecture", minutes=15, backends=CORE,
           title="00 · Welcome: how these notebooks work", cells=[
md("""
# 00 · Welcome: how these notebooks work

These notebooks teach **automatic differentiation the way PyTorch does it**: every calculation you
write is recorded as a *computation graph*, and `backward()` walks that graph in reverse to
compute gradients. You will build graphs, take them apart, and watch gradients flow through them.

*About 15 minutes.* In this notebook:

1. the engine you are using, and the switch to real PyTorch;
2. how a lecture notebook is laid out (and how to present one);
3. how exercises check your answers and give hints.
"""),
md("""
## The engine: `autograd_core`

`autograd_core` is a small autograd engine written for this course in plain numpy. It speaks
PyTorch's language — `tensor`, `requires_grad`, `backward`, `grad_fn`, `no_grad` — so
`import autograd_core as torch` runs PyTorch tutorial code unchanged. Because it is small, it can
also do things PyTorch cannot: *record* every step of the forward and backward pass so that we
can replay and draw them.
"""),
code("""
import autograd_core as torch

w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
y = (w + x) * (w + 1)       # build a little graph...
y.backward()                # ...and send gradients back through it
print("y =", y.item(), "  dy/dw =", w.grad.item(), "  dy/dx =", x.grad.item())
"""),
md("""
The `widgets` package draws what the engine recorded. `draw(y)` pictures the graph behind `y`: the
leaves `w` and `x` (with the gradients just computed), the intermediate results, and the operations
joining them. Later lectures step through such graphs one operation at a time.
"""),
code("""
from widgets import draw

draw(y)
"""),
md("""
### Stepping through a graph

The `GraphStepper` replays a recording one event at a time. Use the buttons (or ← and → after
clicking the widget) to move: the forward steps add one node each, the backward steps light up the
node that is running, and the **chain rule** panel shows what it received, its local derivative and
what it passes on. Click any node to see its details in the inspector on the right; **play**
animates the whole thing, and **predict** asks you for each gradient before it is revealed.
"""),
code("""
from widgets.stepper import GraphStepper

with torch.record() as rec:
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
GraphStepper(rec)
"""),
md("""
### The torch switch

Most lectures begin with

```python
from widgets.torch_switch import torch
```

which gives you `autograd_core` — or **real PyTorch** when the environment variable
`CGRAPH_BACKEND=torch` is set before JupyterLab starts (`CGRAPH_BACKEND=torch make lab`).
The course's test suite runs those lectures both ways and checks that they print the same numbers,
so what you learn here is true of PyTorch too. Lectures that use features only `autograd_core`
has (recordings, graph pictures, static graphs) import it directly and say so at the top.
"""),
code("""
from widgets import torch_switch

print("this kernel's backend:", torch_switch.BACKEND, "  (choices:", ", ".join(torch_switch.BACKENDS) + ")")
"""),
md("""
## How a lecture is laid out

Each lecture is a short sequence of sections. Read the text, run each code cell in order with
**Shift+Enter**, and change the numbers to see what happens; *Run ▸ Run All Cells* replays the
whole notebook. Every lecture ends with pointers to its exercises and links to the previous and
next lecture.

**Presenting.** The cells carry slide metadata: with the instructor tools installed
(`pip install -e ".[instructor]"`, which adds `jupyterlab-rise`), *View ▸ Render as Reveal
Slideshow* shows a lecture as slides beside the notebook, and the toolbar's slideshow button opens
them in a browser tab of their own; run the cells on the slides with **Shift+Enter**. On a
projector, switch on **lecture mode**: widgets, figures and graph pictures grow together.
"""),
code("""
from widgets.lecture import lecture_mode

lecture_mode(scale=1.5)     # everything x1.5; lecture_mode(False) switches back
"""),
md("""
## How exercises work

Exercise notebooks (in `notebooks/exercises/`) have cells for you to fill in (`# YOUR CODE HERE`),
each followed by a read-only **check** cell. A check prints ✓ for a right answer; otherwise one
line says what is wrong — not filled in yet, wrong shape, a known slip — without giving the answer
away. Stuck? Each task has **hints**, revealed one at a time:
"""),
code("""
from widgets.exercises import Hints, check

Hints("Hints appear one click at a time.",
      "The next one is usually more specific than the last.",
      "The last hint is nearly the answer: try without it first!")
"""),
code("""
my_answer = 5.0            # dy/dw for the graph above, worked out by hand
check("dy/dw", my_answer, expected=w.grad)
"""),
md("""
Try it: set `my_answer = 2.0` above and run the cell again to see the message a wrong answer gets.
The exercises hold no solutions; your lecturer has a version of each with its solutions.

Finally, lecture mode stays on for every notebook open in this JupyterLab window (and its slides)
until it is switched off: run `lecture_mode(False)` in any cell, or clear the output of the cell
that switched it on (*Edit ▸ Clear Cell Output*).
"""),
])

# =================================================================================================
# 01 computation graphs
# =================================================================================================
L01 = dict(file="01_computation_graphs.ipynb", kind="lecture", minutes=25, backends=CORE,
           title="01 · Computation graphs and the dynamic graph", cells=[
md("""
# 01 · Computation graphs and the dynamic graph

*About 25 minutes. Uses `autograd_core`'s recorder, so this lecture runs on `autograd_core` only.*

- what a computation graph is;
- how PyTorch builds it *while* your code runs (define-by-run);
- the forward pass and the backward pass, worked by hand and then watched step by step
  on three small examples, A, B and C.
"""),
code("""
import autograd_core as torch
from widgets import draw            # pictures of graphs (Graphviz)
"""),
md("""
## A calculation is a graph

Take $y = (w + x)\\,(w + 1)$. Computing it takes three operations, and each uses results of earlier
ones:

```
a = w + x        b = w + 1        y = a * b
```

Draw every value as a node and every operation as arrows from its inputs to its output, and you
get a **computation graph**: a *directed acyclic graph* (DAG). Directed, because data flows from
inputs to outputs; acyclic, because a value never depends on itself. The inputs `w` and `x` are the
graph's **leaves**; `y` is its **root**. Operations can be anything with a derivative: addition,
multiplication, a matrix product, a convolution.

Why bother? Because the chain rule is *local*: if every operation knows the derivative of its own
output with respect to its own inputs, the derivative of the whole graph is a product of those
local pieces along the paths from the root back to each leaf. The graph tells us which paths exist.
"""),
md("""
## Example A, built one line at a time

In PyTorch the graph is not declared in advance. It is **recorded as the code runs**: every
operation on a tensor with `requires_grad=True` produces a new tensor *and* a note of how it was
made, its `grad_fn`. This is called *define-by-run*, or a **dynamic graph**.
"""),
code("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)

a = w + x
print("a =", a.item(), " made by", a.grad_fn.name())
b = w + 1
print("b =", b.item(), " made by", b.grad_fn.name())
y = a * b
print("y =", y.item(), " made by", y.grad_fn.name())
print("w is a leaf with grad_fn", w.grad_fn)
"""),
md("""
Each `print` ran *during* the forward pass, and each intermediate value already knew its `grad_fn`:
the graph grew with the program. You can put a breakpoint or a `print` anywhere in a dynamic graph;
that is a large part of why PyTorch is pleasant to debug.

`draw` pictures the graph that was recorded: tensors as boxes with their values (leaves marked),
operations as the arrows' junctions. Nothing has a gradient yet.
"""),
code("""
draw(y)
"""),
md("""
### The forward pass keeps what backward will need

To differentiate $y = a\\,b$ later, the engine needs $\\partial y/\\partial a = b$ and
$\\partial y/\\partial b = a$: the *values* of `a` and `b`. So the forward pass saves them on the
`MulBackward0` node. An addition needs nothing: its local derivatives are 1.
"""),
code("""
print("MulBackward0 saved:", {k: v.item() for k, v in y.grad_fn.saved_tensors().items()})
print("AddBackward0 saved:", a.grad_fn.saved_tensors())
"""),
md("""
## The backward pass, by hand

`y.backward()` starts at the root with $\\partial y/\\partial y = 1$ and walks the graph in
**reverse topological order** (every node after all the nodes that use its output), multiplying by
each operation's local derivative — the chain rule — and **adding up** contributions that reach
the same leaf along different paths:

| node | receives | local derivatives | sends |
|---|---|---|---|
| `y = a*b` | $\\partial y/\\partial y = 1$ | $\\partial y/\\partial a = b = 2$, $\\partial y/\\partial b = a = 3$ | 2 to `a`, 3 to `b` |
| `a = w+x` | 2 | 1, 1 | 2 to `w`, 2 to `x` |
| `b = w+1` | 3 | 1 | 3 to `w` |

`w` is reached along two paths, so $\\partial y/\\partial w = 2 + 3 = 5$, and
$\\partial y/\\partial x = 2$.
"""),
code("""
y.backward()
print("w.grad =", w.grad.item(), "  x.grad =", x.grad.item())
draw(y)          # now the leaves show their .grad; the intermediate ones were freed (lecture 02)
"""),
md("""
### Watching the engine do it

`autograd_core.record()` writes down every event of the forward and backward pass, in order.
Here is Example A again, inside a recording:
"""),
code("""
def show(rec):
    \"\"\"Print a recording, one event per line.\"\"\"
    for ev in rec.events:
        if ev.kind == "leaf":
            print(f"{ev.index:2}  leaf        value {ev.value}")
        elif ev.kind == "forward":
            print(f"{ev.index:2}  forward     {ev.op:4} -> {ev.node.name() if ev.node else 'no grad_fn':13} value {ev.value}")
        elif ev.kind == "backward":
            sent = [None if g is None else float(g) for g in ev.grad_inputs]
            print(f"{ev.index:2}  backward    {ev.node.name():13} got {float(ev.grad_output)}  sends {sent}")
        elif ev.kind == "accumulate":
            print(f"{ev.index:2}  accumulate  into a leaf: {float(ev.grad)}  -> .grad = {ev.total}")
        else:
            print(f"{ev.index:2}  {ev.kind:11} {ev.grad}")

with torch.record() as rec_a:
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
show(rec_a)
"""),
md("""
Read it top to bottom: two leaves, three forward operations, then three backward steps in reverse
order, and finally the two leaves' `.grad` being filled. The engine added `w`'s two contributions
(3 and 2) before storing `w.grad = 5`.

The same recording, as a picture you can step through: forward to build the graph node by node,
then backward to watch each gradient arrive. The chain-rule panel shows, at every backward step,
*received × local derivative = passed on*. Click a node to inspect it.
"""),
code("""
from widgets.stepper import GraphStepper

GraphStepper(rec_a)
"""),
md("""
## Example B

$m = 2$, $n = 3$, $a = m + n$, $b = m - n$, $y = a\\,b$. This time, predict before you look:
the cell below records Example B without printing anything, and its stepper has **predict** on, so
at each backward step you type the gradients before they are revealed (the tally counts your right
and wrong answers). Work them out by hand ($a = 5$, $b = -1$).
"""),
code("""
with torch.record() as rec_b:
    m = torch.tensor(2.0, requires_grad=True)
    n = torch.tensor(3.0, requires_grad=True)
    a = m + n
    b = m - n
    y = a * b
    y.backward()

GraphStepper(rec_b, predict=True)
"""),
md("""
Done predicting? Here is the same recording as a list of events, and the engine's answers:
""", slide="subslide"),  # on slides, the answers come after the predicting, on a slide of their own
code("""
show(rec_b)
print("m.grad =", m.grad.item(), "  n.grad =", n.grad.item())
"""),
md("""
$\\partial y/\\partial m = b\\cdot 1 + a\\cdot 1 = -1 + 5 = 4$ and
$\\partial y/\\partial n = b\\cdot 1 + a\\cdot(-1) = -1 - 5 = -6$: the subtraction's local
derivative for its second input is $-1$ (`SubBackward0`).
"""),
md("""
## Example C

Four leaves, $a=1, b=2, c=3, d=4$; $x = a + b$, $y = c\\,d$, $z = x + y$. We print every
intermediate value and its `grad_fn` *as it is computed*. (One of the tutorials this course is based
on prints $z = 5$ here: that is a misprint, $3 + 12 = 15$.)
"""),
code("""
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
"""),
md("""
The addition passes its gradient through unchanged (`a.grad = b.grad = 1`); the product swaps its
inputs (`c.grad = d = 4`, `d.grad = c = 3`).

A stepper can also run a function for you, recording it as it goes. Here is Example C in the
*function* view, the graph of `...Backward` nodes that `backward()` actually walks:
"""),
code("""
def example_c():
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0, 4.0))
    z = (a + b) + c * d
    z.backward()

GraphStepper(example_c, view="function")
"""),
md("""
## A new graph on every forward pass

Because the graph is recorded as code runs, running the code again records a **new** graph. Plain
Python decides its shape: here a loop runs a different number of times for different inputs, and
each graph has a different length.
"""),
code("""
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
"""),
md("""
## Summary

- A computation graph is a DAG from leaves (inputs) to a root (the output).
- PyTorch builds it **while the forward pass runs**, a new graph every time; each result knows its
  `grad_fn`, and nodes save the values their derivative needs.
- `backward()` starts from $1$ at the root, applies the chain rule in reverse topological order and
  **sums** contributions that reach a leaf along several paths.

**Exercises:** [ex01 · graphs, leaves and grad_fn](exercises/ex01_graphs_and_leaves.ipynb), tasks 1–2.
"""),
])

# =================================================================================================
# 02 leaves, grad_fn
# =================================================================================================
L02 = dict(file="02_leaves_and_grad_fn.ipynb", kind="lecture", minutes=20, backends=BOTH,
           title="02 · Leaves, grad_fn, next_functions and retain_grad", cells=[
md("""
# 02 · Leaves, `grad_fn`, `next_functions` and `retain_grad`

*About 20 minutes. Runs on `autograd_core` and on PyTorch (the torch switch).*

Lecture 01 drew the graph on paper. Here we take the graph PyTorch actually keeps and walk it
in code: which tensors are leaves, what `grad_fn` objects are, how they point to each other, and
which tensors end up with a `.grad`.
"""),
SWITCH,
md("""
## Leaves

A tensor is a **leaf** if no recorded operation produced it: you created it yourself (with
`requires_grad=True` or not), or it does not require grad at all. Everything computed from tensors
that require grad is a non-leaf. We use Example A again.
"""),
code("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b

for name, t in [("w", w), ("x", x), ("a", a), ("b", b), ("y", y)]:
    print(f"{name}: is_leaf={t.is_leaf!s:5}  requires_grad={t.requires_grad}")
"""),
md("""
## `grad_fn`: how a tensor was made

A non-leaf's `grad_fn` is the node of the graph that will compute its backward step. Its class name
is the operation plus `Backward` and a version number, as in PyTorch: `MulBackward0`,
`AddBackward0`. A leaf has `grad_fn = None`.
"""),
code("""
print("y.grad_fn:", y.grad_fn.name())
print("a.grad_fn:", a.grad_fn.name())
print("w.grad_fn:", w.grad_fn)
"""),
md("""
## `next_functions`: the edges of the graph

The graph PyTorch keeps is a graph of these *function* nodes. Each node's `next_functions` is a
tuple of `(node, input_nr)` pairs, one per input of the operation, pointing one step towards the
leaves. Three kinds of entry appear:

- another backward node, for an input that was itself computed;
- an `AccumulateGrad` node, for a leaf that requires grad — it stores the arriving gradient in the
  leaf's `.grad`, and its `.variable` is that leaf;
- `(None, 0)`, for an input that needs no gradient (here the constant `1` in `w + 1`).
"""),
code("""
print(y.grad_fn.next_functions)
acc = a.grad_fn.next_functions[0][0]
print(acc.name(), "-> its variable is w:", acc.variable is w)
print("b = w + 1:", [(fn.name() if fn is not None else None, nr) for fn, nr in b.grad_fn.next_functions])
"""),
md("""
Following `next_functions` from the root visits the whole graph. This walk prints it as a tree:
"""),
code("""
def walk(fn, depth=0):
    if fn is None:
        print("    " * depth + "None (no grad needed)")
        return
    label = fn.name()
    if hasattr(fn, "variable"):
        label += f"  -> leaf with value {fn.variable.item()}"
    print("    " * depth + label)
    for next_fn, _ in fn.next_functions:
        walk(next_fn, depth + 1)

walk(y.grad_fn)
"""),
md("""
`w` appears twice: it feeds both `a` and `b`. It is the same `AccumulateGrad` node both times,
which is why the two gradients that reach it are added.

This graph of backward functions is the picture in PyTorch's own autograd tutorial: the nodes are
the `...Backward` functions, the arrows point the way the forward pass went, and the leaves (drawn
blue there) are the tensors you asked gradients for. The **leaves are the inputs, the roots are the
outputs**. `draw` shows it (it reads the graph through `grad_fn` and `next_functions`, so it works
for real PyTorch tensors too):
"""),
code("""
from widgets import draw

draw(y, view="function")
"""),
md("""
## Which tensors get a `.grad`?

After `backward()`, only leaves that require grad keep their gradient in `.grad`. The gradients of
intermediate tensors are computed (they have to be: the chain rule passes through them) but are
**freed** as soon as they have been passed on, to save memory. Reading `.grad` of a non-leaf gives
`None` (and PyTorch warns you).
"""),
code("""
import warnings

y.backward()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")     # the "non-leaf .grad" warning: we know
    print("w.grad =", w.grad, " x.grad =", x.grad)
    print("a.grad =", a.grad, " b.grad =", b.grad, " y.grad =", y.grad)
"""),
md("""
### `retain_grad()`: keep an intermediate gradient

If you want to see an intermediate gradient — to debug, or to teach — ask for it *before*
`backward()`:
"""),
code("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
a.retain_grad()
b = w + 1
y = a * b
y.backward()
print("a.grad =", a.grad, "(dy/da = b)")
print("a.retains_grad:", a.retains_grad, "  w.grad:", w.grad)
"""),
md("""
## `requires_grad` spreads through operations

An operation's result requires grad if **any** input does; only then is the operation recorded.
Tensors that do not require grad cost nothing in the graph.
"""),
code("""
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand(5, 5, requires_grad=True)

print("x + y requires grad?", (x + y).requires_grad)
print("x + z requires grad?", (x + z).requires_grad, " grad_fn:", (x + z).grad_fn.name())
print("x + y has a grad_fn?", (x + y).grad_fn)
"""),
md("""
## Summary

- Leaves are tensors you made; non-leaves carry a `grad_fn` named after the operation.
- `grad_fn.next_functions` are the graph's edges; `AccumulateGrad` nodes deliver gradients into
  leaves; `(None, 0)` marks inputs that need none.
- Only leaves keep `.grad`; call `retain_grad()` before `backward()` to keep an intermediate one.
- `requires_grad` propagates: a result requires grad if any input does.

**Exercises:** [ex01 · graphs, leaves and grad_fn](exercises/ex01_graphs_and_leaves.ipynb), tasks 3–4.
"""),
])

# =================================================================================================
# 03 backward in depth
# =================================================================================================
L03 = dict(file="03_backward_in_depth.ipynb", kind="lecture", minutes=30, backends=BOTH,
           title="03 · Backward in depth", cells=[
md("""
# 03 · `backward()` in depth

*About 30 minutes. Runs on `autograd_core` and on PyTorch.*

- the chain rule, checked against a formula;
- gradients **accumulate**, so they must be zeroed;
- why a second `backward()` fails, and `retain_graph`;
- non-scalar outputs: the `gradient=` argument and **vector-Jacobian products**;
- `torch.autograd.grad`, which returns gradients instead of storing them;
- the graph is rebuilt every iteration, so control flow and shapes may change.
"""),
SWITCH,
md("""
## The chain rule

For $y = \\sin(x^2)$, the chain rule gives $dy/dx = \\cos(x^2)\\cdot 2x$. Autograd computes exactly
this product: `PowBackward0` contributes $2x$, `SinBackward0` contributes $\\cos(x^2)$.
"""),
code("""
x = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)
y = torch.sin(x ** 2)
y.sum().backward()

by_formula = torch.cos(x.detach() ** 2) * 2 * x.detach()
print("autograd:   ", x.grad)
print("by formula: ", by_formula)
print("equal:", torch.allclose(x.grad, by_formula))
"""),
md("""
## Gradients accumulate

`backward()` **adds** into `.grad`; it never overwrites. That is what makes the two paths to `w` in
Example A add up — and it also means that calling `backward()` twice adds twice.
"""),
code("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
y = (w + x) * (w + 1)

y.backward(retain_graph=True)
print("after one backward:  w.grad =", w.grad.item())
y.backward(retain_graph=True)
print("after two backwards: w.grad =", w.grad.item(), " (5 + 5)")

w.grad.zero_()           # what optimizer.zero_grad() does for every parameter
x.grad = None            # also fine: the next backward starts a fresh .grad
y.backward()
print("after zeroing:       w.grad =", w.grad.item(), " x.grad =", x.grad.item())
"""),
md("""
In a training loop, forgetting to zero makes every step use the sum of all gradients so far.
The habit: **zero the gradients before (or right after) every `backward()`** —
`optimizer.zero_grad()` in lecture 07.

## A graph is used once: `retain_graph`

During backward each node uses the values it saved and then **frees** them. Calling `backward()` a
second time through the same graph finds them gone:
"""),
code("""
y = (w + x) * (w + 1)
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:70] + "...")
"""),
md("""
`backward(retain_graph=True)` keeps the saved values, at the cost of memory, for the rare case
where you really need two passes over the same graph (we used it above). Usually you do not:
you run a new forward pass, which builds a new graph.

## Non-scalar outputs

So far the root was a single number. Take $a = [2, 3]$, $b = [6, 4]$ and

$$Q = 3a^3 - b^2 .$$

$Q$ is a *vector* with two entries. What would "the gradient of $Q$" be? There is one per entry
of $Q$ — a whole Jacobian. PyTorch refuses to guess:
"""),
code("""
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
print("Q =", Q)
try:
    Q.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
"""),
md("""
We have to say how much each entry of $Q$ matters by passing a `gradient` of $Q$'s shape.
With all ones it means "the gradient of $Q_1 + Q_2$":
"""),
code("""
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
print("a.grad =", a.grad, "   9*a**2 =", 9 * a.detach() ** 2, "  equal:", torch.equal(a.grad, 9 * a.detach() ** 2))
print("b.grad =", b.grad, "   -2*b   =", -2 * b.detach(), "  equal:", torch.equal(b.grad, -2 * b.detach()))
"""),
md("""
The graph behind `Q`, drawn the way PyTorch's autograd tutorial draws it: the backward functions
are the nodes, the arrows follow the forward pass, and the leaves `a` and `b` (blue) are where the
gradients are accumulated.
"""),
code("""
from widgets import draw

draw(Q, view="function")
"""),
code("""
# Same thing, written as a scalar: sum first, then backward.
a.grad, b.grad = None, None
Q = 3 * a ** 3 - b ** 2
Q.sum().backward()
print("a.grad =", a.grad, "  b.grad =", b.grad)
"""),
md("""
### What autograd really computes: vector-Jacobian products

For $\\vec y = f(\\vec x)$ the Jacobian $J$ holds every partial derivative,
$J_{ij} = \\partial y_i/\\partial x_j$. Autograd never builds $J$. Given a vector $\\vec v$ (the
`gradient` argument), it computes the **vector-Jacobian product**

$$J^{\\top}\\vec v .$$

If $\\vec v$ is the gradient of some scalar $l = g(\\vec y)$, i.e. $v_i = \\partial l/\\partial y_i$,
then by the chain rule $J^\\top \\vec v$ is exactly $\\partial l/\\partial \\vec x$. That is why one
backward pass per scalar loss is all training needs, however many outputs sit in between.

For $Q$, $J$ is diagonal ($\\partial Q_i/\\partial a_i = 9a_i^2$), so $J^\\top[1, 1] = 9a^2$. With a
matrix product the Jacobian is a full matrix. Check $J^\\top v$ against autograd for
$\\vec y = M\\vec x$, whose Jacobian is $M$:
"""),
code("""
M = torch.tensor([[1.0, 2.0, 0.0],
                  [0.0, -1.0, 3.0]])
x = torch.tensor([1.0, 1.0, 2.0], requires_grad=True)
y = M @ x                              # J = M, a 2 x 3 matrix
v = torch.tensor([0.5, -2.0])
y.backward(gradient=v)
print("autograd x.grad:", x.grad)
print("M^T v by hand:  ", M.t() @ v)

# v as the gradient of a scalar: l = sum(y**2) has dl/dy = 2y, and J^T (2y) = dl/dx.
x.grad = None
l = ((M @ x) ** 2).sum()
l.backward()
print("dl/dx =", x.grad, "  M^T (2y) =", M.t() @ (2 * (M @ x.detach())))
"""),
md("""
## `torch.autograd.grad`: gradients as a return value

`backward()` accumulates into the leaves' `.grad`. `torch.autograd.grad(outputs, inputs)` instead
*returns* the gradients as a tuple and leaves `.grad` alone — handy when you want a derivative as
a value (for a penalty, a check, or a plot) without disturbing training.
"""),
code("""
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
dQ_da, dQ_db = torch.autograd.grad(Q.sum(), [a, b])
print("dQ/da =", dQ_da, " dQ/db =", dQ_db)
print("a.grad is still", a.grad)
"""),
md("""
## The graph is rebuilt every iteration

After `backward()` the graph is gone; the next forward pass records a new one. So each iteration
may take a different path through your Python code, use different operations, and even
different **shapes** — here a sequence whose length changes every step, as sentences do in
language models:
"""),
code("""
weight = torch.tensor(0.5, requires_grad=True)
for length in (2, 4, 3):
    seq = torch.arange(1.0, length + 1)          # a different length each time
    h = torch.tensor(0.0)
    for token in seq:                            # a loop over the sequence: the graph grows with it
        h = torch.tanh(weight * h + token)
    h.backward()
    print(f"length {length}: h = {h.item():.4f}  d h/d weight = {weight.grad.item():.4f}")
    weight.grad = None
"""),
md("""
## Summary

- Autograd multiplies local derivatives along paths (chain rule) and **adds** into `.grad`:
  zero gradients between steps.
- Saved values are freed after `backward()`; `retain_graph=True` keeps them.
- A non-scalar root needs a `gradient` $\\vec v$; autograd computes $J^\\top\\vec v$ (a
  vector-Jacobian product). `Q.sum().backward()` is the same as `gradient=ones`.
- `torch.autograd.grad` returns gradients without touching `.grad`.
- A new graph is recorded every forward pass, so control flow and shapes can change freely.

**Exercises:** [ex02 · backward in depth](exercises/ex02_backward.ipynb).
"""),
])

# =================================================================================================
# 04 static vs dynamic
# =================================================================================================
L04 = dict(file="04_static_vs_dynamic.ipynb", kind="lecture", minutes=30, backends=CORE,
           title="04 · Static versus dynamic graphs", cells=[
md("""
# 04 · Static versus dynamic graphs

*About 30 minutes. Uses `autograd_core.static`, so it runs on `autograd_core` only.*

PyTorch records its graph while your code runs. TensorFlow 1.x did the opposite: you **defined**
the whole graph first, then **ran** it. `autograd_core.static` imitates TensorFlow 1.x on top of
the same operations, so we can compare the two styles side by side: how code looks, how control
flow works, and what each costs — measured, not just claimed.
"""),
code("""
import time
import warnings

import autograd_core as torch
import autograd_core.static as tf        # TensorFlow 1.x style: placeholders, Session, gradients
from widgets import GraphModel, draw
"""),
md("""
## Two ways to plan a trip

A **static graph** is a travel itinerary fixed in advance: every leg is booked before you leave,
so the whole route can be optimised, but changing plans on the way means rebooking. A **dynamic
graph** decides the route as you go: each step is taken when you get there, so detours are easy
and you always know where you are.

| | define-then-run (static, TF 1.x) | define-by-run (dynamic, PyTorch) |
|---|---|---|
| building | declare placeholders and operations once | the forward pass *is* the building |
| running | `sess.run(outputs, feed_dict={...})` | call the Python code |
| intermediate values | only inside `sess.run` | ordinary values, printable anywhere |
| control flow | graph operations (`tf.cond`, `tf.while_loop`) | Python `if`, `for`, `while` |
| graph per input | one graph, reused | a new graph per forward pass |

## Example C, define-then-run

First the graph: placeholders are typed holes for the inputs; `x`, `y` and `z` are graph nodes,
not numbers.
"""),
code("""
tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
c = tf.placeholder(tf.float32, shape=(), name="c")
d = tf.placeholder(tf.float32, shape=(), name="d")
x = a + b
y = c * d
z = x + y
print("x is", x)          # a node of the graph: no value yet
print("z is", z)
draw(GraphModel.from_static(tf.get_default_graph()))
"""),
md("""
`tf.gradients(z, [a, b, c, d])` does not compute anything either: it adds the backward pass *to
the graph*, as more nodes, which the session can later run like any other.
"""),
code("""
graph = tf.get_default_graph()
before = len(graph.nodes)
grads = tf.gradients(z, [a, b, c, d])
print(f"graph nodes: {before} before tf.gradients, {len(graph.nodes)} after")
"""),
md("""
Values exist only while the graph runs in a **session**, for the inputs in `feed_dict`:
"""),
code("""
with tf.Session() as sess:
    x_val, y_val, z_val, *grad_vals = sess.run([x, y, z] + grads, feed_dict={a: 1.0, b: 2.0, c: 3.0, d: 4.0})
print("x, y, z =", float(x_val), float(y_val), float(z_val))
print("dz/da, dz/db, dz/dc, dz/dd =", [float(g) for g in grad_vals])
"""),
md("""
The same numbers as the dynamic version in lecture 01 — but to see `x` you had to ask the session
for it. Here is the whole graph now, forward and backward; the end points, which no other node
uses (here the four gradients), are green:
"""),
code("""
draw(GraphModel.from_static(tf.get_default_graph()))
"""),
md("""
## Control flow: `if` versus `cond`

With a dynamic graph, an `if` is just Python. The graph records only the branch that ran:
"""),
code("""
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
if a.item() > 0:
    x = a + b
else:
    x = a - b
y = x * 2
y.backward()
print("took the", x.grad_fn.name(), "branch;  a.grad =", a.grad.item(), " b.grad =", b.grad.item())
"""),
md("""
With $a = 1 > 0$ the graph is $y = 2(a + b)$, so both gradients are 2. A static graph cannot use
Python's `if` on `a`: when the graph is built, `a` is an empty placeholder with no value to compare.
It needs a **graph operation** that holds both branches and picks one each time the graph runs,
`tf.cond`:
"""),
code("""
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
"""),
md("""
## The cost of rebuilding, measured

The claim: a static graph is built once and reused for every input, so it is more efficient; a
dynamic graph is rebuilt for each input. Let us time Example C's expression with its gradients,
one input at a time, for 50 and 5,000 inputs: the dynamic graph rebuilt per input, the static graph
built once and run per input — and, for scale, one batched pass over all inputs at once.
"""),
code("""
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
""", tags=["backend-specific"]),
md("""
On this engine the static graph is a few times faster per input: running a prepared plan skips
creating tensors and graph nodes. The saving grows with the number of inputs (it is paid per
input), so it matters for many small computations and hardly at all for a handful — or for a
network whose every operation is a large matrix product. And batching beats both by far, in either
style. (`bench/bench_static.py` measures this properly, PyTorch included.)

## Tracing pitfalls

Frameworks also turn a dynamic program into a static graph by **tracing** it: run it once on an
example input and keep the operations that ran (`torch.jit.trace`; here `tf.trace`). Python
control flow is not an operation, so the trace keeps only the branch the example took:
"""),
code("""
def f(a, b):
    if a.item() > 0:
        return (a + b) * 2
    return (a - b) * 2

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    traced = tf.trace(f, (torch.tensor(1.0), torch.tensor(2.0)))
print("warning:", str(caught[0].message)[:92] + "...")
print("f(-1, 2)      =", f(torch.tensor(-1.0), torch.tensor(2.0)).item())
print("traced(-1, 2) =", traced(torch.tensor(-1.0), torch.tensor(2.0)).item(), "  <- the a > 0 branch, frozen in")
"""),
md("""
The tracer warned: `.item()` turned a tensor into a Python number, so the decision was made outside
the graph and became a constant. Loops whose length depends on the data and Python-side state have
the same problem. Static graphs must express such decisions as graph operations (`tf.cond`);
dynamic graphs simply run the Python again.

## When each wins

- **Dynamic**: easy to write and debug (print anything, use a debugger), natural for inputs whose
  size or structure varies (sentences of different lengths, trees), and "just Python".
  PyTorch's default.
- **Static**: the whole program is known before it runs, so it can be optimised, saved, and run
  without Python; nothing is rebuilt per input. The gap matters when the work per operation is
  small and the number of operations large.

**Exercises:** [ex03 · control flow, .data and .detach()](exercises/ex03_static_and_detach.ipynb), tasks 1 and 4.
"""),
])

# =================================================================================================
# 05 Variable, data, detach
# =================================================================================================
L05 = dict(file="05_data_detach_item.ipynb", kind="lecture", minutes=25, backends=BOTH,
           title="05 · Variable, .data versus .detach(), and .item()", cells=[
md("""
# 05 · `Variable`, `.data` versus `.detach()`, and `.item()`

*About 25 minutes. Runs on `autograd_core` and on PyTorch.*

Old PyTorch code (and many blog posts) uses `Variable`, `.data` and `loss.data[0]`. This lecture
explains what they were, what replaced them, and two traps they hide: **silently wrong gradients**
and **memory that grows every iteration**.
"""),
SWITCH,
md("""
## `Variable` is now just a `Tensor`

Before PyTorch 0.4, a tensor could not take part in autograd by itself: you wrapped it in
`torch.autograd.Variable`, which carried `.data` (the wrapped tensor), `.grad` and `.grad_fn`.
Since 0.4 tensors do all of that themselves. `Variable(...)` still works, for old code, but simply
returns a tensor:
"""),
code("""
Variable = torch.autograd.Variable       # in old code: from torch.autograd import Variable

v = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
print("a Tensor?", isinstance(v, torch.Tensor), "  v =", v)
print("v.data =", v.data, "  v.grad =", v.grad, "  v.grad_fn =", v.grad_fn)
"""),
md("""
## `.data` and `.detach()`: the same memory, outside the graph

Both give a tensor that **shares memory** with the original but is **not part of the graph**
(`requires_grad=False`). Change one, and the other sees it:
"""),
code("""
t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
d, e = t.data, t.detach()
print("requires_grad:", d.requires_grad, e.requires_grad)
with torch.no_grad():
    t[0] = 10.0
print("after t[0] = 10:  t.data =", d, "  t.detach() =", e)
"""),
md("""
### The trap: in-place changes through `.data` are invisible

$\\sigma(x) = 1/(1 + e^{-x})$ has derivative $\\sigma(x)(1 - \\sigma(x))$ — computed from the
*output*, so `SigmoidBackward0` saves `out`. What if we modify `out` in place after the forward pass?
"""),
code("""
x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.sigmoid()
correct = out.detach() * (1 - out.detach())      # sigma' from the unmodified output
print("correct gradient:       ", correct)

out.data.zero_()          # change the saved output behind autograd's back
out.sum().backward()
print("gradient after .data.zero_():", x.grad, " <- silently wrong!")
"""),
md("""
No error, no warning: backward used the zeros and produced a wrong gradient. That is the danger of
`.data`: autograd cannot see changes made through it.

### `.detach()` is tracked: the version counter

Every tensor has a **version counter**, shared by all tensors that share its memory. Each in-place
operation bumps it. A backward node remembers the version of every tensor it saved; if the version
has changed when backward runs, you get an error instead of a wrong answer. `.detach()` shares the
counter; `.data` does not.
"""),
code("""
x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.sigmoid()
print("version before:", out._version)
out.detach().zero_()
print("version after detach().zero_():", out._version)
try:
    out.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:95] + "...")
"""),
md("""
**Use `.detach()`**, not `.data`. The same goes for moving a result to numpy:
`t.detach().cpu().numpy()` (the `.cpu()` is a no-op on the CPU, but makes the code work on a GPU too).
Calling `.numpy()` on a tensor that requires grad is refused, with a message that says so:
"""),
code("""
t = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    t.numpy()
except RuntimeError as e:
    print("RuntimeError:", e)
print("t.detach().cpu().numpy() =", t.detach().cpu().numpy())
"""),
md("""
## Reading a number: `.item()`

Old code read a scalar loss as `loss.data[0]`. A scalar is now a 0-dimensional tensor, which has
no index 0, so that line fails today. `loss.item()` returns a plain Python number:
"""),
code("""
loss = (torch.tensor([1.0, 2.0, 3.0]) ** 2).mean()
print("loss.item() =", loss.item(), " a", type(loss.item()).__name__)
try:
    loss.data[0]
except IndexError as e:
    print("loss.data[0] -> IndexError:", e)
"""),
md("""
### `total += loss` keeps every graph alive

Summing losses for a report looks harmless. But `loss` is a tensor *in a graph*, so `total + loss`
is a new node whose graph contains **every previous iteration's graph**: none of them can be freed,
and memory grows with every step. Count the nodes reachable from `total`:
"""),
code("""
def graph_size(t):
    \"\"\"Number of backward nodes reachable from t.grad_fn.\"\"\"
    seen, todo = set(), [t.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        todo.extend(f for f, _ in fn.next_functions)
    return len(seen)

w = torch.tensor([0.5], requires_grad=True)
data = torch.tensor([1.0, 2.0, 3.0, 4.0])
total_tensor, total_float = 0, 0.0
for step in range(1, 31):
    loss = ((w * data - 2 * data) ** 2).mean()
    total_tensor += loss             # keeps loss's graph alive
    total_float += loss.item()       # a Python float: the graph can be freed
    if step % 10 == 0:
        print(f"step {step}: nodes kept alive by total_tensor = {graph_size(total_tensor):4}   "
              f"total_float is a {type(total_float).__name__}")
"""),
md("""
The tensor total drags a graph that grows by the same number of nodes every step (with the saved
tensors inside them); on a real model each of those holds activations, and a training run slowly
fills the memory. **Accumulate `loss.item()`** (or `loss.detach()`) when you only want the number.

## Summary

- `Variable(t)` returns a plain tensor; tensors carry `grad`, `grad_fn` and `requires_grad` themselves.
- `.data` and `.detach()` share memory and leave the graph; in-place changes through `.data` are
  **not tracked** (wrong gradients, silently), through `.detach()` they bump the version counter
  and backward **raises**. Prefer `.detach()`; to numpy via `t.detach().cpu().numpy()`.
- `loss.item()` replaces `loss.data[0]`; sum `loss.item()`, not `loss`, or every graph stays alive.

**Exercises:** [ex03 · control flow, .data and .detach()](exercises/ex03_static_and_detach.ipynb), tasks 2–3.
"""),
])

# =================================================================================================
# 06 linear regression
# =================================================================================================
L06 = dict(file="06_linear_regression.ipynb", kind="lecture", minutes=25, backends=CORE,
           title="06 · Linear regression, live", cells=[
md("""
# 06 · Linear regression, live

*About 25 minutes. Uses the `RegressionLab` widget, so it runs on `autograd_core` only.*

Everything so far, put to work: fit a line $y = w x + b$ to noisy points by gradient descent, with
autograd computing the gradients, and watch the line move. First the program itself, then a lab
to experiment with.
"""),
code("""
%matplotlib inline
import autograd_core as torch
import matplotlib.pyplot as plt
from IPython.display import clear_output, display
"""),
md("""
## The data and the model

Twenty points $x \\in [0, 10)$ on the line $y = 2x + 5$, plus noise. The model has two parameters,
the leaves `w` (random start) and `b` (zero), and the loss is half the mean squared error

$$L(w, b) = \\frac{1}{n}\\sum_i \\tfrac12\\,(y_i - (w x_i + b))^2 .$$
"""),
md("""
(The tutorial seeds PyTorch's generator with 10. `autograd_core` has a generator of its own, so the
same seed gives other numbers; with ours, seed 10 happens to draw large $x$ values on which this
learning rate overshoots and diverges — try it after the lecture! Seed 16 gives data like the
tutorial's.)
"""),
code("""
torch.manual_seed(16)
lr = 0.05

x = torch.rand(20, 1) * 10
y = 2 * x + (5 + torch.randn(20, 1))

w = torch.randn(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
print("start: w =", w.detach(), " b =", b.detach())
"""),
md("""
## The training loop

One iteration: forward (`y_pred`, `loss`), backward (`loss.backward()` fills `w.grad`, `b.grad`),
update each parameter by $-\\,\\mathrm{lr}\\times$ its gradient, and **zero the gradients** for the
next iteration. The update goes through `.data` so that it is not itself recorded in the graph —
the tutorial style; lecture 07 does the same with `torch.no_grad()` and an optimizer. Every 5
iterations we redraw the picture; we stop when the loss drops below 1.
"""),
code("""
fig, ax = plt.subplots(figsize=(6, 4))
for iteration in range(100):
    y_pred = w * x + b
    loss = (0.5 * (y - y_pred) ** 2).mean()
    loss.backward()

    b.data.sub_(lr * b.grad)
    w.data.sub_(lr * w.grad)
    w.grad.zero_()
    b.grad.zero_()

    if iteration % 5 == 0 or loss.item() < 1:
        ax.clear()
        ax.scatter(x.numpy().ravel(), y.numpy().ravel())
        ax.plot(x.numpy().ravel(), y_pred.detach().numpy().ravel(), "r-", lw=3)
        ax.text(2, 20, "Loss=%.4f" % loss.item(), fontdict={"size": 14, "color": "red"})
        ax.set_xlim(1.5, 10)
        ax.set_ylim(8, 28)
        ax.set_title("Iteration: {}\\nw: {:.4f} b: {:.4f}".format(iteration, w.item(), b.item()))
        clear_output(wait=True)
        display(fig)
        if loss.item() < 1:
            break
plt.close(fig)
print(f"stopped after iteration {iteration}: loss {loss.item():.4f}, w {w.item():.3f}, b {b.item():.3f}")
"""),
md("""
`w` heads for 2 quickly; `b` (the intercept 5) is slower, because the $x$ values are large and far
from 0: the loss surface is a long narrow valley, and gradient descent zig-zags along it.

## One step, checked by hand

For this loss, $\\partial L/\\partial w = -\\frac1n\\sum_i (y_i - \\hat y_i)\\,x_i$ and
$\\partial L/\\partial b = -\\frac1n\\sum_i (y_i - \\hat y_i)$. On three fixed points:
"""),
code("""
xs = torch.tensor([1.0, 2.0, 3.0])
ys = torch.tensor([7.0, 9.0, 11.0])          # exactly y = 2x + 5
w1 = torch.tensor(1.0, requires_grad=True)
b1 = torch.tensor(0.0, requires_grad=True)

loss = (0.5 * (ys - (w1 * xs + b1)) ** 2).mean()
loss.backward()
residual = ys - (w1.detach() * xs + b1.detach())
print("loss =", loss.item())
print("autograd: dL/dw =", w1.grad.item(), " dL/db =", b1.grad.item())
print("by hand:  dL/dw =", (-(residual * xs)).mean().item(), " dL/db =", (-residual).mean().item())
"""),
md("""
### Forgetting to zero

Skip `zero_()` and each `backward()` adds the new gradient to the old ones. Three backward
passes through three fresh graphs on the same data give three times the gradient:
"""),
code("""
w1.grad = None
for i in range(3):
    loss = (0.5 * (ys - (w1 * xs + b1)) ** 2).mean()
    loss.backward()
    print(f"after backward #{i + 1}: w.grad = {w1.grad.item():.4f}")
"""),
md("""
## The regression lab

The same training, as an instrument. **Play** trains (one iteration per tick), **Step** does one
iteration. The panels show the data and the line, the loss so far, and the loss *landscape*
$L(w, b)$ with the path gradient descent takes and the direction $-\\nabla L$; beside them the
numbers, and below the graph of the last iteration (**Step through this iteration** opens it in a
stepper).

Things to try:

1. Raise the **learning rate** towards 0.06: the path starts to overshoot across the valley, and
   once **lr · λ<sub>max</sub>** (the numbers panel) passes 2 the run diverges: the lab says at which
   iteration, and the log-scale loss axis widens to show the growth. Why is there a largest
   learning rate that still converges?
2. Tick **forget zero_grad()**: the gradients accumulate (lecture 03) and the steps grow.
3. Tick **total += loss**: the reported total keeps every iteration's graph alive (lecture 05) —
   watch the number of graph nodes held.
4. Switch the **update** to `optim.SGD(momentum=0.9)` (lecture 07): faster along the valley,
   with some overshoot.
"""),
code("""
from widgets.regression import RegressionLab

lab = RegressionLab()
lab
"""),
md("""
The lab also works without the mouse, which is handy for checking a prediction:
"""),
code("""
lab.step(10)
last = lab.history[-1]
print(f"after 10 iterations: loss {last['loss']:.4f}  w {last['w']:.3f}  b {last['b']:.3f}")
"""),
md("""
## Summary

- Training = forward (prediction and loss) + backward (gradients) + update (a step against the
  gradient) + zeroing the gradients.
- Autograd's gradients match the formulas; forgetting to zero sums them across iterations.
- The learning rate trades speed against stability; the shape of the loss landscape decides how
  gradient descent moves.

**Exercises:** [ex04 · training](exercises/ex04_training.ipynb), task 1.
"""),
])

# =================================================================================================
# 07 training networks
# =================================================================================================
L07 = dict(file="07_training_networks.ipynb", kind="lecture", minutes=30, backends=BOTH,
           title="07 · Training networks: modules, optimizers, freezing", cells=[
md("""
# 07 · Training networks: modules, optimizers, freezing

*About 30 minutes. Runs on `autograd_core` and on PyTorch.*

Real models have thousands or millions of parameters. PyTorch organises them in **modules**
(`torch.nn`) and updates them with **optimizers** (`torch.optim`); autograd is unchanged underneath.
"""),
SWITCH,
code("""
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend
"""),
md("""
## A training step: forward, backward, step

PyTorch's "60-minute blitz" trains a pretrained ResNet-18 for one step on a random image. We have
no downloads here, so we use a small network of our own with the same interface: an input of shape
`(1, 3, 64, 64)`, 512 features feeding a final layer `fc` with 1000 output scores (as in
ResNet-18), random labels, and the loss `(prediction - labels).sum()`.
"""),
code("""
class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(3 * 64 * 64, 512), nn.ReLU())
        self.fc = nn.Linear(512, 1000)         # the "classifier" layer, as ResNet-18 calls it

    def forward(self, x):
        return self.fc(self.features(x))

torch.manual_seed(0)
model = SmallNet()
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

print("parameters:", [(name, tuple(p.shape)) for name, p in model.named_parameters()])
print("number of parameters:", sum(p.numel() for p in model.parameters()))
"""),
code("""
prediction = model(data)                 # forward pass
loss = (prediction - labels).sum()
loss.backward()                          # backward pass: every parameter's .grad is filled

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
before = model.fc.bias.detach().clone()
optimizer.step()                         # gradient descent: p -= lr * (momentum-smoothed) grad
print("prediction shape:", tuple(prediction.shape))
print("every parameter has a gradient:", all(p.grad is not None for p in model.parameters()))
print("fc.bias moved by -lr * grad:", torch.allclose(model.fc.bias.detach() - before, -1e-2 * model.fc.bias.grad))
"""),
md("""
The graph of that loss: each module's operations sit in a dashed box named after the module, the
parameters are leaves, and the 6.8 million numbers hide behind a handful of nodes.
"""),
code("""
from widgets import draw

draw(loss)
"""),
md("""
`loss.backward()` and `optimizer.step()` are the two halves of training. Between steps,
`optimizer.zero_grad()` resets the gradients (lecture 03: they accumulate).

## Momentum, by hand

SGD with momentum keeps a **velocity** per parameter: $v \\leftarrow \\mu v + g$, then
$p \\leftarrow p - \\mathrm{lr}\\, v$ (PyTorch's convention; the first step uses $v = g$). Steps
along a consistent direction build up speed; zig-zags cancel. Two steps on $f(p) = p^2$ from $p = 1$,
the optimizer against the formula:
"""),
code("""
p = nn.Parameter(torch.tensor([1.0]))
opt = optim.SGD([p], lr=0.1, momentum=0.9)

mine, v = 1.0, 0.0
for step in range(1, 4):
    opt.zero_grad()
    (p ** 2).sum().backward()
    opt.step()

    g = 2 * mine                       # f'(p) at the old value
    v = 0.9 * v + g if step > 1 else g
    mine = mine - 0.1 * v
    print(f"step {step}: optimizer p = {p.item():.4f}   by hand p = {mine:.4f}")
"""),
md("""
## `requires_grad` flows into modules

A module's parameters are leaves with `requires_grad=True`. Data usually is not. As in lecture 02,
a result requires grad as soon as one input does, so the network's output does, through the
parameters:
"""),
code("""
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand(5, 5, requires_grad=True)
print("(x + y).requires_grad:", (x + y).requires_grad, "  (x + z).requires_grad:", (x + z).requires_grad)
print("data requires grad:", data.requires_grad, "  model(data) requires grad:", model(data).requires_grad)
"""),
md("""
## Freezing and fine-tuning

To adapt a pretrained network to a new task with 10 classes, the usual recipe is:

1. **freeze** every parameter (`requires_grad = False`): no gradients are computed for them;
2. **replace the classifier** with a new layer, whose fresh parameters do require grad;
3. give the optimizer **only the new layer's parameters**.
"""),
code("""
model.zero_grad()                         # forget the gradients of the training step above
for param in model.parameters():
    param.requires_grad = False           # 1. freeze

model.fc = nn.Linear(512, 10)             # 2. a new classifier for 10 classes
optimizer = optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)   # 3. optimise only it

out = model(data)
loss = out.sum()
loss.backward()
for name, p in model.named_parameters():
    print(f"{name:20} requires_grad={p.requires_grad!s:5}  has grad: {p.grad is not None}")
draw(loss)
"""),
md("""
Only the new `fc` got gradients: autograd did not even record the frozen layers' backward, because
none of their inputs required grad — the feature extractor's output is a constant as far as the
graph is concerned. The optimizer will update `fc` alone.

## `torch.no_grad()`

The same effect for a block of code: inside `with torch.no_grad():` nothing is recorded, whatever
`requires_grad` says. Use it for evaluation (no graph, less memory) and for hand-written parameter
updates.
"""),
code("""
with torch.no_grad():
    out = model(data)
print("inside no_grad: requires_grad =", out.requires_grad, " grad_fn =", out.grad_fn)

w = torch.tensor([1.0, 2.0], requires_grad=True)
(w ** 2).sum().backward()
with torch.no_grad():
    w -= 0.1 * w.grad                     # an update that is not itself part of any graph
print("w after a hand-written step:", w, " still a leaf:", w.is_leaf)
"""),
md("""
## Further reading

Two topics the PyTorch autograd notes cover that we have only touched: **in-place operations**
(lecture 05's version counter is their safety net) and **multithreaded autograd** (several threads
may call `backward()` on separate graphs concurrently).

## Summary

- A training step is forward, loss, `backward()`, `optimizer.step()`, `optimizer.zero_grad()`.
- SGD with momentum: $v \\leftarrow \\mu v + g$, $p \\leftarrow p - \\mathrm{lr}\\,v$.
- Freeze with `requires_grad = False`, replace the head, optimise only the new parameters;
  `torch.no_grad()` switches recording off for a whole block.

**Exercises:** [ex04 · training](exercises/ex04_training.ipynb), tasks 2–3.
"""),
])

LECTURES = [L00, L01, L02, L03, L04, L05, L06, L07]

# =================================================================================================
# exercises
# =================================================================================================
EX_INTRO = """

Write your answer where a cell says `# YOUR CODE HERE` (set the variable that is still `None`, or
write the function's body), run that cell, then run the **check** cell below it: it prints ✓ when
your answer is right, and otherwise one line that says what to look at. *Run ▸ Run All Cells* runs
every check, even after one fails. **Show a hint** reveals a hint at a time. The other cells are
read-only; add cells of your own to experiment.
"""

CHECKS = code("""
from widgets.exercises import Hints, check, check_function, check_true
""")

EX01 = dict(file="exercises/ex01_graphs_and_leaves.ipynb", kind="exercise", minutes=20, backends=BOTH,
            title="ex01 · Graphs, leaves and grad_fn", cells=[
md("# Exercises 01 · Graphs, leaves and `grad_fn`\n\nFor lectures 01 and 02." + EX_INTRO),
SWITCH, CHECKS,
md("""
## Task 1 · Example B by hand

$m = 2$, $n = 3$, $a = m + n$, $b = m - n$, $y = a \\cdot b$. Work out $\\partial y/\\partial m$ and
$\\partial y/\\partial n$ **by hand** (no code) and write the numbers below.
"""),
solution("""
m_grad = None   # dy/dm
n_grad = None   # dy/dn
### BEGIN SOLUTION
m_grad = 4.0
n_grad = -6.0
### END SOLUTION
""", "ex01_task1"),
grader("""
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
""", "ex01_task1_check"),
hints("""
Hints(
    "Use the chain rule along every path: dy/dm = dy/da * da/dm + dy/db * db/dm.",
    "dy/da = b = -1 and dy/db = a = 5.",
    "da/dm = 1, db/dm = 1, da/dn = 1, db/dn = -1.",
)
"""),
md("""
## Task 2 · Predict the gradients

With $a = 2$, $b = 3$, $c = 4$ and $z = a\\,b + b\\,c$, what are $\\partial z/\\partial a$,
$\\partial z/\\partial b$ and $\\partial z/\\partial c$? Write them as a list `[dz_da, dz_db, dz_dc]`.
"""),
solution("""
z_grads = None   # [dz/da, dz/db, dz/dc]
### BEGIN SOLUTION
z_grads = [3.0, 6.0, 3.0]
### END SOLUTION
""", "ex01_task2"),
grader("""
a, b, c = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
(a * b + b * c).backward()
check("z_grads", z_grads, [a.grad, b.grad, c.grad],
      mistakes=[([3.0, 2.0, 3.0], "b is used twice; its two contributions (a and c) add up."),
                ([3.0, 4.0, 3.0], "b is used twice; its two contributions (a and c) add up.")])
""", "ex01_task2_check"),
hints("""
Hints(
    "A product's gradient with respect to one factor is the other factor.",
    "b appears in two products: the gradients from both paths are added.",
)
"""),
md("""
## Task 3 · Leaves and `grad_fn`

In Example A (`w = 1`, `x = 2` with `requires_grad=True`; `a = w + x`; `b = w + 1`; `y = a * b`):

- `leaf_flags`: the values of `is_leaf` for `[w, x, a, b, y]`, as a list of `True`/`False`;
- `y_grad_fn_name`: the string `y.grad_fn.name()` returns.
"""),
solution("""
leaf_flags = None       # [w, x, a, b, y]
y_grad_fn_name = None   # a string
### BEGIN SOLUTION
leaf_flags = [True, True, False, False, False]
y_grad_fn_name = "MulBackward0"
### END SOLUTION
""", "ex01_task3"),
grader("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
a = w + x
b = w + 1
y = a * b
check("leaf_flags", leaf_flags, [t.is_leaf for t in (w, x, a, b, y)], mistakes=[
    ([True, True, False, False, True], "y was computed by an operation, so it is not a leaf.")])
check("y_grad_fn_name", y_grad_fn_name, y.grad_fn.name(),
      explain="It is the operation's name, 'Backward' and a number, e.g. 'AddBackward0'.")
""", "ex01_task3_check"),
hints("""
Hints(
    "A leaf is a tensor no recorded operation produced.",
    "y = a * b: the operation is a multiplication, 'Mul'.",
)
"""),
md("""
## Task 4 · Keep an intermediate gradient

Complete `grad_of_b()`: build Example A, make sure `b` keeps its gradient through `backward()`,
call `y.backward()` and return `b.grad`.
"""),
solution("""
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
""", "ex01_task4"),
grader("""
w = torch.tensor(1.0, requires_grad=True)
a, b = w + 2.0, w + 1
b.retain_grad()
(a * b).backward()
check_function("grad_of_b", grad_of_b, [()], lambda: b.grad,
               explain="b.grad should be dy/db = a. Call b.retain_grad() before y.backward().")
""", "ex01_task4_check"),
hints("""
Hints(
    "Non-leaf gradients are freed unless you ask to keep them.",
    "Call `b.retain_grad()` after computing b and before `y.backward()`.",
)
"""),
])

EX02 = dict(file="exercises/ex02_backward.ipynb", kind="exercise", minutes=20, backends=BOTH,
            title="ex02 · Backward in depth", cells=[
md("# Exercises 02 · `backward()` in depth\n\nFor lecture 03." + EX_INTRO),
SWITCH, CHECKS,
md("""
## Task 1 · Accumulation

The cell below calls `backward()` three times through the same graph of Example A without zeroing.
Without running anything else, what is `w.grad` afterwards?
"""),
code("""
w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
y = (w + x) * (w + 1)
for _ in range(3):
    y.backward(retain_graph=True)
"""),
solution("""
w_grad_after_three = None
### BEGIN SOLUTION
w_grad_after_three = 15.0
### END SOLUTION
""", "ex02_task1"),
grader("""
check("w_grad_after_three", w_grad_after_three, w.grad,
      mistakes=[(5.0, "backward() adds into .grad; it does not overwrite it.")])
""", "ex02_task1_check"),
hints("""
Hints(
    "One backward gives w.grad = 5 (lecture 01).",
    "Each call adds another 5.",
)
"""),
md("""
## Task 2 · A vector-Jacobian product by hand

For $\\vec x = (x_0, x_1) = (2, 5)$ let $\\vec y = (x_0 x_1,\\; x_0 + 3x_1)$. What does
`x.grad` hold after `y.backward(gradient=torch.tensor([1.0, 2.0]))`? Write it as a list of two
numbers.
"""),
solution("""
x_grad = None    # [d/dx0, d/dx1]
### BEGIN SOLUTION
x_grad = [7.0, 8.0]
### END SOLUTION
""", "ex02_task2"),
grader("""
x = torch.tensor([2.0, 5.0], requires_grad=True)
y = torch.stack([x[0] * x[1], x[0] + 3 * x[1]])
y.backward(gradient=torch.tensor([1.0, 2.0]))
check("x_grad", x_grad, x.grad,
      mistakes=[([9.0, 7.0], "that is J v; autograd computes J^T v (transpose the Jacobian)."),
                ([6.0, 5.0], "you used v = [1, 1]; the gradient argument is [1, 2].")])
""", "ex02_task2_check"),
hints("""
Hints(
    "The Jacobian is J = [[x1, x0], [1, 3]] = [[5, 2], [1, 3]].",
    "Autograd computes J^T v: entry j is sum_i J[i][j] * v[i].",
)
"""),
md("""
## Task 3 · Write `vjp`

Write `vjp(J, v)` that returns $J^\\top v$ for a numpy matrix `J` (shape `(m, n)`) and vector `v`
(shape `(m,)`). The check compares it with what autograd computes for $\\vec y = J\\vec x$.
"""),
solution("""
import numpy as np

def vjp(J, v):
    \"\"\"J^T v for a matrix J of shape (m, n) and a vector v of shape (m,).\"\"\"
    ### BEGIN SOLUTION
    return np.asarray(J).T @ np.asarray(v)
    ### END SOLUTION
""", "ex02_task3"),
grader("""
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
""", "ex02_task3_check"),
hints("""
Hints(
    "numpy: `J.T` is the transpose, `@` multiplies.",
    "`return J.T @ v`",
)
"""),
])

EX03 = dict(file="exercises/ex03_static_and_detach.ipynb", kind="exercise", minutes=20, backends=BOTH,
            title="ex03 · Control flow, .data and .detach()", cells=[
md("# Exercises 03 · Control flow, `.data` and `.detach()`\n\nFor lectures 04 and 05." + EX_INTRO),
SWITCH, CHECKS,
md("""
## Task 1 · Control flow in a dynamic graph

Write `branchy(a, b)`: if `a` is positive, `x = a * b`, otherwise `x = a + b`; return `x * x`.
Use a plain Python `if` on `a.item()`.
"""),
solution("""
def branchy(a, b):
    \"\"\"x * x, where x = a * b if a > 0, else a + b.\"\"\"
    ### BEGIN SOLUTION
    if a.item() > 0:
        x = a * b
    else:
        x = a + b
    return x * x
    ### END SOLUTION
""", "ex03_task1"),
grader("""
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
""", "ex03_task1_check"),
hints("""
Hints(
    "`if a.item() > 0:` then `x = a * b`, `else:` `x = a + b`.",
)
"""),
md("""
## Task 2 · `.data` or `.detach()`?

`out = x.exp()` saves `out` for backward. We then zero `out` in place, once through `out.data` and
once through `out.detach()`, and call `out.sum().backward()`. For each, does backward **raise an
error** (`True`) or **silently return a wrong gradient** (`False`)?
"""),
solution("""
data_raises = None      # True or False
detach_raises = None    # True or False
### BEGIN SOLUTION
data_raises = False
detach_raises = True
### END SOLUTION
""", "ex03_task2"),
grader("""
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
""", "ex03_task2_check"),
hints("""
Hints(
    "Which of the two shares the version counter with the original tensor?",
    "Lecture 05: a changed version number makes backward raise.",
)
"""),
md("""
## Task 3 · Report a mean loss without keeping graphs alive

`mean_loss(w, batches)` should return the mean of `((w * xb - yb) ** 2).mean()` over the
`(xb, yb)` pairs in `batches`, as a **Python float** — without keeping any graph alive.
"""),
solution("""
def mean_loss(w, batches):
    total = 0.0
    ### BEGIN SOLUTION
    for xb, yb in batches:
        total += ((w * xb - yb) ** 2).mean().item()
    return total / len(batches)
    ### END SOLUTION
""", "ex03_task3"),
grader("""
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
""", "ex03_task3_check"),
hints("""
Hints(
    "Add up `loss.item()`, not `loss`.",
    "Divide by `len(batches)` at the end.",
)
"""),
md("""
## Task 4 · The same branch in a static graph

Build `branchy` from task 1 as a **define-then-run** graph with `autograd_core.static` (TensorFlow
1.x style; it does not depend on the torch switch): `y` should be `x * x` where `x` is `a * b`
when `a > 0` and `a + b` otherwise. A Python `if` cannot work here — `a` has no value while the
graph is built — so use `tf.cond`. The check runs your graph in a session and compares `y` and its
gradients with the dynamic engine.
"""),
code("""
import autograd_core.static as tf

tf.reset_default_graph()
a = tf.placeholder(tf.float32, shape=(), name="a")
b = tf.placeholder(tf.float32, shape=(), name="b")
y = None
"""),
solution("""
### BEGIN SOLUTION
x = tf.cond(a > 0, lambda: a * b, lambda: a + b)
y = x * x
### END SOLUTION
""", "ex03_task4"),
grader("""
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
""", "ex03_task4_check"),
hints("""
Hints(
    "`tf.cond(pred, true_fn, false_fn)` takes two functions without arguments: `lambda: a * b`.",
    "The predicate is a graph node too: `a > 0`.",
    "`x = tf.cond(a > 0, lambda: a * b, lambda: a + b)`, then `y = x * x`.",
)
"""),
])

EX04 = dict(file="exercises/ex04_training.ipynb", kind="exercise", minutes=25, backends=BOTH,
            title="ex04 · Training", cells=[
md("# Exercises 04 · Training\n\nFor lectures 06 and 07." + EX_INTRO),
SWITCH, CHECKS,
code("""
from widgets.torch_switch import nn, optim    # torch.nn and torch.optim of the same backend
"""),
md("""
## Task 1 · One gradient-descent step

Write `gd_step(w, b, x, y, lr)`: `w` and `b` are Python floats, `x`, `y` tensors. Make `w` and `b`
leaves that require grad, compute the loss `(0.5 * (y - (w * x + b)) ** 2).mean()`, call
`backward()`, and return the updated values `(w - lr * dL/dw, b - lr * dL/db)` as two floats.
"""),
solution("""
def gd_step(w, b, x, y, lr):
    \"\"\"(w, b) after one gradient-descent step on (0.5 * (y - (w * x + b)) ** 2).mean().\"\"\"
    ### BEGIN SOLUTION
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss = (0.5 * (y - (w * x + b)) ** 2).mean()
    loss.backward()
    return w.item() - lr * w.grad.item(), b.item() - lr * b.grad.item()
    ### END SOLUTION
""", "ex04_task1"),
grader("""
def reference(w, b, x, y, lr):
    residual = y - (w * x + b)
    return w + lr * (residual * x).mean().item(), b + lr * residual.mean().item()

xs, ys = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([7.0, 9.0, 11.0])
check_function("gd_step", gd_step, [(1.0, 0.0, xs, ys, 0.05), (2.5, 1.0, xs, ys, 0.1)],
               reference, explain="Subtract lr times the gradient from each parameter.")
""", "ex04_task1_check"),
hints("""
Hints(
    "`torch.tensor(w, requires_grad=True)` makes a leaf.",
    "After `loss.backward()`, the gradients are in `w.grad` and `b.grad`; use `.item()` for floats.",
)
"""),
md("""
## Task 2 · Momentum by hand

`optim.SGD([p], lr=0.1, momentum=0.9)` minimises $f(p) = p^2$ starting at $p = 1$. What is $p$
after **two** steps? (Velocity $v \\leftarrow 0.9\\,v + g$, first step $v = g$; $p \\leftarrow p - 0.1\\,v$.)
"""),
solution("""
p_after_two = None
### BEGIN SOLUTION
p_after_two = 0.46
### END SOLUTION
""", "ex04_task2"),
grader("""
p = nn.Parameter(torch.tensor([1.0]))
opt = optim.SGD([p], lr=0.1, momentum=0.9)
for _ in range(2):
    opt.zero_grad()
    (p ** 2).sum().backward()
    opt.step()
check("p_after_two", p_after_two, p.detach().reshape(()), mistakes=[
    (0.64, "that is plain SGD; with momentum the second step uses v = 0.9 * 2 + 1.6."),
    (0.8, "that is after one step; take a second one.")])
""", "ex04_task2_check"),
hints("""
Hints(
    "Step 1: g = 2p = 2, v = 2, p = 1 - 0.1 * 2 = 0.8.",
    "Step 2: g = 1.6, v = 0.9 * 2 + 1.6 = 3.4.",
)
"""),
md("""
## Task 3 · Fine-tune only the last layer

`model` is a small network. Freeze every parameter, replace the last layer `model[2]` with a new
`nn.Linear(8, 3)`, and create `optimizer = optim.SGD(..., lr=0.1)` over the new layer's parameters
only.
"""),
code("""
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
optimizer = None
"""),
solution("""
### BEGIN SOLUTION
for p in model.parameters():
    p.requires_grad = False
model[2] = nn.Linear(8, 3)
optimizer = optim.SGD(model[2].parameters(), lr=0.1)
### END SOLUTION
""", "ex04_task3"),
grader("""
check_true("optimizer", optimizer is not None, "create the optimizer (it is still None).")
out = model(torch.rand(5, 4))
check("output shape", list(out.shape), [5, 3],
      explain="the new last layer should have 3 outputs.")
out.sum().backward()
has_grad = [p.grad is not None for p in model.parameters()]
check("which parameters get gradients", has_grad, [False, False, True, True],
      explain="only the new layer's weight and bias should get gradients: freeze the others.")
optimised = [p for group in optimizer.param_groups for p in group["params"]]
new_layer = list(model[2].parameters())
check_true("optimizer parameters",
           len(optimised) == 2 and all(any(p is q for q in new_layer) for p in optimised),
           "give the optimizer only model[2].parameters().")
""", "ex04_task3_check"),
hints("""
Hints(
    "Loop over `model.parameters()` and set `requires_grad = False`.",
    "Assign `model[2] = nn.Linear(8, 3)` after freezing, so the new layer is not frozen.",
    "`optim.SGD(model[2].parameters(), lr=0.1)`",
)
"""),
])

EXERCISES = [EX01, EX02, EX03, EX04]

# =================================================================================================
# apps: one widget alone, served as a web page by `make voila`
# =================================================================================================
APP_REGRESSION = dict(file="apps/regression_lab.ipynb", kind="app", backends=CORE,
                      title="Regression lab (web app)", cells=[
md("""
# Gradient descent on y = w·x + b, live

**Play** trains one iteration per tick; **Step** trains one. Lecture 06 explains what you see.
"""),
code("""
from widgets.regression import RegressionLab

RegressionLab()
"""),
])

APPS = [APP_REGRESSION]


def _toc():
    rows = ["| | lecture | minutes | exercises |", "|---|---|---|---|"]
    for lec in LECTURES:
        ex = next((e for e in EXERCISES if lec["file"][:2] in e.get("for", "")), None)
        number, _, name = lec["title"].partition(" · ")
        link = f"[exercises]({ex['file']})" if ex else ""
        rows.append(f"| {number} | [{name}]({lec['file']}) | {lec['minutes']} | {link} |")
    return "\n".join(rows)


EX01["for"], EX02["for"], EX03["for"], EX04["for"] = "01 02", "03", "04 05", "06 07"

INDEX = dict(file="index.ipynb", kind="index", backends=CORE, title="Contents", cells=[
md("""
# cgraph-lab · Computation graphs and autograd

A course on how PyTorch computes gradients: the computation graph it records while your code
runs, and the backward pass that walks it. Each lecture takes 15–30 minutes in class and ends
with exercises that check your answers and give hints.

## Lectures
"""),
md(_toc()),
md("""
## Exercises

- [ex01 · Graphs, leaves and `grad_fn`](exercises/ex01_graphs_and_leaves.ipynb) (lectures 01–02)
- [ex02 · `backward()` in depth](exercises/ex02_backward.ipynb) (lecture 03)
- [ex03 · Control flow, `.data` and `.detach()`](exercises/ex03_static_and_detach.ipynb) (lectures 04–05)
- [ex04 · Training](exercises/ex04_training.ipynb) (lectures 06–07)

## Web app

- [The regression lab alone](apps/regression_lab.ipynb) (lecture 06's `RegressionLab`): what
  `make voila` serves as a web page.

## How to use these notebooks

Start with [00 · Welcome](00_welcome.ipynb). Run the cells of a lecture in order (Shift+Enter).
Lectures that use only PyTorch's API run on real PyTorch too: start JupyterLab with
`CGRAPH_BACKEND=torch`. Lecturers: the exercises with their solutions are in the repository's
`instructor/` folder (next to this one, so `make lab` does not serve them), and the instructor
tools (`pip install -e ".[instructor]"`) add slides (RISE) and nbgrader.
"""),
code("""
# Which engine is this kernel using?
from widgets.torch_switch import BACKEND
print("backend:", BACKEND)
""", tags=["backend-specific"]),
])
