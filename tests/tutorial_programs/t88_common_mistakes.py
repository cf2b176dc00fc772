import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

def attempt(label, fn):
    try:
        out = fn()
        print(label, "ok", out)
    except Exception as e:
        print(label, type(e).__name__ + ":", e)

lin = nn.Linear(2, 4)
attempt("shape", lambda: lin(torch.ones(1, 3)))
attempt("dtype", lambda: lin(torch.ones(1, 2, dtype=torch.float64)))
attempt("numpy input", lambda: lin(np.ones((1, 2))))
attempt("int input", lambda: lin(torch.ones(1, 2, dtype=torch.long)))
attempt("mse long target", lambda: F.mse_loss(torch.ones(2, requires_grad=True), torch.tensor([1, 2])).backward())
attempt("mse shape", lambda: F.mse_loss(torch.ones(2, 1), torch.ones(2)))
attempt("ce float target", lambda: F.cross_entropy(torch.ones(2, 3), torch.tensor([0., 1.])))
attempt("ce bad class", lambda: F.cross_entropy(torch.ones(2, 3), torch.tensor([0, 3])))
attempt("ce shape", lambda: F.cross_entropy(torch.ones(2, 3), torch.tensor([0, 1, 2])))
attempt("matmul", lambda: torch.ones(2, 3) @ torch.ones(2))
attempt("mm 1d", lambda: torch.mm(torch.ones(3), torch.ones(3)))
attempt("add shapes", lambda: torch.ones(3) + torch.ones(2))
attempt("view", lambda: torch.ones(4).view(3))
attempt("reshape", lambda: torch.ones(4).reshape(3, -1))
attempt("squeeze dim", lambda: torch.ones(2, 3).squeeze(0).shape)
attempt("unsqueeze", lambda: torch.ones(2).unsqueeze(3))
attempt("transpose", lambda: torch.ones(2, 3).transpose(0, 2))
attempt("sum dim", lambda: torch.ones(2, 3).sum(dim=2))
attempt("index", lambda: torch.ones(2, 3)[2])
attempt("float index", lambda: torch.ones(3)[1.0])
attempt("item", lambda: torch.ones(2).item())
attempt("bool", lambda: bool(torch.ones(2)))
attempt("backward int", lambda: torch.tensor([1, 2]).sum().backward())
attempt("grad of int", lambda: torch.tensor(1, requires_grad=True))
attempt("tensor of tensors", lambda: torch.tensor([torch.tensor(1.), torch.tensor(2.)]))
attempt("stack list", lambda: torch.stack([1, 2]))
attempt("cat empty", lambda: torch.cat([]))
attempt("zero_grad none", lambda: torch.ones(1, requires_grad=True).grad.zero_())
attempt("optimizer empty", lambda: torch.optim.SGD([], lr=0.1))
attempt("optimizer tensor", lambda: torch.optim.SGD(torch.ones(1, requires_grad=True), lr=0.1))
attempt("negative lr", lambda: torch.optim.SGD(lin.parameters(), lr=-1))
attempt("param non-float", lambda: nn.Parameter(torch.tensor([1, 2])))
attempt("module attr", lambda: lin.weights)
attempt("softmax nodim", lambda: F.softmax(torch.ones(3)))
