"""Lazy Initialization -- d2l-ai/d2l-en chapter_builders-guide/lazy-init.md, its PyTorch tab (Dive
into Deep Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed.
- ``from d2l import torch as d2l`` and the last cell (``@d2l.add_to_class(d2l.Module) def
  apply_init``, which only adds a method to d2l's own Module class) are left out: the d2l package is
  not installed here.
- ``X`` comes from torch.rand as written, then _fix_ gives it fixed values.
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

net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))

print(net[0].weight)  # adaptation: the cell's value, printed

X = torch.rand(2, 20)
_fix_(X, uniform=True)  # adaptation
net(X)

print(net[0].weight.shape)  # adaptation: the cell's value, printed
print(net)  # adaptation: the model after initialisation
