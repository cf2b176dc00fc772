import torch
loss = torch.tensor(0.123456789)
print(loss.item(), f"{loss.item():.3f}", f"{loss:.3f}", float(loss), int(torch.tensor(3.7)))
print("loss:", loss)
print(round(loss.item(), 2))
print(str(torch.tensor([1., 2.])), repr(torch.tensor(1)))
print("%.2f" % loss)
print(torch.tensor(2.5) > 2, bool(torch.tensor(1)), torch.tensor(3) + 1)
try:
    torch.tensor([1., 2.]).item()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    bool(torch.tensor([1, 2]))
except RuntimeError as e:
    print("RuntimeError:", e)
x = torch.tensor(1.5, requires_grad=True)
print(f"{x.item()}", x.item() * 2)
print(torch.tensor([1.0, 2.0]).sum().item() / 2)
