"""Parameter Management -- d2l-ai/d2l-en chapter_builders-guide/parameters.md, its PyTorch tab
(Dive into Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
"""
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(8),
                    nn.ReLU(),
                    nn.LazyLinear(1))

X = torch.rand(size=(2, 4))
print(net(X).shape)  # adaptation: the cell's value, printed

print(net[2].state_dict())  # adaptation: the cell's value, printed

print((type(net[2].bias), net[2].bias.data))  # adaptation: the cell's value, printed

print(net[2].weight.grad == None)  # adaptation: the cell's value, printed

print([(name, param.shape) for name, param in net.named_parameters()])  # adaptation: the cell's value, printed

# We need to give the shared layer a name so that we can refer to its
# parameters
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(),
                    shared, nn.ReLU(),
                    shared, nn.ReLU(),
                    nn.LazyLinear(1))

net(X)
# Check whether the parameters are the same
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
# Make sure that they are actually the same object rather than just having the
# same value
print(net[2].weight.data[0] == net[4].weight.data[0])
