import torch
x = torch.tensor([[1, 2], [3, 4]])
print(x.repeat(2, 1))
print(x.repeat(1, 1, 2))
print(x.repeat(2, 3).shape)
w = torch.tensor([[1., 2.]], requires_grad=True)
r = w.repeat(3, 2)
print(r)
(r * torch.arange(12.).view(3, 4)).sum().backward()
print(w.grad)
try:
    x.repeat(2)
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.arange(3).repeat(2, 1))
