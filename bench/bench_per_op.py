"""Where the time of bench_engine's regression and small MLP goes: each forward op, the backward pass
and the parameter update, timed on autograd_core and on PyTorch eager (one thread) in alternating
rounds, as bench_engine times whole steps.

    python bench/bench_per_op.py [--quick]

Each row prints both times, their ratio and the difference in microseconds; a step's difference is
the sum of its rows', so the rows show what a faster engine would have to change.
"""
import argparse
import os
import sys
from pathlib import Path

if __name__ == "__main__":  # (not when a test imports the rows)
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autograd_core  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import interleaved, small_mlp_tensors  # noqa: E402  (one timer for every benchmark)


# (label, timed statement), each run on one iteration's intermediates (see *_state); "backward" runs
# forward and backward, "its forward" the same forward alone (their difference is printed)
REGRESSION = [
    ("w * x", "w * x"),
    ("... + b", "wx + b"),
    ("y - y_pred", "y - y_pred"),
    ("(...) ** 2", "d ** 2"),
    ("0.5 * (...)", "0.5 * d2"),
    (".mean()", "h.mean()"),
    ("backward", "loss = (0.5 * (y - (w * x + b)) ** 2).mean()\nloss.backward()\nw.grad = b.grad = None"),
    ("its forward", "loss = (0.5 * (y - (w * x + b)) ** 2).mean()\nw.grad = b.grad = None"),
    ("b.data.sub_(lr * b.grad)", "b.data.sub_(0.05 * g)"),
    ("w.grad.zero_()", "g.zero_()"),
]


def regression_state(lib):
    """bench_engine.regression's tensors (the same values for both libraries, whose random
    generators differ) and one iteration's intermediates."""
    rng = np.random.default_rng(10)
    x = lib.tensor((rng.random((20, 1)) * 10).astype(np.float32))
    y = 2 * x + lib.tensor((5 + rng.standard_normal((20, 1))).astype(np.float32))
    w = lib.tensor(rng.standard_normal(1).astype(np.float32), requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    wx = w * x
    y_pred = wx + b
    d = y - y_pred
    d2 = d ** 2
    return dict(lib=lib, x=x, y=y, w=w, b=b, wx=wx, y_pred=y_pred, d=d, d2=d2, h=0.5 * d2, g=lib.ones(1))


_MLP_FORWARD = ("h = (X @ w1 + b1).relu()\nh = (h @ w2 + b2).tanh()\nout = h @ w3 + b3\n"
                "loss = ((out - Y) ** 2).mean()")
MLP = [
    ("X @ w1", "X @ w1"),
    ("... + b1", "a1 + b1"),
    (".relu()", "z1.relu()"),
    ("h @ w2", "h1 @ w2"),
    (".tanh()", "z2.tanh()"),
    ("out - Y", "out - Y"),
    ("(...) ** 2", "d ** 2"),
    (".mean()", "d2.mean()"),
    ("backward", _MLP_FORWARD + "\nloss.backward()\nfor p in params: p.grad = None"),
    ("its forward", _MLP_FORWARD + "\nfor p in params: p.grad = None"),
    ("p -= 0.01 * p.grad (6 params)", "with lib.no_grad():\n    for p in params: p -= 0.01 * grads[p]"),
]


def mlp_state(lib):
    """bench_engine.small_mlp's tensors and one step's intermediates."""
    X, Y, params = small_mlp_tensors(lib)
    w1, b1, w2, b2, w3, b3 = params
    a1 = X @ w1
    z1 = a1 + b1
    h1 = z1.relu()
    z2 = h1 @ w2 + b2
    out = z2.tanh() @ w3 + b3
    d = out - Y
    return dict(lib=lib, X=X, Y=Y, params=params, w1=w1, b1=b1, w2=w2, b2=b2, w3=w3, b3=b3, a1=a1, z1=z1,
                h1=h1, z2=z2, out=out, d=d, d2=d ** 2, grads={p: lib.ones_like(p) for p in params})


def timed(make_state, stmt):
    """Two functions running stmt once, on autograd_core's state and on torch's."""
    def build(lib):
        state, code = make_state(lib), compile(stmt, "<bench>", "exec")
        return lambda: exec(code, state)
    return build(autograd_core), build(torch)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    rounds = 5 if parser.parse_args().quick else 15
    torch.set_num_threads(1)
    for title, make_state, rows in [("seed linear regression, one iteration", regression_state, REGRESSION),
                                    ("2-16-16-1 MLP training step", mlp_state, MLP)]:
        print(f"\n{title}\n{'':32s} {'autograd_core':>13s} {'torch':>9s} {'ratio':>6s} {'difference':>11s}")
        results = {}
        for label, stmt in rows:
            ours, theirs, ratio = interleaved(*timed(make_state, stmt), rounds, 200)
            results[label] = (ours, theirs)
            if label == "backward":
                continue
            if label == "its forward":  # printed: the backward alone
                ours, theirs = [a - b for a, b in zip(results["backward"], results[label])]
                label, ratio = "loss.backward()", ours / theirs
            print(f"{label:32s} {ours * 1e6:10.2f} us {theirs * 1e6:6.2f} us {ratio:6.2f} "
                  f"{(ours - theirs) * 1e6:+8.2f} us")
    print(f"\n(medians of {rounds} rounds of 200 runs, the two libraries alternating)")


if __name__ == "__main__":
    main()
