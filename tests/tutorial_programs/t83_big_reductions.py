import torch
x = torch.arange(100000.)
print(x.sum(), x.mean(), (x / 1000).sum(), x.max(), x.norm())
y = torch.linspace(0, 1, 10001)
print(y.sum(), y.mean(), y.std(), y.var(), (y ** 2).mean())
z = torch.arange(1000.).view(10, 100) / 3
print(z.mean(0)[:5])
print(torch.softmax(torch.arange(10.), 0))
print(torch.log_softmax(torch.arange(5.) * 10, 0))
w = torch.tensor([0.1] * 1000)
print(w.sum(), w.cumsum(0)[-1], w.prod())
