# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     kind: lecture
#     minutes: 15
#     title: 'Welcome: how these notebooks work'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Welcome: how these notebooks work
#
# These notebooks teach **automatic differentiation the way PyTorch does it**: every calculation you
# write is recorded as a *computation graph*, and `backward()` walks that graph in reverse to
# compute gradients. You will build graphs, take them apart, and watch gradients flow through them.
#
# *About 15 minutes.* In this notebook:
#
# 1. the engine you are using, and the switch to real PyTorch;
# 2. how a lecture notebook is laid out (and how to present one);
# 3. how exercises check your answers and give hints.

# %% [markdown]
# ## The engine: `autograd_core`
#
# `autograd_core` is a small autograd engine written for this course in plain numpy. It speaks
# PyTorch's language — `tensor`, `requires_grad`, `backward`, `grad_fn`, `no_grad` — so
# `import autograd_core as torch` runs PyTorch tutorial code unchanged. Because it is small, it can
# also do things PyTorch cannot: *record* every step of the forward and backward pass so that we
# can replay and draw them.

# %%
import autograd_core as torch

w = torch.tensor(1.0, requires_grad=True)
x = torch.tensor(2.0, requires_grad=True)
y = (w + x) * (w + 1)       # build a little graph...
y.backward()                # ...and send gradients back through it
print("y =", y.item(), "  dy/dw =", w.grad.item(), "  dy/dx =", x.grad.item())

# %% [markdown]
# The `widgets` package draws what the engine recorded. `draw(y)` pictures the graph behind `y`: the
# leaves `w` and `x` (with the gradients just computed), the intermediate results, and the operations
# joining them. Later lectures step through such graphs one operation at a time.

# %%
from widgets import draw

draw(y)

# %% [markdown]
# ### Stepping through a graph
#
# The `GraphStepper` replays a recording one event at a time. Use the buttons (or ← and → after
# clicking the widget) to move: the forward steps add one node each, the backward steps light up the
# node that is running, and the **chain rule** panel shows what it received, its local derivative and
# what it passes on. Click any node to see its details in the inspector on the right; **play**
# animates the whole thing, and **predict** asks you for each gradient before it is revealed.

# %%
from widgets.stepper import GraphStepper

with torch.record() as rec:
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
GraphStepper(rec)

# %% [markdown]
# ### The torch switch
#
# Most lectures begin with
#
# ```python
# from widgets.torch_switch import torch
# ```
#
# which gives you `autograd_core` — or **real PyTorch** when the environment variable
# `CGRAPH_BACKEND=torch` is set before JupyterLab starts (`CGRAPH_BACKEND=torch make lab`).
# The course's test suite runs those lectures both ways and checks that they print the same numbers,
# so what you learn here is true of PyTorch too. Lectures that use features only `autograd_core`
# has (recordings and the steppers that replay them, static graphs, the regression lab) import it
# directly and say so at the top; `draw` pictures the graphs of both.

# %%
from widgets import torch_switch

print("this kernel's backend:", torch_switch.BACKEND, "  (choices:", ", ".join(torch_switch.BACKENDS) + ")")

# %% [markdown]
# ## How a lecture is laid out
#
# Each lecture is a short sequence of sections. Read the text, run each code cell in order with
# **Shift+Enter**, and change the numbers to see what happens; *Run ▸ Run All Cells* replays the
# whole notebook. Every lecture ends with pointers to its exercises and links to the previous and
# next lecture.
#
# **Presenting.** The cells carry slide metadata: with the instructor tools installed
# (`pip install -e ".[instructor]"`, which adds `jupyterlab-rise`), *View ▸ Render as Reveal
# Slideshow* shows a lecture as slides beside the notebook, and the toolbar's slideshow button opens
# them in a browser tab of their own; run the cells on the slides with **Shift+Enter**. On a
# projector, switch on **lecture mode** with the button below: widgets, figures and graph pictures
# grow together (press it again to switch back). In code: `lecture_mode(scale=1.5)`, and
# `lecture_mode(False)`.

# %%
from widgets.lecture import lecture_mode, lecture_mode_switch

lecture_mode_switch(scale=1.5)

# %% [markdown]
# ## How exercises work
#
# Exercise notebooks (in `notebooks/exercises/`) have cells for you to fill in (`# YOUR CODE HERE`),
# each followed by a read-only **check** cell. A check prints ✓ for a right answer; otherwise one
# line says what is wrong — not filled in yet, wrong shape, a known slip — without giving the answer
# away. Stuck? Each task has **hints**, revealed one at a time:

# %%
from widgets.exercises import Hints, check

Hints("Hints appear one click at a time.",
      "The next one is usually more specific than the last.",
      "The last hint is nearly the answer: try without it first!")

# %%
my_answer = 5.0            # dy/dw for the graph above, worked out by hand
check("dy/dw", my_answer, expected=w.grad)

# %% [markdown]
# Try it: set `my_answer = 2.0` above and run the cell again to see the message a wrong answer gets.
# The exercises hold no solutions; your lecturer has a version of each with its solutions.
#
# Finally, lecture mode stays on for every notebook open in this JupyterLab window (and its slides)
# until it is switched off: press the lecture-mode button again, run `lecture_mode(False)` in any
# cell, or clear the output of the cell that switched it on (*Edit ▸ Clear Cell Output*).
