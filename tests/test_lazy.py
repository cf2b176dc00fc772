"""Lazy modules (nn.LazyLinear, nn.parameter.UninitializedParameter / UninitializedBuffer) print and
fail exactly as in PyTorch: the programs in tests/lazy_programs/ (d2l's lazy-initialisation,
parameter-management and file-I/O sections, and a tour of what an uninitialised parameter refuses)
run under both libraries (tests/program_runner.py) and must print the same text."""
import difflib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
from autograd_core import nn
from program_runner import as_text, run_programs

PROGRAMS_DIR = Path(__file__).parent / "lazy_programs"
PROGRAMS = sorted(p.name for p in PROGRAMS_DIR.glob("*.py"))

# what each program must show (from PyTorch's documentation and d2l's text, not from our output)
SHOWN = {
    "d2l_lazy_initialization.py": ["<UninitializedParameter>",
                                   "(0): LazyLinear(in_features=0, out_features=256, bias=True)",
                                   "torch.Size([256, 20])",
                                   "(0): Linear(in_features=20, out_features=256, bias=True)",
                                   "(2): Linear(in_features=256, out_features=10, bias=True)"],
    "d2l_parameter_management.py": ["torch.Size([2, 1])", "tensor([True, True, True, True, True, True, "
                                    "True, True])", "Init weight torch.Size([8, 4])"],
    "d2l_file_io.py": ["<All keys matched successfully>", "torch.Size([256, 20]) Parameter", "True",
                       "('hidden.weight', <UninitializedParameter>)"],
    "lazy_module_behaviour.py": ["Attempted to use an uninitialized parameter in <method 'add' of "
                                 "'torch._C.TensorBase' objects>",
                                 "Can't access the shape of an uninitialized parameter or buffer",
                                 "<built-in function linear>", "Linear Parameter torch.float64"],
}


@pytest.fixture(scope="module")
def outputs():
    paths = [PROGRAMS_DIR / name for name in PROGRAMS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        ours, theirs = pool.map(lambda lib: run_programs(lib, paths), ["autograd_core", "torch"])
    return ours, theirs


def test_every_program_has_checks():
    assert sorted(SHOWN) == PROGRAMS


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_what_torch_prints(outputs, name):
    ours, theirs = outputs[0][name], outputs[1][name]
    assert theirs["error"] is None, f"{name} fails under real PyTorch: {theirs['error']}"
    assert ours["error"] is None, f"{name} fails under autograd_core: {ours['error']}"
    expected, got = as_text(theirs).splitlines(), as_text(ours).splitlines()
    diff = "\n".join(difflib.unified_diff(expected, got, "torch", "autograd_core", lineterm=""))
    assert got == expected, f"{name} prints differently:\n{diff}"


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_shows_the_documented_facts(outputs, name):
    for side, result in zip(("autograd_core", "torch"), outputs):
        missing = [s for s in SHOWN[name] if s not in result[name]["stdout"]]
        assert not missing, f"{name} under {side} does not print {missing}"


def test_lazy_linear_initialises_as_linear_does():
    """After the first call the weights are Linear's: U(-1/sqrt(in), 1/sqrt(in)), and the same
    draws as a Linear made at that point from the same seed."""
    lazy = nn.LazyLinear(5)
    x = torch.rand(3, 7)
    torch.manual_seed(3)
    y = lazy(x)
    torch.manual_seed(3)
    eager = nn.Linear(7, 5)
    assert type(lazy) is nn.Linear and type(lazy.weight) is nn.Parameter
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), eager.weight.detach().numpy())
    np.testing.assert_array_equal(lazy.bias.detach().numpy(), eager.bias.detach().numpy())
    np.testing.assert_allclose(y.detach().numpy(), eager(x).detach().numpy(), rtol=0, atol=0)
    assert lazy.weight.abs().max().item() <= 1 / 7 ** 0.5


def test_gradients_reach_the_materialised_parameters():
    net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    x = torch.rand(6, 3)
    net(x).sum().backward()
    assert [tuple(p.grad.shape) for p in net.parameters()] == [(4, 3), (4,), (1, 4), (1,)]
    opt = torch.optim.SGD(net.parameters(), lr=0.1)  # an optimiser made after the dry run
    before = net[2].bias.detach().clone()
    opt.step()
    assert torch.allclose(net[2].bias, before - 0.1 * net[2].bias.grad)


def test_optimizer_made_before_the_first_call_updates_the_same_objects():
    """The UninitializedParameter object itself becomes the Parameter, so an optimiser built before
    the dry run (as PyTorch warns against, but allows) holds the materialised tensors."""
    net = nn.Sequential(nn.LazyLinear(2))
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    held = opt.param_groups[0]["params"]
    net(torch.ones(1, 3)).sum().backward()
    assert held[0] is net[0].weight and tuple(held[0].shape) == (2, 3)
    opt.step()
    np.testing.assert_allclose(net[0].bias.detach().numpy(), net[0].bias.detach().numpy())


def test_uninitialised_module_errors_name_the_module():
    class Broken(nn.lazy.LazyModuleMixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.UninitializedParameter()

        def initialize_parameters(self, input):
            pass  # forgets to materialise

        def forward(self, input):
            return input

    with pytest.raises(RuntimeError, match="module Broken has not been fully initialized"):
        Broken()(torch.ones(2))


def test_lazy_mixin_without_initialize_parameters():
    class NoInit(nn.lazy.LazyModuleMixin, nn.Module):
        def forward(self, input):
            return input

    with pytest.raises(NotImplementedError, match="initialize_parameters is not implemented for NoInit"):
        NoInit()(torch.ones(2))
