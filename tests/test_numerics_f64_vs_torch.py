"""float64 softmax and log_softmax bit for bit against torch: ATen's vectorised kernels, with SLEEF's
exp and log in float64 (sleef_expd, sleef_logd) in their vector lanes and glibc's exp in their scalar
loops. numpy's exp and log differed from torch's in the last bit on 3-16% of these values."""
import os
import subprocess
import sys

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from torch_oracle import assert_close


def _with_threads(threads, program):
    """program() with torch and autograd_core both set to threads"""
    before = torch.get_num_threads(), ac.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ac.set_num_threads(threads)
        return program()
    finally:
        torch.set_num_threads(before[0])
        ac.set_num_threads(before[1])


def _forward_and_gradient(module, x, g, name, dim, view):
    t = module.tensor(x, requires_grad=True)
    picked = {"as is": t, "transposed": t.mT if t.ndim > 1 else t, "strided": t[..., ::2]}[view]
    y = getattr(picked, name)(dim)
    dx, = module.autograd.grad(y, t, module.tensor(g).reshape(y.shape))
    return y, dx


def _sprinkled(rng, x):
    """x with a few -inf (a row's zero terms), and now and then an inf, nan, -0. or subnormal"""
    x[rng.random(x.shape) < 0.03] = -np.inf
    if x.size and rng.random() < 0.2:
        x.flat[rng.integers(0, x.size)] = rng.choice([np.inf, np.nan, -0.0, 5e-324, 1e300])
    return x


@settings(max_examples=50, deadline=None)
@given(lead=st.sampled_from([(), (1,), (2,), (7,), (2, 3)]), n=st.integers(1, 90),
       scale=st.sampled_from([0.5, 3.0, 40.0]), seed=st.integers(0, 2 ** 16),
       view=st.sampled_from(["as is", "transposed", "strided"]), threads=st.sampled_from([1, 2]))
def test_float64_log_softmax_matches_torch_bit_for_bit(lead, n, scale, seed, view, threads):
    """float64 log_softmax over the last dim: (x - max) - log(sum), e**(x - max) by SLEEF's exp, the sum in
    vector lanes, the log by SLEEF's log (sleef_logd); its gradient g - exp(out) sum(g), SLEEF's exp and one
    fused multiply-add. numpy's exp and log differed on 10% of the values, 9% of the gradient's."""
    rng = np.random.default_rng(seed)
    shape = lead + (n,) if view != "transposed" or not lead else lead[:-1] + (n, lead[-1])
    x = _sprinkled(rng, rng.standard_normal(shape[:-1] + (shape[-1] * (2 if view == "strided" else 1),)) * scale)
    g = rng.standard_normal(x[..., ::2].size if view == "strided" else x.size)
    ours, theirs = (_with_threads(threads, lambda: _forward_and_gradient(m, x, g, "log_softmax", -1, view))
                    for m in (ac, torch))
    assert_close(ours[0], theirs[0], f"float64 log_softmax ({view})", exact=True)
    assert_close(ours[1], theirs[1], f"float64 log_softmax's gradient ({view})", exact=True)


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 40), min_size=2, max_size=4).filter(lambda s: np.prod(s) <= 3000),
       data=st.data(), scale=st.sampled_from([0.5, 3.0, 40.0]), seed=st.integers(0, 2 ** 16),
       name=st.sampled_from(["softmax", "log_softmax"]), threads=st.sampled_from([1, 2]))
def test_float64_softmax_and_log_softmax_over_another_dim_match_torch_bit_for_bit(shape, data, scale, seed,
                                                                                  name, threads):
    """Over a dim other than the last, ATen's column kernels in float64: vectors of 8 columns (AVX512; 4
    with AVX2) with SLEEF's exp, the columns left over with glibc's, summed from 0 in order; log_softmax's
    log by SLEEF's; softmax's vectors follow its split of the columns between threads; the gradients' sums
    fused term by term. numpy differed on 6% of softmax's values, 13% of its gradient's."""
    dim = data.draw(st.integers(-len(shape), len(shape) - 2), label="dim")
    rng = np.random.default_rng(seed)
    x = _sprinkled(rng, rng.standard_normal(shape) * scale)
    g = rng.standard_normal(shape)
    ours, theirs = (_with_threads(threads, lambda: _forward_and_gradient(m, x, g, name, dim, "as is"))
                    for m in (ac, torch))
    assert_close(ours[0], theirs[0], f"float64 {name} over dim {dim}", exact=True)
    assert_close(ours[1], theirs[1], f"float64 {name}'s gradient over dim {dim}", exact=True)


def test_sleef_logd_on_the_sums_log_softmax_takes():
    """log_softmax of a row [0, a] is -log(1 + e**a) and of k zeros -log(k): SLEEF's log of sums in (1, 2]
    (numpy's log differed on 4% of these), of sums within an ulp or two of 1, and of the integers to 90."""
    rng = np.random.default_rng(21)
    a = np.concatenate([rng.uniform(-40, 0, 30_000), -rng.uniform(36, 38, 2000), [0.0, -np.inf, np.nan]])
    pairs = np.stack([np.zeros_like(a), a], axis=1)
    assert_close(ac.tensor(pairs).log_softmax(-1), torch.tensor(pairs).log_softmax(-1), "log_softmax of [0, a]",
                 exact=True)
    for k in range(1, 91):
        zeros = np.zeros((2, k))
        assert_close(ac.tensor(zeros).log_softmax(-1), torch.tensor(zeros).log_softmax(-1), f"log_softmax of {k} zeros",
                     exact=True)


def test_float64_softmax_follows_avx2s_vector_width():
    """With ATen held to AVX2 (4 doubles a vector), over the last dim and others: in a child process, as
    ATEN_CPU_CAPABILITY is read at import."""
    script = """
import numpy as np, torch, autograd_core as ac
rng = np.random.default_rng(3)
shapes = [(2, n) for n in (1, 3, 4, 5, 7, 8, 9, 15, 17, 31, 33, 90)] + [(5, 3), (6, 16), (7, 6), (9, 40), (3, 5, 11)]
for shape in shapes:
    x = rng.standard_normal(shape) * 3
    g = rng.standard_normal(shape)
    for dim in range(len(shape)):
        for name in ("softmax", "log_softmax"):
            out = []
            for m in (ac, torch):
                t = m.tensor(x, requires_grad=True)
                y = getattr(t, name)(dim)
                dx, = m.autograd.grad(y, t, m.tensor(g))
                out.append(np.concatenate([y.detach().numpy().ravel(), dx.numpy().ravel()]).view(np.int64))
            assert np.array_equal(*out), (name, shape, dim)
print("same")
"""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "same", done.stderr[-2000:]
