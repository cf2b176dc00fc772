import torch
x = torch.arange(20.).view(4, 5)
print(x[0], x[:, 0], x[1:3], x[:, 1:4:2], x[-1], x[..., -1])
print(x[0, 0], x[0][1], x[[0, 2]], x[torch.tensor([1, 3])])
print(x[[0, 1], [2, 3]])
print(x[None].shape, x[:, None].shape)
print(x[1:3, [0, 4]])
w = torch.ones(4, 5, requires_grad=True)
y = (w * x)[1:3, 2]
print(y, y.grad_fn)
y.sum().backward()
print(w.grad)
try:
    x[4]
except IndexError as e:
    print("IndexError:", e)
try:
    x[0, 0, 0]
except IndexError as e:
    print("IndexError:", e)
