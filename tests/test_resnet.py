"""autograd_core.vision.models.resnet18 / resnet34 against torchvision's own code under real PyTorch
(tests/oracles/torchvision_resnet.py runs torchvision 0.28.0's models/resnet.py from its wheel).

Compared: module names and types, state_dict keys (order) and shapes, print(model), initial values'
statistics, the weights errors and legacy pretrained= warnings, and -- with torchvision's state_dict
copied into ours -- the forward output, every parameter's gradient, the input's gradient and the
BatchNorm running statistics on a 1x3x64x64 input, in float64 and float32, train and eval mode
(float32's gradients against torch's float64 ones of the same weights and input).
"""
import copy
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core.vision import models
from oracles.torchvision_resnet import load


@pytest.fixture(scope="module")
def tv():
    return load()


def test_the_oracle_is_torchvision_0_28_0(tv):
    assert tv.TORCHVISION_COMMIT == "8fb87713a24951e639c494b0f2a8a81b5f8e33a6"
    assert tv.__file__.endswith("torchvision-0.28.0.whl/torchvision/models/resnet.py")
    assert isinstance(tv.resnet18(), torch.nn.Module)


def structure(model):
    return [(name, type(m).__name__) for name, m in model.named_modules()]


def shapes(model):
    return [(k, tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in model.state_dict().items()]


BUILDS = [("resnet18", {}), ("resnet34", {}), ("resnet18", {"num_classes": 10}),
          ("resnet18", {"zero_init_residual": True})]


@pytest.mark.parametrize("builder,kwargs", BUILDS, ids=[f"{b}{k}" for b, k in BUILDS])
def test_modules_state_dict_and_print_are_torchvisions(tv, builder, kwargs):
    ours, theirs = getattr(models, builder)(**kwargs), getattr(tv, builder)(**kwargs)
    assert structure(ours) == structure(theirs)
    assert shapes(ours) == shapes(theirs)  # keys in the same order, same shapes and dtypes
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert repr(ours) == repr(theirs)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


def test_parameter_counts_are_the_published_ones():
    assert sum(p.numel() for p in models.resnet18().parameters()) == 11689512
    assert sum(p.numel() for p in models.resnet34().parameters()) == 21797672


def test_a_bottleneck_resnet_is_torchvisions_too(tv):
    ours = models.ResNet(models.resnet.Bottleneck, [1, 1, 1, 1], num_classes=7)
    theirs = tv.ResNet(tv.Bottleneck, [1, 1, 1, 1], num_classes=7)
    assert structure(ours) == structure(theirs) and shapes(ours) == shapes(theirs)
    assert repr(ours) == repr(theirs)


def test_initial_values_follow_torchvisions_init():
    """Conv weights ~ N(0, 2 / fan_out); BatchNorm weight 1, bias 0, running stats 0 and 1; fc as
    nn.Linear: U(-1/sqrt(512), 1/sqrt(512)); zero_init_residual zeroes every block's bn2 weight."""
    ac.manual_seed(0)
    model = models.resnet18()
    for name, m in model.named_modules():
        if isinstance(m, ac.nn.Conv2d):
            w = m.weight.detach().numpy()
            fan_out = w.shape[0] * w.shape[2] * w.shape[3]
            expected = (2.0 / fan_out) ** 0.5
            assert abs(w.std() / expected - 1) < 0.1, (name, w.std(), expected)
            assert abs(w.mean()) < 0.2 * expected, name
        elif isinstance(m, ac.nn.BatchNorm2d):
            assert (m.weight.detach().numpy() == 1).all() and (m.bias.detach().numpy() == 0).all(), name
            assert (m.running_mean.numpy() == 0).all() and (m.running_var.numpy() == 1).all(), name
    bound = 1 / 512 ** 0.5
    assert np.abs(model.fc.weight.detach().numpy()).max() <= bound
    assert np.abs(model.fc.weight.detach().numpy()).max() > 0.9 * bound  # (not all zeros)
    zeroed = models.resnet18(zero_init_residual=True)
    bn2_weights = [m.bn2.weight for m in zeroed.modules() if isinstance(m, models.BasicBlock)]
    assert len(bn2_weights) == 8 and all((w.detach().numpy() == 0).all() for w in bn2_weights)
    assert (zeroed.layer1[0].bn1.weight.detach().numpy() == 1).all()


def copy_into_ours(theirs, ours):
    state = {k: ac.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def assert_matches(ours, theirs, rtol, what):
    a, b = ours.detach().numpy(), theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    scale = max(np.abs(b).max(), 1e-30)
    err = np.abs(a - b).max() / scale
    assert err <= rtol, f"{what}: max |ours - torch| / max |torch| = {err:.3g} > {rtol:g}"


# float32: gradients get 10 x rtol, measured from the exact ones: torch's float64 gradients of the same
# weights and input. Batch norm in train mode over the 4 values per channel of layer4 (2x2, batch 1)
# amplifies rounding: torch's own float32 gradients differ from its float64 ones by up to 2.2e-3
# (relative to the largest; 3.0e-3 on an AMD EPYC Zen 4, whose MKL and oneDNN kernels round otherwise),
# ours from float64 by 1.1e-3 (1.05e-3) and from torch's float32 by 1.2e-3 (2.3e-3), so the bound is
# kept against the truth, not against torch's float32 (measured 2026-12-02 and 12-05). float64 agrees
# to 1.5e-12.
@pytest.mark.slow
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-10), ("float32", 2e-4)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_forward_and_gradients_match_torchvision(tv, dtype, rtol, mode):
    torch.manual_seed(1)
    theirs = tv.resnet18(num_classes=10).to(getattr(torch, dtype))
    ours = models.resnet18(num_classes=10).to(getattr(ac, dtype))
    if mode == "eval":  # running statistics that are not 0 and 1, so that eval mode uses them
        with torch.no_grad():
            for m in theirs.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
    copy_into_ours(theirs, ours)
    exact = theirs if dtype == "float64" else copy.deepcopy(theirs).double()
    for model in (theirs, ours, exact):
        getattr(model, mode)()
    rng = np.random.default_rng(7)
    x_np = rng.random((1, 3, 64, 64)).astype(dtype)
    g_np = rng.standard_normal((1, 10)).astype(dtype)
    x_t = torch.tensor(x_np, requires_grad=True)
    x_a = ac.tensor(x_np, requires_grad=True)
    x_e = x_t if exact is theirs else torch.tensor(x_np.astype(np.float64), requires_grad=True)

    out_t, out_a = theirs(x_t), ours(x_a)
    assert type(out_a.grad_fn).__name__ == type(out_t.grad_fn).__name__ == "AddmmBackward0"
    assert_matches(out_a, out_t, rtol, "output")
    out_t.backward(torch.tensor(g_np))
    out_a.backward(ac.tensor(g_np))
    if exact is not theirs:
        exact(x_e).backward(torch.tensor(g_np.astype(np.float64)))
    assert_matches(x_a.grad, x_e.grad.to(x_t.dtype), 10 * rtol, "input grad")
    params_e = dict(exact.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        assert_matches(p.grad, params_e[name].grad.to(x_t.dtype), 10 * rtol, f"{name}.grad")
    buffers_t = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        if b.dtype.is_floating_point:
            assert_matches(b, buffers_t[name], rtol, name)
        else:
            assert b.item() == buffers_t[name].item() == (1 if mode == "train" else 0), name


def test_grad_fn_chain_of_a_block_is_torchvisions(tv):
    """The residual sum is an in-place AddBackward0 after the second BatchNorm, then ReLU in place."""
    theirs, ours = tv.resnet18(), models.resnet18()

    def names(fn, depth):
        out = []
        for _ in range(depth):
            out.append(type(fn).__name__)
            fn = fn.next_functions[0][0]
        return out

    x_t, x_a = torch.rand(1, 64, 16, 16), ac.rand(1, 64, 16, 16)
    chain_t = names(theirs.layer1[0](x_t).grad_fn, 5)
    chain_a = names(ours.layer1[0](x_a).grad_fn, 5)
    assert chain_a == chain_t
    assert chain_t[:2] == ["ReluBackward0", "AddBackward0"]


@pytest.mark.slow
def test_the_whole_graph_has_torchvisions_nodes(tv):
    """Every grad_fn of the forward graph, in the same breadth-first order from the output, with
    the same next_functions structure (names of the nodes each one points to)."""
    def walk(root):
        order, seen, queue = [], set(), [root]
        while queue:
            fn = queue.pop(0)
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            order.append((type(fn).__name__ if type(fn).__name__ != "AccumulateGrad" else fn.name(),
                          tuple(type(n).__name__ if n is not None else None for n, _ in fn.next_functions)))
            queue.extend(n for n, _ in fn.next_functions)
        return order

    theirs = walk(tv.resnet18()(torch.rand(1, 3, 64, 64)).grad_fn)
    ours = walk(models.resnet18()(ac.rand(1, 3, 64, 64)).grad_fn)
    assert ours == theirs
    # fc (addmm, t), flatten, avgpool, maxpool, 17 relus, 8 adds, 20 convs, 20 batch norms, and an
    # AccumulateGrad for each of the 62 parameters
    assert len(ours) == 2 + 1 + 1 + 1 + 17 + 8 + 20 + 20 + 62
    names = [name for name, _ in ours]
    assert names.count("ConvolutionBackward0") == 20 and names.count("NativeBatchNormBackward0") == 20
    assert names.count("AddBackward0") == 8 and names.count("ReluBackward0") == 17


def call(f):
    """(exception type and message, or None; warnings) of calling f."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            f()
            error = None
        except Exception as e:  # noqa: BLE001 (compared, whatever it is)
            error = (type(e).__name__, str(e))
    return error, [str(w.message) for w in caught]


WEIGHT_ASKS = {
    "DEFAULT": lambda m: m.resnet18(weights="DEFAULT"),
    "IMAGENET1K_V1": lambda m: m.resnet18(weights="IMAGENET1K_V1"),
    "qualified name": lambda m: m.resnet18(weights="ResNet18_Weights.DEFAULT"),
    "enum member": lambda m: m.resnet18(weights=m.ResNet18_Weights.IMAGENET1K_V1),
    "resnet34 DEFAULT": lambda m: m.resnet34(weights=m.ResNet34_Weights.DEFAULT),
    "pretrained=True": lambda m: m.resnet18(pretrained=True),
    "pretrained=False": lambda m: m.resnet18(pretrained=False),
    "unknown name": lambda m: m.resnet18(weights="IMAGENET1K_V2"),
    "other model's weights": lambda m: m.resnet18(weights=m.ResNet34_Weights.DEFAULT),
    "num_classes with weights": lambda m: m.resnet18(weights="DEFAULT", num_classes=10),
    "weights=None": lambda m: m.resnet18(weights=None),
}


@pytest.mark.parametrize("ask", list(WEIGHT_ASKS))
def test_asking_for_weights_behaves_as_torchvision(tv, ask):
    ours, theirs = call(lambda: WEIGHT_ASKS[ask](models)), call(lambda: WEIGHT_ASKS[ask](tv))
    assert ours == theirs


def test_the_weights_error_says_what_to_do():
    with pytest.raises(RuntimeError) as info:
        models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
    message = str(info.value)
    assert "cannot be downloaded here" in message
    assert "model = resnet18()" in message and "model.load_state_dict(torch.load(path))" in message
    assert repr(models.ResNet18_Weights.DEFAULT) == "ResNet18_Weights.IMAGENET1K_V1"


@pytest.mark.slow
def test_a_saved_state_dict_loads_into_a_new_model(tmp_path):
    """What the error recommends works: save a model's state_dict, load it into a fresh resnet18."""
    ac.manual_seed(0)
    model = models.resnet18(num_classes=10)
    model.eval()
    x = ac.rand(1, 3, 32, 32)
    expected = model(x).detach().numpy()
    path = tmp_path / "resnet18.pt"
    ac.save(model.state_dict(), path)
    fresh = models.resnet18(num_classes=10)
    fresh.load_state_dict(ac.load(path))
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), expected)


# ---------------------------------------------------------------------------------------------
# draw(): the resnet18 graph collapsed by module
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def resnet_graph():
    from widgets import graph_model as gm
    ac.manual_seed(0)
    model = models.resnet18()
    x = ac.rand(1, 3, 64, 64)
    y = model(x)
    return model, gm.GraphModel.from_tensors(y, names={"model": model, "x": x, "y": y})


def test_collapsing_every_module_gives_one_node_per_layer_with_parameters(resnet_graph):
    from widgets.graph_model import simplify
    model, graph = resnet_graph
    small = simplify(graph, collapse=True)
    with_params = ["model." + name for name, m in model.named_modules() if m._parameters]
    assert len(with_params) == 41  # 20 convs, 20 batch norms, fc
    assert sorted(n.label for n in small.nodes.values() if n.kind == "module") == sorted(with_params)
    assert sum(n.count for n in small.nodes.values() if n.kind == "module") + \
        sum(1 for n in small.nodes.values() if n.kind != "module") == len(graph.nodes)
    (root,) = small.roots
    assert small.nodes[root].kind == "tensor" and small.nodes[root].label == "y"
    assert small.nodes[root].module is None  # (drawn on its own, not in a cluster beside model.fc)
    ops = sorted(n.label for n in small.nodes.values() if n.kind == "op")
    # what has no parameters stays visible: 17 relus, the 8 shortcut adds, max pool, avg pool, flatten
    assert ops == sorted(["relu"] * 17 + ["add"] * 8 + ["max_pool2d_with_indices", "mean", "view"])


def test_collapsing_two_levels_below_the_model_draws_the_residual_blocks(resnet_graph):
    """collapse=2: each residual block is one node with everything its forward ran (convs, batch
    norms, both relus, the shortcut add); the model's own parameter-free children (relu, maxpool,
    avgpool) are nodes of their own; flatten, called in ResNet.forward itself, stays an op."""
    from widgets.graph_model import simplify
    from widgets.render import render_svg
    _, graph = resnet_graph
    small = simplify(graph, collapse=2)
    blocks = [f"model.layer{i}.{j}" for i in range(1, 5) for j in range(2)]
    modules = [n for n in small.nodes.values() if n.kind == "module"]
    assert [n.label for n in modules] == \
        ["model.conv1", "model.bn1", "model.relu", "model.maxpool"] + blocks + ["model.avgpool", "model.fc"]
    counts = {n.label: n.count for n in modules}
    # a block without downsample: conv1 (op, output, weight: no bias), bn1 (op, output, weight,
    # bias), relu (op, output), conv2, bn2, the add and the second relu -> 3 + 4 + 2 + 3 + 4 + 2 + 2
    assert counts["model.layer1.1"] == 20 and counts["model.layer2.0"] == 20 + 3 + 4
    assert counts["model.relu"] == counts["model.maxpool"] == counts["model.avgpool"] == 2
    assert sorted(n.label for n in small.nodes.values() if n.kind != "module") == \
        ["view", "view #1", "x", "y"]
    # the shortcut: the max pool's output goes into layer1.0 twice (its conv1 and its add)
    ids = {n.label: nid for nid, n in small.nodes.items()}
    (edge,) = [e for e in small.edges if e.src == ids["model.maxpool"] and e.dst == ids["model.layer1.0"]]
    assert edge.count == 2
    svg = render_svg(graph, collapse=2)
    assert all(f">{name}<" in svg for name in blocks)
    with pytest.raises(ValueError, match="at least 1"):
        simplify(graph, collapse=0)


def test_collapsing_one_level_below_the_model_draws_its_children(resnet_graph):
    """collapse=1: the model's children, as print(model) lists them: conv1, bn1, relu, maxpool,
    layer1..layer4, avgpool, fc; each layer with both blocks' shortcut adds inside."""
    from widgets.graph_model import simplify
    model, graph = resnet_graph
    small = simplify(graph, collapse=1)
    assert [n.label for n in small.nodes.values() if n.kind == "module"] == \
        ["model." + name for name, _ in model.named_children()]
    assert [n.label for n in small.nodes.values() if n.kind == "op"] == ["view"]
    counts = {n.label: n.count for n in small.nodes.values() if n.kind == "module"}
    assert counts["model.layer1"] == 2 * 20 and counts["model.layer2"] == 2 * 20 + 7


def test_a_torch_model_collapses_the_same_under_module_calls(tv, resnet_graph):
    """torchvision's resnet18 run under widgets.module_calls() collapses as ours does; without it,
    torch's graph says nothing of module calls (only parameters name their modules)."""
    import widgets
    from torch.nn.modules import module as torch_module
    from widgets.graph_model import GraphModel, simplify
    model, x = tv.resnet18(), torch.rand(1, 3, 64, 64)
    with widgets.module_calls():
        y = model(x)
    assert not torch_module._global_forward_hooks and not torch_module._global_forward_pre_hooks
    theirs = GraphModel.from_tensors(y, names={"model": model, "y": y})
    ours = resnet_graph[1]
    for depth in (1, 2):
        expected = [(n.label, n.count) for n in simplify(ours, collapse=depth).nodes.values() if n.kind == "module"]
        got = [(n.label, n.count) for n in simplify(theirs, collapse=depth).nodes.values() if n.kind == "module"]
        assert got == expected
    y = model(x)
    plain = simplify(GraphModel.from_tensors(y, names={"model": model, "y": y}), collapse=1)
    assert "model.relu" not in [n.label for n in plain.nodes.values() if n.kind == "module"]


def test_a_module_used_twice_is_drawn_twice():
    """Each call of a module is a node of its own (d2l's shared layer), its parameters in the first."""
    from widgets.graph_model import GraphModel, simplify
    shared = ac.nn.Linear(4, 4)
    net = ac.nn.Sequential(ac.nn.Linear(3, 4), ac.nn.ReLU(), shared, ac.nn.ReLU(), shared)
    x = ac.ones(2, 3)
    y = net(x)
    small = simplify(GraphModel.from_tensors(y, names={"net": net, "x": x, "y": y}), collapse=1)
    labels = [n.label for n in small.nodes.values() if n.kind == "module"]
    assert sorted(labels) == ["net.0", "net.1", "net.2", "net.2", "net.3"]
    first, second = [n for n in small.nodes.values() if n.label == "net.2"]
    # the first: weight, bias, t and its output, addmm and its output; the second: t, its output,
    # addmm (its output is the root, drawn on its own)
    assert first.count == 6 and second.count == 3
    assert any(e.src == first.id and e.dst == second.id for e in small.edges)


def test_a_module_name_collapses_its_submodules_and_what_lies_between():
    """Without call notes (a graph of torch tensors), a module takes in the parameter-free nodes
    that lie between its own nodes."""
    from widgets.graph_model import GraphModel, simplify
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x = torch.ones(5, 3)
    out = net(x).sum()
    graph = GraphModel.from_tensors(out, names={"net": net, "x": x, "out": out})
    small = simplify(graph, collapse=["net"])
    (module,) = [n for n in small.nodes.values() if n.kind == "module"]
    # both Linears and the relu between them (op and output) are in; the sum and the root are not
    # (nor is x: a torch graph does not keep an input that needs no gradient)
    outside = sorted(n.label for n in small.nodes.values() if n.kind != "module")
    assert module.label == "net" and outside == ["out", "sum"]
    assert module.count == len(graph.nodes) - 2
    assert [n.label for n in graph.nodes.values() if n.kind == "op"].count("relu") == 1
    assert sorted(n.label for n in simplify(graph, collapse=True).nodes.values()
                  if n.kind == "module") == ["net.0", "net.2"]


def test_draw_of_resnet18_writes_its_pictures(resnet_graph, artifacts_dir):
    """The collapsed pictures (every module; the residual blocks) as PNGs for a person to look at.
    The time is printed, not asserted: 0.3 s on the development machine, dot included."""
    import time
    from widgets.render import draw, run_dot
    model, graph = resnet_graph
    for collapse, name in ((True, "resnet18_collapsed.png"), (2, "resnet18_blocks.png"),
                           (1, "resnet18_layers.png")):
        start = time.perf_counter()
        png = run_dot(draw(graph, collapse=collapse).source, "png")
        print(f"draw + dot, collapse={collapse}: {time.perf_counter() - start:.2f} s")
        assert png.startswith(b"\x89PNG")
        (artifacts_dir / name).write_bytes(png)
