import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset
X = torch.arange(10.).view(5, 2)
y = torch.tensor([0, 1, 0, 1, 1])
ds = TensorDataset(X, y)
print(len(ds), ds[0], ds[4])
loader = DataLoader(ds, batch_size=2)
print(len(loader))
for xb, yb in loader:
    print(xb, yb)
print(len(DataLoader(ds, batch_size=2, drop_last=True)))

class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i)]), i ** 2

for batch in DataLoader(Squares(5), batch_size=3):
    print(batch)
model = torch.nn.Linear(2, 1)
torch.nn.init.zeros_(model.weight)
torch.nn.init.zeros_(model.bias)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
target = X.sum(1, keepdim=True)
for epoch in range(3):
    total = 0.
    for xb, tb in DataLoader(TensorDataset(X, target), batch_size=2):
        loss = torch.nn.functional.mse_loss(model(xb), tb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    print(epoch, round(total, 4))
shuffled = DataLoader(ds, batch_size=5, shuffle=True)
xb, yb = next(iter(shuffled))
print(xb.shape, sorted(yb.tolist()))
a, b = torch.utils.data.random_split(ds, [3, 2])
print(len(a), len(b))
