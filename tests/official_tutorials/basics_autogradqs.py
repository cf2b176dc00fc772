"""Automatic Differentiation with torch.autograd -- pytorch/tutorials beginner_source/basics/
autogradqs_tutorial.py (Learn the Basics; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- ``w`` and ``b`` come from torch.randn as written, then _fix_ gives them fixed values.
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

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
_fix_(w, b)  # adaptation
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
