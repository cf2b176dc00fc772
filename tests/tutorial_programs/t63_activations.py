import torch
import torch.nn as nn
import torch.nn.functional as F
x = torch.tensor([-2., -0.5, 0., 0.5, 2.], requires_grad=True)
for act in [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.1), nn.Softmax(dim=0)]:
    y = act(x)
    print(act, y, type(y.grad_fn).__name__)
print(F.relu(x), F.sigmoid(x) if hasattr(F, "sigmoid") else torch.sigmoid(x), F.leaky_relu(x, 0.2))
print(torch.allclose(F.softmax(x, dim=0).sum(), torch.tensor(1.)))
(F.leaky_relu(x, 0.2) * torch.arange(5.)).sum().backward()
print(x.grad)
print(nn.Identity()(x).grad_fn)
