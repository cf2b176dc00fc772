"""Student copies of the exercises: the instructor versions (instructor/) with their solutions
removed, outputs cleared and every cell but the answers locked, by nbgrader's own preprocessors.

    python scripts/make_student.py [OUT_DIR]      # default: build/student   (`make student`)

``student_copy(nb)`` is what scripts/build_notebooks.py uses to write notebooks/exercises/ from
instructor/exercises/; ``main`` writes a whole student folder to hand out (the lectures and index
of notebooks/, plus a student copy of every notebook in instructor/, including ones a lecturer
added there by hand). The preprocessors are the ones ``nbgrader generate_assignment`` runs, through
nbconvert's API, so no nbgrader course directory is needed:

- ``LockCells``: check cells and read-only cells get ``editable: false, deletable: false`` (which
  JupyterLab honours); answer cells ``deletable: false``, so the grader finds them.
- ``ClearSolutions``: the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
  ``# YOUR CODE HERE``. Not nbgrader's default stub, which adds ``raise NotImplementedError()``:
  at the top level of a cell that stops *Run All* at the first task with a traceback. The sources
  set each answer to None above the markers and give each function to write a docstring, so an
  unfilled copy runs and each check says what is missing. (A course that runs
  ``nbgrader generate_assignment`` itself should set ``c.ClearSolutions.code_stub`` the same way.)
- ``ClearOutput``, then ``CheckCellMetadata`` (unique grade ids, points on grade cells).
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
INSTRUCTOR = ROOT / "instructor"
CODE_STUB = {"python": "# YOUR CODE HERE"}


def student_copy(nb):
    """A copy of notebook ``nb`` without solutions or outputs, its non-answer cells locked."""
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, ClearSolutions, LockCells

    nb = nbformat.from_dict(nb)  # a deep copy: the preprocessors work in place
    resources = {}
    for pre in (LockCells(), ClearSolutions(code_stub=CODE_STUB, enforce_metadata=True), ClearOutput(),
                CheckCellMetadata()):
        nb, resources = pre.preprocess(nb, resources)
    return nb


def _notebooks(folder):
    """{path relative to folder: path} of the notebooks under ``folder``."""
    return {p.relative_to(folder): p for p in sorted(folder.rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "build" / "student"
    sources = {**_notebooks(NOTEBOOKS), **_notebooks(INSTRUCTOR)}   # the instructor version wins
    for rel, path in sorted(sources.items()):
        nb = student_copy(nbformat.read(path, as_version=4))
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    print(f"wrote {len(sources)} student notebooks to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
