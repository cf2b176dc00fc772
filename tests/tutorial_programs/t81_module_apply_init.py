import copy
import torch
from torch import nn

def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.25)
        nn.init.zeros_(m.bias)
        print("init", m)

net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
print(net.apply(init_weights) is net)
x = torch.tensor([[1., 2.]])
print(net(x))
twin = copy.deepcopy(net)
with torch.no_grad():
    twin[0].weight.mul_(2)
print(net(x), twin(x))
d = net.double()
print(d[0].weight.dtype, d(x.double()))
print(net.to(torch.float32)[0].bias.dtype)
t = torch.empty(2, 3)
nn.init.ones_(t)
print(t)
nn.init.eye_(t)
print(t)
print(nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh"))
u = torch.zeros(1000).uniform_(-1, 1)
print(u.shape, bool((u >= -1).all() and (u < 1).all()))
n = torch.zeros(1000).normal_(0, 1)
print(n.shape, abs(n.mean().item()) < 0.2)
p = torch.zeros(2, requires_grad=True)
try:
    p.uniform_()
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    p.normal_(0, 0.01)
print(p.shape, p.requires_grad, p.is_leaf)
