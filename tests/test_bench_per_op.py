"""bench/bench_per_op.py times single statements of bench_engine's regression and small MLP on both
libraries: each row must run on both, on the state it names, and compute the same thing."""
import sys
from pathlib import Path

import pytest

from torch_oracle import assert_close

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_per_op  # noqa: E402  (its one thread is set when it runs, not when imported)

ROWS = [(make_state, label, stmt) for make_state, rows in [(bench_per_op.regression_state, bench_per_op.REGRESSION),
                                                          (bench_per_op.mlp_state, bench_per_op.MLP)]
        for label, stmt in rows]


_CANCELLED = "the MLP's inputs to this op come from matmuls whose last bits differ, through a cancellation"


@pytest.mark.parametrize("make_state, label, stmt", ROWS, ids=[f"{r[0].__name__}: {r[1]}" for r in ROWS])
def test_each_row_runs_on_both_libraries_and_agrees(make_state, label, stmt):
    states = [make_state(lib) for lib in (bench_per_op.autograd_core, bench_per_op.torch)]
    for state in states:
        exec(compile(f"_result = {stmt}" if "\n" not in stmt and "=" not in stmt else stmt, "<row>", "exec"), state)
    ours, theirs = states
    # (each library computes the MLP's intermediates itself: its matmuls' last bits differ from
    # torch's, and h1 @ w2 + b2 cancels to values near 0, where that is a larger relative difference)
    tolerance = dict(loosen=100, because=_CANCELLED) if make_state is bench_per_op.mlp_state else {}
    if "_result" in ours:  # a single op: the same values
        assert_close(ours["_result"], theirs["_result"], label, **tolerance)
    leaves = ["w", "b"] if "params" not in ours else []
    for a, b in zip([ours[n] for n in leaves] + ours.get("params", []),
                    [theirs[n] for n in leaves] + theirs.get("params", [])):  # the leaves a row writes to
        assert_close(a, b, label, **tolerance)
