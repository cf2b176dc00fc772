"""A stand-in for the torchvision package, for the notebook tests on CGRAPH_BACKEND=torch where the
real one is not installed (here its wheel's C extension does not load with the CPU build of torch).

``torchvision.models`` is torchvision 0.28.0's own ResNet code run under real torch, as loaded by the
oracle tests/oracles/torchvision_resnet.py; nothing else of torchvision is here. tests/test_notebooks.py
puts this folder on the kernel's PYTHONPATH only when ``import torchvision`` finds no torchvision.
"""
import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[2])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from oracles.torchvision_resnet import load  # noqa: E402

models = load()
sys.modules[__name__ + ".models"] = models
