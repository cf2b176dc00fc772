"""Custom Layers -- d2l-ai/d2l-en chapter_builders-guide/custom-layer.md, its PyTorch tab (Dive into
Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- the d2l package is not installed: ``from d2l import torch as d2l`` is left out and ``d2l.tensor`` /
  ``d2l.rand`` are spelled ``torch.tensor`` / ``torch.rand`` (what d2l's torch module binds them to).
- inputs from torch.rand and parameters from torch.randn get fixed values from _fix_ (the random
  generators differ); the lazy CenteredLayer net is called once to initialise it, then fixed.
"""
# --- adaptation helper (see the header): fixed numbers in place of the random generator's -------------
# autograd_core's generator differs from torch's by design; a seeded numpy stream gives both libraries
# the same numbers. _fix_ overwrites tensors, or every parameter of a module, in place.
import numpy as _np
_stream = _np.random.default_rng(0)


def _fix_(*objs, uniform=False):
    import torch as _torch
    with _torch.no_grad():
        for obj in objs:
            for p in (list(obj.parameters()) if hasattr(obj, "parameters") else [obj]):
                if hasattr(obj, "parameters"):   # a module's parameter: uniform in +-1/sqrt(fan_in)
                    bound = 1 / _np.sqrt(p.numel() / p.shape[0]) if p.dim() > 1 else 0.1
                    values = _stream.uniform(-bound, bound, tuple(p.shape))
                elif uniform:                     # in place of torch.rand
                    values = _stream.uniform(0, 1, tuple(p.shape))
                else:                             # in place of torch.randn
                    values = _stream.standard_normal(tuple(p.shape))
                kind = _np.float64 if p.dtype == _torch.float64 else _np.float32
                p.copy_(_torch.from_numpy(_np.asarray(values, dtype=kind)))
    return objs[0] if len(objs) == 1 else objs
# ---------------------------------------------------------------------------------------------------
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

X = _fix_(torch.rand(4, 8), uniform=True); net(X); _fix_(net)  # adaptation
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
_fix_(linear)  # adaptation
print(linear.weight)  # adaptation: the cell's value, printed

print(linear(_fix_(torch.rand(2, 5), uniform=True)))  # adaptation: the cell's value, printed

net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
_fix_(net)  # adaptation
print(net(_fix_(torch.rand(2, 64), uniform=True)))  # adaptation: the cell's value, printed
