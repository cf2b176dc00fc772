"""A seeded program draws torch's numbers: torch.manual_seed(s), then rand, randn, randint, randperm,
normal, uniform_ / normal_, nn's initialisation, dropout, DataLoader's shuffling and random_split give
PyTorch 2.13's values bit for bit, and leave the generator where PyTorch leaves it (the draw after
them is compared too)."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import autograd_core as ac


def _same(ours, theirs, what):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape, (what, a.dtype, b.dtype, a.shape, b.shape)
    assert a.tobytes() == b.tobytes(), (what, a.ravel()[:8], b.ravel()[:8])


def _values(x):
    if isinstance(x, (list, tuple)):
        return [_values(v) for v in x]
    return x.detach().numpy() if hasattr(x, "detach") else x


def _draws(m, program, seed):
    m.manual_seed(seed)
    out = program(m)
    return _values(out) + [_values(m.rand(3))]  # (and where the generator was left)


PROGRAMS = {
    "randn of every size up to 40": lambda m: [m.randn(n) for n in range(41)],
    "randn of a matrix, float64, and a 1-element one": lambda m: [m.randn(7, 19), m.randn(3, 40, dtype=m.float64),
                                                                   m.randn(1), m.randn(5, dtype=m.float64)],
    "rand, float64 too": lambda m: [m.rand(5, 3), m.rand(33, dtype=m.float64), m.rand(())],
    "randint, small and 64-bit ranges": lambda m: [m.randint(0, 10, (12,)), m.randint(-5, 5, (3, 4)),
                                                   m.randint(3, 2 ** 40, (6,)), m.randint(7, (2,))],
    "randperm": lambda m: [m.randperm(1), m.randperm(10), m.randperm(300)],
    "normal with numbers and tensors": lambda m: [m.normal(2.0, 3.0, (5,)), m.normal(-1.0, 0.5, (40,)),
                                                  m.normal(m.zeros(4), m.ones(4) * 2),
                                                  m.normal(m.arange(20.0), 0.1)],
    "uniform_ and normal_ in place": lambda m: [m.empty(50).uniform_(-0.37, 0.81), m.empty(9).normal_(1.5, 2.5),
                                               m.empty(33).normal_(-3.0, 0.25),
                                               m.empty(17, dtype=m.float64).uniform_(2, 5),
                                               m.empty(40, dtype=m.float64).normal_(1.5, 2.5)],
    "rand_like and randn_like": lambda m: [m.rand_like(m.zeros(3, 4)), m.randn_like(m.zeros(20))],
    "nn.Linear, nn.Conv2d and init functions": lambda m: [
        *m.nn.Linear(3, 2).parameters(), *m.nn.Linear(64, 10).parameters(),
        *m.nn.Conv2d(3, 4, 3).parameters(),
        m.nn.init.kaiming_normal_(m.empty(8, 5)), m.nn.init.xavier_uniform_(m.empty(4, 6)),
        m.nn.init.xavier_normal_(m.empty(30, 2))],
    "dropout and dropout2d": lambda m: [m.nn.functional.dropout(m.ones(50), 0.3),
                                        m.nn.Dropout(0.5)(m.ones(4, 8)),
                                        m.nn.functional.dropout(m.ones(4, 6).t(), 0.5),  # (memory order)
                                        m.nn.functional.dropout(m.ones(6, 8)[:, ::2], 0.5),
                                        m.nn.functional.dropout2d(m.ones(2, 3, 2, 2), 0.4)],
    "a manual_seed between draws, and a negative seed": lambda m: [m.randn(3), m.manual_seed(-7) and m.randn(17)],
}


@pytest.mark.parametrize("name", list(PROGRAMS))
@pytest.mark.parametrize("seed", [0, 42, 2 ** 32 + 5])
def test_a_seeded_program_draws_torchs_numbers(name, seed):
    for i, (ours, theirs) in enumerate(zip(_draws(ac, PROGRAMS[name], seed), _draws(torch, PROGRAMS[name], seed))):
        for j, (a, b) in enumerate(zip(ours, theirs) if isinstance(ours, list) else [(ours, theirs)]):
            _same(a, b, f"{name}: value {i}.{j}")


def test_a_large_randn_is_torchs_bit_for_bit():
    """A million normals: float32 through ATen's AVX2 Box-Muller (avx_mathfun's log and sincos),
    float64 through libm's."""
    for dtype in ("float32", "float64"):
        ours, theirs = (_draws(m, lambda m: [m.randn(1_000_003, dtype=getattr(m, dtype))], 1) for m in (ac, torch))
        _same(ours[0], theirs[0], dtype)


def _epochs(m, generator):
    data = m.utils.data.TensorDataset(m.arange(10.0), m.arange(10))
    g = None if generator is None else m.Generator().manual_seed(generator)
    loader = m.utils.data.DataLoader(data, batch_size=4, shuffle=True, generator=g)
    plain = m.utils.data.DataLoader(data, batch_size=5)
    train, test = m.utils.data.random_split(data, [7, 3])
    return ([[y.tolist() for _, y in loader] for _ in range(3)], [[y.tolist() for _, y in plain]],
            list(train.indices), list(test.indices))


@pytest.mark.parametrize("generator", [None, 123])
def test_dataloader_shuffles_and_random_split_as_torch(generator):
    """DataLoader(shuffle=True): each epoch's order (RandomSampler: a generator of its own seeded from
    the default one, or the loader's), the base seed each epoch draws, and random_split's subsets."""
    ac.manual_seed(3)
    torch.manual_seed(3)
    assert _epochs(ac, generator) == _epochs(torch, generator)
    _same(ac.rand(4).numpy(), torch.rand(4).numpy(), "the draw after")


def test_a_training_run_draws_torchs_numbers_throughout():
    """A tutorial's run from torch.manual_seed: data from randn, an MLP initialised by nn's
    defaults, shuffled batches, dropout: the initial parameters, every batch and every dropout mask
    equal (the losses agree to float32 rounding: torch's matrix products are MKL's, whose order of
    adding this engine follows only for one term)."""
    def run(m):
        m.manual_seed(0)
        x = m.randn(64, 3)
        y = (x @ m.tensor([[1.5], [-2.0], [0.5]]) + 0.1 * m.randn(64, 1))
        model = m.nn.Sequential(m.nn.Linear(3, 16), m.nn.ReLU(), m.nn.Dropout(0.2), m.nn.Linear(16, 1))
        drawn = [p.detach().numpy().copy() for p in model.parameters()]
        masks = []
        model[2].register_forward_hook(lambda mod, inp, out: masks.append(
            ((out == 0) & (inp[0] != 0)).numpy().copy()))
        opt = m.optim.SGD(model.parameters(), lr=0.05)
        loader = m.utils.data.DataLoader(m.utils.data.TensorDataset(x, y), batch_size=16, shuffle=True)
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                drawn.append(yb.numpy().copy())
                loss = m.nn.functional.mse_loss(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return drawn + masks, losses
    (ours, our_losses), (theirs, their_losses) = run(ac), run(torch)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        _same(a, b, f"draw {i}")
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)


def test_generator_seeds_as_torch():
    assert ac.Generator().initial_seed() == torch.Generator().initial_seed()
    ac.manual_seed(-1)
    torch.manual_seed(-1)
    assert ac.initial_seed() == torch.initial_seed()
    _same(ac.rand(2).numpy(), torch.rand(2).numpy(), "after seed -1")


def test_a_tensor_laid_out_otherwise_is_filled_in_memory_order():
    """uniform_ / normal_ on a transposed or sliced tensor, rand_like / randn_like of a transposed
    one: ATen's iterator visits memory in order, and a tensor that is not contiguous takes its
    normals one by one (normal_distribution<double>), however many."""
    def program(m):
        base = m.zeros(6, 5)
        return [m.zeros(5, 6).t().uniform_(), m.zeros(6, 5).t().normal_(), base[:, ::2].normal_(),
                m.rand_like(m.zeros(4, 7).t()), m.randn_like(m.zeros(4, 7).t()), m.randn_like(m.zeros(20, 3)[::2])]
    for i, (a, b) in enumerate(zip(_draws(ac, program, 7), _draws(torch, program, 7))):
        _same(a, b, f"value {i}")


def test_without_avx2_normals_come_from_libms_float_functions():
    """ATEN_CPU_CAPABILITY=default (a CPU without AVX2): ATen's scalar normal_fill, libm's logf, cosf
    and sinf in float32; this engine follows the same setting."""
    code = ("import numpy as np, torch, autograd_core as ac\n"
            "r = []\n"
            "for m in (torch, ac):\n"
            "    m.manual_seed(0); r.append(np.concatenate([m.randn(1000).numpy(), m.empty(40).normal_(1.5, 2.5).numpy()]))\n"
            "print(int((r[0] != r[1]).sum()))\n")
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"


def test_rng_state_is_torchs_and_restores_the_stream():
    """get_rng_state(): torch's 5056 bytes (seed, the twister's countdown and position, its words,
    the kept normal sample), before any draw and after some; set_rng_state() restores the stream,
    from either library's state, and refuses as torch does."""
    def states(m):
        m.manual_seed(5)
        fresh = m.get_rng_state()
        m.rand(3)
        m.randn(1)  # (keeps its sine for the next draw)
        later = m.get_rng_state()
        after = m.randn(4)
        return fresh, later, after
    (a_fresh, a_later, a_after), (t_fresh, t_later, t_after) = states(ac), states(torch)
    assert a_fresh.dtype == ac.uint8 and tuple(a_fresh.shape) == (5056,)
    for ours, theirs in ((a_fresh, t_fresh), (a_later, t_later)):
        assert ours.numpy().tobytes() == theirs.numpy().tobytes()
    ac.manual_seed(99)
    ac.set_rng_state(ac.tensor(t_later.numpy()))  # (torch's own state)
    _same(ac.randn(4).numpy(), t_after.numpy(), "after set_rng_state")
    assert ac.initial_seed() == 5
    g = ac.Generator().manual_seed(3)
    state = g.get_state()
    first = ac.rand(5, generator=g)
    g.set_state(state)
    _same(ac.rand(5, generator=g).numpy(), first.numpy(), "a generator's own state")
    for bad, theirs in ((ac.zeros(10, dtype=ac.uint8), torch.zeros(10, dtype=torch.uint8)),
                        (ac.zeros(5056), torch.zeros(5056))):
        with pytest.raises((RuntimeError, TypeError)) as caught:
            torch.set_rng_state(theirs)
        with pytest.raises(type(caught.value), match=f"^{caught.value.args[0]}$"):
            ac.set_rng_state(bad)
