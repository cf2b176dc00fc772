import torch
x = torch.tensor([1., 2.], requires_grad=True)
y = x * 2
z = y.sum()
z.backward()
print(y.grad)
print(x.grad)
w = torch.tensor(3.0, requires_grad=True)
v = w ** 2
v.retain_grad()
v.backward()
print(v.grad, w.grad)
print(torch.tensor([1, 2, 3]).T)
print(torch.ones(2, 3, 4).T.shape)
