import torch
x = torch.tensor([[1., 5., 3.], [4., 2., 6.]])
print(x.sum(), x.sum(0), x.sum(dim=1), x.sum(1, keepdim=True))
print(x.mean(), x.mean(0), x.mean(dim=-1))
print(x.max(), x.min(), x.argmax(), x.argmin())
print(x.max(dim=1))
print(x.max(1).values, x.max(1).indices, x.max(dim=0)[0])
v, i = x.min(dim=1)
print(v, i)
print(x.argmax(dim=1), x.argmax(1, keepdim=True))
print(torch.max(x, 1))
print(torch.sum(x), torch.mean(x, 1))
print(x.prod() if hasattr(x, "prod") else "noprod")
print(x.norm(), torch.norm(x, dim=1))
print(torch.tensor([1, 2, 3]).sum(), torch.tensor([1, 2, 3]).sum().dtype)
try:
    torch.tensor([1, 2, 3]).mean()
except RuntimeError as e:
    print("RuntimeError:", e)
