import torch
import torch.nn as nn
import torch.nn.functional as F

class TwoLayer(nn.Module):
    def __init__(self, d_in, h, d_out):
        super(TwoLayer, self).__init__()
        self.linear1 = nn.Linear(d_in, h)
        self.linear2 = nn.Linear(h, d_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)

x = torch.linspace(-1, 1, 8).view(4, 2)
y = torch.tensor([[1.], [0.], [-1.], [0.5]])
model = TwoLayer(2, 3, 1)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).view(p.shape) / 10 - 0.2 * i)
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
for t in range(40):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 10 == 9:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(model.linear1.weight.grad)
print(F.mse_loss(model(x), y))
print(model)
