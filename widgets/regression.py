"""The live linear-regression lab: fit y = w*x + b by gradient descent on autograd_core; watch it.

    from widgets.regression import RegressionLab
    lab = RegressionLab()          # display it; or headless: lab.step(10); lab.history[-1]["loss"]

Data (as in the tutorial): x = rand(n, 1) * 10, y = 2x + (5 + noise * randn(n, 1)) after
manual_seed(seed); w = randn(1), b = zeros(1) are leaves with requires_grad.
Loss: L(w, b) = 0.5 * mean((y - (w x + b))^2); an iteration is forward, backward, update, zero_grad;
training stops after the iteration whose loss is < stop_loss (or after max_iter iterations).

Two layers: `RegressionTrainer` is the headless trainer (autograd_core only, no widgets);
`RegressionLab` wraps it with ipywidgets controls, an ipympl canvas (data + fitted line, loss curve,
loss landscape with the trajectory and -grad), a numbers table and the graph of the last iteration
(a picture, or a GraphStepper on demand). Play runs a timer on the kernel's event loop, one step per
tick, never a blocking loop: between ticks the kernel is idle, so the canvas refreshes and Pause
acts at once. Each frame blits the moving artists over a static background (axes, contours).
"""
from __future__ import annotations

import html
import io
import math
import re
import types

import numpy as np

import autograd_core as torch
from autograd_core import optim

RULES = {
    "data": "w.data.sub_(lr * w.grad)",
    "no_grad": "with no_grad(): w -= lr * w.grad",
    "sgd": "optim.SGD(lr, momentum)",
}


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
    update has changed w and b.
    """

    def __init__(self, n=20, noise=1.0, seed=16, lr=0.05, rule="data", momentum=0.9,
                 max_iter=100, stop_loss=1.0, forget_zero_grad=False, accumulate_loss=False):
        self.n, self.noise, self.seed, self.lr = int(n), float(noise), int(seed), float(lr)
        self.rule, self.momentum = rule, float(momentum)
        self.max_iter, self.stop_loss = int(max_iter), float(stop_loss)
        self.forget_zero_grad, self.accumulate_loss = bool(forget_zero_grad), bool(accumulate_loss)
        self.reset()

    # --- state -------------------------------------------------------------------------------
    def reset(self):
        """New data and initial parameters from the seed; empty history."""
        if self.rule not in RULES:
            raise ValueError(f"rule must be one of {sorted(RULES)}, got {self.rule!r}")
        if self.n < 2:
            raise ValueError(f"n must be at least 2, got {self.n}")
        torch.manual_seed(self.seed)
        self.x = torch.rand(self.n, 1) * 10
        self.y = 2 * self.x + (5 + self.noise * torch.randn(self.n, 1))
        self.w = torch.randn(1, requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)
        self.w0, self.b0 = self.w.item(), self.b.item()
        self.optimizer = optim.SGD([self.w, self.b], lr=self.lr, momentum=self.momentum)
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
        self.lr = float(lr)
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr

    # --- training ----------------------------------------------------------------------------
    def step(self, n=1):
        """Run up to n iterations (fewer if training stops); return how many ran."""
        ran = 0
        while ran < n and not self.done:
            # A diverging run overflows float32 on purpose (the lab reports it): no numpy warnings.
            with np.errstate(over="ignore", invalid="ignore"):
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
        if not math.isfinite(value) or not (math.isfinite(w.item()) and math.isfinite(b.item())):
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

    def landscape(self, steps=80):
        """W, B, L grids of L(w, b) = 0.5 mean((y - w x - b)^2) around the start and the optimum."""
        ws, bs = self.optimum()
        xs, ys = self._xy64()
        # Centred on the optimum, wide enough for the start and for the first gradient step from
        # it (near the stability limit, gradient descent overshoots to the other side).
        w1, b1 = self.first_step()
        dw = max(abs(self.w0 - ws), min(abs(w1 - ws), 10.0)) + 0.5
        db = max(abs(self.b0 - bs), min(abs(b1 - bs), 20.0)) + 3.0
        W, B = np.meshgrid(np.linspace(ws - dw, ws + dw, steps),
                           np.linspace(bs - db, bs + db, steps))
        resid = ys[None, None, :] - (W[..., None] * xs + B[..., None])
        return W, B, 0.5 * np.mean(resid ** 2, axis=-1)


class _Panels:
    """The three plots of the lab on one matplotlib Figure; `update` only moves artists.

    Used twice: on the live ipympl canvas, and on a throw-away Agg figure for the static image.
    `moving` lists the artists that change every iteration (blitted live); every axis limit depends
    on the dataset only, so the rest (axes, ticks, contours, scatter) is a static background.
    """

    X_LIM, Y_LIM = (1.5, 10), (8, 28)      # the tutorial's limits

    def __init__(self, fig):
        self.fig = fig
        self.ax_data, self.ax_loss, self.ax_land = fig.subplots(1, 3)
        fig.subplots_adjust(left=0.075, right=0.985, bottom=0.14, top=0.84, wspace=0.28)
        a = self.ax_data
        self.scatter = a.scatter([], [], s=14, color="tab:blue")
        (self.fit,) = a.plot([], [], color="red", lw=2)
        self.loss_text = a.text(5, 10, "", fontdict=dict(size=11, color="red"))
        a.set_xlim(*self.X_LIM)
        a.set_ylim(*self.Y_LIM)
        a.set_xlabel("x")
        a.set_ylabel("y")
        a = self.ax_loss
        (self.loss_line,) = a.plot([], [], color="tab:red", lw=1.5)
        self.stop_line = a.axhline(1.0, color="0.4", ls="--", lw=1)
        a.set_yscale("log")
        from matplotlib.ticker import NullFormatter
        a.yaxis.set_minor_formatter(NullFormatter())
        a.set_title("loss")
        a.set_xlabel("iteration")
        a = self.ax_land
        a.set_title("loss landscape L(w, b)")
        a.set_xlabel("w")
        a.set_ylabel("b")
        (self.path,) = a.plot([], [], ".-", color="tab:orange", lw=1, ms=3)
        (self.start,) = a.plot([], [], "o", color="k", ms=4)
        (self.best,) = a.plot([], [], "*", color="k", ms=9)
        from matplotlib.patches import FancyArrowPatch
        self.arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=16,
                                     shrinkA=0, shrinkB=0, color="tab:red", lw=2, zorder=5)
        a.add_patch(self.arrow)
        self._contours = None
        self.moving = [self.fit, self.loss_text, self.ax_data.title, self.loss_line, self.path,
                       self.arrow]

    def set_data(self, trainer):
        """Redraw what depends on the dataset only (scatter, loss contours, axis limits)."""
        xs, ys = trainer.x.numpy().ravel(), trainer.y.numpy().ravel()
        self.scatter.set_offsets(np.column_stack([xs, ys]))
        W, B, L = trainer.landscape()
        if self._contours is not None:
            self._contours.remove()
        levels = np.geomspace(max(L.min(), 1e-3) * 1.05, L.max(), 14)
        self._contours = self.ax_land.contour(W, B, L, levels=levels, cmap="viridis",
                                              linewidths=0.8, zorder=0)
        self.ax_land.set_xlim(W.min(), W.max())
        self.ax_land.set_ylim(B.min(), B.max())
        self.ax_loss.set_xlim(0, trainer.max_iter)
        # Fixed per dataset (a static background): from just under the least loss to above the
        # first one; a diverging run leaves the top, and the numbers say so.
        top = max(trainer.loss_at(trainer.w0, trainer.b0), trainer.loss_at(*trainer.first_step()))
        self.ax_loss.set_ylim(max(L.min(), 1e-6) / 1.5, max(top, trainer.stop_loss) * 1.5)
        self.stop_line.set_ydata([trainer.stop_loss] * 2)
        w0, b0 = trainer.w0, trainer.b0
        self.start.set_data([w0], [b0])
        ws, bs = trainer.optimum()
        self.best.set_data([ws], [bs])

    def update(self, trainer):
        """Move the artists to the trainer's current state (cheap: no new artists)."""
        hist = trainer.history
        w, b = trainer.w.item(), trainer.b.item()
        self.fit.set_data(self.X_LIM, [w * self.X_LIM[0] + b, w * self.X_LIM[1] + b])
        it = len(hist)
        loss = hist[-1]["loss"] if hist else float("nan")
        self.loss_text.set_text("Loss=%.4f" % loss if hist else "")
        self.ax_data.set_title("Iteration: %d\nw=%.4f, b=%.4f" % (it, w, b))
        losses = np.array([h["loss"] for h in hist], dtype=np.float64)
        self.loss_line.set_data(np.arange(1, it + 1), losses)
        traj = trainer.trajectory()
        self.path.set_data(traj[:, 0], traj[:, 1])
        self._place_arrow(hist[-1] if hist else None, w, b)

    def _place_arrow(self, last, w, b):
        """-grad at the current point, with a fixed length (20% of the view): the direction."""
        if last is None or not (math.isfinite(last["w_grad"]) and math.isfinite(last["b_grad"])):
            self.arrow.set_visible(False)
            return
        (w_lo, w_hi), (b_lo, b_hi) = self.ax_land.get_xlim(), self.ax_land.get_ylim()
        dw, db = -last["w_grad"] / (w_hi - w_lo), -last["b_grad"] / (b_hi - b_lo)   # axes units
        norm = math.hypot(dw, db)
        if norm == 0:
            self.arrow.set_visible(False)
            return
        k = 0.2 / norm
        self.arrow.set_positions((w, b), (w + k * dw * (w_hi - w_lo), b + k * db * (b_hi - b_lo)))
        self.arrow.set_visible(True)


def static_png(trainer, dpi=80):
    """PNG bytes of the trainer's current state, drawn with Agg on a fresh figure (no widgets)."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(12, 3.6), dpi=dpi)
    panels = _Panels(fig)
    panels.set_data(trainer)
    panels.update(trainer)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------
import ipywidgets as W  # noqa: E402
import traitlets as T  # noqa: E402

def _rule_options(momentum):
    return [(".data.sub_(lr * grad)  (tutorial)", "data"),
            ("with no_grad(): p -= lr * grad", "no_grad"),
            (f"optim.SGD(momentum={momentum:g})", "sgd")]


class RegressionLab(W.VBox):
    """Gradient descent on y = w x + b, live: controls, an ipympl canvas, the numbers, the graph.

    Headless API: `step(n=1)`, `reset()`, `history` (list of dicts of plain floats, see
    RegressionTrainer), `last_recording` (autograd_core Recording of the last iteration's forward
    and backward: the hook for a stepper), `trainer`, `playing`; `stepper` is the GraphStepper
    shown while "step through backward" is on (built from trainer.replay_last()).
    Traits (linked both ways to the controls): lr, n_points, noise, seed, rule, forget_zero_grad,
    accumulate_loss; read-only mirrors: iteration, loss, status.
    """

    lr = T.Float(0.05)
    n_points = T.Int(20)
    noise = T.Float(1.0)
    seed = T.Int(16)
    rule = T.Enum(list(RULES), default_value="data")
    forget_zero_grad = T.Bool(False)
    accumulate_loss = T.Bool(False)
    iteration = T.Int(0)
    loss = T.Float(float("nan"), allow_none=True)
    status = T.Unicode("ready")

    def __init__(self, n=20, noise=1.0, seed=16, lr=0.05, rule="data", momentum=0.9, max_iter=100,
                 stop_loss=1.0, forget_zero_grad=False, accumulate_loss=False, interval=40):
        self.trainer = RegressionTrainer(n=n, noise=noise, seed=seed, lr=lr, rule=rule,
                                         momentum=momentum, max_iter=max_iter, stop_loss=stop_loss,
                                         forget_zero_grad=forget_zero_grad,
                                         accumulate_loss=accumulate_loss)
        self._syncing = False
        self._timer = None
        self._build_controls(interval)
        self._build_canvas()
        self.numbers = W.HTML(layout=W.Layout(min_width="200px", margin="0 0 0 8px"))
        self.graph_view = W.HTML()
        self.stepper = None                    # a GraphStepper of the last iteration, on demand
        self.step_through = W.ToggleButton(value=False, description="step through backward",
                                           icon="list-ol", layout=W.Layout(width="210px"),
                                           tooltip="replay the last iteration node by node")
        self.step_through.observe(lambda _: self._refresh_graph(), "value")
        self.graph_panel = W.VBox([self.step_through, self.graph_view],
                                  layout=W.Layout(margin="0 0 0 8px"))
        # Panels wrap onto the next line when the notebook is narrow (the graph first).
        panels = W.HBox([self.canvas, self.numbers, self.graph_panel],
                        layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
        super().__init__([self.controls, panels])
        self.add_class("cgl-regression")
        # Traits after the children exist: the links push the initial values into the controls.
        with self.hold_trait_notifications():
            self.lr, self.n_points = float(lr), int(n)
            self.noise, self.seed = float(noise), int(seed)
            self.rule, self.forget_zero_grad = rule, bool(forget_zero_grad)
            self.accumulate_loss = bool(accumulate_loss)
        for name, ctl in [("lr", self.lr_slider), ("n_points", self.n_slider),
                          ("noise", self.noise_slider), ("seed", self.seed_box),
                          ("rule", self.rule_dropdown), ("forget_zero_grad", self.forget_box),
                          ("accumulate_loss", self.accumulate_box)]:
            T.link((self, name), (ctl, "value"))
        self.observe(self._on_setting, ["lr", "n_points", "noise", "seed", "rule",
                                        "forget_zero_grad", "accumulate_loss"])
        self._panels.set_data(self.trainer)
        self._refresh(graph=True)

    # --- building ----------------------------------------------------------------------------
    def _build_controls(self, interval):
        t = self.trainer
        # Play/Pause drives a timer on the kernel's event loop (one training step per tick), so
        # no message from the browser is needed per frame and a slow kernel skips ticks instead
        # of queueing them; between ticks the kernel is idle and handles clicks (Pause) at once.
        self.play = W.ToggleButton(value=False, description="Play", icon="play",
                                   tooltip="train: one iteration per tick",
                                   layout=W.Layout(width="90px"))
        self.play.observe(self._on_playing, "value")
        self._interval = interval
        self.step_button = W.Button(description="Step", icon="step-forward",
                                    layout=W.Layout(width="80px"))
        self.reset_button = W.Button(description="Reset", icon="refresh",
                                     layout=W.Layout(width="80px"))
        self.step_button.on_click(lambda _: self.step(1))
        self.reset_button.on_click(lambda _: self.reset())
        style = {"description_width": "initial"}
        self.lr_slider = W.FloatSlider(value=t.lr, min=0.001, max=0.06, step=0.001,
                                       readout_format=".3f", description="learning rate",
                                       style=style)
        self.n_slider = W.IntSlider(value=t.n, min=2, max=200, description="points", style=style)
        self.noise_slider = W.FloatSlider(value=t.noise, min=0.0, max=5.0, step=0.1,
                                          description="noise", style=style)
        self.seed_box = W.BoundedIntText(value=t.seed, min=0, max=2 ** 31 - 1, description="seed",
                                         style=style, layout=W.Layout(width="140px"))
        self.rule_dropdown = W.Dropdown(options=_rule_options(t.momentum), value=t.rule,
                                        description="update", style=style)
        self.forget_box = W.Checkbox(value=t.forget_zero_grad, description="forget zero_grad()",
                                     indent=False)
        self.accumulate_box = W.Checkbox(value=t.accumulate_loss, indent=False,
                                         description="total += loss (without .item())")
        self.controls = W.VBox([
            W.HBox([self.play, self.step_button, self.reset_button, self.lr_slider]),
            W.HBox([self.n_slider, self.noise_slider, self.seed_box]),
            W.HBox([self.rule_dropdown, self.forget_box, self.accumulate_box]),
        ])

    def _build_canvas(self):
        """An ipympl canvas made directly (not through pyplot): works whatever the backend, and the
        figure is not kept in pyplot's registry."""
        from ipympl.backend_nbagg import Canvas, FigureManager
        from matplotlib.figure import Figure
        fig = Figure(figsize=(8.6, 3.3), dpi=80)
        self.canvas = Canvas(fig)
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
        """One frame: restore the static background, draw the moving artists, send the diff."""
        if self._background is None:           # nothing drawn yet: the front end asks for a draw
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self._background)
        self._draw_moving()
        self.canvas.blit(self.figure.bbox)

    def _new_background(self):
        self._background = None
        self.canvas.draw_idle()

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

    def step(self, n=1):
        """Run up to n training iterations and redraw; returns how many ran."""
        ran = self.trainer.step(n)
        if self.trainer.done:
            self._set_playing(False)
        self._refresh(graph=not self.playing)
        return ran

    def reset(self):
        """New data from (seed, n_points, noise), fresh w and b, empty history."""
        t = self.trainer
        t.n, t.noise, t.seed, t.rule = self.n_points, self.noise, self.seed, self.rule
        t.lr = self.lr
        t.forget_zero_grad, t.accumulate_loss = self.forget_zero_grad, self.accumulate_loss
        t.reset()
        self._set_playing(False)
        self._panels.set_data(t)
        self._new_background()
        self._refresh(graph=True)

    def close(self):
        """Stop the Play timer and close the widgets."""
        if self._timer is not None:
            self._timer.stop()
        self.canvas.close()
        super().close()

    # --- events ------------------------------------------------------------------------------
    def _tick(self):
        if self.playing:
            self.step(1)

    def _on_playing(self, change):
        playing = change["new"]
        self.play.description, self.play.icon = ("Pause", "pause") if playing else ("Play", "play")
        if playing and self.trainer.done:      # Play after the end: train again from the start
            self.reset()
            self._set_playing(True)
        elif playing:
            if self._timer is None:
                self._timer = self.canvas.new_timer(interval=self._interval)
                self._timer.add_callback(self._tick)
            self._timer.start()
            self._refresh(graph=False)
        else:
            if self._timer is not None:
                self._timer.stop()
            if not self._syncing:              # paused: draw the last iteration's graph
                self._refresh(graph=True)

    def _on_setting(self, change):
        name, t = change["name"], self.trainer
        if name == "lr":
            t.set_lr(change["new"])
            self._refresh(graph=False)
        elif name in ("forget_zero_grad", "accumulate_loss"):
            setattr(t, name, change["new"])
            self._refresh(graph=False)
        else:                                  # the data or the update rule changed: start over
            self.reset()

    def _set_playing(self, playing):
        if self.play.value != playing:
            self._syncing = True
            try:
                self.play.value = playing
            finally:
                self._syncing = False

    # --- drawing -----------------------------------------------------------------------------
    def _update_traits(self):
        t = self.trainer
        self.iteration = t.iteration
        self.loss = t.history[-1]["loss"] if t.history else float("nan")
        self.status = self._status_text()

    def _refresh(self, graph):
        t = self.trainer
        self._update_traits()
        self._panels.update(t)
        self._redraw()
        self.numbers.value = self._numbers_html()
        if graph:
            self._refresh_graph()

    def _status_text(self):
        t = self.trainer
        running = "playing" if self.playing else "paused"
        return {None: running if t.history else "ready",
                "converged": f"converged: loss < {t.stop_loss:g}",
                "max_iter": f"stopped after {t.max_iter} iterations",
                "diverged": "diverged (loss is not finite)"}[t.stopped]

    def _numbers_html(self):
        t = self.trainer
        last = t.history[-1] if t.history else None

        def num(v):
            return "&ndash;" if v is None else html.escape(f"{v:.5g}")
        rows = [("iteration", str(t.iteration)),
                ("loss", num(last and last["loss"])),
                ("w", num(t.w.item())), ("b", num(t.b.item())),
                ("w.grad", num(last and last["w_grad"])),
                ("b.grad", num(last and last["b_grad"])),
                ("lr &middot; &lambda;<sub>max</sub>",
                 num(t.lr * t.curvature()) + " <small>(&gt; 2 diverges)</small>"),
                ("status", html.escape(self.status))]
        if t.accumulate_loss:
            rows.append(("graph nodes held by <code>total</code>", str(t.held_graph_nodes())))
        if t.forget_zero_grad:
            rows.append(("zero_grad()", "<b>forgotten: .grad accumulates</b>"))
        th = "<th style='text-align:left;padding-right:1em'>"
        td = "<td style='font-family:var(--jp-code-font-family, monospace)'>"
        body = "".join(f"<tr>{th}{k}</th>{td}{v}</td></tr>" for k, v in rows)
        return f"<table class='cgl-regression-numbers'>{body}</table>"

    def _refresh_graph(self):
        """The graph of the last iteration after backward (w.grad, b.grad): a picture, or with
        "step through backward" a GraphStepper of the replayed iteration, at its last step."""
        rec, names = self.trainer.replay_last()
        if self.step_through.value and rec is not None:
            from .stepper import GraphStepper
            self.stepper = GraphStepper(rec, view="function", names=names)
            self.stepper.step = self.stepper.n_steps - 1
            self.graph_panel.children = [self.step_through, self.stepper.layout_box()]
        else:
            self.stepper = None
            self.graph_view.value = graph_svg(rec, names)
            self.graph_panel.children = [self.step_through, self.graph_view]

    # --- static image (nbconvert, executed notebooks) ------------------------------------------
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
    backward, with w.grad and b.grad filled in."""
    if rec is None:
        return "<p><i>the graph of the last iteration appears here after a step or on pause</i></p>"
    from .graph_model import GraphModel
    from .render import render_svg
    # names only from `names`: frame=None would make GraphModel scan the caller's variables
    model = GraphModel.from_recording(rec, view="function", names=names, frame=_NO_FRAME)
    svg = render_svg(model, state=-1, legend=False)
    svg = svg[svg.find("<svg"):]
    # Scale to the panel: drop the fixed size (the viewBox keeps the aspect ratio).
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"',
                 '<svg style="height:360px;width:auto;max-width:100%"', svg, count=1)
    return f"<div class='cgl-regression-graph'>{svg}</div>"
