"""Exercise 07 (higher-order gradients): its checks (widgets/exercise_checks/ex07.py) accept right
answers and reject the likely wrong ones with the message meant for them, on both backends; its
student copy holds no solution; the references the checks derive agree with PyTorch.

The exercise runs in-process, cell by cell, from the committed instructor version
(instructor/exercises/), with one answer cell edited to a wrong answer at a time, and the torch
switch set to the backend under test (as the kernel's CGRAPH_BACKEND would). Running the notebooks
in a kernel is tests/test_notebooks.py's job.
"""
import importlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from exercise_runner import backend, code_cells, grade_id, run_cells  # noqa: F401 (backend: a fixture)
from widgets import torch_switch
from widgets.exercise_checks import ex07

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR = ROOT / "instructor" / "exercises" / "ex07_higher_order_gradients.ipynb"
STUDENT = ROOT / "notebooks" / "exercises" / "ex07_higher_order_gradients.ipynb"
TASKS = 4


def run_exercise(backend, edits=(), path=INSTRUCTOR):
    """The exercise run cell by cell (exercise_runner.run_cells); `backend` is the fixture in effect."""
    return run_cells(path, edits)


# --- right answers ------------------------------------------------------------------------------

def test_the_solutions_pass_every_check(backend):
    outcomes = run_exercise(backend)
    assert set(outcomes) == {f"ex07_task{i}_check" for i in range(1, TASKS + 1)}
    for gid, (kind, text) in outcomes.items():
        assert kind == "ok" and "✓" in text, f"{gid}: {text}"


T3_SECOND = "(Hv,) = torch.autograd.grad(g @ v, x)"
T4_GRAD = "(dL_dx,) = torch.autograd.grad(mse, x, create_graph=True)"
RIGHT_VARIANTS = [
    # task 1 as ints
    ("ex07_task1", "x_grad_second = 12.0 + 4.0", "x_grad_second = 16", "ex07_task1_check"),
    # task 2: the Hessian's diagonal from one backward per entry via backward(), .grad reset each time
    ("ex07_task2", "(row,) = torch.autograd.grad(g[i], x, retain_graph=True)\n        total = total + row[i]\n"
                   "    return total\n### END",
     "x.grad = None\n        g[i].backward(retain_graph=True)\n        total = total + x.grad[i].item()\n"
     "    return total\n### END", "ex07_task2_check"),
    # task 3: the vector-Jacobian product of the gradient with v (H is symmetric)
    ("ex07_task3", T3_SECOND, "(Hv,) = torch.autograd.grad(g, x, grad_outputs=v)", "ex07_task3_check"),
    # task 3: (g * v).sum() as the dot product
    ("ex07_task3", T3_SECOND, "(Hv,) = torch.autograd.grad((g * v).sum(), x)", "ex07_task3_check"),
    # task 4: the gradient with backward(create_graph=True) and x.grad, the weights' grads reset after
    ("ex07_task4", T4_GRAD, "mse.backward(create_graph=True, inputs=[x])\n    dL_dx = x.grad", "ex07_task4_check"),
]


@pytest.mark.parametrize("answer, old, new, check_id", RIGHT_VARIANTS)
def test_other_right_answers_pass(backend, answer, old, new, check_id):
    kind, text = run_exercise(backend, [(answer, old, new)])[check_id]
    assert kind == "ok" and "✓" in text, text


# --- wrong answers: each gets its own message -------------------------------------------------------

FIXED_T2_FIRST = "(g,) = torch.autograd.grad(f(x), x, create_graph=True)"
WRONG = {
    # task 1: predictions
    "x.grad after (2) as the second derivative alone": (
        "ex07_task1", "x_grad_second = 12.0 + 4.0", "x_grad_second = 4.0", "ex07_task1_check",
        "x.grad.backward() adds it to x.grad, which still holds the first gradient"),
    "x.grad unchanged by (2)": (
        "ex07_task1", "x_grad_second = 12.0 + 4.0", "x_grad_second = 12.0", "ex07_task1_check",
        "the second backward changes x.grad too"),
    "w.grad unchanged by (2)": (
        "ex07_task1", "w_grad_second = 9.0 + 6.0", "w_grad_second = 9.0", "ex07_task1_check",
        "the gradient 2 x w depends on w as well"),
    "w.grad as the second pass's share alone": (
        "ex07_task1", "w_grad_second = 9.0 + 6.0", "w_grad_second = 6.0", "ex07_task1_check",
        "w.grad already held dy/dw from the first backward"),
    "dy/dx without w": (
        "ex07_task1", "x_grad_first = 12.0", "x_grad_first = 6.0", "ex07_task1_check", "the factor w stays"),
    "the engine's number handed in": (
        "ex07_task1", "x_grad_first = 12.0", "x_grad_first = torch.tensor(12.0)", "ex07_task1_check",
        "this task is to work it out by hand"),
    # task 2: the debugging task, one bug left at a time
    "create_graph still missing": (
        "ex07_task2", FIXED_T2_FIRST, "(g,) = torch.autograd.grad(f(x), x)", "ex07_task2_check",
        "a bug remains: autograd.grad(g[i], x) raised 'element 0 of tensors does not require grad'"),
    "retain_graph still missing": (
        "ex07_task2", "(row,) = torch.autograd.grad(g[i], x, retain_graph=True)",
        "(row,) = torch.autograd.grad(g[i], x)", "ex07_task2_check",
        "a bug remains: the second entry's backward found g's graph freed"),
    "the whole Hessian row added": (
        "ex07_task2", "total = total + row[i]\n    return total\n### END",
        "total = total + row.sum()\n    return total\n### END", "ex07_task2_check",
        "is not right yet. It should add up the diagonal entries"),   # a sentence, capitalised (W4-7)
    # task 3: Hessian-vector products
    "create_graph forgotten": (
        "ex07_task3", "(g,) = torch.autograd.grad(f(x), x, create_graph=True)",
        "(g,) = torch.autograd.grad(f(x), x)", "ex07_task3_check",
        "the second backward found no graph behind the gradient"),
    "x without requires_grad": (
        "ex07_task3", "x = x.detach().requires_grad_(True)\n    (g,)", "(g,)", "ex07_task3_check",
        "x arrives without requires_grad"),
    "gradient times v, entry by entry": (
        "ex07_task3", T3_SECOND + "\n    return Hv", "return g.detach() * v", "ex07_task3_check",
        "that is the gradient times v, entry by entry"),
    "the gradient itself": (
        "ex07_task3", T3_SECOND + "\n    return Hv", "return g.detach()", "ex07_task3_check",
        "that is the gradient of f"),
    "v left out": (
        "ex07_task3", T3_SECOND, "(Hv,) = torch.autograd.grad(g.sum(), x)", "ex07_task3_check",
        "that is H times a vector of ones"),
    "the whole Hessian, row by row": (
        "ex07_task3", T3_SECOND,
        "H = torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(x.shape[0])])\n"
        "    Hv = H @ v", "ex07_task3_check", "it builds the Hessian (a pass per row)"),
    "a forward pass per step": (
        "ex07_task3", T3_SECOND, "(g,) = torch.autograd.grad(f(x), x, create_graph=True)\n    " + T3_SECOND,
        "ex07_task3_check", "called f 2 times: one forward pass is enough"),
    "x.grad's gradient kept under H v (lecture 10's trap)": (
        "ex07_task3", "(g,) = torch.autograd.grad(f(x), x, create_graph=True)\n    " + T3_SECOND + "\n    return Hv",
        "f(x).backward(create_graph=True)\n    (x.grad @ v).backward()\n    return x.grad.detach()",
        "ex07_task3_check", "x.grad kept the gradient and the second backward added H v to it"),
    # task 4: the gradient penalty
    "create_graph forgotten (silent)": (
        "ex07_task4", T4_GRAD, "(dL_dx,) = torch.autograd.grad(mse, x, retain_graph=True)", "ex07_task4_check",
        "the penalty's dL/dx needs a graph of its own (create_graph=True)"),
    "a dL/dx made with create_graph, then detached": (
        "ex07_task4", "lam * (dL_dx ** 2).sum()", "lam * (dL_dx.detach() ** 2).sum()", "ex07_task4_check",
        "you made dL/dx with create_graph=True, but a .detach(), .data or .item() on the way cuts"),
    "dL/dx by mse.backward(create_graph=True): the weights' .grad filled (lecture 10's trap)": (
        "ex07_task4", T4_GRAD, "mse.backward(create_graph=True)\n    dL_dx = x.grad", "ex07_task4_check",
        "the weights' .grad already held the mse's gradient when penalized_loss returned"),
    "create_graph and retain_graph forgotten": (
        "ex07_task4", T4_GRAD, "(dL_dx,) = torch.autograd.grad(mse, x)", "ex07_task4_check",
        "backward on your loss found the mse's graph freed"),
    "x without requires_grad (task 4)": (
        "ex07_task4", "x = x.detach().requires_grad_(True)\n    mse", "mse", "ex07_task4_check",
        "x arrives without requires_grad, so there is no dL/dx"),
    "the mean of the squares": (
        "ex07_task4", "lam * (dL_dx ** 2).sum()", "lam * (dL_dx ** 2).mean()", "ex07_task4_check",
        "that penalty is the mean of the squares"),
    "the norm, not squared": (
        "ex07_task4", "lam * (dL_dx ** 2).sum()", "lam * (dL_dx ** 2).sum().sqrt()", "ex07_task4_check",
        "that penalty is the norm ||dL/dx||"),
    "no penalty": (
        "ex07_task4", "return mse + lam * (dL_dx ** 2).sum()", "return mse", "ex07_task4_check",
        "the penalty is missing from the loss"),
    "a number returned": (
        "ex07_task4", "return mse + lam * (dL_dx ** 2).sum()", "return (mse + lam * (dL_dx ** 2).sum()).item()",
        "ex07_task4_check", "should return the loss as a one-number tensor"),
}


@pytest.mark.parametrize("mistake", list(WRONG))
def test_a_likely_mistake_gets_its_message(backend, mistake):
    answer, old, new, check_id, message = WRONG[mistake]
    kind, messages = run_exercise(backend, [(answer, old, new)])[check_id]
    assert kind == "error", f"{mistake}: passed: {messages}"
    assert len(messages) == 1 and message in messages[0], f"{mistake}: {messages}"
    assert "\n" not in messages[0] and len(messages[0]) <= 240, messages[0]


def test_every_part_of_task1_is_reported(backend):
    edits = [("ex07_task1", "x_grad_second = 12.0 + 4.0", "x_grad_second = 4.0"),
             ("ex07_task1", "w_grad_second = 9.0 + 6.0", "w_grad_second = 9.0")]
    kind, messages = run_exercise(backend, edits)["ex07_task1_check"]
    assert kind == "error" and len(messages) == 2
    assert messages[0].startswith("x_grad_second = 4 is not right yet") and messages[1].startswith("w_grad_second = 9")


def test_the_unfilled_student_copy_says_what_is_missing(backend):
    outcomes = run_exercise(backend, path=STUDENT)
    assert {gid: kind for gid, (kind, _) in outcomes.items()} == \
        {f"ex07_task{i}_check": "error" for i in range(1, TASKS + 1)}
    helpful = ("not filled in yet", "is not written yet", "a bug remains")
    for gid, (_, messages) in outcomes.items():
        assert all(any(h in m for h in helpful) for m in messages), f"{gid}: {messages}"
    # the debugging task's student copy holds the buggy laplacian: its first bug is reported
    assert outcomes["ex07_task2_check"][1] == [
        "a bug remains: autograd.grad(g[i], x) raised 'element 0 of tensors does not require grad': the first "
        "gradient g was made without a graph of its own."]


# --- the references the checks compute ---------------------------------------------------------------

def test_the_by_hand_laplacians_and_hessians_match_pytorch(monkeypatch):
    """The Laplacians of task 2 and the Hessians of task 3 (worked out on paper) agree with torch's
    autograd.functional.hessian, in float64."""
    torch = importlib.import_module("torch")
    monkeypatch.setattr(torch_switch, "torch", torch)
    torch.set_default_dtype(torch.float64)
    try:
        for f, x, want in ex07._laplacian_cases():
            assert np.isclose(torch.autograd.functional.hessian(f, torch.tensor(x)).trace().item(), want,
                              atol=1e-12), f.__name__
        for name, f, x, v, H in ex07._hessian_cases(np.random.default_rng(7)):
            expected = torch.autograd.functional.hessian(f, torch.tensor(x)).numpy()
            assert np.allclose(H, expected, atol=1e-12), name
    finally:
        torch.set_default_dtype(torch.float32)


def test_task1_reference_is_what_pytorch_does():
    """The prediction task's numbers, as PyTorch 2.13 computes them (both gradients accumulate)."""
    torch = importlib.import_module("torch")
    x = torch.tensor(3.0, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 * w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # the reference-cycle warning of backward(create_graph=True)
        y.backward(create_graph=True)
    first = x.grad.item()
    x.grad.backward()
    assert (first, x.grad.item(), w.grad.item()) == (12.0, 16.0, 15.0)


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
        student_lines = {line.strip() for line in theirs.source.splitlines()}
        # the debugging task hands out the buggy function, whose unchanged lines the fix repeats
        outside = {line.strip() for part in mine.source.split("### END SOLUTION")[:1]
                   for line in part.split("### BEGIN SOLUTION")[0].splitlines()}
        assert solution_lines and "# YOUR CODE HERE" in theirs.source
        assert not (solution_lines - outside) & student_lines, grade_id(mine)
        assert "BEGIN SOLUTION" not in theirs.source
    assert answers == TASKS
    buggy = next(c.source for c in student if grade_id(c) == "ex07_task2")
    assert "create_graph" not in buggy and "retain_graph" not in buggy


def test_a_right_answer_using_backward_create_graph_prints_no_warning(backend):
    """backward(create_graph=True) warns of a reference cycle: in a check cell the warning (on stderr)
    would make nbgrader give a right answer no points, so the checks silence it while they run."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kind, text = run_exercise(backend, [RIGHT_VARIANTS[-1][:3]])["ex07_task4_check"]
        kind1, _ = run_exercise(backend)["ex07_task1_check"]
    assert kind == kind1 == "ok", text
    assert not [w for w in caught if "create_graph=True" in str(w.message)]
