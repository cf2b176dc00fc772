import torch
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = a * 2
b[0] = 0.
print(b, b.grad_fn)
b.sum().backward()
print(a.grad)
a.grad = None
c = a * 1
v = c[1:]
v.mul_(10)
print(c, c.grad_fn, v.grad_fn)
c.sum().backward()
print(a.grad)
a.grad = None
d = a.exp()
d2 = d.view(3, 1)
d2.add_(1)
print(d.grad_fn, d2.grad_fn)
try:
    d.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
print(a.grad)
m = torch.zeros(2, 2)
m[0, 1] = 3
m[:, 0] += 1
print(m)
w = torch.tensor([1., 2.], requires_grad=True)
out = torch.zeros(2, 2)
out[0] = w
out[1] = w * 2
print(out, out.grad_fn)
out.sum().backward()
print(w.grad)
