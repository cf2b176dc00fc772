"""Student copies of the exercises (scripts/make_student.py, nbgrader's preprocessors) and the
exercise helpers (widgets/exercises.py): solutions gone, checks kept; the instructor copy passes its
own checks, and every check of an unfilled student copy fails with a helpful ExerciseError."""
import asyncio
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))
import make_student  # noqa: E402
from test_notebooks import execute_async  # noqa: E402

from widgets.exercises import ExerciseError, Hints, check, check_function, check_true  # noqa: E402

EXERCISES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks" / "exercises").glob("*.ipynb"))
HELPFUL = ("not filled in", "not written yet", "is still None")


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


def test_there_are_exercises_with_solutions_and_checks():
    assert len(EXERCISES) >= 4
    for rel in EXERCISES:
        nb = nbformat.read(ROOT / rel, as_version=4)
        assert any(nbgrader_meta(c).get("solution") for c in nb.cells), rel
        assert any(nbgrader_meta(c).get("grade") for c in nb.cells), rel


@pytest.mark.parametrize("rel", EXERCISES)
def test_student_copy_removes_solutions_and_keeps_checks(rel):
    nb = nbformat.read(ROOT / rel, as_version=4)
    student = make_student.student_copy(nb)
    assert len(student.cells) == len(nb.cells)
    for mine, theirs in zip(nb.cells, student.cells):
        meta = nbgrader_meta(mine)
        if meta.get("solution"):
            assert "BEGIN SOLUTION" in mine.source
            assert "BEGIN SOLUTION" not in theirs.source and "END SOLUTION" not in theirs.source
            assert "YOUR CODE HERE" in theirs.source
            kept = set(line.strip() for line in theirs.source.splitlines())
            leaked = [line for line in solution_lines(mine.source) if line in kept]
            assert not leaked, f"{rel}: solution lines left in the student copy: {leaked}"
        else:
            assert theirs.source == mine.source, f"{rel}: a non-solution cell changed"
            assert "SOLUTION" not in theirs.source
        if meta.get("grade"):
            assert nbgrader_meta(theirs) == meta and meta.get("locked")
        if theirs.cell_type == "code":
            assert theirs.outputs == [] and theirs.execution_count is None


def test_make_student_writes_every_notebook(tmp_path):
    assert make_student.main([str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb"))
    expected = sorted(p.relative_to(ROOT / "notebooks").as_posix() for p in (ROOT / "notebooks").rglob("*.ipynb")
                      if ".ipynb_checkpoints" not in p.parts)
    assert written == expected
    text = "".join(p.read_text() for p in tmp_path.rglob("*.ipynb"))
    assert "BEGIN SOLUTION" not in text


def grade_cells(nb):
    return [c for c in nb.cells if nbgrader_meta(c).get("grade")]


@pytest.mark.slow
@pytest.mark.parametrize("rel", EXERCISES)
def test_instructor_passes_and_student_gets_helpful_failures(rel):
    nb = nbformat.read(ROOT / rel, as_version=4)
    student = make_student.student_copy(nb)

    async def both():
        return await asyncio.gather(execute_async(rel, "autograd_core", nb=nb),
                                    execute_async(rel, "autograd_core", allow_errors=True, nb=student))
    (done, _), (tried, _) = asyncio.run(both())

    for cell in grade_cells(done):
        assert not any(o.output_type == "error" for o in cell.outputs)
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "✓" in text, f"{rel}: check {nbgrader_meta(cell)['grade_id']} printed no ✓"
    for cell in grade_cells(tried):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        gid = nbgrader_meta(cell)["grade_id"]
        assert errors, f"{rel}: check {gid} passed on the unfilled student copy"
        assert errors[0].ename == "ExerciseError", f"{rel}: {gid} failed with {errors[0].ename}: {errors[0].evalue}"
        assert any(h in errors[0].evalue for h in HELPFUL), f"{rel}: {gid}: unhelpful: {errors[0].evalue}"


# --- the helpers ------------------------------------------------------------------------------

def test_check_passes_and_prints(capsys):
    import autograd_core as ag
    import torch
    assert check("a.grad", ag.tensor([36.0, 81.0]), torch.tensor([36.0, 81.0]))
    assert check("n", 4, np.float32(4.0)) and check("flag", False, False) and check("s", "Mul", "Mul")
    assert capsys.readouterr().out.count("✓") == 4


@pytest.mark.parametrize("answer, expected, message", [
    (None, 5.0, "not filled in yet"),
    (..., 5.0, "not filled in yet"),
    ("5", 5.0, "not the text"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "should have shape (2,), yours has shape (3,)"),
    ([1.0, 3.0], [1.0, 2.0], "entries (1,) differ"),
    (2.0, 5.0, "only one path"),
    (True, False, "not right"),
    (1, True, "should be a bool"),
])
def test_check_messages(answer, expected, message):
    with pytest.raises(ExerciseError) as info:
        check("x", answer, expected, mistakes=[(2.0, "only one path")])
    assert message in str(info.value)
    assert isinstance(info.value, AssertionError)       # nbgrader counts it as a failed test


def test_check_does_not_reveal_the_expected_value():
    with pytest.raises(ExerciseError) as info:
        check("x", 1.25, 7.5)
    assert "7.5" not in str(info.value) and "1.25" in str(info.value)


def test_check_function_messages():
    def unwritten(x):
        raise NotImplementedError()
    for fn, message in [(unwritten, "not written yet"), (lambda x: None, "returned None"),
                        (lambda x: 1 / 0, "raised ZeroDivisionError"), (None, "should be a function"),
                        (lambda x: x + 1, "does not match")]:
        with pytest.raises(ExerciseError, match=message):
            check_function("f", fn, [(1.0,), (2.0,)], lambda x: 2 * x)
    assert check_function("f", lambda x: x + x, [(1.0,), (2.0,)], lambda x: 2 * x)


def test_check_true():
    assert check_true("ok", True, "never shown")
    with pytest.raises(ExerciseError, match="use item"):
        check_true("ok", False, "use item")


def test_hints_reveal_one_at_a_time_and_escape():
    h = Hints("first `code`", "<b>second</b>")
    assert h.html() == ""
    widget = h.widget
    button, shown = widget.children
    assert "1 of 2" in button.description
    button.click()
    assert "<code>code</code>" in shown.value and "second" not in shown.value
    assert h.next() == "<b>second</b>"
    assert "&lt;b&gt;second&lt;/b&gt;" in shown.value and "<b>" not in shown.value
    assert button.disabled and h.next() == "<b>second</b>" and h.shown == 2
    with pytest.raises(ValueError):
        Hints()
