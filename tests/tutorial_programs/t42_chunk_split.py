import torch
x = torch.arange(10.)
print(x.chunk(3))
print(torch.split(x, 4))
print(x.split([3, 7]))
print(x.unbind() [:2] if hasattr(x, "unbind") else "")
a, b = x.view(2, 5)
print(a, b)
for row in torch.arange(6).view(3, 2):
    print(row)
print(list(torch.tensor([1, 2, 3])))
print(len(torch.zeros(4, 2)))
