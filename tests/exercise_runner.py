"""Running an exercise notebook in-process, cell by cell, for the tests of its checks (ex06, ex07):
the committed instructor version, with answer cells edited to the answer under test, and the torch
switch set to the backend under test (as the kernel's CGRAPH_BACKEND would)."""
import contextlib
import linecache
import io

import nbformat
import pytest

from widgets import torch_switch
from widgets.exercises import ExerciseError

BACKENDS = ["autograd_core", "torch"]


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def run_cells(path, edits=()):
    """Run the notebook's code cells in order; {check grade_id: ("ok", stdout) or ("error", messages)}.

    edits: (answer grade_id, old text, new text): the answer cell with `old` replaced by `new`
    (the text must be there: an edit that changes nothing would test nothing). A cell tagged
    raises-exception that is not a check (it runs the student's code for them) may fail."""
    namespace = {}
    outcomes = {}
    for cell in code_cells(path):
        source = cell.source
        for gid, old, new in edits:
            if grade_id(cell) == gid:
                assert old in source, f"{gid}: {old!r} is not in the answer cell"
                source = source.replace(old, new)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                filename = f"<{grade_id(cell) or 'cell'}>"
                # as IPython does: the cell's source in linecache, so inspect.getsource reads it
                linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
                exec(compile(source, filename, "exec"), namespace)
        except ExerciseError as e:
            assert cell.metadata.get("nbgrader", {}).get("grade"), f"a non-check cell failed: {e}"
            outcomes[grade_id(cell)] = ("error", e.messages)
            continue
        except RuntimeError:
            assert "raises-exception" in cell.metadata.get("tags", []) \
                and not cell.metadata.get("nbgrader", {}).get("grade")
            continue
        if cell.metadata.get("nbgrader", {}).get("grade"):
            outcomes[grade_id(cell)] = ("ok", out.getvalue())
    return outcomes


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    """The backend the notebook's torch switch gives, and the checks use."""
    monkeypatch.setattr(torch_switch, "torch", torch_switch.load(request.param))
    monkeypatch.setattr(torch_switch, "BACKEND", request.param)
    return request.param
