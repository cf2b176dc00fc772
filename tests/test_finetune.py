"""Freezing and fine-tuning, the 60-minute blitz's way, with TinyNet standing in for resnet18:
train, freeze every parameter, replace the head, optimise only the head; the same with no_grad;
and the blitz's single training step, compared with torch on the same weights."""
import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core import nn, optim
from autograd_core.nn.examples import TinyNet, pretrained_tiny_net, synthetic_images
from torch_oracle import assert_close

IN_SHAPE, HIDDEN, CLASSES = (3, 8, 8), 32, 10


def snapshot(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def torch_twin(model, in_shape, hidden, num_classes):
    """The same architecture in torch.nn with our model's weights."""
    net = torch.nn.Module()
    net.features = torch.nn.Sequential(torch.nn.Flatten(),
                                       torch.nn.Linear(int(np.prod(in_shape)), hidden),
                                       torch.nn.ReLU())
    net.fc = torch.nn.Linear(hidden, num_classes)
    net.forward = lambda x: net.fc(net.features(x))
    net.load_state_dict(OrderedDict((k, torch.tensor(v.numpy())) for k, v in model.state_dict().items()))
    return net


def accuracy(model, images, labels):
    with ac.no_grad():
        return float((model(images).argmax(1) == labels).float().mean())


@pytest.fixture(scope="module")
def pretrained():
    return pretrained_tiny_net(IN_SHAPE, HIDDEN, CLASSES, seed=0)


def test_synthetic_images_are_deterministic_and_independent_of_the_global_seed():
    ac.manual_seed(1)
    x1, y1 = synthetic_images(n=20, seed=4)
    ac.manual_seed(2)
    x2, y2 = synthetic_images(n=20, seed=4)
    x3, _ = synthetic_images(n=20, seed=5)
    assert np.array_equal(x1.numpy(), x2.numpy()) and np.array_equal(y1.numpy(), y2.numpy())
    assert not np.array_equal(x1.numpy(), x3.numpy())
    assert x1.shape == (20, 3, 8, 8) and x1.dtype == ac.float32 and y1.dtype == ac.int64
    assert sorted(set(y1.tolist())) == list(range(10))


def test_pretrained_stand_in_has_learned_and_is_reproducible(pretrained):
    images, labels = synthetic_images(num_classes=CLASSES, shape=IN_SHAPE, seed=0)
    assert accuracy(pretrained, images, labels) > 0.9  # chance is 0.1
    again = pretrained_tiny_net(IN_SHAPE, HIDDEN, CLASSES, seed=0)
    a, b = snapshot(pretrained), snapshot(again)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_freeze_replace_head_and_train_only_the_head(pretrained):
    model = copy.deepcopy(pretrained)
    for param in model.parameters():
        param.requires_grad = False
    frozen = snapshot(model)
    frozen_params = list(model.features.parameters())
    old_head = model.fc
    model.fc = nn.Linear(HIDDEN, 5)  # a new task with 5 classes; new parameters require grad
    assert model.fc is not old_head and all(p.requires_grad for p in model.fc.parameters())
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["fc.weight", "fc.bias"]
    opt = optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)
    images, labels = synthetic_images(n=100, num_classes=5, shape=IN_SHAPE, seed=1)
    head_start = model.fc.weight.detach().numpy().copy()
    losses = []
    for _ in range(15):
        opt.zero_grad()
        out = model(images)
        loss = nn.CrossEntropyLoss()(out, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # frozen: exact values, no grad, and the graph never reached them
    after = snapshot(model)
    for key, value in frozen.items():
        if key.startswith("features."):
            assert np.array_equal(after[key], value), key
    assert all(p.grad is None for p in frozen_params)
    assert not model.features(images).requires_grad
    # the head learned
    assert model.fc.weight.grad is not None and model.fc.bias.grad is not None
    assert not np.array_equal(model.fc.weight.detach().numpy(), head_start)
    assert losses[-1] < losses[0]


def test_fine_tuning_matches_torch_step_by_step(pretrained):
    """The same frozen flow in torch from the same weights gives the same head after each step."""
    model = copy.deepcopy(pretrained)
    twin = torch_twin(model, IN_SHAPE, HIDDEN, CLASSES)
    for m in (model, twin):
        for p in m.parameters():
            p.requires_grad = False
    ac.manual_seed(3)
    model.fc = nn.Linear(HIDDEN, 5)
    twin.fc = torch.nn.Linear(HIDDEN, 5)
    twin.fc.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.fc.state_dict().items()})
    images, labels = synthetic_images(n=60, num_classes=5, shape=IN_SHAPE, seed=2)
    t_images, t_labels = torch.tensor(images.numpy()), torch.tensor(labels.numpy())
    opt = optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)
    t_opt = torch.optim.SGD(twin.fc.parameters(), lr=1e-2, momentum=0.9)
    for step in range(5):
        for o, m, x, y, lib in ((opt, model, images, labels, nn),
                                (t_opt, twin, t_images, t_labels, torch.nn)):
            o.zero_grad()
            loss = lib.functional.cross_entropy(m(x), y)
            loss.backward()
            o.step()
        for name in ("weight", "bias"):
            assert_close(getattr(model.fc, name).detach(), getattr(twin.fc, name).detach(),
                         f"fc.{name} after step {step + 1}")
    assert all(p.grad is None for p in twin.features.parameters())


def test_no_grad_block_freezes_the_same_way(pretrained):
    """Parameters still require grad, but what is computed inside no_grad is a constant for backward."""
    model = copy.deepcopy(pretrained)
    model.fc = nn.Linear(HIDDEN, 5)
    before = snapshot(model)
    opt = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)  # every parameter is in the optimiser
    images, labels = synthetic_images(n=50, num_classes=5, shape=IN_SHAPE, seed=1)
    for _ in range(3):
        opt.zero_grad()
        with ac.no_grad():
            features = model.features(images)
        assert not features.requires_grad and features.grad_fn is None
        nn.functional.cross_entropy(model.fc(features), labels).backward()
        opt.step()
    assert all(p.requires_grad and p.grad is None for p in model.features.parameters())
    after = snapshot(model)
    for key in before:
        same = np.array_equal(before[key], after[key])
        assert same == key.startswith("features."), key


def test_only_the_optimised_parameters_change():
    """Gradients reach every parameter, but SGD over model.fc.parameters() moves only the head."""
    ac.manual_seed(0)
    model = TinyNet(IN_SHAPE, HIDDEN, CLASSES)
    before = snapshot(model)
    opt = optim.SGD(model.fc.parameters(), lr=0.1)
    images, labels = synthetic_images(n=20, num_classes=CLASSES, shape=IN_SHAPE, seed=0)
    nn.functional.cross_entropy(model(images), labels).backward()
    opt.step()
    assert all(p.grad is not None for p in model.parameters())
    after = snapshot(model)
    for key in before:
        assert np.array_equal(before[key], after[key]) == key.startswith("features."), key


def test_requires_grad_false_on_a_module_and_its_errors():
    model = TinyNet(IN_SHAPE, HIDDEN, CLASSES)
    model.features.requires_grad_(False)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["fc.weight", "fc.bias"]
    out = model(ac.randn(2, *IN_SHAPE))
    # the graph starts at the head: AddmmBackward0's input edge is (None, 0)
    assert out.grad_fn.name() == "AddmmBackward0" and out.grad_fn.next_functions[1] == (None, 0)
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        out.requires_grad = False


def test_blitz_training_step_matches_torch():
    """prediction = model(data); loss = (prediction - labels).sum(); loss.backward();
    optim = SGD(model.parameters(), lr=1e-2, momentum=0.9); optim.step() -- on TinyNet's default
    (N, 3, 64, 64) -> 1000 classes shape, against torch with the same weights."""
    ac.manual_seed(0)
    model = TinyNet()
    twin = torch_twin(model, (3, 64, 64), 512, 1000)
    data, labels = ac.rand(1, 3, 64, 64), ac.rand(1, 1000)
    t_data, t_labels = torch.tensor(data.numpy()), torch.tensor(labels.numpy())

    prediction = model(data)
    t_prediction = twin(t_data)
    assert_close(prediction.detach(), t_prediction.detach(), loosen=10,
                 because="512-term float32 dot products summed in another order than ATen's")
    loss = (prediction - labels).sum()
    t_loss = (t_prediction - t_labels).sum()
    assert loss.grad_fn.name() == t_loss.grad_fn.name() == "SumBackward0"
    assert prediction.grad_fn.name() == t_prediction.grad_fn.name() == "AddmmBackward0"
    loss.backward()
    t_loss.backward()
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    optimizer.step()
    torch.optim.SGD(twin.parameters(), lr=1e-2, momentum=0.9).step()
    for (name, p), (_, tp) in zip(model.named_parameters(), twin.named_parameters()):
        assert_close(p.grad, tp.grad, name, loosen=10,
                     because="gradients of 512-wide layers summed in another order than ATen's")
        assert_close(p.detach(), tp.detach(), name)
    # the tutorial's replacement head fits TinyNet's 512 features
    model.fc = nn.Linear(512, 10)
    assert model(data).shape == (1, 10)
