"""Run the same programs (each starting with ``import torch``) under real PyTorch and under
autograd_core, for the tests that compare what they print (test_seed_programs.py,
test_tutorial_programs.py).

One subprocess per library runs every program with runpy in fresh globals (printing options reset in
between); for autograd_core the driver first points ``sys.modules['torch']`` (and torch.nn,
torch.autograd, ...) at autograd_core. ``torchvision`` (its models: resnet18, ...) is
autograd_core.vision under autograd_core, and under PyTorch torchvision's own ResNet code from the
published wheel (tests/oracles/torchvision_resnet.py; torchvision itself does not install next to the
CPU torch), loaded on the first import. Captured per program: stdout, warnings (category and message)
and the last line of an uncaught exception.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DRIVER = r"""
import contextlib, io, json, runpy, sys, traceback, warnings
lib, paths = sys.argv[1], sys.argv[2:]
if lib == "autograd_core":
    import autograd_core
    for name, mod in list(sys.modules.items()):
        if name == "autograd_core" or name.startswith("autograd_core."):
            sys.modules["torch" + name[len("autograd_core"):]] = mod
    import autograd_core.vision.models
    sys.modules["torchvision"] = autograd_core.vision
    sys.modules["torchvision.models"] = autograd_core.vision.models
else:  # torchvision's own ResNet code run under PyTorch (tests/oracles), built on first import
    import importlib.abc, importlib.util, os, types

    class OracleTorchvision(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path, target=None):
            if name in ("torchvision", "torchvision.models"):
                return importlib.util.spec_from_loader(name, self, is_package=True)

        def create_module(self, spec):
            if "torchvision.models" not in sys.modules:
                sys.path.append(os.environ["CGRAPH_TESTS_DIR"])
                from oracles.torchvision_resnet import load
                package = types.ModuleType("torchvision")
                package.__path__, package.models = [], load()
                sys.modules["torchvision.models"] = package.models
                sys.modules["torchvision"] = package
            return sys.modules[spec.name]

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, OracleTorchvision())
import torch
results = {}
for path in paths:
    out, error = io.StringIO(), None
    torch.set_grad_enabled(True)
    torch.set_printoptions(profile="default")
    torch.set_printoptions(sci_mode=None)
    torch.manual_seed(0)  # (the tutorials do not seed; torch's generator starts from the clock)
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
    """Addresses -> a0, a1, ... (first appearance, so identity is still compared); drop PyTorch's
    "(Triggered internally at <C++ file>)" suffix on warnings."""
    text = re.sub(r" \(Triggered internally at [^)]*\)", "", text)
    names = {}
    return re.sub(r"0x[0-9a-f]+", lambda m: names.setdefault(m.group(0), f"a{len(names)}"), text)


def run_programs(lib, paths):
    """{file name: {"stdout", "warnings", "error"}} for `paths` run under lib ("torch" or
    "autograd_core": the one next to these tests, whatever the environment has installed)."""
    env = {**os.environ, "CGRAPH_TESTS_DIR": str(ROOT / "tests"),
           "PYTHONPATH": os.pathsep.join([str(ROOT)] + os.environ.get("PYTHONPATH", "").split(os.pathsep))}
    proc = subprocess.run([sys.executable, "-c", DRIVER, lib, *map(str, paths)], capture_output=True,
                          text=True, timeout=300, cwd=Path(paths[0]).parent, env=env)
    assert proc.returncode == 0, f"{lib} driver failed:\n{proc.stderr}"
    return {Path(p).name: r for p, r in json.loads(proc.stdout).items()}


def as_text(result):
    """What a program showed: stdout, then its warnings and uncaught error, normalised."""
    lines = [result["stdout"]]
    lines += [f"[warning] {w}\n" for w in result["warnings"]]
    if result["error"]:
        lines.append(f"[uncaught] {result['error']}\n")
    return normalise("".join(lines))
