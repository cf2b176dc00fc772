"""Lazy Initialization -- d2l-ai/d2l-en chapter_builders-guide/lazy-init.md, its PyTorch tab (Dive
into Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- ``from d2l import torch as d2l`` and the last cell (``@d2l.add_to_class(d2l.Module) def
  apply_init``, which only adds a method to d2l's own Module class) are left out: the d2l package is
  not installed here.
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
"""
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))

print(net[0].weight)  # adaptation: the cell's value, printed

X = torch.rand(2, 20)
net(X)

print(net[0].weight.shape)  # adaptation: the cell's value, printed
print(net)  # adaptation: the model after initialisation
