# ---
# jupyter:
#   cgraph:
#     backends:
#     - autograd_core
#     kind: lecture
#     minutes: 25
#     title: Linear regression, live
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Linear regression, live
#
# *About 25 minutes. Uses the `RegressionLab` widget, so it runs on `autograd_core` only.*
#
# Everything so far, put to work: fit a line $y = w x + b$ to noisy points by gradient descent, with
# autograd computing the gradients, and watch the line move. First the program itself, then a lab
# to experiment with.

# %%
# %matplotlib inline
import autograd_core as torch
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

# %% [markdown]
# ## The data and the model
#
# Twenty points $x \in [0, 10)$ on the line $y = 2x + 5$, plus noise. The model has two parameters,
# the leaves `w` (random start) and `b` (zero), and the loss is half the mean squared error
#
# $$L(w, b) = \frac{1}{n}\sum_i \tfrac12\,(y_i - (w x_i + b))^2 .$$

# %% [markdown]
# (The tutorial seeds PyTorch's generator with 10. `autograd_core` has a generator of its own, so the
# same seed gives other numbers; with ours, seed 10 happens to draw large $x$ values on which this
# learning rate overshoots and diverges — try it after the lecture! Seed 16 gives data like the
# tutorial's.)

# %%
torch.manual_seed(16)
lr = 0.05

x = torch.rand(20, 1) * 10
y = 2 * x + (5 + torch.randn(20, 1))

w = torch.randn(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
print("start: w =", w.detach(), " b =", b.detach())

# %% [markdown]
# ## The training loop
#
# One iteration: forward (`y_pred`, `loss`), backward (`loss.backward()` fills `w.grad`, `b.grad`),
# update each parameter by $-\,\mathrm{lr}\times$ its gradient, and **zero the gradients** for the
# next iteration. The update goes through `.data` so that it is not itself recorded in the graph —
# the tutorial style; lecture 07 does the same with `torch.no_grad()` and an optimizer. Every 5
# iterations we redraw the picture; we stop when the loss drops below 1.

# %%
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
        ax.set_title("Iteration: {}\nw: {:.4f} b: {:.4f}".format(iteration, w.item(), b.item()))
        clear_output(wait=True)
        display(fig)
        if loss.item() < 1:
            break
plt.close(fig)
print(f"stopped after iteration {iteration}: loss {loss.item():.4f}, w {w.item():.3f}, b {b.item():.3f}")

# %% [markdown]
# `w` heads for 2 quickly; `b` (the intercept 5) is slower, because the $x$ values are large and far
# from 0: the loss surface is a long narrow valley, and gradient descent zig-zags along it.
#
# ## One step, checked by hand
#
# For this loss, $\partial L/\partial w = -\frac1n\sum_i (y_i - \hat y_i)\,x_i$ and
# $\partial L/\partial b = -\frac1n\sum_i (y_i - \hat y_i)$. On three fixed points:

# %%
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

# %% [markdown]
# ### Forgetting to zero
#
# Skip `zero_()` and each `backward()` adds the new gradient to the old ones. Three backward
# passes through three fresh graphs on the same data give three times the gradient:

# %%
w1.grad = None
for i in range(3):
    loss = (0.5 * (ys - (w1 * xs + b1)) ** 2).mean()
    loss.backward()
    print(f"after backward #{i + 1}: w.grad = {w1.grad.item():.4f}")

# %% [markdown]
# ## The regression lab
#
# The same training, as an instrument. **Play** trains (one iteration per tick), **Step** does one
# iteration. The panels show the data and the line, the loss so far, and the loss *landscape*
# $L(w, b)$ with the path gradient descent takes and the direction $-\nabla L$; beside them the
# numbers, and below the graph of the last iteration (**Step through this iteration** opens it in a
# stepper).
#
# Things to try:
#
# 1. Raise the **learning rate** towards 0.06: the path starts to overshoot across the valley, and
#    once **lr · λ<sub>max</sub>** (the numbers panel) passes 2 the run diverges: the lab says at which
#    iteration, and the log-scale loss axis widens to show the growth. Why is there a largest
#    learning rate that still converges?
# 2. Tick **forget zero_grad()**: the gradients accumulate (lecture 03) and the steps grow.
# 3. Tick **total += loss**: the reported total keeps every iteration's graph alive (lecture 05) —
#    watch the number of graph nodes held.
# 4. Switch the **update** to `optim.SGD(momentum=0.9)` (lecture 07): faster along the valley,
#    with some overshoot.

# %%
from widgets.regression import RegressionLab

lab = RegressionLab()
lab

# %% [markdown]
# The lab also works without the mouse, which is handy for checking a prediction:

# %%
lab.step(10)
last = lab.history[-1]
print(f"after 10 iterations: loss {last['loss']:.4f}  w {last['w']:.3f}  b {last['b']:.3f}")

# %% [markdown]
# ## Summary
#
# - Training = forward (prediction and loss) + backward (gradients) + update (a step against the
#   gradient) + zeroing the gradients.
# - Autograd's gradients match the formulas; forgetting to zero sums them across iterations.
# - The learning rate trades speed against stability; the shape of the loss landscape decides how
#   gradient descent moves.
#
# **Exercises:** [ex04 · training](exercises/ex04_training.ipynb), task 1.
