"""Custom Layers -- d2l-ai/d2l-en chapter_builders-guide/custom-layer.md, its PyTorch tab (Dive into
Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- the d2l package is not installed: ``from d2l import torch as d2l`` is left out and ``d2l.tensor`` /
  ``d2l.rand`` are spelled ``torch.tensor`` / ``torch.rand`` (what d2l's torch module binds them to).
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
"""
import torch
from torch import nn
from torch.nn import functional as F

class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()

layer = CenteredLayer()
print(layer(torch.tensor([1.0, 2, 3, 4, 5])))  # adaptation: the cell's value, printed

net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())

X = torch.rand(4, 8)
Y = net(X)
print(Y.mean())  # adaptation: the cell's value, printed

class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)

linear = MyLinear(5, 3)
print(linear.weight)  # adaptation: the cell's value, printed

print(linear(torch.rand(2, 5)))  # adaptation: the cell's value, printed

net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
print(net(torch.rand(2, 64)))  # adaptation: the cell's value, printed
