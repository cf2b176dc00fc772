import torch
from torch import nn
import torch.nn.functional as F
x = torch.tensor([-1.5, -1., -0.25, 0.0, 0.5, 2., 30.], requires_grad=True)  # GELU far left: torch's vectorised erf is less exact
for act in [nn.GELU(), nn.GELU("tanh"), nn.ELU(), nn.ELU(alpha=0.5), nn.Softplus(), nn.Softplus(beta=2, threshold=5)]:
    y = act(x)
    x.grad = None
    (y * torch.arange(7.)).sum().backward()
    print(act, y, type(y.grad_fn).__name__)
    print(x.grad)
print(F.gelu(torch.tensor([1.0])), F.softplus(torch.tensor([-100., 100.])), F.elu(torch.tensor([-100.])))
mlp = nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1), nn.Softplus())
for p in mlp.parameters():
    nn.init.constant_(p, 0.3)
print(mlp, mlp(torch.tensor([[1., -2.]])))
