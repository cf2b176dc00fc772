"""d2l 6.4 "Lazy Initialization": the network's input size is unknown until data passes through."""
import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
print(net[0].weight)
print(net)
print(net.state_dict())

X = torch.rand(2, 20)
y = net(X)
print(net[0].weight.shape)
print(net)
print(y.shape, y.grad_fn.name())
print([(name, tuple(p.shape), type(p).__name__) for name, p in net.named_parameters()])
print("still lazy:", [type(m).__name__ for m in net], hasattr(net[0], "_initialize_hook"))


def init_weights(module):  # d2l's apply_init: a forward pass first, then initialise
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)


net.apply(init_weights)
print("xavier bound holds:", bool(net[0].weight.abs().max() <= (6 / (20 + 256)) ** 0.5))
