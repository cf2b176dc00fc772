# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     description: lecture 06's `RegressionLab` alone, what `make voila` serves as a
#       web page.
#     kind: app
#     title: Regression lab (web app)
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Gradient descent on y = w·x + b, live
#
# **Play** trains one iteration per tick; **Step** trains one. Lecture 06 explains what you see.

# %%
from widgets.regression import RegressionLab

RegressionLab()
