"""Rows are independent: an inf or nan in one sample or one input never reaches another
sample's result, nor a term that is structurally zero in a matrix product."""

import numpy as np
import pytest

import autonn
from autonn import Value
from autonn.compiler import compile
from autonn.nn import MLP, Network
from compile_graphs import RandomGraph, eager_loss_and_grads

INF, NAN = float("inf"), float("nan")


def assert_same(got, want, what):
    """Equal to 1e-12 where finite, and the same inf (with its sign) or nan elsewhere."""
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=1e-12, atol=1e-12,
                               equal_nan=True, err_msg=what)


def eager_rows(loss_fn, X):
    return [loss_fn([Value(float(x)) for x in row]).data for row in X]


def check_rows_and_grads(loss_fn, params, X, what):
    step = compile(loss_fn, params, X.shape[1])
    with np.errstate(all="ignore"):
        assert_same(step.evaluate(X), eager_rows(loss_fn, X), f"{what}: outputs row by row")
        loss, grads = step(X)
    want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X)
    assert_same(loss, want_loss, f"{what}: loss")
    assert_same(grads, want_grads, f"{what}: gradients")
    return step


def test_the_reported_case_tanh_plus_sigmoid_with_an_inf_input():
    w0, b0, w1, b1 = Value(0.3), Value(-0.1), Value(0.7), Value(0.2)

    def f(v):
        return autonn.sum([w0 * v[0], b0]).tanh() + autonn.sum([w1 * v[1], b1]).sigmoid()

    step = compile(f, [w0, b0, w1, b1], 2)
    loss, grads = step(np.array([[0.5, INF]]))
    t = np.tanh(0.3 * 0.5 - 0.1)
    assert loss == pytest.approx(t + 1.0, rel=1e-14)  # sigmoid(inf) = 1, by hand
    assert grads[0] == pytest.approx((1 - t * t) * 0.5, rel=1e-14)  # d/dw0 untouched by the inf
    assert grads[1] == pytest.approx(1 - t * t, rel=1e-14)
    check_rows_and_grads(f, [w0, b0, w1, b1], np.array([[0.5, INF], [0.2, -INF], [NAN, 1.0], [0.1, 0.4]]),
                         "tanh + sigmoid")


def test_a_bad_row_leaves_the_other_rows_alone():
    # (to rounding: the matrix library may block a product differently for another batch size)
    net = MLP(3, [8, 8, 1], seed=1)
    rg = RandomGraph(3, n_steps=40)
    cases = [(lambda v: net(v)[0].tanh(), net.parameters(), 3), (rg.loss_fn, rg.params, rg.n_inputs)]
    for loss_fn, params, n in cases:
        step = compile(loss_fn, params, n)
        good = np.random.default_rng(0).uniform(-1, 1, (5, n))
        clean = step.evaluate(good)
        for bad in (INF, -INF, NAN):
            for col in range(n):
                X = np.vstack([good[:2], np.full((1, n), 0.3), good[2:]])
                X[2, col] = bad
                with np.errstate(all="ignore"):
                    out = step.evaluate(X)
                assert_same(np.r_[out[:2], out[3:]], clean, f"{bad} in column {col}")


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
def test_sparse_layers_and_networks_match_eager_row_by_row(bad):
    # each sum reads a few of many inputs: the matrix has structural zeros
    rng = np.random.default_rng(2)
    ws = [Value(float(x)) for x in rng.uniform(-1, 1, 12)]

    def f(v):
        a = autonn.sum([ws[0] * v[0], ws[1] * v[1], ws[2]]).tanh()
        b = autonn.sum([ws[3] * v[2], ws[4] * v[3], ws[5]]).sigmoid()
        c = autonn.sum([ws[6] * v[0], ws[7] * v[3], 2.0 * v[1], ws[8]]).tanh()
        return autonn.sum([ws[9] * a, ws[10] * b, ws[11] * c])

    X = rng.uniform(-1, 1, (6, 4))
    X[1, 0] = bad
    X[3, 3] = bad
    X[4, 2] = bad
    check_rows_and_grads(f, ws, X, f"sparse sums with {bad}")

    net = Network(["x1", "x2", "x3"], seed=4, activation="tanh")
    net.add("h1", ["x1", "x2"])
    net.add("h2", ["x3"], "sigmoid")
    net.add("h3", ["h1", "x2"], "relu")
    net.add("out", ["h3", "h2", "x1"], "linear")
    net.outputs = ["out"]
    Xn = rng.uniform(-1, 1, (5, 3))
    Xn[0, 2] = bad
    Xn[2, 0] = bad
    check_rows_and_grads(lambda v: net(v)[0], net.parameters(), Xn, f"Network with {bad}")


def test_random_graphs_with_non_finite_inputs_match_eager_row_by_row():
    for seed in range(6):
        rg = RandomGraph(seed, n_steps=30)
        X = rg.batch(5, seed)
        X[seed % 5, seed % rg.n_inputs] = (INF, -INF, NAN)[seed % 3]
        check_rows_and_grads(rg.loss_fn, rg.params, X, f"random graph {seed}")


def test_an_inf_gradient_does_not_reach_inputs_outside_its_sum():
    # d/dx of sqrt at 0 is inf: it flows back into one sum only
    w = [Value(0.5), Value(-0.4), Value(0.9)]

    def f(v):
        a = autonn.sum([w[0] * v[0], w[1]])
        b = autonn.sum([w[2] * v[1]])
        return (a * a).sqrt() + b.tanh()

    check_rows_and_grads(f, w, np.array([[0.8, 0.3], [0.1, -0.2]]), "finite")
    check_rows_and_grads(f, w, np.array([[0.8, 0.3], [0.8, -0.2]]), "an inf gradient in one row")
