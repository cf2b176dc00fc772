import torch
x = torch.tensor([[1., -2., 3.], [-4., 5., -6.]])
mask = x > 0
print(mask, mask.dtype)
print(x[mask])
print(x[x < 0])
print(mask.sum(), mask.float().mean(), mask.any() if hasattr(mask, "any") else "", mask.all() if hasattr(mask, "all") else "")
print((x == 3.), x.eq(3.), x.ne(3.), x >= 3, x <= -4)
print(~mask, mask & (x > 2), mask | (x < -5))
y = x.clone()
y[y < 0] = 0
print(y)
print(x.masked_fill(mask, 0.))
print(torch.eq(x, x).all())
print(torch.equal(x, x.clone()), torch.allclose(x, x + 1e-9))
print((x > 0).int(), (x > 0).long().sum())
idx = torch.nonzero(mask) if hasattr(torch, "nonzero") else None
print(idx)
