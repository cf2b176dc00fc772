import torch
data = torch.tensor([[1., 200., 3.], [4., 250., 9.], [7., 180., 12.], [10., 220., 0.]])
mean = data.mean(dim=0)
std = data.std(dim=0)
print(mean, std)
normed = (data - mean) / std
print(normed)
print(normed.mean(0).abs() < 1e-6, normed.std(0))
print(torch.std(data), torch.var(data, dim=1, keepdim=True))
print(data.var(0, unbiased=False))
w = torch.ones(3, requires_grad=True)
loss = ((data * w).std(0) ** 2).sum()
loss.backward()
print(loss.grad_fn, w.grad)
try:
    torch.tensor([1, 2, 3]).std()
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.tensor([5.]).std())
