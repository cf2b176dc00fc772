"""Section 1, example B: y = (m + n) * (m - n) at m = 2, n = 3, and a walk over its graph."""
import torch

m = torch.tensor(2.0, requires_grad=True)
n = torch.tensor(3.0, requires_grad=True)
a = m + n
b = m - n
y = a * b
print("a, b, y:", a.item(), b.item(), y.item())
y.backward()
print("m.grad =", m.grad)   # (m - n) + (m + n) = 2m = 4
print("n.grad =", n.grad)   # (m - n) - (m + n) = -2n = -6


def walk(node, depth=0):
    """Print the backward graph below node, one line per edge."""
    print("  " * depth + (type(node).__name__ if node is not None else "None"))
    if node is None:
        return
    for child, _ in node.next_functions:
        walk(child, depth + 1)


walk(y.grad_fn)
print("dy/dm by hand:", 2 * m.item(), " dy/dn by hand:", -2 * n.item())
