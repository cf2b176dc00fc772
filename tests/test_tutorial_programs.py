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
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS_DIR = Path(__file__).parent / "tutorial_programs"
PROGRAMS = sorted(p.name for p in PROGRAMS_DIR.glob("*.py"))

DRIVER = r"""
import contextlib, io, json, runpy, sys, traceback, warnings
lib, paths = sys.argv[1], sys.argv[2:]
if lib == "autograd_core":
    import autograd_core
    for name, mod in list(sys.modules.items()):
        if name == "autograd_core" or name.startswith("autograd_core."):
            sys.modules["torch" + name[len("autograd_core"):]] = mod
import torch
results = {}
for path in paths:
    out, error = io.StringIO(), None
    torch.set_grad_enabled(True)
    torch.set_printoptions(profile="default")
    torch.set_printoptions(sci_mode=None)
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            runpy.run_path(path, run_name="__main__")
        except BaseException:
            error = traceback.format_exc().splitlines()[-1]
    shown = [f"{w.category.__name__}: {w.message}" for w in caught]
    results[path] = {"stdout": out.getvalue(), "warnings": shown, "error": error}
sys.stdout.write(json.dumps(results))
"""


def normalise(text):
    """Addresses -> a0, a1, ... (first appearance); drop PyTorch's C++ source suffix on warnings."""
    text = re.sub(r" \(Triggered internally at [^)]*\)", "", text)
    names = {}
    return re.sub(r"0x[0-9a-f]+", lambda m: names.setdefault(m.group(0), f"a{len(names)}"), text)


def _run(lib, names=PROGRAMS):
    paths = [str(PROGRAMS_DIR / name) for name in names]
    # the autograd_core next to these tests, whatever the environment has installed
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root] + os.environ.get("PYTHONPATH", "").split(os.pathsep))}
    proc = subprocess.run([sys.executable, "-c", DRIVER, lib, *paths], capture_output=True, text=True,
                          timeout=300, cwd=PROGRAMS_DIR, env=env)
    assert proc.returncode == 0, f"{lib} driver failed:\n{proc.stderr}"
    return {Path(p).name: r for p, r in json.loads(proc.stdout).items()}


def _text(result):
    lines = [result["stdout"]]
    lines += [f"[warning] {w}\n" for w in result["warnings"]]
    if result["error"]:
        lines.append(f"[uncaught] {result['error']}\n")
    return normalise("".join(lines))


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
