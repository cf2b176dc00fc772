"""Static vs dynamic graphs: is a graph built once and run many times faster than one rebuilt each time?

The seed's claim: a static graph is built once and reused (say for 50 inputs), so it is more
efficient than a dynamic graph rebuilt for each input. Measured here for one computation, the loss
and its gradients, for N inputs:

  dynamic/input  autograd_core: build the graph and backward once per input (the tutorial's loop)
  static/input   autograd_core.static: the graph built once, Session.run once per input
  torch/input    PyTorch doing the dynamic loop (the same work in C++)
  numpy/input    the same math written out by hand in numpy, once per input (no graph at all)
  batched        one forward + gradient over all N inputs at once (dynamic and static)
  build          building the static graph, its gradients and the first run's plan (once)

Run: .venv/bin/python bench/bench_static.py   (about half a minute)
"""
import os
import time

import numpy as np
import torch as real_torch

import autograd_core as torch
import autograd_core.static as tf
from autograd_core.autograd import grad as dynamic_grad

REPEATS = 3
real_torch.set_num_threads(1)  # one thread, like the numpy engine (and CPU time then means the same)


def best_of(fn, repeats=REPEATS):
    """Least CPU time of this process over a few runs: steadier than wall time on a shared machine."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


# --- the computations ---------------------------------------------------------------------------------
class LinReg:
    """The seed's linear regression: loss = 0.5 * (y - (w * x + b)) ** 2, averaged; grads for w, b."""
    name = "linreg (w*x+b, MSE)"
    n_features = 1

    def __init__(self, rng):
        self.w0 = rng.normal(size=(1,)).astype(np.float32)
        self.b0 = np.zeros(1, dtype=np.float32)

    def model(self, m, x, y, w, b):
        return m.reduce_mean(0.5 * (y - (w * x + b)) ** 2)

    def params(self):
        return [self.w0, self.b0]

    def numpy_step(self, x, y):
        w, b = self.w0, self.b0
        r = (w * x + b) - y
        loss = (0.5 * r * r).mean()
        g = r / r.size
        return loss, (g * x).sum(0), g.sum(0)


class MLP:
    """A small MLP: loss = mean((tanh(x @ W1 + b1) @ W2 - y) ** 2); grads for W1, b1, W2."""
    name = "MLP 4-16-1 (tanh)"
    n_features = 4

    def __init__(self, rng):
        self.W1 = (rng.normal(size=(4, 16)) / 2).astype(np.float32)
        self.b1 = np.zeros(16, dtype=np.float32)
        self.W2 = (rng.normal(size=(16, 1)) / 4).astype(np.float32)

    def model(self, m, x, y, W1, b1, W2):
        h = m.tanh(m.matmul(x, W1) + b1)
        return m.reduce_mean((m.matmul(h, W2) - y) ** 2)

    def params(self):
        return [self.W1, self.b1, self.W2]

    def numpy_step(self, x, y):
        pre = x @ self.W1 + self.b1
        h = np.tanh(pre)
        r = h @ self.W2 - y
        loss = (r * r).mean()
        g = 2 * r / r.size
        gW2 = h.T @ g
        gpre = (g @ self.W2.T) * (1 - h * h)
        return loss, x.T @ gpre, gpre.sum(0), gW2


class Dyn:
    """autograd_core (or torch) under the static module's names."""

    def __init__(self, lib):
        self.tanh, self.matmul = lib.tanh, lib.matmul

    @staticmethod
    def reduce_mean(x):
        return x.mean()


# --- one workload, every way ---------------------------------------------------------------------
def measure(work, xs, ys):
    n = len(xs)
    results = {}

    # dynamic, one input at a time: the graph is rebuilt for every input
    leaves = [torch.tensor(p, requires_grad=True) for p in work.params()]
    dyn = Dyn(torch)
    xts = [torch.tensor(x) for x in xs]
    yts = [torch.tensor(y) for y in ys]

    # (the loops keep only the last answer: a growing list of results would time the garbage collector)
    def dynamic_loop():
        for x, y in zip(xts, yts):
            out = dynamic_grad(work.model(dyn, x, y, *leaves), leaves)
        return out
    results["dynamic/input"] = best_of(dynamic_loop)

    # static, built once (build time measured separately), run once per input
    t0 = time.process_time()
    graph = tf.Graph()
    with graph.as_default():
        x_ph = tf.placeholder(tf.float32, shape=(None, work.n_features))
        y_ph = tf.placeholder(tf.float32, shape=(None, 1))
        params = [tf.constant(p) for p in work.params()]
        loss = work.model(tf, x_ph, y_ph, *params)
        grads = tf.gradients(loss, params)
    sess = tf.Session(graph=graph)
    fetches = [loss] + grads
    sess.run(fetches, {x_ph: xs[0], y_ph: ys[0]})  # the plan is made on the first run
    results["build static graph"] = time.process_time() - t0

    def static_loop():
        for x, y in zip(xs, ys):
            out = sess.run(fetches, {x_ph: x, y_ph: y})
        return out
    results["static/input"] = best_of(static_loop)

    # the answers agree (for the last input)
    for d, s in zip(dynamic_loop(), static_loop()[1:]):
        np.testing.assert_allclose(d.numpy(), s, rtol=1e-5, atol=1e-6)

    # PyTorch, the same dynamic loop
    tleaves = [real_torch.tensor(p, requires_grad=True) for p in work.params()]
    tdyn = Dyn(real_torch)
    txs = [real_torch.tensor(x) for x in xs]
    tys = [real_torch.tensor(y) for y in ys]

    def torch_loop():
        for x, y in zip(txs, tys):
            out = real_torch.autograd.grad(work.model(tdyn, x, y, *tleaves), tleaves)
        return out
    results["torch/input"] = best_of(torch_loop)

    # numpy by hand, one input at a time
    def numpy_loop():
        for x, y in zip(xs, ys):
            out = work.numpy_step(x, y)
        return out
    results["numpy/input"] = best_of(numpy_loop)

    # batched: one forward + gradients over all inputs
    X, Y = np.concatenate(xs), np.concatenate(ys)
    XT, YT = torch.tensor(X), torch.tensor(Y)

    def dynamic_batched():
        return dynamic_grad(work.model(dyn, XT, YT, *leaves), leaves)
    results["dynamic batched"] = best_of(dynamic_batched)
    results["static batched"] = best_of(lambda: sess.run(fetches, {x_ph: X, y_ph: Y}))
    assert len(sess._plans) == 1  # every run above used the one cached plan
    results["n"] = n
    return results


def main():
    rng = np.random.default_rng(0)
    rows = []
    for cls in (LinReg, MLP):
        work = cls(rng)
        for n in (50, 5000):
            xs = [rng.normal(size=(1, work.n_features)).astype(np.float32) for _ in range(n)]
            ys = [rng.normal(size=(1, 1)).astype(np.float32) for _ in range(n)]
            rows.append((work.name, measure(work, xs, ys)))

    head = (f"{'computation':22} {'N':>5} | {'dynamic/input':>13} {'static/input':>12} {'dyn/static':>10} | "
            f"{'torch/input':>11} {'numpy/input':>11} | {'dyn batched':>11} {'static batched':>14} | "
            f"{'build':>7}")
    print(f"loss + gradients for N inputs: total CPU time in ms (best of {REPEATS}); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(head)
    print("-" * len(head))
    for name, r in rows:
        ms = {k: v * 1e3 for k, v in r.items() if k != "n"}
        print(f"{name:22} {r['n']:>5} | {ms['dynamic/input']:>13.1f} {ms['static/input']:>12.1f} "
              f"{r['dynamic/input'] / r['static/input']:>9.2f}x | {ms['torch/input']:>11.1f} "
              f"{ms['numpy/input']:>11.1f} | {ms['dynamic batched']:>11.2f} {ms['static batched']:>14.2f} | "
              f"{ms['build static graph']:>7.2f}")
    print()
    for name, r in rows:
        if r["n"] == 5000:
            print(f"{name}, N=5000: static per input is {r['dynamic/input'] / r['static/input']:.1f}x faster than "
                  f"dynamic per input; batching (dynamic) is {r['dynamic/input'] / r['dynamic batched']:.0f}x "
                  f"faster than dynamic per input, batching (static) "
                  f"{r['static/input'] / r['static batched']:.0f}x faster than static per input.")


if __name__ == "__main__":
    main()
