import torch
import torch.nn.functional as F
X = torch.tensor([[1., 0.], [0., 1.], [1., 1.], [0., 0.], [2., 1.], [1., 2.]])
labels = torch.tensor([0, 1, 2, 0, 0, 1])
W = torch.zeros(2, 3, requires_grad=True)
bias = torch.zeros(3, requires_grad=True)
opt = torch.optim.SGD([W, bias], lr=0.3)
for step in range(60):
    logits = X @ W + bias
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(step, loss)
probs = F.softmax(X @ W + bias, dim=1)
print(probs)
print(probs.argmax(1), labels, (probs.argmax(1) == labels).sum())
one_hot = F.one_hot(labels, 3) if hasattr(F, "one_hot") else None
print(one_hot)
manual = -(F.log_softmax(X @ W + bias, 1) * one_hot).sum(1).mean() if one_hot is not None else None
print(manual)
