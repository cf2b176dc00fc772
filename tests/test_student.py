"""Student copies of the exercises and the exercise helpers (widgets/exercises.py).

The instructor versions (instructor/exercises/, with solutions) are the source; the student copies
committed in notebooks/exercises/ are exactly what nbgrader's preprocessors make of them
(scripts/make_student.py), hold no solution, and lock every cell but the answers. Running them is
tests/test_notebooks.py's job (test_notebook_runs: instructor versions pass, student copies fail
politely, on both backends).
"""
import ast
import importlib
import os
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_notebooks  # noqa: E402
import make_student  # noqa: E402

from widgets.exercises import ExerciseError, Hints, check, check_function, check_true  # noqa: E402

INSTRUCTOR = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "instructor" / "exercises").glob("*.ipynb"))


def student_path(rel):
    return rel.replace("instructor/", "notebooks/", 1)


def read(rel):
    return nbformat.read(ROOT / rel, as_version=4)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def solution_lines(source):
    """The non-blank lines between the solution markers."""
    inside, lines = False, []
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def outside_solution(source):
    """The lines of a cell outside ### BEGIN SOLUTION ... ### END SOLUTION."""
    inside, lines = False, []
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            lines.append(line)
    return lines


def test_instructor_versions_have_solutions_and_checks():
    assert len(INSTRUCTOR) >= 4
    for rel in INSTRUCTOR:
        nb = read(rel)
        assert any("### BEGIN SOLUTION" in c.source and nbgrader_meta(c).get("solution") for c in nb.cells), rel
        assert any(nbgrader_meta(c).get("grade") for c in nb.cells), rel
        assert (ROOT / student_path(rel)).is_file(), f"{rel} has no student copy"


@pytest.mark.parametrize("rel", INSTRUCTOR)
def test_committed_student_copy_is_what_nbgrader_makes(rel):
    built = build_notebooks.dumps(make_student.student_copy(read(rel)))
    assert (ROOT / student_path(rel)).read_text("utf-8") == built, \
        f"{student_path(rel)} is not the student copy of {rel}: run scripts/build_notebooks.py"


@pytest.mark.parametrize("rel", INSTRUCTOR)
def test_student_copy_has_no_solutions(rel):
    instructor, student = read(rel), read(student_path(rel))
    assert len(student.cells) == len(instructor.cells)
    # what the student is given: every cell's text outside the solution markers (a debugging task's
    # answer cell holds the buggy code, whose lines the fix shares)
    given = {line.strip() for c in instructor.cells for line in outside_solution(c.source)}
    student_text = {line.strip() for c in student.cells for line in c.source.splitlines()}
    for mine, theirs in zip(instructor.cells, student.cells):
        if nbgrader_meta(mine).get("solution"):
            assert "BEGIN SOLUTION" in mine.source
            assert "SOLUTION" not in theirs.source and "# YOUR CODE HERE" in theirs.source
            leaked = [line for line in solution_lines(mine.source) if line in student_text and line not in given]
            assert not leaked, f"{rel}: solution lines in the student copy: {leaked}"
        else:
            assert theirs.source == mine.source, f"{rel}: a non-answer cell changed"
        if theirs.cell_type == "code":
            assert theirs.outputs == [] and theirs.execution_count is None
    assert "SOLUTION" not in (ROOT / student_path(rel)).read_text("utf-8")


@pytest.mark.parametrize("rel", INSTRUCTOR)
def test_student_copy_locks_all_but_the_answers(rel):
    """JupyterLab refuses to edit or delete a cell with editable/deletable false (checked in the
    browser by tests/test_exercises_browser.py); answer cells stay editable but not deletable."""
    instructor, student = read(rel), read(student_path(rel))
    for mine, cell in zip(instructor.cells, student.cells):
        meta = nbgrader_meta(cell)
        assert meta == nbgrader_meta(mine) and meta, f"{rel}: {cell.id} has no nbgrader metadata"
        assert cell.metadata["deletable"] is False
        if meta["solution"]:
            assert "editable" not in cell.metadata
        else:
            assert cell.metadata["editable"] is False and meta["locked"]
        if meta["grade"]:       # a failed check must not stop Run All (see widgets/exercises.py)
            assert "raises-exception" in cell.metadata.get("tags", [])
        if cell.source.startswith("Hints("):
            # only the button shows, not every hint at once: the source is collapsed, and the first
            # line, which JupyterLab shows in the collapsed input's place, holds no hint
            assert cell.metadata["jupyter"] == {"source_hidden": True}
            assert cell.source.splitlines()[0] == "Hints("
        assert "editable" not in mine.metadata and "deletable" not in mine.metadata


CHECK_CALL = re.compile(r"checks\.\w+\([\w, ]*\)")


@pytest.mark.parametrize("rel", INSTRUCTOR)
def test_check_cells_show_no_reference(rel):
    """A check cell is one call of widgets.exercise_checks.exNN with the student's answers: the
    reference it compares with is computed in that module, outside notebooks/ (what `make lab`
    serves), so no check cell shows a solution. The module is imported once, as `checks`."""
    nb = read(student_path(rel))
    stem = Path(rel).stem.split("_")[0]
    setup = [c.source for c in nb.cells if c.cell_type == "code" and "import" in c.source]
    assert any(f"from widgets.exercise_checks import {stem} as checks" in src for src in setup), rel
    grade_cells = [c for c in nb.cells if nbgrader_meta(c).get("grade")]
    assert grade_cells
    for cell in grade_cells:
        assert CHECK_CALL.fullmatch(cell.source.strip()), f"{rel}: {cell.source!r} is not a single check call"
        name = cell.source.strip().split("(")[0].split(".")[1]
        module = importlib.import_module(f"widgets.exercise_checks.{stem}")
        assert callable(getattr(module, name)), f"{rel}: no check {name}"


def hint_texts(source):
    """The strings passed to Hints(...) in a hint cell."""
    call = ast.parse(source).body[0].value
    assert isinstance(call, ast.Call) and call.func.id == "Hints"
    return [ast.literal_eval(arg) for arg in call.args]


@pytest.mark.parametrize("rel", INSTRUCTOR)
def test_hints_lead_to_a_method_not_to_the_answer(rel):
    """Every task has at least two hints, and no hint holds a line of any solution of the notebook
    (the last hint points to the method; it is never the answer verbatim)."""
    nb = read(rel)
    solutions = {line for c in nb.cells if nbgrader_meta(c).get("solution") for line in solution_lines(c.source)}
    # what the notebook states anyway (the task text, the given code) is no give-away
    given = "\n".join(line for c in nb.cells if not c.source.startswith("Hints(")
                      for line in outside_solution(c.source)).replace("`", "")
    answer_lines = {line for line in solutions if line not in given and len(line) > 6
                    and not line.startswith(('"""', "#"))}
    tasks = sum(1 for c in nb.cells if nbgrader_meta(c).get("grade"))
    hint_cells = [c for c in nb.cells if c.source.startswith("Hints(")]
    assert len(hint_cells) == tasks, f"{rel}: a task without hints"
    for cell in hint_cells:
        hints = hint_texts(cell.source)
        assert len(hints) >= 2, f"{rel}: {hints}"
        for hint in hints:
            plain = hint.replace("`", "")
            shown = [line for line in answer_lines if line in plain or line.replace(" ", "") in plain.replace(" ", "")]
            assert not shown, f"{rel}: the hint {hint!r} gives away {shown}"


def test_make_student_writes_the_student_folder(tmp_path, monkeypatch):
    """`make student`: notebooks/ with every instructor notebook's student copy, including one a
    lecturer added to instructor/ by hand."""
    instructor = tmp_path / "instructor"
    for rel in INSTRUCTOR:
        target = instructor / Path(rel).relative_to("instructor")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / rel).read_bytes())
    (instructor / "exercises" / "ex99_mine.ipynb").write_bytes((ROOT / INSTRUCTOR[0]).read_bytes())
    monkeypatch.setattr(make_student, "INSTRUCTOR", instructor)
    out = tmp_path / "student"
    assert make_student.main([str(out)]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb"))
    committed = sorted(p.relative_to(ROOT / "notebooks").as_posix() for p in (ROOT / "notebooks").rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    assert written == sorted(committed + ["exercises/ex99_mine.ipynb"])
    for rel in committed:
        assert nbformat.read(out / rel, as_version=4) == read(f"notebooks/{rel}"), rel
    assert nbformat.read(out / "exercises/ex99_mine.ipynb", as_version=4) == read(student_path(INSTRUCTOR[0]))


# --- the helpers ------------------------------------------------------------------------------

def test_check_passes_and_prints_one_line(capsys):
    """A passing check prints its ✓ line and returns None: a check on a cell's last line shows no True."""
    import autograd_core as ag
    import torch
    assert check("a.grad", ag.tensor([36.0, 81.0]), torch.tensor([36.0, 81.0])) is None
    for args in [("n", 4, np.float32(4.0)), ("flag", False, False), ("s", "Mul", "Mul")]:
        assert check(*args) is None
    assert check_function("f", lambda x: x + x, [(1.0,), (2.0,)], lambda x: 2 * x) is None
    assert capsys.readouterr().out.splitlines() == ["✓ a.grad is correct", "✓ n is correct", "✓ flag is correct",
                                                    "✓ s is correct", "✓ f passes all 2 cases"]


@pytest.mark.parametrize("answer, expected, message", [
    (None, 5.0, "not filled in yet"),
    (..., 5.0, "not filled in yet"),
    ("5", 5.0, "not the text"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "should be a list of 2 numbers; yours has 3"),
    ([[1.0, 2.0]], [1.0, 2.0], "should have shape (2,), yours has shape (1, 2)"),
    (np.zeros((2, 2)), np.zeros(3), "should have shape (3,), yours has shape (2, 2)"),
    (["1", "2"], [1.0, 2.0], "should be a list of 2 numbers; you gave a list of 2 strings"),
    ([1.0, 3.0], [1.0, 2.0], "x = [1., 3.] is not right yet (entry 1 is off)"),
    ([0.0, 3.0], [1.0, 2.0], "(entries 0, 1 are off)"),
    (2.0, 5.0, "only one path"),
    ((-6, 0), 5.0, "x should be a number; you gave a tuple of 2 ints ((-6, 0))."),
    (True, False, "not right"),
    (1, True, "should be a bool (True or False, without quotes); you gave an int (1)"),
    ("True", True, "you gave a str ('True'). Write True and False without quotes"),
    (["True", "False"], [True, False], "should be a list of 2 bools (True or False, without quotes); "
                                       "you gave a list of 2 strings (['True', 'False'])"),
    ([True], [True, False], "should be a list of 2 bools"),
    ([True, True], [True, False], "x = [True, True] is not right yet (entry 1 is off)"),
    ("Add", "Mul", "x = 'Add' is not right yet"),
    (3, "Mul", "should be a string (in quotes); you gave an int (3)"),
])
def test_check_messages(answer, expected, message):
    with pytest.raises(ExerciseError) as info:
        check("x", answer, expected, mistakes=[(2.0, "only one path")])
    assert message in str(info.value)
    assert isinstance(info.value, AssertionError)       # nbgrader counts it as a failed test


def test_a_failed_check_shows_as_one_line_in_ipython():
    """IPython shows ExerciseError through _render_traceback_: the message on one line, no frames."""
    with pytest.raises(ExerciseError) as info:
        check("m_grad", 5.0, 4.0, mistakes=[(5.0, "that is a = m + n only.")])
    assert info.value._render_traceback_() == ["✗ m_grad = 5 is not right yet: that is a = m + n only."]


def test_a_message_is_one_line_even_for_a_matrix():
    with pytest.raises(ExerciseError) as info:
        check("M", [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]])
    assert str(info.value).startswith("M = [[1., 2.], [3., 4.]] is not right yet (entry (1, 1) is off).")
    assert "\n" not in str(info.value)


def test_check_does_not_reveal_the_expected_value():
    with pytest.raises(ExerciseError) as info:
        check("x", 1.25, 7.5)
    assert "7.5" not in str(info.value) and "1.25" in str(info.value)


def test_check_function_messages():
    def unwritten(x):
        raise NotImplementedError()
    def no_return(x):
        x = 2 * x

    def stub(x):
        """Twice x."""
        # YOUR CODE HERE

    for fn, message in [(unwritten, "not written yet"), (stub, "f is not written yet: write its body"),
                        (no_return, r"f\(1\) returned None: end f with a return statement"),
                        (lambda x: 1 / 0, "raised ZeroDivisionError"), (None, "should be a function"),
                        (lambda x: x + 1, r"f\(2\) = 3 is not right yet")]:
        with pytest.raises(ExerciseError, match=message):
            check_function("f", fn, [(1.0,), (2.0,)], lambda x: 2 * x)


def test_by_hand_refuses_tensors_of_either_backend():
    import autograd_core as ag
    import torch
    for answer in (ag.tensor(5.0), torch.tensor(5.0), [1.0, torch.tensor(5.0)]):
        with pytest.raises(ExerciseError, match="this task is to work it out by hand: write plain Python numbers, not tensors"):
            check("x", answer, 5.0 if not isinstance(answer, list) else [1.0, 5.0], by_hand=True)
    check("x", np.float64(5.0), 5.0, by_hand=True)          # numpy numbers are numbers
    check("x", ag.tensor(5.0), 5.0)                           # without by_hand a tensor is fine


def test_check_function_mistakes_and_autograd_switched_off():
    import autograd_core as ag

    def by_autograd(x):
        t = ag.tensor(x, requires_grad=True)
        (t * t).backward()
        return t.grad.item()

    with pytest.raises(ExerciseError, match=r"f\(3\) asked autograd for the gradient .*switches autograd off"):
        check_function("f", by_autograd, [(3.0,)], lambda x: 2 * x, no_autograd=True)
    assert check_function("f", by_autograd, [(3.0,)], lambda x: 2 * x) is None   # allowed when not refused
    assert ag.is_grad_enabled()                                                 # switched back on
    with pytest.raises(ExerciseError, match=r"f\(3\) = 9 is not right yet: that is x², not its derivative"):
        check_function("f", lambda x: x * x, [(3.0,)], lambda x: 2 * x,
                       mistakes=[(lambda x: x * x, "that is x², not its derivative")])
    with pytest.raises(ExerciseError, match="should return a plain number"):
        check_function("f", lambda x: ag.tensor(2 * x), [(3.0,)], lambda x: 2 * x, returns="float")


def test_without_autograd_switches_both_backends_off_and_back_on():
    import autograd_core as ag
    import torch
    from widgets.exercises import without_autograd
    with without_autograd():
        assert not ag.is_grad_enabled() and not torch.is_grad_enabled()
    assert ag.is_grad_enabled() and torch.is_grad_enabled()


def test_is_stub():
    from widgets.exercises import is_stub

    def docstring_only(a):
        """Doc."""
        # YOUR CODE HERE

    def does_something(a):
        b = a
        return None

    assert is_stub(docstring_only) and is_stub(lambda: None)
    assert not is_stub(does_something) and not is_stub(lambda a: a) and not is_stub(print)


def test_feedback_reports_every_part(capsys):
    from widgets.exercises import Feedback
    with pytest.raises(ExerciseError) as info:
        with Feedback() as fb:
            fb.check("a", 1.0, 1.0)
            fb.check("b", None, 2.0)
            fb.check("c", 3.5, 3.0)
            fb.check("d", None, 4.0)
            fb.fail("e is off.")
    assert info.value.messages == [
        "b and d are not filled in yet: replace the None in the cell above with your answers (and run that cell).",
        "c = 3.5 is not right yet. Look at the hints, and check the arithmetic step by step.",
        "e is off."]
    assert info.value._render_traceback_() == ["✗ " + m for m in info.value.messages]
    assert str(info.value) == "\n".join(info.value.messages)
    assert capsys.readouterr().out == "✓ a is correct\n"
    with Feedback() as fb:                       # all right: nothing raised
        fb.check("a", 1.0, 1.0)
        assert fb.ok
    with pytest.raises(ZeroDivisionError):       # a bug in a check is not dressed up as feedback
        with Feedback():
            1 / 0


def test_check_true():
    assert check_true("ok", True, "never shown") is None
    with pytest.raises(ExerciseError, match="use item"):
        check_true("ok", False, "use item")


def test_hints_reveal_one_at_a_time_and_escape():
    h = Hints("first `code`", "<b>second</b>")
    assert h.html() == ""
    widget = h.widget
    button, shown, _keys = widget.children
    assert "1 of 2" in button.description
    button.click()
    assert "<code>code</code>" in shown.value and "second" not in shown.value
    assert h.next() == "<b>second</b>"
    assert "&lt;b&gt;second&lt;/b&gt;" in shown.value and "<b>" not in shown.value
    assert button.disabled and h.next() == "<b>second</b>" and h.shown == 2
    assert button.description == "All 2 hints shown"
    one = Hints("only")
    one.widget.children[0].click()
    assert one.widget.children[0].description == "Hint shown" and one.widget.children[0].disabled
    with pytest.raises(ValueError):
        Hints()


# --- nbgrader's own pipeline --------------------------------------------------------------------

@pytest.mark.slow
def test_nbgrader_generates_the_same_copy_and_autogrades_failed_checks_as_zero(tmp_path):
    """A course that uses nbgrader itself: `nbgrader generate_assignment` on the instructor version
    hands out our student copy (apart from its checksums), and `nbgrader autograde` gives each
    failed check (an ExerciseError shown as one line) no points and each passed one its point."""
    import subprocess
    from nbgrader.api import Gradebook

    rel = "instructor/exercises/ex01_graphs_and_leaves.ipynb"
    name = Path(rel).name
    (tmp_path / "source" / "ex01").mkdir(parents=True)
    (tmp_path / "source" / "ex01" / name).write_bytes((ROOT / rel).read_bytes())
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path)!r}\n"
        f"c.ClearSolutions.code_stub = {make_student.CODE_STUB!r}\n")
    # nbgrader runs the `alembic` program of its environment by name: put the venv's bin/ on PATH
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))

    def nbgrader(*args):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}"

    nbgrader("generate_assignment", "ex01")

    released, ours = nbformat.read(tmp_path / "release" / "ex01" / name, as_version=4), read(student_path(rel))
    for theirs, mine in zip(released.cells, ours.cells, strict=True):
        for extra in ("checksum", "cell_type"):
            theirs.metadata.nbgrader.pop(extra, None)
        assert (theirs.source, theirs.metadata) == (mine.source, mine.metadata)

    # alice hands in the copy untouched; bob answers everything, task 2 wrongly.
    instructor = read(rel)
    bob = read(student_path(rel))
    for mine, theirs in zip(instructor.cells, bob.cells):
        if nbgrader_meta(mine).get("solution"):
            theirs.source = mine.source
        if nbgrader_meta(mine).get("grade_id") == "ex01_task2":
            theirs.source += "\nz_grads = [3.0, 2.0, 3.0]"
    for student, nb in (("alice", ours), ("bob", bob)):
        (tmp_path / "submitted" / student / "ex01").mkdir(parents=True)
        nbformat.write(nb, tmp_path / "submitted" / student / "ex01" / name)
    nbgrader("autograde", "ex01", "--create")

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        scores = {student: {g.name: g.score for g in gradebook.find_submission_notebook(
                      Path(name).stem, "ex01", student).grades if g.max_score}
                  for student in ("alice", "bob")}
    assert scores["alice"] == {f"ex01_task{i}_check": 0 for i in (1, 2, 3, 4)}
    assert scores["bob"] == {"ex01_task1_check": 1, "ex01_task2_check": 0, "ex01_task3_check": 1,
                             "ex01_task4_check": 1}
