import torch
x = torch.tensor([1., 2.], requires_grad=True)
try:
    x.add_(1)
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    x.add_(1)
print(x, x._version)
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = a.sigmoid()
c = b * 1
c.mul_(2)
print(c.grad_fn, c._version)
b.mul_(2)
print(b._version)
try:
    b.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
e = a.exp()
e.add_(1)
try:
    e.sum().backward()
except RuntimeError as err:
    print("RuntimeError:", err)
t = torch.zeros(3)
t[1] = 5
t += 1
print(t, t._version)
t.zero_()
print(t)
t.fill_(2.5)
print(t)
