import torch
a = torch.tensor([1., 2., 3.], requires_grad=True)
out = a.sigmoid()
c = out.data
c.zero_()
print(out)
out.sum().backward()
print(a.grad)
b = torch.tensor([1., 2., 3.], requires_grad=True)
out2 = b.sigmoid()
d = out2.detach()
d.zero_()
print(out2)
try:
    out2.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)
p = torch.nn.Parameter(torch.ones(2))
p.data = torch.tensor([5., 6.])
print(p)
p.data.add_(1)
print(p, p.requires_grad, p.grad)
