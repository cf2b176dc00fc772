import torch
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)
print(Q.grad_fn, Q.grad_fn.next_functions)
m = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
out = m @ m
out.backward(torch.eye(2))
print(m.grad)
