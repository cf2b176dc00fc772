import torch
x = torch.tensor([1., -2., 3.], requires_grad=True)
def clip_hook(g):
    return g.clamp(-1, 1)
x.register_hook(clip_hook)
y = (x * torch.tensor([5., -5., 0.5])).sum()
y.backward()
print(x.grad)
a = torch.tensor(1., requires_grad=True)
b = a * 2
c = b * 3
b.register_hook(lambda g: print("b grad", g))
c.register_hook(lambda g: print("c grad", g))
a.register_hook(lambda g: print("a grad", g))
c.backward()
w = torch.tensor([1., 2.], requires_grad=True)
h1 = w.register_hook(lambda g: g * 10)
h2 = w.register_hook(lambda g: g + 1)
(w * w).sum().backward()
print(w.grad)
print(type(h1).__name__ if False else "handle", h1.remove(), h2.remove())
