import torch
w = torch.tensor([5.0, -3.0], requires_grad=True)
opt = torch.optim.Adam([w], lr=0.1)
for i in range(50):
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    opt.step()
    if i % 10 == 0:
        print(i, f"{loss.item():.5f}", w.detach())
print(w)
print(opt.state_dict()["param_groups"])
print(w.grad)
opt.zero_grad()
print(w.grad)
