import torch
import torch.nn as nn
X = torch.tensor([[1.], [2.], [3.], [4.]])
Y = torch.tensor([[3.], [5.], [7.], [9.]])
model = nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(0.5)
    model.bias.fill_(0.1)
print(model)
print(model.weight, model.bias)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
print(optimizer)
for epoch in range(50):
    optimizer.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 9:
        print(f"Epoch [{epoch + 1}/50], Loss: {loss.item():.4f}")
print(model.weight.item(), model.bias.item())
print(model(torch.tensor([[5.]])))
for name, p in model.named_parameters():
    print(name, p.shape, p.requires_grad)
print(model.state_dict())
