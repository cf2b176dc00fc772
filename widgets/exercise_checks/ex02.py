"""Checks of ex02 · backward() in depth (lecture 03)."""
import numpy as np

from widgets.exercises import ExerciseError, Feedback

from . import backend, leaf


def _example_a(w_value=1.0, x_value=2.0):
    w, x = leaf(w_value), leaf(x_value)
    return w, x, (w + x) * (w + 1)


def accumulation(w_grad_after_three, x_grad_after_three, second_backward_raises):
    """Task 1: .grad after three backward(retain_graph=True) calls through Example A, and whether a
    second backward() without retain_graph raises."""
    w, x, y = _example_a()
    for _ in range(3):
        y.backward(retain_graph=True)
    w_once, x_once = w.grad.item() / 3, x.grad.item() / 3
    w2, x2, y2 = _example_a()
    y2.backward()
    try:
        y2.backward()
        raises = False
    except RuntimeError:
        raises = True
    with Feedback() as fb:
        fb.check("w_grad_after_three", w_grad_after_three, w.grad.item(), by_hand=True, mistakes=[
            (w_once, "that is one backward's w.grad; backward() adds into .grad, it does not overwrite it.")])
        fb.check("x_grad_after_three", x_grad_after_three, x.grad.item(), by_hand=True, mistakes=[
            (x_once, "that is one backward's x.grad; backward() adds into .grad, it does not overwrite it.")])
        fb.check("second_backward_raises", second_backward_raises, raises, mistakes=[
            (False, "the first backward() frees the tensors the graph saved for it (MulBackward0 keeps a and "
                    "b) unless retain_graph=True; a second backward through them has nothing to use.")])


def vjp_by_hand(x_grad):
    """Task 2: x.grad after y.backward(gradient=v) for y = (x0·x1, x0 + 3·x1), x = (2, 5), v = (1, 2)."""
    torch = backend()
    x = leaf([2.0, 5.0])
    y = torch.stack([x[0] * x[1], x[0] + 3 * x[1]])
    v = np.array([1.0, 2.0])
    jacobian = np.array([[5.0, 2.0], [1.0, 3.0]])       # rows: y0, y1; columns: x0, x1 (at x = (2, 5))
    y.backward(gradient=torch.tensor(v.tolist()))
    with Feedback() as fb:
        fb.check("x_grad", x_grad, x.grad.tolist(), by_hand=True, mistakes=[
            (jacobian @ v, "that is J v; backward computes J^T v (weight the rows of J by v, then add them)."),
            (jacobian.T @ np.ones(2), "that uses v = [1, 1]; the gradient argument is [1, 2]."),
            (jacobian[0] * v[0], "that is y0's part alone; y1 = x0 + 3·x1 depends on x too."),
            (jacobian[1] * v[1], "that is y1's part alone; y0 = x0·x1 depends on x too.")])


def saturation(small_factor, dh_dw):
    """Task 3: which factor of dh/dw = dh/dz · dz/dw makes it tiny at w = 4.5, x = 1 (h = tanh(w x)),
    and dh_dw(w, x) written with math alone, checked against autograd with autograd switched off."""
    torch = backend()
    choices = ("dh/dz", "dz/dw")
    with Feedback() as fb:
        written = small_factor.replace(" ", "").lower() if isinstance(small_factor, str) else None
        if small_factor is None:
            # (not "the cell above": that is dh_dw's; small_factor has a cell of its own before it)
            fb.fail("small_factor is not filled in yet: replace the None in `small_factor = None` above "
                    "with your answer (and run that cell).")
        elif written not in choices:
            fb.fail(f"small_factor should be one of the strings 'dh/dz' or 'dz/dw'; you gave "
                    f"{small_factor!r}.")
        elif written == "dz/dw":
            fb.fail("small_factor = 'dz/dw' is not right yet: z = w·x, so dz/dw = x = 1 here; nothing small "
                    "about it. Look at the other factor.")
        else:
            w = leaf(4.5)
            torch.tanh(w * 1.0).backward()
            fb.passed(f"small_factor is correct: tanh'(z) = 1 - tanh(z)² is {w.grad.item():.4f} at z = 4.5, "
                      "where tanh is flat (saturated): almost no gradient gets through")

        def reference(w_value, x_value):
            w = torch.tensor(w_value, dtype=torch.float64, requires_grad=True)
            torch.tanh(w * x_value).backward()
            return w.grad.item()

        rng = np.random.default_rng(14)
        cases = [(4.5, 1.0), (1.5, 3.0), (0.0, 2.0)] + [
            (float(w), float(x)) for w, x in np.round(rng.uniform(-2, 2, size=(4, 2)), 2)]
        fb.check_function("dh_dw", dh_dw, cases, reference, atol=1e-7, rtol=1e-6, no_autograd=True,
                          returns="float", explain="dh/dw = dh/dz · dz/dw with z = w·x and h = tanh(z).",
                          mistakes=[
            (lambda w, x: 1 - np.tanh(w * x) ** 2, "that is dh/dz alone; multiply by dz/dw (z = w·x)."),
            (lambda w, x: w * (1 - np.tanh(w * x) ** 2), "that is dh/dx; for dh/dw the factor is dz/dw = x."),
            (lambda w, x: x * (1 - np.tanh(w * x)), "the derivative of tanh is 1 - tanh(z)² (squared)."),
            (lambda w, x: x * np.tanh(w * x) ** 2, "the derivative of tanh is 1 - tanh(z)², not tanh(z)².")])


def _mul_sin_autograd(grad_out, a, b):
    """(dL/da, dL/db) for out = a · sin(b), by the engine, in float64."""
    torch = backend()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (ta * torch.sin(tb)).backward(torch.tensor(grad_out, dtype=torch.float64))
    return np.asarray(ta.grad.numpy()), np.asarray(tb.grad.numpy())


def backward_rule(mul_sin_backward):
    """Task 4: the backward of out = a · sin(b), with numpy, against autograd on random inputs of
    several shapes (never shown in the notebook); autograd is off while the student's rule runs."""
    rng = np.random.default_rng(3)
    cases = []
    for shape in [(), (3,), (2, 3), (4, 1, 2)]:
        a, b, g = (rng.normal(size=shape) for _ in range(3))
        cases.append((g, a, b))

    def show(args):
        return f"grad_out, a, b of shape {np.shape(args[1])}"

    with Feedback() as fb:
        fb.check_function("mul_sin_backward", mul_sin_backward, cases, _mul_sin_autograd, atol=1e-9, rtol=1e-7,
                          no_autograd=True, show_case=show,
                          explain="dL/da = grad_out · dout/da, and the same for b; out = a · sin(b).",
                          mistakes=[
            (lambda g, a, b: (np.sin(b), a * np.cos(b)),
             "those are the local derivatives dout/da and dout/db; the chain rule multiplies each by grad_out."),
            (lambda g, a, b: (g * a * np.cos(b), g * np.sin(b)),
             "the two gradients are swapped: return them in the order of the inputs, (dL/da, dL/db)."),
            (lambda g, a, b: (g * np.sin(b), -g * a * np.cos(b)), "the derivative of sin is cos, without a minus."),
            (lambda g, a, b: (g * np.sin(b), g * np.cos(b)), "dL/db needs the factor a as well: out = a · sin(b).")])
        if fb.ok:
            print("  (a backward rule is a vector-Jacobian product: here the Jacobian is diagonal)")
