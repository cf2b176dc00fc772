"""Where the time of bench_engine's regression, small MLP and 784-128-10 MLP goes: each forward op, the
backward pass and the parameter update, timed on autograd_core and on PyTorch eager (one thread) in
alternating rounds, as bench_engine times whole steps. The 784-128-10 step's rows are also timed
against their hand-written numpy (bench_engine.big_mlp_numpy's lines), and its last rows are what no
engine can make faster: the five matrix products and the update, in numpy.

    python bench/bench_per_op.py [--quick] [--big]

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


_BIG_FORWARD = ("h = (X @ w1 + b1).relu()\nlogits = h @ w2 + b2\n"
                "loss = -(logits.log_softmax(1) * onehot).sum(1).mean()")
_BIG_FORWARD_NUMPY = ("z1 = X @ w1 + b1\nh1 = np.maximum(z1, 0)\nlogits = h1 @ w2 + b2\n"
                      "shifted = logits - logits.max(1, keepdims=True)\n"
                      "logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))\n"
                      "loss = -(logp * onehot).sum(1).mean()")
# (label, timed statement, the same in bench_engine.big_mlp_numpy's lines; None: numpy alone)
BIG = [
    ("X @ w1", "X @ w1", "X @ w1"),
    ("... + b1", "a1 + b1", "a1 + b1"),
    (".relu()", "z1.relu()", "np.maximum(z1, 0)"),
    ("h @ w2", "h1 @ w2", "h1 @ w2"),
    ("... + b2", "a2 + b2", "a2 + b2"),
    (".log_softmax(1)", "logits.log_softmax(1)",
     "shifted = logits - logits.max(1, keepdims=True)\nshifted - np.log(np.exp(shifted).sum(1, keepdims=True))"),
    ("* onehot", "logp * onehot", "logp * onehot"),
    (".sum(1)", "m.sum(1)", "m.sum(1)"),
    (".mean()", "s.mean()", "s.mean()"),
    ("-(...)", "-mean", "-mean"),
    ("backward", _BIG_FORWARD + "\nloss.backward()\nfor p in params: p.grad = None",
     _BIG_FORWARD_NUMPY + "\n" + "\n".join([
         "g_logits = (np.exp(logp) - onehot) / 64", "g_w2 = h1.T @ g_logits", "g_b2 = g_logits.sum(0)",
         "g_h = g_logits @ w2.T", "g_pre = g_h * (z1 > 0)", "g_w1 = X.T @ g_pre", "g_b1 = g_pre.sum(0)"])),
    ("its forward", _BIG_FORWARD + "\nfor p in params: p.grad = None", _BIG_FORWARD_NUMPY),
    ("p -= 0.1 * p.grad (4 params)", "with lib.no_grad():\n    for p in params: p -= 0.1 * grads[p]",
     "for p in params: p -= 0.1 * grads[id(p)]"),
    ("numpy: the five matrix products", None,
     "X @ w1\nh1 @ w2\nh1.T @ g10\ng10 @ w2.T\nX.T @ g128"),
]


def big_state(lib):
    """bench_engine.big_mlp's tensors and one step's intermediates; lib may be numpy (arrays, the
    numpy lines' names)."""
    rng = np.random.default_rng(0)
    arrays = lib is np
    make = (lambda a: a) if arrays else lib.tensor
    X = make(rng.standard_normal((64, 784)).astype(np.float32))
    labels = rng.integers(0, 10, 64)
    onehot = make(np.eye(10, dtype=np.float32)[labels])
    param = (lambda a: a) if arrays else (lambda a: lib.tensor(a, requires_grad=True))
    w1 = param(rng.standard_normal((784, 128)).astype(np.float32) * 0.03)
    b1 = param(np.zeros(128, np.float32))
    w2 = param(rng.standard_normal((128, 10)).astype(np.float32) * 0.1)
    b2 = param(np.zeros(10, np.float32))
    params = [w1, b1, w2, b2]
    a1 = X @ w1
    z1 = a1 + b1
    h1 = np.maximum(z1, 0) if arrays else z1.relu()
    a2 = h1 @ w2
    logits = a2 + b2
    if arrays:
        shifted = logits - logits.max(1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    else:
        logp = logits.log_softmax(1)
    m = logp * onehot
    s = m.sum(1)
    mean = s.mean()
    grads = ({id(p): np.ones_like(p) for p in params} if arrays else {p: lib.ones_like(p) for p in params})
    return dict(lib=lib, np=np, X=X, onehot=onehot, params=params, w1=w1, b1=b1, w2=w2, b2=b2, a1=a1,
                z1=z1, h1=h1, a2=a2, logits=logits, logp=logp, m=m, s=s, mean=mean, grads=grads,
                g10=np.ones((64, 10), np.float32), g128=np.ones((64, 128), np.float32))


def timed(make_state, stmt):
    """Two functions running stmt once, on autograd_core's state and on torch's."""
    def build(lib):
        state, code = make_state(lib), compile(stmt, "<bench>", "exec")
        return lambda: exec(code, state)
    return build(autograd_core), build(torch)


def timed_numpy(stmt, numpy_stmt):
    """Two functions running the 784-128-10 step's stmt on autograd_core and numpy_stmt on numpy."""
    def build(lib, code):
        state, code = big_state(lib), compile(code, "<bench>", "exec")
        return lambda: exec(code, state)
    return build(autograd_core, stmt) if stmt is not None else None, build(np, numpy_stmt)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--big", action="store_true", help="only the 784-128-10 step")
    args = parser.parse_args()
    rounds = 5 if args.quick else 15
    torch.set_num_threads(1)
    for title, make_state, rows in [("seed linear regression, one iteration", regression_state, REGRESSION),
                                    ("2-16-16-1 MLP training step", mlp_state, MLP)][:0 if args.big else 2]:
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
    print(f"\n784-128-10 MLP training step, batch 64\n{'':32s} {'autograd_core':>13s} {'torch':>9s} "
          f"{'ratio':>6s} {'numpy':>9s} {'ratio':>6s} {'over numpy':>11s}")
    results = {}
    for label, stmt, numpy_stmt in BIG:
        ours = theirs = ratio = None
        if stmt is not None:
            ours, theirs, ratio = interleaved(*timed(big_state, stmt), rounds, 50)
        if stmt is None:  # (numpy alone, timed against itself: its time is the figure)
            numpy_alone = timed_numpy(None, numpy_stmt)[1]
            mine = interleaved(numpy_alone, numpy_alone, rounds, 50)[0]
            print(f"{label:32s} {'':13s} {'':9s} {'':6s} {mine * 1e6:6.2f} us")
            continue
        ours_n, mine, ratio_n = interleaved(*timed_numpy(stmt, numpy_stmt), rounds, 50)
        results[label] = (ours, theirs, ours_n, mine)
        if label == "backward":
            continue
        if label == "its forward":  # printed: the backward alone
            ours, theirs, ours_n, mine = [a - b for a, b in zip(results["backward"], results[label])]
            label, ratio, ratio_n = "loss.backward()", ours / theirs, ours_n / mine
        print(f"{label:32s} {ours * 1e6:10.2f} us {theirs * 1e6:6.2f} us {ratio:6.2f} {mine * 1e6:6.2f} us "
              f"{ratio_n:6.2f} {(ours_n - mine) * 1e6:+8.2f} us")
    print(f"\n(medians of {rounds} rounds of 200 runs (784-128-10: 50 runs), the libraries alternating)")


if __name__ == "__main__":
    main()
