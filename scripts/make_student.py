"""Write student copies of the exercise notebooks: solutions removed, outputs cleared.

    python scripts/make_student.py [OUT_DIR]      # default: build/student   (`make student`)

It applies nbgrader's own preprocessors through nbconvert's API -- ``ClearSolutions`` (the code
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``# YOUR CODE HERE`` /
``raise NotImplementedError()``) and ``ClearOutput`` -- so the copies are what ``nbgrader generate_assignment``
would hand out, without needing an nbgrader course directory. The lectures and the index are copied
as they are (outputs cleared), so links between notebooks keep working in the student folder.
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def student_copy(nb):
    """A copy of notebook ``nb`` with the solutions and all outputs removed (nbgrader's preprocessors)."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    nb = nbformat.from_dict(nb)  # a deep copy: the preprocessors work in place
    resources = {}
    for pre in (ClearSolutions(enforce_metadata=True), ClearOutput()):
        nb, resources = pre.preprocess(nb, resources)
    return nb


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "build" / "student"
    written = 0
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = student_copy(nbformat.read(path, as_version=4))
        target = out / path.relative_to(NOTEBOOKS)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written += 1
    print(f"wrote {written} student notebooks to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
