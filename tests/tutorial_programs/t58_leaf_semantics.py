import torch
a = torch.rand(10, requires_grad=True)
print(a.is_leaf)
b = torch.rand(10, requires_grad=True).double()
print(b.is_leaf)
c = torch.rand(10) + 1
print(c.is_leaf, c.requires_grad)
d = torch.rand(10, requires_grad=True)
print(d.is_leaf)
e = torch.rand(10).requires_grad_()
print(e.is_leaf)
f = torch.zeros(3, requires_grad=True).clone()
print(f.is_leaf, f.grad_fn)
z = b * 2
z.sum().backward()
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    print(b.grad)
    print(len(w) > 0)
print(a.grad)
