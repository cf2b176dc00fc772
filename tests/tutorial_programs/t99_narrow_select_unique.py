import torch
x = torch.arange(12.).view(3, 4).requires_grad_()
n = x.narrow(1, 1, 2)
s = x.select(0, 2)
print(n, n.grad_fn, s, s.grad_fn, torch.narrow(x, 0, -1, 1))
(n.sum() + s.sum()).backward()
print(x.grad)
print(x.type_as(torch.tensor([1], dtype=torch.float64)).dtype, x.short().dtype, x.type_as(x) is x)
labels = torch.tensor([3, 1, 3, 2, 1, 3])
print(labels.unique(), torch.unique(labels, return_counts=True))
print(torch.unique(labels, return_inverse=True))
print(torch.argwhere(labels == 3), labels.absolute(), labels.negative())
try:
    x.narrow(1, 3, 2)
except RuntimeError as e:
    print("RuntimeError:", e)
