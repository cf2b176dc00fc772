"""Section 2: plain Python control flow in a dynamic graph.

The branch taken depends on a value, so each call records a different graph.
"""
import torch


def f(a, b):
    if a.item() > 0:
        x = a + b
    else:
        x = a - b
    return x * 2


for a_value in (1.0, -1.0):
    a = torch.tensor(a_value, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    y = f(a, b)
    y.backward()
    branch = type(y.grad_fn.next_functions[0][0]).__name__
    print(f"a={a_value}: y={y.item()} via {branch}, a.grad={a.grad}, b.grad={b.grad}")


def power(x, n):
    """x ** n as n multiplications: the graph's length follows n."""
    out = x
    for _ in range(n - 1):
        out = out * x
    return out


for n in (1, 2, 4):
    x = torch.tensor(1.5, requires_grad=True)
    out = power(x, n)
    depth, node = 0, out.grad_fn
    while node is not None:
        depth += 1
        nexts = [fn for fn, _ in node.next_functions if fn is not None and type(fn).__name__ != "AccumulateGrad"]
        node = nexts[0] if nexts else None
    if out.requires_grad and out.grad_fn is not None:
        out.backward()
        print(f"n={n}: {depth} MulBackward0 node(s), d(x**n)/dx = {x.grad}")
    else:
        print(f"n={n}: no graph (out is x itself), is_leaf={out.is_leaf}")
