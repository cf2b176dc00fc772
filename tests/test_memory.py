"""Memory behaviour of autograd_core: deep graphs, steady training loops, graphs freed by reference
counting alone (the engine avoids reference cycles on purpose, so these tests run with the cyclic
garbage collector switched off), and the tutorial's ``total += loss`` leak.
"""
import gc
import math
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np

import autograd_core as torch


@contextmanager
def gc_disabled():
    """Only reference counting frees objects inside: anything still alive is referenced or cyclic."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _alive(refs):
    return sum(r() is not None for r in refs)


def _graph_nodes(root):
    """Weak references to every node reachable from root (iteratively)."""
    seen, stack, refs = set(), [root], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        refs.append(weakref.ref(node))
        stack.extend(f for f, _ in node.next_functions)
    return refs


# --- depth ----------------------------------------------------------------------------------------
def test_a_100000_op_chain_backwards_and_frees_without_recursion_error():
    n = 100_000
    a = 1.00001
    with gc_disabled():
        x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        y = x
        for i in range(n // 2):  # y = a * (... a * (a * x + 1) + 1 ...)
            y = y * a
            y = y + 1
        first = weakref.ref(y.grad_fn)
        y.backward()
        assert math.isclose(x.grad.item(), a ** (n // 2), rel_tol=1e-9)
        assert math.isclose(y.item(), a ** (n // 2) * 0.5 + sum(a ** k for k in range(n // 2)),
                            rel_tol=1e-9)
        del y  # deallocating 100,000 nested nodes must not overflow the C stack either
        assert first() is None


def test_a_deep_chain_through_a_view_and_reduction():
    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = (y * 1.0).view(3)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


# --- steady state ---------------------------------------------------------------------------------
def _regression_step(w, b, x, y, lr=0.01):
    y_pred = w * x + b
    loss = (0.5 * (y - y_pred) ** 2).mean()
    loss.backward()
    w.data.sub_(lr * w.grad)
    b.data.sub_(lr * b.grad)
    w.grad.zero_()
    b.grad.zero_()
    return loss.item()


def test_training_loop_memory_does_not_grow():
    torch.manual_seed(10)
    x = torch.rand(20, 1) * 10
    y = 2 * x + (5 + torch.randn(20, 1))
    w = torch.randn(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    tracemalloc.start()
    try:
        losses = []
        for i in range(1, 1001):
            losses.append(_regression_step(w, b, x, y))
            if i == 100:
                gc.collect()
                at_100 = tracemalloc.get_traced_memory()[0]
        gc.collect()
        at_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # the losses list grows by 900 floats (~8 bytes each in the list, floats ~24 bytes): allow for it
    slack = 900 * 40 + 16_384
    assert at_1000 - at_100 < slack, f"grew by {at_1000 - at_100} bytes over 900 iterations"
    assert losses[-1] < losses[0]  # and it did train


def test_backward_frees_saved_arrays_even_while_the_output_lives():
    with gc_disabled():
        x = torch.ones(500, 200, requires_grad=True)
        big = x * 3
        saved = weakref.ref(big._data)  # MulBackward0 of big * big saves big's array
        y = (big * big).sum()
        del big
        assert saved() is not None
        y.backward()
        assert saved() is None, "backward without retain_graph must release saved tensors"
        assert y.grad_fn is not None and x.grad is not None


def test_retain_graph_keeps_saved_arrays_until_the_graph_dies():
    with gc_disabled():
        x = torch.ones(100, requires_grad=True)
        big = x * 3
        saved = weakref.ref(big._data)
        y = (big * big).sum()
        del big
        y.backward(retain_graph=True)
        assert saved() is not None
        del y
        assert saved() is None


def test_a_graph_dies_with_its_output_without_the_cycle_collector():
    with gc_disabled():
        x = torch.ones(300, 300, requires_grad=True)
        h = (x * 2).exp()
        big = weakref.ref(h)
        y = (h * h).sum() + x.mean()
        h.retain_grad()
        h.register_hook(lambda g: g * 1)
        refs = _graph_nodes(y.grad_fn)
        assert len(refs) >= 6
        del h
        y.backward()
        del y
        assert _alive(refs) == 0
        assert big() is None
        assert x.grad is not None  # the leaf and its gradient stay


def test_a_forward_pass_without_backward_is_freed_too():
    with gc_disabled():
        x = torch.randn(50, 50, requires_grad=True)
        w = torch.randn(50, 50, requires_grad=True)
        out = (x @ w).relu().softmax(dim=1)[:, :10].sum()
        refs = _graph_nodes(out.grad_fn)
        del out
        assert _alive(refs) == 0


def test_autograd_grad_and_no_grad_leave_nothing_behind():
    with gc_disabled():
        x = torch.ones(10, requires_grad=True)
        y = (x * x).sum()
        refs = _graph_nodes(y.grad_fn)
        (g,) = torch.autograd.grad(y, x)
        del y
        assert _alive(refs) == 0
        with torch.no_grad():
            z = x * 2
        assert z.grad_fn is None


# --- the tutorial's leak -------------------------------------------------------------------------
def _train(accumulate_tensor, steps=25):
    """Returns weak references to each iteration's loss node, and the total."""
    torch.manual_seed(0)
    x = torch.rand(8, 1)
    y = 3 * x + 1
    w = torch.zeros(1, requires_grad=True)
    refs = []
    total = 0
    for _ in range(steps):
        loss = ((w * x - y) ** 2).mean()
        refs.append(weakref.ref(loss.grad_fn))
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        if accumulate_tensor:
            total += loss          # keeps every iteration's graph alive
        else:
            total += loss.item()   # a float: the graph can go
    del loss
    return refs, total


def test_total_plus_loss_tensor_keeps_every_graph_alive():
    with gc_disabled():
        refs, total = _train(accumulate_tensor=True)
        assert _alive(refs) == len(refs) == 25
        assert isinstance(total, torch.Tensor) and total.requires_grad
        del total
        assert _alive(refs) == 0


def test_total_plus_loss_item_keeps_none():
    with gc_disabled():
        refs, total = _train(accumulate_tensor=False)
        assert _alive(refs) == 0
        assert isinstance(total, float)


def test_both_totals_agree():
    assert np.isclose(_train(True)[1].item(), _train(False)[1], rtol=1e-5)
