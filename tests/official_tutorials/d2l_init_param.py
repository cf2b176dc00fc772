"""Parameter Initialization -- d2l-ai/d2l-en chapter_builders-guide/init-param.md, its PyTorch tab
(Dive into Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed -- except where it is drawn from the random
  generator (nn.init.normal_, xavier_uniform_, uniform_; the generators differ): there the program
  prints what the chapter says about it instead -- its shape and the bound it respects
  (normal_ with std 0.01: |w| < 0.05; xavier_uniform_: |w| <= sqrt(6 / (fan_in + fan_out));
  my_init: every kept weight has |w| >= 5, the others are 0).
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
"""
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
print(net(X).shape)  # adaptation: the cell's value, printed

def init_normal(module):
    if type(module) == nn.Linear:
        nn.init.normal_(module.weight, mean=0, std=0.01)
        nn.init.zeros_(module.bias)

net.apply(init_normal)
print(net[0].weight.data[0].shape, bool((net[0].weight.data[0].abs() < 0.05).all()), net[0].bias.data[0])  # adaptation

def init_constant(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)

net.apply(init_constant)
print(net[0].weight.data[0], net[0].bias.data[0])  # adaptation: the cell's value, printed

def init_xavier(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)

def init_42(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 42)

net[0].apply(init_xavier)
net[2].apply(init_42)
print(net[0].weight.data[0].shape, bool((net[0].weight.data.abs() <= (6 / (4 + 8)) ** 0.5).all()))  # adaptation
print(net[2].weight.data)

def my_init(module):
    if type(module) == nn.Linear:
        print("Init", *[(name, param.shape)
                        for name, param in module.named_parameters()][0])
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5

net.apply(my_init)
w = net[0].weight[:2]  # adaptation: its properties, printed
print(w.shape, w.grad_fn.name(), bool(((w.abs() >= 5) | (w == 0)).all()))

net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
print(net[0].weight.data[0][0], net[0].weight.data[0].shape)  # adaptation: its fixed element
