"""nn / optim benchmark: time ratios autograd_core / PyTorch eager (one thread), same run.

    python bench/bench_nn.py [--quick]

Cases: one training step (forward, cross entropy, backward, optimiser step) of a small MLP on a
teaching-size batch, with SGD(momentum) and with Adam; and the optimiser step alone on a model
with many small parameters (where per-parameter Python overhead dominates).
"""
import argparse
import os
import sys
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import autograd_core  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import best_of  # noqa: E402  (one timer for every benchmark)


def mlp(lib, widths):
    n = lib.nn
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [n.Linear(a, b), n.ReLU()]
    return n.Sequential(*layers[:-1])


def training_step(lib, opt_name):
    lib.manual_seed(0)
    model = mlp(lib, [64, 128, 128, 10])
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((32, 64)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 32))
    opt = (lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if opt_name == "sgd"
           else lib.optim.Adam(model.parameters(), lr=1e-3))

    def run():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return run


def optimiser_only(lib, opt_name):
    lib.manual_seed(0)
    model = mlp(lib, [8] * 21)  # 20 Linear layers: 40 small parameters
    for p in model.parameters():
        p.grad = lib.ones_like(p) * 0.01
    opt = (lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if opt_name == "sgd"
           else lib.optim.Adam(model.parameters(), lr=1e-3))
    return opt.step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat, number = (3, 5) if args.quick else (5, 20)
    print(f"{'case':38s} {'autograd_core':>14s} {'torch':>10s} {'ratio':>7s}")
    for label, make in (("training step, MLP 64-128-128-10, SGD", lambda l: training_step(l, "sgd")),
                        ("training step, MLP 64-128-128-10, Adam", lambda l: training_step(l, "adam")),
                        ("optimiser step only, 40 params, SGD", lambda l: optimiser_only(l, "sgd")),
                        ("optimiser step only, 40 params, Adam", lambda l: optimiser_only(l, "adam"))):
        ours = best_of(make(autograd_core), repeat, number)
        theirs = best_of(make(torch), repeat, number)
        print(f"{label:38s} {ours * 1e3:11.3f} ms {theirs * 1e3:7.3f} ms {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()
