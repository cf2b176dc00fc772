"""RegressionLab's settings and interruptions: a value set after construction is checked exactly as
the constructor checks it (accepted and the lab works as if built with it, or rejected with a
clear InvalidSetting and nothing changed); a failed constructor leaves nothing behind; Ctrl-C
during training leaves parameters, grads, history, status and drawing consistent."""
import gc
import math
import re
import signal
import sys
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from widgets.regression import (InvalidSetting, RegressionLab, RegressionTrainer,
                                interrupts_deferred)

from test_regression import as_array, numbers

# lab trait -> (constructor argument, control)
SETTABLE = {"lr": ("lr", "lr_slider"), "noise": ("noise", "noise_slider"),
            "n_points": ("n", "n_slider"), "seed": ("seed", "seed_box")}

ANY_VALUE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.01, max_value=0.07),          # around the lr slider's range
    st.floats(min_value=-1, max_value=6),                # around the noise slider's range
    st.integers(min_value=-5, max_value=250),            # around the points slider's range
    st.integers(min_value=-2 ** 40, max_value=2 ** 40),
    st.sampled_from([True, False, None, "0.01", "20", [20], 1e6, -5, 1, 10 ** 6, 2 ** 31 - 1,
                     2 ** 31, np.float32(0.02), np.int64(30), np.float64("nan"), 20.0, 0.5]),
)


def snapshot(lab):
    """Everything a setting could change, as plain comparable values."""
    t = lab.trainer
    return dict(traits={k: getattr(lab, k) for k in (*SETTABLE, "rule", "interval",
                                                      "forget_zero_grad", "accumulate_loss")},
                controls={k: getattr(lab, c).value for k, (_, c) in SETTABLE.items()},
                trainer=(t.lr, t.n, t.noise, t.seed, t.rule),
                data=(t.x.numpy().tobytes(), t.y.numpy().tobytes(), t.w.item(), t.b.item()),
                history=[dict(h) for h in t.history], numbers=lab.numbers.value,
                status=lab.status, iteration=lab.iteration)


def same(a, b):
    """== that takes NaN for equal to NaN (loss of a lab with no history)."""
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SETTABLE)), value=ANY_VALUE)
def test_a_setting_is_checked_as_the_constructor_checks_it(name, value):
    arg, control = SETTABLE[name]
    lab = RegressionLab()
    lab.step(2)
    before = snapshot(lab)
    try:
        setattr(lab, name, value)
    except InvalidSetting as error:
        message = str(error)
        assert message.startswith(f"{name} must be ") and "got" in message
        assert snapshot(lab) == before, "a rejected value changed the lab"
        # the constructor rejects the same value with the same sentence (its argument's name)
        with pytest.raises(InvalidSetting) as built:
            RegressionLab(**{arg: value})
        assert str(built.value) == message.replace(name, arg, 1)
        lab.step(1)                                      # and the lab still works
        assert lab.iteration == 3
        return
    # accepted: the control shows it, and the lab behaves as one built with it
    shown = getattr(lab, control).value
    assert same(getattr(lab, name), int(shown) if control == "seed_box" else shown)   # (a text box: W13_5)
    if getattr(lab, name) == before["traits"][name]:     # the same value again: nothing to do
        assert snapshot(lab) == before
        return
    built = RegressionLab(**{arg: value})
    assert getattr(built, name) == getattr(lab, name)
    if name == "lr":                                     # lr applies from the next step on
        assert len(lab.history) == 2
        lab.reset()
    assert lab.history == [] and lab.status == "ready"
    assert lab.step(4) == built.step(4)
    np.testing.assert_array_equal(as_array(lab.history), as_array(built.history))
    assert numbers(lab) == numbers(built)
    lab.reset()                                          # every later reset works too
    assert lab.step(1) == 1 and lab._repr_png_()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name, value, words", [
    ("lr", 1e6, "lr must be a number from 0.001 to 0.06 (the slider's range), got 1000000.0"),
    ("lr", -5, "lr must be a number from 0.001 to 0.06 (the slider's range), got -5.0"),
    ("n_points", 1, "n_points must be a whole number from 2 to 200 (the slider's range), got 1"),
    ("n_points", 10 ** 6, "n_points must be a whole number from 2 to 200"),
    ("noise", float("nan"), "noise must be a number from 0 to 5 (the slider's range), got nan"),
    ("seed", "16", "seed must be a whole number from 0 to 2147483647, got '16' (str)"),
    ("n_points", 20.5, "n_points must be a whole number from 2 to 200 (the slider's range), "
                       "got 20.5 (float)"),
    ("rule", "adam", "rule must be one of ['data', 'no_grad', 'sgd'], got 'adam'"),
    ("interval", 0, "interval must be a number from 1 to 10000 milliseconds per tick, got 0.0"),
    ("forget_zero_grad", 1, "forget_zero_grad must be True or False, got 1"),
])
def test_the_reported_bad_values_get_a_clear_error(name, value, words):
    lab = RegressionLab()
    before = snapshot(lab)
    with pytest.raises(InvalidSetting, match=re.escape(words)):
        setattr(lab, name, value)
    assert snapshot(lab) == before
    assert isinstance(InvalidSetting("x"), ValueError)   # `except ValueError` catches it too


def test_held_changes_roll_back_together():
    lab = RegressionLab()
    before = snapshot(lab)
    with pytest.raises(InvalidSetting):
        with lab.hold_trait_notifications():
            lab.seed = 3                                 # fine on its own ...
            lab.lr = 7.0                                 # ... but this one is not
    assert snapshot(lab) == before


def test_other_constructor_arguments_are_checked_too():
    for kwargs, words in [(dict(momentum=1.0), "momentum must be below 1"),
                          (dict(max_iter=0), "max_iter must be a whole number from 1"),
                          (dict(stop_loss=float("inf")), "stop_loss must be a number"),
                          (dict(interval="fast"), "interval must be a number"),
                          (dict(accumulate_loss="yes"), "accumulate_loss must be True or False")]:
        with pytest.raises(InvalidSetting, match=re.escape(words)):
            RegressionLab(**kwargs)
    with pytest.raises(InvalidSetting, match="lr must be"):
        RegressionTrainer().lr = 0.5                     # the trainer's attributes are checked too
    with pytest.raises(InvalidSetting, match="n must be"):
        RegressionLab().step(-1) if False else RegressionTrainer(n=0)
    with pytest.raises(InvalidSetting, match="n must be a whole number from 0"):
        RegressionLab().step(-1)


def test_a_failed_constructor_prints_nothing_more(monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for bad in (dict(lr=1e6), dict(n=1), dict(interval=-1), dict(rule="adam")):
        with pytest.raises(InvalidSetting):
            RegressionLab(**bad)
        gc.collect()
    assert unraisable == [], [u.exc_value for u in unraisable]


# --- Ctrl-C ----------------------------------------------------------------------------------

def lines_of(code, count=None):
    """A tracer counting the lines Python runs while a frame of `code` is on the stack (in it and
    in everything it calls); at the count-th it sends SIGINT to this process, as the kernel's
    interrupt button does at an arbitrary moment. `.seen`: lines counted, `.fired`: sent."""
    state = types.SimpleNamespace(seen=0, fired=False, depth=0)

    def local(frame, event, arg):
        if event == "line":
            state.seen += 1
            if state.seen == count:
                state.fired = True
                signal.raise_signal(signal.SIGINT)
        elif event == "return" and frame.f_code is code:
            state.depth -= 1
        return local

    def tracer(frame, event, arg):          # 'call' events: a new frame
        if frame.f_code is code:
            state.depth += 1
        return local if state.depth else None
    tracer.state = state
    return tracer


def traced(tracer, fn):
    sys.settrace(tracer)
    try:
        return fn()
    finally:
        sys.settrace(None)


def consistent(lab, rule):
    """Parameters, grads, history, traits, numbers and title all tell the same story."""
    t, hist = lab.trainer, lab.trainer.history
    w, b = (hist[-1]["w"], hist[-1]["b"]) if hist else (t.w0, t.b0)
    assert (t.w.item(), t.b.item()) == (w, b)
    if hist:
        grads = [None if p.grad is None else p.grad.item() for p in (t.w, t.b)]
        # a finished iteration zeroes the grads (optim's zero_grad sets them to None)
        assert grads == ([None, None] if rule == "sgd" else [0.0, 0.0])
    assert lab.iteration == len(hist) == int(numbers(lab)["iteration"])
    assert lab._panels.ax_data.get_title().startswith(f"Iteration: {len(hist)}\n")
    assert lab.loss == hist[-1]["loss"] if hist else math.isnan(lab.loss)


@pytest.fixture
def sigint_as_in_a_kernel():
    """Ctrl-C raises KeyboardInterrupt, as in a Jupyter kernel: a test run a shell started in the
    background (no job control) inherits SIGINT ignored, and no interrupt would arrive at all."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("rule", ["data", "sgd"])
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(where=st.floats(min_value=0.0, max_value=1.0))
def test_ctrl_c_during_training_leaves_the_lab_consistent(rule, where, sigint_as_in_a_kernel):
    steps = 4
    warm, probe, lab = (RegressionLab(rule=rule) for _ in range(3))
    for each in (warm, probe, lab):
        each.play.value = True                       # playing: the interrupt must pause it
    warm.step(steps)                                 # warm caches: the two runs below are alike
    counter = lines_of(RegressionLab.step.__code__)
    traced(counter, lambda: probe.step(steps))
    before = snapshot(lab)
    # up to 98% of the lines the probe ran (a cache may still spare the second run a few)
    interrupter = lines_of(RegressionLab.step.__code__,
                           max(1, int(where * 0.98 * counter.state.seen)))
    with pytest.raises(KeyboardInterrupt):
        traced(interrupter, lambda: lab.step(steps))
    assert interrupter.state.fired
    done = len(lab.history)
    consistent(lab, rule)
    if lab.status.startswith("interrupted"):
        assert lab.status == f"interrupted after iteration {done}" and not lab.playing
        assert numbers(lab)["status"] == lab.status
    else:                                            # Ctrl-C before lab.step had begun
        assert done == 0 and snapshot(lab) == before
    lab.play.value = False
    # and training goes on exactly as if nothing had happened
    assert lab.step(steps - done + 2) == steps - done + 2
    reference = RegressionTrainer(rule=rule)
    reference.step(steps + 2)
    np.testing.assert_array_equal(as_array(lab.history), as_array(reference.history))
    assert lab.status == "paused"


def test_an_interrupt_during_a_play_tick_pauses_the_lab():
    lab = RegressionLab()
    lab.play.value = True
    counter = lines_of(RegressionLab._tick.__code__)
    traced(counter, lab._tick)
    for where in (0.1, 0.5, 0.9):
        lab.play.value = True
        interrupter = lines_of(RegressionLab._tick.__code__, int(where * counter.state.seen))
        traced(interrupter, lab._tick)             # a timer callback: no traceback escapes
        assert interrupter.state.fired
        assert not lab.playing and lab.status == f"interrupted after iteration {len(lab.history)}"
        consistent(lab, "data")


def test_interrupts_deferred_delivers_the_interrupt_afterwards(sigint_as_in_a_kernel):
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            signal.raise_signal(signal.SIGINT)
            ran.append("the rest of the block")
    assert ran == ["the rest of the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with interrupts_deferred():                      # no interrupt: nothing raised
        pass
