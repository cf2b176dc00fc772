import torch
x = torch.tensor([1., 2.], requires_grad=True)
h = x.exp()
l1 = h.sum()
l2 = (h * h).sum()
l1.backward(retain_graph=True)
print(x.grad)
l2.backward()
print(x.grad)
x.grad = None
a = x * 2
b = x * 3
torch.autograd.backward([a.sum(), b.sum()])
print(x.grad)
x.grad = None
a, b = x * 2, x * 3
torch.autograd.backward([a, b], [torch.ones(2), torch.tensor([1., 0.])])
print(x.grad)
x.grad = None
y = x ** 2
y.backward(torch.ones_like(y), inputs=[x])
print(x.grad)
try:
    torch.autograd.backward([a, b], [torch.ones(2), torch.ones(2)])
except RuntimeError as e:
    print("RuntimeError:", e)
