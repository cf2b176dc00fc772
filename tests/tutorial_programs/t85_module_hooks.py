import torch
from torch import nn
lin = nn.Linear(2, 1)
nn.init.ones_(lin.weight)
nn.init.zeros_(lin.bias)
def fwd_hook(module, inp, out):
    print("forward:", type(module).__name__, inp[0].shape, out)
h = lin.register_forward_hook(fwd_hook)
out = lin(torch.tensor([[1., 2.]]))
h.remove()
lin(torch.tensor([[1., 2.]]))
def pre_hook(module, inp):
    print("pre:", inp)
h2 = lin.register_forward_pre_hook(pre_hook)
lin(torch.tensor([[3., 4.]]))
h2.remove()
acts = {}
def save(name):
    def hook(m, i, o):
        acts[name] = o.detach()
    return hook
seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
nn.init.constant_(seq[0].weight, -1.)
nn.init.constant_(seq[0].bias, 1.)
seq[1].register_forward_hook(save("relu"))
seq(torch.tensor([[0.25, 0.5]]))
print(acts)
