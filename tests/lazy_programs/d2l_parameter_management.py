"""d2l 6.2 "Parameter Management" and 6.3 "Parameter Initialization" on LazyLinear networks."""
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
print(net(X).shape)

print({k: tuple(v.shape) for k, v in net[2].state_dict().items()})
print(type(net[2].bias).__name__, net[2].bias.data.shape)  # (d2l prints the class itself)
print(net[2].weight.grad == None)
print([(name, param.shape) for name, param in net.named_parameters()])

# tied parameters: the shared layer is initialised by its first call, then used as a Linear
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
net(X)
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
print(net[2].weight.data[0] == net[4].weight.data[0])
print(net)


def init_constant(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)


net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
net(X)
net.apply(init_constant)
print(net[0].weight.data[0], net[0].bias.data[0])


def my_init(module):
    if type(module) == nn.Linear:
        print("Init", *[(name, param.shape) for name, param in module.named_parameters()][0])
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(my_init)
print("kept only |w| >= 5 or 0:", bool(((net[0].weight.abs() >= 5) | (net[0].weight == 0)).all()))
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
print(net[0].weight.data[0, 0])
