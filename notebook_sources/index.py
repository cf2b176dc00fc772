# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     kind: index
#     title: Contents
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # cgraph-lab · Computation graphs and autograd
#
# A course on how PyTorch computes gradients: the computation graph it records while your code
# runs, and the backward pass that walks it. Each lecture takes 15–40 minutes in class and ends
# with exercises that check your answers and give hints.
#
# ## Lectures
#
# <!-- generated: lectures -->

# %% [markdown]
# ## Exercises
#
# <!-- generated: exercises -->
#
# ## Web app
#
# <!-- generated: apps -->
#
# ## How to use these notebooks
#
# Start with [00 · Welcome](00_welcome.ipynb). Run the cells of a lecture in order (Shift+Enter).
# Lectures that use only PyTorch's API run on real PyTorch too: start JupyterLab with
# `CGRAPH_BACKEND=torch`. Lecturers: the exercises with their solutions are in the repository's
# `instructor/` folder (next to this one, so `make lab` does not serve them), and the instructor
# tools (`pip install -e ".[instructor]"`) add slides (RISE) and nbgrader.

# %% tags=["backend-specific"]
# Which engine is this kernel using?
from widgets.torch_switch import BACKEND
print("backend:", BACKEND)
