import torch
from torch import nn
model = nn.Linear(3, 1)
for p in model.parameters():
    nn.init.constant_(p, 1.0)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
x = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
for epoch in range(5):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    scheduler.step()
    print(epoch, f"{loss.item():.4f}", total, scheduler.get_last_lr(), opt.param_groups[0]["lr"])
print(model.weight.grad.norm())
nn.utils.clip_grad_value_(model.parameters(), 0.01)
print(model.weight.grad, model.bias.grad)
opt2 = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.1)
sch = torch.optim.lr_scheduler.ExponentialLR(opt2, gamma=0.9)
for _ in range(3):
    opt2.step()
    sch.step()
print(sch.get_last_lr())
sch3 = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (e + 1))
opt.step(); sch3.step()
print(sch3.get_last_lr())
print(nn.utils.parameters_to_vector(model.parameters()))
