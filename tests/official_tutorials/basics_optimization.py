"""Optimizing Model Parameters -- pytorch/tutorials beginner_source/basics/optimization_tutorial.py
(Learn the Basics; BSD-3-Clause).

Adaptations (everything else is the tutorial's code as written):
- FashionMNIST cannot be downloaded (and torchvision cannot be installed): the torchvision imports
  are left out and ``training_data`` / ``test_data`` are SyntheticFashionMNIST(train=True / False):
  640 and 192 images of 1x28x28 in [0, 1] with int labels.
- run with torch's generator seeded 0 (tests/program_runner.py; the tutorial does not seed, and
  torch's starts from the clock): autograd_core draws the same random numbers.
"""
import numpy as _np  # (the adaptations' data)
import torch
from torch import nn
from torch.utils.data import DataLoader
# --- adaptation (see the header): FashionMNIST cannot be downloaded here -----------------------------
from torch.utils.data import Dataset as _Dataset


class SyntheticFashionMNIST(_Dataset):
    """In place of torchvision.datasets.FashionMNIST: 1x28x28 float images in [0, 1] and int labels,
    noisy copies of ten fixed templates (a seeded numpy stream), as ToTensor() would give them."""

    def __init__(self, train=True):
        import torch as _torch
        rng = _np.random.default_rng(1 if train else 2)
        n = 640 if train else 192
        templates = _np.random.default_rng(3).uniform(0, 1, (10, 28, 28))
        self.targets = rng.integers(0, 10, n)
        noisy = templates[self.targets] * 0.7 + rng.uniform(0, 0.3, (n, 28, 28))
        self.data = _torch.from_numpy(noisy.astype(_np.float32)).unsqueeze(1)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, idx):
        return self.data[idx], int(self.targets[idx])
# ---------------------------------------------------------------------------------------------------

training_data = SyntheticFashionMNIST(train=True)  # adaptation

test_data = SyntheticFashionMNIST(train=False)  # adaptation

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork()

learning_rate = 1e-3
batch_size = 64
epochs = 5

# Initialize the loss function
loss_fn = nn.CrossEntropyLoss()

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    # also serves to reduce unnecessary gradient computations and memory usage for tensors with requires_grad=True
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

epochs = 10
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
