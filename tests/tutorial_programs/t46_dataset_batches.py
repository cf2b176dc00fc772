import torch
from torch import nn
X = torch.arange(16.).view(8, 2) / 10
y = (X.sum(1, keepdim=True) > 0.7).float()
model = nn.Linear(2, 1)
nn.init.zeros_(model.weight)
nn.init.zeros_(model.bias)
opt = torch.optim.SGD(model.parameters(), lr=1.0)
loss_fn = nn.BCEWithLogitsLoss()
batch_size = 4
for epoch in range(3):
    total = 0.0
    for i in range(0, len(X), batch_size):
        xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    print(f"epoch {epoch} avg loss {total / len(X):.4f}")
with torch.no_grad():
    preds = (torch.sigmoid(model(X)) > 0.5).float()
    acc = (preds == y).float().mean()
print(acc, preds.squeeze())
print(model.weight, model.bias)
