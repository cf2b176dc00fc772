"""The live linear-regression lab: fit y = w*x + b by gradient descent on autograd_core; watch it.

    from widgets.regression import RegressionLab
    lab = RegressionLab()          # display it; or headless: lab.step(10); lab.history[-1]["loss"]

Data (as in the tutorial): x = rand(n, 1) * 10, y = 2x + (5 + noise * randn(n, 1)) after
manual_seed(seed) (10, the tutorial's: autograd_core draws torch's numbers); w = randn(1), b = zeros(1)
are leaves with requires_grad.
Loss: L(w, b) = 0.5 * mean((y - (w x + b))^2); an iteration is forward, backward, update, zero_grad;
training stops after the iteration whose loss is < stop_loss, after max_iter iterations, or when it
diverges (the loss is not finite or over DIVERGED_FACTOR times the first iteration's).

Two layers: `RegressionTrainer` is the headless trainer (autograd_core only, no widgets);
`RegressionLab` wraps it with ipywidgets controls, an ipympl canvas (data + fitted line, loss curve,
loss landscape with the trajectory, -grad and a colour legend), a numbers table and the graph of the
last iteration (a picture, or a GraphStepper on demand). Every setting is checked by one function
per setting (SETTINGS), whether it comes through a constructor, an attribute or a control.

Play runs a timer on the kernel's event loop, one step per tick, never a blocking loop: between ticks
the kernel is idle, so the canvas refreshes and Pause acts at once. Each frame blits the moving
artists over a static background and is sent WHOLE: ipympl's front end keeps one <img> for incoming
frames and replaces its src when the next frame arrives, so a frame still decoding is dropped; with
ipympl's default diff frames (only the changed pixels) a dropped frame left its pixels stale for good
(a second fit line, old arrows, "Loss=" over "Loss=", gaps in the loss curve, a title one iteration
behind the numbers). A dropped whole frame is simply superseded by the next. And while playing,
the next iteration waits until the page says it drew the last frame (RegressionLab.FRAME_WAIT_S):
a browser slower than the ticks had each frame cancelled by the next one, and the plot stood still
while the numbers ran on (W13_3).

A small anywidget (`PageProbe`, static/regression.js) reports what only the page knows: JupyterLab's
theme colours, lecture mode's --cgraph-scale, the width the lab has, and each frame the canvas drew;
Python restyles the figure and picks its resolution from them.
"""
from __future__ import annotations

import contextlib
import functools
import html
import io
import math
import numbers
import pathlib
import re
import signal
import threading
import time
import types

import numpy as np

import autograd_core as torch
from autograd_core import optim

STATIC = pathlib.Path(__file__).parent / "static"

RULES = {
    "data": "w.data.sub_(lr * w.grad)",
    "no_grad": "with no_grad(): w -= lr * w.grad",
    "sgd": "optim.SGD(lr, momentum)",
}
# A run has diverged when its loss is not finite or this many times its first loss: far past the
# start (for plain gradient descent on a quadratic the loss never rises unless lr*lambda_max > 2),
# and three decades of growth on the log-scale loss axis before it stops.
DIVERGED_FACTOR = 1000.0


# ---------------------------------------------------------------------------------------------
# Settings: one check per setting, used by the trainer, the lab's traits and the constructors
# ---------------------------------------------------------------------------------------------
try:                                   # a TraitError, so that traitlets rolls back held changes
    from traitlets import TraitError as _TraitError
except ImportError:                    # pragma: no cover -- traitlets comes with the lab extra
    _TraitError = Exception


class InvalidSetting(_TraitError, ValueError):
    """A lab or trainer setting out of its range or of the wrong type (nothing was changed)."""

    def _render_traceback_(self):
        """What IPython shows for it in a notebook: the one line that says what is allowed, not
        forty lines of traitlets' and the lab's frames above it (`lab.lr = 0.5` in a cell)."""
        return [f"InvalidSetting: {self} (nothing was changed)"]


def _number(name, value, lo, hi, note=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidSetting(f"{name} must be a number from {lo:g} to {hi:g}{note}, "
                             f"got {value!r} ({type(value).__name__})")
    v = float(value)
    if not lo <= v <= hi:              # NaN fails both comparisons
        raise InvalidSetting(f"{name} must be a number from {lo:g} to {hi:g}{note}, got {v!r}")
    return v


def _integer(name, value, lo, hi, note=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidSetting(f"{name} must be a whole number from {lo} to {hi}{note}, "
                             f"got {value!r} ({type(value).__name__})")
    v = int(value)
    if not lo <= v <= hi:
        raise InvalidSetting(f"{name} must be a whole number from {lo} to {hi}{note}, got {v}")
    return v


def _flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidSetting(f"{name} must be True or False, got {value!r}")
    return bool(value)


LR_RANGE = (0.001, 0.06)               # the learning-rate slider's range
NOISE_RANGE = (0.0, 5.0)               # the noise slider's range
N_POINTS_RANGE = (2, 200)              # the points slider's range (the landscape grid is 80x80xn)
SEED_RANGE = (0, 2 ** 31 - 1)          # the seed box's range
SLIDER = " (the slider's range)"


def check_lr(value, name="lr"):
    return _number(name, value, *LR_RANGE, SLIDER)


def check_noise(value, name="noise"):
    return _number(name, value, *NOISE_RANGE, SLIDER)


def check_n_points(value, name="n_points"):
    return _integer(name, value, *N_POINTS_RANGE, SLIDER)


def check_seed(value, name="seed"):
    return _integer(name, value, *SEED_RANGE)


def read_seed(text, current):
    """The seed box's text as a seed: (seed, "") when it reads as a whole number from 0 to
    2**31 - 1 ("12", " 12 ", "12.0", "1e3"), else (None, a sentence that says what was typed, why
    it is not a seed, and that the seed stays `current`). The box is a text box read here, not
    ipywidgets' BoundedIntText, whose browser side changed "3.7" into 37 (it drops the dot as it
    is typed), "-5" into 0 and ignored "abc", all without a word (W13_5)."""
    lo, hi = SEED_RANGE
    typed = str(text).strip()
    stays = f": the seed stays {current} (type a whole number from {lo} to {hi})"
    if not typed:
        return None, "the seed box is empty" + stays
    try:
        value = int(typed)
    except ValueError:
        try:
            number = float(typed)
        except ValueError:
            return None, f"could not read {typed!r} as a number" + stays
        if not math.isfinite(number) or number != int(number):
            return None, f"{typed} is not a whole number" + stays
        value = int(number)
    if value < lo:
        return None, f"{typed} is below {lo}" + stays
    if value > hi:
        return None, f"{typed} is above {hi}" + stays
    return value, ""


def check_rule(value, name="rule"):
    if not isinstance(value, str) or value not in RULES:
        raise InvalidSetting(f"{name} must be one of {sorted(RULES)}, got {value!r}")
    return value


def check_momentum(value, name="momentum"):
    value = _number(name, value, 0.0, 1.0)
    if value == 1.0:
        raise InvalidSetting(f"{name} must be below 1 (at 1 the steps never slow down), got 1.0")
    return value


def check_max_iter(value, name="max_iter"):
    return _integer(name, value, 1, 100_000)


def check_stop_loss(value, name="stop_loss"):
    return _number(name, value, 0.0, 1e6)


def check_interval(value, name="interval"):
    return _number(name, value, 1, 10_000, " milliseconds per tick")


def check_steps(value, name="n"):
    return _integer(name, value, 0, 1_000_000)


SETTINGS = {"lr": check_lr, "noise": check_noise, "n_points": check_n_points, "seed": check_seed,
            "rule": check_rule, "momentum": check_momentum, "max_iter": check_max_iter,
            "stop_loss": check_stop_loss, "interval": check_interval,
            "forget_zero_grad": lambda v, name="forget_zero_grad": _flag(name, v),
            "accumulate_loss": lambda v, name="accumulate_loss": _flag(name, v)}


class _Checked:
    """A trainer attribute checked on every assignment by its SETTINGS function."""

    def __init__(self, setting):
        self.check = SETTINGS[setting]

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_" + name

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj, self.slot)

    def __set__(self, obj, value):
        setattr(obj, self.slot, self.check(value, self.name))


class _CtrlC:
    """What interrupts_deferred() yields: `pending` turns True when Ctrl-C arrived in the block."""

    def __init__(self):
        self.frames = []

    @property
    def pending(self):
        return bool(self.frames)


@contextlib.contextmanager
def interrupts_deferred():
    """Ctrl-C (SIGINT, the kernel's interrupt) inside the block takes effect when the block ends
    (KeyboardInterrupt then), so the block is never left half-done; the block can read
    `.pending` to stop early at a consistent point (between two training iterations). Nested
    blocks pass the interrupt outwards. Main thread only: Python delivers signals there."""
    ctrl_c = _CtrlC()
    if threading.current_thread() is not threading.main_thread():
        yield ctrl_c
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: ctrl_c.frames.append(frame))
    try:
        yield ctrl_c
    finally:
        signal.signal(signal.SIGINT, previous)
        if ctrl_c.pending:
            if callable(previous):     # the default handler raises KeyboardInterrupt; an outer
                previous(signal.SIGINT, ctrl_c.frames[0])   # block's handler defers it further
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt


def count_graph_nodes(tensor):
    """Distinct grad_fn nodes reachable from tensor.grad_fn (an iterative walk; 0 for a leaf)."""
    root = getattr(tensor, "grad_fn", None)
    if root is None:
        return 0
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return len(seen)


class RegressionTrainer:
    """Headless gradient descent on y = w x + b with autograd_core (no widgets, no plotting).

    history[i] (plain floats) for iteration i: loss (at the forward pass), w and b (after the
    update), w_grad and b_grad (.grad after backward, i.e. what the update used).
    last_recording: the autograd_core Recording of the last iteration's forward and backward;
    replay_last() re-runs that iteration on fresh copies of w and b (the values and .grad they had
    before it), so its graph can be drawn or stepped through with the right numbers after the
    update has changed w and b. Settings are checked on assignment (InvalidSetting, nothing
    changed); the data ones (n, noise, seed, rule) take effect at the next reset().
    An iteration is atomic: a KeyboardInterrupt during it takes effect after it.
    """

    lr = _Checked("lr")
    n = _Checked("n_points")
    noise = _Checked("noise")
    seed = _Checked("seed")
    rule = _Checked("rule")
    momentum = _Checked("momentum")
    max_iter = _Checked("max_iter")
    stop_loss = _Checked("stop_loss")
    forget_zero_grad = _Checked("forget_zero_grad")
    accumulate_loss = _Checked("accumulate_loss")

    def __init__(self, n=20, noise=1.0, seed=10, lr=0.05, rule="data", momentum=0.9,
                 max_iter=100, stop_loss=1.0, forget_zero_grad=False, accumulate_loss=False):
        self.n, self.noise, self.seed, self.lr = n, noise, seed, lr
        self.rule, self.momentum = rule, momentum
        self.max_iter, self.stop_loss = max_iter, stop_loss
        self.forget_zero_grad, self.accumulate_loss = forget_zero_grad, accumulate_loss
        self.reset()

    # --- state -------------------------------------------------------------------------------
    def reset(self):
        """New data and initial parameters from the seed; empty history."""
        torch.manual_seed(self.seed)
        x = torch.rand(self.n, 1) * 10
        y = 2 * x + (5 + self.noise * torch.randn(self.n, 1))
        w = torch.randn(1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        optimizer = optim.SGD([w, b], lr=self.lr, momentum=self.momentum)
        # assigned together, once everything above has worked
        self.x, self.y, self.w, self.b, self.optimizer = x, y, w, b, optimizer
        self.w0, self.b0 = w.item(), b.item()
        self.history = []
        self.total = 0.0               # running sum of the losses (a tensor when accumulate_loss)
        self.last_recording = None
        self._before = None            # (value, grad) of w and b before the last iteration
        self.stopped = None            # why training stopped: "converged" | "max_iter" | "diverged"

    @property
    def iteration(self):
        return len(self.history)

    @property
    def done(self):
        return self.stopped is not None

    def set_lr(self, lr):
        self.lr = lr
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr

    # --- training ----------------------------------------------------------------------------
    def step(self, n=1):
        """Run up to n iterations (fewer if training stops); return how many ran. Ctrl-C stops
        it between two iterations (then KeyboardInterrupt)."""
        n = check_steps(n)
        ran = 0
        # A diverging run may overflow float32 (the lab reports it): no numpy warnings.
        with interrupts_deferred() as ctrl_c, np.errstate(over="ignore", invalid="ignore"):
            while ran < n and not self.done and not ctrl_c.pending:
                self._iteration()
                ran += 1
        return ran

    def _iteration(self):
        w, b, x, y, lr = self.w, self.b, self.x, self.y, self.lr
        self._before = [(p.detach().numpy().copy(),
                         None if p.grad is None else p.grad.numpy().copy()) for p in (w, b)]
        with torch.record() as rec:            # forward and backward: what a stepper replays
            y_pred = w * x + b
            loss = (0.5 * (y - y_pred) ** 2).mean()
            loss.backward()
        self.last_recording = rec
        w_grad, b_grad = w.grad.item(), b.grad.item()
        if self.rule == "data":
            b.data.sub_(lr * b.grad)
            w.data.sub_(lr * w.grad)
        elif self.rule == "no_grad":
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
        else:
            self.optimizer.step()
        if self.forget_zero_grad:
            pass
        elif self.rule == "sgd":
            self.optimizer.zero_grad()
        else:
            w.grad.zero_()
            b.grad.zero_()
        # The teaching point of accumulate_loss: `total + loss` keeps every iteration's graph alive.
        self.total = self.total + (loss if self.accumulate_loss else loss.item())
        value = loss.item()
        self.history.append(dict(iteration=len(self.history), loss=value, w=w.item(), b=b.item(),
                                 w_grad=w_grad, b_grad=b_grad))
        first = self.history[0]["loss"]
        if not (math.isfinite(value) and math.isfinite(w.item()) and math.isfinite(b.item())) \
                or value > DIVERGED_FACTOR * first:
            self.stopped = "diverged"
        elif value < self.stop_loss:
            self.stopped = "converged"
        elif len(self.history) >= self.max_iter:
            self.stopped = "max_iter"

    def replay_last(self):
        """(recording, names): the last iteration's forward and backward again, on new leaves w and
        b with the values and .grad the real ones had before it (None before the first step)."""
        if self._before is None:
            return None, {}
        (wv, wg), (bv, bg) = self._before
        w = torch.tensor(wv, requires_grad=True)
        b = torch.tensor(bv, requires_grad=True)
        w.grad = None if wg is None else torch.tensor(wg)
        b.grad = None if bg is None else torch.tensor(bg)
        x, y = self.x, self.y
        with torch.record() as rec:
            y_pred = w * x + b
            loss = (0.5 * (y - y_pred) ** 2).mean()
            loss.backward()
        return rec, {"w": w, "b": b, "x": x, "y": y, "y_pred": y_pred, "loss": loss}

    # --- derived numbers ---------------------------------------------------------------------
    def held_graph_nodes(self):
        """grad_fn nodes kept alive by the running total (0 unless accumulate_loss)."""
        return count_graph_nodes(self.total) if isinstance(self.total, torch.Tensor) else 0

    def curvature(self):
        """Largest eigenvalue of the loss Hessian [[mean x^2, mean x], [mean x, 1]]:
        plain gradient descent converges iff lr * it < 2."""
        xs, _ = self._xy64()
        h = np.array([[np.mean(xs * xs), np.mean(xs)], [np.mean(xs), 1.0]])
        return float(np.linalg.eigvalsh(h)[-1])

    def stability_limit(self):
        """The largest lr * lambda_max that still converges: 2 for plain gradient descent,
        2 (1 + momentum) with momentum (the heavy-ball bound)."""
        return 2.0 * (1.0 + self.momentum) if self.rule == "sgd" else 2.0

    def optimum(self):
        """Least-squares (w*, b*) of this data."""
        xs, ys = self._xy64()
        w, b = np.polyfit(xs, ys, 1)
        return float(w), float(b)

    def trajectory(self):
        """(w, b) before the first iteration and after each one, as an (iterations + 1, 2) array."""
        pts = [(self.w0, self.b0)] + [(h["w"], h["b"]) for h in self.history]
        return np.array(pts, dtype=np.float64)

    def _xy64(self):
        return tuple(t.numpy().ravel().astype(np.float64) for t in (self.x, self.y))

    def loss_at(self, w, b):
        """L(w, b) = 0.5 mean((y - w x - b)^2) in float64 numpy."""
        xs, ys = self._xy64()
        return float(0.5 * np.mean((ys - (w * xs + b)) ** 2))

    def first_step(self):
        """(w, b) after one plain gradient step from the start (numpy)."""
        xs, ys = self._xy64()
        r = ys - (self.w0 * xs + self.b0)
        return self.w0 + self.lr * np.mean(r * xs), self.b0 + self.lr * np.mean(r)

    def landscape_box(self):
        """(w_lo, w_hi, b_lo, b_hi): centred on the optimum, wide enough for the start and for the
        first gradient step from it (near the stability limit it overshoots to the other side)."""
        ws, bs = self.optimum()
        w1, b1 = self.first_step()
        dw = max(abs(self.w0 - ws), min(abs(w1 - ws), 10.0)) + 0.5
        db = max(abs(self.b0 - bs), min(abs(b1 - bs), 20.0)) + 3.0
        return ws - dw, ws + dw, bs - db, bs + db

    def landscape(self, box=None, steps=80):
        """W, B, L grids of L(w, b) = 0.5 mean((y - w x - b)^2) over box (default landscape_box())."""
        w_lo, w_hi, b_lo, b_hi = self.landscape_box() if box is None else box
        xs, ys = self._xy64()
        W, B = np.meshgrid(np.linspace(w_lo, w_hi, steps), np.linspace(b_lo, b_hi, steps))
        # L = 0.5 (w^2 <x^2> + 2wb <x> + b^2 - 2w <xy> - 2b <y> + <y^2>): no (steps, steps, n) array
        mx, mxx, my, myy, mxy = (np.mean(v) for v in (xs, xs * xs, ys, ys * ys, xs * ys))
        L = 0.5 * (W * W * mxx + 2 * W * B * mx + B * B - 2 * W * mxy - 2 * B * my + myy)
        return W, B, np.maximum(L, 0.0)


# ---------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------
LIGHT = {"background": (1.0, 1.0, 1.0), "foreground": (0.0, 0.0, 0.0)}


def readout(value):
    """A number as the lab prints it: 4 decimals, as the plot's title ("w=2.3095"), while under
    10^4 in size, else 4 significant digits ("3.706e+04"). Not more: the grads are float32 sums
    of terms ~30 that cancel near the optimum, exact to about 1e-5, so a 5th decimal (or a 5th
    significant digit of 0.0051675) is rounding noise that torch, adding in another order, does
    not share."""
    value = float(value)
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"


def fit_limits(xs, ys, margin=0.05):
    """((x_lo, x_hi), (y_lo, y_hi)) of the fit plot: every point inside with `margin` of the span
    to spare, x from 0 (the line's left end is at x = 0, where the intercept b is read) and y = 0
    in view (b starts at 0 and climbs to the data)."""
    def span(values, pad_below):
        lo, hi = min(0.0, float(np.min(values))), max(0.0, float(np.max(values)))
        pad = margin * ((hi - lo) or 1.0)
        return (lo - pad if pad_below or lo < 0 else lo), hi + pad
    return span(xs, pad_below=False), span(ys, pad_below=True)


def _luminance(rgb):
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


class _Panels:
    """The three plots of the lab on one matplotlib Figure; `update` only moves artists.

    Used twice: on the live ipympl canvas, and on a throw-away Agg figure for the static image.
    `moving` lists the artists that change every iteration (blitted live). The axis limits depend
    on the dataset, except when a run leaves them (a diverging run): `update` then widens them and
    returns True, and the caller redraws the background once.
    """

    # inches; at the lab's 80 dpi 712 x 240 px: in lecture mode on a 1280x720 projector the
    # controls, the plots, the status and the numbers fit on the screen together
    SIZE = (8.9, 3.0)

    def __init__(self, fig):
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.ticker import NullFormatter
        self.fig = fig
        self.ax_data, self.ax_loss, self.ax_land = fig.subplots(1, 3)
        fig.subplots_adjust(left=0.07, right=0.895, bottom=0.155, top=0.825, wspace=0.36)
        self.ax_legend = fig.add_axes((0.91, 0.155, 0.013, 0.67))   # the landscape's colour key
        a = self.ax_data
        self.scatter = a.scatter([], [], s=14, color="tab:blue")
        (self.fit,) = a.plot([], [], color="red", lw=2)
        # bottom right inside the axes, whatever the number's length
        self.loss_text = a.text(0.97, 0.05, "", ha="right", transform=a.transAxes,
                                fontdict=dict(size=11, color="red"))
        a.set_xlabel("x")
        a.set_ylabel("y")
        a = self.ax_loss
        # a dot on the latest loss: the first iteration shows before there is a line to draw
        (self.loss_line,) = a.plot([], [], color="tab:red", lw=1.5, marker="o", ms=3,
                                   markevery=[-1])
        self.stop_line = a.axhline(1.0, color="0.5", ls="--", lw=1)
        a.set_yscale("log")
        a.yaxis.set_minor_formatter(NullFormatter())
        a.set_title("loss (log scale)")
        a.set_xlabel("iteration")
        a = self.ax_land
        a.set_title("loss landscape L(w, b)")
        a.set_xlabel("w")
        a.set_ylabel("b", labelpad=0)           # clear of the loss plot beside it
        (self.path,) = a.plot([], [], ".-", color="tab:orange", lw=1, ms=3)
        (self.start,) = a.plot([], [], "o", ms=4)
        (self.best,) = a.plot([], [], "*", ms=9)
        self.arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=16,
                                     shrinkA=0, shrinkB=0, color="tab:red", lw=2, zorder=5)
        a.add_patch(self.arrow)
        self._contours = None
        self._landscape = None             # (trainer, box) of the contours drawn
        self._levels = None
        self.colours = dict(LIGHT)
        self.moving = [self.fit, self.loss_text, self.ax_data.title, self.loss_line, self.path,
                       self.arrow]
        self.apply_theme(LIGHT)

    # --- what depends on the dataset (and the view box) ----------------------------------------
    def set_data(self, trainer):
        """Redraw what depends on the dataset only (scatter, loss contours, axis limits)."""
        xs, ys = trainer.x.numpy().ravel(), trainer.y.numpy().ravel()
        self.scatter.set_offsets(np.column_stack([xs, ys]))
        x_lim, y_lim = fit_limits(xs, ys)
        self.ax_data.set_xlim(*x_lim)
        self.ax_data.set_ylim(*y_lim)
        self._draw_landscape(trainer, trainer.landscape_box())
        self.ax_loss.set_xlim(0, trainer.max_iter)
        # From just under the least loss to above the first one; a run that leaves it (diverging)
        # widens it by whole decades (update()).
        top = max(trainer.loss_at(trainer.w0, trainer.b0), trainer.loss_at(*trainer.first_step()))
        bottom = max(self._levels[0] / 1.05, 1e-6) / 1.5
        self.ax_loss.set_ylim(bottom, max(top, trainer.stop_loss) * 1.5)
        self.stop_line.set_ydata([trainer.stop_loss] * 2)
        self.start.set_data([trainer.w0], [trainer.b0])
        self.best.set_data(*([v] for v in trainer.optimum()))

    def _draw_landscape(self, trainer, box):
        from matplotlib.colors import LogNorm
        W, B, L = trainer.landscape(box)
        self._landscape = (trainer, box)
        if self._contours is not None:
            self._contours.remove()
        lo = max(L.min(), 1e-3) * 1.05
        self._levels = np.geomspace(lo, max(L.max(), lo * 10), 14)
        # log-spaced levels, coloured on a log scale: every ring gets its own colour
        self._contours = self.ax_land.contour(W, B, L, levels=self._levels, cmap=self._cmap(),
                                              norm=LogNorm(self._levels[0], self._levels[-1]),
                                              linewidths=0.9, zorder=0)
        self.ax_land.set_xlim(box[0], box[1])
        self.ax_land.set_ylim(box[2], box[3])
        self._draw_legend()

    def _draw_legend(self):
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter
        cax = self.ax_legend
        cax.clear()
        bar = self.fig.colorbar(self._contours, cax=cax)
        bar.set_ticks(LogLocator())                    # decades, not the 14 raw level values
        cax.yaxis.set_major_formatter(LogFormatterSciNotation())
        cax.yaxis.set_minor_formatter(NullFormatter())
        cax.set_title("L", fontsize=10)
        cax.set_facecolor(self.colours["background"])    # between the lines: no white strip
        self._style_axes(cax)
        bar.outline.set_edgecolor(self.colours["foreground"])

    def _cmap(self):
        """viridis without its darkest end on a dark background, without its palest on a light one
        (the same order in both themes: purple = low loss, yellow = high)."""
        from matplotlib.colors import ListedColormap
        import matplotlib
        lo, hi = (0.3, 1.0) if self.dark else (0.0, 0.88)
        return ListedColormap(matplotlib.colormaps["viridis"](np.linspace(lo, hi, 256)))

    @property
    def dark(self):
        return _luminance(self.colours["background"]) < 0.5

    # --- theme ------------------------------------------------------------------------------
    def apply_theme(self, colours):
        """Figure and axes background, text, ticks and spines in the page's colours."""
        self.colours = dict(colours)
        bg, fg = self.colours["background"], self.colours["foreground"]
        self.fig.set_facecolor(bg)
        for ax in (self.ax_data, self.ax_loss, self.ax_land):
            ax.set_facecolor(bg)
            self._style_axes(ax)
        for marker in (self.start, self.best):
            marker.set_color(fg)
        if self._landscape is not None:     # contours and legend again, in the new colours
            self._draw_landscape(*self._landscape)

    def _style_axes(self, ax):
        fg = self.colours["foreground"]
        ax.tick_params(which="both", colors=fg, labelcolor=fg)
        for spine in ax.spines.values():
            spine.set_edgecolor(fg)
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_color(fg)

    # --- every frame ------------------------------------------------------------------------
    def update(self, trainer):
        """Move the artists to the trainer's current state (no new artists). Returns True when an
        axis had to widen (a run left the view): then the static background is stale."""
        hist = trainer.history
        w, b = trainer.w.item(), trainer.b.item()
        x0, x1 = self.ax_data.get_xlim()       # the line across the plot, from x = 0 (b) on
        self.fit.set_data([x0, x1], [w * x0 + b, w * x1 + b])
        it = len(hist)
        loss = hist[-1]["loss"] if hist else float("nan")
        self.loss_text.set_text("Loss=%.4f" % loss if hist else "")
        self.ax_data.set_title("Iteration: %d\nw=%.4f, b=%.4f" % (it, w, b))
        losses = np.array([h["loss"] for h in hist], dtype=np.float64)
        self.loss_line.set_data(np.arange(1, it + 1), losses)
        traj = trainer.trajectory()
        self.path.set_data(traj[:, 0], traj[:, 1])
        widened = self._widen_loss_axis(losses) | self._widen_landscape(trainer, traj)
        self._place_arrow(hist[-1] if hist else None, w, b)
        return widened

    def _widen_loss_axis(self, losses):
        """Raise the loss axis' top to the next whole decade above the largest finite loss."""
        finite = losses[np.isfinite(losses)]
        lo, hi = self.ax_loss.get_ylim()
        if not finite.size or finite.max() <= hi:
            return False
        self.ax_loss.set_ylim(lo, 10.0 ** math.ceil(math.log10(finite.max() * 1.5)))
        return True

    def _widen_landscape(self, trainer, traj):
        """Zoom the landscape out (twice the span, same centre) until the path fits in it."""
        pts = traj[np.isfinite(traj).all(axis=1)]
        w_lo, w_hi = self.ax_land.get_xlim()
        b_lo, b_hi = self.ax_land.get_ylim()
        box = [w_lo, w_hi, b_lo, b_hi]

        def inside(bx):
            return (pts[:, 0].min() >= bx[0] and pts[:, 0].max() <= bx[1]
                    and pts[:, 1].min() >= bx[2] and pts[:, 1].max() <= bx[3])
        if not pts.size or inside(box):
            return False
        for _ in range(60):            # 2^60: further than float32 can go
            cw, cb = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
            hw, hb = box[1] - box[0], box[3] - box[2]
            box = [cw - hw, cw + hw, cb - hb, cb + hb]
            if inside(box):
                break
        self._draw_landscape(trainer, box)
        return True

    def _place_arrow(self, last, w, b):
        """-grad at the current point, with a fixed length (20% of the view): the direction."""
        if last is None or not (math.isfinite(last["w_grad"]) and math.isfinite(last["b_grad"])):
            self.arrow.set_visible(False)
            return
        (w_lo, w_hi), (b_lo, b_hi) = self.ax_land.get_xlim(), self.ax_land.get_ylim()
        dw, db = -last["w_grad"] / (w_hi - w_lo), -last["b_grad"] / (b_hi - b_lo)   # axes units
        norm = math.hypot(dw, db)
        if norm == 0 or not math.isfinite(norm):
            self.arrow.set_visible(False)
            return
        k = 0.2 / norm
        self.arrow.set_positions((w, b), (w + k * dw * (w_hi - w_lo), b + k * db * (b_hi - b_lo)))
        self.arrow.set_visible(True)


def static_png(trainer, dpi=80):
    """PNG bytes of the trainer's current state, drawn with Agg on a fresh figure (no widgets)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=_Panels.SIZE, dpi=dpi)
    panels = _Panels(fig)
    panels.set_data(trainer)
    panels.update(trainer)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------
import anywidget  # noqa: E402
import ipywidgets as W  # noqa: E402
import traitlets as T  # noqa: E402
from ipympl.backend_nbagg import Canvas as _MplCanvas  # noqa: E402


class _WholeFrameCanvas(_MplCanvas):
    """ipympl's canvas, sending every frame whole (see the module docstring: a dropped diff frame
    leaves stale pixels in the browser; a dropped whole frame is replaced by the next one), and
    drawing only while holding `lock`, the lab's: the front end's requests (draw, refresh) arrive
    on the comm thread while a cell may be drawing on the main thread."""

    def __init__(self, figure, lock):
        super().__init__(figure)
        self.lock = lock

    def handle_event(self, event):
        with self.lock:
            return super().handle_event(event)

    def draw(self):
        with self.lock:
            super().draw()

    def get_diff_image(self):
        with self.lock:
            self._force_full = True
            return super().get_diff_image()


class PageProbe(anywidget.AnyWidget):
    """Reports what the page knows to Python: `page` = {background, foreground: "rgb(...)" colours
    of JupyterLab's theme, scale: lecture mode's --cgraph-scale, width: the lab's width in px,
    canvas: [w, h] of the picture ipympl shows}, each state once it has held for 0.6 s.
    Renders nothing visible; its stylesheet (static/regression.css) styles the lab."""

    _esm = STATIC / "regression.js"
    _css = STATIC / "regression.css"
    page = T.Dict().tag(sync=True)


_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")


def parse_css_colour(text):
    """(r, g, b, alpha) in 0..1 from a computed CSS colour "rgb(r, g, b)" / "rgba(r, g, b, a)";
    None for anything else."""
    m = _RGB.fullmatch(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    r, g, b = (min(max(float(v) / 255, 0.0), 1.0) for v in m.groups()[:3])
    a = m.group(4)
    alpha = 1.0 if a is None else float(a[:-1]) / 100 if a.endswith("%") else float(a)
    return r, g, b, min(max(alpha, 0.0), 1.0)


def page_colours(page):
    """The figure's {background, foreground} (opaque RGB) from the probe's report; LIGHT when the
    page says nothing usable. A translucent text colour is blended over the background."""
    bg = parse_css_colour(page.get("background"))
    fg = parse_css_colour(page.get("foreground"))
    if bg is None or bg[3] < 0.5 or fg is None:
        return dict(LIGHT)
    back = bg[:3]
    fore = tuple(f * fg[3] + k * (1 - fg[3]) for f, k in zip(fg[:3], back))
    return {"background": back, "foreground": fore}


def _rule_options(momentum):
    return [(".data.sub_(lr * grad)  (tutorial)", "data"),
            ("with no_grad(): p -= lr * grad", "no_grad"),
            (f"optim.SGD(momentum={momentum:g})", "sgd")]


def _serialized(method):
    """Run the lab's method holding its lock. JupyterLab 4 with ipykernel 7 handles widget
    messages (a click, a slider, the canvas' draw requests, the probe) on a subshell thread, and
    the Play timer ticks on the loop of the thread that pressed Play, while a cell runs on the
    main thread: without the lock, two threads trained the same tensors and drew into the same
    Agg buffer at once."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked


class _Setting(T.TraitType):
    """A trait whose every assignment goes through its SETTINGS check (as the constructor's)."""

    def __init__(self, setting, default):
        self.check = SETTINGS[setting]
        super().__init__(default_value=default)

    def validate(self, obj, value):
        return self.check(value, self.name)


class RegressionLab(W.VBox):
    """Gradient descent on y = w x + b, live: controls, an ipympl canvas, the numbers, the graph.

    Headless API: `step(n=1)`, `reset()`, `history` (list of dicts of plain floats, see
    RegressionTrainer), `last_recording` (autograd_core Recording of the last iteration's forward
    and backward: the hook for a stepper), `trainer`, `playing`; `stepper` is the GraphStepper
    shown while "Step through this iteration" is on (built from trainer.replay_last()).
    Traits (linked both ways to the controls, checked like the constructor's arguments, an
    invalid value raises InvalidSetting and changes nothing): lr, n_points, noise, seed, rule,
    forget_zero_grad, accumulate_loss, interval (ms per Play tick); read-only mirrors: iteration,
    loss, status.
    """

    lr = _Setting("lr", 0.05)
    n_points = _Setting("n_points", 20)
    noise = _Setting("noise", 1.0)
    seed = _Setting("seed", 10)
    rule = _Setting("rule", "data")
    forget_zero_grad = _Setting("forget_zero_grad", False)
    accumulate_loss = _Setting("accumulate_loss", False)
    interval = _Setting("interval", 40.0)
    iteration = T.Int(0)
    loss = T.Float(float("nan"), allow_none=True)
    status = T.Unicode("ready")

    BASE_DPI = 80
    # While playing, the next iteration waits until the browser has drawn the last one's frame, at
    # most this long (W13_3: the plot's title said "Iteration: 32" while the numbers beside it said
    # 37. ipympl's front end loads each frame it receives into one <img>; a new frame arriving before
    # the last one has loaded cancels that load, so a browser slower than the ticks drew almost none:
    # at 4x CPU throttling 4 frames for 37 iterations). A page that never says it drew (no probe
    # shown, a front end without the hook) is not waited for; one that stops saying it is waited
    # for this long per iteration.
    FRAME_WAIT_S = 2.0
    _timer = None                      # class defaults: close() works on a half-built lab
    _frame_sent = None                 # (when a frame went out that the browser has not drawn yet)
    _page_draws = False                # (the page says when it has drawn a frame)
    frames_drawn = 0                   # frames the page said it drew (for tests and the curious)
    _showing_seed = False              # (the seed box being set to the seed: not a student's typing)
    canvas = None
    _lock = contextlib.nullcontext()

    def __init__(self, n=20, noise=1.0, seed=10, lr=0.05, rule="data", momentum=0.9, max_iter=100,
                 stop_loss=1.0, forget_zero_grad=False, accumulate_loss=False, interval=40):
        # Every argument is checked (by the trainer, and the interval here) before any widget
        # exists: a bad one raises InvalidSetting and leaves nothing behind.
        interval = check_interval(interval)
        self._lock = threading.RLock()         # see _serialized
        self.trainer = RegressionTrainer(n=n, noise=noise, seed=seed, lr=lr, rule=rule,
                                         momentum=momentum, max_iter=max_iter, stop_loss=stop_loss,
                                         forget_zero_grad=forget_zero_grad,
                                         accumulate_loss=accumulate_loss)
        t = self.trainer
        self._syncing = False
        self._interrupted = False
        self._zoom = 1.0
        self._resized = (0.0, 0)               # (when, how many times) the last resize was sent
        self._graph_iteration = 0              # the iteration the graph panel shows
        self._build_controls()
        self._build_canvas()
        # beside the plots if 16em fit there, else under them, as wide as the lab (regression.css)
        self.numbers = W.HTML(layout=W.Layout(flex="1 1 16em", min_width="16em",
                                              margin="0 0 0 8px"))
        self.numbers.add_class("cgl-regression-numbers-box")
        self.graph_title = W.HTML()
        self.graph_view = W.HTML(layout=W.Layout(width="100%", margin="0"))   # a wide graph scrolls
        self.stepper = None                    # a GraphStepper of the last iteration, on demand
        self.step_through = W.ToggleButton(
            value=False, description="Step through this iteration",
            tooltip="open this iteration's forward and backward pass in a graph stepper",
            layout=W.Layout(width="auto", flex="0 0 auto"))
        self.step_through.observe(lambda _: self._refresh_graph(), "value")
        self.graph_panel = W.VBox(
            [W.HBox([self.graph_title, self.step_through],
                    layout=W.Layout(align_items="center", flex_flow="row wrap")),
             self.graph_view])
        self.graph_panel.add_class("cgl-regression-graph-panel")
        self.probe = PageProbe()
        self.probe.observe(self._on_page, "page")
        self.probe.on_msg(self._on_probe_message)
        # The plots and the numbers wrap onto the next line when the notebook is narrow.
        plots = W.HBox([self.canvas, self.numbers],
                       layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        super().__init__([self.probe, self.controls, plots, self.graph_panel])
        self.add_class("cgl-regression")
        self._mark_figure_theme()
        # Traits after the children exist: the links push the initial values into the controls.
        with self.hold_trait_notifications():
            self.lr, self.n_points, self.noise, self.seed = t.lr, t.n, t.noise, t.seed
            self.rule, self.forget_zero_grad = t.rule, t.forget_zero_grad
            self.accumulate_loss, self.interval = t.accumulate_loss, interval
        for name, ctl in [("lr", self.lr_slider), ("n_points", self.n_slider),
                          ("noise", self.noise_slider),
                          ("rule", self.rule_dropdown), ("forget_zero_grad", self.forget_box),
                          ("accumulate_loss", self.accumulate_box)]:
            T.link((self, name), (ctl, "value"))
        self.observe(self._on_setting, ["lr", "n_points", "noise", "seed", "rule",
                                        "forget_zero_grad", "accumulate_loss", "interval"])
        self._panels.set_data(t)
        self._refresh(graph=True)

    # --- building ----------------------------------------------------------------------------
    def _build_controls(self):
        t = self.trainer
        # One play control: a toggle reading Play or Pause. It drives a timer on the kernel's event
        # loop (one training step per tick), so no message from the browser is needed per frame
        # and a slow kernel skips ticks instead of queueing them. No icons: their font would come
        # from a CDN in Voila, and the words are the accessible names.
        fit = dict(width="auto", flex="0 0 auto")      # whole labels, also in lecture mode
        self.play = W.ToggleButton(value=False, description="Play",
                                   tooltip="train: one iteration per tick (press again to pause)",
                                   layout=W.Layout(min_width="5.5em", **fit))
        self.play.observe(self._on_playing, "value")
        self.step_button = W.Button(description="Step", tooltip="train one iteration",
                                    layout=W.Layout(**fit))
        self.reset_button = W.Button(description="Reset",
                                     tooltip="new data from the seed, w and b back to the start",
                                     layout=W.Layout(**fit))
        self.step_button.on_click(lambda _: self.step(1))
        self.reset_button.on_click(lambda _: self.reset())
        style = {"description_width": "initial"}
        self.lr_slider = W.FloatSlider(value=t.lr, min=LR_RANGE[0], max=LR_RANGE[1], step=0.001,
                                       readout_format=".3f", description="learning rate",
                                       style=style)
        self.n_slider = W.IntSlider(value=t.n, min=N_POINTS_RANGE[0], max=N_POINTS_RANGE[1],
                                    description="points", style=style)
        self.noise_slider = W.FloatSlider(value=t.noise, min=NOISE_RANGE[0], max=NOISE_RANGE[1],
                                          step=0.1, description="noise", style=style)
        # a text box read in Python (read_seed): what cannot be a seed is told, not changed (W13_5)
        self.seed_box = W.Text(value=str(t.seed), description="seed", style=style,
                               continuous_update=False,          # (read on Enter, or on leaving it)
                               tooltip=f"a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}; "
                                       "Enter: new data from it",
                               layout=W.Layout(width="auto", flex="0 0 auto"))
        self.seed_box.add_class("cgl-regression-seed")
        self.seed_box.observe(self._on_seed_typed, "value")
        self.seed_note = W.HTML("")             # what became of a seed that could not be used
        self.seed_note.add_class("cgl-regression-seed-note")
        self.rule_dropdown = W.Dropdown(options=_rule_options(t.momentum), value=t.rule,
                                        description="update", style=style,
                                        layout=W.Layout(width="auto", flex="0 0 auto"))
        self.forget_box = W.Checkbox(value=t.forget_zero_grad, description="forget zero_grad()",
                                     indent=False, layout=W.Layout(**fit))
        self.accumulate_box = W.Checkbox(value=t.accumulate_loss, indent=False,
                                         description="total += loss (without .item())",
                                         layout=W.Layout(**fit))
        rows = [[self.play, self.step_button, self.reset_button, self.lr_slider],
                [self.n_slider, self.noise_slider, self.seed_box, self.seed_note],
                [self.rule_dropdown, self.forget_box, self.accumulate_box]]
        self.controls = W.VBox([W.HBox(r, layout=W.Layout(flex_flow="row wrap",
                                                          align_items="center")) for r in rows])
        self.controls.add_class("cgl-regression-controls")

    def _build_canvas(self):
        """An ipympl canvas made directly (not through pyplot): works whatever the backend, and the
        figure is not kept in pyplot's registry."""
        from ipympl.backend_nbagg import FigureManager
        from matplotlib.figure import Figure
        fig = Figure(figsize=_Panels.SIZE, dpi=self.BASE_DPI)
        self.canvas = _WholeFrameCanvas(fig, self._lock)
        self._manager = FigureManager(self.canvas, 0)   # the canvas needs one (resize, toolbar)
        self.canvas.header_visible = False
        self.canvas.footer_visible = False
        self.canvas.toolbar_visible = False
        self.canvas.resizable = False
        self.canvas.layout.flex = "0 0 auto"     # as wide as the figure, no wider
        self.figure = fig
        self._panels = _Panels(fig)
        for artist in self._panels.moving:     # left out of full draws: blitted over a background
            artist.set_animated(True)
        self._background = None
        self.canvas.mpl_connect("draw_event", self._on_full_draw)

    def _on_full_draw(self, event):
        """After a full draw (first display, resize, new dataset): keep the static background and
        paint the moving artists over it, so the frame sent to the browser is complete."""
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_moving()

    def _draw_moving(self):
        for artist in self._panels.moving:
            self.figure.draw_artist(artist)

    def _redraw(self):
        """One frame: restore the static background, draw the moving artists, send the frame."""
        if self._background is None:           # nothing drawn yet: the front end asks for a draw
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self._background)
        self._draw_moving()
        self.canvas.blit(self.figure.bbox)

    def _new_background(self):
        """The static part changed (data, theme, size, a widened axis): draw it again, now if a
        front end shows the canvas (the next frame must not wait for a round trip), else when
        one asks."""
        self._background = None
        if self.canvas.syncing_data_url:       # True until the front end says "initialized"
            self.canvas.draw_idle()
        else:
            self.canvas.draw()

    # --- headless API ------------------------------------------------------------------------
    @property
    def history(self):
        return self.trainer.history

    @property
    def last_recording(self):
        return self.trainer.last_recording

    @property
    def playing(self):
        return self.play.value

    @_serialized
    def step(self, n=1):
        """Run up to n training iterations and redraw; returns how many ran. A KeyboardInterrupt
        stops after a whole iteration and leaves the lab paused, drawn and up to date."""
        n = check_steps(n)
        with interrupts_deferred() as ctrl_c:          # raises KeyboardInterrupt at its end
            self._interrupted = False
            ran = self.trainer.step(n)                 # stops between iterations on Ctrl-C
            self._after_training(ctrl_c.pending)
            if ctrl_c.pending and not self._interrupted:   # it came while drawing
                self._after_training(True)
        return ran

    def _after_training(self, interrupted):
        """Pause if training stopped or was interrupted; mirror the state in traits and drawing."""
        self._interrupted = interrupted
        if self.trainer.done or interrupted:
            self._set_playing(False)
        self._refresh(graph=not self.playing)

    @_serialized
    def reset(self):
        """New data from (seed, n_points, noise), fresh w and b, empty history."""
        t = self.trainer
        with interrupts_deferred():
            t.n, t.noise, t.seed, t.rule = self.n_points, self.noise, self.seed, self.rule
            t.set_lr(self.lr)
            t.forget_zero_grad, t.accumulate_loss = self.forget_zero_grad, self.accumulate_loss
            t.reset()
            self._interrupted = False
            self._set_playing(False)
            self._panels.set_data(t)
            self._new_background()
            self._refresh(graph=True)

    @_serialized
    def close(self):
        """Stop the Play timer and close the widgets."""
        if self._timer is not None:
            self._timer.stop()
        if self.canvas is not None:
            self.canvas.close()
        super().close()

    # --- events ------------------------------------------------------------------------------
    @_serialized
    def _tick(self):
        if not self.playing:
            return
        if (self._page_draws and self._frame_sent is not None
                and time.monotonic() - self._frame_sent < self.FRAME_WAIT_S):
            return                             # the browser is still drawing the last frame
        try:
            self.step(1)
        except KeyboardInterrupt:              # the kernel's interrupt pauses the lab
            with interrupts_deferred():
                self._after_training(True)
        self._frame_sent = time.monotonic() if self.playing else None

    def _on_probe_message(self, _widget, content, _buffers):
        """The page drew a frame of the canvas (static/regression.js): the next tick may train."""
        if isinstance(content, dict) and content.get("kind") == "drawn":
            self._page_draws = True
            self._frame_sent = None
            self.frames_drawn += 1

    @_serialized
    def _on_playing(self, change):
        playing = change["new"]
        self.play.description = "Pause" if playing else "Play"
        if playing and self.trainer.done:      # Play after the end: train again from the start
            self.reset()
            self._set_playing(True)
        elif playing:
            self._interrupted = False
            if self._timer is None:
                self._timer = self.canvas.new_timer(interval=self.interval)
                self._timer.add_callback(self._tick)
            self._timer.start()
            self._refresh(graph=False)
        else:
            if self._timer is not None:
                self._timer.stop()
            if not self._syncing:              # paused: draw the last iteration's graph
                self._refresh(graph=True)

    @_serialized
    def _on_seed_typed(self, change):
        """The seed box's text (on Enter): the seed it reads as, or a note why the seed stays."""
        if self._showing_seed:
            return
        seed, note = read_seed(change["new"], self.seed)
        self.seed_note.value = html.escape(note, quote=False)
        if seed is None:
            self._show_seed()                  # the box shows the seed in use, the note why
        elif seed == self.seed:
            self._show_seed()                  # ("12.0" reads 12: the box says 12)
        else:
            self.seed = seed

    def _show_seed(self):
        self._showing_seed = True
        try:
            self.seed_box.value = str(self.seed)
        finally:
            self._showing_seed = False

    @_serialized
    def _on_setting(self, change):
        name, t = change["name"], self.trainer
        if name == "seed":
            self._show_seed()
            self.seed_note.value = ""
        if name == "lr":
            t.set_lr(change["new"])
            self._refresh(graph=False)
        elif name in ("forget_zero_grad", "accumulate_loss"):
            setattr(t, name, change["new"])
            self._refresh(graph=False)
        elif name == "interval":
            if self._timer is not None:
                self._timer.interval = change["new"]
        else:  # the data or the update rule changed: start over, and go on playing if it was (W13_4:
            playing = self.playing  # a student switching the rule mid-run expects to see the new one run)
            self.reset()
            if playing:
                self._set_playing(True)

    def _set_playing(self, playing):
        if self.play.value != playing:
            self._syncing = True
            try:
                self.play.value = playing
            finally:
                self._syncing = False

    @_serialized
    def _on_page(self, change):
        """The page's theme colours, lecture-mode scale or width changed: restyle or resize."""
        page = change["new"] if isinstance(change["new"], dict) else {}
        colours = page_colours(page)
        redraw = False
        if colours != self._panels.colours:
            self._panels.apply_theme(colours)
            redraw = True
        zoom = self._zoom_for(page)
        if zoom != self._zoom:
            self._zoom = zoom
            dpi = self.BASE_DPI * zoom
            # matplotlib multiplies _original_dpi by the screen's device pixel ratio (HiDPI)
            self.figure._original_dpi = dpi
            self.figure.set_dpi(dpi * self.canvas.device_pixel_ratio)   # resizes the canvas
            self._resized = (time.monotonic(), 0)
            redraw = True
        elif self._shows_another_size(page):
            # The page still shows the old size although the resize went out a while ago (seen
            # once in a browser test, after a theme switch): send it again, a few times at most.
            when, tries = self._resized
            if tries < 3 and time.monotonic() - when > 1.5:
                self._manager.resize(*self.canvas.get_width_height(physical=True))
                self._resized = (time.monotonic(), tries + 1)
                redraw = True
        if redraw:
            self._new_background()
            self._mark_figure_theme()

    def _mark_figure_theme(self):
        """Class cgl-figure-light or cgl-figure-dark: the colours the figure is drawn in. Right after
        a switch to a dark theme the figure is still light until the page's report comes back and it
        is redrawn (a white block for a second or two on a busy machine); regression.css dims a
        light figure in a dark page at once, with no round trip."""
        dark = self._panels.dark
        self.remove_class("cgl-figure-light" if dark else "cgl-figure-dark")
        self.add_class("cgl-figure-dark" if dark else "cgl-figure-light")

    def _shows_another_size(self, page):
        shown = page.get("canvas")
        if not (isinstance(shown, list) and len(shown) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown)):
            return False
        want = self.canvas.get_width_height()
        return any(abs(a - b) > 1 for a, b in zip(shown, want))

    def _zoom_for(self, page):
        """The figure's scale: lecture mode's --cgraph-scale, shrunk to fit the lab's width."""
        def number(key, default):
            v = page.get(key, default)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            return float(v) if ok else default
        scale = min(max(number("scale", 1.0), 0.5), 4.0)
        width = number("width", 0.0)
        natural = _Panels.SIZE[0] * self.BASE_DPI
        if width > 0:                          # a few px for the canvas' border
            scale = min(scale, (width - 8) / natural)
        # rounded down (never wider than the lab): tiny width changes don't redraw
        return max(math.floor(scale * 100) / 100, 0.6)

    # --- drawing -----------------------------------------------------------------------------
    def _update_traits(self):
        t = self.trainer
        self.iteration = t.iteration
        self.loss = t.history[-1]["loss"] if t.history else float("nan")
        self.status = self._status_text()
        # After the end Step would do nothing: it says so by being disabled (Play and Reset start
        # a new run, see _on_playing)
        self.step_button.disabled = t.done
        self.step_button.tooltip = (f"training has stopped ({t.stopped}): Reset or Play starts "
                                    "again" if t.done else "train one iteration")

    def _refresh(self, graph):
        t = self.trainer
        self._update_traits()
        if self._panels.update(t):             # an axis widened (a diverging run)
            self._new_background()
        self._redraw()
        self.numbers.value = self._numbers_html()
        if graph:
            self._refresh_graph()
        else:
            self._graph_heading()

    def _ran_out_diverging(self):
        """The iterations ran out with lr·λmax past the stability limit: a learning rate raised mid-run
        grows the loss from a low point, short of DIVERGED_FACTOR times the first iteration's by then;
        the run diverges all the same (W16_4)."""
        t = self.trainer
        return t.stopped == "max_iter" and t.lr * t.curvature() > t.stability_limit()

    def _status_text(self):
        t = self.trainer
        k = t.iteration
        if t.stopped == "diverged":
            reading, limit = t.lr * t.curvature(), t.stability_limit()
            if reading > limit:
                why = f": lr·λmax = {reading:.3g} > {limit:g}"
            elif t.forget_zero_grad:           # the learning rate alone would converge
                why = ": zero_grad() forgotten, .grad grows every iteration"
            else:
                why = ""
            return f"diverged at iteration {k}{why}"
        if t.stopped == "converged" and t.forget_zero_grad:
            # .grad sums every gradient so far: the loss swings up and down for good (or grows), and
            # the tutorial's stop rule caught it on a dip
            return (f"stopped at iteration {k}: loss < {t.stop_loss:g} in mid-swing, not converged "
                    "(zero_grad() forgotten)")
        if t.stopped == "converged":
            return f"converged at iteration {k}: loss < {t.stop_loss:g}"
        if self._ran_out_diverging():
            return (f"stopped after {t.max_iter} iterations, diverging: lr·λmax = {t.lr * t.curvature():.3g} > "
                    f"{t.stability_limit():g}")
        if t.stopped == "max_iter":
            return f"stopped after {t.max_iter} iterations"
        if self._interrupted:
            return f"interrupted after iteration {k}"
        if self.playing:
            return "playing"
        return "paused" if t.history else "ready"

    def _numbers_html(self):
        t = self.trainer
        last = t.history[-1] if t.history else None

        def num(v):
            return "&ndash;" if v is None else html.escape(readout(v))
        number, count = " class='cgl-number'", " class='cgl-count'"   # widths kept (css)
        rows = [("iteration", str(t.iteration), count),
                ("loss", num(last and last["loss"]), number),
                ("w", num(t.w.item()), number), ("b", num(t.b.item()), number),
                ("w.grad", num(last and last["w_grad"]), number),
                ("b.grad", num(last and last["b_grad"]), number),
                ("lr &middot; &lambda;<sub>max</sub>", num(t.lr * t.curvature()), number),
                ("diverges above", f"{t.stability_limit():g}", "")]
        if t.accumulate_loss:
            rows.append(("graph nodes held by <code>total</code>", str(t.held_graph_nodes()), count))
        if t.forget_zero_grad:
            rows.append(("zero_grad()", "<b>forgotten: .grad accumulates</b>", ""))
        body = "".join(f"<tr><th>{k}</th><td{c}>{v}</td></tr>" for k, v, c in rows)
        # The status first: where the numbers go under the plots (a narrow lab, lecture mode) it
        # is the line right below them (regression.css lays the rows out in columns there, and
        # after the table in the column beside the plots). role=status: screen readers announce
        # it when it changes.
        cls = " cgl-diverged" if t.stopped == "diverged" or self._ran_out_diverging() else ""
        return (f"<div class='cgl-regression-readout'>"
                f"<div class='cgl-regression-status{cls}' role='status'>"
                f"{html.escape(self.status)}</div>"
                f"<table class='cgl-regression-numbers'>{body}</table></div>")

    def _graph_heading(self):
        k = self.trainer.iteration
        if self.trainer.last_recording is None:
            text = "Graph of the last iteration"
        else:
            shown = self._graph_iteration
            later = " (updates on pause)" if shown != k else ""
            text = (f"Graph of iteration {shown}: its forward and backward, w and b as they were "
                    f"before its update{later}")
        self.graph_title.value = f"<b class='cgl-regression-graph-title'>{html.escape(text)}</b>"

    @_serialized
    def _refresh_graph(self):
        """The graph of the last iteration after backward (w.grad, b.grad): a picture, or with
        "Step through this iteration" a GraphStepper of the replayed iteration, at its last step."""
        rec, names = self.trainer.replay_last()
        self._graph_iteration = self.trainer.iteration
        self._graph_heading()
        header = self.graph_panel.children[0]
        if self.step_through.value and rec is not None:
            from .stepper import GraphStepper
            self.stepper = GraphStepper(rec, view="function", names=names)
            self.stepper.step = self.stepper.n_steps - 1
            box = self.stepper.layout_box() if hasattr(self.stepper, "layout_box") else self.stepper
            self.graph_panel.children = [header, box]
        else:
            self.stepper = None
            self.graph_view.value = graph_svg(rec, names)
            self.graph_panel.children = [header, self.graph_view]

    @_serialized
    def current_frame(self):
        """The canvas' current picture (the last frame sent), as an (h, w, 4) uint8 RGBA array."""
        return np.asarray(self.canvas.get_renderer().buffer_rgba()).copy()

    # --- static image (nbconvert, executed notebooks) ------------------------------------------
    @_serialized
    def _repr_png_(self):
        return static_png(self.trainer)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        import base64
        bundle["image/png"] = base64.b64encode(self._repr_png_()).decode("ascii")
        return bundle


_NO_FRAME = types.SimpleNamespace(f_locals={}, f_globals={})


def graph_svg(rec, names):
    """SVG of a recorded iteration's graph (function view, the compact one) as it is after
    backward, with w.grad and b.grad filled in, at its natural size (text as large as a
    GraphStepper's; the panel scrolls if it must)."""
    if rec is None:
        return ("<p class='cgl-regression-graph-empty'><i>the graph of the last iteration "
                "appears here after a step or on pause</i></p>")
    from .graph_model import GraphModel
    from .render import render_svg
    # names only from `names`: frame=None would make GraphModel scan the caller's variables
    model = GraphModel.from_recording(rec, view="function", names=names, frame=_NO_FRAME)
    # the finished graph with every value and grad written in (no step caption, no highlight)
    svg = render_svg(model, legend=False)
    svg = svg[svg.find("<svg"):]
    return f"<div class='cgl-regression-graph'>{svg}</div>"
