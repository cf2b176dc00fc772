"""RegressionLab / RegressionTrainer: the trajectory equals the tutorial's loop (autograd_core and
real torch), the widget's state follows its controls, and the static image exists without a front
end."""
import html
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch as real_torch

import autograd_core as torch
from torch_oracle import assert_close
from widgets.graph_model import format_array
from widgets.regression import RegressionLab, RegressionTrainer, count_graph_nodes

ROOT = Path(__file__).resolve().parents[1]


def tutorial_data(seed=10, n=20):
    torch.manual_seed(seed)
    x = torch.rand(n, 1) * 10
    y = 2 * x + (5 + torch.randn(n, 1))
    w = torch.randn(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return x, y, w, b


def tutorial_loop(T, x, y, w, b, lr=0.05, zero_grad=True):
    """The tutorial's loop, verbatim, for T = autograd_core or torch: floats per iteration."""
    out = []
    for t in range(100):
        y_pred = w * x + b
        loss = (0.5 * (y - y_pred) ** 2).mean()
        loss.backward()
        wg, bg = w.grad.item(), b.grad.item()
        b.data.sub_(lr * b.grad)
        w.data.sub_(lr * w.grad)
        if zero_grad:
            w.grad.zero_()
            b.grad.zero_()
        out.append((loss.item(), w.item(), b.item(), wg, bg))
        if loss.item() < 1:
            break
    return np.array(out, dtype=np.float32)  # float32 values (item() of float32 tensors)


def numbers(lab):
    """The numbers panel as {row heading: cell text}."""
    rows = re.findall(r"<th>(.*?)</th><td[^>]*>(.*?)</td>", lab.numbers.value)
    rows += re.findall(r"<div class='cgl-regression-(status)[^>]*>(.*?)</div>", lab.numbers.value)
    return {html.unescape(re.sub("<[^>]+>", "", k)): html.unescape(re.sub("<[^>]+>", "", v))
            for k, v in rows}


def as_array(history):
    return np.array([(h["loss"], h["w"], h["b"], h["w_grad"], h["b_grad"]) for h in history],
                    dtype=np.float32)


def to_torch(x, y, w):
    return (real_torch.tensor(x.numpy()), real_torch.tensor(y.numpy()),
            real_torch.tensor(w.detach().numpy(), requires_grad=True),
            real_torch.zeros(1, requires_grad=True))


def test_trainer_equals_tutorial_loop_in_autograd_core():
    expected = tutorial_loop(torch, *tutorial_data())
    tr = RegressionTrainer()
    tr.step(1000)
    assert tr.stopped == "converged"
    np.testing.assert_array_equal(as_array(tr.history), expected)
    assert len(tr.history) < 100 and tr.history[-1]["loss"] < 1
    assert all(h["loss"] >= 1 for h in tr.history[:-1])


def test_trainer_equals_real_torch_on_the_same_data():
    x, y, w, b = tutorial_data()
    expected = tutorial_loop(real_torch, *to_torch(x, y, w))
    tr = RegressionTrainer()
    tr.step(100)
    got = as_array(tr.history)
    assert got.shape == expected.shape
    assert_close(got, expected, loosen=10, because="up to 100 gradient steps, each library rounding its "
                 "own float32 sums, drift apart (the loss near convergence most)")


def test_no_grad_rule_is_the_same_trajectory():
    a, c = RegressionTrainer(rule="data"), RegressionTrainer(rule="no_grad")
    a.step(100)
    c.step(100)
    np.testing.assert_array_equal(as_array(a.history), as_array(c.history))


def test_sgd_momentum_rule_equals_torch_optim_sgd():
    x, y, w, b = tutorial_data()
    X, Y, tw, tb = to_torch(x, y, w)
    opt = real_torch.optim.SGD([tw, tb], lr=0.01, momentum=0.9)
    expected = []
    for _ in range(40):
        loss = (0.5 * (Y - (tw * X + tb)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        grads = tw.grad.item(), tb.grad.item()
        opt.step()
        expected.append((loss.item(), tw.item(), tb.item(), *grads))
    tr = RegressionTrainer(rule="sgd", lr=0.01, stop_loss=0.0, max_iter=40)
    tr.step(40)
    assert tr.stopped == "max_iter"
    assert_close(as_array(tr.history), np.array(expected, dtype=np.float32))


def test_forget_zero_grad_accumulates_like_a_loop_without_zero():
    x, y, w, b = tutorial_data()
    tw = to_torch(x, y, w)
    expected = tutorial_loop(torch, x, y, w, b, zero_grad=False)
    expected_torch = tutorial_loop(real_torch, *tw, zero_grad=False)
    lab = RegressionLab(forget_zero_grad=True)
    assert lab.forget_box.value is True
    lab.step(len(expected))
    got = as_array(lab.history)
    np.testing.assert_array_equal(got, expected)
    assert_close(got, expected_torch, loosen=10, because="up to 100 gradient steps, each library "
                 "rounding its own float32 sums, drift apart")
    assert lab.trainer.w.grad.item() == expected[-1][3]        # the grad stays accumulated
    # and it really differs from zeroing (the second gradient is a sum of two)
    ok = RegressionTrainer()
    ok.step(2)
    assert got[1][3] != ok.history[1]["w_grad"]


def test_stepping_and_play_drive_the_same_state():
    lab = RegressionLab(lr=0.04, n=30, noise=0.5, seed=3)
    assert (lab.lr_slider.value, lab.n_slider.value, lab.noise_slider.value, lab.seed_box.value) \
        == (0.04, 30, 0.5, "3")                 # (the seed box is a text box read in Python: W13_5)
    assert lab.step(5) == 5
    assert lab.iteration == 5 == len(lab.history)
    lab.play.value = True                # Play: a timer on the kernel's event loop ...
    assert lab._timer.interval == 40 and lab.play.description == "Pause"
    for _ in range(3):
        lab._tick()                      # ... whose ticks each run one step
    assert len(lab.history) == 8 and lab.iteration == 8 and lab.status == "playing"
    assert lab.loss == lab.history[-1]["loss"]
    lab.play.value = False               # Pause: the graph of the last iteration is drawn
    lab._tick()                          # a tick after Pause does nothing
    assert len(lab.history) == 8 and lab.status == "paused"
    assert numbers(lab)["iteration"] == "8" and numbers(lab)["status"] == "paused"
    assert "<svg" in lab.graph_view.value and "iteration 8" in lab.graph_title.value
    other = RegressionTrainer(lr=0.04, n=30, noise=0.5, seed=3)
    other.step(8)
    np.testing.assert_array_equal(as_array(lab.history), as_array(other.history))
    lab.play.value = True
    stops = []
    lab._timer.stop = lambda: stops.append(1)
    lab.close()                          # closing stops the timer
    assert stops


def test_controls_and_traits_are_linked():
    lab = RegressionLab()
    lab.step(3)
    lab.lr_slider.value = 0.02           # lr changes apply to the next step, no reset
    assert lab.lr == 0.02 and lab.trainer.lr == 0.02 and len(lab.history) == 3
    lab.seed = 5                         # data settings start over
    assert lab.seed_box.value == "5" and lab.history == [] and lab.trainer.seed == 5
    lab.n_slider.value = 50
    assert lab.trainer.x.shape == (50, 1) and lab.n_points == 50
    lab.rule_dropdown.value = "sgd"
    assert lab.rule == "sgd" and lab.trainer.rule == "sgd"


def test_a_setting_changed_while_playing_starts_over_and_plays_on():
    """W13_4: lecture 06's 'things to try' switch the update rule while the lab plays: the run starts
    over with the new rule and keeps playing (it used to stop, reading 'ready')."""
    lab = RegressionLab()
    lab.play.value = True
    for _ in range(3):
        lab._tick()
    lab.rule_dropdown.value = "sgd"
    assert lab.history == [] and lab.playing and lab.play.description == "Pause"
    lab._tick()
    assert len(lab.history) == 1 and lab.status == "playing" and lab.trainer.rule == "sgd"
    lab.play.value = False
    lab.seed = 4                         # paused: it starts over and stays paused
    assert lab.history == [] and not lab.playing and lab.status == "ready"
    lab.close()


def test_stops_at_loss_below_one_and_pauses_play():
    lab = RegressionLab()
    lab.play.value = True
    lab.step(1000)
    n = len(lab.history)
    assert lab.history[-1]["loss"] < 1 <= lab.history[-2]["loss"]
    assert lab.status.startswith("converged") and not lab.playing and not lab.play.value
    assert lab.step(5) == 0 and len(lab.history) == n
    lab.play.value = True                # Play after the end starts over
    assert lab.history == [] and lab.playing
    lab._tick()
    assert len(lab.history) == 1
    lab.play.value = False
    lab.reset_button.click()
    assert lab.history == [] and lab.status == "ready"


def test_accumulating_the_loss_keeps_graphs_like_torch():
    x, y, w, b = tutorial_data()
    X, Y, tw, tb = to_torch(x, y, w)
    total = 0
    counts = []
    for _ in range(6):
        loss = (0.5 * (Y - (tw * X + tb)) ** 2).mean()
        loss.backward()
        with real_torch.no_grad():
            tw -= 0.05 * tw.grad
            tb -= 0.05 * tb.grad
        tw.grad.zero_()
        tb.grad.zero_()
        total = total + loss
        counts.append(count_graph_nodes(total))
    lab = RegressionLab(accumulate_loss=True)
    got = []
    for _ in range(6):
        lab.step()
        got.append(lab.trainer.held_graph_nodes())
    assert got == counts and got[-1] > got[0]
    assert "graph nodes held by" in lab.numbers.value and str(got[-1]) in lab.numbers.value
    plain = RegressionLab()
    plain.step(6)
    assert plain.trainer.held_graph_nodes() == 0 and isinstance(plain.trainer.total, float)


def test_last_recording_holds_one_iteration():
    lab = RegressionLab()
    assert lab.last_recording is None
    lab.step(2)
    rec = lab.last_recording
    kinds = [e.kind for e in rec.events]
    assert kinds.count("accumulate") == 2 and "backward" in kinds
    ops = [e.op for e in rec.events if e.kind == "forward"]
    assert ops[:2] == ["mul", "add"]
    leaves = {id(e.tensor) for e in rec.events if e.kind == "accumulate"}
    assert leaves == {id(lab.trainer.w), id(lab.trainer.b)}


@pytest.mark.parametrize("forget", [False, True])
def test_replay_of_the_last_iteration_has_its_numbers(forget):
    tr = RegressionTrainer(forget_zero_grad=forget)
    assert tr.replay_last() == (None, {})
    tr.step(3)
    before = tr.history[-2]
    rec, names = tr.replay_last()
    h = tr.history[-1]
    assert names["loss"].item() == h["loss"]
    assert names["w"].grad.item() == h["w_grad"] and names["b"].grad.item() == h["b_grad"]
    assert names["w"].item() == before["w"] and names["b"].item() == before["b"]
    acc = [e for e in rec.events if e.kind == "accumulate"]
    assert {float(e.total[0]) for e in acc} == {h["w_grad"], h["b_grad"]}
    assert [e.op for e in rec.events if e.kind == "forward"] == \
        [e.op for e in tr.last_recording.events if e.kind == "forward"]
    assert tr.w.item() == h["w"]                  # the real parameters are untouched


def test_graph_panel_shows_the_iteration_with_grads():
    lab = RegressionLab()
    w0 = lab.trainer.w.item()
    lab.step(1)
    svg = lab.graph_view.value
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "MeanBackward0" in texts and texts.count("AccumulateGrad") == 2
    h = lab.history[-1]
    i, j = texts.index("w"), texts.index("b")
    # w as the forward pass used it (before the update), and its .grad after backward
    assert texts[i + 2] == f"data {format_array(np.array([w0], np.float32))}"
    assert texts[i + 3] == f"grad {format_array(np.array([h['w_grad']], np.float32))}"
    assert texts[j + 3] == f"grad {format_array(np.array([h['b_grad']], np.float32))}"
    assert h["w"] != w0


def test_step_through_backward_opens_a_stepper_of_the_last_iteration():
    lab = RegressionLab()
    lab.step_through.value = True            # before any step: nothing to step through yet
    assert lab.stepper is None
    lab.step(2)
    st = lab.stepper
    assert st is not None and st.step == st.n_steps - 1 and st.recording.events
    assert st.layout_box() in lab.graph_panel.children
    kinds = [st.model.states[k].phase for k in range(st.n_steps)]
    assert kinds.count("accumulate") == 2 and "backward" in kinds
    texts = st.texts()
    h = lab.history[-1]
    assert f"grad {format_array(np.array([h['w_grad']], np.float32))}" in sum(texts.values(), [])
    lab.step_through.value = False
    assert lab.stepper is None and lab.graph_view in lab.graph_panel.children


def test_static_image_without_a_front_end():
    lab = RegressionLab()
    lab.step(4)
    png = lab._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle


def test_bad_settings_raise_clear_errors():
    with pytest.raises(ValueError, match="rule must be one of"):
        RegressionTrainer(rule="adam")
    with pytest.raises(ValueError, match="n must be a whole number from 2 to 200"):
        RegressionTrainer(n=1)


def test_divergence_is_reported():
    tr = RegressionTrainer(seed=10, lr=0.06, max_iter=1000, stop_loss=0.0)   # lr * lambda_max > 2 here
    assert 0.06 * tr.curvature() > 2
    tr.step(1000)
    losses = [h["loss"] for h in tr.history]
    assert tr.stopped == "diverged" and losses[-1] > 1000 * losses[0]
    assert all(v <= 1000 * losses[0] for v in losses[:-1])  # it stops at the first such loss
    assert all(math.isfinite(v) for v in losses)       # stopped before float32 overflows


def test_notebook_executes_headless_with_a_picture():
    import nbformat
    from nbclient import NotebookClient
    path = ROOT / "tests" / "notebooks_for_tests" / "regression_lab.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    mimes = [set(o.get("data", {})) for c in nb.cells for o in c.get("outputs", [])]
    assert any("image/png" in m and "application/vnd.jupyter.widget-view+json" in m for m in mimes)


# --- what the canvas shows -------------------------------------------------------------------

def live_lab(**kwargs):
    """A lab whose canvas behaves as with a front end attached; returns (lab, frames): each frame
    sent as (PNG bytes, the renderer's pixels when it was sent)."""
    lab = RegressionLab(**kwargs)
    canvas = lab.canvas
    canvas.syncing_data_url = False            # as after the front end's "initialized" message
    frames = []
    canvas.send_binary = lambda data: frames.append(
        (data, np.asarray(canvas.get_renderer().buffer_rgba()).copy()))
    canvas.draw()                              # the front end's first draw request
    return lab, frames


def decode(png):
    from PIL import Image
    import io
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_every_frame_is_sent_whole():
    """A frame the browser drops must not leave stale pixels: each one is the whole picture."""
    lab, frames = live_lab()
    lab.play.value = True
    for _ in range(6):
        lab._tick()
    lab.play.value = False
    assert len(frames) >= 8
    for png, pixels in frames:
        np.testing.assert_array_equal(decode(png), pixels)
    assert (frames[-1][1][..., 3] == 255).all()


def test_title_numbers_and_graph_show_the_same_iteration():
    lab, frames = live_lab()
    lab.play.value = True
    for k in range(1, 6):
        lab._tick()
        assert lab._panels.ax_data.get_title().startswith(f"Iteration: {k}\n")
        assert numbers(lab)["iteration"] == str(k) == str(lab.iteration)
        w, b = lab.trainer.w.item(), lab.trainer.b.item()
        assert lab._panels.ax_data.get_title().endswith(f"w={w:.4f}, b={b:.4f}")
        assert (numbers(lab)["w"], numbers(lab)["b"]) == (f"{w:.4f}", f"{b:.4f}")   # as the title
        assert "updates on pause" in lab.graph_title.value
    lab.play.value = False
    assert "Graph of iteration 5: its forward and backward" in lab.graph_title.value
    assert "updates on pause" not in lab.graph_title.value


def test_a_diverging_run_says_so_rescales_and_keeps_the_layout():
    lab, frames = live_lab(lr=0.06)                # the slider's maximum
    panels = lab._panels
    axes = [panels.ax_data, panels.ax_loss, panels.ax_land, panels.ax_legend]
    boxes, size = [ax.get_position().bounds for ax in axes], lab.canvas.get_width_height()
    reading = 0.06 * lab.trainer.curvature()
    assert reading > 2 and numbers(lab)["lr · λmax"] == f"{reading:.4f}"
    assert numbers(lab)["diverges above"] == "2"
    lab.step(1000)
    hist, k = lab.history, len(lab.history)
    assert lab.trainer.stopped == "diverged" and k < 100
    assert lab.status == f"diverged at iteration {k}: lr·λmax = {reading:.3g} > 2"
    assert numbers(lab)["status"] == lab.status and "status cgl-diverged" in lab.numbers.value
    top = max(h["loss"] for h in hist)
    lo, hi = panels.ax_loss.get_ylim()
    assert top > 1000 * hist[0]["loss"] and top <= hi < 15 * top     # rescaled, in decades
    traj = lab.trainer.trajectory()
    (w_lo, w_hi), (b_lo, b_hi) = panels.ax_land.get_xlim(), panels.ax_land.get_ylim()
    assert w_lo <= traj[:, 0].min() and traj[:, 0].max() <= w_hi       # the whole path shows
    assert b_lo <= traj[:, 1].min() and traj[:, 1].max() <= b_hi
    assert [ax.get_position().bounds for ax in axes] == boxes           # the layout stays
    assert lab.canvas.get_width_height() == size
    np.testing.assert_array_equal(decode(frames[-1][0]), frames[-1][1])
    assert lab.step(1) == 0                                             # it has stopped
    assert lab.step_button.disabled and "Reset or Play" in lab.step_button.tooltip
    lab.reset()                                                         # a new run: axes back
    assert panels.ax_loss.get_ylim()[1] < hi and lab.status == "ready"
    assert not lab.step_button.disabled


def test_W16_4_a_run_that_diverges_after_a_raised_learning_rate_says_so_when_it_runs_out():
    """The walk's run: Play at lr 0.05, the learning rate raised to the slider's maximum (0.06, lr·λmax
    2.08 > 2) mid-run. The loss grows from ~1.4 to over 1000, short of DIVERGED_FACTOR times the first
    iteration's loss when the 100 iterations run out: the status said only "stopped after 100
    iterations" (beside a loss curve going up a thousandfold). It says the run diverges, and why, in
    the diverged style; a run that runs out at a stable learning rate keeps its plain line. (40
    iterations here: the loss grows from its low point by then.)"""
    lab, _ = live_lab(lr=0.05, max_iter=40)
    lab.step(10)
    lab.lr_slider.value = 0.06
    lab.step(1000)
    reading = 0.06 * lab.trainer.curvature()
    assert lab.trainer.stopped == "max_iter" and lab.history[-1]["loss"] > 1.2 * min(h["loss"] for h in lab.history)
    assert lab.status == f"stopped after 40 iterations, diverging: lr·λmax = {reading:.3g} > 2"
    assert numbers(lab)["status"] == lab.status and "status cgl-diverged" in lab.numbers.value
    lab.lr_slider.value = 0.01                           # slow and stable: runs out, not diverging
    lab.trainer.stop_loss = 0.0
    lab.reset()
    lab.step(1000)
    assert lab.trainer.stopped == "max_iter" and lab.status == "stopped after 40 iterations"
    assert "cgl-diverged" not in lab.numbers.value


@pytest.mark.parametrize("settings", [dict(), dict(seed=0), dict(seed=3, n=200, noise=5.0),
                                      dict(seed=7, n=2, noise=0.0)])
def test_the_fit_plot_shows_every_point_and_the_intercept(settings):
    """Limits from the data: every point inside the axes, x from 0 (the line's left end is the
    intercept b) and y = 0 in view, and after reset (new seed, points, noise) the new data's."""
    def check(trainer, panels):
        (x0, x1), (y0, y1) = panels.ax_data.get_xlim(), panels.ax_data.get_ylim()
        xs, ys = trainer.x.numpy().ravel(), trainer.y.numpy().ravel()
        assert x0 == 0 and xs.max() < x1 and xs.min() >= x0
        assert y0 < min(0, ys.min()) and ys.max() < y1
        assert y0 <= trainer.optimum()[1] <= y1               # where the fitted line meets x = 0
        line_x, line_y = panels.fit.get_data()
        assert line_x[0] == 0 and line_y[0] == pytest.approx(trainer.b.item())

    lab = RegressionLab(**settings)
    check(lab.trainer, lab._panels)
    lab.step(5)
    check(lab.trainer, lab._panels)
    lab.seed, lab.n_points, lab.noise = 1234, 50, 4.0     # each change resets: new data, new limits
    check(lab.trainer, lab._panels)


def test_the_numbers_show_the_digits_torch_agrees_on():
    """The grads printed (4 decimals) are what real torch, replaying the run on the same data,
    has to the last printed digit but for a rounding tie: the float32 difference is far below
    the last digit's half unit (a 5th significant digit, 0.0051675 against torch's 0.0051617,
    was noise)."""
    from widgets.regression import readout
    x, y, w, b = tutorial_data()
    expected = tutorial_loop(real_torch, *to_torch(x, y, w))
    lab = RegressionLab()
    for it, (loss, tw, tb, twg, tbg) in enumerate(expected):
        lab.step(1)
        got = numbers(lab)
        for key, want in [("w", tw), ("b", tb), ("w.grad", twg), ("b.grad", tbg)]:
            shown = float(got[key])
            assert abs(shown - want) <= 0.5e-4 + 2e-5, (it, key, got[key], want)
    assert [readout(v) for v in (0.00516749, -0.7253812, 37061.48, -4.2e7, float("nan"))] == \
        ["0.0052", "-0.7254", "3.706e+04", "-4.2e+07", "nan"]


def test_with_momentum_the_limit_is_higher():
    lab = RegressionLab(rule="sgd", lr=0.06)
    assert numbers(lab)["diverges above"] == "3.8"
    lab.step(100)
    assert lab.trainer.stopped != "diverged"


@pytest.mark.parametrize("text, rgba", [
    ("rgb(17, 17, 17)", (17 / 255, 17 / 255, 17 / 255, 1.0)),
    ("rgba(255, 255, 255, 0.87)", (1.0, 1.0, 1.0, 0.87)),
    ("rgb(0 0 0 / 50%)", (0.0, 0.0, 0.0, 0.5)),
    ("rgba(0, 0, 0, 0)", (0.0, 0.0, 0.0, 0.0)),
    ("#111111", None), ("url(x)", None), ("", None), (None, None), (17, None),
    ("rgb(1, 2, 3); background: red", None),
])
def test_css_colours_from_the_page(text, rgba):
    from widgets.regression import parse_css_colour
    got = parse_css_colour(text)
    assert got == rgba if rgba is None else np.allclose(got, rgba)


def test_the_figure_follows_the_page_theme():
    from matplotlib.colors import to_rgb
    lab, frames = live_lab()
    lab.step(3)
    lab.probe.page = {"background": "rgb(17, 17, 17)", "foreground": "rgba(255, 255, 255, 0.87)",
                      "scale": 1, "width": 1400}
    bg = (17 / 255,) * 3
    fg = tuple(0.87 + 0.13 * c for c in bg)
    assert np.allclose(to_rgb(lab.figure.get_facecolor()), bg)
    ax = lab._panels.ax_loss
    assert np.allclose(to_rgb(ax.get_facecolor()), bg)
    assert np.allclose(to_rgb(ax.title.get_color()), fg)
    assert all(np.allclose(to_rgb(t.get_color()), fg) for t in ax.get_yticklabels())
    assert np.allclose(to_rgb(lab._panels.ax_legend.get_facecolor()), bg)   # no white colour bar
    pixels = decode(frames[-1][0])                    # what the browser receives is dark
    assert tuple(pixels[3, 3, :3]) == (17, 17, 17)
    assert lab._panels.dark
    lab.probe.page = {"background": "rgb(255, 255, 255)", "foreground": "rgba(0, 0, 0, 0.87)",
                      "scale": 1, "width": 1400}
    assert tuple(decode(frames[-1][0])[3, 3, :3]) == (255, 255, 255) and not lab._panels.dark
    n = len(frames)
    lab.probe.page = dict(lab.probe.page, width=1300)  # nothing the figure depends on changed
    assert len(frames) == n
    lab.probe.page = {"background": "rgb(17, 17, 17)", "foreground": "rgb(255, 255, 255)"}
    lab.probe.page = {"background": "javascript:alert(1)", "foreground": 3, "scale": "big",
                      "width": float("nan")}          # nonsense from a page: the light default
    assert to_rgb(lab.figure.get_facecolor()) == (1.0, 1.0, 1.0) and lab.figure.dpi == 80


@pytest.mark.parametrize("scale, width, dpi", [(1, 1400, 80), (1.5, 1400, 120), (2, 1400, 80 * 1.95),
                                               (1.5, 600, 80 * 0.83), (1, 300, 80 * 0.6),
                                               (1, 0, 80)])
def test_the_figure_scales_with_lecture_mode_and_fits_the_width(scale, width, dpi):
    lab, frames = live_lab()
    lab.probe.page = {"background": "rgb(255, 255, 255)", "foreground": "rgb(0, 0, 0)",
                      "scale": scale, "width": width}
    assert lab.figure.dpi == pytest.approx(dpi, abs=0.5)
    w, h = lab.canvas.get_width_height()
    assert w == int(8.9 * lab.figure.dpi) and (width == 0 or w <= max(width, 0.6 * 712))
    assert decode(frames[-1][0]).shape[:2] == (h, w)


def test_controls_have_their_names_as_text():
    lab = RegressionLab()
    assert [b.description for b in (lab.play, lab.step_button, lab.reset_button)] == \
        ["Play", "Step", "Reset"]
    assert all(b.icon == "" for b in (lab.play, lab.step_button, lab.reset_button,
                                      lab.step_through))
    assert all(b.layout.width == "auto" for b in (lab.play, lab.step_button, lab.reset_button))
    lab.play.value = True
    assert lab.play.description == "Pause"
    lab.play.value = False
    assert lab.play.description == "Play"


def test_the_graph_is_drawn_at_its_natural_size():
    lab = RegressionLab()
    lab.step(1)
    svg = lab.graph_view.value
    assert re.search(r'<svg width="\d+pt" height="\d+pt"', svg) and "height:360px" not in svg


@pytest.mark.parametrize("entry", ["step", "reset", "tick", "canvas draw request", "page",
                                   "lr slider", "Play", "step through"])
def test_every_way_in_waits_for_the_lab(entry):
    """Widget messages run on a comm thread (ipykernel 7 subshells) while cells run on the main
    thread: every way into the lab waits until no other thread is using it."""
    import threading
    lab, frames = live_lab()
    lab.step(1)
    actions = {
        "step": lambda: lab.step(1),
        "reset": lab.reset,
        "tick": lab._tick,
        "canvas draw request": lambda: lab.canvas.handle_event({"type": "draw"}),
        "page": lambda: setattr(lab.probe, "page", {"background": "rgb(0, 0, 0)",
                                                    "foreground": "rgb(255, 255, 255)"}),
        "lr slider": lambda: setattr(lab.lr_slider, "value", 0.02),
        "Play": lambda: setattr(lab.play, "value", True),
        "step through": lambda: setattr(lab.step_through, "value", True),
    }
    if entry == "tick":
        lab.play.value = True
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_user():
        with lab._lock:
            held.set()
            release.wait(10)

    def enter():
        actions[entry]()
        done.set()
    holder = threading.Thread(target=other_user)
    holder.start()
    held.wait(10)
    n = len(frames)
    visitor = threading.Thread(target=enter)
    visitor.start()
    visitor.join(0.3)
    assert not done.is_set() and len(frames) == n, f"{entry} went in while the lab was busy"
    release.set()
    visitor.join(30)
    holder.join(10)
    assert done.is_set()
    lab.play.value = False


def test_a_resize_the_page_did_not_apply_is_sent_again(monkeypatch):
    lab, frames = live_lab()
    from widgets.regression import _Panels
    w0, h0 = (round(v * RegressionLab.BASE_DPI) for v in _Panels.SIZE)   # 712 x 240
    w1, h1 = round(1.5 * w0), round(1.5 * h0)
    page = {"background": "rgb(255, 255, 255)", "foreground": "rgb(0, 0, 0)", "scale": 1.5,
            "width": 2000}
    lab.probe.page = dict(page, canvas=[w0, h0])         # zoomed: x1.5 now
    sizes = []
    lab._manager.resize = lambda w, h: sizes.append((w, h))
    lab.probe.page = dict(page, canvas=[w0, h0])         # the same report again: no change
    lab.probe.page = dict(page, canvas=[w0 + 1, h0])     # too soon: the resize may be in flight
    assert sizes == []
    import widgets.regression as regression
    clock = [regression.time.monotonic() + 2]
    monkeypatch.setattr(regression.time, "monotonic", lambda: clock[0])
    lab.probe.page = dict(page, canvas=[w0, h0])         # 2 s later, still the old size
    assert sizes == [(w1, h1)]
    for k in range(5):                                    # at most three times in all
        clock[0] += 2
        lab.probe.page = dict(page, canvas=[w0 + k % 2, h0])
    assert len(sizes) == 3
    lab.probe.page = dict(page, canvas=[w1, h1])         # shown: nothing more to do
    assert len(sizes) == 3
