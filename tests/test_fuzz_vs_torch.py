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
KNOWN_BROKEN = {}

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


KNOWN_FINDINGS = {}


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


def test_known_broken_areas_are_still_broken():
    """The regression program of each area kept out of CI still differs: once it does not, the
    area goes back into the CI run. (One test, not one per area: with no area out, nothing skips.)"""
    programs = {p.id: p.values[0] for p in PROGRAMS}
    for area, (name, *_) in sorted(KNOWN_BROKEN.items()):
        run = fuzz.run_statements(fuzz.statements_from_text(programs[name]))
        assert run.mismatch is not None, f"{name} is fixed: take {area!r} out of KNOWN_BROKEN"


def test_known_findings_are_still_wrong():
    """Each known finding still differs as recognised, in its own regression program: a fixed bug
    comes off the list (and off KNOWN_BROKEN's reasons), and a pattern that matches nothing fails.
    (One test, not one per finding: with no finding listed, nothing skips.)"""
    programs = {p.id: p.values[0] for p in PROGRAMS}
    for name, recognises in sorted(KNOWN_FINDINGS.items()):
        run = fuzz.run_statements(fuzz.statements_from_text(programs[name]))
        assert run.mismatch is not None, f"{name} is fixed: remove it from KNOWN_FINDINGS"
        assert recognises(run), run.mismatch


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


def _statements(*lines):
    """(tag, touches_all, code) triples as the generator's Statements."""
    return [fuzz.Statement(code, tag, touches_all) for tag, touches_all, code in lines]


def test_a_sum_keeps_its_allowance_when_compared_again():
    # fuzz seed 65537 #11074: the BLAS libraries add a @ b's four terms in different orders, so the
    # cancelling sum is 1.2e-07 here and 0 in torch; accepted as a sum (SUM_LOOSEN) at its statement,
    # it must be accepted again when the in-place statement compares every variable
    statements = _statements(
        ("leaf", False, "a = torch.tensor([1.0, 3.0, -2.0, -2.0], requires_grad=True)"),
        ("leaf", False, "b = torch.full((4, 1), -1.9, requires_grad=True)"),
        ("matmul @", False, "c = torch.matmul(a, b)"),
        ("unary", False, "k = a * 1"),
        ("inplace", True, "k *= torch.tensor(-1.0)"))
    assert fuzz.run_statements(statements[:3]).mismatch is None
    assert fuzz.run_statements(statements).mismatch is None
    # ... and only for the variable the sum made: a wrong value elsewhere is still found
    wrong = statements + _statements(("unary", True, "c = c * 1 + (1e-4 if 'autograd_core' in str(torch) else 0)"))
    assert fuzz.run_statements(wrong).mismatch is not None
