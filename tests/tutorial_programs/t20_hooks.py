import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
h = x.register_hook(lambda grad: grad * 2)
y = (x * x).sum()
y.backward()
print(x.grad)
h.remove()
x.grad = None
(x * x).sum().backward()
print(x.grad)
a = torch.tensor(2., requires_grad=True)
b = a * 3
seen = []
b.register_hook(lambda g: seen.append(g.item()))
c = b ** 2
c.backward()
print(seen, a.grad)
def printer(g):
    print("grad seen:", g)
v = torch.tensor([1., 1.], requires_grad=True)
u = v * 5
u.register_hook(printer)
u.sum().backward()
print(v.grad)
try:
    torch.tensor([1.]).register_hook(print)
except RuntimeError as e:
    print("RuntimeError:", e)
