"""Section 1, example A: y = (w + x) * (w + 1) at w = 1, x = 2.

Leaves, grad_fn, retain_grad, and what a non-leaf's .grad gives after backward.
"""
import warnings

import torch

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)
a.retain_grad()          # keep dy/da, which backward would otherwise free
b = torch.add(w, 1)
y = torch.mul(a, b)

print("y =", y)
y.backward()
print("w.grad =", w.grad)    # b + a = 2 + 3
print("x.grad =", x.grad)    # b = 2
print("a.grad =", a.grad)    # retained: dy/da = b = 2

print("is_leaf:", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
print("requires_grad:", w.requires_grad, a.requires_grad, y.requires_grad)
print("retains_grad:", a.retains_grad, b.retains_grad)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("b.grad =", b.grad)
    print("y.grad =", y.grad)
for warning in caught:
    print(warning.category.__name__ + ":", warning.message)

print("grad_fn:", w.grad_fn, x.grad_fn)
print("y.grad_fn:", y.grad_fn)
print("a.grad_fn:", a.grad_fn)
print("b.grad_fn name:", b.grad_fn.name())
print("y.grad_fn.next_functions:", y.grad_fn.next_functions)
leaf_node = a.grad_fn.next_functions[0][0]
print("leaf node:", type(leaf_node).__name__, leaf_node.variable is w)
print("b's edges:", [(None if n is None else type(n).__name__, i) for n, i in b.grad_fn.next_functions])
