import torch
x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
y = (x * 2.5).sum()
y.backward()
print(y, x.grad, x.grad.dtype)
f = torch.tensor([1., 2.], requires_grad=True)
d = torch.tensor([1., 2.], dtype=torch.float64)
print((f * d).dtype, f * d)
i = torch.tensor([1, 2])
print((f * i).dtype, f * i, f + 1, i + 1.5, i / i)
try:
    torch.tensor([1., 2.]) @ torch.tensor([1., 2.], dtype=torch.float64)
except RuntimeError as e:
    print("RuntimeError:", e)
