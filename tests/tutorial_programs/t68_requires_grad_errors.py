import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x.detach()
try:
    y.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    z = x * 2
try:
    z.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x.view(2, 1)[0] += 1
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x[0] = 5.
except RuntimeError as e:
    print("RuntimeError:", e)
a = x * 2
b = a.view(2)
try:
    x.grad.zero_()
except AttributeError as e:
    print("AttributeError:", e)
try:
    torch.autograd.grad(a.sum(), y)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x.requires_grad = False
    print(x.requires_grad)
except RuntimeError as e:
    print("RuntimeError:", e)
n = x.detach() * 2
try:
    n.requires_grad = True
    print(n.requires_grad, n.is_leaf)
except RuntimeError as e:
    print("RuntimeError:", e)
m = torch.tensor([1., 2.], requires_grad=True) * 3
try:
    m.requires_grad = False
except RuntimeError as e:
    print("RuntimeError:", e)
