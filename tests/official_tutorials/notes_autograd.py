"""Autograd mechanics -- pytorch/pytorch docs/source/notes/autograd.rst, its code blocks in order
(BSD-3-Clause): saved tensors, multithreaded backward, hooks for saved tensors (registered on a
SavedTensor and by context manager), a Tensor hook on a tensor modified in place.

Adaptations (everything else is the notes' code as written):
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
- the snippets' free names are defined: ``tmp_dir`` (a temporary directory), ``fn`` (a hook that
  prints the gradient it receives), ``input`` for the DataParallel example; the notes' ``# ...
  compute output`` Model is used as written. Results the notes state in comments are printed.
- the threads' example prints that the ten threads finished.
"""
import os
import tempfile
import threading
import uuid

import torch
from torch import nn

tmp_dir = tempfile.mkdtemp()  # adaptation


def fn(grad):  # adaptation: the notes' hook ``fn``
    print("hook got", grad)


# Saved tensors
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(x.equal(y.grad_fn._saved_self))  # True
print(x is y.grad_fn._saved_self)  # True

x = torch.randn(5, requires_grad=True)
y = x.exp()
print(y.equal(y.grad_fn._saved_result))  # True
print(y is y.grad_fn._saved_result)  # False

# Multithreaded Autograd
# Define a train function to be used in different threads
def train_fn():
    x = torch.ones(5, 5, requires_grad=True)
    # forward
    y = (x + 3) * (x + 4) * 0.5
    # backward
    y.sum().backward()
    # potential optimizer update


# User write their own threading code to drive the train_fn
threads = []
for _ in range(10):
    p = threading.Thread(target=train_fn, args=())
    p.start()
    threads.append(p)

for p in threads:
    p.join()
print("threads done:", len(threads))  # adaptation

# Hooks for saved tensors
class SelfDeletingTempFile():
    def __init__(self):
        self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

    def __del__(self):
        os.remove(self.name)

def pack_hook(tensor):
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file

def unpack_hook(temp_file):
    return torch.load(temp_file.name)

# Registering hooks for a saved tensor
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
y.grad_fn._raw_saved_self.register_hooks(pack_hook, unpack_hook)
print(y.grad_fn._saved_self)  # adaptation: read through unpack_hook
y.sum().backward()
print(x.grad)  # adaptation
print(len(os.listdir(tmp_dir)))  # adaptation: the file is gone with the graph

# Registering default hooks for saved tensors
# Only save on disk tensors that have size >= 1000
SAVE_ON_DISK_THRESHOLD = 1000

def pack_hook(x):
    if x.numel() < SAVE_ON_DISK_THRESHOLD:
        return x
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file

def unpack_hook(tensor_or_sctf):
    if isinstance(tensor_or_sctf, torch.Tensor):
        return tensor_or_sctf
    return torch.load(tensor_or_sctf.name)

class Model(nn.Module):
    def forward(self, x):
        with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
          # ... compute output
          output = x
        return output

model = Model()
net = nn.DataParallel(model)

input = torch.ones(3, requires_grad=True)  # adaptation
print(net(input))  # adaptation

# Example what NOT to do

net = nn.DataParallel(model)
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    output = net(input)

with torch.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x):
    x = torch.randn(5, requires_grad=True)
    y = x * x
print(y.grad_fn._saved_self is x, y.grad_fn._saved_other is x)  # adaptation: the notes' point

# Behavior of Tensor hooks when Tensor is modified in-place
t = torch.tensor(1., requires_grad=True).sin()
t.cos_()
t.register_hook(fn)
t.backward()
