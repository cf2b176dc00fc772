"""Convolution benchmark: the 60-minute blitz's LeNet training step, autograd_core / PyTorch eager
(one thread) and autograd_core / hand-written numpy (the same im2col kernels, no autograd), measured
in the same run, the two timed in alternating rounds (bench_engine.py's method).

    python bench/bench_conv.py [--quick]

LeNet: Conv2d(1, 6, 5) -> relu -> 2x2 max pool -> Conv2d(6, 16, 5) -> relu -> 2x2 max pool ->
Linear(400, 120) -> relu -> Linear(120, 84) -> relu -> Linear(84, 10), input 1x1x32x32; a step is
zero_grad, forward, MSELoss, backward, SGD step. The pool is F.max_pool2d when both libraries have
it, else (printed) the max over a reshaped view, on both sides alike.

resnet18 (torchvision's, random weights; torch runs torchvision's own code through tests/oracles): one
forward and backward of a 1x3x64x64 batch, and the peak of the allocations tracemalloc sees
(numpy's arrays included) during one such step.

Target (issue 13): the LeNet step at most 3x torch. The batch-64 row is for information: there the
convolutions' arithmetic (numpy's float32 matmul against oneDNN), not Python, is the cost.
"""
import argparse
import os
import sys
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autograd_core  # noqa: E402
from autograd_core import _conv_kernels as CK  # noqa: E402
from bench_engine import interleaved  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the numpy comparison still runs
    torch = None

SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,)]


def _has_max_pool(lib):
    return hasattr(lib.nn.functional, "max_pool2d")


USE_MAX_POOL = _has_max_pool(autograd_core) and (torch is None or _has_max_pool(torch))


def _pool(lib, x):
    """2x2 max pooling, stride 2"""
    if USE_MAX_POOL:
        return lib.nn.functional.max_pool2d(x, 2)
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(5)[0].max(3)[0]


def lenet(lib, batch=1):
    """The blitz's Net, with the same weights in both libraries; returns one training step."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = _pool(lib, F.relu(self.conv1(x)))
            x = _pool(lib, F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = Net()
    rng = np.random.default_rng(0)
    with lib.no_grad():
        for p, shape in zip(net.parameters(), SHAPES):
            p.copy_(lib.tensor(rng.uniform(-0.2, 0.2, shape).astype(np.float32)))
    x = lib.tensor(rng.standard_normal((batch, 1, 32, 32)).astype(np.float32))
    target = lib.tensor(rng.standard_normal((batch, 10)).astype(np.float32))
    criterion = nn.MSELoss()
    optimizer = lib.optim.SGD(net.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        loss = criterion(net(x), target)
        loss.backward()
        optimizer.step()
        return loss
    return step


def lenet_numpy():
    """The same step written by hand on numpy arrays: the conv kernels of autograd_core
    (_conv_kernels), the pool, relu, linear and MSE forward and backward spelled out."""
    rng = np.random.default_rng(0)
    params = [rng.uniform(-0.2, 0.2, s).astype(np.float32) for s in SHAPES]
    x = rng.standard_normal((1, 1, 32, 32)).astype(np.float32)
    target = rng.standard_normal((1, 10)).astype(np.float32)

    def pool(a):
        n, c, h, w = a.shape
        v = a.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        idx = v.argmax(-1)
        return np.take_along_axis(v, idx[..., None], -1)[..., 0], idx

    def unpool(g, idx, shape):
        n, c, h, w = shape
        v = np.zeros((n, c, h // 2, w // 2, 4), np.float32)
        np.put_along_axis(v, idx[..., None], g[..., None], -1)
        return v.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)

    def step():
        w1, b1, w2, b2, f1, c1, f2, c2, f3, c3 = params
        a1 = CK.convolution(x, w1, b1, 1, 0, 1, False, 0, 1)
        r1 = np.maximum(a1, 0)
        p1, i1 = pool(r1)
        a2 = CK.convolution(p1, w2, b2, 1, 0, 1, False, 0, 1)
        r2 = np.maximum(a2, 0)
        p2, i2 = pool(r2)
        h0 = p2.reshape(1, -1)
        z1 = h0 @ f1.T + c1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ f2.T + c2
        h2 = np.maximum(z2, 0)
        out = h2 @ f3.T + c3
        loss = ((out - target) ** 2).mean()
        g_out = 2 * (out - target) / out.size
        g_f3, g_c3, g_h2 = g_out.T @ h2, g_out.sum(0), g_out @ f3
        g_z2 = g_h2 * (z2 > 0)
        g_f2, g_c2, g_h1 = g_z2.T @ h1, g_z2.sum(0), g_z2 @ f2
        g_z1 = g_h1 * (z1 > 0)
        g_f1, g_c1, g_h0 = g_z1.T @ h0, g_z1.sum(0), g_z1 @ f1
        g_a2 = unpool(g_h0.reshape(p2.shape), i2, r2.shape) * (a2 > 0)
        g_w2 = CK.conv_weight_grad(g_a2, p1, (5, 5), 1, 0, 1, 1)
        g_b2 = CK.bias_grad(g_a2)
        g_p1 = CK.conv_input_grad(g_a2, w2, p1.shape[2:], 1, 0, 1, 1)
        g_a1 = unpool(g_p1, i1, r1.shape) * (a1 > 0)
        g_w1 = CK.conv_weight_grad(g_a1, x, (5, 5), 1, 0, 1, 1)
        g_b1 = CK.bias_grad(g_a1)
        for p, g in zip(params, (g_w1, g_b1, g_w2, g_b2, g_f1, g_c1, g_f2, g_c2, g_f3, g_c3)):
            p -= 0.01 * g
        return loss
    return step


# --- resnet18 forward + backward on one 3x64x64 image (once autograd_core.vision exists) ---------------
def resnet18(lib):
    """torchvision's resnet18 (random weights, the same in both libraries), one forward and backward of
    a 1x3x64x64 batch; None when a library lacks it (autograd_core.vision / the torchvision oracle)."""
    try:
        if lib is torch:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from oracles.torchvision_resnet import load
            model = load().resnet18()
        else:
            from autograd_core.vision.models import resnet18 as build
            model = build()
    except (ImportError, RuntimeError):
        return None
    rng = np.random.default_rng(0)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.uniform(-0.05, 0.05, tuple(p.shape)).astype(np.float32)))
    x = lib.tensor(rng.standard_normal((1, 3, 64, 64)).astype(np.float32))

    def step():
        model.zero_grad()
        model(x).sum().backward()
    return step


def peak_memory(step):
    """The peak of Python-visible allocations (numpy's arrays included) during one step, in MB"""
    import tracemalloc
    step()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds (CI smoke run)")
    quick = parser.parse_args().quick
    rounds = 5 if quick else 15
    rows = []
    if torch is not None:
        rows.append(("LeNet training step, 1x1x32x32", "torch")
                    + interleaved(lenet(autograd_core), lenet(torch), rounds, 50) + (3.0,))
    rows.append(("LeNet training step, 1x1x32x32", "numpy")
                + interleaved(lenet(autograd_core), lenet_numpy(), rounds, 50) + (None,))
    if torch is not None:  # (where the convolutions' arithmetic, not Python, is the cost)
        rows.append(("LeNet training step, batch 64", "torch")
                    + interleaved(lenet(autograd_core, 64), lenet(torch, 64), rounds, 5) + (None,))

    ours, theirs = resnet18(autograd_core), resnet18(torch) if torch is not None else None
    memory = None
    if ours is not None and theirs is not None:
        rows.append(("resnet18 forward+backward, 1x3x64x64", "torch") + interleaved(ours, theirs, rounds, 2)
                    + (None,))
        memory = peak_memory(ours)

    print(f"{'benchmark':56s} {'vs':6s} {'autograd_core':>14s} {'reference':>11s} {'ratio':>6s} {'target':>7s}")
    for label, ref, ours, theirs, ratio, target in rows:
        flag = "" if target is None else "ok" if ratio <= target else "MISSED"
        print(f"{label:56s} {ref:6s} {ours * 1e3:11.3f} ms {theirs * 1e3:8.3f} ms {ratio:6.2f} "
              f"{'' if target is None else '<= ' + str(target):>7s} {flag}")
    print(f"(medians of {rounds} rounds, the two libraries alternating; ratio: median of the rounds' ratios; "
          f"pool: {'F.max_pool2d' if USE_MAX_POOL else 'max over a reshaped view (no F.max_pool2d yet)'})")
    if memory is not None:
        print(f"resnet18 step, autograd_core: peak of traced allocations {memory:.1f} MB (tracemalloc)")
    elif ours is None:
        print("resnet18: not measured (autograd_core.vision is not there yet)")


if __name__ == "__main__":
    main()
