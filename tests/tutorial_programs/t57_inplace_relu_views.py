import torch
x = torch.tensor([-1., 2., -3.], requires_grad=True)
y = x * 2
y.relu_()
print(y, y.grad_fn)
y.sum().backward()
print(x.grad)
a = torch.arange(6.).view(2, 3)
b = a[0]
b[1] = 100.
print(a, a._version, b._version)
c = a.t()
c[0, 1] = -1.
print(a)
d = a.view(6)
d.mul_(2)
print(a)
e = a.clone()
e.add_(1)
print(a, e)
f = torch.tensor([1., 2.])
g = f
g += 1
print(f, f is g)
h = f
h = h + 1
print(f, h)
