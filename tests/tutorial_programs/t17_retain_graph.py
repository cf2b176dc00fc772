import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
y.backward(retain_graph=True)
print(x.grad)
y.backward()
print(x.grad)
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
x.grad.zero_()
z = x * x
z.backward()
print(x.grad)
a = torch.tensor([1., 2.], requires_grad=True)
b = a.exp()
c = b.sum()
c.backward()
try:
    c.backward()
except RuntimeError as e:
    print("RuntimeError:", e)
