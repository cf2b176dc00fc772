import torch
a = torch.tensor([[1., 2.], [3., 4.]])
b = torch.tensor([[5., 6.]])
print(torch.cat([a, b]))
print(torch.cat((a, a), dim=1))
print(torch.stack([a, a]))
print(torch.stack([a, a], dim=1).shape)
print(torch.stack((torch.tensor(1.), torch.tensor(2.))))
try:
    torch.cat([a, b], dim=1)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.stack([a, b])
except RuntimeError as e:
    print("RuntimeError:", e)
x = a.clone().requires_grad_()
y = torch.cat([x, x * 2], dim=0)
print(y.grad_fn, y.grad_fn.next_functions)
y.sum().backward()
print(x.grad)
z = torch.stack([x, x]).sum()
print(z.grad_fn.next_functions[0][0])
