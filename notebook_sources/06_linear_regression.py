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
# (The tutorial seeds PyTorch's generator with 10; `autograd_core` draws the same numbers from the
# same seed, so the data, the start and every loss below are the tutorial's.)

# %%
torch.manual_seed(10)
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
        ax.set_xlim(0, 10.5)          # every point in view (the tutorial's 1.5-10 and 8-28 fit its data)
        ax.set_ylim(0, 30)
        ax.set_title("Iteration: {}\nw: {:.4f} b: {:.4f}".format(iteration, w.item(), b.item()))
        clear_output(wait=True)
        display(fig)
        if loss.item() < 1:
            break
plt.close(fig)
print(f"stopped after iteration {iteration}: loss {loss.item():.4f}, w {w.item():.3f}, b {b.item():.3f}")

# %% [markdown]
# ### Where it stopped, and where the minimum is
#
# The loop stopped because the loss fell below 1, not because it found the best line. For a line
# the best fit has a closed form (least squares): $w^* = \mathrm{cov}(x, y)/\mathrm{var}(x)$ and
# $b^* = \bar y - w^* \bar x$. Compare it with where we stopped, then let gradient descent run on
# until $b$ is within 0.05 of $b^*$:

# %%
import numpy as np

xs, ys = x.numpy().ravel().astype(np.float64), y.numpy().ravel().astype(np.float64)
w_best = np.mean((xs - xs.mean()) * (ys - ys.mean())) / np.mean((xs - xs.mean()) ** 2)
b_best = ys.mean() - w_best * xs.mean()
best_loss = np.mean(0.5 * (ys - (w_best * xs + b_best)) ** 2)
print(f"least squares: w* = {w_best:.3f}  b* = {b_best:.3f}  loss {best_loss:.4f}  (the noise: no line does better)")
print(f"our stop:      w  = {w.item():.3f}  b  = {b.item():.3f}  loss {loss.item():.4f}  after {iteration + 1} iterations")

more = 0
while abs(b.item() - b_best) > 0.05:
    loss = (0.5 * (y - (w * x + b)) ** 2).mean()
    loss.backward()
    b.data.sub_(lr * b.grad)
    w.data.sub_(lr * w.grad)
    w.grad.zero_()
    b.grad.zero_()
    more += 1
print(f"{more} more iterations to bring b within 0.05 of b*: w = {w.item():.3f}  b = {b.item():.3f}  loss {loss.item():.4f}")

# %% [markdown]
# So the rule "stop when the loss is below 1" costs accuracy: it stopped with $b = 1.78$, little more
# than a third of $b^* = 4.80$, while the loss (0.9955) was only about half a unit above the least
# any line can reach (0.4635). Along this direction the loss barely changes, so a threshold on the
# loss says little about the parameters, and getting $b$ right took 728 more iterations: nine times
# the 79 before the stop.

# %% [markdown]
# ### Why `b` is slow, and how large the learning rate may be
#
# The loss is a quadratic bowl whose curvature is its Hessian,
# $H = \begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix}$ (the second derivatives of
# $L$; it does not depend on $w$ and $b$). Along an eigenvector of $H$ with eigenvalue $\lambda$ each
# step of gradient descent multiplies the distance to the minimum by $1 - \mathrm{lr}\,\lambda$:

# %%
H = np.array([[np.mean(xs * xs), np.mean(xs)], [np.mean(xs), 1.0]])
lam_min, lam_max = np.linalg.eigvalsh(H)
print(f"Hessian eigenvalues: {lam_min:.3f} and {lam_max:.2f}  (the valley is {lam_max / lam_min:.0f} times steeper across than along)")
print(f"each step with lr = {lr} multiplies the distance to the minimum across the valley by"
      f" {1 - lr * lam_max:+.3f}, along it by {1 - lr * lam_min:+.4f}")
print(f"largest stable learning rate 2 / lam_max = {2 / lam_max:.4f}")
for rate in (0.05, 0.055, 0.06):
    print(f"lr = {rate:5}: lr * lam_max = {rate * lam_max:.3f}  ->", "converges" if rate * lam_max < 2 else "diverges")

# %% [markdown]
# Across the valley the error shrinks fast (and flips sign: the zig-zag); along it each step keeps
# 0.9944 of it, taking off only about half a percent, which is why $b$ crawls. And once
# $\mathrm{lr}\cdot\lambda_{\max} > 2$ the factor across the valley is below $-1$: every step
# overshoots by more than the last, and the run **diverges**.
#
# The scale of the data sets this limit. $\lambda_{\max}$ is about $\overline{x^2} \approx 34$ here,
# because $x$ runs up to 10; the gradient $\partial L/\partial w = -\overline{(y - \hat y)\,x}$ carries a
# factor $x$ too. Measure $x$ in other units, ten times larger, and $\lambda_{\max}$ grows a hundred
# times, so the largest stable learning rate shrinks a hundred times. That is one reason inputs are
# normalised (to mean 0 and spread 1) before training: then $H$ is close to the identity, one
# learning rate suits every direction, and no valley is long.

# %% [markdown]
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
# 1. Raise the **learning rate**. The lab's data is the data above (seed 10), so the numbers panel
#    shows the same **lr · λ<sub>max</sub>**: at 0.055 (1.90) the path zig-zags across the valley but
#    converges; at 0.06, the slider's maximum (2.08 > 2), the run diverges and the lab says at which
#    iteration (50), while the log-scale loss axis widens to show the growth.
# 2. Tick **forget zero_grad()**: the gradients accumulate (lecture 03), so each step carries all the
#    earlier ones: the loss swings up and down and never settles. The stop rule still fires when a
#    swing dips below 1 (at iteration 17), so the lab says it stopped "in mid-swing, not converged";
#    with the `optim.SGD` update the swings grow instead, and it diverges.
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
print(f"after {lab.iteration} iterations: loss {last['loss']:.4f}  w {last['w']:.3f}  b {last['b']:.3f}")

# %% [markdown]
# ## Summary
#
# - Training = forward (prediction and loss) + backward (gradients) + update (a step against the
#   gradient) + zeroing the gradients.
# - Autograd's gradients match the formulas; forgetting to zero sums them across iterations.
# - A threshold on the loss is not the minimum: least squares gives the exact answer to compare with.
# - The curvature of the loss (the Hessian's eigenvalues, set by the scale of the data) decides how
#   gradient descent moves: slow along a flat valley, and divergent once lr · λ<sub>max</sub> > 2.
#
# **Exercises:** [ex04 · training](exercises/ex04_training.ipynb), task 1.
