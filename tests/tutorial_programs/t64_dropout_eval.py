import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.ReLU())
print(model)
model.eval()
with torch.no_grad():
    model[0].weight.copy_(torch.eye(2))
    model[0].bias.zero_()
print(model(torch.tensor([[1., -1.]])))
d = nn.Dropout(p=0.3)
d.eval()
print(d(torch.ones(3)), d.training)
d.train()
out = d(torch.ones(1000))
print(out.shape, ((out == 0) | ((out - 1 / 0.7).abs() < 1e-6)).all(), 200 < (out == 0).sum().item() < 400)
x = torch.ones(4, requires_grad=True)
print(nn.Dropout(0.5)(x).grad_fn)
print(nn.Dropout(0.0)(torch.ones(2)))
