import torch
import numpy as np
a = torch.ones(5)
b = a.numpy()
print(b)
a.add_(1)
print(a)
print(b)
c = np.ones(5)
d = torch.from_numpy(c)
np.add(c, 1, out=c)
print(c)
print(d)
print(torch.tensor(np.array([1, 2, 3])))
print(torch.tensor([[1., 2.]]).tolist(), torch.tensor(3.).item(), torch.tensor([5]).item())
print(type(torch.tensor(3.).item()), type(torch.tensor(3).item()))
x = torch.tensor([1., 2.], requires_grad=True)
print(x.detach().numpy())
try:
    x.numpy()
except RuntimeError as e:
    print("RuntimeError:", e)
