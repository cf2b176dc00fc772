import torch
a = torch.ones(3, 1)
b = torch.arange(4.)
print(a + b)
print((a * b).shape)
try:
    torch.ones(2, 3) + torch.ones(4)
except RuntimeError as e:
    print("RuntimeError:", e)
w = torch.tensor([1., 2., 3.], requires_grad=True)
m = torch.ones(2, 3)
(m * w).sum().backward()
print(w.grad)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.matmul(torch.ones(2, 3), torch.ones(3)).shape)
print(torch.mm(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]])))
print(torch.tensor([1., 2.]) @ torch.tensor([3., 4.]))
print(torch.ones(5, 2, 3).matmul(torch.ones(3, 4)).shape)
