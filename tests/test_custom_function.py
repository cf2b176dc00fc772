"""torch.autograd.Function in autograd_core against PyTorch 2.13: values, gradients, what the user's
backward receives, node names and graph edges (output numbers included), errors and warnings.

Every case is a snippet ``case(m)`` run once with ``m = autograd_core`` and once with ``m = torch``
(its Function classes defined inside it, on ``m.autograd.Function``): the results (or the error
type and message) must agree (tests/torch_oracle.py). What a backward receives is recorded by the
snippet itself and returned with its result.
"""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from torch_oracle import assert_close, assert_same, graph_structure

PROPS = settings(derandomize=True, deadline=None, max_examples=60, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _x(m, values=(1.5, -2.0, 0.5), requires_grad=True):
    return m.tensor(list(values), requires_grad=requires_grad)


def _plain_grads(*tensors):
    """The .grad of each tensor (None kept), without the non-leaf warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(t.grad for t in tensors)


# --- the classic single-output Function ------------------------------------------------------------
def _cube_class(lib):
    class Cube(lib.autograd.Function):
        """out = x ** 3 * k, with a non-tensor k"""

        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * ctx.k * g, None
    return Cube


@pytest.mark.parametrize("values", [[1.5, -2.0], [[0.5, 1.0], [2.0, -1.0]]])
def test_function_values_grads_and_names_match_torch(values):
    results = []
    for lib in (torch, ac):
        x = lib.tensor(values, requires_grad=True)
        y = _cube_class(lib).apply(x * 2, 0.5)
        (y * lib.tensor(values)).sum().backward()
        results.append((y.detach(), x.grad, type(y.grad_fn).__name__,
                        [type(n).__name__ for n, _ in y.grad_fn.next_functions]))
    assert_close(results[1], results[0])
    assert results[1][2:] == ("CubeBackward", ["MulBackward0"])


def test_recording_shows_the_function_as_one_node():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.record() as rec:
        _cube_class(ac).apply(x, 2.0).sum().backward()
    assert [(e.kind, e.op) for e in rec.events if e.kind == "forward"] == [("forward", "Cube"), ("forward", "sum")]
    assert [e.kind for e in rec.events].count("backward") == 2
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


# --- cases: each runs on both libraries -------------------------------------------------------------
def _two_outputs(m, log):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            return x * 2, x * k, 7

        @staticmethod
        def backward(ctx, ga, gb, gc):
            log.append(("backward got", ga, gb, gc))
            return ga * 2 + gb * 3, None
    return Two


def case_two_outputs_share_one_node(m):
    log = []
    x = _x(m)
    a, b, c = _two_outputs(m, log).apply(x, 3.0)
    s = a + b
    structure = graph_structure(s.grad_fn, {id(x): 0})
    return (a, b, c, a.grad_fn is b.grad_fn, a.output_nr, b.output_nr, structure,
            type(a.grad_fn).__name__, a.grad_fn.name())


def case_two_outputs_backward_of_one_then_the_other(m):
    log = []
    x = _x(m)
    a, b, _ = _two_outputs(m, log).apply(x, 3.0)
    b.sum().backward(retain_graph=True)
    first = x.grad.clone()
    (a * a).sum().backward()
    return first, x.grad, log


def case_two_outputs_materialize_false(m):
    log = []

    class M(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            log.append((ga, gb))
            return None if ga is None else ga * 2
    x = _x(m)
    a, b = M.apply(x)
    (b * 2).sum().backward(retain_graph=True)
    after_b = _plain_grads(x)
    a.sum().backward()
    return after_b, x.grad, log


def case_non_tensor_output_gets_none(m):
    log = []

    class N(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, "label", None

        @staticmethod
        def backward(ctx, g, g_label, g_none):
            log.append((g, g_label, g_none))
            return g
    x = _x(m)
    y, label, nothing = N.apply(x)
    y.sum().backward()
    return y, label, nothing, x.grad, log


def case_mark_non_differentiable(m):
    log = []

    class ND(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, gy, gi):
            log.append((gy, gi))
            return gy * 2
    x = _x(m)
    y, i = ND.apply(x)
    (y.sum() + i.sum()).backward()
    return y.requires_grad, i.requires_grad, i.grad_fn is None, i.is_leaf, x.grad, log


def case_mark_non_differentiable_only_output(m):
    class ND(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.mark_non_differentiable(y)
            return y

        @staticmethod
        def backward(ctx, g):
            return g
    y = ND.apply(_x(m))
    y.sum().backward()


def case_mark_non_differentiable_input_returned(m):
    class ND(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    x = _x(m)
    y = ND.apply(x)
    return y.requires_grad, y is x, y.grad_fn is None


def case_integer_output_is_not_differentiable(m):
    log = []

    class IntOut(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, (x > 1).long()

        @staticmethod
        def backward(ctx, a, b):
            log.append((a, b))
            return a
    x = _x(m)
    a, b = IntOut.apply(x)
    a.sum().backward()
    return b.requires_grad, b.grad_fn is None, x.grad, log


def case_same_tensor_returned_twice(m):
    log = []

    class Same(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            return y, y

        @staticmethod
        def backward(ctx, a, b):
            log.append((a, b))
            return a + b
    x = _x(m)
    a, b = Same.apply(x)
    (a * 1).sum().backward()
    return a is b, a.output_nr, b.output_nr, x.grad, log


def case_needs_input_grad(m):
    log = []

    class NIG(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            log.append(("forward", ctx.needs_input_grad))
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            log.append(("backward", ctx.needs_input_grad))
            return g, None, None
    x = _x(m)
    y = NIG.apply(x, m.ones(3), 2)
    y.sum().backward()
    with m.no_grad():
        z = NIG.apply(x, m.ones(3), 2)
    return y.grad_fn.needs_input_grad, z.requires_grad, z.grad_fn is None, log


def case_setup_context_style(m):
    log = []

    class SC(m.autograd.Function):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            log.append(("setup", inputs, output))
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    x = _x(m)
    SC.apply(x).sum().backward()
    first = x.grad.clone()
    y = SC.apply(x, k=3.0)
    y.sum().backward()
    return first, x.grad, y, log


def case_keyword_arguments(m):
    class K(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, scale=1.0):
            return x * k * scale

        @staticmethod
        def backward(ctx, g):
            return g, None, None
    x = _x(m)
    y = K.apply(x, scale=2.0, k=3.0)
    y.sum().backward()
    return y, x.grad, type(y.grad_fn).__name__


@pytest.mark.parametrize("call", ["unexpected", "multiple", "gap", "too-many"])
def test_keyword_argument_errors_match_torch(call):
    def snippet(m):
        class K(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, scale=1.0):
                return x * k * scale

            @staticmethod
            def backward(ctx, g):
                return g, None, None
        x = _x(m)
        return {"unexpected": lambda: K.apply(x, 2.0, j=1), "multiple": lambda: K.apply(x, x=x),
                "gap": lambda: K.apply(x, scale=2.0), "too-many": lambda: K.apply(x, 1.0, 2.0, 3.0)}[call]()
    result = assert_same(snippet)
    assert result[0] == "raise"


def case_input_returned_as_is(m):
    class Ident(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3
    x = _x(m)
    y = Ident.apply(x)
    info = (y is x, y._is_view(), y.grad_fn.name(), y._base is x, y.requires_grad)
    y.sum().backward()
    return info, x.grad


def case_inplace_on_input_returned_as_is(m):
    class Ident(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    y = Ident.apply(_x(m) * 1)
    y.add_(1)


def case_inplace_on_a_view_forward_returned(m):
    class First(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[0]

        @staticmethod
        def backward(ctx, g):
            return m.stack([g, m.zeros_like(g), m.zeros_like(g)])
    y = First.apply(_x(m) * 1)
    y.mul_(2)


def case_base_changed_under_a_view_forward_returned(m):
    class First(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[0]

        @staticmethod
        def backward(ctx, g):
            return m.stack([g, m.zeros_like(g), m.zeros_like(g)])
    a = _x(m) * 1
    y = First.apply(a)
    a.add_(1)
    return y.grad_fn


def _dirty(m):
    class Dirty(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Dirty


def case_mark_dirty_non_leaf(m):
    x = _x(m)
    a = x * 1
    v0 = a._version
    b = _dirty(m).apply(a)
    info = (b is a, a.grad_fn.name(), v0, a._version, graph_structure(b.grad_fn, {id(x): 0}))
    b.sum().backward()
    return info, x.grad


def case_mark_dirty_leaf_that_requires_grad(m):
    _dirty(m).apply(_x(m))


def case_mark_dirty_input_without_grad(m):
    a = _x(m, requires_grad=False)
    b = _dirty(m).apply(a)
    return b is a, b.grad_fn is None, a.requires_grad, a._version, a


def case_mark_dirty_a_view(m):
    x = _x(m)
    a = x * 1
    v = a[0:2]
    b = _dirty(m).apply(v)
    info = (b is v, v.grad_fn.name(), a.grad_fn.name())
    (a * m.tensor([1.0, 10.0, 100.0])).sum().backward()
    return info, x.grad, a


def case_mark_dirty_not_returned(m):
    class DirtyNotReturned(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g
    DirtyNotReturned.apply(_x(m) * 1)


def case_mark_dirty_a_number(m):
    class MD(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g
    MD.apply(_x(m))


def case_mark_non_differentiable_a_number(m):
    class MND(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g
    MND.apply(_x(m))


def case_save_for_backward_a_number(m):
    class SaveInt(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g
    SaveInt.apply(_x(m))


def case_save_for_backward_a_number_without_graph(m):
    class SaveInt(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g
    return SaveInt.apply(_x(m, requires_grad=False))


def _saved(m, log):
    class Saved(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            t = x * 5
            ctx.save_for_backward(None, x, y, t)
            ctx.t = t
            return y

        @staticmethod
        def backward(ctx, g):
            none, x, y, t = ctx.saved_tensors
            log.append((none, x, y, t))
            return g * x + y * 0
    return Saved


def case_saved_tensors_come_back(m):
    log = []
    x = _x(m)
    a = x * 1
    y = _saved(m, log).apply(a)
    saved = y.grad_fn.saved_tensors
    y.sum().backward()
    return saved, saved[1] is a, saved[2] is y, log, x.grad


@pytest.mark.parametrize("what", ["input", "output", "intermediate"])
def test_saved_tensor_changed_in_place_is_torch_error(what):
    def snippet(m):
        log = []
        a = _x(m) * 1
        y = _saved(m, log).apply(a)
        {"input": a, "output": y, "intermediate": y.grad_fn.t}[what].add_(1)
        y.sum().backward()
    assert assert_same(snippet)[0] == "raise"


def case_saved_output_one_of_two_changed(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.save_for_backward(a, b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            a, b = ctx.saved_tensors
            return ga * 2 + gb * 3
    a, b = Two.apply(_x(m))
    b.add_(1)
    a.sum().backward()


def case_inplace_on_the_second_output_keeps_its_edge(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    c = b * 1
    b.add_(1)
    return (graph_structure(b.grad_fn, {id(x): 0}), graph_structure(c.grad_fn, {id(x): 0}),
            b.output_nr)


def case_backward_twice_reads_freed_tensors(m):
    y = _saved(m, []).apply(_x(m) * 1)
    y.sum().backward()
    y.sum().backward()


def case_saved_tensors_after_backward(m):
    y = _saved(m, []).apply(_x(m) * 1)
    y.sum().backward()
    return y.grad_fn.saved_tensors


def case_backward_twice_without_saved_tensors(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    a.sum().backward()
    a.sum().backward()
    return x.grad


def case_retain_graph_keeps_saved_tensors(m):
    x = _x(m)
    y = _saved(m, []).apply(x * 1)
    y.sum().backward(retain_graph=True)
    n_saved = len(y.grad_fn.saved_tensors)
    y.sum().backward()
    return x.grad, n_saved


def _returns(m, grads, n_args=1):
    class R(m.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            return args[0] * 2

        @staticmethod
        def backward(ctx, g):
            return grads(m, g)
    return R


@pytest.mark.parametrize("name, grads, args", [
    ("too-many", lambda m, g: (g, g), lambda m: (_x(m),)),
    ("too-many-nones-are-dropped", lambda m, g: (g, None, None), lambda m: (_x(m),)),
    ("too-few", lambda m, g: g, lambda m: (_x(m), 2.0)),
    ("grad-for-a-number", lambda m, g: (g, g), lambda m: (_x(m), 2.0)),
    ("a-number-for-a-tensor", lambda m, g: 3.0, lambda m: (_x(m),)),
    ("wrong-shape", lambda m, g: m.ones(4), lambda m: (_x(m),)),
    ("scalar-for-a-vector", lambda m, g: g.sum(), lambda m: (_x(m),)),
    ("broadcast-is-summed", lambda m, g: g.expand(2, 3) * 1, lambda m: (_x(m),)),
    ("other-dtype-is-cast", lambda m, g: g.double(), lambda m: (_x(m),)),
    ("none-for-an-input-that-requires-grad", lambda m, g: (g, None), lambda m: (_x(m), _x(m))),
    ("wrong-shape-for-an-input-that-needs-none", lambda m, g: (g, m.ones(5)),
     lambda m: (_x(m), _x(m, requires_grad=False))),
])
def test_what_backward_returns_is_checked_as_torch(name, grads, args):
    def snippet(m):
        inputs = args(m)
        _returns(m, grads).apply(*inputs).sum().backward()
        return _plain_grads(*[t for t in inputs if isinstance(t, m.Tensor)])
    assert_same(snippet)


def case_none_gradient_through_a_chain(m):
    seen = []

    class RetNone(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, None
    x, y = _x(m), _x(m, (3.0, 4.0, 5.0))
    y.register_hook(lambda g: seen.append(("leaf hook", g)))
    y2 = y * 2
    y2.register_hook(lambda g: seen.append(("y2 hook", g)))
    y2.retain_grad()
    RetNone.apply(x, y2).sum().backward()
    return x.grad, y.grad, y2.grad, seen


def case_none_gradient_in_autograd_grad(m):
    class RetNone(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, None
    x, y = _x(m), _x(m, (3.0, 4.0, 5.0))
    allowed = m.autograd.grad(RetNone.apply(x, y).sum(), [x, y], allow_unused=True)
    return allowed, m.autograd.grad(RetNone.apply(x, y).sum(), [x, y])


def case_hooks_and_retain_grad_per_output(m):
    seen = []
    x = _x(m)
    a, b, _ = _two_outputs(m, seen).apply(x, 3.0)
    b.register_hook(lambda g: seen.append(("hook b", g)) or g * 10)
    a.register_hook(lambda g: seen.append(("hook a", g)))
    b.retain_grad()
    a.retain_grad()
    (a.sum() + (b * b).sum()).backward()
    return x.grad, a.grad, b.grad, seen


def case_autograd_grad_with_respect_to_outputs(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    return m.autograd.grad((a * b).sum(), [b, a, x])


def case_backward_inputs_an_output(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    (a * (b * 1)).sum().backward(inputs=[b])
    return _plain_grads(b, x)


def case_vjp_instead_of_backward(m):
    class OnlyVjp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def vjp(ctx, g):
            return g * 5
    x = _x(m)
    OnlyVjp.apply(x).sum().backward()
    return x.grad


def case_vjp_and_backward_both(m):
    class Both(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

        @staticmethod
        def vjp(ctx, g):
            return g
    Both.apply(_x(m)).sum().backward()


def case_no_backward(m):
    class NoBackward(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2
    NoBackward.apply(_x(m)).sum().backward()


def case_no_forward(m):
    class NoForward(m.autograd.Function):
        @staticmethod
        def backward(ctx, g):
            return g
    NoForward.apply(_x(m))


def case_set_materialize_grads_wants_a_bool(m):
    class SMG(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(1)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g
    SMG.apply(_x(m))


def case_calling_an_instance(m):
    class F(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        f = F()
    f(_x(m))


def case_once_differentiable_plain_backward(m):
    seen = []

    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen.append((m.is_grad_enabled(), g.requires_grad))
            return 2 * x * g
    x = _x(m)
    Once.apply(x).sum().backward()
    return x.grad, seen, Once.backward.__name__


def case_function_is_found_where_torch_has_it(m):
    from importlib import import_module
    mod = import_module(m.__name__ + ".autograd.function")
    return (mod.Function is m.autograd.Function, mod.FunctionCtx.__name__,
            callable(mod.once_differentiable), m.autograd.function is mod)


def case_forward_returns_a_list_or_a_number(m):
    class L(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return [x * 2, x * 3]

        @staticmethod
        def backward(ctx, a, b):
            return a

    class Num(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0

        @staticmethod
        def backward(ctx, g):
            return g
    return L.apply(_x(m)), Num.apply(_x(m))


# --- under create_graph: the user's backward is differentiated in its turn -----------------------------
def case_double_backward_through_a_function(m):
    x = _x(m)
    y = _cube_class(m).apply(x, 0.5)
    g, = m.autograd.grad(y.sum(), x, create_graph=True)
    structure = graph_structure(g.grad_fn, {id(x): 0})
    g2, = m.autograd.grad((g * g).sum(), x)
    return g, structure, g2


def case_double_backward_through_two_outputs(m):
    log = []
    x = _x(m)
    a, b, _ = _two_outputs(m, log).apply(x * x, 3.0)
    g, = m.autograd.grad((a * b).sum(), x, create_graph=True)
    structure = graph_structure(g.grad_fn, {id(x): 0})
    g.sum().backward()
    return g, structure, x.grad, [(ga.requires_grad, gb.requires_grad) for _, ga, gb, _ in log]


def case_backward_create_graph_into_grad(m):
    x = _x(m)
    y = _cube_class(m).apply(x, 2.0)
    y.sum().backward(create_graph=True)
    first = x.grad
    (first * first).sum().backward()
    return first, first.grad_fn.name(), x.grad


def _once(m, seen):
    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen.append((m.is_grad_enabled(), g.requires_grad))
            return 2 * x * g
    return Once


def case_once_differentiable_create_graph_without_grad_outputs_needing_grad(m):
    seen = []
    x = _x(m)
    g, = m.autograd.grad(_once(m, seen).apply(x).sum(), x, create_graph=True)
    return g, g.requires_grad, seen


def case_once_differentiable_differentiated_twice(m):
    seen = []
    x = _x(m)
    y = _once(m, seen).apply(x)
    v = m.ones(3, requires_grad=True)
    g, = m.autograd.grad(y, x, v, create_graph=True)
    info = (g, g.grad_fn.name(), type(g.grad_fn).__name__, len(g.grad_fn.next_functions), seen)
    try:
        g.sum().backward()
    except RuntimeError as e:
        return info, str(e)
    return info, None


# --- with torch.autograd.graph: node hooks, gradient edges, saved_tensors_hooks ----------------------
def _saving_two(m):
    class SavingTwo(m.autograd.Function):
        """a, b = exp(x), 3x; saves both outputs and the input"""

        @staticmethod
        def forward(ctx, x):
            a, b = x.exp(), x * 3
            ctx.save_for_backward(a, b, x)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            a, b, x = ctx.saved_tensors
            return ga * a + gb * b * x
    return SavingTwo


def _grads_of(gs):
    return [None if g is None else g.tolist() for g in gs]


def case_node_hooks_of_a_node_of_several_outputs(m):
    log = []
    x = _x(m)
    a, b, _ = _two_outputs(m, log).apply(x, 3.0)
    fn = a.grad_fn
    fn.register_prehook(lambda go: log.append(("prehook", _grads_of(go))))
    fn.register_hook(lambda gi, go: log.append(("hook", _grads_of(gi), _grads_of(go))))
    a.register_hook(lambda g: log.append(("tensor hook a", g)))
    (a * 5).sum().backward()
    return x.grad, log


def case_node_prehook_replaces_the_gradients_of_several_outputs(m):
    log = []
    x = _x(m)
    a, b, _ = _two_outputs(m, log).apply(x, 3.0)
    a.grad_fn.register_prehook(lambda go: (go[0] * 10, m.ones(3), None))
    (a.sum() + b.sum()).backward()
    return x.grad, log


def case_node_prehook_returns_too_few_gradients(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    a.grad_fn.register_prehook(lambda go: (go[0],))
    (a.sum() + b.sum()).backward()
    return x.grad


def case_node_hook_replaces_what_the_function_returned(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    a.grad_fn.register_hook(lambda gi, go: (gi[0] + 100,))  # (one per tensor input)
    (a.sum() + b.sum()).backward()
    return x.grad


def case_node_prehook_sees_none_for_an_output_not_reached(m):
    log = []
    x = _x(m)
    a, b, _ = _two_outputs(m, log).apply(x, 3.0)
    a.grad_fn.register_prehook(lambda go: log.append(("prehook", _grads_of(go))))
    g, = m.autograd.grad(b.sum(), x, create_graph=True)
    return g, g.requires_grad, log


def case_gradient_edge_of_a_second_output(m):
    x = _x(m)
    a, b, _ = _two_outputs(m, []).apply(x, 3.0)
    edge = m.autograd.graph.get_gradient_edge(b)
    return (edge.node is b.grad_fn, edge.output_nr, isinstance(b.grad_fn, m.autograd.graph.Node),
            b.grad_fn.metadata)


def case_saved_tensors_hooks_on_save_for_backward(m):
    log = []
    x = _x(m)

    def pack(t):
        log.append(("pack", t.grad_fn is not None and type(t.grad_fn).__name__, t.requires_grad, t.output_nr))
        return t * 1

    def unpack(t):
        log.append("unpack")
        return t * 10
    with m.autograd.graph.saved_tensors_hooks(pack, unpack):
        a, b = _saving_two(m).apply(x)
    saved = a.grad_fn.saved_tensors
    about = [(t.output_nr, type(t.grad_fn).__name__, t is x, t.requires_grad) for t in saved]
    (a.sum() + b.sum()).backward()
    return x.grad, saved, about, log


def case_saved_tensors_hooks_on_save_for_backward_create_graph(m):
    log = []
    x = m.tensor([1.0, 2.0], requires_grad=True, dtype=m.float64)
    with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("pack") or t,
                                             lambda t: log.append("unpack") or t):
        a, b = _saving_two(m).apply(x)
    g, = m.autograd.grad((a + b * b).sum(), x, create_graph=True)
    g2, = m.autograd.grad(g.sum(), x)
    return g, g2, log


def case_saved_tensors_hooks_not_version_checked(m):
    x = _x(m)
    y = x * 1
    with m.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        a, b, _ = _two_outputs(m, []).apply(y, 3.0)
    y.mul_(5)
    (a.sum() + b.sum()).backward()
    return x.grad


def case_saved_tensors_hooks_unpack_gives_no_tensor(m):
    x = _x(m)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 3):
        a, b = _saving_two(m).apply(x)
    (a.sum() + b.sum()).backward()
    return x.grad


def case_saved_tensors_hooks_freed_after_backward(m):
    x = _x(m)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        a, b = _saving_two(m).apply(x)
    (a.sum() + b.sum()).backward()
    return a.grad_fn.saved_tensors


def case_saved_tensors_hooks_of_a_builtin_op_on_a_second_output(m):
    """what unpacks is the same output of the Function's node again (its edge names output 1)"""
    x = _x(m)
    a, b = _saving_two(m).apply(x)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = b * b
    g, = m.autograd.grad(y.sum(), x, create_graph=True)
    g2, = m.autograd.grad(g.sum(), x)
    return g, g2, graph_structure(g.grad_fn, {id(x): 0})


CASES = {name[5:]: f for name, f in sorted(globals().items()) if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_torch(name):
    assert_same(CASES[name])


def test_instantiating_a_function_warns_as_torch():
    messages = []
    for lib in (torch, ac):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            F()
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[1] == messages[0] and messages[0]


# --- properties: random multi-output Functions ------------------------------------------------------
@PROPS
@given(n_out=st.integers(1, 3), used=st.lists(st.booleans(), min_size=3, max_size=3),
       non_diff=st.lists(st.booleans(), min_size=3, max_size=3), materialize=st.booleans(),
       weights=st.lists(st.integers(-3, 3), min_size=3, max_size=3), seed=st.integers(0, 999))
def test_random_multi_output_functions_match_torch(n_out, used, non_diff, materialize, weights, seed):
    """forward returns x * (i + 1) + y for i < n_out (some marked non-differentiable); a loss uses
    some outputs; backward returns sum_i w_i * g_i (None treated as no term): the gradients of x
    and y, and what backward received, match torch's."""
    values = np.random.default_rng(seed).uniform(-2, 2, size=(2, 3)).astype(np.float32)

    def snippet(m):
        log = []

        class Multi(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.set_materialize_grads(materialize)
                outs = tuple(x * (i + 1) + y for i in range(n_out))
                ctx.mark_non_differentiable(*[o for o, nd in zip(outs, non_diff) if nd])
                return outs

            @staticmethod
            def backward(ctx, *grads):
                log.append(grads)
                total = None
                for w, g in zip(weights, grads):
                    if g is not None:
                        total = g * w if total is None else total + g * w
                return total, total
        x = m.tensor(values[0], requires_grad=True)
        y = m.tensor(values[1], requires_grad=True)
        outs = Multi.apply(x, y)
        outs = outs if isinstance(outs, tuple) else (outs,)
        loss = sum((o * (k + 2)).sum() for k, (o, u) in enumerate(zip(outs, used)) if u and o.requires_grad)
        if isinstance(loss, int):
            return [o.requires_grad for o in outs]
        loss.backward()
        return x.grad, y.grad, log, [o.requires_grad for o in outs]
    assert_same(snippet)
