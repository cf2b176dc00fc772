"""Random student programs give the same values, grads, grad_fn names, dtypes and errors under
autograd_core as under torch 2.13 (the differential fuzzer of tests/fuzz_programs.py, driven by
hypothesis: a failure is shrunk and printed as a program to paste).

CI runs a bounded, derandomized set of programs (the same ones every run). `make fuzz N=20000` runs
as many seeded programs as asked, with every area of the generator on, and groups what it finds.
"""
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import torch

import autograd_core
import fuzz_programs as fuzz
from test_fuzz_regressions import PROGRAMS

# Areas of the generator kept out of the CI run because the engine still gets them wrong, each with
# the regression program (test_fuzz_regressions.py, xfail until fixed) that shows its main bug; all
# are on in `make fuzz`. When that program passes, the area comes back into the CI run
# (test_known_broken_areas_are_still_broken says so).
KNOWN_BROKEN = {
    "bool": ("bool-subtraction-is-refused", "bool arithmetic accepted (-b, b - b, x - True, abs/floor/relu/"
                                            "softmax/matmul of bool) or numpy's errors"),
    "int": ("clamp-of-int-by-a-float-is-float32", "int64 with a float gives float64 (clamp, rsub, reciprocal), "
                                                  "int ** negative int, softmax/norm of int accepted"),
    "errors": ("duplicate-dims-message", "wrong calls get numpy's error types and wordings (duplicate dims, "
                                         "broadcasting, copy_ shapes, mv, outer, tril)"),
    "nan": ("sign-of-nan-is-zero", "sign(nan), gradients of abs/pow/clamp/relu/max/minimum at NaN and inf"),
    "empty": ("reductions-of-empty-tensors", "logsumexp/argmax/max(dim)/norm(inf)/chunk/matmul of empty tensors"),
    "inplace_with_views": ("view-grad-fn-after-inplace-on-its-base", "in-place on views or bases with views: "
                           "grad_fn names, views of leaves, multi-output views, expanded tensors"),
    "flip": ("flip-writes-into-its-input", "flip() returns a view: writing into it writes into the input"),
    "dim_of_scalar": ("dim-argument-on-a-0d-tensor", "x.sum(0), x.max(-1), x.cumsum(0), x.norm(dim=0) of a "
                                                     "0-d x: numpy's AxisError or another shape"),
    "rounding_ops": ("floor-divide-of-a-tensor-that-requires-grad", "x // y, x % y, sign(x) of a tensor that "
                                                                    "requires grad do not require grad"),
}

# Narrower known bugs, recognised by what differs: a CI program whose first difference is one of
# these passes (the bug is documented, and its regression test fails the moment it is fixed). Each
# recogniser must recognise the difference in the regression program of the same name
# (test_known_findings_are_still_wrong), so an entry cannot outlive its bug.
class Differs:
    """A first difference of one of `kinds` whose description matches `detail` after a statement
    matching `statement` (regexes); `nan`: only in a program that holds a NaN or an infinity."""

    def __init__(self, kinds, detail="", statement="", nan=False):
        self.kinds, self.detail, self.statement, self.nan = set(kinds), detail, statement, nan

    def __call__(self, run):
        m = run.mismatch
        return (m.kind in self.kinds and re.search(self.detail, m.detail) is not None
                and re.search(self.statement, run.statements[m.index].code) is not None
                and (not self.nan or _has_nan(run)))


def _has_nan(run):
    return any(isinstance(v, torch.Tensor) and v.is_floating_point() and not torch.isfinite(v).all()
               for v in run.theirs.values())


SAVED_CHANGED = "one of the variables needed for gradient computation has been modified by an inplace"
KNOWN_FINDINGS = {
    "setitem-of-a-number-into-everything-is-fill": Differs({"grad_fn"}, r"'CopySlices' vs torch 'FillBackward3'"),
    "setitem-of-a-0d-tensor-is-copy": Differs({"grad_fn"}, r"'CopySlices' vs torch 'CopyBackwards'"),
    # the error that names a saved tensor modified in place names another tensor or node than torch's
    "saved-tensor-error-names-the-node": Differs({"error message"}, SAVED_CHANGED + r".*\n.*" + SAVED_CHANGED),
    "view-requires-grad-after-base-requires-grad": Differs({"requires_grad"}, r"False vs torch True",
                                                           r"requires_grad_\(\)"),
    "view-joins-the-graph-with-its-base": Differs({"requires_grad"}, r"False vs torch True", r"_\(|\] = "),
    # (autograd.grad leaves every leaf's .grad alone: a .grad that differs after it is a retained one)
    "retain-grad-filled-by-autograd-grad": Differs({"grad"}, r"", r"autograd\.grad"),
    "std-of-one-element-backward": Differs({"raises only in autograd_core"}, r"ZeroDivisionError", r"backward|grad"),
    # gradients where a NaN or an infinity is involved: one NaN rule per derivative (issue 11, item 5)
    "relu-gradient-at-nan": Differs({"grad", "values"}, r"", r"backward|grad", nan=True),
    "clamp-gradient-where-clamped": Differs({"grad"}, r"\(nan\) vs torch np\.float\d+\(-?[\d.e+-]+\)",
                                            r"backward|grad"),
    "comparison-with-a-float64-scalar-tensor": Differs({"values"}, r"np\.(True|False)_ vs torch np\.(True|False)_"),
    "argmax-and-max-of-empty-message": Differs({"error type"},
                                               r"empty sequence\n.*(Expected reduction dim|to have non-zero size)"),
    "chunk-of-an-empty-tensor-is-split-with-sizes": Differs({"grad_fn"}, r"'SplitBackward0' vs torch 'SplitWithSizes"),
    "view-grad-fn-after-no-grad-inplace-on-a-leaf": Differs({"grad_fn"}, r"vs torch 'AsStridedBackward0'"),
    "tanh-result-modified-twice-is-noticed": Differs({"raises only in torch"}, SAVED_CHANGED),
    "reductions-of-empty-tensors": Differs({"raises only in autograd_core"}, r"zero-size array|not enough values"),
    "matmul-of-empty-matrices": Differs({"raises only in autograd_core"}, r"is invalid for input of size 0",
                                        r"@|matmul|linear"),
    "prod-of-an-empty-tensor-backward": Differs({"raises only in autograd_core"}, r"cannot reshape array of size",
                                                r"backward|grad"),
    "hook-returning-none-for-an-unused-grad": Differs({"raises only in torch"}, r"'NoneType'", r"backward|grad"),
    "index-put-of-another-dtype-is-refused": Differs({"raises only in torch"}, r"Index put requires the source"),
    "autograd-grad-twice-without-saved-tensors": Differs({"raises only in autograd_core"},
                                                         r"backward through the graph a second time"),
    "multi-output-view-after-its-base-changed": Differs({"is_leaf", "grad_fn", "grad"},
                                                        r"Output \d+ of \w+ is a view and its base"),
    "setitem-from-overlapping-memory-is-refused": Differs({"raises only in torch"},
                                                          r"refer to a single memory location"),
    "expand-as-message-names-the-dimension": Differs({"error message"}, r"The expanded size of the tensor"),
    "inplace-on-a-view-of-a-leaf-message": Differs({"error message"}, r": a leaf Variable .*\n.*: a view of a leaf"),
    "view-of-a-function-of-an-expanded-tensor": Differs({"raises only in autograd_core"},
                                                        r"view size is not compatible"),
}


def known_finding(run):
    """The name of the documented bug a run's first difference is, or None."""
    return next((name for name, differs in KNOWN_FINDINGS.items() if differs(run)), None)


CI_OPTIONS = fuzz.Options(areas=frozenset(fuzz.AREAS) - set(KNOWN_BROKEN))
CI_PROGRAMS = 1200  # ~15 s on the 2-core development machine under load (hypothesis statistics)

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=CI_PROGRAMS,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],  # (no "explain": the program says it)
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(st.randoms(use_true_random=False))
def test_random_programs_match_torch(rng):
    run = fuzz.generate(fuzz.RandomChoices(rng), CI_OPTIONS)
    if run.mismatch is not None and known_finding(run) is None:
        # (hypothesis shrinks the draws; then statements are dropped one by one)
        small = fuzz.run_statements(fuzz.shrink(run.statements, run.mismatch.kind))
        pytest.fail("autograd_core differs from torch in this program:\n\n" + fuzz.render(small), pytrace=False)


def test_known_broken_areas_are_real_areas():
    assert set(KNOWN_BROKEN) <= set(fuzz.AREAS)


@pytest.mark.parametrize("area", sorted(KNOWN_BROKEN))
def test_known_broken_areas_are_still_broken(area):
    """The regression program of each area kept out of CI still differs: once it does not, the
    area goes back into the CI run."""
    name = KNOWN_BROKEN[area][0]
    program = {p.id: p.values[0] for p in PROGRAMS}[name]
    run = fuzz.run_statements(fuzz.statements_from_text(program))
    assert run.mismatch is not None, f"{name} is fixed: take {area!r} out of KNOWN_BROKEN"


@pytest.mark.parametrize("name", sorted(KNOWN_FINDINGS))
def test_known_findings_are_still_wrong(name):
    """Each known finding still differs as recognised, in its own regression program: a fixed bug
    comes off the list (and off KNOWN_BROKEN's reasons), and a pattern that matches nothing fails."""
    program = {p.id: p.values[0] for p in PROGRAMS}[name]
    run = fuzz.run_statements(fuzz.statements_from_text(program))
    assert run.mismatch is not None, f"{name} is fixed: remove it from KNOWN_FINDINGS"
    assert known_finding(run) == name, run.mismatch


# --- the fuzzer can fail: a bug planted in the engine is found, as the kind of difference it is -------
def _first_mismatch(limit=300):
    for seed in range(limit):
        run = fuzz.generate(fuzz.RandomChoices(seed), CI_OPTIONS)
        if run.mismatch is not None:
            return run.mismatch
    return None


def test_a_wrong_value_is_found(monkeypatch):
    exp = autograd_core.Tensor.exp
    monkeypatch.setattr(autograd_core.Tensor, "exp", lambda self: exp(self + 1e-3))
    monkeypatch.setattr(autograd_core, "exp", lambda x: exp(x + 1e-3))
    assert _first_mismatch().kind == "values"


def test_a_wrong_gradient_is_found(monkeypatch):
    grad = autograd_core.Tensor.grad

    def scaled(self):
        g = grad.fget(self)
        return None if g is None else g.detach() * 1.001
    monkeypatch.setattr(autograd_core.Tensor, "grad", property(scaled, grad.fset))
    assert _first_mismatch().kind == "grad"


def test_an_error_torch_does_not_raise_is_found(monkeypatch):
    def broken_view(self, *shape):
        raise RuntimeError("view is broken")
    monkeypatch.setattr(autograd_core.Tensor, "view", broken_view)
    assert _first_mismatch().kind == "raises only in autograd_core"
