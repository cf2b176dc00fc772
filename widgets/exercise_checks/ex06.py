"""Checks of ex06 · Forward and reverse mode (lecture 09).

Each check builds its own graphs with the engine of the torch switch and derives its reference
there: the paths of task 1 from the graph's forward values, the Jacobians of tasks 3 and 5 from
functions differentiated on paper (and compared with the engine's in the tests), the bytes of task
6 by walking the `_saved_*` tensors of a network it builds. The student's functions are called on
functions the notebook never shows, and their forward and backward passes are counted.
"""
import numpy as np

from widgets.exercises import (ExerciseError, Feedback, _compare, _describe, _fmt, _numeric, as_array,
                               decimal_commas_in_list, is_stub, is_tensor, numbers_or_none)

from . import backend, leaf, nn


def _contains_tensor(x):
    return is_tensor(x) or (isinstance(x, (list, tuple)) and any(_contains_tensor(v) for v in x))


def _written(name, fn):
    """Raise the "not written yet" message for a missing or empty function."""
    if fn is None or not callable(fn):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(fn)}.")
    if is_stub(fn):
        raise ExerciseError(f"{name} is not written yet: write its body in the cell above "
                            "(and return the result).")


# --- task 1: the sum over paths --------------------------------------------------------------------

def _paths_to(edges, node, target):
    """[(path text, product of the local derivatives along it)] for every path from node to target."""
    if node == target:
        return [(target, 1.0)]
    return [(f"{node} → {path}", d * product)
            for (tail, head), d in edges.items() if tail == node
            for path, product in _paths_to(edges, head, target)]


PATH_PRODUCT = "A path's product multiplies the local derivatives of its edges, at p = 2, q = 3."


def _products_in_any_order(fb, answer, reference):
    """path_products_p, a list of numbers in any order, against the reference products: each entry
    a number (text, None, a nested list each told so, by its place in the student's list), and the
    entries that match no path product named by their place in the student's list, as written."""
    name = "path_products_p"
    for i, value in enumerate(answer):
        if value is None or value is Ellipsis:
            fb.fail(f"{name}[{i}] is still None: write the product along that path there.")
            return
        try:
            number = _numeric(f"{name}[{i}]", value, 0.0)     # (text, a bool: each told so)
        except ExerciseError as e:
            fb.fail(e.messages[0])
            return
        if number.ndim:
            fb.fail(f"{name}[{i}] should be a number, one path's product; you gave {_describe(value)}.")
            return
    left, off = list(reference), []
    for i, value in enumerate(answer):
        match = next((k for k, r in enumerate(left) if np.isclose(float(value), r, atol=1e-5, rtol=1e-5)), None)
        if match is None:
            off.append(i)
        else:
            left.pop(match)
    if not off:
        fb.passed(f"{name} is correct")
        return
    where = f"entr{'y' if len(off) == 1 else 'ies'} {', '.join(map(str, off))} {'is' if len(off) == 1 else 'are'} off"
    fb.fail(f"{name} = {_fmt(as_array(list(answer)))} is not right yet ({where}). {PATH_PRODUCT}")


def sum_over_paths(path_products_p, dz_dp, dz_dq):
    """Task 1: u = p q, v = u + p, z = v u at p = 2, q = 3: the product along each path from p to z
    (any order), and dz/dp, dz/dq as sums over paths; numbers written by hand."""
    p, q = leaf(2.0), leaf(3.0)
    u = p * q
    v = u + p
    z = v * u
    z.backward()
    # every edge (tail, head) with its local derivative, at these values
    edges = {("p", "u"): q.item(), ("q", "u"): p.item(), ("u", "v"): 1.0, ("p", "v"): 1.0,
             ("v", "z"): u.item(), ("u", "z"): v.item()}
    with Feedback() as fb:
        reference = sorted(product for _, product in _paths_to(edges, "p", "z"))
        if isinstance(path_products_p, np.ndarray) and path_products_p.ndim == 1:
            path_products_p = path_products_p.tolist()      # the same numbers as a list: np.array([24, 18, 6])
        if path_products_p is None:
            fb.missing.append("path_products_p")
        elif not isinstance(path_products_p, (list, tuple)):
            fb.fail(f"path_products_p should be a list of numbers, one per path; you gave "
                    f"{_describe(path_products_p)}.")
        elif len(path_products_p) != len(reference):
            count = len(path_products_p)
            fb.fail(f"path_products_p has {count} product{'' if count == 1 else 's'}, but p reaches z "
                    f"along {len(reference)} paths: follow every edge out of p, and out of each node you reach."
                    + decimal_commas_in_list(path_products_p, len(reference)))
        elif _contains_tensor(path_products_p):
            fb.check("path_products_p", path_products_p, reference, by_hand=True)    # (says: no tensors)
        else:
            _products_in_any_order(fb, path_products_p, reference)
        for name, answer, source, grad in (("dz_dp", dz_dp, "p", p.grad), ("dz_dq", dz_dq, "q", q.grad)):
            paths = _paths_to(edges, source, "z")
            total = sum(product for _, product in paths)
            fb.check(name, answer, grad.item(), by_hand=True, mistakes=[
                # name the path, not its product: yours + the product would be the answer, handed over
                (total - product, f"a path is missing: {path}.") for path, product in paths])


# --- task 2: which mode needs fewer passes -----------------------------------------------------------

MIXED_UP = ("forward mode needs one pass per input (n), reverse mode one per output (m); "
            "yours mixes them up.")
# (inputs n, outputs m) of the four situations of the task, in order
SITUATIONS = [(25_000_000, 1), (1, 10_000), (3, 3), (7, 3)]


def _by_passes(n, m):
    """Forward mode builds the m x n Jacobian in n passes (one per input), reverse mode in m."""
    return "forward" if n < m else "reverse" if m < n else "either"


# The modes right, written with capitals: said so rather than accepted, since the answers are the
# three exact strings the task names (as a mode argument in code would be), and "is not right yet"
# would send a student who reasoned right back to the counting.
SPELLING = ("the right modes, written with capitals: write them in lower case, as the task does "
            "('forward', 'reverse', 'either').")
SPACES = ("the right modes, with spaces inside the quotes: write them exactly as the task does "
          "('forward', 'reverse', 'either'), no space before or after.")
SPACES_AND_CAPITALS = ("the right modes, written with capitals and spaces inside the quotes: write them "
                       "exactly as the task does ('forward', 'reverse', 'either').")


MODE_WORD = ("the right modes, written with 'mode' after the word: return the word alone, in lower case, as the "
             "task does ('forward', 'reverse', 'either').")


def _spelling(answers):
    """What is off in answers that are the right modes apart from how they are written."""
    if any(a.strip().lower().endswith(" mode") for a in answers):
        return MODE_WORD
    spaces = any(a != a.strip() for a in answers)
    capitals = any(a.strip() != a.strip().lower() for a in answers)
    return SPACES_AND_CAPITALS if spaces and capitals else SPACES if spaces else SPELLING


def _lower(answers):
    """The answers in lower case, or None if any is not a string."""
    if answers is None or not all(isinstance(a, str) for a in answers):
        return None
    return [a.strip().lower() for a in answers]


def _as_words(answers):
    """The answers as the task writes a mode (lower case, no spaces, no ' mode' after the word), or None
    if any is not a string: fewer_passes returning 'Forward' or 'reverse mode' has the modes right."""
    lower = _lower(answers)
    return lower and [a.removesuffix(" mode").strip() for a in lower]


WORDS = ("forward", "reverse", "either")


def _four_words(situations):
    """situations is a list of four strings (the task's shape), whatever the words."""
    return isinstance(situations, (list, tuple)) and len(situations) == len(SITUATIONS) and \
        all(isinstance(s, str) for s in situations)


def _situations_off(situations, expected):
    """Which situations are off, by the numbers the task gives them (1-4, not list indices), and a word
    for an answer that is not one of the three words: 'backward' (what backward() runs is reverse mode),
    'reverse mode' (the word alone)."""
    bad = [k + 1 for k, (got, want) in enumerate(zip(situations, expected)) if got != want]
    which = (f"situation {bad[0]} is" if len(bad) == 1 else
             "situations " + ", ".join(map(str, bad[:-1])) + f" and {bad[-1]} are")
    words = {s.strip().lower() for s in situations} - set(WORDS)
    # a word of the three written with a capital or a space is off too, though the word is one of them:
    # said apart (the notes below are about words that are not one of the three; W15_2)
    spelled = list(dict.fromkeys(s for s, want in zip(situations, expected)
                                 if s != want and s.strip().lower() in WORDS and s != s.strip().lower()))
    how = ""
    if spelled:
        named = repr(spelled[0]) if len(spelled) == 1 else \
            ", ".join(map(repr, spelled[:-1])) + f" and {spelled[-1]!r}"
        how = (f" {named} {'is' if len(spelled) == 1 else 'are'} not written as the task writes the words: in "
               "lower case, without spaces.")
    note = "For each, count the function's inputs n and outputs m first."
    if any(w.startswith("back") for w in words):
        note = ("'backward' is not one of the three words: the mode backward() runs is reverse mode, so write "
                "'reverse' (and 'forward' for forward mode).")
    elif words and all(w.split()[:1] and w.split()[0] in WORDS for w in words):
        note = "Write the word alone, 'forward', 'reverse' or 'either', without 'mode'."
    elif words:
        note = "Each answer is one of the words 'forward', 'reverse' or 'either'."
    return f"situations = {situations!r} is not right yet: {which} off.{how} {note}"


def _answers(fn, cases):
    """fn's answer for each case, or None where it fails (check_function then says how)."""
    try:
        return [fn(n, m) for n, m in cases]
    except Exception:
        return None


def _odd_word(cases, answers):
    """The message for the first case where fewer_passes answered a word that is not one of the three
    (W16_3: 'both' for n = m was told "Count the passes", though its counting was right), or ''. Said
    without telling whether the mode meant is right."""
    for (n, m), answer in zip(cases, answers):
        word = _as_words([answer])
        if word and word[0] not in WORDS:
            note = ("the mode backward() runs is reverse mode, so return 'reverse' (and 'forward' for forward "
                    "mode)." if word[0].startswith("back") else "return 'forward', 'reverse' or 'either' "
                    "(either: when both modes need the same number of passes).")
            return f"fewer_passes({n}, {m}) returned {answer!r}, which is not one of the task's three words: {note}"
    return ""


def which_mode(fewer_passes, situations):
    """Task 2: fewer_passes(n, m) -> 'forward' | 'reverse' | 'either', and the four situations."""
    rng = np.random.default_rng(6)
    cases = [(1, 1000), (10**6, 1), (7, 3), (2, 5), (4, 4)] + \
        [tuple(int(v) for v in rng.integers(1, 60, size=2)) for _ in range(5)]
    # fewer_passes' answers, each case once (a function that prints would print them again per look)
    answers = _answers(fewer_passes, cases) if callable(fewer_passes) and not is_stub(fewer_passes) else None
    right = [_by_passes(n, m) for n, m in cases]
    with Feedback() as fb:
        if fewer_passes is None:
            fb.missing.append("fewer_passes")
        elif answers is not None and answers[:4] == [_by_passes(m, n) for n, m in cases[:4]]:
            fb.fail(f"fewer_passes: {MIXED_UP}")
        elif answers is not None and answers != right and _as_words(answers) == right:
            fb.fail(f"fewer_passes: {_spelling(answers)}")
        elif answers is not None and (odd := _odd_word(cases, answers)):
            fb.fail(odd)
        else:
            fb.check_function("fewer_passes", fewer_passes, cases, _by_passes,
                              explain="Count the passes each mode needs for an f with n inputs and m outputs.")
        expected = [_by_passes(n, m) for n, m in SITUATIONS]
        if situations is None:
            fb.missing.append("situations")
        elif isinstance(situations, (list, tuple)) and list(situations) == [_by_passes(m, n) for n, m in SITUATIONS]:
            fb.fail(f"situations: {MIXED_UP}")
        elif isinstance(situations, (list, tuple)) and _lower(situations) == expected and list(situations) != expected:
            fb.fail(f"situations: {_spelling(situations)}")
        elif _four_words(situations) and list(situations) != expected:
            fb.fail(_situations_off(list(situations), expected))
        else:
            fb.check("situations", list(situations) if isinstance(situations, tuple) else situations, expected,
                     explain="For each, count the function's inputs n and outputs m first.")


# --- task 3: a Jacobian from vector-Jacobian products ----------------------------------------------

def _test_functions(stack, sin, third, third_derivative):
    """[(f, x, J at x)] for three functions the notebook does not show -- wide R^3 -> R^2, tall
    R^2 -> R^4, square R^2 -> R^2 (not symmetric) -- written with the given stack, sin and `third`
    elementwise function; their Jacobians worked out on paper (third_derivative: that of `third`)."""
    def wide(x):
        return stack([x[0] * x[1] + sin(x[2]), x[0] - 3 * x[2]])

    def tall(x):
        return stack([x[0] * x[0], x[0] * x[1], third(x[1]), x[1] - x[0]])

    def square(x):
        return stack([x[0] * x[1], x[0] + 2 * x[1]])

    (a, b, c), (d, e), (g, h) = [1.0, 2.0, 0.5], [0.5, -1.0], [3.0, -2.0]
    return [(wide, [a, b, c], np.array([[b, a, np.cos(c)], [1, 0, -3]])),
            (tall, [d, e], np.array([[2 * d, 0], [e, d], [0, third_derivative(e)], [-1, 1]])),
            (square, [g, h], np.array([[h, g], [1, 2]]))]


def _transposed(name, got, J, what):
    m, n = J.shape
    if got.shape == (n, m) and np.allclose(got, J.T, atol=1e-5):
        raise ExerciseError(f"{name}: rows and columns are transposed: {what}; the Jacobian has one row per "
                            f"output, shape (m, n) = {(m, n)}.")


def _counting(f):
    """f, counting its calls (forward passes) and the gradients reaching its output (backward passes)."""
    counts = {"forward": 0, "backward": 0}

    def counted(x):
        counts["forward"] += 1
        y = f(x)
        if getattr(y, "requires_grad", False):
            y.register_hook(lambda grad: counts.update(backward=counts["backward"] + 1))
        return y
    return counted, counts


def _as_jacobian(name, got, J, Dual=None):
    """What `name` returned as a float array, or the message of what it is instead: a Jacobian is a
    tensor of shape (m, n), not a Dual, text or a list holding None (a "number" it is not either)."""
    if Dual is not None and isinstance(got, Dual):
        raise ExerciseError(f"{name} returned a Dual, one pass's value and tangent: J is made of the passes' "
                            ".tangent, one column each.")
    arr = numbers_or_none(got)
    if arr is None:
        raise ExerciseError(f"{name} should return the Jacobian, a tensor of shape (m, n) = {J.shape}; it "
                            f"returned {_describe(got)}.")
    return arr


def _rows_once(name, fn, f, x, J):
    counted, counts = _counting(f)
    try:
        got = fn(counted, backend().tensor(x))
    except RuntimeError as e:
        if "second time" in str(e):
            raise ExerciseError(f"{name}: the second backward pass found the graph freed: pass "
                                "retain_graph=True to keep it for the next row.") from None
        if "does not require grad" in str(e):
            raise ExerciseError(f"{name}: x arrives without requires_grad; make a copy that requires it "
                                "before calling f.") from None
        raise ExerciseError(f"{name} raised RuntimeError: {str(e)[:80]}") from None
    except Exception as e:
        raise ExerciseError(f"{name} raised {type(e).__name__}: {str(e)[:80]}") from None
    if got is None:
        raise ExerciseError(f"{name} returned None: end it with a return statement.")
    m = J.shape[0]
    got = _as_jacobian(name, got, J)
    if got.shape == (m, 1, J.shape[1]):
        raise ExerciseError(f"{name}: each row is the tuple torch.autograd.grad returns (one gradient per input): "
                            "unpack it, (row,) = torch.autograd.grad(...), so J has shape (m, n) = "
                            f"{J.shape}.")
    _transposed(name, got, J, "row i should be the gradient of output i")
    if got.shape == J.shape and m > 1:
        # the ways of reading rows off x.grad after y.backward(e_i) that go wrong
        if np.allclose(got, np.cumsum(J, axis=0), atol=1e-5):
            raise ExerciseError(f"{name}: each row also holds the rows before it: .grad accumulates, so start "
                                "every pass from x.grad = None, or use torch.autograd.grad.")
        if np.allclose(got, np.broadcast_to(J.sum(axis=0), J.shape), atol=1e-5) or not got.any():
            raise ExerciseError(f"{name}: every row is the same tensor, x.grad, which later passes change in "
                                "place: keep a copy of each row, or use torch.autograd.grad.")
    call = f"{name} on a function R^{J.shape[1]} -> R^{m}"
    # (the value first, without its ✓: the right numbers from a pass per row are not "correct" yet)
    _compare(call, got, J, atol=1e-5, rtol=1e-4, explain="Row i is the gradient of y[i]: grad_outputs = e_i.")
    if counts["forward"] == 0:
        raise ExerciseError(f"{name} never called f: compute the rows from f's graph.")
    if counts["forward"] != 1:
        raise ExerciseError(f"{name} has the right numbers, but called f {counts['forward']} times: one forward "
                            "pass is enough (keep its graph with retain_graph=True).")
    if counts["backward"] != m:
        raise ExerciseError(f"{name} has the right numbers, but ran {counts['backward']} backward passes for {m} "
                            "rows: one per row.")
    print(f"✓ {call} is correct")


def jacobian_rows(jacobian_rows):
    """Task 3: jacobian_rows(f, x), the m x n Jacobian from one forward pass and m VJPs, on three
    functions the notebook does not show."""
    _written("jacobian_rows", jacobian_rows)
    torch = backend()
    for f, x, J in _test_functions(torch.stack, torch.sin, torch.exp, np.exp):
        _rows_once("jacobian_rows", jacobian_rows, f, x, J)


# --- task 4: the tangent rules ------------------------------------------------------------------------

def _directional_derivative(fn, values, directions):
    """d/dt fn(values + t directions) at t = 0, by reverse mode: what a tangent must equal."""
    torch = backend()
    t = torch.tensor(0.0, requires_grad=True)
    fn(*(v + t * d for v, d in zip(values, directions))).sum().backward()
    return t.grad.item()


def _rule(call, run):
    """run() (a tangent rule of the student's on vectors); an error in it becomes one line that names
    the call (math.cos(u.value) on a vector: math's functions take one number)."""
    try:
        return run()
    except Exception as e:
        cause = ""
        if "converted to Python scalars" in str(e):
            cause = (" (math's functions take one number; torch's, such as torch.cos, work on every element "
                     "of a tensor: the check's values and tangents are vectors)")
        first = (str(e).strip().splitlines() or [""])[0]
        raise ExerciseError(f"{call} raised {type(e).__name__}: {first}{cause}") from None


def tangent_rules(Dual, sin):
    """Task 4: the tangent of u v in Dual.__mul__ and of sin u in sin, against directional
    derivatives computed by reverse mode, on vectors the notebook does not show."""
    torch = backend()
    rng = np.random.default_rng(4)
    u_value, u_dot, v_value, v_dot = (torch.tensor(rng.normal(size=3).round(2).tolist()) for _ in range(4))
    with Feedback() as fb:
        product = _rule("Dual.__mul__ (u * v)", lambda: Dual(u_value, u_dot) * Dual(v_value, v_dot))
        if product.tangent is None:
            fb.missing.append("the tangent in Dual.__mul__")
        else:
            product_right = fb.check("the tangent of u * v", as_array(product.tangent).sum(),
                     _directional_derivative(lambda a, b: a * b, (u_value, v_value), (u_dot, v_dot)), mistakes=[
                ((u_dot * v_dot).sum(), "that multiplies the two tangents; the product rule has two terms."),
                ((u_dot * v_value).sum(), "only one term of the product rule: v changes too."),
                ((u_value * v_dot).sum(), "only one term of the product rule: u changes too.")])
            if product_right:                           # (a wrong product rule spoils this one too)
                # a number times a Dual: __rmul__ and lift(3)
                scaled = _rule("Dual.__mul__ (3 * u)", lambda: 3 * Dual(u_value, u_dot))
                fb.check("the tangent of 3 * u", as_array(scaled.tangent).sum(), (3 * u_dot).sum().item(),
                         explain="A constant's tangent is 0 (lift gives it one), so only one term is left.")
        sine = _rule("sin(u)", lambda: sin(Dual(u_value, u_dot)))
        if sine.tangent is None:
            fb.missing.append("the tangent in sin")
        else:
            fb.check("the tangent of sin(u)", as_array(sine.tangent).sum(),
                     _directional_derivative(torch.sin, (u_value,), (u_dot,)), mistakes=[
                (torch.cos(u_value).sum(), "that is d sin(u)/du alone; the chain rule multiplies it by u's "
                                           "tangent."),
                ((torch.sin(u_value) * u_dot).sum(), "the derivative of sin is cos."),
                ((-torch.cos(u_value) * u_dot).sum(), "check the sign: the derivative of sin is +cos.")])


# --- task 5: a Jacobian from Jacobian-vector products ------------------------------------------------

def _tangent_rules_done(Dual, sin):
    torch = backend()
    one = Dual(torch.tensor(1.0), torch.tensor(1.0))
    return (one * one).tangent is not None and sin(one).tangent is not None


def jacobian_columns(jacobian_columns, Dual, sin, stack):
    """Task 5: jacobian_columns(f, x), the m x n Jacobian from n forward-mode passes with the
    notebook's Dual, on three functions written with its sin and stack."""
    _written("jacobian_columns", jacobian_columns)
    torch = backend()
    for f, x, J in _test_functions(stack, sin, sin, np.cos):    # the notebook's Dual has sin, not exp
        m, n = J.shape
        calls = {"dual": 0}

        def counted(arg, f=f):
            calls["dual"] += isinstance(arg, Dual)
            return f(arg)
        try:
            got = jacobian_columns(counted, torch.tensor(x))
        except Exception as e:
            if not _tangent_rules_done(Dual, sin):
                raise ExerciseError("jacobian_columns needs task 4's tangent rules, which are still None: "
                                    "finish task 4 first.") from None
            raise ExerciseError(f"jacobian_columns raised {type(e).__name__}: {str(e)[:80]}") from None
        if got is None:
            raise ExerciseError("jacobian_columns returned None: end it with a return statement.")
        got = _as_jacobian("jacobian_columns", got, J, Dual)
        _transposed("jacobian_columns", got, J, "each pass gives a column J[:, j], so stack them along dim=1")
        all_seeded = np.broadcast_to((J @ np.ones(n))[:, None], J.shape)
        if got.shape == J.shape and n > 1 and np.allclose(got, all_seeded, atol=1e-5):
            raise ExerciseError("jacobian_columns: every column is J times a vector of ones: seed one input "
                                "at a time, with the unit vector e_j.")
        call = f"jacobian_columns on a function R^{n} -> R^{m}"
        _compare(call, got, J, atol=1e-5, rtol=1e-4, explain="Column j is the tangent of f(Dual(x, e_j)).")
        if calls["dual"] != n:
            raise ExerciseError(f"jacobian_columns has the right numbers, but called f on a Dual {calls['dual']} "
                                f"times for {n} inputs: one forward-mode pass per column.")
        print(f"✓ {call} is correct")


# --- task 6: the bytes reverse mode keeps ------------------------------------------------------------

def _saved_bytes(out, params):
    """Bytes of the distinct non-parameter tensors the graph behind `out` keeps (its `_saved_*`)."""
    torch = backend()
    skip = {p.data_ptr() for p in params}
    seen, kept, stack = set(), {}, [out.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
        for name in dir(fn):
            value = getattr(fn, name) if name.startswith("_saved_") else None
            if isinstance(value, torch.Tensor) and value.data_ptr() not in skip:
                kept[value.data_ptr()] = value.numel() * value.element_size()
    return sum(kept.values())


def bytes_kept(bytes_grad_mode, bytes_no_grad):
    """Task 6: the bytes the graph of ((model(data) - target) ** 2).mean() keeps for backward, for
    the task's network (20 -> 50 ReLU -> 50 Sigmoid -> 1, batch 32), in grad mode and under no_grad."""
    torch, layers = backend(), nn()
    model = layers.Sequential(layers.Linear(20, 50), layers.ReLU(), layers.Linear(50, 50), layers.Sigmoid(),
                              layers.Linear(50, 1))
    data, target = torch.randn(32, 20), torch.randn(32, 1)
    params = list(model.parameters())
    reference = _saved_bytes(((model(data) - target) ** 2).mean(), params)
    with torch.no_grad():
        no_grad_loss = ((model(data) - target) ** 2).mean()
    reference_no_grad = 0 if no_grad_loss.grad_fn is None else _saved_bytes(no_grad_loss, params)
    float_bytes = data.element_size()
    batch = data.shape[0]
    linears = [layer for layer in model if isinstance(layer, layers.Linear)]
    activations = batch * sum(layer.in_features for layer in linears[1:])     # ReLU's and Sigmoid's outputs
    parameters = "that counts the parameters too; leave them out: they exist whether or not a graph does."
    with Feedback() as fb:
        fb.check("bytes_grad_mode", bytes_grad_mode, reference, by_hand=True, mistakes=[
            (reference / float_bytes, "that is the number of floats; a float32 takes 4 bytes."),
            (reference + float_bytes * sum(layer.weight.numel() for layer in linears), parameters),
            (reference + float_bytes * sum(p.numel() for p in params), parameters),
            (reference + float_bytes * activations,
             "each activation's output is also the next Linear's input: one tensor, count it once."),
            (reference - float_bytes * batch * linears[0].in_features,
             "the first Linear keeps its input too: its weight's gradient needs it."),
            (reference - float_bytes * batch * linears[-1].out_features,
             "the square keeps its input, the difference (out - target)."),
            (reference / 1000, "that is in kilobytes; write the number of bytes."),
            (reference / 1024, "that is in KiB (1024 bytes each); write the number of bytes."),
            (reference * 8, "that is in bits; a byte is 8 of them: write the number of bytes."),
        ])
        fb.check("bytes_no_grad", bytes_no_grad, reference_no_grad, by_hand=True,
                 explain="Under no_grad nothing is recorded: no grad_fn, so nothing is kept for backward.")
