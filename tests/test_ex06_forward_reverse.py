"""Exercise 06 (forward and reverse mode): its checks (widgets/exercise_checks/ex06.py) accept
right answers and reject the likely wrong ones with the message meant for them, on both backends;
its student copy holds no solution; the references the checks derive agree with PyTorch.

The exercise runs in-process, cell by cell, from the committed instructor version
(instructor/exercises/), with one answer cell edited to a wrong answer at a time, and the torch
switch set to the backend under test (as the kernel's CGRAPH_BACKEND would). Running the notebooks
in a kernel is tests/test_notebooks.py's job.
"""
import importlib
from pathlib import Path

import numpy as np
import pytest

from exercise_runner import backend, code_cells, grade_id, run_cells  # noqa: F401 (backend: a fixture)
from widgets import torch_switch
from widgets.exercise_checks import ex06

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = ROOT / "instructor" / "exercises" / "ex06_forward_and_reverse_mode.ipynb"
STUDENT = ROOT / "notebooks" / "exercises" / "ex06_forward_and_reverse_mode.ipynb"
SWITCH = "from widgets.torch_switch import torch"


def run_exercise(backend, edits=(), path=INSTRUCTOR):
    """The exercise run cell by cell (exercise_runner.run_cells); `backend` is the fixture in effect."""
    return run_cells(path, edits)


# --- right answers ------------------------------------------------------------------------------

def test_the_solutions_pass_every_check(backend):
    outcomes = run_exercise(backend)
    assert set(outcomes) == {f"ex06_task{i}_check" for i in range(1, 7)}
    for gid, (kind, text) in outcomes.items():
        assert kind == "ok" and "✓" in text, f"{gid}: {text}"


RIGHT_VARIANTS = [
    # the paths in another order, ints and floats
    ("ex06_task1", "path_products_p = [3 * 8, 3 * 1 * 6, 1 * 6]",
     "path_products_p = (6, 24, 18.0)", "ex06_task1_check"),
    # the situations as a tuple
    ("ex06_task2", 'situations = ["reverse", "forward", "either", "reverse"]',
     'situations = ("reverse", "forward", "either", "reverse")', "ex06_task2_check"),
    # rows from y.backward(e_i) and copies of x.grad, zeroed between passes
    ("ex06_task3", "(row,) = torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)",
     "x.grad = None\n        y.backward(e_i, retain_graph=True)\n        row = x.grad.clone()",
     "ex06_task3_check"),
    # the library's jacobian also runs one forward pass and one VJP per row
    ("ex06_task3", "x = x.detach().requires_grad_(True)",
     "return torch.autograd.functional.jacobian(f, x)", "ex06_task3_check"),
    # columns as a list of lists of numbers, built by transposing the rows of tangents
    ("ex06_task5", "return torch.stack(columns, dim=1)",
     "return [[float(c[i]) for c in columns] for i in range(len(columns[0]))]", "ex06_task5_check"),
]


@pytest.mark.parametrize("answer, old, new, check_id", RIGHT_VARIANTS)
def test_other_right_answers_pass(backend, answer, old, new, check_id):
    kind, text = run_exercise(backend, [(answer, old, new)])[check_id]
    assert kind == "ok" and "✓" in text, text


# --- wrong answers: each gets its own message -------------------------------------------------------

T3_GRAD = "(row,) = torch.autograd.grad(y, x, grad_outputs=e_i, retain_graph=True)"
WRONG = {
    # task 1: the sum over paths
    "a path left out of the list": (
        "ex06_task1", "path_products_p = [3 * 8, 3 * 1 * 6, 1 * 6]", "path_products_p = [24, 18]",
        "ex06_task1_check", "p reaches z along 3 paths"),
    "one path's product alone": (     # (W18_3: "has 1 products")
        "ex06_task1", "path_products_p = [3 * 8, 3 * 1 * 6, 1 * 6]", "path_products_p = [24]",
        "ex06_task1_check", "path_products_p has 1 product, but p reaches z along 3 paths"),
    "a wrong product": (
        "ex06_task1", "path_products_p = [3 * 8, 3 * 1 * 6, 1 * 6]", "path_products_p = [24, 18, 5]",
        "ex06_task1_check", "(entry 2 is off). A path's product multiplies"),
    "the engine's numbers handed in": (
        "ex06_task1", "dz_dp = 48.0", "dz_dp = torch.tensor(48.0)", "ex06_task1_check",
        "this task is to work it out by hand"),
    "dz/dp without p -> v -> z": (
        "ex06_task1", "dz_dp = 48.0", "dz_dp = 42.0", "ex06_task1_check", "a path is missing: p → v → z"),
    "dz/dp without p -> u -> v -> z": (
        "ex06_task1", "dz_dp = 48.0", "dz_dp = 30.0", "ex06_task1_check",
        "a path is missing: p → u → v → z."),
    "dz/dq without q -> u -> v -> z": (
        "ex06_task1", "dz_dq = 2 * 8 + 2 * 1 * 6", "dz_dq = 16", "ex06_task1_check",
        "a path is missing: q → u → v → z"),
    # task 2: which mode
    "n and m mixed up in the function": (
        "ex06_task2", 'if n < m:\n        return "forward"\n    if m < n:\n        return "reverse"',
        'if m < n:\n        return "forward"\n    if n < m:\n        return "reverse"',
        "ex06_task2_check", "fewer_passes: forward mode needs one pass per input (n)"),
    "the modes capitalised in the function (W4-14)": (
        "ex06_task2", 'if n < m:\n        return "forward"\n    if m < n:\n        return "reverse"\n    return "either"',
        'if n < m:\n        return "Forward"\n    if m < n:\n        return "Reverse"\n    return "Either"',
        "ex06_task2_check", "fewer_passes: the right modes, written with capitals: write them in lower case"),
    "the modes capitalised in the situations (W4-14)": (
        "ex06_task2", 'situations = ["reverse", "forward", "either", "reverse"]',
        'situations = ["Reverse", "forward", "either", "REVERSE"]', "ex06_task2_check",
        "situations: the right modes, written with capitals"),
    "a tie called reverse": (
        "ex06_task2", 'return "either"', 'return "reverse"', "ex06_task2_check",
        "fewer_passes(4, 4) = 'reverse' is not right yet"),
    "n and m mixed up in the situations": (
        "ex06_task2", 'situations = ["reverse", "forward", "either", "reverse"]',
        'situations = ["forward", "reverse", "either", "forward"]', "ex06_task2_check",
        "situations: forward mode needs one pass per input (n)"),
    "one situation wrong": (
        "ex06_task2", 'situations = ["reverse", "forward", "either", "reverse"]',
        'situations = ["reverse", "forward", "either", "forward"]', "ex06_task2_check",
        "situations = ['reverse', 'forward', 'either', 'forward'] is not right yet: situation 4 is off"),
    "too few situations": (
        "ex06_task2", 'situations = ["reverse", "forward", "either", "reverse"]',
        'situations = ["reverse", "forward", "either"]', "ex06_task2_check",
        "situations should be a list of 4 strings"),
    # task 3: rows from VJPs
    "rows and columns transposed": (
        "ex06_task3", "return torch.stack(rows)", "return torch.stack(rows, dim=1)", "ex06_task3_check",
        "rows and columns are transposed"),
    "retain_graph forgotten": (
        "ex06_task3", T3_GRAD, "(row,) = torch.autograd.grad(y, x, grad_outputs=e_i)", "ex06_task3_check",
        "pass retain_graph=True"),
    "x without requires_grad": (
        "ex06_task3", "x = x.detach().requires_grad_(True)", "pass", "ex06_task3_check",
        "x arrives without requires_grad"),
    ".grad accumulating across rows": (
        "ex06_task3", T3_GRAD, "y.backward(e_i, retain_graph=True)\n        row = x.grad.clone()",
        "ex06_task3_check", "each row also holds the rows before it"),
    "x.grad itself stored": (
        "ex06_task3", T3_GRAD, "y.backward(e_i, retain_graph=True)\n        row = x.grad",
        "ex06_task3_check", "every row is the same tensor"),
    "x.grad stored, then zeroed": (
        "ex06_task3", T3_GRAD, "y.backward(e_i, retain_graph=True)\n        row = x.grad\n"
                               "        x.grad.zero_()",
        "ex06_task3_check", "every row is the same tensor"),
    "one forward pass per row": (
        "ex06_task3", T3_GRAD, "(row,) = torch.autograd.grad(f(x), x, grad_outputs=e_i)",
        "ex06_task3_check", "called f 3 times: one forward pass is enough"),
    "a pasted Jacobian": (
        "ex06_task3", "x = x.detach().requires_grad_(True)",
        "return torch.tensor([[2.0, 1.0, 0.8776], [1.0, 0.0, -3.0]])", "ex06_task3_check",
        "jacobian_rows never called f"),
    "a function that returns nothing": (
        "ex06_task3", "return torch.stack(rows)", "torch.stack(rows)", "ex06_task3_check",
        "jacobian_rows returned None: end it with a return statement"),
    # task 4: tangent rules
    "product of the tangents": (
        "ex06_task4", "tangent = self.tangent * other.value + self.value * other.tangent",
        "tangent = self.tangent * other.tangent", "ex06_task4_check", "multiplies the two tangents"),
    "one term of the product rule": (
        "ex06_task4", "tangent = self.tangent * other.value + self.value * other.tangent",
        "tangent = self.tangent * other.value", "ex06_task4_check", "only one term of the product rule: v"),
    "sin without the chain rule": (
        "ex06_task4", "tangent = torch.cos(u.value) * u.tangent", "tangent = torch.cos(u.value)",
        "ex06_task4_check", "the chain rule multiplies it by u's tangent"),
    "sin's derivative taken as sin": (
        "ex06_task4", "tangent = torch.cos(u.value) * u.tangent", "tangent = torch.sin(u.value) * u.tangent",
        "ex06_task4_check", "the derivative of sin is cos"),
    # task 5: columns from JVPs
    "columns stacked as rows": (
        "ex06_task5", "return torch.stack(columns, dim=1)", "return torch.stack(columns)",
        "ex06_task5_check", "rows and columns are transposed"),
    "every input seeded at once": (
        "ex06_task5", "columns.append(f(Dual(x, e_j)).tangent)",
        "columns.append(f(Dual(x, torch.ones(n))).tangent)", "ex06_task5_check",
        "every column is J times a vector of ones"),
    "reverse mode instead of forward mode": (
        "ex06_task5", "n = x.shape[0]", "return jacobian_rows(f, x)", "ex06_task5_check",
        "called f on a Dual 0 times for 3 inputs"),
    "the values instead of the tangents": (
        "ex06_task5", "columns.append(f(Dual(x, e_j)).tangent)", "columns.append(f(Dual(x, e_j)).value)",
        "ex06_task5_check", "is not right yet (entries (0, 0), (0, 1), (0, 2), (1, 0), (1, 1) are off). "
                            "Column j is the tangent"),
    "task 4's rules not done": (
        "ex06_task4", "tangent = torch.cos(u.value) * u.tangent", "pass", "ex06_task5_check",
        "jacobian_columns needs task 4's tangent rules, which are still None"),
    # task 6: bytes
    "floats, not bytes": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)", "bytes_grad_mode = 32 * 121",
        "ex06_task6_check", "that is the number of floats"),
    "the weights counted": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)",
        "bytes_grad_mode = 4 * (32 * 121 + 20 * 50 + 50 * 50 + 50)", "ex06_task6_check",
        "counts the parameters too"),
    "the weights and biases counted": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)",
        "bytes_grad_mode = 4 * (32 * 121 + 20 * 50 + 50 + 50 * 50 + 50 + 50 + 1)", "ex06_task6_check",
        "counts the parameters too"),
    "shared activations counted twice": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)",
        "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 50 + 50 + 1)", "ex06_task6_check", "count it once"),
    "the input left out": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)", "bytes_grad_mode = 4 * 32 * 101",
        "ex06_task6_check", "the first Linear keeps its input too"),
    "the square's input left out": (
        "ex06_task6", "bytes_grad_mode = 4 * 32 * (20 + 50 + 50 + 1)", "bytes_grad_mode = 4 * 32 * 120",
        "ex06_task6_check", "the square keeps its input"),
    "no_grad keeps something": (
        "ex06_task6", "bytes_no_grad = 0", "bytes_no_grad = 4 * 32 * 121", "ex06_task6_check",
        "Under no_grad nothing is recorded"),
    "bytes as the engine's tensor": (
        "ex06_task6", "bytes_no_grad = 0", "bytes_no_grad = torch.tensor(0)", "ex06_task6_check",
        "this task is to work it out by hand"),
}


@pytest.mark.parametrize("mistake", list(WRONG))
def test_a_likely_mistake_gets_its_message(backend, mistake):
    answer, old, new, check_id, message = WRONG[mistake]
    kind, messages = run_exercise(backend, [(answer, old, new)])[check_id]
    assert kind == "error", f"{mistake}: passed: {messages}"
    assert len(messages) == 1 and message in messages[0], f"{mistake}: {messages}"
    assert "\n" not in messages[0] and len(messages[0]) <= 240


def test_task4_reports_both_rules_missing(backend):
    edits = [("ex06_task4", "tangent = self.tangent * other.value + self.value * other.tangent", "pass"),
             ("ex06_task4", "tangent = torch.cos(u.value) * u.tangent", "pass")]
    outcomes = run_exercise(backend, edits)
    assert outcomes["ex06_task4_check"] == ("error", [
        "the tangent in Dual.__mul__ and the tangent in sin are not filled in yet: replace the None in the "
        "cell above with your answers (and run that cell)."])


def test_every_part_is_reported(backend):
    """Two parts of task 1 wrong: two lines, each naming its part."""
    edits = [("ex06_task1", "dz_dp = 48.0", "dz_dp = 42.0"), ("ex06_task1", "dz_dq = 2 * 8 + 2 * 1 * 6", "dz_dq = 16")]
    kind, messages = run_exercise(backend, edits)["ex06_task1_check"]
    assert kind == "error" and len(messages) == 2
    assert messages[0].startswith("dz_dp = 42 is not right yet") and messages[1].startswith("dz_dq = 16")


def test_the_unfilled_student_copy_says_what_is_missing(backend):
    outcomes = run_exercise(backend, path=STUDENT)
    assert {gid: kind for gid, (kind, _) in outcomes.items()} == \
        {f"ex06_task{i}_check": "error" for i in range(1, 7)}
    for gid, (_, messages) in outcomes.items():
        assert all("not filled in yet" in m or "is not written yet" in m for m in messages), f"{gid}: {messages}"
    assert outcomes["ex06_task2_check"][1] == [
        "situations is not filled in yet: replace the None in the cell above with your answer (and run that cell).",
        "fewer_passes is not written yet: write its body in the cell above (and return the result)."]


# --- the references the checks compute ---------------------------------------------------------------

def test_task6_reference_agrees_on_both_backends_and_with_the_layers(backend):
    """The bytes task 6's check finds by walking the graph's _saved_* tensors equal, on either
    backend, what the layers say a graph keeps: the input of every Linear and the difference that is
    squared (each activation's output is the next Linear's input: one tensor), 4 bytes a float."""
    torch = torch_switch.torch
    nn = torch.nn
    for widths, batch in [((20, 50, 50, 1), 32), ((7, 3, 5), 9), ((4, 6, 6, 6, 2), 1)]:
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(widths) - 2:
                layers.append(nn.ReLU() if i % 2 == 0 else nn.Sigmoid())
        model = nn.Sequential(*layers)
        loss = ((model(torch.randn(batch, widths[0])) - torch.randn(batch, widths[-1])) ** 2).mean()
        assert ex06._saved_bytes(loss, list(model.parameters())) == 4 * batch * (sum(widths[:-1]) + widths[-1])


def test_the_by_hand_jacobians_match_pytorch():
    """The Jacobians tasks 3 and 5 check against (worked out on paper) agree with torch's."""
    torch = importlib.import_module("torch")
    for third, third_derivative in [(torch.exp, np.exp), (torch.sin, np.cos)]:
        for f, x, J in ex06._test_functions(torch.stack, torch.sin, third, third_derivative):
            expected = torch.autograd.functional.jacobian(f, torch.tensor(x, dtype=torch.float64)).numpy()
            assert np.allclose(J, expected, atol=1e-12), f.__name__


# --- the student copy ---------------------------------------------------------------------------------

def test_the_student_copy_holds_no_solution():
    instructor, student = code_cells(INSTRUCTOR), code_cells(STUDENT)
    assert [grade_id(c) for c in instructor] == [grade_id(c) for c in student]
    answers = 0
    for mine, theirs in zip(instructor, student):
        if not mine.metadata.get("nbgrader", {}).get("solution"):
            assert mine.source == theirs.source
            continue
        answers += 1
        inside = mine.source.split("### BEGIN SOLUTION")[1:]
        solution_lines = {line.strip() for part in inside
                          for line in part.split("### END SOLUTION")[0].splitlines() if line.strip()}
        assert solution_lines and "# YOUR CODE HERE" in theirs.source
        assert not solution_lines & {line.strip() for line in theirs.source.splitlines()}, grade_id(mine)
        assert "BEGIN SOLUTION" not in theirs.source
    assert answers == 6


# --- what lecture 09's saved-bytes walk relies on --------------------------------------------------

def saved_by_dir(torch, out, params=()):
    """[(node name, attribute, shape)] of the non-parameter tensors the graph behind `out` keeps,
    found as lecture 09 finds them: the `_saved_*` names dir() lists on each grad_fn."""
    skip = {p.data_ptr() for p in params}
    seen, found, stack = set(), [], [out.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        stack.extend(n for n, _ in fn.next_functions)
        for name in dir(fn):
            value = getattr(fn, name) if name.startswith("_saved_") else None
            if isinstance(value, torch.Tensor) and value.data_ptr() not in skip:
                found.append((fn.name(), name, tuple(value.shape)))
    return sorted(found)


def saved_programs(torch):
    """{name: (output, parameters)} of small graphs built the same way on either backend."""
    nn = torch.nn
    torch.manual_seed(0)
    w = torch.tensor(1.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    mlp = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 3), nn.Sigmoid())
    data, target = torch.randn(5, 4), torch.randn(5, 3)
    v = torch.randn(3, 4, requires_grad=True)
    return {
        "example A": ((w + x) * (w + 1), ()),
        "mlp, squared error": (((mlp(data) - target) ** 2).mean(), list(mlp.parameters())),
        "exp, sin, matmul": ((torch.exp(v).sin() @ v.t()).sum(), ()),
        "no graph": ((data * 2).sum(), ()),
    }


def test_dir_lists_the_saved_tensors_as_pytorch_does():
    core, real = importlib.import_module("autograd_core"), importlib.import_module("torch")
    ours, theirs = saved_programs(core), saved_programs(real)
    for name in theirs:
        (out, params), (real_out, real_params) = ours[name], theirs[name]
        assert saved_by_dir(core, out, params) == saved_by_dir(real, real_out, real_params), name
    assert saved_by_dir(real, *theirs["mlp, squared error"])        # the comparison sees something
    fn = ours["example A"][0].grad_fn
    assert {"_saved_self", "_saved_other"} <= set(dir(fn)) and "_saved_result" not in dir(fn)


def _tie(word):
    """fewer_passes with the counting right, answering `word` where both modes need as many passes."""
    return lambda n, m: "forward" if n < m else "reverse" if m < n else word


@pytest.mark.parametrize("fewer_passes, told", [
    (_tie("both"), "fewer_passes(4, 4) returned 'both', which is not one of the task's three words: return "
                   "'forward', 'reverse' or 'either' (either: when both modes need the same number of passes)."),
    (_tie("same"), "fewer_passes(4, 4) returned 'same', which is not one of the task's three words: return "
                   "'forward', 'reverse' or 'either' (either: when both modes need the same number of passes)."),
    (lambda n, m: "forward" if n < m else "backward" if m < n else "either",
     "fewer_passes(1000000, 1) returned 'backward', which is not one of the task's three words: the mode "
     "backward() runs is reverse mode, so return 'reverse' (and 'forward' for forward mode)."),
    (_tie(None), "fewer_passes(4, 4) returned None: check what fewer_passes returns for these arguments (every "
                 "way through it should end in a return of the result)."),
])
def test_W16_3_a_word_not_of_the_three_or_a_none_returned_is_told_so(fewer_passes, told):
    """ex06 task 2 with the counting right: 'both' (or 'same') for n = m was told "not right yet. Count the
    passes each mode needs", which sends a student who counted right back to the counting; a function
    that returns None for n = m was told to "end fewer_passes with a return statement", which it has.
    Each is told what it returned, without saying whether the mode meant is right; a function without
    any return keeps its message."""
    from widgets.exercises import ExerciseError
    with pytest.raises(ExerciseError) as e:
        ex06.which_mode(fewer_passes, ["reverse", "forward", "either", "reverse"])
    assert e.value.messages == [told]

    def no_return(n, m):
        "forward" if n < m else "reverse"
    with pytest.raises(ExerciseError) as e:
        ex06.which_mode(no_return, ["reverse", "forward", "either", "reverse"])
    assert e.value.messages == ["fewer_passes(1, 1000) returned None: end fewer_passes with a return statement."]
