import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x * 3
z = (y * y).sum()
y.retain_grad()
z.backward()
print(y.grad, x.grad)
print(y.retains_grad, x.retains_grad)
a = torch.tensor(1., requires_grad=True)
b = a * 2
c = b * 3
c.backward()
print(b.grad)
print(a.grad)
