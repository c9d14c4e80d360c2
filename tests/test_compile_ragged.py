"""Ragged sums (sparse sum groups and scatters into repeated rows): every segment sums its own
items only, whatever their number, with non-finite numbers kept in their own segment."""

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.compiler.backend import NumpyBackend
from autonn.compiler.ragged import TAIL, RaggedSum
from test_compile_nonfinite import INF, NAN, check_rows_and_grads


def naive(seg, n, rows, w, src):
    """Each segment's items added one by one, in their order."""
    out = np.zeros((n,) + src.shape[1:])
    for i in range(seg.size):
        out[seg[i]] = out[seg[i]] + w[i] * src[rows[i]]
    return out


def segments(rng, counts):
    seg = np.repeat(np.arange(len(counts)), counts)
    return seg[rng.permutation(seg.size)]  # items of a segment interleaved with the others'


@pytest.mark.parametrize("counts", [
    [3, 1, 4, 1, 5, 9, 2, 6],  # few segments: all in the reduceat tail
    [2, 3, 2, 8, 4] * 20,  # many short ones: columns only
    [60, 45] + [1, 2, 3, 4, 5] * 30,  # two long segments beside many short ones: columns, then a tail
    [1] * 50,  # one item each
])
def test_a_ragged_sum_equals_the_segment_by_segment_sum(counts):
    rng = np.random.default_rng(len(counts))
    seg = segments(rng, counts)
    n = len(counts)
    src = rng.normal(size=(40, 7))
    rows = rng.integers(0, 40, seg.size)
    w = rng.normal(size=seg.size)
    plan = RaggedSum(seg, n, rows, NumpyBackend(np.float64))
    plan.bind(w[plan.layout].copy())
    got = plan(src, np.empty((n, 7)))
    want = naive(seg, n, rows, w, src)[plan.order]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    if max(counts) > 2 and n > TAIL:
        assert sorted(counts, reverse=True) == [counts[s] for s in plan.order]  # most items first


def test_a_non_finite_item_stays_in_its_own_segment():
    rng = np.random.default_rng(3)
    counts = [70, 50] + [1, 2, 3, 4] * 25
    seg = segments(rng, counts)
    n = len(counts)
    src = rng.normal(size=(30, 5))
    rows = rng.integers(0, 30, seg.size)
    w = rng.normal(size=seg.size)
    src[4, 1], src[9, 3], src[17, 0] = INF, NAN, -INF
    plan = RaggedSum(seg, n, rows, NumpyBackend(np.float64))
    plan.bind(w[plan.layout].copy())
    with np.errstate(all="ignore"):
        got = plan(src, np.empty((n, 5)))
        want = naive(seg, n, rows, w, src)[plan.order]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13, equal_nan=True)
    touched = np.zeros((n, 5), dtype=bool)
    for r, col in ((4, 1), (9, 3), (17, 0)):
        for s in np.unique(seg[rows == r]):
            touched[np.flatnonzero(plan.order == s)[0], col] = True
    assert np.isfinite(got[~touched]).all() and not np.isfinite(got[touched]).any()


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
def test_a_network_of_long_and_short_sums_matches_eager_row_by_row(bad):
    # one wide sum (it reads every row) among many short ones, and rows read by many sums
    rng = np.random.default_rng(9)
    n_in, n_hidden, n_second = 80, 60, 40
    reads = [rng.choice(n_in, size=rng.integers(1, 5), replace=False) for _ in range(n_hidden)]
    second_reads = [rng.choice(n_hidden, size=rng.integers(1, 4), replace=False) for _ in range(n_second)]
    n_weights = sum(len(r) + 1 for r in reads) + n_hidden + n_in + sum(len(r) for r in second_reads) + n_second
    ws = [Value(float(x)) for x in rng.uniform(-1, 1, n_weights)]

    def f(v):
        w = iter(ws)
        hidden = [autonn.sum([next(w) * v[int(j)] for j in r] + [next(w)]).tanh() for r in reads]
        wide = autonn.sum([next(w) * h for h in hidden] + [next(w) * x for x in v])
        second = [autonn.sum([next(w) * hidden[int(j)] for j in r]).sigmoid() for r in second_reads]
        return wide.tanh() + autonn.sum([next(w) * s for s in second])

    X = rng.uniform(-1, 1, (6, n_in))
    X[1, 0] = bad
    X[4, 3] = bad
    step = check_rows_and_grads(f, ws, X, f"long and short sums with {bad}")
    assert f"{n_second + 1} x sum as a ragged sum" in step.summary()  # the wide sum among the short ones
