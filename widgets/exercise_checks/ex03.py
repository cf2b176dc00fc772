"""Checks of ex03 · Control flow, .data and .detach() (lectures 04 and 05)."""
import sys
import warnings

import numpy as np

from widgets.exercises import ExerciseError, Feedback, _describe, is_stub, is_tensor

from . import backend, leaf

# (a, b) for the branch tasks: both branches, and a = 0, where "a is positive" is False
BRANCH_CASES = [(1.5, 2.0), (-1.0, 3.0), (0.0, 2.5), (0.25, -4.0)]


def _branch_reference(a_value, b_value):
    """[y, dy/da, dy/db] for y = x², x = a·b if a > 0 else a + b, by the dynamic engine."""
    a, b = leaf(a_value), leaf(b_value)
    x = a * b if a_value > 0 else a + b
    y = x * x
    y.backward()
    return [y.item(), a.grad.item(), b.grad.item()]


def _other_branch(a_value, b_value):
    """What the branch not taken would give: the result of `a >= 0` at a = 0."""
    x = a_value + b_value if a_value > 0 else a_value * b_value
    return [x * x, 2 * x * (1.0 if a_value > 0 else b_value), 2 * x * (1.0 if a_value > 0 else a_value)]


def control_flow(branchy):
    """Task 1: branchy(a, b) with a Python if on a.item(); its values and gradients at BRANCH_CASES."""
    name = "branchy"
    if branchy is None or not callable(branchy):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(branchy)}.")
    if is_stub(branchy):
        raise ExerciseError(f"{name} is not written yet: write its body in the cell above (and return x * x).")
    for a_value, b_value in BRANCH_CASES:
        call = f"{name}({a_value:g}, {b_value:g})"
        a, b = leaf(a_value), leaf(b_value)
        try:
            y = branchy(a, b)
        except Exception as e:
            raise ExerciseError(f"{call} raised {type(e).__name__}: {e}") from None
        if y is None:
            raise ExerciseError(f"{call} returned None: end {name} with a return statement.")
        if not is_tensor(y):
            raise ExerciseError(f"{call} returned {_describe(y)}; return the tensor x * x, so that backward "
                                "can run through it.")
        want = _branch_reference(a_value, b_value)
        if abs(y.item() - want[0]) > 1e-4 * max(1.0, abs(want[0])):
            if abs(y.item() - _other_branch(a_value, b_value)[0]) <= 1e-4 * max(1.0, abs(want[0])):
                if a_value == 0:
                    raise ExerciseError(f"{call} = {y.item():g} took the a * b branch, but a = 0 is not "
                                        "positive: it belongs to the else branch (compare with > 0, not >= 0).")
                raise ExerciseError(f"{call} = {y.item():g} took the wrong branch: a = {a_value:g} is "
                                    f"{'positive' if a_value > 0 else 'not positive'}.")
            raise ExerciseError(f"{call} = {y.item():g} is not right yet: y = x * x, with x = a * b when a > 0 "
                                "and x = a + b otherwise.")
        if not y.requires_grad:
            raise ExerciseError(f"{call} gives a tensor outside the graph (requires_grad=False): use the "
                                "tensors a and b in the arithmetic, and .item() only in the if.")
        try:
            y.backward()
        except RuntimeError as e:
            if "second time" not in str(e):
                raise ExerciseError(f"{call}.backward() raised RuntimeError: {e}") from None
            # the student's function ran backward through x * x itself: the saved values are gone
            raise ExerciseError(f"{call}.backward() failed: {name} already ran backward() through its result, "
                                "which frees the graph's saved values. Return x * x without calling backward(): "
                                "the check runs it.") from None
        for leaf_name, t, expected in (("a", a, want[1]), ("b", b, want[2])):
            if t.grad is None:
                raise ExerciseError(f"after {call}.backward(), {leaf_name}.grad is None: the result does not "
                                    f"depend on {leaf_name} through the graph. {leaf_name}.item() is a plain "
                                    f"number, {leaf_name}.detach() and {leaf_name}.data are tensors outside the "
                                    "graph, and a torch.tensor(...) made from them is a new leaf: compute x from "
                                    f"{leaf_name} itself, and use .item() only in the if.")
            if abs(t.grad.item() - expected) > 1e-4 * max(1.0, abs(expected)):
                raise ExerciseError(f"after {call}.backward(), {leaf_name}.grad = {t.grad.item():g} is not "
                                    "right yet: the value is right, so look at what the graph records.")
    print(f"✓ {name} passes all {len(BRANCH_CASES)} cases (values and gradients)")


def _backward_raises(make_alias):
    """Does backward raise after zeroing exp's saved output in place through make_alias(out)?"""
    x = leaf([1.0, 2.0])
    out = x.exp()
    make_alias(out).zero_()
    try:
        out.sum().backward()
    except RuntimeError:
        return True
    return False


def data_or_detach(data_raises, detach_raises):
    """Task 2: whether backward raises after an in-place change through .data and through .detach()."""
    with Feedback() as fb:
        fb.check("data_raises", data_raises, _backward_raises(lambda t: t.data), mistakes=[
            (True, "changes through .data are invisible to autograd: they do not bump the version counter, "
                   "so backward has nothing to notice.")])
        fb.check("detach_raises", detach_raises, _backward_raises(lambda t: t.detach()), mistakes=[
            (False, "detach() shares the version counter with out, so the in-place change is seen.")])


def stop_gradient(x_grad_z, x_grad_y):
    """Task 3 (d2l's detach example): x = [0, 1, 2, 3], y = x·x, u = y.detach(), z = u·x; x.grad after
    z.sum().backward(), then after x.grad.zero_() and y.sum().backward(); written as numbers."""
    torch = backend()
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    after_z = x.grad.tolist()
    x.grad.zero_()
    y.sum().backward()
    after_y = x.grad.tolist()
    xs = np.arange(4.0)
    with Feedback() as fb:
        fb.check("x_grad_z", x_grad_z, after_z, by_hand=True, mistakes=[
            (3 * xs ** 2, "that is d(x³)/dx: it treats u as x·x, but u = y.detach() is a constant for backward."),
            (2 * xs, "that is dy/dx; z = u·x, and backward does not go through u."),
            (xs * 0, "detach() stops the gradient through u, not through the other factor x.")])
        fb.check("x_grad_y", x_grad_y, after_y, by_hand=True, mistakes=[
            (xs ** 2 + 2 * xs, "x.grad was zeroed before y.sum().backward(), so nothing is left to add to."),
            (xs * 0, "detach() made a new tensor u; y itself keeps its graph (y = x·x)."),
            (xs ** 2, "that is z's gradient again; y = x·x.")])


# --- task 4: debugging a loss report -------------------------------------------------------------------

def _graph_size(value):
    """Number of backward nodes reachable from a tensor's grad_fn, or from those of the tensors in a
    list or tuple (0 for anything outside a graph)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    seen, todo = set(), [getattr(t, "grad_fn", None) for t in items if is_tensor(t)]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        todo.extend(f for f, _ in fn.next_functions)
    return len(seen)


def graphs_kept_alive(local_vars, one_batch):
    """{name: graph size} of the local variables whose graph spans several batches: more than twice
    the nodes of one batch's loss graph (twice: room for a loss written with a few more ops)."""
    sizes = {var: _graph_size(value) for var, value in local_vars.items()}
    return {var: size for var, size in sizes.items() if size > 2 * one_batch}


def call_watching_locals(fn, *args, warned=None):
    """(result or None, exception or None, fn's local variables when it returned or raised). The warnings
    fn raises go into the list `warned` (their messages) instead of stderr, where nbgrader would give a right
    answer's check cell no points."""
    seen = {}

    def profile(frame, event, arg):
        if event == "return" and frame.f_code is fn.__code__:
            seen.clear()
            seen.update(frame.f_locals)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args)
    except Exception as e:       # the student's code: any error is feedback
        return None, e, seen
    finally:
        sys.setprofile(previous)
    if warned is not None:
        warned.extend(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    return result, None, seen


# The warning of float(t) / int(t) on a tensor that requires grad (PyTorch's words, autograd_core's too).
TO_SCALAR = "Converting a tensor with requires_grad=True to a scalar"


def _loss_batches(rng, count):
    torch = backend()
    batches = []
    for _ in range(count):
        n = int(rng.integers(2, 6))
        xb = rng.normal(size=n).round(2)
        batches.append((torch.tensor(xb.tolist()), torch.tensor((2 * xb + rng.normal(size=n)).round(2).tolist())))
    return batches


def debug_mean_loss(mean_loss):
    """Task 4: the fixed mean_loss runs, keeps no batch's graph alive while it sums (its locals are
    inspected when it returns), returns a number without a graph, and has the right value."""
    name = "mean_loss"
    if mean_loss is None or not callable(mean_loss):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(mean_loss)}.")
    rng = np.random.default_rng(5)
    w = leaf(1.5)
    batches = _loss_batches(rng, 4)
    one_graph = _graph_size(((w * batches[0][0] - batches[0][1]) ** 2).mean())
    want = sum(((w * xb - yb) ** 2).mean().item() for xb, yb in batches) / len(batches)
    warned = []
    result, error, local_vars = call_watching_locals(mean_loss, w, batches, warned=warned)
    with Feedback() as fb:
        if error is not None:
            fb.fail(f"a bug remains: {name} raised {type(error).__name__}: {error}")
        big = graphs_kept_alive(local_vars, one_graph)
        for var, size in sorted(big.items()):
            fb.fail(f"a bug remains: after 4 batches, {var} holds a graph of {size} nodes (one batch's loss has "
                    f"{one_graph}): every batch's graph is kept alive. Keep only the number of each loss.")
        if error is not None:
            return
        if result is None:
            fb.fail(f"{name} returned None: end it with a return statement.")
        elif is_tensor(result) and result.grad_fn is not None:
            if not big:
                fb.fail(f"a bug remains: {name} returns a tensor in a graph (grad_fn={result.grad_fn.name()}): "
                        "the report should be a number without a graph.")
        elif is_tensor(result):
            # .detach() dropped the graphs, which fixes the memory bug; but a report is read by
            # people and by code that wants a float (print shows tensor(...), json.dumps refuses it)
            if not big:
                fb.fail(f"{name} returns a tensor (without a graph, so no batch's graph is kept), not the plain "
                        "number its docstring promises: print shows tensor(...) and json.dumps refuses it. "
                        ".item() reads a one-element tensor's number (lecture 05).")
        elif fb.check(f"{name} on 4 batches", result, want, rtol=1e-4,
                      explain="It should be the mean of the batches' mean squared errors.") and not big:
            fb.passed(f"{name} keeps no batch's graph alive and returns a plain number")
        for message in warned:       # (on stdout: a warning on stderr would cost a right answer its points)
            if message.startswith(TO_SCALAR):
                print("  (float(loss) works, but PyTorch warns that it converts a tensor that requires grad: "
                      "loss.item() reads the number without a warning)")
            else:
                print(f"  ({name} warned: {message})")


# --- task 5: the branch as a static graph ------------------------------------------------------------

def _has_cond(y):
    """Whether the graph behind static tensor y holds a tf.cond (its Merge node)."""
    seen, todo = set(), [y]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.op == "Merge":
            return True
        todo.extend(node.inputs)
    return False


def static_branch(y, a, b):
    """Task 5: y = x·x with x = tf.cond(a > 0, a·b, a + b) in a define-then-run graph over the
    placeholders a and b: its value and gradients, run in a session, against the dynamic engine."""
    import autograd_core.static as tf
    if y is None:
        raise ExerciseError("y is not filled in yet: build the graph for y in the cell above (y is still None).")
    if not isinstance(y, tf.Tensor):
        raise ExerciseError(f"y should be a node of the static graph (built from a and b with tf ops); you gave "
                            f"{_describe(y)}.")
    if getattr(y, "graph", None) is not getattr(a, "graph", None):
        # (the cell that resets the graph and makes a and b ran again after the answer cell)
        raise ExerciseError("y belongs to an earlier graph than the placeholders a and b: the cell above "
                            "(tf.reset_default_graph() and the placeholders) ran again after your answer cell. "
                            "Run your answer cell again, then this check.")
    try:
        da, db = tf.gradients(y, [a, b])
    except Exception as e:
        raise ExerciseError(f"tf.gradients(y, [a, b]) raised {type(e).__name__}: {e}") from None
    if da is None or db is None:
        missing = " and ".join(n for n, g in (("a", da), ("b", db)) if g is None)
        raise ExerciseError(f"y does not depend on {missing} in the graph: build it from the placeholders a and b.")
    with Feedback() as fb, tf.Session() as sess:
        results = {}
        for a_value, b_value in BRANCH_CASES:
            try:
                results[a_value, b_value] = [float(v) for v in sess.run([y, da, db], feed_dict={a: a_value, b: b_value})]
            except Exception as e:
                results[a_value, b_value] = e
        # the branches swapped: every nonzero a takes the other branch, and so does a = 0 (a > 0 is right there)
        swapped = all(not isinstance(got, Exception) and a_value != 0
                      and np.allclose(got, _other_branch(a_value, b_value), rtol=1e-4, atol=1e-5)
                      for (a_value, b_value), got in results.items() if a_value != 0)
        wrong = [k for k, got in results.items() if isinstance(got, Exception) or
                 not np.allclose(got, _branch_reference(*k), rtol=1e-4, atol=1e-5)]
        if wrong and not _has_cond(y):
            # (one branch for every a: a Python if decided it while the graph was built, with no value)
            fb.fail("y's graph has no tf.cond, so it computes the same branch whatever a is (a Python if, "
                    "or one branch alone, is decided once, while the graph is built): choose the branch with "
                    "tf.cond, a node that decides each time the graph runs.")
            return
        for a_value, b_value in BRANCH_CASES:
            label = f"[y, dy/da, dy/db] at a={a_value:g}, b={b_value:g}"
            got = results[a_value, b_value]
            if isinstance(got, Exception):
                fb.fail(f"running the graph at a={a_value:g}, b={b_value:g} raised {type(got).__name__}: "
                        f"{str(got).splitlines()[0]}")
                continue
            want = _branch_reference(a_value, b_value)
            if np.allclose(got, want, rtol=1e-4, atol=1e-5):
                continue
            if np.allclose(got, _other_branch(a_value, b_value), rtol=1e-4, atol=1e-5):
                if a_value == 0 and swapped:
                    fb.fail(f"{label}: the graph took the a * b branch, the false branch of a > 0 "
                            "(are the two functions of tf.cond in the order true, false?).")
                elif a_value == 0:
                    fb.fail(f"{label}: the graph took the a * b branch, but a = 0 is not positive: the "
                            "predicate should be False there (a > 0, not a >= 0).")
                else:
                    fb.fail(f"{label}: the graph took the wrong branch (are the two functions of tf.cond in "
                            "the order true, false?).")
            else:
                fb.fail(f"{label} = {np.round(got, 4).tolist()} is not right yet: check both branches of "
                        "tf.cond and that y = x * x.")
        if fb.ok:
            fb.passed(f"y, dy/da and dy/db agree with the dynamic engine at all {len(BRANCH_CASES)} points")
