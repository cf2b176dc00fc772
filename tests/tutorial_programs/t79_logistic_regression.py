import torch
X = torch.tensor([[0.5, 1.5], [1.0, 1.0], [1.5, 0.5], [3.0, 0.5], [2.0, 2.0], [1.0, 2.5]])
y = torch.tensor([0., 0., 0., 1., 1., 1.])
w = torch.zeros(2, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
def model(X):
    return torch.sigmoid(X @ w + b)
def bce(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
lr = 0.5
for epoch in range(100):
    p = model(X)
    loss = bce(p, y)
    loss.backward()
    with torch.no_grad():
        w.sub_(lr * w.grad)
        b.sub_(lr * b.grad)
    w.grad.zero_()
    b.grad.zero_()
    if epoch % 25 == 0:
        acc = ((p > 0.5).float() == y).float().mean()
        print(f"epoch {epoch:3d} loss {loss.item():.4f} acc {acc.item():.2f}")
print(w, b)
print(model(X).round())
print(torch.nn.functional.binary_cross_entropy(model(X), y))
