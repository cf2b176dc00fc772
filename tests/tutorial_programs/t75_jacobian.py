import torch
from torch.autograd.functional import jacobian
def f(x):
    return torch.stack([x[0] * x[1], x[0] ** 2, x[1].exp()])
x = torch.tensor([1., 2.])
J = jacobian(f, x)
print(J)
def g(a, b):
    return a * b + b
print(jacobian(g, (torch.tensor([1., 2.]), torch.tensor([3., 4.]))))
print(jacobian(lambda t: t.sum(), torch.ones(2, 2)))
