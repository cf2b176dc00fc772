import torch
from torch.autograd import Variable
v = Variable(torch.tensor([1., 2.]), requires_grad=True)
print(v, type(v).__name__)
out = (v * v).sum()
out.backward()
print(v.grad, v.grad.data)
print(v.data)
t = torch.Tensor([1, 2, 3])
print(t, t.dtype)
print(torch.Tensor(2, 3).shape)
print(isinstance(v, torch.Tensor), torch.is_tensor(v))
