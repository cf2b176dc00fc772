"""File I/O -- d2l-ai/d2l-en chapter_builders-guide/read-write.md, its PyTorch tab (Dive into Deep
Learning; code MIT-0).

Adaptations (everything else is the chapter's code as written):
- a cell's value, which a notebook shows, is printed (nothing printed from the random generator:
  the chapter compares ``Y_clone == Y``).
"""
import torch
from torch import nn
from torch.nn import functional as F

x = torch.arange(4)
torch.save(x, 'x-file')

x2 = torch.load('x-file')
print(x2)  # adaptation: the cell's value, printed

y = torch.zeros(4)
torch.save([x, y],'x-files')
x2, y2 = torch.load('x-files')
print((x2, y2))  # adaptation: the cell's value, printed

mydict = {'x': x, 'y': y}
torch.save(mydict, 'mydict')
mydict2 = torch.load('mydict')
print(mydict2)  # adaptation: the cell's value, printed

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.output = nn.LazyLinear(10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))

net = MLP()
X = torch.randn(size=(2, 20))
Y = net(X)

torch.save(net.state_dict(), 'mlp.params')

clone = MLP()
print(clone.load_state_dict(torch.load('mlp.params')))  # adaptation: its value, printed
print(clone.eval())  # adaptation: the cell's value, printed

Y_clone = clone(X)
print(Y_clone == Y)  # adaptation: the cell's value, printed
