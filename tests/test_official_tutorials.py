"""PyTorch's official tutorials (tests/official_tutorials/*.py: Learning PyTorch with Examples, the
60-minute blitz, Learn the Basics, "What is torch.nn really?", the autograd-mechanics and extending
notes, the double-backward and saved-tensors-hooks tutorials, d2l's builders' guide, micrograd's
tests) must print what they print under real PyTorch 2.13 when ``torch`` is autograd_core.

Each program is the tutorial's code, adapted only where data or weights must be made locally or where
it would print values drawn from the random generator; its header comment lists every adaptation.
Both libraries run every program (tests/program_runner.py: one subprocess per library, fresh globals
per program) in a fresh temporary directory, so the files the tutorials save land there. The runner
maps ``torchvision`` to autograd_core.vision under autograd_core and to the vendored torchvision oracle
(tests/oracles/) under torch.

Run ``python tests/test_official_tutorials.py [name ...]`` to print the diffs.
"""
import difflib
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from program_runner import as_text, normalise, run_programs

PROGRAMS_DIR = Path(__file__).parent / "official_tutorials"
PROGRAMS = sorted(p.name for p in PROGRAMS_DIR.glob("[!_]*.py"))


def _run(lib, names, workdir):
    """Run `names` under `lib` in a copy of the programs inside workdir/lib (the tutorials write files
    such as model.pth into their working directory)."""
    here = Path(workdir) / lib
    here.mkdir()
    for name in names:
        shutil.copy(PROGRAMS_DIR / name, here / name)
    return run_programs(lib, [here / name for name in names])


ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_both(names=PROGRAMS):
    """({name: result} under torch, {name: result} under autograd_core). One BLAS/OpenMP thread each:
    on a shared, loaded machine two spinning threads made torch's small ops 20x slower (ex_polynomial_
    optim: 37 s instead of 2), and one thread keeps ATen's and MKL's summation order fixed."""
    saved = {key: os.environ.get(key) for key in ONE_THREAD}
    os.environ.update(ONE_THREAD)
    try:
        with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(max_workers=2) as pool:
            theirs, ours = pool.map(lambda lib: _run(lib, names, workdir), ["torch", "autograd_core"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return theirs, ours


@pytest.fixture(scope="module")
def outputs():
    return run_both()


def test_programs_exist():
    assert len(PROGRAMS) >= 25


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_torch_prints(outputs, name):
    theirs, ours = outputs[0][name], outputs[1][name]
    assert theirs["error"] is None, f"{name} fails under real PyTorch: {theirs['error']}"
    expected, got = as_text(theirs), as_text(ours)
    diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "torch",
                                        "autograd_core"))
    assert got == expected, diff


def test_every_program_prints_something(outputs):
    """A program that prints nothing compares nothing."""
    silent = [name for name in PROGRAMS if not outputs[0][name]["stdout"].strip()]
    assert not silent


def test_accelerator_without_one_answers_as_torch():
    """The current tutorials start with torch.accelerator (none here): the same answers and error."""
    import torch

    import autograd_core
    for lib in (torch, autograd_core):
        assert lib.accelerator.is_available() is False
        assert lib.accelerator.current_accelerator() is None
        assert lib.accelerator.device_count() == 0
    with pytest.raises(RuntimeError) as theirs:
        torch.accelerator.current_device_index()
    with pytest.raises(RuntimeError, match=theirs.value.args[0]):
        autograd_core.accelerator.current_device_index()


def test_comparison_can_fail():
    """Different output stays different after normalisation."""
    assert normalise("loss: 2.302210") != normalise("loss: 2.302211")
    assert as_text({"stdout": "", "warnings": [], "error": None}) != \
        as_text({"stdout": "", "warnings": [], "error": "RuntimeError: x"})


if __name__ == "__main__":
    chosen = [p for p in PROGRAMS if any(p.startswith(n) for n in sys.argv[1:])] or PROGRAMS
    torch_out, ours_out = run_both(chosen)
    for name in chosen:
        a, b = as_text(torch_out[name]), as_text(ours_out[name])
        if torch_out[name]["error"]:
            print(f"!!! {name} fails under torch: {torch_out[name]['error']}")
        if a != b:
            print(f"=== {name}")
            sys.stdout.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "torch",
                                                       "ours", n=1))
        else:
            print(f"ok  {name}")
