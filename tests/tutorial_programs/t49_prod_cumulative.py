import torch
x = torch.tensor([[1., 2., 3.], [0., 4., 5.]], requires_grad=True)
p = x.prod()
print(p, p.grad_fn)
p.backward()
print(x.grad)
x.grad = None
q = x.prod(dim=1)
print(q, q.grad_fn)
q.sum().backward()
print(x.grad)
print(torch.prod(torch.tensor([1, 2, 3, 4])), torch.tensor([True, True]).prod())
print(x.prod(0, keepdim=True))
