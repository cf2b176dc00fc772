import torch
X = torch.tensor([[1.], [2.], [3.], [4.]])
Y = torch.tensor([[2.], [4.], [6.], [8.]])
w = torch.tensor([[0.0]], requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.01
for epoch in range(20):
    pred = X @ w + b
    loss = ((pred - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if epoch % 5 == 0:
        print(f"epoch {epoch}: loss = {loss.item():.4f}, w = {w.item():.4f}, b = {b.item():.4f}")
print(w, b)
print(loss)
