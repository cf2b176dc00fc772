"""Section 5: requires_grad propagates; no_grad and detach switch it off."""
import torch

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")
print("shapes:", a.shape, b.shape, "grad_fn:", a.grad_fn, type(b.grad_fn).__name__)

with torch.no_grad():
    c = x + z
print("inside no_grad:", c.requires_grad, c.grad_fn, c.is_leaf)
print("grad enabled again:", torch.is_grad_enabled(), (x + z).requires_grad)


@torch.no_grad()
def doubled(t):
    return t * 2


print("decorated with no_grad:", doubled(z).requires_grad)
d = z.detach()
print("detach():", d.requires_grad, d.is_leaf, d.shape)
with torch.set_grad_enabled(False):
    print("set_grad_enabled(False):", (z * 3).requires_grad)
print("z is unchanged:", z.requires_grad, z.is_leaf, z.grad)
