import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * x
d = y.detach()
print(d, d.requires_grad, d.grad_fn, d.is_leaf)
z = y + d
z.sum().backward()
print(x.grad)
x.grad = None
u = x.detach().requires_grad_(True)
print(u.requires_grad, u.is_leaf)
(u * 2).sum().backward()
print(u.grad, x.grad)
d[0] = 100.
print(y)
print(x.data, x.data.requires_grad)
x.data.mul_(2)
print(x)
