"""Differential tests: the same random program runs on autograd_core and on PyTorch 2.13.

hypothesis builds an expression graph one op at a time (binary ops with broadcasting, unary ops,
reductions, matmul, shape ops, indexing, in-place writes into clones), applying every op to both
libraries in lockstep. After each op the outputs must agree (values, dtype, shape, requires_grad,
is_leaf, grad_fn name); after two backward calls (the first with retain_graph=True, so leaf grads
accumulate) the leaf grads, the retained grads and the whole backward graph (names, None edges,
which leaf each AccumulateGrad feeds) must agree too.

Then: dtype promotion, and repr of tensors, compared with PyTorch's output.
"""
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from fuzz_programs import broadcasts
from torch_oracle import array, assert_close, grad_fn_name, graph_structure, quiet_grad

# derandomized: the same examples on every run and in CI
DIFF = settings(derandomize=True, deadline=None, max_examples=120, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_NUMEL = 48


class Pool:
    """The tensors of one program, each as a pair (ours, torch's), plus what made them."""

    def __init__(self, data):
        self.data = data
        self.ours, self.theirs, self.labels = [], [], []
        self.leaves = []  # indices into the pool

    def shape(self, i):
        return tuple(self.theirs[i].shape)

    def add(self, ours, theirs, label):
        self.ours.append(ours)
        self.theirs.append(theirs)
        self.labels.append(label)
        return len(self.ours) - 1

    def new_leaf(self, shape, requires_grad=None, dtype=None):
        draw = self.data.draw
        if requires_grad is None:
            requires_grad = draw(st.integers(0, 4), label="requires_grad") > 0
        seed = draw(st.integers(0, 2 ** 16), label="seed")
        if dtype is None:
            dtype = np.float64 if draw(st.integers(0, 9), label="float64") == 0 else np.float32
        values = np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(dtype)
        i = self.add(ac.tensor(values, requires_grad=requires_grad),
                     torch.tensor(values, requires_grad=requires_grad), f"leaf{shape}")
        self.leaves.append(i)
        return i

    def leaf_ids(self, side):
        """id(leaf tensor) -> leaf number, for ours (side 0) or torch's (side 1)."""
        tensors = self.ours if side == 0 else self.theirs
        return {id(tensors[i]): n for n, i in enumerate(self.leaves)}

    def pick(self, where=None):
        """An existing tensor (optionally one whose shape passes `where`)."""
        choices = [i for i in range(len(self.ours)) if where is None or where(self.shape(i))]
        if not choices:
            return None
        return self.data.draw(st.sampled_from(choices), label="operand")


def _numel(shape):
    return int(np.prod(shape)) if shape else 1


def _broadcast_partner(data, shape):
    """A shape that broadcasts with `shape`: drop leading dims and/or set some dims to 1."""
    drop = data.draw(st.integers(0, len(shape)), label="drop")
    kept = list(shape[drop:])
    return tuple(1 if data.draw(st.booleans(), label="ones") else s for s in kept)


# --- the ops: fn(m, *tensors) written once, run on both modules -------------------------------
UNARY = {
    "neg": lambda m, x: -x,
    "exp": lambda m, x: x.clamp(-3, 3).exp(),  # clamp: keep values where float32 is precise
    "log": lambda m, x: (x.abs() + 0.5).log(),
    "sqrt": lambda m, x: m.sqrt(x.abs() + 0.1),
    "abs": lambda m, x: m.abs(x),
    "sin": lambda m, x: x.sin(),
    "cos": lambda m, x: m.cos(x),
    "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "relu": lambda m, x: m.relu(x),
    "square": lambda m, x: x ** 2,
    "cube": lambda m, x: m.pow(x, 3),
    "reciprocal": lambda m, x: 1 / (x.abs() + 0.5),
    "scale": lambda m, x: x * 1.5,
    "radd": lambda m, x: 2 + x,
    "rsub_alpha": lambda m, x: m.rsub(x, 2, alpha=3),
    "rsub": lambda m, x: 1 - x,
    "rpow": lambda m, x: 1.5 ** x.clamp(-3, 3),
    "clamp": lambda m, x: x.clamp(min=-0.5, max=0.8),
    "clone": lambda m, x: x.clone(),
}

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (b.abs() + 0.5),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "pow": lambda m, a, b: (a.abs() + 0.5) ** b.clamp(-2, 2),
    "where": lambda m, a, b: m.where(a > 0, a, b),
    "add_alpha": lambda m, a, b: m.add(a, b, alpha=0.5),
    "sub_alpha": lambda m, a, b: a.sub(b, alpha=2),
}


def step_unary(pool):
    x = pool.pick()
    name = pool.data.draw(st.sampled_from(sorted(UNARY)), label="unary")
    return name, UNARY[name], (x,)


def step_binary(pool):
    data = pool.data
    a = pool.pick()
    how = data.draw(st.sampled_from(["pool", "same", "new"]), label="partner")
    b = pool.pick(lambda s: broadcasts(s, pool.shape(a))) if how == "pool" else None
    if how == "same":
        b = a  # a + a, a * a: two edges to one node
    elif b is None:
        b = pool.new_leaf(_broadcast_partner(data, pool.shape(a)))
    if data.draw(st.booleans(), label="swap"):
        a, b = b, a
    if _numel(np.broadcast_shapes(pool.shape(a), pool.shape(b))) > MAX_NUMEL:
        b = a
    name = data.draw(st.sampled_from(sorted(BINARY)), label="binary")
    return name, BINARY[name], (a, b)


def step_reduction(pool):
    data = pool.data
    x = pool.pick()
    ndim = len(pool.shape(x))
    kinds = ["sum", "mean", "max", "min", "norm", "norm_p"] + (
        ["sum_dim", "mean_dim", "max_dim", "min_dim", "norm_dim", "softmax", "log_softmax", "sum_dims",
         "mean_dims", "argmax_gather"] if ndim else [])
    kind = data.draw(st.sampled_from(kinds), label="reduction")
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim") if ndim else None
    dims = tuple(data.draw(st.permutations(range(ndim)), label="dims")[:data.draw(
        st.integers(1, max(ndim, 1)), label="n dims")]) if ndim else None
    keepdim = data.draw(st.booleans(), label="keepdim")
    p = data.draw(st.sampled_from([1, 3, float("inf")]), label="p")
    fns = {
        "sum": lambda m, t: t.sum(),
        "mean": lambda m, t: m.mean(t),
        "max": lambda m, t: t.max(),
        "norm": lambda m, t: t.norm(),
        "min": lambda m, t: m.min(t),
        "norm_p": lambda m, t: t.norm(p=p),
        "sum_dims": lambda m, t: t.sum(dim=dims, keepdim=keepdim),
        "mean_dims": lambda m, t: m.mean(t, dims, keepdim),
        "argmax_gather": lambda m, t: t.flatten()[t.argmax()] * t.mean(),
        "sum_dim": lambda m, t: t.sum(dim, keepdim=keepdim),
        "mean_dim": lambda m, t: t.mean(dim=dim, keepdim=keepdim),
        "max_dim": lambda m, t: t.max(dim, keepdim).values,
        "min_dim": lambda m, t: m.min(t, dim=dim, keepdim=keepdim)[0],
        "norm_dim": lambda m, t: t.norm(dim=dim, keepdim=keepdim),
        "softmax": lambda m, t: m.softmax(t, dim=dim),
        "log_softmax": lambda m, t: t.log_softmax(dim),
    }
    return f"{kind}(dim={dim}, dims={dims}, keepdim={keepdim}, p={p})", fns[kind], (x,)


def step_matmul(pool):
    data = pool.data
    x = pool.pick(lambda s: 1 <= len(s) <= 3)
    if x is None:
        x = pool.new_leaf((3,))
    sx = pool.shape(x)
    if data.draw(st.booleans(), label="self-product") and len(sx) >= 1:
        if len(sx) == 1:
            return "x@x", lambda m, t: t @ t, (x,)
        return "x@x.mT", lambda m, t: t @ t.mT, (x,)
    n = data.draw(st.integers(1, 3), label="n")
    rank = data.draw(st.integers(1, 3), label="rank")
    k = sx[-1]
    if rank == 1:
        other = (k,)
    elif rank == 2:
        other = (k, n)
    else:
        batch = sx[-3] if len(sx) == 3 else data.draw(st.integers(1, 2), label="batch")
        other = (batch, k, n)
    y = pool.new_leaf(other)
    if data.draw(st.booleans(), label="swap"):
        # other @ x needs x's rows to match; use the transpose instead when x is a matrix
        if len(sx) == 2:
            return "y.mT@x.mT", lambda m, a, b: b.mT @ a.mT if b.ndim >= 2 else b @ a.mT, (x, y)
    return "matmul", lambda m, a, b: m.matmul(a, b), (x, y)


def step_shape(pool):
    data = pool.data
    x = pool.pick()
    s = pool.shape(x)
    ndim = len(s)
    options = ["reshape", "unsqueeze", "flatten", "squeeze", "expand"]
    if ndim <= 2:
        options.append("t")
    if ndim >= 2:
        options += ["transpose", "permute", "view_T"]
    kind = data.draw(st.sampled_from(options), label="shape")
    if kind == "reshape":
        return "reshape(-1)", lambda m, t: t.reshape(-1), (x,)
    if kind == "unsqueeze":
        d = data.draw(st.integers(-ndim - 1, ndim), label="dim")
        return f"unsqueeze({d})", lambda m, t: t.unsqueeze(d), (x,)
    if kind == "flatten":
        return "flatten", lambda m, t: m.flatten(t), (x,)
    if kind == "squeeze":
        if ndim and data.draw(st.booleans(), label="with dim"):
            d = data.draw(st.integers(-ndim, ndim - 1), label="dim")
            return f"squeeze({d})", lambda m, t: t.squeeze(d), (x,)
        return "squeeze()", lambda m, t: t.squeeze(), (x,)
    if kind == "expand":
        if _numel(s) * 3 > MAX_NUMEL:
            return "view_as_self", lambda m, t: t.view(t.shape), (x,)
        target = tuple(3 if d == 1 else d for d in s)
        if target == s:
            target = (2,) + s
        return f"expand{target}", lambda m, t: t.expand(*target), (x,)
    if kind == "t":
        return "t", lambda m, t: t.t(), (x,)
    if kind == "transpose":
        d0, d1 = data.draw(st.permutations(range(ndim)), label="dims")[:2]
        return f"transpose({d0},{d1})", lambda m, t: t.transpose(d0, d1), (x,)
    if kind == "permute":
        dims = tuple(data.draw(st.permutations(range(ndim)), label="dims"))
        return f"permute{dims}", lambda m, t: t.permute(*dims), (x,)
    return "mT.reshape", lambda m, t: t.mT.reshape(t.shape[:-2] + (-1,)), (x,)


def step_index(pool):
    data = pool.data
    x = pool.pick(lambda s: len(s) >= 1)
    if x is None:
        x = pool.new_leaf((4,))
    s = pool.shape(x)
    kind = data.draw(st.sampled_from(["int", "slice", "chain", "list", "mask", "cat", "stack"]),
                     label="index")
    if kind == "int":
        i = data.draw(st.integers(-s[0], s[0] - 1), label="i")
        return f"[{i}]", lambda m, t: t[i], (x,)
    if kind == "slice":
        start = data.draw(st.integers(0, s[-1] - 1), label="start")
        step = data.draw(st.integers(1, 2), label="step")
        return f"[..., {start}::{step}]", lambda m, t: t[..., start::step], (x,)
    if kind == "chain":
        return "[None, -1:][:, 0]", lambda m, t: t[None, -1:][:, 0], (x,)
    if kind == "list":
        idx = data.draw(st.lists(st.integers(0, s[0] - 1), min_size=1, max_size=4), label="idx")
        return f"[{idx}]", lambda m, t: t[idx], (x,)
    if kind == "mask":
        seed = data.draw(st.integers(0, 2 ** 16), label="mask seed")
        mask = np.random.default_rng(seed).uniform(size=s) > 0.5
        mask.flat[0] = True
        return "[mask]", lambda m, t: t[m.tensor(mask)], (x,)
    d = data.draw(st.integers(0, len(s) - 1), label="dim")
    if kind == "cat":
        y = pool.new_leaf(s[:d] + (data.draw(st.integers(1, 2), label="size"),) + s[d + 1:])
        return f"cat(dim={d})", lambda m, a, b: m.cat([a, b, a], dim=d), (x, y)
    y = pool.pick(lambda t: t == s)
    return f"stack(dim={d})", lambda m, a, b: m.stack([a, b], dim=d), (x, y)


def step_inplace(pool):
    data = pool.data
    x = pool.pick()
    s = pool.shape(x)
    kinds = ["mul_", "add_", "sub_", "div_", "clamp_", "zero_", "fill_", "retained"]
    if s:
        kinds.append("setitem")
    kind = data.draw(st.sampled_from(kinds), label="inplace")
    if kind in UNARY_INPLACE:
        return f"clone().{kind}", UNARY_INPLACE[kind], (x,)
    y = pool.pick(lambda t: broadcasts(t, s) and np.broadcast_shapes(t, s) == s)
    if kind == "add_":
        return "clone().add_(y)", lambda m, t, u: _add_into_clone(t, u), (x, y)
    if kind == "sub_":
        return "clone().sub_(y, alpha=2)", lambda m, t, u: t.clone().sub_(u, alpha=2), (x, y)
    if kind == "div_":
        return "clone().div_(|y| + 1)", lambda m, t, u: t.clone().div_(u.abs() + 1), (x, y)
    y = pool.new_leaf(_broadcast_partner(data, s[1:]))
    return "clone()[0] = y * 2", lambda m, t, u: _setitem_clone(t, u), (x, y)


def _retained_then_inplace(t):
    """retain_grad() on a tensor, then an in-place op on it: the retained grad follows it."""
    c = t * 1
    if c.requires_grad:
        c.retain_grad()
    c.mul_(2)
    return c


UNARY_INPLACE = {
    "mul_": lambda m, t: t.clone().mul_(1.5),
    "clamp_": lambda m, t: t.clone().clamp_(-0.5, 0.5),
    "zero_": lambda m, t: t.clone().zero_(),
    "fill_": lambda m, t: t.clone().fill_(0.25),
    "retained": lambda m, t: _retained_then_inplace(t),
}


def step_grad_mode(pool):
    """detach(), no_grad, a hook, or a float64 detour: the graph is cut, skipped or rescaled."""
    data = pool.data
    x = pool.pick()
    kind = data.draw(st.sampled_from(["detach", "no_grad", "hook", "double", "float64 0-dim",
                                      "data"]), label="grad mode")
    if kind == "detach":
        return "detach()*x", lambda m, t: t.detach() * t, (x,)
    if kind == "no_grad":
        return "no_grad(x*2)+x", lambda m, t: _no_grad_double(m, t) + t, (x,)
    if kind == "hook":
        return "hook(g*3)", lambda m, t: _hooked(t), (x,)
    if kind == "double":
        return "x.double()*2", lambda m, t: t.double() * 2, (x,)
    if kind == "float64 0-dim":
        return "x + 0-dim float64", lambda m, t: t + m.tensor(0.5, dtype=m.float64), (x,)
    return "x.data*x", lambda m, t: t.data * t, (x,)


def _no_grad_double(m, t):
    with m.no_grad():
        return t * 2


def _hooked(t):
    y = t * 1
    if y.requires_grad:
        y.register_hook(lambda g: g * 3)
    return y


def _add_into_clone(t, u):
    c = t.clone()
    c += u
    return c


def _setitem_clone(t, u):
    c = t.clone()
    c[0] = u * 2
    return c


def step_nn(pool):
    """torch.nn.functional on intermediate tensors: linear, losses (own grad_fn rows)."""
    data = pool.data
    x = pool.pick(lambda s: len(s) >= 1)
    if x is None:
        x = pool.new_leaf((3,))
    s = pool.shape(x)
    kind = data.draw(st.sampled_from(["linear", "mse_loss", "bce_logits", "cross_entropy"]), label="nn")
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]), label="reduction")
    if kind == "linear":
        out = data.draw(st.integers(1, 3), label="out features")
        w = pool.new_leaf((out, s[-1]))  # (dtypes drawn: mixing them is PyTorch's error)
        if data.draw(st.booleans(), label="bias"):
            b = pool.new_leaf((out,))
            return "linear(x, w, b)", lambda m, t, u, v: m.nn.functional.linear(t, u, v), (x, w, b)
        return "linear(x, w)", lambda m, t, u: m.nn.functional.linear(t, u), (x, w)
    if kind == "mse_loss":
        y = pool.pick(lambda t: t == s)
        return f"mse_loss({reduction})", lambda m, t, u: m.nn.functional.mse_loss(
            t, u, reduction=reduction), (x, y)
    if kind == "bce_logits":
        seed = data.draw(st.integers(0, 2 ** 16), label="target seed")
        target = np.random.default_rng(seed).uniform(size=s).astype(np.float32)
        return f"bce_with_logits({reduction})", lambda m, t: m.nn.functional.binary_cross_entropy_with_logits(
            t, m.tensor(target, dtype=t.dtype), reduction=reduction), (x,)
    seed = data.draw(st.integers(0, 2 ** 16), label="target seed")
    rows = s[0] if len(s) == 2 else None
    classes = s[-1]
    target = np.random.default_rng(seed).integers(0, classes, size=rows if rows else ())
    x2 = x if len(s) <= 2 else None
    if x2 is None:
        return "flatten", lambda m, t: t.flatten(), (x,)
    return f"cross_entropy({reduction})", lambda m, t: m.nn.functional.cross_entropy(
        t, m.tensor(target), reduction=reduction), (x,)


STEPS = [step_unary, step_binary, step_reduction, step_matmul, step_shape, step_index, step_inplace,
         step_grad_mode, step_nn]


def _check_tensor(pool, i, what):
    ours, theirs = pool.ours[i], pool.theirs[i]
    assert_close(ours, theirs, what)
    assert ours.requires_grad == theirs.requires_grad, f"{what}: requires_grad"
    assert ours.is_leaf == theirs.is_leaf, f"{what}: is_leaf"
    assert grad_fn_name(ours) == grad_fn_name(theirs), f"{what}: grad_fn"
    assert (graph_structure(ours.grad_fn, pool.leaf_ids(0))
            == graph_structure(theirs.grad_fn, pool.leaf_ids(1))), f"{what}: graph"


def _outcome(fn, m, tensors):
    """(result, None), or (None, (exception type name, message)) when fn raises."""
    try:
        return fn(m, *tensors), None
    except (RuntimeError, IndexError, ValueError, TypeError) as e:
        return None, (type(e).__name__, str(e))


def build_program(data, n_steps):
    pool = Pool(data)
    for _ in range(data.draw(st.integers(1, 3), label="leaves")):
        shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3), label="shape"))
        pool.new_leaf(shape)
    log = []
    for _ in range(n_steps):
        step = data.draw(st.sampled_from(STEPS), label="step")
        label, fn, operands = step(pool)
        args = ", ".join(f"t{j}" for j in operands)
        theirs, error = _outcome(fn, torch, [pool.theirs[i] for i in operands])
        if error is not None:  # e.g. float32 @ float64: the same error, then go on without it
            ours, our_error = _outcome(fn, ac, [pool.ours[i] for i in operands])
            assert our_error == error, "; ".join(log + [f"{label}({args}) raises"])
            continue
        ours = fn(ac, *[pool.ours[i] for i in operands])
        i = pool.add(ours, theirs, label)
        log.append(f"t{i} = {label}({args})")
        _check_tensor(pool, i, "; ".join(log))
    return pool, log


@DIFF
@given(st.data())
def test_random_programs_match_torch(data):
    pool, log = build_program(data, data.draw(st.integers(1, 7), label="steps"))
    where = "\n".join(log)
    ours, theirs = pool.ours[-1], pool.theirs[-1]
    if not theirs.requires_grad:
        return
    # retain_grad at random intermediate nodes (a retained leaf is a no-op in both)
    for i in range(len(pool.ours)):
        if pool.theirs[i].requires_grad and data.draw(st.booleans(), label=f"retain t{i}"):
            pool.ours[i].retain_grad()
            pool.theirs[i].retain_grad()
    for call in (0, 1):  # the second call accumulates into the grads of the first
        seed = data.draw(st.integers(0, 2 ** 16), label="upstream seed")
        g = np.random.default_rng(seed).standard_normal(tuple(theirs.shape)).astype(np.float32)
        ours.backward(ac.tensor(g), retain_graph=call == 0)
        theirs.backward(torch.tensor(g), retain_graph=call == 0)
        for i in range(len(pool.ours)):
            a, b = quiet_grad(pool.ours[i]), quiet_grad(pool.theirs[i])
            what = f"grad of t{i} after backward #{call + 1}\n{where}"
            assert (a is None) == (b is None), what
            if b is not None:
                assert_close(a, b, what)
            assert pool.ours[i].retains_grad == pool.theirs[i].retains_grad, what


@DIFF
@given(st.data())
def test_saved_tensors_and_freed_graph_match_torch(data):
    """After backward without retain_graph, a second backward raises PyTorch's error."""
    pool, log = build_program(data, data.draw(st.integers(1, 4), label="steps"))
    ours, theirs = pool.ours[-1], pool.theirs[-1]
    if not theirs.requires_grad:
        return
    ours.sum().backward()
    theirs.sum().backward()

    def second(t):
        try:
            t.sum().backward()
        except RuntimeError as e:
            return str(e)
        return None

    assert second(ours) == second(theirs), "\n".join(log)


@DIFF
@given(st.data())
def test_autograd_grad_matches_torch(data):
    """autograd.grad gives the same gradients as backward would, and leaves every .grad alone."""
    pool, log = build_program(data, data.draw(st.integers(1, 5), label="steps"))
    ours, theirs = pool.ours[-1], pool.theirs[-1]
    inputs = [i for i in pool.leaves if pool.theirs[i].requires_grad]
    if not theirs.requires_grad or not inputs:
        return
    seed = data.draw(st.integers(0, 2 ** 16), label="upstream seed")
    g = np.random.default_rng(seed).standard_normal(tuple(theirs.shape)).astype(np.float32)
    got = ac.autograd.grad(ours, [pool.ours[i] for i in inputs], ac.tensor(g), allow_unused=True)
    want = torch.autograd.grad(theirs, [pool.theirs[i] for i in inputs], torch.tensor(g),
                               allow_unused=True)
    where = "\n".join(log)
    for a, b in zip(got, want):
        assert (a is None) == (b is None), where
        if b is not None:
            assert_close(a, b, where)
    for i in inputs:
        assert pool.ours[i].grad is None and pool.theirs[i].grad is None


@DIFF
@given(st.data())
def test_backward_from_several_roots_matches_torch(data):
    """autograd.backward([t1, t2], [g1, g2]): one walk from two roots that may share nodes."""
    pool, log = build_program(data, data.draw(st.integers(2, 6), label="steps"))
    roots = [i for i in range(len(pool.ours)) if pool.theirs[i].grad_fn is not None]
    if not roots:
        return
    chosen = sorted(set(data.draw(st.lists(st.sampled_from(roots), min_size=1, max_size=3), label="roots")))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="upstream seed"))
    grads = [rng.standard_normal(tuple(pool.theirs[i].shape)) for i in chosen]
    for m, tensors in ((ac, pool.ours), (torch, pool.theirs)):
        m.autograd.backward([tensors[i] for i in chosen],
                            [m.tensor(g, dtype=tensors[i].dtype) for g, i in zip(grads, chosen)])
    where = "\n".join(log) + f"\nroots: {chosen}"
    for i in pool.leaves:
        a, b = pool.ours[i].grad, pool.theirs[i].grad
        assert (a is None) == (b is None), where
        if b is not None:
            assert_close(a, b, where)


def test_retained_grad_has_the_tensor_dtype():
    """float32 tensor + float64 tensor: the float32 side's retained grad is float32, as in PyTorch."""
    out = []
    for m in (ac, torch):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        t1 = x.exp()
        t1.retain_grad()
        (t1 * m.tensor([1.0, 3.0], dtype=m.float64)).sum().backward()
        out.append((t1.grad, x.grad))
    assert_close(out[0], out[1])  # dtypes included


# --- deterministic graph cases (each once found a difference) -------------------------------------
MATMUL_CASES = [  # (shape a, shape b, a requires grad, b requires grad, transpose a's first two dims)
    ((3,), (2, 3, 4), False, True, False), ((1,), (2, 1, 4), False, True, False),
    ((1,), (2, 3, 1, 4), False, True, False), ((3,), (2, 3, 4), True, True, False),
    ((2, 3, 4), (4,), True, False, False), ((2, 3, 4), (4,), False, True, False),
    ((2, 3, 4), (4, 5), False, True, False), ((2, 3, 4), (4, 5), True, False, False),
    ((3, 2, 4), (4, 5), False, True, True), ((3, 2, 4), (4, 5), True, False, True),
    ((3, 2, 4), (4,), True, False, True), ((1, 2, 4), (4, 5), True, False, True),
    ((2, 1, 3, 4), (5, 4, 2), True, True, False), ((3, 4), (2, 4, 5), False, True, False),
    ((3, 4), (2, 4, 5), True, False, False), ((4,), (2, 2, 4, 1), False, True, False),
    ((2, 3, 4), (2, 4, 5), True, True, False), ((1, 2, 2), (1, 2, 2), True, False, False),
    # a batch of one that requires grad is squeezed first (3-D @ 3-D only)
    ((1, 2, 3), (2, 3, 2), False, True, False), ((1, 2, 3), (2, 3, 2), True, True, False),
    ((2, 2, 3), (1, 3, 2), True, False, False), ((2, 2, 3), (1, 3, 2), False, True, False),
    ((1, 2, 3), (1, 3, 2), True, True, False), ((1, 2, 3), (2, 2, 3, 2), True, False, False),
    ((3,), (1, 3, 2), True, True, False),
]


MIXED_DTYPE_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)), ((2, 2, 3), (3,)),
                      ((2, 2, 3), (3, 2)), ((3,), (2, 3, 2)), ((2, 3), (2, 3, 2)), ((2, 2, 3), (2, 3, 2)),
                      ((1, 2, 3), (2, 3, 2))]


@pytest.mark.parametrize("sa, sb", MIXED_DTYPE_SHAPES, ids=[f"{a}@{b}" for a, b in MIXED_DTYPE_SHAPES])
@pytest.mark.parametrize("a_requires_grad", [False, True])
def test_matmul_of_mixed_dtypes_raises_as_torch(sa, sb, a_requires_grad):
    """float32 @ float64 raises; which primitive complains (and how) follows PyTorch's dispatch."""
    for first, second in (("float32", "float64"), ("float64", "float32")):
        errors = []
        for m in (ac, torch):
            a = m.ones(sa, dtype=getattr(m, first), requires_grad=a_requires_grad)
            b = m.ones(sb, dtype=getattr(m, second))
            with pytest.raises(RuntimeError) as info:
                a @ b
            errors.append(str(info.value))
        assert errors[0] == errors[1]


@pytest.mark.parametrize("case", MATMUL_CASES, ids=[f"{c[0]}@{c[1]}-{c[2]:d}{c[3]:d}{c[4]:d}"
                                                    for c in MATMUL_CASES])
def test_matmul_graph_matches_torch(case):
    sa, sb, ga, gb, transposed = case
    results = []
    for m in (ac, torch):
        a = m.tensor(np.arange(np.prod(sa), dtype=np.float32).reshape(sa) / 10, requires_grad=ga)
        b = m.tensor(np.arange(np.prod(sb), dtype=np.float32).reshape(sb) / 7, requires_grad=gb)
        y = (a.transpose(0, 1) if transposed else a) @ b
        y.backward(m.ones(y.shape))
        results.append((y, graph_structure(y.grad_fn, {id(a): 0, id(b): 1}),
                        [None if t.grad is None else array(t.grad) for t in (a, b)]))
    (y1, g1, grads1), (y2, g2, grads2) = results
    assert_close(y1, y2, "value")
    assert g1 == g2
    for x1, x2 in zip(grads1, grads2):
        assert (x1 is None) == (x2 is None)
        if x1 is not None:
            assert_close(x1, x2)


INDEXING = ["x[None, -1:]", "x[..., -3:]", "x[..., 0:10]", "x[..., :2]", "x[-1:]", "x[0:]",
            "x[:, None]", "x[..., 0::1]", "x[1, :, None][..., 0]", "x[[0, 0]]", "x[:, 1:3][0]",
            "x[..., None]", "x[...]", "x[:]", "x[(0,)]", "x[:, -1]"]


@pytest.mark.parametrize("expr", INDEXING)
def test_index_graph_matches_torch(expr):
    graphs = []
    for m in (ac, torch):
        x = m.ones(2, 3, requires_grad=True)
        y = eval(expr, {"x": x})
        graphs.append((tuple(y.shape), graph_structure(y.grad_fn, {id(x): 0})))
    assert graphs[0] == graphs[1]


SETITEM = [  # (shape of the clone, index, shape of the value)
    ((2, 3), 0, (3,)), ((2, 3), 0, ()), ((2, 3), 0, (1,)), ((2, 3), 0, (1, 3)), ((1, 1, 1), 0, (1,)),
    ((2, 3), (slice(None), slice(0, 1)), (2, 1)), ((2, 3), 0, (1, 1, 3)), ((3,), 1, ()),
    ((3, 2), [0, 2], (2,)), ((3, 2), [0, 2], (2, 2)), ((3, 2), "mask", (2,)), ((3, 2), (1, [0, 1]), ()),
]


@pytest.mark.parametrize("case", SETITEM, ids=[f"{c[0]}[{c[1]}]={c[2]}" for c in SETITEM])
def test_setitem_graph_matches_torch(case):
    shape, index, value_shape = case
    out = []
    for m in (ac, torch):
        x = m.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape), requires_grad=True)
        u = m.tensor(np.full(value_shape, 0.5, dtype=np.float32), requires_grad=True)
        idx = m.tensor([True, False, True]) if index == "mask" else index
        c = x * 2
        c[idx] = u * 3
        (c * c).sum().backward()
        out.append((c.detach(), graph_structure(c.grad_fn, {id(x): 0, id(u): 1}), x.grad, u.grad))
    assert_close(out[0], out[1], exact=True)  # small integers and halves: exact in float32


@pytest.mark.parametrize("expr", ["m.add(a, b, alpha=0.5)", "m.sub(a, b, alpha=2)",
                                  "m.rsub(a, 2, alpha=3)", "a.add(2, alpha=3)",
                                  "a.clone().add_(b, alpha=-2)", "a.clone().sub_(b, alpha=0.5)",
                                  "a.t().reshape(-1)", "a.mT.reshape(3, 2)", "a.reshape(3, 2)"])
def test_alpha_and_reshape_graph_matches_torch(expr):
    out = []
    for m in (ac, torch):
        a = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        b = m.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
        y = eval(expr, {"m": m, "a": a, "b": b})
        y.sum().backward(retain_graph=True)
        y.sum().backward()  # the graph holds what a second backward needs, as in PyTorch
        out.append((y.detach(), graph_structure(y.grad_fn, {id(a): 0, id(b): 1}), a.grad, b.grad))
    assert_close(out[0], out[1], exact=True)  # small integers and halves: exact in float32


SAVED = [  # (expression of x and y (both require grad), saved attribute of its grad_fn)
    ("x * y", "_saved_self"), ("x * y", "_saved_other"), ("x * 1.5", "_saved_other"),
    ("x * 2", "_saved_other"), ("x / 3", "_saved_other"), ("x / y", "_saved_other"),
    ("x ** 2", "_saved_exponent"), ("x ** 2.5", "_saved_self"), ("x ** y", "_saved_exponent"),
    ("x.exp()", "_saved_result"), ("x.sigmoid()", "_saved_result"), ("x.tanh()", "_saved_result"),
    ("x.log()", "_saved_self"), ("x.clamp(0, 1)", "_saved_min"), ("x.clamp(max=1)", "_saved_min"),
    ("x.clamp(max=1)", "_saved_max"), ("m.dot(x[0], y[0])", "_saved_tensor"),
    ("m.dot(x[0], y[0])", "_saved_self"), ("x @ y.t()", "_saved_mat2"), ("x[:, [0, 2]]", "_saved_indices"),
    ("x[m.tensor([1, 0])]", "_saved_indices"), ("x[x > 1]", "_saved_indices"),
    ("x.max()", "_saved_result"), ("m.maximum(x, y)", "_saved_other"), ("x.softmax(1)", "_saved_result"),
]


@pytest.mark.parametrize("expr, attr", SAVED, ids=[f"{e}.{a}" for e, a in SAVED])
def test_saved_values_match_torch(expr, attr):
    """What grad_fn._saved_* shows (the inspector displays it): value, dtype, grad_fn, identity."""
    out = []
    for m in (ac, torch):
        x = m.tensor([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]], requires_grad=True)
        y = m.tensor([[1.0, 2.0, 0.5], [0.75, 1.25, 4.0]], requires_grad=True)
        z = eval(expr, {"m": m, "x": x, "y": y})
        v = getattr(z.grad_fn, attr)
        items = v if isinstance(v, tuple) else (v,)
        out.append([(repr(i) if not hasattr(i, "grad_fn") else
                     (repr(i), i is x, i is y, grad_fn_name(i), i.requires_grad)) for i in items])
    assert out[0] == out[1]


# --- dtype promotion -------------------------------------------------------------------------------
PROMOTION = {
    "int64 * float": lambda m: m.tensor([1, 2, 3]) * 1.5,
    "int64 + int": lambda m: m.tensor([1, 2, 3]) + 2,
    "int64 / int64": lambda m: m.tensor([3, 4]) / m.tensor([2, 8]),
    "int64 / int": lambda m: m.tensor([3, 4]) / 2,
    "int / int64": lambda m: 7 / m.tensor([2, 4]),
    "int64 ** 2": lambda m: m.tensor([2, 3]) ** 2,
    "int64 ** float": lambda m: m.tensor([4, 9]) ** 0.5,
    "int ** int64": lambda m: 2 ** m.tensor([1, 3]),
    "float ** int64": lambda m: 2.5 ** m.tensor([1, 3]),
    "bool ** int": lambda m: m.tensor([True, False]) ** 2,
    "float16 ** float": lambda m: m.tensor([1.5, 2.0], dtype=m.float16) ** 2.0,
    "int64 ** int64": lambda m: m.tensor([2, 3]) ** m.tensor([2, 1]),
    "float32 + float64 0-dim": lambda m: m.tensor([1.0, 2.0]) + m.tensor(0.5, dtype=m.float64),
    "float64 + float32 0-dim": lambda m: m.tensor([1.0, 2.0], dtype=m.float64) + m.tensor(0.5),
    "0-dim float64 + 0-dim float32": lambda m: m.tensor(1.0, dtype=m.float64) + m.tensor(0.5),
    "int64 + float64 0-dim": lambda m: m.tensor([1, 2]) + m.tensor(0.5, dtype=m.float64),
    "int32 + int64 0-dim": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor(3),
    "int32 + int64": lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([3, 4]),
    "float32 + float64": lambda m: m.tensor([1.0]) + m.tensor([2.0], dtype=m.float64),
    "bool + bool": lambda m: m.tensor([True, False]) + m.tensor([True, True]),
    "bool * int": lambda m: m.tensor([True, False]) * 3,
    "bool * float": lambda m: m.tensor([True, False]) * 0.5,
    "bool + int64": lambda m: m.tensor([True, False]) + m.tensor([2, 3]),
    "bool.sum": lambda m: m.tensor([True, False, True]).sum(),
    "int64.sum": lambda m: m.tensor([1, 2, 3]).sum(),
    "int32.sum": lambda m: m.tensor([1, 2], dtype=m.int32).sum(),
    "int64.mean(float)": lambda m: m.tensor([1, 2]).float().mean(),
    "int64.exp": lambda m: m.tensor([0, 1]).exp(),
    "int64.sqrt": lambda m: m.sqrt(m.tensor([4, 9])),
    "int64.neg": lambda m: -m.tensor([1, 2]),
    "int64.abs": lambda m: m.tensor([-1, 2]).abs(),
    "float64 * python int": lambda m: m.tensor([1.5], dtype=m.float64) * 2,
    "int64 > float": lambda m: m.tensor([1, 2]) > 1.5,
    "int64.max": lambda m: m.tensor([1, 5, 2]).max(),
    "int64 - bool": lambda m: m.tensor([1, 5]) - m.tensor([True, False]).long(),
    "float16 + float32 0-dim": lambda m: m.tensor([1.0], dtype=m.float16) + m.tensor(2.0),
    "uint8 + int8": lambda m: m.tensor([200], dtype=m.uint8) + m.tensor([1], dtype=m.int8),
    "arange int": lambda m: m.arange(4),
    "arange float": lambda m: m.arange(0, 1, 0.25),
    "int tensor where float": lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), 0.5),
    "matmul int": lambda m: m.tensor([[1, 2], [3, 4]]) @ m.tensor([1, 1]),
}


@pytest.mark.parametrize("name", sorted(PROMOTION))
def test_dtype_promotion_matches_torch(name):
    fn = PROMOTION[name]
    ours, theirs = fn(ac), fn(torch)
    assert_close(ours, theirs)  # dtype and shape included


# --- repr ----------------------------------------------------------------------------------------
def _values(seed, *shape, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32).tolist()


REPRS = {
    "float scalar": lambda m: m.tensor(3.5),
    "int scalar": lambda m: m.tensor(7),
    "bool scalar": lambda m: m.tensor(True),
    "negative scalar": lambda m: m.tensor(-0.25),
    "integral floats": lambda m: m.tensor([1.0, -2.0, 30.0]),
    "ints": lambda m: m.tensor([1, -20, 300]),
    "bools": lambda m: m.tensor([True, False, True]),
    "mixed signs": lambda m: m.tensor([-1.5, 0.25, 3.125]),
    "mixed magnitudes": lambda m: m.tensor([0.001, 12.5, 300.0]),
    "sci large": lambda m: m.tensor([1e10, 1.0]),
    "sci small": lambda m: m.tensor([1e-5, 1.0]),
    "sci ratio": lambda m: m.tensor([0.5, 1234.5]),
    "nan inf": lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan int-valued": lambda m: m.tensor([float("nan"), 2.0]),
    "zeros": lambda m: m.zeros(2, 3),
    "empty": lambda m: m.tensor([]),
    "empty 2-d": lambda m: m.zeros(0, 3),
    "2-d": lambda m: m.tensor(_values(1, 3, 4)),
    "3-d": lambda m: m.tensor(_values(2, 2, 3, 4)),
    "wide row wraps": lambda m: m.tensor(_values(3, 30)),
    "requires_grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn sum": lambda m: (m.tensor([1.0, 2.0], requires_grad=True) ** 2).sum(),
    "float64": lambda m: m.tensor([1.5, 2.0], dtype=m.float64),
    "float64 requires_grad": lambda m: m.tensor([1.5], dtype=m.float64, requires_grad=True),
    "float64 grad_fn": lambda m: m.tensor([1.5], dtype=m.float64, requires_grad=True).exp(),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "float16": lambda m: m.tensor([0.5, 2.0], dtype=m.float16),
    "summarised 1-d": lambda m: m.arange(2000.0) / 7,
    "summarised 2-d": lambda m: m.arange(1500).reshape(30, 50),
    "summarised 3-d": lambda m: (m.arange(1200.0) * 0.5).reshape(6, 10, 20),
    "detach": lambda m: (m.tensor([1.0, 2.0], requires_grad=True) * 3).detach(),
    "long grad_fn suffix wraps": lambda m: m.tensor(_values(4, 8, 7), requires_grad=True).sigmoid(),
    "large ints": lambda m: m.tensor([123456789, -5]),
    "tiny and zero": lambda m: m.tensor([0.0, 1e-8]),
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_matches_torch(name):
    fn = REPRS[name]
    assert repr(fn(ac)) == repr(fn(torch))


@st.composite
def printable_arrays(draw):
    """Arrays that exercise the printer: int/fixed/sci modes, wide rows, nan/inf, summarised."""
    kind = draw(st.sampled_from(["float32", "float64", "int64", "bool", "int-valued float"]))
    big = draw(st.integers(0, 9)) == 0
    shape = tuple(draw(st.lists(st.integers(1, 40 if big else 5), min_size=0, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if kind == "bool":
        return rng.uniform(size=shape) > 0.5
    if kind == "int64":
        return (rng.standard_normal(shape) * 10 ** draw(st.integers(0, 6))).astype(np.int64)
    scale = 10.0 ** draw(st.integers(-6, 9))
    values = rng.standard_normal(shape) * scale
    if kind == "int-valued float":
        values = np.round(values)
    if values.size and draw(st.booleans()):
        special = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0]))
        values.flat[draw(st.integers(0, values.size - 1))] = special
    return values.astype(np.float64 if kind == "float64" else np.float32)


@DIFF
@given(printable_arrays(), st.booleans())
def test_random_reprs_match_torch(values, requires_grad):
    requires_grad = requires_grad and values.dtype.kind == "f"
    ours = ac.tensor(values, requires_grad=requires_grad)
    theirs = torch.tensor(values, requires_grad=requires_grad)
    assert repr(ours) == repr(theirs)
    if requires_grad:
        assert repr(ours * 2) == repr(theirs * 2)


def test_repr_of_size_dtype_and_grad_fn_node():
    for m in (ac, torch):
        x = m.tensor([[1.0, 2.0]], requires_grad=True)
        y = x.mul(2)
    assert repr(ac.tensor([[1.0, 2.0]]).shape) == repr(torch.tensor([[1.0, 2.0]]).shape)
    assert repr(ac.float64) == repr(torch.float64)
    norm = re.compile(r"0x[0-9a-f]+")
    ours = ac.tensor([1.0], requires_grad=True) * 2
    theirs = torch.tensor([1.0], requires_grad=True) * 2
    assert norm.sub("0x", repr(ours.grad_fn)) == norm.sub("0x", repr(theirs.grad_fn))
    assert (norm.sub("0x", repr(ours.grad_fn.next_functions))
            == norm.sub("0x", repr(theirs.grad_fn.next_functions)))
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert y is not None


def test_nonleaf_grad_warning_matches_torch():
    messages = []
    for m in (ac, torch):
        y = m.tensor([1.0], requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        # PyTorch appends where in its C++ source it warned: not part of the message
        messages.append([(w.category, re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)))
                         for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 1
