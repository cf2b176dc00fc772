"""Parameter Management -- d2l-ai/d2l-en chapter_builders-guide/parameters.md, its PyTorch tab
(Dive into Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- ``X`` comes from torch.rand as written, then _fix_ gives it fixed values; after the first call
  initialises the lazy layers, _fix_ gives the parameters fixed values (the random generators differ).
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

net = nn.Sequential(nn.LazyLinear(8),
                    nn.ReLU(),
                    nn.LazyLinear(1))

X = torch.rand(size=(2, 4))
_fix_(X, uniform=True)  # adaptation
print(net(X).shape)  # adaptation: the cell's value, printed
_fix_(net)  # adaptation

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
