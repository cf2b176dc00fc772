import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = x * 2
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
z = torch.tensor([1., 2.])
try:
    z.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
y.backward(torch.ones_like(y))
print(x.grad)
try:
    y.backward(torch.ones(2))
except RuntimeError as e:
    print("RuntimeError:", e)
w = torch.tensor([1, 2])
try:
    w.requires_grad_()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.tensor([1, 2], requires_grad=True)
except RuntimeError as e:
    print("RuntimeError:", e)
