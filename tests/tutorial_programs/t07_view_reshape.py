import torch
x = torch.arange(12.)
print(x.view(3, 4))
print(x.view(-1, 6))
print(x.reshape(2, 2, 3))
y = x.view(3, 4)
print(y.t())
print(y.transpose(0, 1).shape, y.T.shape)
print(y.unsqueeze(0).shape, y.unsqueeze(-1).shape, y.unsqueeze(0).squeeze().shape)
print(y.permute(1, 0))
print(x.view(2, 6).is_contiguous(), y.t().is_contiguous())
try:
    y.t().view(12)
except RuntimeError as e:
    print("RuntimeError:", e)
print(y.t().contiguous().view(12))
print(y.flatten())
print(torch.flatten(torch.ones(2, 3, 4), 1).shape)
try:
    x.view(5, 3)
except RuntimeError as e:
    print("RuntimeError:", e)
print(x.view(3, 4)[1])
print(y.size(), y.view(4, -1).size())
