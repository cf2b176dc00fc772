"""The checks of the exercise notebooks: one module per notebook (``ex01`` ... ``ex04``), one function
per task, called by the task's check cell with the student's answers:

    from widgets.exercise_checks import ex01 as checks
    checks.example_b_by_hand(m_grad, n_grad)

Why here and not in the check cells: a check cell is visible to the student (nbgrader locks it,
and a locked or collapsed cell still shows its code), so a reference written there is a solution
handed out with the exercise. This package is outside ``notebooks/``, the folder ``make lab``
serves and ``make student`` hands out, and a check cell shows only which function checks the task.
Each check computes its reference when it runs -- with the engine of the torch switch, on inputs
the notebook never shows -- instead of holding the answer as a literal, so reading this file gives
a method rather than a value to copy. (A student who installs the package can read it; the checks
are a teaching aid, not an exam lock. nbgrader's hidden tests are the tool for that.)

Every function reports on each part of its task (``widgets.exercises.Feedback``): a ✓ line per part
that is right and one ✗ line per part that is not, naming the likely mistake where one is known.
"""
import importlib


def backend():
    """The ``torch`` of the notebooks: autograd_core or PyTorch, as CGRAPH_BACKEND chose."""
    from widgets import torch_switch
    return torch_switch.torch


def nn():
    return importlib.import_module(f"{backend().__name__}.nn")


def optim():
    return importlib.import_module(f"{backend().__name__}.optim")


def leaf(value):
    """A float32 leaf that requires grad, of the notebooks' backend."""
    return backend().tensor(value, dtype=backend().float32, requires_grad=True)
