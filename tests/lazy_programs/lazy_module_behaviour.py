"""What an uninitialised parameter allows and refuses, and how a lazy module changes on its first call."""
import copy

import torch
from torch import nn
from torch.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy


def attempt(label, f):
    try:
        print(label, "->", f())
    except Exception as e:
        print(label, "!!", type(e).__name__ + ":", e)


m = nn.LazyLinear(3)
w = m.weight
print(m, m.in_features, m.out_features, m.has_uninitialized_params())
print(repr(w), str(w), type(w).__name__, isinstance(w, nn.Parameter), isinstance(w, torch.Tensor), is_lazy(w))
print(w.requires_grad, w.is_leaf, w.grad, w.grad_fn, w.dtype, w.device, w.size(), w.ndim, w.data)
attempt("shape", lambda: w.shape)
attempt("w + 1", lambda: w + 1)
attempt("2 * w", lambda: 2 * w)
attempt("w @ x", lambda: w @ torch.ones(1))
attempt("-w", lambda: -w)
attempt("w[0]", lambda: w[0])
attempt("w.sum()", lambda: w.sum())
attempt("torch.sum(w)", lambda: torch.sum(w))
attempt("torch.mul(w, 2)", lambda: torch.mul(w, 2))
attempt("F.linear", lambda: nn.functional.linear(torch.ones(2, 3), w))
attempt("F.relu", lambda: nn.functional.relu(w))
attempt("F.mse_loss", lambda: nn.functional.mse_loss(w, w))
attempt("torch.mm", lambda: torch.mm(w, w))
attempt("torch.cat", lambda: torch.cat([w, w]))
attempt("w.mean()", lambda: w.mean())
attempt("w ** 2", lambda: w ** 2)
attempt("1 - w", lambda: 1 - w)
attempt("abs(w)", lambda: abs(w))
with torch.no_grad():
    attempt("w[0] = 1 (no_grad)", lambda: w.__setitem__(0, 1.0))
attempt("numel", lambda: w.numel())
attempt("dim", lambda: w.dim())
attempt("len", lambda: len(w))
attempt("item", lambda: w.item())
attempt("tolist", lambda: w.tolist())
attempt("detach", lambda: w.detach())
attempt("clone", lambda: w.clone())
attempt("view", lambda: w.view(-1))
attempt("zero_", lambda: w.zero_())
attempt("add_", lambda: w.add_(1))
attempt("w += 1", lambda: w.__iadd__(1))
attempt("numpy", lambda: w.numpy())
attempt("bool", lambda: bool(w))
attempt("w == 1", lambda: w == 1)
attempt("requires_grad_", lambda: w.requires_grad_(False))
attempt("backward", lambda: w.backward())
attempt("init.uniform_", lambda: nn.init.uniform_(w))
attempt("init.normal_", lambda: nn.init.normal_(w))
attempt("init.constant_", lambda: nn.init.constant_(w, 1.0))
attempt("init.kaiming_uniform_", lambda: nn.init.kaiming_uniform_(w))
attempt("init.kaiming_normal_", lambda: nn.init.kaiming_normal_(w))
attempt("init.zeros_", lambda: nn.init.zeros_(w))
attempt("init.ones_", lambda: nn.init.ones_(w))
attempt("float", lambda: w.float())
attempt("double", lambda: w.double())
attempt("parameter count", lambda: sum(p.numel() for p in m.parameters()))
attempt("module.requires_grad_", lambda: m.requires_grad_(False))
attempt("deepcopy", lambda: copy.deepcopy(m))
attempt("zero_grad", lambda: m.zero_grad())
attempt("SGD step before init", lambda: torch.optim.SGD(m.parameters(), lr=0.1).step())
with torch.no_grad():
    attempt("copy_ of empty (no_grad)", lambda: w.copy_(torch.zeros(0)))
w.requires_grad = False
print("requires_grad set:", w.requires_grad)
w.requires_grad = True

# casting before the first call sets the dtype the weights get
m.double()
print(m, m.weight, m.weight.dtype)
y = m(torch.ones(2, 4, dtype=torch.float64))
print(m, type(m).__name__, type(m.weight).__name__, m.weight.dtype, m.weight.shape, y.dtype, y.grad_fn.name())
attempt("call with another width", lambda: m(torch.ones(2, 5, dtype=torch.float64)))

m = nn.LazyLinear(3, bias=False)
print(m, m.bias, list(m.state_dict()))
m(torch.ones(4))
print(m, m.weight.shape)
m = nn.LazyLinear(3)
attempt("0-dim input", lambda: m(torch.tensor(1.0)))
print(m)
m = nn.LazyLinear(3, dtype=torch.float64)
print(m.weight.dtype, m.bias.dtype)
attempt("int input", lambda: nn.LazyLinear(3)(torch.ones(2, 4, dtype=torch.long)))

p = UninitializedParameter()
print(p, p.requires_grad, UninitializedParameter(False).requires_grad, UninitializedParameter(dtype=torch.float64).dtype)
attempt("int dtype", lambda: UninitializedParameter(dtype=torch.int64))
p.materialize((2, 3))
print(type(p).__name__, p.shape, p.dtype, p.requires_grad, p.is_leaf, is_lazy(p))
q = UninitializedParameter()
q.materialize((4,), dtype=torch.float64)
print(type(q).__name__, q.shape, q.dtype)
b = UninitializedBuffer()
print(b, b.requires_grad, b.persistent, is_lazy(b))
b.materialize((2,))
print(type(b).__name__, b.shape, b.requires_grad)
print(nn.UninitializedParameter is UninitializedParameter, nn.UninitializedBuffer is UninitializedBuffer)

# a copy, and a pickled whole model, stay lazy and initialise on their own first call
import io

m = nn.LazyLinear(3)
m2 = copy.deepcopy(m)
m2(torch.ones(2, 4))
print(type(m).__name__, type(m2).__name__, m.weight, m2.weight.shape)
m(torch.ones(2, 5))
print(m, m2)
net = nn.Sequential(nn.LazyLinear(4), nn.ReLU())
buf = io.BytesIO()
torch.save(net, buf)
buf.seek(0)
net2 = torch.load(buf, weights_only=False)
print(net2, net2[0].weight)
net2(torch.ones(1, 2))
print(net2)
