"""Tutorial-style programs (tests/tutorial_programs/*.py, each starting with ``import torch``) must
print exactly what they print under real PyTorch when ``torch`` is autograd_core: numbers, grad_fn
names, error messages and warnings.

Each library runs every program once, all in one subprocess per library (fresh globals per program,
printing options reset between programs). Captured: stdout, warnings (category and message) and the
last line of an uncaught exception. Object addresses become a0, a1, ... in order of first appearance.
Programs print no values drawn from the random generator (ours differs from torch's by design).

Run ``python tests/test_tutorial_programs.py [name ...]`` to print the diffs.
"""
import difflib
import sys
from pathlib import Path

import pytest

from program_runner import as_text as _text
from program_runner import normalise, run_programs

PROGRAMS_DIR = Path(__file__).parent / "tutorial_programs"
PROGRAMS = sorted(p.name for p in PROGRAMS_DIR.glob("*.py"))

def _run(lib, names=PROGRAMS):
    return run_programs(lib, [PROGRAMS_DIR / name for name in names])


@pytest.fixture(scope="module")
def outputs():
    return _run("torch"), _run("autograd_core")


def test_programs_exist():
    assert len(PROGRAMS) >= 40


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_torch_prints(outputs, name):
    ours, theirs = _text(outputs[1][name]), _text(outputs[0][name])
    assert outputs[0][name]["error"] is None, f"the program fails under torch: {theirs}"
    diff = "".join(difflib.unified_diff(theirs.splitlines(True), ours.splitlines(True), "torch",
                                        "autograd_core"))
    assert ours == theirs, diff


def test_comparison_can_fail():
    """The normalisation keeps identity and values: different outputs stay different."""
    assert normalise("<AddBackward0 object at 0x1> 0x1") != normalise("<AddBackward0 object at 0x1> 0x2")
    assert _text({"stdout": "tensor(1.)\n", "warnings": [], "error": None}) != \
        _text({"stdout": "tensor(1.0)\n", "warnings": [], "error": None})


if __name__ == "__main__":
    chosen = [p for p in PROGRAMS if any(p.startswith(n) for n in sys.argv[1:])] or PROGRAMS
    torch_out, ours_out = _run("torch", chosen), _run("autograd_core", chosen)
    for name in chosen:
        a, b = _text(torch_out[name]), _text(ours_out[name])
        if torch_out[name]["error"]:
            print(f"!!! {name} fails under torch: {torch_out[name]['error']}")
        if a != b:
            print(f"=== {name}")
            sys.stdout.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "torch", "ours", n=1))
        else:
            print(f"ok  {name}")
