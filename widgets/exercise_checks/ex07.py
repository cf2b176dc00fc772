"""Checks of ex07 · Higher-order gradients (lecture 10).

Each check derives its reference where the notebook cannot see it: task 1 runs the double backward
of the task with the engine of the torch switch; tasks 2 and 3 call the student's function on
functions the notebook never shows, whose Laplacians and Hessians are worked out on paper here
(and compared with PyTorch's in the tests); task 4 builds its own network and data and computes
the penalized loss and its gradients itself. The student's functions are watched while they run:
how often they call f, and how many backward passes reach x.
"""
import contextlib
import inspect
import re
import warnings

import numpy as np

from widgets.exercises import (ExerciseError, Feedback, _compare, _describe, as_array, is_stub, is_tensor,
                               numbers_or_none)

from . import backend, leaf, nn

NO_GRAPH = "does not require grad"           # autograd.grad of a tensor without a graph
FREED = "second time"                        # a backward through a graph already freed


@contextlib.contextmanager
def _quiet_reference_cycle():
    """Silence the warning of backward(create_graph=True) (the reference cycle x.grad -> graph -> x)
    while a check runs it: on stderr, nbgrader would give a right answer's check cell no points."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
        yield


def _written(name, fn):
    """Raise the "not written yet" message for a missing or empty function."""
    if fn is None or not callable(fn):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(fn)}.")
    if is_stub(fn):
        raise ExerciseError(f"{name} is not written yet: write its body in the cell above "
                            "(and return the result).")


# --- task 1: predict x.grad after a double backward ---------------------------------------------

def predict_double_backward(x_grad_first, x_grad_second, w_grad_second):
    """Task 1: y = x**2 * w at x = 3, w = 2; y.backward(create_graph=True), then x.grad.backward():
    x.grad after each backward and w.grad after the second, predicted by hand."""
    x, w = leaf(3.0), leaf(2.0)
    y = x ** 2 * w
    with _quiet_reference_cycle():
        y.backward(create_graph=True)
    first_x, first_w = x.grad.item(), w.grad.item()           # dy/dx = 2xw, dy/dw = x^2
    x.grad.backward()                                          # d(2xw)/dx = 2w, d(2xw)/dw = 2x, added
    second_x, second_w = x.grad.item(), w.grad.item()
    added_x, added_w = second_x - first_x, second_w - first_w
    with Feedback() as fb:
        fb.check("x_grad_first", x_grad_first, first_x, by_hand=True, mistakes=[
            (first_w, "that is dy/dw; x.grad holds dy/dx."),
            (2 * x.item(), "dy/dx of x² w is 2 x w: the factor w stays."),
        ])
        fb.check("x_grad_second", x_grad_second, second_x, by_hand=True, mistakes=[
            (added_x, "that is the second derivative alone; x.grad.backward() adds it to x.grad, which "
                      "still holds the first gradient: PyTorch accumulates both."),
            (first_x, "the second backward changes x.grad too: it adds d(x.grad)/dx to it."),
        ])
        fb.check("w_grad_second", w_grad_second, second_w, by_hand=True, mistakes=[
            (first_w, "the gradient 2 x w depends on w as well: its backward reaches w and adds "
                      "d(2 x w)/dw to w.grad."),
            (added_w, "w.grad already held dy/dw from the first backward; the second backward adds to it."),
        ])


# --- task 2: debug a Laplacian -----------------------------------------------------------------------

def _laplacian_cases():
    """[(f, x, Laplacian of f at x)] for functions the notebook does not show; Laplacians on paper."""
    torch = backend()
    x1, x2, x3 = [0.5, -1.0, 2.0], [0.3, 0.7], [1.0, -0.5, 0.25, 2.0]

    def cubic(x):                           # sum x_i^3 + x_0 x_1: sum of 6 x_i
        return (x ** 3).sum() + x[0] * x[1]

    def bump(x):                            # exp(-|x|^2 / 2): (|x|^2 - n) exp(-|x|^2 / 2)
        return torch.exp(-(x * x).sum() / 2)

    def waves(x):                           # sum sin(x_i) x_i: sum of 2 cos x_i - x_i sin x_i
        return (torch.sin(x) * x).sum()

    a2 = np.array(x2)
    a3 = np.array(x3)
    return [(cubic, x1, 6 * sum(x1)),
            (bump, x2, (a2 @ a2 - a2.size) * np.exp(-(a2 @ a2) / 2)),
            (waves, x3, float(np.sum(2 * np.cos(a3) - a3 * np.sin(a3))))]


def debug_laplacian(laplacian):
    """Task 2: the fixed laplacian(f, x) = sum_i d2f/dx_i2, on three functions the notebook does not show."""
    _written("laplacian", laplacian)
    torch = backend()
    with Feedback() as fb:
        for f, x, want in _laplacian_cases():
            shown = f"laplacian({f.__name__}, {x})"
            ran_on = []                      # whether each call of f got an x that requires grad

            def watched(arg, f=f):
                ran_on.append(bool(getattr(arg, "requires_grad", False)))
                return f(arg)
            watched.__name__ = f.__name__
            try:
                with _quiet_reference_cycle():
                    got = laplacian(watched, torch.tensor(x))
            except RuntimeError as e:
                if NO_GRAPH in str(e) and ran_on and not any(ran_on):
                    # (the first autograd.grad raised, not the loop's: f(x) has no graph at all)
                    fb.fail("a bug remains: f ran on an x that does not require grad, so f(x) has no graph and "
                            "the first autograd.grad raised 'element 0 of tensors does not require grad': keep "
                            "x = x.detach().requires_grad_(True) before calling f.")
                elif NO_GRAPH in str(e):
                    fb.fail("a bug remains: autograd.grad(g[i], x) raised 'element 0 of tensors does not require "
                            "grad': the first gradient g was made without a graph of its own.")
                elif FREED in str(e):
                    fb.fail("a bug remains: the second entry's backward found g's graph freed: each "
                            "autograd.grad frees the graph it went through unless told to keep it.")
                else:
                    fb.fail(f"a bug remains: {shown} raised RuntimeError: {str(e)[:100]}")
                return
            except Exception as e:
                fb.fail(f"a bug remains: {shown} raised {type(e).__name__}: {str(e)[:100]}")
                return
            if got is None:
                fb.fail("laplacian returned None: end it with a return statement.")
                return
            if not fb.check(shown, got, want, atol=1e-4, rtol=1e-4,
                            explain="It should add up the diagonal entries d2f/dx_i2 of the Hessian."):
                return


# --- task 3: a Hessian-vector product ------------------------------------------------------------------

def _hessian_cases(rng):
    """[(name, f, x, v, H at x)] for functions the notebook does not show; Hessians on paper."""
    torch = backend()
    A = rng.normal(size=(4, 4)).round(2)                     # not symmetric: H = A + A^T
    A_t = torch.tensor(A.tolist())

    def quadratic(x):                      # x^T A x
        return x @ (A_t @ x)

    def log_norm(x):                       # log(1 + |x|^2): 2 I / (1 + s) - 4 x x^T / (1 + s)^2
        return torch.log(1 + (x * x).sum())

    def cubic(x):                          # x0 x1^2 + sin(x2) x0
        return x[0] * x[1] ** 2 + torch.sin(x[2]) * x[0]

    cases = []
    x = rng.normal(size=4).round(2)
    cases.append(("quadratic", quadratic, x, A + A.T))
    x = rng.normal(size=5).round(2)
    s = x @ x
    cases.append(("log_norm", log_norm, x, 2 * np.eye(5) / (1 + s) - 4 * np.outer(x, x) / (1 + s) ** 2))
    x = rng.normal(size=3).round(2)
    x0, x1, x2 = x
    cases.append(("cubic", cubic, x, np.array([[0, 2 * x1, np.cos(x2)],
                                              [2 * x1, 2 * x0, 0],
                                              [np.cos(x2), 0, -np.sin(x2) * x0]])))
    return [(name, f, x, rng.normal(size=x.size).round(2), H) for name, f, x, H in cases]


def hvp(hvp):
    """Task 3: hvp(f, x, v) = H v by double backward, on three functions the notebook does not show,
    with one forward pass and at most two backward passes reaching x (never the whole Hessian)."""
    _written("hvp", hvp)
    torch = backend()
    rng = np.random.default_rng(7)
    for name, f, x, v, H in _hessian_cases(rng):
        counts = {"forward": 0, "backward": 0}

        def counted(arg, f=f):
            counts["forward"] += 1
            if getattr(arg, "requires_grad", False):        # a gradient reaching x: one backward pass
                arg.register_hook(lambda grad: counts.update(backward=counts["backward"] + 1))
            return f(arg)

        call = f"hvp({name}, x, v)"
        try:
            with _quiet_reference_cycle():
                got = hvp(counted, torch.tensor(x.tolist()), torch.tensor(v.tolist()))
        except RuntimeError as e:
            if NO_GRAPH in str(e) and counts["backward"] == 0:
                raise ExerciseError(f"{call}: x arrives without requires_grad; make a copy that requires it "
                                    "before calling f.") from None
            if NO_GRAPH in str(e):
                raise ExerciseError(f"{call}: the second backward found no graph behind the gradient: the "
                                    "first one must build it (create_graph=True).") from None
            raise ExerciseError(f"{call} raised RuntimeError: {str(e)[:100]}") from None
        except Exception as e:
            raise ExerciseError(f"{call} raised {type(e).__name__}: {str(e)[:100]}") from None
        if got is None:
            raise ExerciseError("hvp returned None: end it with a return statement.")
        gradient, returned = _gradient(f, x), got
        got = numbers_or_none(got)
        if got is None:                     # (not "should be a number": it is a vector)
            raise ExerciseError(f"hvp should return H v, a tensor of shape ({x.size},) like x; it returned "
                                f"{_describe(returned)}.")
        if got.size == 1 and x.size > 1:
            said = ("that is gradient · v, one number; H v is its gradient with respect to x (one more "
                    "backward)." if np.isclose(float(got.reshape(())), gradient @ v, atol=1e-4, rtol=1e-4)
                    else f"H v has one entry per entry of x, shape ({x.size},).")
            raise ExerciseError(f"{call} = {float(got.reshape(())):g} is not right yet: {said}")
        # (the value first, without its ✓: a right H v from the whole Hessian is not "correct" yet)
        _compare(call, got.reshape(-1) if got.size == x.size else got, H @ v, atol=1e-4,
              rtol=1e-4, explain="H v is the gradient of (gradient · v) with respect to x.", mistakes=[
                  (gradient * v, "that is the gradient times v, entry by entry: differentiate (gradient · v) "
                                 "once more."),
                  (gradient, "that is the gradient of f; H v is the gradient of (gradient · v)."),
                  (H @ np.ones_like(v), "that is H times a vector of ones: take v into the product."),
                  (gradient + H @ v, "that is gradient + H v: x.grad kept the gradient and the second backward "
                                     "added H v to it; torch.autograd.grad leaves x.grad alone (lecture 10's trap)."),
              ])
        if counts["forward"] != 1:
            raise ExerciseError(f"{call} has the right numbers, but called f {counts['forward']} times: one "
                                "forward pass is enough.")
        if counts["backward"] > 2:
            raise ExerciseError(f"{call} has the right numbers, but ran {counts['backward']} backward passes to x: "
                                "it builds the Hessian (a pass per row). Two are enough: the gradient, then the "
                                "gradient of (gradient · v).")
        print(f"✓ {call} is correct")


def _gradient(f, x):
    """The gradient of f at x (a numpy array), computed with the engine."""
    torch = backend()
    t = torch.tensor(x.tolist(), requires_grad=True)
    (g,) = torch.autograd.grad(f(t), t)
    return as_array(g)


# --- task 4: a gradient penalty ---------------------------------------------------------------------------

def _penalty_problem():
    """A 3 -> 8 -> 1 tanh network and a batch of 6, made here (not in the notebook)."""
    torch, layers = backend(), nn()
    torch.manual_seed(7)
    model = layers.Sequential(layers.Linear(3, 8), layers.Tanh(), layers.Linear(8, 1))
    rng = np.random.default_rng(8)
    x = torch.tensor(rng.normal(size=(6, 3)).round(2).tolist())
    y = torch.tensor(rng.normal(size=(6, 1)).round(2).tolist())
    return model, x, y


def _reference(model, x, y, lam, penalty_of):
    """(value, [grad of each parameter]) of mse + lam * penalty_of(dmse/dx), computed here."""
    torch = backend()
    inputs = x.clone().requires_grad_(True)
    mse = ((model(inputs) - y) ** 2).mean()
    (dx,) = torch.autograd.grad(mse, inputs, create_graph=True)
    total = mse + lam * penalty_of(dx)
    grads = torch.autograd.grad(total, list(model.parameters()))
    return total.item(), [as_array(g) for g in grads]


def _cut_off_penalty(penalized_loss):
    """Why the penalty is a constant to backward: its dL/dx has no graph. A student who wrote
    create_graph=True cut it off later (detach, .data, .item()); one who did not is told to write it."""
    try:
        source = inspect.getsource(penalized_loss)
    except (OSError, TypeError):               # no source to read: name both ways of losing the graph
        source = ""
    if re.search(r"create_graph\s*=\s*True", source):
        return ("you made dL/dx with create_graph=True, but a .detach(), .data or .item() on the way cuts the "
                "penalty off from that graph.")
    if source:
        return "the penalty's dL/dx needs a graph of its own (create_graph=True)."
    return ("the penalty's dL/dx needs a graph of its own: made with create_graph=True, and not cut off later "
            "(.detach(), .data, .item()).")


def gradient_penalty(penalized_loss):
    """Task 4: penalized_loss(model, x, y, lam) = mse + lam * ||d mse/dx||^2, whose backward gives the
    weights the penalty's share of the gradient (a second derivative), on a network made here."""
    _written("penalized_loss", penalized_loss)
    torch = backend()
    lam = 10.0                         # the penalty's share well above float32 rounding
    model, x, y = _penalty_problem()
    params = list(model.parameters())
    value, grads = _reference(model, x, y, lam, lambda d: (d ** 2).sum())
    _, grads_mse = _reference(model, x, y, 0.0, lambda d: (d ** 2).sum())
    wrong_values = [
        (_reference(model, x, y, lam, lambda d: (d ** 2).mean())[0],
         "that penalty is the mean of the squares; the task asks for their sum, ||dL/dx||²."),
        (_reference(model, x, y, lam, lambda d: (d ** 2).sum().sqrt())[0],
         "that penalty is the norm ||dL/dx||; the task asks for its square."),
        (_reference(model, x, y, 0.0, lambda d: d.sum())[0], "the penalty is missing from the loss."),
    ]
    call = f"penalized_loss(model, x, y, lam={lam:g})"
    for p in params:
        p.grad = None
    try:
        with _quiet_reference_cycle():
            got = penalized_loss(model, x, y, lam)
    except RuntimeError as e:
        if NO_GRAPH in str(e):
            raise ExerciseError(f"{call}: x arrives without requires_grad, so there is no dL/dx; make a copy "
                                "of x that requires grad and run the model on it.") from None
        raise ExerciseError(f"{call} raised RuntimeError: {str(e)[:100]}") from None
    except Exception as e:
        raise ExerciseError(f"{call} raised {type(e).__name__}: {str(e)[:100]}") from None
    if got is None:
        raise ExerciseError("penalized_loss returned None: end it with a return statement.")
    filled_before = any(p.grad is not None for p in params)     # a backward inside: .grad accumulates
    if not is_tensor(got) or got.numel() != 1:
        raise ExerciseError(f"penalized_loss should return the loss as a one-number tensor (to call backward "
                            f"on); it returned {_describe(got)}.")
    with Feedback() as fb:
        if not fb.check(f"the value of {call}", got.item(), value, atol=1e-6, rtol=1e-5, mistakes=wrong_values,
                        explain="It should be the mean squared error plus lam times the sum of the squares of "
                                "d(mse)/dx."):
            return
        if got.grad_fn is None:
            fb.fail("the loss has no grad_fn: compute it from the model's output, so backward reaches the weights.")
            return
        try:
            got.backward()
        except RuntimeError as e:
            if FREED in str(e):
                fb.fail("backward on your loss found the mse's graph freed: the autograd.grad that made dL/dx "
                        "freed it. Keep it (and give dL/dx a graph of its own).")
                return
            raise ExerciseError(f"backward on your loss raised RuntimeError: {str(e)[:100]}") from None
        got_grads = [np.zeros(p.shape) if p.grad is None else as_array(p.grad) for p in params]
        if all(np.allclose(g, m, atol=1e-6, rtol=1e-4) for g, m in zip(got_grads, grads_mse)):
            fb.fail("the value is right, but the penalty does not reach the weights (they get only the mse's "
                    "gradient): " + _cut_off_penalty(penalized_loss))
            return
        right = all(np.allclose(g, w, atol=1e-6, rtol=1e-4) for g, w in zip(got_grads, grads))
        if filled_before and not right:
            twice = all(np.allclose(g, w + m, atol=1e-6, rtol=1e-4) for g, w, m in zip(got_grads, grads, grads_mse))
            fb.fail("the weights' .grad already held " + ("the mse's gradient" if twice else "a gradient")
                    + " when penalized_loss returned (a backward inside it): backward on your loss adds to it. "
                    "Take dL/dx with torch.autograd.grad, which leaves .grad alone (lecture 10, the trap).")
            return
        names = [name for name, _ in model.named_parameters()]
        for name, g, want in zip(names, got_grads, grads):
            if not fb.check(f"the gradient of {name}", g, want, atol=1e-6, rtol=1e-4,
                            explain="Backward on your loss should give each weight the gradient of the whole "
                                    "penalized loss."):
                return
