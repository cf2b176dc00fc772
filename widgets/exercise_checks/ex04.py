"""Checks of ex04 · Training (lectures 06 and 07)."""
import numpy as np

from widgets.exercises import ExerciseError, Feedback, _describe, is_stub, is_tensor

from . import backend, leaf, nn, optim
from .ex03 import _graph_size, call_watching_locals, graphs_kept_alive


# --- task 1: one gradient-descent step --------------------------------------------------------------

def _descent_gradients(w_value, b_value, x, y):
    """(dL/dw, dL/db) for L = (0.5 * (y - (w x + b))²).mean(), by the engine."""
    w, b = leaf(w_value), leaf(b_value)
    (0.5 * (y - (w * x + b)) ** 2).mean().backward()
    return w.grad.item(), b.grad.item()


def gradient_step(gd_step):
    """Task 1: gd_step(w, b, x, y, lr) returns (w - lr dL/dw, b - lr dL/db) as floats, on random data."""
    torch = backend()
    rng = np.random.default_rng(6)
    cases = []
    for lr in (0.05, 0.1, 0.2):
        n = int(rng.integers(3, 7))
        xs = rng.normal(size=n).round(2)
        ys = (2 * xs + 1 + 0.3 * rng.normal(size=n)).round(2)
        w0, b0 = (float(v) for v in rng.uniform(-2, 2, size=2).round(2))
        cases.append((w0, b0, torch.tensor(xs.tolist()), torch.tensor(ys.tolist()), lr))

    def step(sign, scale):
        def update(w, b, x, y, lr):
            gw, gb = _descent_gradients(w, b, x, y)
            return w - sign * scale * lr * gw, b - sign * scale * lr * gb
        return update

    def show(args):
        return f"w={args[0]:g}, b={args[1]:g}, x, y of {len(args[2])} points, lr={args[4]:g}"

    with Feedback() as fb:
        fb.check_function("gd_step", gd_step, cases, lambda *args: tuple(step(1, 1)(*args)), returns="float",
                          show_case=show, atol=1e-6, rtol=1e-5,
                          explain="Subtract lr times each parameter's gradient from it.", mistakes=[
            (lambda *args: tuple(step(-1, 1)(*args)),
             "that step goes uphill: descent subtracts lr · gradient, it does not add it."),
            (lambda w, b, x, y, lr: tuple(step(1, 1 / lr)(w, b, x, y, lr)),
             "the step is the whole gradient: scale it by the learning rate lr."),
            (lambda *args: tuple(step(1, 2)(*args)),
             "the step is twice as long as it should be: the loss has a factor 0.5."),
            (lambda w, b, x, y, lr: tuple(step(1, len(x))(w, b, x, y, lr)),
             "the step is as many times too long as there are points: the loss is their mean (.mean()), "
             "not their sum.")])


def momentum_by_hand(p_after_two):
    """Task 2: p after two steps of SGD(lr=0.1, momentum=0.9) on f(p) = p² from p = 1, as a number."""
    torch = backend()
    p = nn().Parameter(torch.tensor([1.0]))
    opt = optim().SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    with Feedback() as fb:
        fb.check("p_after_two", p_after_two, p.item(), by_hand=True, mistakes=[
            (0.64, "that is plain SGD; with momentum the second step moves by the velocity, which keeps "
                   "0.9 of the first step's."),
            (0.8, "that is after one step; take a second one."),
            (0.42, "the second gradient is taken at the new p (after step 1), not at p = 1.")])


# --- task 3: debugging a training loop ----------------------------------------------------------------

EPOCHS, LR = 6, 0.1


def _regression_batches():
    """4 batches of 8 points of y = 3x + 0.5 (+ noise): x of shape (8, 1), y of shape (8,)."""
    torch = backend()
    rng = np.random.default_rng(7)
    xs = rng.uniform(-1, 1, size=32).round(3)
    ys = (3 * xs + 0.5 + 0.1 * rng.normal(size=32)).round(3)
    return [(torch.tensor(xs[i:i + 8].tolist()).reshape(8, 1), torch.tensor(ys[i:i + 8].tolist()))
            for i in range(0, 32, 8)]


def _fresh_line():
    """nn.Linear(1, 1) starting at w = -0.5, b = 0.2 (the same on both backends)."""
    torch = backend()
    model = nn().Linear(1, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-0.5]]))
        model.bias.copy_(torch.tensor([0.2]))
    return model


def _train_variant(clear_grads, broadcast):
    """A training loop that clears the gradients or not, and compares (8, 1) predictions with (8,)
    targets (broadcasting to (8, 8)) or not; returns (final [w, b], per-epoch mean losses)."""
    model = _fresh_line()
    optimizer = optim().SGD(model.parameters(), lr=LR)
    history = []
    for _ in range(EPOCHS):
        total = 0.0
        for x, y in _regression_batches():
            if clear_grads:
                optimizer.zero_grad()
            prediction = model(x) if broadcast else model(x).reshape(-1)
            loss = ((prediction - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / 4)
    return [model.weight.item(), model.bias.item()], history


def _close(a, b):
    return bool(np.allclose(a, b, rtol=1e-3, atol=1e-4))


def debug_training_loop(train):
    """Task 3: the fixed train(model, batches, epochs, lr) is run on the check's own data; its final
    parameters are compared with loops that have each planted bug (gradients never cleared, (8, 1)
    predictions against (8,) targets), its history and locals are inspected for graphs kept alive."""
    name = "train"
    if train is None or not callable(train):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(train)}.")
    model = _fresh_line()
    start = [model.weight.item(), model.bias.item()]
    history, error, local_vars = call_watching_locals(train, model, _regression_batches(), EPOCHS, LR)
    if error is not None:
        raise ExerciseError(f"{name}(model, batches, {EPOCHS}, {LR}) raised {type(error).__name__}: {error}")
    final = [model.weight.item(), model.bias.item()]
    right, right_history = _train_variant(clear_grads=True, broadcast=False)
    with Feedback() as fb:
        if _close(final, right):
            fb.passed(f"{name} trains the line as a correct loop does (w = {final[0]:.3f}, b = {final[1]:.3f})")
        elif _close(final, start):
            fb.fail("the parameters never moved: the gradients are cleared after backward() and before "
                    "step(), or step() is never reached.")
        else:
            matched = False
            for clear_grads, broadcast in [(False, False), (True, True), (False, True)]:
                if _close(final, _train_variant(clear_grads, broadcast)[0]):
                    matched = True
                    if not clear_grads:
                        fb.fail("a bug remains: the gradients pile up: each step adds its gradient to every "
                                "earlier step's in .grad (print a parameter's .grad at steps 1 and 2).")
                    if broadcast:
                        fb.fail("a bug remains: the loss compares every prediction with every target: "
                                "model(x) has shape (8, 1), y has shape (8,), so model(x) - y is (8, 8).")
            if not matched:
                fb.fail(f"the trained parameters (w = {final[0]:.3f}, b = {final[1]:.3f}) are not where a "
                        "correct loop ends: zero_grad, forward, loss, backward, step, for every batch.")
        graphs_in_history = _check_history(fb, name, history, right_history)
        x, y = _regression_batches()[0]
        probe = _fresh_line()
        one_batch = max(_graph_size(((probe(x) - y) ** 2).mean()),
                        _graph_size(((probe(x).reshape(-1) - y) ** 2).mean()))
        kept = {} if graphs_in_history else graphs_kept_alive(local_vars, one_batch)
        for var, size in sorted(kept.items()):
            if var != "history":
                fb.fail(f"a bug remains: when {name} returns, {var} holds a graph of {size} nodes: every "
                        "batch's graph of the last epoch is kept alive. Keep only each loss's number.")


def _check_history(fb, name, history, right_history):
    """Check what train returned; True when it holds tensors that keep graphs alive."""
    if not isinstance(history, (list, tuple)):
        fb.fail(f"{name} should return the list of the epochs' mean losses; it returned {_describe(history)}.")
        return False
    if len(history) != EPOCHS:
        fb.fail(f"{name} should return one mean loss per epoch ({EPOCHS}); it returned {len(history)}.")
        return False
    graphs = [h for h in history if is_tensor(h) and h.grad_fn is not None]
    if graphs:
        fb.fail(f"a bug remains: the history holds tensors in a graph (grad_fn={graphs[0].grad_fn.name()}): "
                f"each keeps every batch's graph of its epoch alive ({_graph_size(graphs[0])} nodes for the first).")
        return True
    tensors = [h for h in history if is_tensor(h)]
    if tensors:
        # .detach() or .data dropped the graphs, which fixes the memory bug; but the task asks for
        # plain numbers (as ex03's mean_loss does): print shows tensor(...), json.dumps refuses them
        fb.fail(f"{name}'s history holds tensors ({_describe(tensors[0])}, without a graph, so no batch's graph "
                "is kept), not the plain numbers the task asks for: print shows tensor(...) and json.dumps "
                "refuses them. .item() reads a one-element tensor's number (lecture 05).")
        return False
    try:
        values = [float(h) for h in history]
    except (TypeError, ValueError):
        fb.fail(f"{name}'s history should hold numbers; it holds {_describe(history)}.")
        return False
    if fb.ok and not _close(values, right_history):
        fb.fail(f"the history {[round(v, 4) for v in values]} is not each epoch's mean batch loss.")
    elif fb.ok:
        fb.passed(f"the history holds {EPOCHS} plain numbers, falling from {values[0]:.3f} to {values[-1]:.3f}")
    return False


# --- task 4: debugging fine-tuning ---------------------------------------------------------------------

def _pretrained():
    """A small network standing in for a pretrained one: 4 inputs, 8 features, 2 classes."""
    backend().manual_seed(1)
    return nn().Sequential(nn().Linear(4, 8), nn().ReLU(), nn().Linear(8, 2))


def _classification_batches():
    torch = backend()
    rng = np.random.default_rng(8)
    return [(torch.tensor(rng.normal(size=(16, 4)).round(3).tolist()),
             torch.tensor(rng.integers(0, 3, size=16).tolist())) for _ in range(5)]


def _second_parameter(fn):
    """The name of fn's second parameter, or None (tasks 4 and 5 both define a `finetune`: task 4's
    takes batches, task 5's num_classes, and the one defined last is the one a check gets)."""
    import inspect
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
    return names[1] if len(names) > 1 else None


def debug_finetune(finetune):
    """Task 4: after the fixed finetune(model, batches) the pretrained layers are frozen and unchanged,
    model[2] is a new Linear(8, 3) that got gradients, and the returned optimizer holds it."""
    name = "finetune"

    if finetune is None or not callable(finetune):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(finetune)}.")
    if _second_parameter(finetune) == "num_classes":
        raise ExerciseError(f"{name} is task 5's finetune(model, num_classes) now: task 5 defines a function of the "
                            "same name further down. Run task 4's answer cell again, then this check.")
    if is_stub(finetune):
        raise ExerciseError(f"{name} is not written yet: fix the code in the cell above (and return the optimizer).")
    model = _pretrained()
    old_head = model[2]
    features_before = [p.detach().clone() for p in model[0].parameters()]
    batches = _classification_batches()
    try:
        optimizer = finetune(model, batches)
    except RuntimeError as e:
        if "does not require grad" in str(e):
            raise ExerciseError(f"a bug remains: backward() raised RuntimeError ({e}): nothing in the model "
                                "requires grad, so the new head was frozen too: the freezing ran after "
                                "model[2] was replaced.") from None
        raise ExerciseError(f"{name}(model, batches) raised RuntimeError: {e}") from None
    except Exception as e:
        raise ExerciseError(f"{name}(model, batches) raised {type(e).__name__}: {e}") from None
    with Feedback() as fb:
        head = model[2]
        out_shape = tuple(model(batches[0][0]).shape)
        if head is old_head or out_shape != (16, 3):
            fb.fail(f"model[2] should be a new nn.Linear(8, 3): the model's output has shape {out_shape}, "
                    "not (16, 3).")
        still_trainable = [p for p in model[0].parameters() if p.requires_grad]
        if still_trainable:
            fb.fail("a bug remains: the pretrained layers still have requires_grad=True after finetune: "
                    "setting requires_grad on the module object does not reach its parameters.")
        changed = any(not bool((p.detach() == q).all()) for p, q in zip(model[0].parameters(), features_before))
        if changed and not still_trainable:
            fb.fail("the pretrained layers changed during fine-tuning: only the new head should train.")
        if optimizer is None:
            fb.fail(f"{name} returned None: return the optimizer.")
        elif not hasattr(optimizer, "param_groups"):
            fb.fail(f"{name} should return the optimizer; it returned {_describe(optimizer)}.")
        else:
            held = [p for group in optimizer.param_groups for p in group["params"]]
            head_params = list(head.parameters())
            if not any(p is q for p in head_params for q in held):
                fb.fail("a bug remains: the new head never trains: the optimizer holds none of model[2]'s "
                        "parameters (what did model.parameters() return when the optimizer was created?).")
            elif not all(p.grad is not None for p in head_params):
                fb.fail("the new head got no gradient: train it on the batches (loss.backward()).")
        if fb.ok:
            fb.passed("only the new head trains: the pretrained layers are frozen and unchanged, and the "
                      "optimizer holds model[2]'s parameters")



# --- task 5: fine-tuning resnet18 ------------------------------------------------------------------------

def _resnet18():
    """torchvision's resnet18 of the notebooks' backend, random weights (autograd_core.vision on
    autograd_core)."""
    from widgets import torch_switch
    backend().manual_seed(2)
    return torch_switch.torchvision.models.resnet18()


def _image_batch(num_classes):
    """Two random 32x32 images and their labels (32x32: small enough to run fast, large enough to
    reach layer4 as a 1x1 picture)."""
    torch = backend()
    rng = np.random.default_rng(9)
    return (torch.tensor(rng.uniform(size=(2, 3, 32, 32)).round(3).tolist()),
            torch.tensor(rng.integers(0, num_classes, size=2).tolist()))


def finetune_resnet18(finetune, num_classes=7):
    """Task 5: finetune(model, num_classes) freezes the check's resnet18, replaces model.fc by a new
    nn.Linear(512, num_classes) and returns an optimizer that holds it; then one training step on the
    check's images: only fc gets gradients and moves, the backbone stays as it was."""
    name = "finetune"
    if finetune is None or not callable(finetune):
        raise ExerciseError(f"{name} should be a function; you gave {_describe(finetune)}.")
    if _second_parameter(finetune) == "batches":
        raise ExerciseError(f"{name} is still task 4's finetune(model, batches): run task 5's answer cell (its "
                            "finetune(model, num_classes)) before this check.")
    if is_stub(finetune):
        raise ExerciseError(f"{name} is not written yet: write its body in the cell above (and return the optimizer).")
    model = _resnet18()
    old_fc = model.fc
    backbone = [(n, p) for n, p in model.named_parameters() if not n.startswith("fc.")]
    before = {n: p.detach().clone() for n, p in backbone}
    call = f"{name}(model, {num_classes})"
    try:
        optimizer = finetune(model, num_classes)
    except RuntimeError as e:
        if "does not require grad" in str(e):
            raise ExerciseError(f"{call} raised RuntimeError ({e}): nothing in the model requires grad, so the "
                                "new fc was frozen too: replace it after freezing, not before.") from None
        raise ExerciseError(f"{call} raised RuntimeError: {e}") from None
    except Exception as e:
        raise ExerciseError(f"{call} raised {type(e).__name__}: {e}") from None
    fc = model.fc
    with Feedback() as fb:
        # the new classifier: a new layer, 512 features in, num_classes out
        if fc is old_fc:
            fb.fail("model.fc is still resnet18's own classifier (1000 classes): replace it by a new nn.Linear.")
            return
        in_features, out_features = getattr(fc, "in_features", None), getattr(fc, "out_features", None)
        if in_features is None:
            fb.fail(f"model.fc should be an nn.Linear; it is {type(fc).__name__}.")
            return
        if in_features != 512:
            fb.fail(f"model.fc takes {in_features} inputs, but the backbone hands it 512 features "
                    "(the old fc's in_features).")
        if out_features != num_classes:
            fb.fail(f"model.fc gives {out_features} scores; the new task has num_classes = {num_classes} classes "
                    "(use the argument, not a number of your own).")
        # freezing, and in which order
        fc_frozen = not any(p.requires_grad for p in fc.parameters())
        trainable = [n for n, p in backbone if p.requires_grad]
        if fc_frozen and not trainable:
            fb.fail("the new fc is frozen too (requires_grad=False): it was replaced before the freezing ran, "
                    "so the loop froze it with the rest. Freeze first, then replace fc.")
        elif fc_frozen:
            fb.fail("the new fc does not require grad: it is the one layer that should train.")
        if trainable and len(trainable) == len(backbone):
            # model.requires_grad = False only sets an attribute on the Module (in its __dict__)
            said_on_model = "requires_grad" in vars(model)
            fb.fail("the pretrained layers still require grad: nothing was frozen" + (
                " (setting requires_grad on the model object does not reach its parameters; set it on each "
                "parameter, or call model.requires_grad_(False))." if said_on_model else
                ": set requires_grad = False on each parameter of the network before replacing fc."))
        elif trainable:
            fb.fail(f"{len(trainable)} of the backbone's {len(backbone)} parameter tensors still require grad "
                    f"(the first: {trainable[0]}): freeze every parameter of the network.")
        # the optimizer
        if optimizer is None:
            fb.fail(f"{name} returned None: end it with return optimizer.")
            return
        if not hasattr(optimizer, "param_groups"):
            fb.fail(f"{name} should return the optimizer; it returned {_describe(optimizer)}.")
            return
        held = [p for group in optimizer.param_groups for p in group["params"]]
        if not all(any(p is q for q in held) for p in fc.parameters()):
            fb.fail("the optimizer does not hold the new fc's parameters: it was made before fc was replaced, "
                    "so it holds the old layer's (make it after the replacement).")
        group = optimizer.param_groups[0] if optimizer.param_groups else {}
        settings = (type(optimizer).__name__, group.get("lr"), group.get("momentum"))
        if settings != ("SGD", 0.01, 0.9):
            fb.fail(f"the task asks for optim.SGD with lr=0.01 and momentum=0.9; yours is {settings[0]} with "
                    f"lr={settings[1]}" + (f", momentum={settings[2]}" if settings[2] is not None else "") + ".")
        if not fb.ok:
            return
        # one training step: only fc gets a gradient and moves
        images, targets = _image_batch(num_classes)
        optimizer.zero_grad()
        loss = nn().functional.cross_entropy(model(images), targets)
        loss.backward()
        with_grad = [n for n, p in model.named_parameters() if p.grad is not None]
        fc_before = [p.detach().clone() for p in fc.parameters()]
        optimizer.step()
        moved = [n for n, p in backbone if not bool((p.detach() == before[n]).all())]
        if moved:
            fb.fail(f"a training step changed the backbone ({moved[0]} and {len(moved) - 1} more): only fc should train.")
        elif sorted(with_grad) != ["fc.bias", "fc.weight"]:
            fb.fail(f"after backward, these have a .grad: {with_grad}; only fc.weight and fc.bias should.")
        elif all(bool((p.detach() == q).all()) for p, q in zip(fc.parameters(), fc_before)):
            fb.fail("a training step with the returned optimizer did not change fc: check its learning rate.")
        else:
            fb.passed(f"resnet18 is frozen, its new fc (512 → {num_classes}) is the only layer that gets "
                      "gradients, and the optimizer's step moves it alone")
