import torch
w = torch.tensor([1., 2., 3.], requires_grad=True)
for i in range(3):
    loss = (w * w).sum()
    loss.backward()
    print(i, w.grad)
w.grad.zero_()
print(w.grad)
w.grad = None
print(w.grad)
(w * 3).sum().backward()
print(w.grad)
w.grad.data.zero_()
print(w.grad)
