"""torch.autograd.functional (vjp, jacobian, jvp, hessian, hvp, vhp) against PyTorch 2.13: values,
the return structure (a Tensor or tuples, nested as torch nests them), requires_grad and grad_fn
of the results, and the errors of bad arguments and of strict mode.

Each case is a snippet ``case(m)`` run with ``m = autograd_core`` and with ``m = torch``; results,
or error type and message, must agree (tests/torch_oracle.py).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from torch_oracle import assert_same

PROPS = settings(derandomize=True, deadline=None, max_examples=40, database=None,
                 suppress_health_check=[HealthCheck.too_slow])

X23 = [[0.5, -1.2, 2.0], [0.3, 0.1, -0.7]]
Y3 = [1.5, -0.25, 0.75]


def _x(m, values=X23, requires_grad=False, dtype="float32"):
    return m.tensor(values, dtype=getattr(m, dtype), requires_grad=requires_grad)


def _f(m):
    return m.autograd.functional


VJP = {
    "one-input-one-output": lambda m: _f(m).vjp(lambda a: (a.exp() * 2).sum(1), _x(m), m.tensor([1.0, -2.0])),
    "tuples": lambda m: _f(m).vjp(lambda a, b: (a * b, (a + b).sum()), (_x(m), _x(m, Y3)),
                                  (m.ones(2, 3), m.tensor(2.0))),
    "one-input-in-a-tuple": lambda m: _f(m).vjp(lambda a: a * 3, (_x(m, Y3),), m.ones(3)),
    "v-left-out-for-one-element": lambda m: _f(m).vjp(lambda a: (a ** 2).sum(), _x(m)),
    "v-left-out-for-more": lambda m: _f(m).vjp(lambda a: a ** 2, _x(m)),
    "v-of-another-size": lambda m: _f(m).vjp(lambda a: a ** 2, _x(m), m.ones(3)),
    "v-tuple-too-short": lambda m: _f(m).vjp(lambda a, b: (a * b, b), (_x(m), _x(m, Y3)), (m.ones(2, 3),)),
    "v-tuple-for-one-output": lambda m: _f(m).vjp(lambda a: a * 2, _x(m), (m.ones(2, 3), m.ones(2))),
    "v-entry-of-another-size": lambda m: _f(m).vjp(lambda a, b: (a * b, b), (_x(m), _x(m, Y3)),
                                                   (m.ones(2, 3), m.ones(2))),
    "inputs-as-a-list": lambda m: _f(m).vjp(lambda a: a * 2, [_x(m)]),
    "a-number-among-inputs": lambda m: _f(m).vjp(lambda a, k: a * k, (_x(m), 3.0)),
    "output-a-number": lambda m: _f(m).vjp(lambda a: 3.0, _x(m)),
    "output-independent-of-an-input": lambda m: _f(m).vjp(lambda a, b: a * 2, (_x(m), _x(m, Y3)), m.ones(2, 3)),
    "strict-output-independent-of-an-input": lambda m: _f(m).vjp(
        lambda a, b: a * 2, (_x(m), _x(m, Y3)), m.ones(2, 3), strict=True),
    "strict-output-without-grad": lambda m: _f(m).vjp(lambda a: a.detach(), _x(m), m.ones(2, 3), strict=True),
    "output-without-grad": lambda m: _f(m).vjp(lambda a: a.detach() * 2, _x(m), m.ones(2, 3)),
    "input-that-requires-grad": lambda m: _f(m).vjp(lambda a: a.sin(), _x(m, requires_grad=True), m.ones(2, 3)),
    "under-no-grad": lambda m: _no_grad(m, lambda: _f(m).vjp(lambda a: a * 3, _x(m, Y3), m.ones(3))),
    "float64": lambda m: _f(m).vjp(lambda a: a ** 3, _x(m, Y3, dtype="float64"),
                                   _x(m, [1.0, 2.0, 3.0], dtype="float64")),
    "captured-input-is-not-the-input": lambda m: _captured(m),
}


def _no_grad(m, f):
    with m.no_grad():
        return f()


def _captured(m):
    """The function reads the caller's tensor too: only the argument passed gets a gradient."""
    x = _x(m, Y3, requires_grad=True)
    return _f(m).vjp(lambda a: a * x, x, m.ones(3)), x.grad


JACOBIAN = {
    "one-to-one": lambda m: _f(m).jacobian(lambda a: a.sin() * 3, _x(m, Y3)),
    "two-inputs": lambda m: _f(m).jacobian(lambda a, b: (a * b).sum(0), (_x(m), _x(m, Y3))),
    "two-outputs": lambda m: _f(m).jacobian(lambda a, b: (a * b, b.exp()), (_x(m), _x(m, Y3))),
    "one-input-in-a-tuple": lambda m: _f(m).jacobian(lambda a: (a * 2,), (_x(m, Y3),)),
    "strict-independent": lambda m: _f(m).jacobian(lambda a, b: a * 2, (_x(m, Y3), _x(m, Y3)), strict=True),
    "independent": lambda m: _f(m).jacobian(lambda a, b: a * 2, (_x(m, Y3), _x(m, Y3))),
    "vectorize": lambda m: _f(m).jacobian(lambda a, b: (a * b, b.exp()), (_x(m), _x(m, Y3)), vectorize=True),
    "vectorize-independent": lambda m: _f(m).jacobian(lambda a, b: a * 2, (_x(m, Y3), _x(m, Y3)), vectorize=True),
    "vectorize-strict": lambda m: _f(m).jacobian(lambda a: a * 2, _x(m, Y3), vectorize=True, strict=True),
    "empty-output": lambda m: _f(m).jacobian(lambda a: a[:0], _x(m, Y3)),
    "unknown-strategy": lambda m: _f(m).jacobian(lambda a: a, _x(m, Y3), strategy="sideways"),
    "forward-mode-not-vectorized": lambda m: _f(m).jacobian(lambda a: a, _x(m, Y3), strategy="forward-mode"),
    "forward-mode-strict": lambda m: _f(m).jacobian(lambda a: a, _x(m, Y3), strategy="forward-mode", strict=True),
    "forward-mode-create-graph": lambda m: _f(m).jacobian(lambda a: a, _x(m, Y3), strategy="forward-mode",
                                                          create_graph=True),
    "scalar-output": lambda m: _f(m).jacobian(lambda a: (a * a).sum(), _x(m, Y3)),
    "scalar-input": lambda m: _f(m).jacobian(lambda a: a * m.tensor(Y3), m.tensor(2.0)),
    "integer-output": lambda m: _f(m).jacobian(lambda a: (a > 0).long(), _x(m, Y3)),
    "float64": lambda m: _f(m).jacobian(lambda a: a ** 3, _x(m, Y3, dtype="float64")),
    "bad-input": lambda m: _f(m).jacobian(lambda a: a, (_x(m, Y3), [1.0])),
    "bad-output": lambda m: _f(m).jacobian(lambda a: (a, 2.0), _x(m, Y3)),
    "matrix-product": lambda m: _f(m).jacobian(lambda w, b: _x(m, [[1.0, 2.0], [3.0, -1.0]]) @ w + b,
                                               (_x(m, [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]), _x(m, Y3))),
}


@pytest.mark.parametrize("name", sorted(VJP))
def test_vjp_matches_torch(name):
    assert_same(VJP[name])


@pytest.mark.parametrize("name", sorted(JACOBIAN))
def test_jacobian_matches_torch(name):
    assert_same(JACOBIAN[name])


def test_the_table_holds_errors_and_results():
    """(So that a broken snippet, raising the same error in both libraries, cannot pass unseen.)"""
    from torch_oracle import outcome
    kinds = {name: outcome(f, ac)[0] for name, f in {**VJP, **JACOBIAN}.items()}
    assert kinds["one-input-one-output"] == kinds["two-outputs"] == kinds["vectorize"] == "ok"
    assert kinds["strict-independent"] == kinds["v-of-another-size"] == "raise"
    assert sum(k == "ok" for k in kinds.values()) >= 20


def test_jacobian_forward_mode_is_refused_by_name():
    with pytest.raises(NotImplementedError, match=r'strategy="forward-mode"\) is not supported by autograd_core'):
        ac.autograd.functional.jacobian(lambda a: a, ac.ones(3), strategy="forward-mode", vectorize=True)


def test_functional_is_importable_as_in_torch():
    from autograd_core.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
    assert {f.__name__ for f in (hessian, hvp, jacobian, jvp, vhp, vjp)} == {
        "hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"}
    assert ac.autograd.functional.__all__ == ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# --- properties ------------------------------------------------------------------------------------
SHAPES = st.sampled_from([(3,), (2, 3), (1,), (2, 1, 2), ()])
FUNCTIONS = {
    "poly": lambda m, a, b: a * a * b - 3 * a,
    "exp-mix": lambda m, a, b: (a.exp() * b).sum(-1) if a.dim() else a.exp() * b,
    "tanh-sum": lambda m, a, b: m.tanh(a + b).sum(),
    "two-outputs": lambda m, a, b: (a * b, (a - b) ** 2),
    "broadcast": lambda m, a, b: a * b.sum(),
}


@PROPS
@given(shape=SHAPES, seed=st.integers(0, 10 ** 6), fn=st.sampled_from(sorted(FUNCTIONS)),
       vectorize=st.booleans(), dtype=st.sampled_from(["float32", "float64"]))
def test_random_jacobians_match_torch(shape, seed, fn, vectorize, dtype):
    rng = np.random.default_rng(seed)
    va, vb = rng.uniform(-2, 2, size=shape), rng.uniform(-2, 2, size=shape)

    def snippet(m):
        a, b = (m.tensor(v, dtype=getattr(m, dtype)) for v in (va, vb))
        return _f(m).jacobian(lambda a, b: FUNCTIONS[fn](m, a, b), (a, b), vectorize=vectorize)
    assert_same(snippet)


@PROPS
@given(shape=SHAPES, seed=st.integers(0, 10 ** 6), fn=st.sampled_from(sorted(FUNCTIONS)),
       single=st.booleans())
def test_random_vjps_match_torch(shape, seed, fn, single):
    rng = np.random.default_rng(seed)
    va, vb = rng.uniform(-2, 2, size=shape), rng.uniform(-2, 2, size=shape)

    def snippet(m):
        a, b = m.tensor(va), m.tensor(vb)
        if single:
            def f(a):
                return FUNCTIONS[fn](m, a, m.tensor(vb))
            out = f(a)
            v = tuple(m.ones_like(o) * 0.5 for o in out) if isinstance(out, tuple) else m.ones_like(out) * 0.5
            return _f(m).vjp(f, a, v)
        out = FUNCTIONS[fn](m, a, b)
        v = tuple(m.ones_like(o) * 0.5 for o in out) if isinstance(out, tuple) else m.ones_like(out) * 0.5
        return _f(m).vjp(lambda a, b: FUNCTIONS[fn](m, a, b), (a, b), v)
    assert_same(snippet)


# --- needs create_graph (the double-backward trick, Hessians) ----------------------------------------
CREATE_GRAPH = {
    "jvp": lambda m: _f(m).jvp(lambda a: (a.exp() * 2).sum(1), _x(m), m.ones(2, 3)),
    "jvp-tuples": lambda m: _f(m).jvp(lambda a, b: (a * b, (a + b).sum()), (_x(m), _x(m, Y3)),
                                      (m.ones(2, 3), m.tensor(Y3))),
    "jvp-v-left-out": lambda m: _f(m).jvp(lambda a: a * 3, m.tensor(2.0)),
    "jvp-v-left-out-for-more": lambda m: _f(m).jvp(lambda a: a * 3, _x(m)),
    "jvp-v-of-another-size": lambda m: _f(m).jvp(lambda a: a * 3, _x(m), m.ones(3)),
    "jvp-create-graph": lambda m: _f(m).jvp(lambda a: a.sin() * a, _x(m, requires_grad=True), m.ones(2, 3),
                                            create_graph=True),
    "jvp-strict-independent": lambda m: _f(m).jvp(lambda a, b: a * 2, (_x(m), _x(m)), (m.ones(2, 3), m.ones(2, 3)),
                                                  strict=True),
    "jvp-strict-linear": lambda m: _f(m).jvp(lambda a: a * 2, _x(m), m.ones(2, 3), strict=True),
    "jvp-independent": lambda m: _f(m).jvp(lambda a, b: a * 2, (_x(m), _x(m)), (m.ones(2, 3), m.ones(2, 3))),
    "vjp-create-graph": lambda m: _f(m).vjp(lambda a: (a ** 3).sum(1), _x(m, requires_grad=True),
                                            m.tensor([1.0, -2.0]), create_graph=True),
    "vjp-create-graph-strict-linear": lambda m: _f(m).vjp(lambda a: a * 2, _x(m), m.ones(2, 3), create_graph=True,
                                                          strict=True),
    "jacobian-create-graph": lambda m: _f(m).jacobian(lambda a: a.exp() * a, _x(m, Y3, requires_grad=True),
                                                      create_graph=True),
    "jacobian-create-graph-vectorized": lambda m: _f(m).jacobian(lambda a: (a.exp() * a, a.sum()),
                                                                 _x(m, Y3, requires_grad=True), create_graph=True,
                                                                 vectorize=True),
    "jacobian-create-graph-strict-linear": lambda m: _f(m).jacobian(lambda a: a * 2, _x(m, Y3), create_graph=True,
                                                                    strict=True),
    "hessian": lambda m: _f(m).hessian(lambda a: (a ** 3).sum(), _x(m, Y3)),
    "hessian-matrix": lambda m: _f(m).hessian(lambda a: (a.exp() * a).sum(), _x(m)),
    "hessian-two-inputs": lambda m: _f(m).hessian(lambda a, b: (a * a * b).sum(), (_x(m, Y3), _x(m, Y3))),
    "hessian-vectorized": lambda m: _f(m).hessian(lambda a, b: (a * a * b).sum(), (_x(m, Y3), _x(m, Y3)),
                                                  vectorize=True),
    "hessian-create-graph": lambda m: _f(m).hessian(lambda a: (a ** 3).sum(), _x(m, Y3, requires_grad=True),
                                                    create_graph=True),
    "hessian-of-a-vector": lambda m: _f(m).hessian(lambda a: a ** 2, _x(m, Y3)),
    "hessian-of-a-tuple": lambda m: _f(m).hessian(lambda a: ((a ** 2).sum(),), _x(m, Y3)),
    "hessian-strict-linear": lambda m: _f(m).hessian(lambda a: (a * 2).sum(), _x(m, Y3), strict=True),
    "hessian-strict-quadratic": lambda m: _f(m).hessian(lambda a: (a * a).sum(), _x(m, Y3), strict=True),
    "hessian-linear": lambda m: _f(m).hessian(lambda a: (a * 2).sum(), _x(m, Y3)),
    "hessian-forward-mode": lambda m: _f(m).hessian(lambda a: (a * a).sum(), _x(m, Y3),
                                                    outer_jacobian_strategy="forward-mode"),
    "hessian-bad-strategy": lambda m: _f(m).hessian(lambda a: (a * a).sum(), _x(m, Y3),
                                                    outer_jacobian_strategy="nope"),
    "hvp": lambda m: _f(m).hvp(lambda a: (a ** 3).sum(), _x(m, Y3), m.tensor([1.0, 2.0, -1.0])),
    "hvp-tuples": lambda m: _f(m).hvp(lambda a, b: (a * a * b).sum(), (_x(m, Y3), _x(m, Y3)),
                                      (m.ones(3), m.tensor(Y3))),
    "hvp-create-graph": lambda m: _f(m).hvp(lambda a: (a.exp() * a).sum(), _x(m, requires_grad=True), m.ones(2, 3),
                                            create_graph=True),
    "hvp-vector-output": lambda m: _f(m).hvp(lambda a: a ** 3, _x(m, Y3), m.ones(3)),
    "hvp-tuple-output": lambda m: _f(m).hvp(lambda a: ((a ** 3).sum(),), _x(m, Y3), m.ones(3)),
    "hvp-strict-linear": lambda m: _f(m).hvp(lambda a: (a * 2).sum(), _x(m, Y3), m.ones(3), strict=True),
    "hvp-strict-quadratic": lambda m: _f(m).hvp(lambda a: (a * a).sum(), _x(m, Y3), m.ones(3), strict=True),
    "hvp-v-left-out": lambda m: _f(m).hvp(lambda a: a ** 3, m.tensor(2.0)),
    "vhp": lambda m: _f(m).vhp(lambda a: (a ** 3).sum(), _x(m, Y3), m.tensor([1.0, 2.0, -1.0])),
    "vhp-tuples": lambda m: _f(m).vhp(lambda a, b: (a * a * b).sum(), (_x(m, Y3), _x(m, Y3)),
                                      (m.ones(3), m.tensor(Y3))),
    "vhp-create-graph": lambda m: _f(m).vhp(lambda a: (a.exp() * a).sum(), _x(m, requires_grad=True), m.ones(2, 3),
                                            create_graph=True),
    "vhp-strict-linear": lambda m: _f(m).vhp(lambda a: (a * 2).sum(), _x(m, Y3), m.ones(3), strict=True),
    "vhp-vector-output": lambda m: _f(m).vhp(lambda a: a ** 3, _x(m, Y3), m.ones(3)),
}


@pytest.mark.parametrize("name", sorted(CREATE_GRAPH))
def test_create_graph_functions_match_torch(name):
    assert_same(CREATE_GRAPH[name])


@PROPS
@given(shape=SHAPES, seed=st.integers(0, 10 ** 6), which=st.sampled_from(["hessian", "hvp", "vhp", "jvp"]),
       fn=st.sampled_from(["cube", "exp-prod", "tanh", "poly2"]))
def test_random_second_order_products_match_torch(shape, seed, which, fn):
    rng = np.random.default_rng(seed)
    va, vb, vv = (rng.uniform(-2, 2, size=shape) for _ in range(3))
    scalar = {"cube": lambda m, a, b: (a ** 3 * b).sum(), "exp-prod": lambda m, a, b: (a.exp() * b).sum(),
              "tanh": lambda m, a, b: m.tanh(a * b).sum(), "poly2": lambda m, a, b: (a * a * b - 3 * a * b).sum()}[fn]

    def snippet(m):
        a, b, v = (m.tensor(x, dtype=m.float64) for x in (va, vb, vv))
        if which == "hessian":
            return _f(m).hessian(lambda a, b: scalar(m, a, b), (a, b))
        if which == "jvp":
            return _f(m).jvp(lambda a, b: (scalar(m, a, b), a * b), (a, b), (v, v))
        return getattr(_f(m), which)(lambda a, b: scalar(m, a, b), (a, b), (v, v))
    assert_same(snippet)
