"""Checks of ex01 · Graphs, leaves and grad_fn (lectures 01 and 02)."""
import warnings

from widgets.exercises import ExerciseError, Feedback, _describe, is_stub, is_tensor, returns_nothing

from . import backend, leaf


def example_b_by_hand(m_grad, n_grad):
    """Task 1: dy/dm and dy/dn of Example B (m = 2, n = 3, y = (m + n)(m - n)), written as numbers."""
    m, n = leaf(2.0), leaf(3.0)
    a, b = m + n, m - n
    (a * b).backward()
    through_a, through_b = b.item(), a.item()          # dy/da * da/dm and dy/db * db/dm
    with Feedback() as fb:
        fb.check("m_grad", m_grad, m.grad.item(), by_hand=True, mistakes=[
            (through_a, "that is the path through a alone (dy/da · da/dm); m reaches y through b as well."),
            (through_b, "that is the path through b alone (dy/db · db/dm); m reaches y through a as well.")])
        fb.check("n_grad", n_grad, n.grad.item(), by_hand=True, mistakes=[
            (through_a, "that is the path through a alone (dy/da · da/dn); n reaches y through b as well."),
            (-through_b, "that is the path through b alone (dy/db · db/dn); n reaches y through a as well."),
            (through_a + through_b, "b = m - n decreases when n grows: db/dn is -1, not 1."),
            (-n.grad.item(), "check the sign of each path: dy/da = b is negative here, and db/dn = -1.")])


def predict_gradients(z_grads):
    """Task 2: [dz/da, dz/db, dz/dc] for z = a·b + b·c at a, b, c = 2, 3, 4, as numbers."""
    a, b, c = leaf(2.0), leaf(3.0), leaf(4.0)
    (a * b + b * c).backward()
    values = [a.item(), b.item(), c.item()]
    a_only, c_only = [b.item(), a.item(), b.item()], [b.item(), c.item(), b.item()]
    with Feedback() as fb:
        fb.check("z_grads", z_grads, [a.grad.item(), b.grad.item(), c.grad.item()], by_hand=True, mistakes=[
            (a_only, "b is used twice; its two contributions (one from a·b, one from b·c) add up."),
            (c_only, "b is used twice; its two contributions (one from a·b, one from b·c) add up."),
            (values, "those are the inputs' values: the gradient of a product with respect to one factor "
                     "is the other factor.")])


def leaves_and_grad_fn(leaf_flags, y_grad_fn_name):
    """Task 3: is_leaf of [w, x, a, b, y] in Example A, and the name y.grad_fn.name() returns."""
    w, x = leaf(1.0), leaf(2.0)
    a = w + x
    b = w + 1
    y = a * b
    with Feedback() as fb:
        fb.check("leaf_flags", leaf_flags, [t.is_leaf for t in (w, x, a, b, y)], mistakes=[
            ([True, True, False, False, True], "y was computed by an operation, so it is not a leaf: it is "
                                               "the root of the graph."),
            ([True, True, False, True, False], "b = w + 1 was computed by an operation (adding a constant "
                                               "is recorded too), so b is not a leaf."),
            ([False, False, True, True, True], "the other way round: a leaf is a tensor you created, not one "
                                               "an operation produced."),
            ([True] * 5, "requires_grad does not make a leaf; what matters is whether an operation produced "
                         "the tensor.")])
        _grad_fn_name(fb, y_grad_fn_name, y.grad_fn.name())


def _grad_fn_name(fb, answer, expected):
    name = "y_grad_fn_name"
    if answer is None:
        fb.missing.append(name)
    elif hasattr(answer, "name") and hasattr(answer, "next_functions"):
        fb.fail(f"{name} is the grad_fn object itself; write the string its .name() returns (in quotes).")
    elif not isinstance(answer, str):
        fb.fail(f"{name} should be a string (in quotes); you gave {_describe(answer)}.")
    elif answer == expected:
        fb.passed(f"{name} is correct")
    elif answer.strip() == expected:
        fb.fail(f"{name} = {answer!r} has spaces around the name; write the name alone.")
    elif answer.rstrip("0123456789") == expected.rstrip("0123456789") and answer != expected:
        fb.fail(f"{name} = {answer!r} is close: the names end in the number of the op's backward "
                "formula, as the lecture's printouts show.")
    elif answer.startswith("Add"):
        fb.fail(f"{name} = {answer!r} is not right yet: y = a * b, and grad_fn names the operation that "
                "made y itself, not its inputs.")
    else:
        fb.fail(f"{name} = {answer!r} is not right yet: a grad_fn's name is the operation's name, "
                "'Backward' and a number, e.g. 'SubBackward0'.")


def _first_uses(fn, *names):
    """{name: position of its first use in fn's bytecode} for the attribute names given that fn's
    own code uses (straight-line code: the order they run in)."""
    import dis
    found = {}
    code = getattr(fn, "__code__", None)
    if code is None:
        return found
    for k, instruction in enumerate(dis.get_instructions(code)):
        if instruction.argval in names and instruction.argval not in found:
            found[instruction.argval] = k
    return found


def keep_interior_gradient(grad_of_b):
    """Task 4: grad_of_b(w, x) builds Example A from the leaves w and x, keeps b's gradient through
    y.backward() and returns b.grad (dy/db = a = w + x), on leaves the notebook never shows."""
    name = "grad_of_b"
    if grad_of_b is None or not callable(grad_of_b):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(grad_of_b)}.")
    if is_stub(grad_of_b):
        raise ExerciseError(f"{name} is not written yet: write its body in the cell above (and return b.grad).")
    for wv, xv in [(1.0, 2.0), (-0.5, 3.0), (2.5, -1.25)]:
        w, x = leaf(wv), leaf(xv)
        call = f"{name}(w={wv:g}, x={xv:g})"
        try:
            with warnings.catch_warnings():
                # the engine's warning for b.grad on a non-leaf says in a paragraph what the message
                # below says in a line
                warnings.filterwarnings("ignore", "The .grad attribute of a Tensor that is not a leaf")
                got = grad_of_b(w, x)
        except Exception as e:
            raise ExerciseError(f"{call} raised {type(e).__name__}: {e}") from None
        ran_backward = w.grad is not None or x.grad is not None
        if got is None:
            if returns_nothing(grad_of_b):
                raise ExerciseError(f"{call} returned None: {name} has no return statement; end it with "
                                    "return b.grad.")
            if not ran_backward:
                raise ExerciseError(f"{call} returned None and w.grad is still None: build y from the w and x "
                                    "you are given, call y.backward(), then return b.grad.")
            # (a function that asks for the gradient to be kept is not told to ask: when it asks, or
            # what it returns, is what is wrong)
            uses = _first_uses(grad_of_b, "retain_grad", "backward")
            if "retain_grad" in uses and uses["retain_grad"] > uses.get("backward", -1) >= 0:
                raise ExerciseError(f"{call} returned None: retain_grad() comes after y.backward(), which has "
                                    "already freed the gradient of b, an interior node, by then; ask for it "
                                    "before y.backward().")
            if "retain_grad" in uses:
                raise ExerciseError(f"{call} returned None although it calls retain_grad() before y.backward(): "
                                    "check that it is b's, and that the function returns b.grad.")
            raise ExerciseError(f"{call} returned None: b.grad is None because b = w + 1 is an interior node "
                                "(not a leaf), and backward() frees interior gradients unless b.retain_grad() "
                                "was called before y.backward().")
        if not ran_backward:
            raise ExerciseError(f"{call}: w.grad is still None after it ran: build the graph from the leaves "
                                "w and x given as arguments (not new ones) and call y.backward().")
        a_value, b_value = wv + xv, wv + 1
        value = got.detach().item() if is_tensor(got) and got.numel() == 1 else got
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ExerciseError(f"{call} should return b.grad (a tensor); it returned {_describe(got)}.") from None
        if abs(value - a_value) <= 1e-5:
            continue
        if abs(value - b_value) <= 1e-5:
            raise ExerciseError(f"{call} = {value:g} is b's value, not its gradient: return b.grad.")
        if abs(value - (a_value + b_value)) <= 1e-5:
            raise ExerciseError(f"{call} = {value:g} is w.grad; return b.grad, dy/db.")
        raise ExerciseError(f"{call} = {value:g} is not dy/db: with y = a * b, dy/db is a's value.")
    print(f"✓ {name} passes all 3 cases")
