import torch
w = torch.tensor([2.0, -1.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
def closure():
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    return loss
for i in range(3):
    loss = opt.step(closure)
    print(i, loss, w)
opt = torch.optim.Adam([w], lr=0.5, amsgrad=False)
for i in range(3):
    print(opt.step(closure).item())
print(opt.state[w]["step"], opt.state[w]["exp_avg"], opt.state[w]["exp_avg_sq"])
print(list(opt.state_dict()["state"].keys()), opt.state_dict()["param_groups"][0]["params"])
