import torch
p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
print(p)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
for _ in range(5):
    opt.zero_grad()
    ((p - 3) ** 2).sum().backward()
    opt.step()
    print(p.data)
print(opt.param_groups[0]["lr"])
for g in opt.param_groups:
    g["lr"] = 0.01
opt.step()
print(p)
