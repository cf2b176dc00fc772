"""Tensors -- pytorch/tutorials beginner_source/basics/tensorqs_tutorial.py (Learn the Basics;
BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- ``x_rand`` and ``rand_tensor`` come from torch.rand_like / torch.rand as written, then _fix_ gives
  them fixed values before they are printed (the random generators differ).
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
import numpy as np


data = [[1, 2],[3, 4]]
x_data = torch.tensor(data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)

x_ones = torch.ones_like(x_data) # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float) # overrides the datatype of x_data
_fix_(x_rand, uniform=True)  # adaptation
print(f"Random Tensor: \n {x_rand} \n")

shape = (2,3,)
rand_tensor = torch.rand(shape)
_fix_(rand_tensor, uniform=True)  # adaptation
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

tensor = torch.rand(3,4)

print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

# We move our tensor to the current accelerator if available
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:,1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

# This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
# ``tensor.T`` returns the transpose of a tensor
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)


# This computes the element-wise product. z1, z2, z3 will have the same value
z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
