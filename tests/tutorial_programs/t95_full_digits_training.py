import torch
from torch import nn
X = torch.linspace(-1, 1, 256).view(-1, 1)
Y = 3 * X + 0.5 + 0.1 * torch.sin(20 * X)
model = nn.Linear(1, 1)
nn.init.zeros_(model.weight)
nn.init.zeros_(model.bias)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
for epoch in range(31):
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    opt.step()
    if epoch == 0:
        print(epoch, loss.item())  # all digits: the sum's order matters (ATen's, not numpy's)
    elif epoch % 10 == 0:  # the weights' last bits come from BLAS (differs by design): rounded
        print(epoch, f"{loss.item():.5f}", f"{model.weight.item():.5f}", f"{model.bias.item():.5f}")
print(X.sum().item(), Y.mean().item(), (X * Y).sum().item())
