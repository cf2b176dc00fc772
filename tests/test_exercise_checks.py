"""The checks of exercises ex01-ex04 (widgets/exercise_checks/): for every task, the right answers
pass (each part prints its ✓ line) and each likely mistake fails with the message that names it,
on both backends of the torch switch. The student's code is written here as a student would write
it, against the backend the check uses.
"""
import math

import numpy as np
import pytest

from widgets import torch_switch
from widgets.exercise_checks import ex01, ex02, ex03, ex04
from widgets.exercises import ExerciseError


@pytest.fixture(params=["autograd_core", "torch"])
def torch(request, monkeypatch):
    """The backend a notebook would get from the torch switch; the checks use the same one."""
    module = torch_switch.load(request.param)
    monkeypatch.setattr(torch_switch, "torch", module)
    monkeypatch.setattr(torch_switch, "BACKEND", request.param)
    return module


@pytest.fixture
def nn(torch):
    return torch_switch.nn


@pytest.fixture
def optim(torch):
    return torch_switch.optim


def passes(capsys, check, *answers):
    """Run a check that must pass; return the lines it printed (each starts with ✓)."""
    check(*answers)
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[0].startswith("✓"), lines
    return lines


def fails(check, *answers):
    """Run a check that must fail; return its messages (one per failed part)."""
    with pytest.raises(ExerciseError) as info:
        check(*answers)
    messages = info.value.messages
    # (as shown: each message marked ✗, with a word joiner inside a `code span` where Chrome breaks, W14_5)
    assert [s.replace("\u2060", "") for s in info.value._render_traceback_()] == [f"✗ {m}" for m in messages]
    assert all("\n" not in m for m in messages)
    return messages


def one(messages):
    assert len(messages) == 1, messages
    return messages[0]


# --- ex01 ---------------------------------------------------------------------------------------------

def test_ex01_example_b(torch, capsys):
    check = ex01.example_b_by_hand
    assert passes(capsys, check, 4.0, -6.0) == ["✓ m_grad is correct", "✓ n_grad is correct"]
    assert passes(capsys, check, 4, -6)      # ints are numbers too
    assert one(fails(check, None, None)).startswith("m_grad and n_grad are not filled in yet")
    assert "path through a alone" in one(fails(check, -1.0, -6.0))
    m_msg, n_msg = fails(check, 5.0, 4.0)        # both parts reported, not just the first
    assert "m_grad = 5" in m_msg and "path through b alone" in m_msg
    assert "n_grad = 4" in n_msg and "db/dn is -1" in n_msg
    assert "path through b alone" in one(fails(check, 4.0, -5.0))
    assert "check the sign" in one(fails(check, 4.0, 6.0))
    # a wrong first part does not hide the second one's ✓
    capsys.readouterr()
    fails(check, 1.0, -6.0)
    assert capsys.readouterr().out == "✓ n_grad is correct\n"
    assert "not the text '-6'" in one(fails(check, 4.0, "-6"))


def test_ex01_example_b_refuses_the_engines_answer(torch):
    m, n = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    ((m + n) * (m - n)).backward()
    messages = fails(ex01.example_b_by_hand, m.grad, n.grad)
    assert len(messages) == 2 and all("work it out by hand" in m for m in messages)
    assert "a tensor of shape ()" in messages[0]


def test_ex01_predict_gradients(torch, capsys):
    check = ex01.predict_gradients
    passes(capsys, check, [3.0, 6.0, 3.0])
    passes(capsys, check, (3, 6, 3))
    assert "b is used twice" in one(fails(check, [3.0, 2.0, 3.0]))
    assert "b is used twice" in one(fails(check, [3.0, 4.0, 3.0]))
    assert "inputs' values" in one(fails(check, [2.0, 3.0, 4.0]))
    assert "a list of 3 numbers; yours has 2" in one(fails(check, [3.0, 6.0]))
    assert "(entry 1 is off)" in one(fails(check, [3.0, 7.0, 3.0]))
    a, b, c = (torch.tensor(v, requires_grad=True) for v in (2.0, 3.0, 4.0))
    (a * b + b * c).backward()
    assert "work it out by hand" in one(fails(check, [a.grad, b.grad, c.grad]))


def test_ex01_leaves_and_grad_fn(torch, capsys):
    check = ex01.leaves_and_grad_fn
    right = [True, True, False, False, False]
    assert passes(capsys, check, right, "MulBackward0") == ["✓ leaf_flags is correct", "✓ y_grad_fn_name is correct"]
    strings = one(fails(check, ["True", "True", "False", "False", "False"], "MulBackward0"))
    assert "should be a list of 5 bools (True or False, without quotes)" in strings
    assert "you gave a list of 5 strings" in strings and "without quotes: 'True' in quotes is a string" in strings
    assert "should be a number" not in strings
    assert "a list of 5 ints" in one(fails(check, [1, 1, 0, 0, 0], "MulBackward0"))
    assert "y was computed by an operation" in one(fails(check, [True, True, False, False, True], "MulBackward0"))
    assert "b = w + 1 was computed" in one(fails(check, [True, True, False, True, False], "MulBackward0"))
    assert "a list of 5 bools" in one(fails(check, [True, True, False], "MulBackward0"))
    flags_msg, name_msg = fails(check, [False] * 5, "MulBackward")
    assert "(entries 0, 1 are off)" in flags_msg and "end in the number" in name_msg
    assert "made y itself" in one(fails(check, right, "AddBackward0"))
    assert "spaces" in one(fails(check, right, " MulBackward0"))
    w = torch.tensor(1.0, requires_grad=True)
    assert "the grad_fn object itself" in one(fails(check, right, (w * w).grad_fn))
    assert "'Backward' and a number" in one(fails(check, right, "Mul"))
    assert one(fails(check, right, None)).startswith("y_grad_fn_name is not filled in yet")


@pytest.mark.filterwarnings("error")    # the check keeps the engine's non-leaf .grad warning out of its output
def test_ex01_keep_interior_gradient(torch, capsys):
    check = ex01.keep_interior_gradient

    def right(w, x):
        a, b = w + x, w + 1
        b.retain_grad()
        (a * b).backward()
        return b.grad

    def without_retain_grad(w, x):
        a, b = w + x, w + 1
        (a * b).backward()
        return b.grad

    def retain_too_late(w, x):
        a, b = w + x, w + 1
        y = a * b
        y.backward()
        b.retain_grad()
        return b.grad

    def stub(w, x):
        """dy/db of Example A."""
        # YOUR CODE HERE

    def no_backward(w, x):
        b = w + 1
        b.retain_grad()
        return b.grad

    def own_leaves(w, x):
        return right(torch.tensor(1.0, requires_grad=True), torch.tensor(2.0, requires_grad=True))

    def value_of_b(w, x):
        b = w + 1
        b.retain_grad()
        ((w + x) * b).backward()
        return b

    def grad_of_w(w, x):
        ((w + x) * (w + 1)).backward()
        return w.grad

    assert passes(capsys, check, right) == ["✓ grad_of_b passes all 3 cases"]
    message = one(fails(check, without_retain_grad))
    assert "returned None: b.grad is None because b = w + 1 is an interior node" in message
    assert "retain_grad() was called before y.backward()" in message and "write the body" not in message
    assert "interior node" in one(fails(check, retain_too_late))
    assert "is not written yet" in one(fails(check, stub))
    assert "w.grad is still None: build y" in one(fails(check, no_backward))
    assert "given as arguments" in one(fails(check, own_leaves))
    assert "b's value, not its gradient" in one(fails(check, value_of_b))
    assert "is w.grad" in one(fails(check, grad_of_w))
    assert "should be a function" in one(fails(check, None))
    assert "raised ZeroDivisionError" in one(fails(check, lambda w, x: 1 / 0))


# --- ex02 ---------------------------------------------------------------------------------------------

def test_ex02_accumulation(torch, capsys):
    check = ex02.accumulation
    assert len(passes(capsys, check, 15.0, 6.0, True)) == 3
    messages = fails(check, 5.0, 2.0, False)
    assert len(messages) == 3
    assert all("adds into .grad" in m for m in messages[:2]) and "frees the tensors" in messages[2]
    assert "without quotes" in one(fails(check, 15.0, 6.0, "True"))
    assert one(fails(check, None, None, None)).startswith(
        "w_grad_after_three, x_grad_after_three and second_backward_raises are not filled in yet")
    assert "work it out by hand" in one(fails(check, torch.tensor(15.0), 6.0, True))


def test_ex02_vjp_by_hand(torch, capsys):
    check = ex02.vjp_by_hand
    passes(capsys, check, [7.0, 8.0])
    assert "that is J v" in one(fails(check, [9.0, 7.0]))
    assert "v = [1, 1]" in one(fails(check, [6.0, 5.0]))
    assert "y0's part alone" in one(fails(check, [5.0, 2.0]))
    assert "work it out by hand" in one(fails(check, torch.tensor([7.0, 8.0])))


def test_ex02_saturation(torch, capsys):
    import math
    check = ex02.saturation

    def right(w, x):
        return (1 - math.tanh(w * x) ** 2) * x

    def by_autograd(w, x):
        w = torch.tensor(w, requires_grad=True)
        torch.tanh(w * x).backward()
        return w.grad.item()

    def by_autograd_grad(w, x):
        w = torch.tensor(w, requires_grad=True)
        return torch.autograd.grad(torch.tanh(w * x), w)[0].item()

    def as_tensor(w, x):
        t = torch.tanh(torch.tensor(w * x))
        return (1 - t ** 2) * x

    def stub(w, x):
        """dh/dw"""

    lines = passes(capsys, check, "dh/dz", right)
    assert lines[0].startswith("✓ small_factor is correct: tanh'(z) = 1 - tanh(z)² is 0.0005 at z = 4.5")
    assert lines[1] == "✓ dh_dw passes all 7 cases"
    passes(capsys, check, " dh / dz ", right)
    assert "dz/dw = x = 1 here" in one(fails(check, "dz/dw", right))
    assert "one of the strings 'dh/dz' or 'dz/dw'" in one(fails(check, "tanh", right))
    assert "not filled in yet" in one(fails(check, None, right))
    assert "that is dh/dz alone" in one(fails(check, "dh/dz", lambda w, x: 1 - math.tanh(w * x) ** 2))
    assert "that is dh/dx" in one(fails(check, "dh/dz", lambda w, x: w * (1 - math.tanh(w * x) ** 2)))
    assert "(squared)" in one(fails(check, "dh/dz", lambda w, x: x * (1 - math.tanh(w * x))))
    for uses_autograd in (by_autograd, by_autograd_grad):
        message = one(fails(check, "dh/dz", uses_autograd))
        assert "asked autograd for the gradient" in message and "switches autograd off" in message
    assert "should return a plain number" in one(fails(check, "dh/dz", as_tensor))
    assert "dh_dw is not written yet" in one(fails(check, "dh/dz", stub))
    both = fails(check, "dz/dw", stub)
    assert len(both) == 2


def test_ex02_backward_rule(torch, capsys):
    check = ex02.backward_rule

    def right(grad_out, a, b):
        return grad_out * np.sin(b), grad_out * a * np.cos(b)

    def by_autograd(grad_out, a, b):
        ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        (ta * torch.sin(tb)).backward(torch.tensor(grad_out))
        return ta.grad.numpy(), tb.grad.numpy()

    lines = passes(capsys, check, right)
    assert lines == ["✓ mul_sin_backward passes all 4 cases",
                     "  (a backward rule is a vector-Jacobian product: here the Jacobian is diagonal)"]
    assert "local derivatives" in one(fails(check, lambda g, a, b: (np.sin(b), a * np.cos(b))))
    assert "swapped" in one(fails(check, lambda g, a, b: right(g, a, b)[::-1]))
    assert "without a minus" in one(fails(check, lambda g, a, b: (g * np.sin(b), -g * a * np.cos(b))))
    assert "the factor a as well" in one(fails(check, lambda g, a, b: (g * np.sin(b), g * np.cos(b))))
    assert "should return 2 values" in one(fails(check, lambda g, a, b: g * np.sin(b)))
    assert "asked autograd" in one(fails(check, by_autograd))
    message = one(fails(check, lambda g, a, b: (g * math.sin(b), g * a * math.cos(b))))
    assert "raised TypeError" in message and "np.sin" in message and "every element of an array" in message
    message = one(fails(check, lambda g, a, b: (g * np.cos(b), g * a * np.sin(b))))
    assert "mul_sin_backward(grad_out, a, b of shape ())[0]" in message and "is not right yet" in message


# --- ex03 ---------------------------------------------------------------------------------------------

def test_ex03_control_flow(torch, capsys):
    check = ex03.control_flow

    def right(a, b):
        x = a * b if a.item() > 0 else a + b
        return x * x

    def tensor_if(a, b):                 # `if a > 0` on the tensor works as well
        x = a * b if a > 0 else a + b
        return x * x

    def at_least(a, b):
        x = a * b if a.item() >= 0 else a + b
        return x * x

    def swapped(a, b):
        x = a + b if a.item() > 0 else a * b
        return x * x

    def item_in_arithmetic(a, b):
        x = a.item() * b if a.item() > 0 else a.item() + b
        return x * x

    assert passes(capsys, check, right) == ["✓ branchy passes all 4 cases (values and gradients)"]
    passes(capsys, check, tensor_if)
    message = one(fails(check, at_least))
    assert "branchy(0, 2.5)" in message and "a = 0 is not positive" in message and ">= 0" in message
    assert "took the wrong branch" in one(fails(check, swapped))
    assert "a.grad is None" in one(fails(check, item_in_arithmetic))
    assert "return the tensor x * x" in one(fails(check, lambda a, b: right(a, b).item()))
    assert "outside the graph" in one(fails(check, lambda a, b: right(a, b).detach()))
    assert "is not right yet" in one(fails(check, lambda a, b: a * b if a.item() > 0 else a + b))
    assert "not written yet" in one(fails(check, lambda a, b: None))


def test_ex03_control_flow_detach_and_own_backward_told_truly(torch, capsys):
    """walk8 W8_2: a.detach() or a.data in the arithmetic was blamed on .item() alone; W8_3: a branchy
    that runs backward() itself crashed the check with 'Trying to backward through the graph a second
    time', raised inside the check's code."""
    check = ex03.control_flow

    def detached(a, b):
        x = a.detach() * b if a.item() > 0 else a.detach() + b
        return x * x

    def data(a, b):
        x = a.data * b if a.item() > 0 else a.data + b
        return x * x

    def own_backward(a, b):
        x = a * b if a.item() > 0 else a + b
        y = x * x
        y.backward()
        return y

    for wrong in (detached, data):
        message = one(fails(check, wrong))
        assert "a.grad is None" in message and "a.detach() and a.data are tensors outside the graph" in message
    message = one(fails(check, own_backward))
    assert "already ran backward()" in message and "without calling backward()" in message


def test_ex03_data_or_detach(torch, capsys):
    check = ex03.data_or_detach
    assert passes(capsys, check, False, True) == ["✓ data_raises is correct", "✓ detach_raises is correct"]
    data_msg, detach_msg = fails(check, True, False)
    assert "invisible to autograd" in data_msg and "shares the version counter" in detach_msg
    strings = fails(check, "False", "True")
    assert len(strings) == 2 and all("should be a bool (True or False, without quotes)" in m for m in strings)
    assert "you gave a str ('False')" in strings[0]


def test_ex03_stop_gradient(torch, capsys):
    check = ex03.stop_gradient
    passes(capsys, check, [0.0, 1.0, 4.0, 9.0], [0.0, 2.0, 4.0, 6.0])
    z_msg, y_msg = fails(check, [0.0, 3.0, 12.0, 27.0], [0.0, 3.0, 8.0, 15.0])
    assert "d(x³)/dx" in z_msg and "zeroed" in y_msg
    assert "not through the other factor x" in one(fails(check, [0.0] * 4, [0.0, 2.0, 4.0, 6.0]))
    assert "keeps its graph" in one(fails(check, [0.0, 1.0, 4.0, 9.0], [0.0] * 4))
    x = torch.arange(4.0)
    assert "work it out by hand" in one(fails(check, x * x, [0.0, 2.0, 4.0, 6.0]))


def _mean_loss_versions():
    """The buggy 2017 function and its fixes, half and whole, as a student writes them."""
    def untouched(w, batches):
        total = 0
        for xb, yb in batches:
            loss = ((w * xb - yb) ** 2).mean()
            total += loss
        return total.data[0] / len(batches)

    def item_at_the_end(w, batches):
        total = 0
        for xb, yb in batches:
            loss = ((w * xb - yb) ** 2).mean()
            total += loss
        return total.item() / len(batches)

    def fixed(w, batches):
        total = 0.0
        for xb, yb in batches:
            loss = ((w * xb - yb) ** 2).mean()
            total += loss.item()
        return total / len(batches)

    def detached(w, batches):
        total = 0
        for xb, yb in batches:
            total += ((w * xb - yb) ** 2).mean().detach()
        return total / len(batches)

    def renamed_and_listed(w, batches):
        losses = [((w * xb - yb) ** 2).mean() for xb, yb in batches]
        return sum(loss.item() for loss in losses) / len(losses)

    def returns_graph(w, batches):
        total = 0
        for xb, yb in batches:
            total += ((w * xb - yb) ** 2).mean()
        return total / len(batches)

    def no_mean(w, batches):
        return sum(((w * xb - yb) ** 2).mean().item() for xb, yb in batches)

    return locals()


def test_ex03_debug_mean_loss(torch, capsys):
    check, v = ex03.debug_mean_loss, _mean_loss_versions()
    lines = passes(capsys, check, v["fixed"])
    assert lines == ["✓ mean_loss on 4 batches is correct",
                     "✓ mean_loss keeps no batch's graph alive and returns a plain number"]
    # detach() keeps no graph, but the report is a tensor, not the plain number asked for (W3-12)
    assert one(fails(check, v["detached"])).startswith("mean_loss returns a tensor (without a graph")
    index_msg, graph_msg = fails(check, v["untouched"])
    assert index_msg.startswith("a bug remains: mean_loss raised IndexError: invalid index of a 0-dim tensor")
    assert graph_msg.startswith("a bug remains: after 4 batches, total holds a graph of 21 nodes (one batch's loss has 5)")
    # .item() at the end makes the result a float, but the loop still kept every graph alive
    assert "total holds a graph of 21 nodes" in one(fails(check, v["item_at_the_end"]))
    capsys.readouterr()
    assert "losses holds a graph" in one(fails(check, v["renamed_and_listed"]))
    assert "total holds a graph" in one(fails(check, v["returns_graph"]))
    assert "is not right yet" in one(fails(check, v["no_mean"]))
    assert "returned None" in one(fails(check, lambda w, batches: None))


def _static_graph(build):
    import autograd_core.static as tf
    tf.reset_default_graph()
    a = tf.placeholder(tf.float32, shape=(), name="a")
    b = tf.placeholder(tf.float32, shape=(), name="b")
    return build(tf, a, b), a, b


def test_ex03_static_branch(torch, capsys):
    check = ex03.static_branch
    right = _static_graph(lambda tf, a, b: tf.cond(a > 0, lambda: a * b, lambda: a + b) ** 2)
    assert passes(capsys, check, *right) == ["✓ y, dy/da and dy/db agree with the dynamic engine at all 4 points"]
    at_least = one(fails(check, *_static_graph(lambda tf, a, b: tf.cond(a >= 0, lambda: a * b, lambda: a + b) ** 2)))
    assert "at a=0, b=2.5" in at_least and "a = 0 is not positive" in at_least and "a >= 0" in at_least
    swapped = fails(check, *_static_graph(lambda tf, a, b: tf.cond(a > 0, lambda: a + b, lambda: a * b) ** 2))
    assert len(swapped) == 4 and all("took the wrong branch" in m for m in swapped[:2])
    unsquared = fails(check, *_static_graph(lambda tf, a, b: tf.cond(a > 0, lambda: a * b, lambda: a + b)))
    assert unsquared and all("is not right yet" in m for m in unsquared)
    _, a, b = right
    assert "not filled in yet" in one(fails(check, None, a, b))
    assert "should be a node of the static graph" in one(fails(check, 2.0, a, b))
    assert "does not depend on b" in one(fails(check, *_static_graph(lambda tf, a, b: a * a)))


# --- ex04 ---------------------------------------------------------------------------------------------

def test_ex04_gradient_step(torch, capsys):
    check = ex04.gradient_step

    def step(sign=1, scale=1, floats=True):
        def gd_step(w, b, x, y, lr):
            w = torch.tensor(w, requires_grad=True)
            b = torch.tensor(b, requires_grad=True)
            (0.5 * (y - (w * x + b)) ** 2).mean().backward()
            new = w - sign * scale * lr * w.grad, b - sign * scale * lr * b.grad
            return tuple(t.item() for t in new) if floats else new
        return gd_step

    assert passes(capsys, check, step()) == ["✓ gd_step passes all 3 cases"]
    assert "uphill" in one(fails(check, step(sign=-1)))
    message = one(fails(check, step(scale=2)))
    assert "twice as long" in message and "w=" in message and "lr=0.05" in message
    assert "should return a plain number" in one(fails(check, step(floats=False)))
    assert "not written yet" in one(fails(check, lambda w, b, x, y, lr: None))

    def summed(w, b, x, y, lr):          # .sum() for .mean() (walk8 W8_5: told only "subtract lr times...")
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        (0.5 * (y - (w * x + b)) ** 2).sum().backward()
        return w.item() - lr * w.grad.item(), b.item() - lr * b.grad.item()
    assert "the loss is their mean (.mean()), not their sum" in one(fails(check, summed))


def test_ex04_momentum(torch, capsys):
    check = ex04.momentum_by_hand
    passes(capsys, check, 0.46)
    assert "plain SGD" in one(fails(check, 0.64))
    assert "after one step" in one(fails(check, 0.8))
    assert "at the new p" in one(fails(check, 0.42))
    assert "work it out by hand" in one(fails(check, torch.tensor([0.46])))
    # a decimal comma: Python reads p_after_two = 0,46 as the tuple (0, 46) (walk8 W8_6)
    comma = one(fails(check, (0, 46)))
    assert "A decimal comma?" in comma and "0.46" not in comma
    assert "decimal with a point" in one(fails(check, "0,46"))


def _train_versions(optim):
    """The planted training loop and its fixes (name: function), as a student writes them."""
    def make(zero_grad="before", broadcast=False, keep_graph=False, item_at_end=False, detach=False):
        def train(model, batches, epochs, lr=0.1):
            optimizer = optim.SGD(model.parameters(), lr=lr)
            history = []
            for epoch in range(epochs):
                total = 0
                for x, y in batches:
                    if zero_grad == "before":
                        optimizer.zero_grad()
                    prediction = model(x) if broadcast else model(x).squeeze(1)
                    loss = ((prediction - y) ** 2).mean()
                    loss.backward()
                    if zero_grad == "between":
                        optimizer.zero_grad()
                    optimizer.step()
                    total += loss if keep_graph else (loss.detach() if detach else loss.item())
                history.append(total.item() / len(batches) if item_at_end else total / len(batches))
            return history
        return train
    return {
        "fixed": make(),
        "detached": make(detach=True),
        "untouched": make(zero_grad=None, broadcast=True, keep_graph=True),
        "only_zero_grad_fixed": make(broadcast=True, keep_graph=True),
        "no_zero_grad": make(zero_grad=None),
        "zero_grad_between": make(zero_grad="between"),
        "graph_until_the_end_of_each_epoch": make(keep_graph=True, item_at_end=True),
    }


def test_ex04_debug_training_loop(torch, optim, capsys):
    check, v = ex04.debug_training_loop, _train_versions(optim)
    lines = passes(capsys, check, v["fixed"])
    assert lines[0].startswith("✓ train trains the line as a correct loop does (w = 2.302, b = 0.527)")
    assert lines[1].startswith("✓ the history holds 6 plain numbers, falling from 3.409")
    # the graphs dropped with .detach(), but tensors are not the plain numbers the task asks for (walk8 W8_1)
    assert "not the plain numbers the task asks for" in one(fails(check, v["detached"]))
    untouched = fails(check, v["untouched"])
    assert len(untouched) == 3 and all(m.startswith("a bug remains:") for m in untouched)
    assert "pile up" in untouched[0] and "(8, 8)" in untouched[1] and "history holds tensors in a graph" in untouched[2]
    remaining = fails(check, v["only_zero_grad_fixed"])
    assert len(remaining) == 2 and "(8, 8)" in remaining[0] and "history holds tensors" in remaining[1]
    assert "pile up" in one(fails(check, v["no_zero_grad"]))
    assert "never moved" in one(fails(check, v["zero_grad_between"]))
    capsys.readouterr()
    assert "total holds a graph of" in one(fails(check, v["graph_until_the_end_of_each_epoch"]))
    assert "raised ZeroDivisionError" in one(fails(check, lambda model, batches, epochs, lr: 1 / 0))
    assert any("one mean loss per epoch" in m for m in fails(check, lambda model, batches, epochs, lr: [1.0]))


def _finetune_versions(nn, optim):
    def train(model, optimizer, batches):
        for x, y in batches:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()

    def untouched(model, batches, lr=0.1):
        optimizer = optim.SGD(model.parameters(), lr=lr)
        model.requires_grad = False
        model[2] = nn.Linear(8, 3)
        train(model, optimizer, batches)
        return optimizer

    def freeze_after_replacing(model, batches, lr=0.1):
        model[2] = nn.Linear(8, 3)
        for p in model.parameters():
            p.requires_grad = False
        optimizer = optim.SGD(model[2].parameters(), lr=lr)
        train(model, optimizer, batches)
        return optimizer

    def optimizer_too_early(model, batches, lr=0.1):
        optimizer = optim.SGD(model.parameters(), lr=lr)
        model.requires_grad_(False)
        model[2] = nn.Linear(8, 3)
        train(model, optimizer, batches)
        return optimizer

    def not_frozen(model, batches, lr=0.1):
        model[2] = nn.Linear(8, 3)
        optimizer = optim.SGD(model.parameters(), lr=lr)
        train(model, optimizer, batches)
        return optimizer

    def fixed(model, batches, lr=0.1):
        model.requires_grad_(False)
        model[2] = nn.Linear(8, 3)
        optimizer = optim.SGD(model[2].parameters(), lr=lr)
        train(model, optimizer, batches)
        return optimizer

    def fixed_the_lecture_way(model, batches, lr=0.1):
        for p in model.parameters():
            p.requires_grad = False
        model[2] = nn.Linear(8, 3)
        optimizer = optim.SGD(model.parameters(), lr=lr)     # frozen ones get no grad: harmless
        train(model, optimizer, batches)
        return optimizer

    def returns_nothing(model, batches, lr=0.1):
        fixed(model, batches, lr)

    return locals()


def test_ex04_debug_finetune(torch, nn, optim, capsys):
    check, v = ex04.debug_finetune, _finetune_versions(nn, optim)
    assert passes(capsys, check, v["fixed"])[0].startswith("✓ only the new head trains")
    passes(capsys, check, v["fixed_the_lecture_way"])
    frozen_msg, optimizer_msg = fails(check, v["untouched"])
    assert "still have requires_grad=True" in frozen_msg and "module object" in frozen_msg
    assert "optimizer holds none of model[2]'s parameters" in optimizer_msg
    crash = one(fails(check, v["freeze_after_replacing"]))       # a RuntimeError, caught and explained
    assert crash.startswith("a bug remains: backward() raised RuntimeError (element 0 of tensors does not require grad")
    assert "the new head was frozen too" in crash
    assert "optimizer holds none" in one(fails(check, v["optimizer_too_early"]))
    assert "still have requires_grad=True" in one(fails(check, v["not_frozen"]))
    assert "return the optimizer" in one(fails(check, v["returns_nothing"]))
    assert "not written yet" in one(fails(check, lambda model, batches, lr=0.1: None))
    # task 5's finetune(model, num_classes), defined later under the same name (walk8 W8_9)
    assert "Run task 4's answer cell again" in one(fails(check, _resnet_finetune_versions(nn, optim)["right"]))


def _resnet_finetune_versions(nn, optim):
    """finetune(model, num_classes) for ex04 task 5, right and with the likely mistakes."""

    def right(model, num_classes):
        for param in model.parameters():
            param.requires_grad = False
        model.fc = nn.Linear(model.fc.in_features, num_classes)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def the_tutorials_way(model, num_classes):           # every parameter in the optimizer
        model.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def replaced_before_freezing(model, num_classes):
        model.fc = nn.Linear(512, num_classes)
        for param in model.parameters():
            param.requires_grad = False
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def replaced_before_freezing_and_trained(model, num_classes):   # the student's own step crashes
        model.fc = nn.Linear(512, num_classes)
        model.requires_grad_(False)
        optimizer = optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
        model(torch_switch.torch.ones(1, 3, 64, 64)).sum().backward()
        return optimizer

    def module_attribute(model, num_classes):
        model.requires_grad = False
        model.fc = nn.Linear(512, num_classes)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def never_frozen(model, num_classes):                  # fc replaced, nothing frozen at all
        model.fc = nn.Linear(512, num_classes)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def ten_classes(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(512, 10)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def thousand_features(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(1000, num_classes)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def optimizer_too_early(model, num_classes):
        optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        model.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return optimizer

    def not_replaced(model, num_classes):
        model.requires_grad_(False)
        model.fc.requires_grad_(True)
        return optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)

    def adam(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return optim.Adam(model.fc.parameters(), lr=0.01)

    def no_momentum(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return optim.SGD(model.fc.parameters(), lr=0.01)

    def no_return(model, num_classes):
        right(model, num_classes)

    def stub(model, num_classes):
        """Freeze model, replace model.fc; return its optimizer."""

    return locals()


@pytest.fixture
def torchvision(torch, monkeypatch):
    """The backend's torchvision: autograd_core.vision, or on torch the installed torchvision or (not
    installable here) the notebook tests' shim, torchvision 0.28.0's own resnet code (tests/oracles)."""
    import importlib.util
    from pathlib import Path
    if torch_switch.BACKEND == "torch" and importlib.util.find_spec("torchvision") is None:
        monkeypatch.syspath_prepend(str(Path(__file__).parent / "notebook_shims"))
    return torch_switch.torchvision


def test_ex04_finetune_resnet18(torch, nn, optim, torchvision, capsys):
    check, v = ex04.finetune_resnet18, _resnet_finetune_versions(nn, optim)
    assert passes(capsys, check, v["right"]) == [
        "✓ resnet18 is frozen, its new fc (512 → 7) is the only layer that gets gradients, and the optimizer's "
        "step moves it alone"]
    passes(capsys, check, v["the_tutorials_way"])
    said = one(fails(check, v["replaced_before_freezing"]))
    assert "replaced before the freezing ran" in said and "Freeze first, then replace fc" in said
    said = one(fails(check, v["replaced_before_freezing_and_trained"]))   # a RuntimeError, explained
    assert said.startswith("finetune(model, 7) raised RuntimeError (element 0 of tensors does not require grad")
    assert "replace it after freezing, not before" in said
    said = one(fails(check, v["module_attribute"]))
    assert "nothing was frozen" in said and "model object does not reach its parameters" in said
    said = one(fails(check, v["never_frozen"]))            # no model.requires_grad: no parenthesis about it (W4-12)
    assert "nothing was frozen" in said and "model object" not in said and "on each parameter" in said, said
    assert "num_classes = 7" in one(fails(check, v["ten_classes"]))
    assert "takes 1000 inputs, but the backbone hands it 512 features" in one(fails(check, v["thousand_features"]))
    assert "made before fc was replaced" in one(fails(check, v["optimizer_too_early"]))
    assert "still resnet18's own classifier" in one(fails(check, v["not_replaced"]))
    assert "end it with return optimizer" in one(fails(check, v["no_return"]))
    assert one(fails(check, v["adam"])) == ("the task asks for optim.SGD with lr=0.01 and momentum=0.9; yours is "
                                             "Adam with lr=0.01.")
    assert one(fails(check, v["no_momentum"])).endswith("yours is SGD with lr=0.01, momentum=0.")
    assert "not written yet" in one(fails(check, v["stub"]))
    assert "should be a function" in one(fails(check, None))
    # the model returned for the optimizer: its repr on one line, not broken into the next ✗ line (W8_12)
    def returns_model(model, num_classes):
        model.requires_grad_(False)
        model.fc = nn.Linear(512, num_classes)
        return model
    message = one(fails(check, returns_model))
    assert "it returned a ResNet (ResNet( (conv1): Conv2d(3, 64" in message and "\n" not in message
    # task 4's finetune(model, batches) still defined: its check was run before task 5's cell (W8_9)
    assert "still task 4's finetune(model, batches)" in one(fails(check, lambda model, batches, lr=0.1: None))


def test_an_answer_that_is_an_efficient_zero_tensor_is_read(torch):
    """|x| differentiated twice is sgn's gradient, an efficient zero tensor, which refuses .numpy():
    a student's answer of one is read as the zeros it is, not a crash inside the check."""
    from widgets.exercises import as_array
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    g, = torch.autograd.grad(x.abs().sum(), x, create_graph=True)
    h, = torch.autograd.grad(g.sum(), x)
    assert h._is_zerotensor()
    np.testing.assert_array_equal(as_array(h), [0.0, 0.0])


@pytest.mark.parametrize("answer, hinted", [
    ([3, 0, 1, 0], True), ((3, 0, 1, 5), True), ([3, 0, -1, 0], True),     # [3,0, 1,0] and 3,0, 1,5
    ([3, 1, 0], False), ([3.0, 0, 1, 0], False),
])
def test_W16_5_a_list_written_with_decimal_commas_is_asked_about_them(answer, hinted):
    """ex05 task 5 wants [a.grad for 1, a.grad for 2]; [3,0, 1,0], written with decimal commas, is four
    ints to Python, and was told only "should be a list of 2 numbers; yours has 4". A list of twice as
    many ints is asked "Decimal commas?" (the numbers not rewritten: that would say whether they are
    right); ex06 task 1's path products say it after the count of paths."""
    from widgets.exercise_checks import ex06
    from widgets.exercises import check
    hint = (" Decimal commas? Python reads a comma as a separator, so each number written with one is two "
            "numbers: write the decimals with a point.")
    with pytest.raises(ExerciseError) as e:
        check("set_of_parents_grads", answer, [3.0, 1.0], by_hand=True)
    assert e.value.messages == [f"set_of_parents_grads should be a list of 2 numbers; yours has {len(answer)}."
                                + (hint if hinted else "")]
    with pytest.raises(ExerciseError) as e:
        ex06.sum_over_paths([24, 0, 18, 0, 6, 0], 48.0, 28.0)
    assert e.value.messages == ["path_products_p has 6 products, but p reaches z along 3 paths: follow every edge "
                                "out of p, and out of each node you reach." + hint]


def test_W16_6_a_list_in_a_message_has_no_space_before_its_bracket():
    """ex05 task 1, div's local derivative for b written -a / b: "div(Value(6), Value(-4)).local_grads =
    [-0.25, 1.5 ] is not right yet" (numpy pads 1.5 to the width of -0.25, and the padding stood before
    the bracket). The numbers as written, one space after each comma, none before a bracket."""
    from widgets.exercises import _fmt
    assert _fmt(np.array([-0.25, 1.5])) == "[-0.25, 1.5]"
    assert _fmt(np.array([0.125, 10.5, -3.0])) == "[0.125, 10.5, -3.]"
    assert _fmt(np.array([[1.5, -0.25], [2.0, 3.0]])) == "[[1.5, -0.25], [2., 3.]]"
    assert _fmt(np.array([-0.25, 0.375])) == "[-0.25, 0.375]"
