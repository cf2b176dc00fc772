import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = (x ** 2).sum()
g, = torch.autograd.grad(y, x)
print(g, x.grad)
y2 = x ** 3
g2 = torch.autograd.grad(y2, x, grad_outputs=torch.ones_like(y2))
print(g2)
a = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)
out = a * b + a ** 2
ga, gb = torch.autograd.grad(out, [a, b])
print(ga, gb)
z = x * 2
try:
    torch.autograd.grad(z, x)
except RuntimeError as e:
    print("RuntimeError:", e)
c = torch.tensor(1., requires_grad=True)
try:
    torch.autograd.grad(a * 2, [a, c])
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.autograd.grad(a * 2, [a, c], allow_unused=True))
