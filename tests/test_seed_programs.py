"""The tutorials' programs (tests/seed_programs/*.py, each starting with ``import torch``) must print
exactly what they print under real PyTorch when ``torch`` is autograd_core.

Each library runs every program once, in its own subprocess (tests/program_runner.py); stdout,
warnings and uncaught errors are compared after normalising object addresses.
"""
import difflib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from program_runner import as_text, normalise, run_programs

PROGRAMS_DIR = Path(__file__).parent / "seed_programs"
PROGRAMS = sorted(p.name for p in PROGRAMS_DIR.glob("*.py"))

# numbers from the seed digest (not from our output): each program must print these under both
DIGEST = {
    "s1_example_a_leaves.py": ["w.grad = tensor([5.])", "x.grad = tensor([2.])", "a.grad = tensor([2.])",
                               "is_leaf: True True False False False", "b.grad = None",
                               "y.grad_fn: <MulBackward0", "a.grad_fn: <AddBackward0"],
    "s1_example_b.py": ["m.grad = tensor(4.)", "n.grad = tensor(-6.)"],
    "s1_saved_values.py": ["the saved self is a: True True", "grad_fn=<ExpBackward0>",
                           "Trying to backward through the graph a second time"],
    "s1_example_c_dynamic.py": ["x = tensor(3., grad_fn=<AddBackward0>)",
                                "y = tensor(12., grad_fn=<MulBackward0>)",
                                "z = tensor(15., grad_fn=<AddBackward0>)", "a.grad = 1.0", "b.grad = 1.0",
                                "c.grad = 4.0", "d.grad = 3.0"],
    "s2_control_flow.py": ["a=1.0: y=6.0 via AddBackward0, a.grad=2.0, b.grad=2.0"],
    "s3_variable_data_detach.py": ["Variable gives a Tensor: True", "a.grad (wrong, no error)",
                                   "modified by an inplace operation"],
    "s5_blitz_external_grad.py": ["a.grad = tensor([36., 81.])", "b.grad = tensor([-12.,  -8.])"],
    "s5_blitz_requires_grad.py": ["Does `a` require gradients?: False", "Does `b` require gradients?: True"],
    "s5_blitz_training_step.py": ["first SGD step is p - lr * grad: True"],
    "s5_blitz_resnet18.py": ["prediction: torch.Size([1, 1000])", "first SGD step is p - lr * grad: True",
                             "parameters with a gradient: ['fc.weight', 'fc.bias']",
                             "Linear(in_features=512, out_features=10, bias=True)"],
}


def _run(lib):
    return run_programs(lib, [PROGRAMS_DIR / name for name in PROGRAMS])


@pytest.fixture(scope="module")
def outputs():
    with ThreadPoolExecutor(max_workers=2) as pool:
        ours, theirs = pool.map(_run, ["autograd_core", "torch"])
    return ours, theirs


def test_every_program_is_covered_by_digest_checks():
    assert sorted(DIGEST) == PROGRAMS


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_torch_prints(outputs, name):
    ours, theirs = outputs[0][name], outputs[1][name]
    assert theirs["error"] is None, f"{name} fails under real PyTorch: {theirs['error']}"
    assert ours["error"] is None, f"{name} fails under autograd_core: {ours['error']}"
    expected, got = as_text(theirs).splitlines(), as_text(ours).splitlines()
    diff = "\n".join(difflib.unified_diff(expected, got, "torch", "autograd_core", lineterm=""))
    assert got == expected, f"{name} prints differently:\n{diff}"


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_shows_the_digest_numbers(outputs, name):
    for side, result in zip(("autograd_core", "torch"), outputs):
        text = normalise(result[name]["stdout"])
        missing = [s for s in DIGEST[name] if s not in text]
        assert not missing, f"{name} under {side} does not print {missing}"


def test_normalise_keeps_identity():
    text = "<A object at 0x7f01> <B object at 0x7f02> <A object at 0x7f01> (Triggered internally at x.h:4.)"
    assert normalise(text) == "<A object at a0> <B object at a1> <A object at a0>"
