"""dtype=np.float32: the whole step in single precision, within the documented 1e-5 of float64."""

import numpy as np
import pytest

import autonn
from autonn.compiler import compile
from autonn.nn import MLP
from autonn.optim import SGD
from compile_graphs import RandomGraph, assert_close, eager_loss_and_grads
from test_compile_step_state import l2_loss, moons


def check_float32(loss_fn, params, X, what, rtol=1e-5):
    step = compile(loss_fn, params, X.shape[1], dtype=np.float32)
    loss, grads = step(X)
    assert grads.dtype == np.float32 and step.flat.data.dtype == np.float32
    want_loss, want_grads = eager_loss_and_grads(loss_fn, params, X)
    assert_close(loss, want_loss, f"{what}: loss", rtol=rtol)
    assert_close(grads, want_grads, f"{what}: gradients", rtol=rtol)
    # and it really is single precision: float64 agrees far more closely than float32 can
    exact = compile(loss_fn, params, X.shape[1])(X)[1]
    assert np.max(np.abs(exact - want_grads)) < 1e-12 < np.max(np.abs(grads - want_grads))
    return step


def test_an_mlp_with_an_l2_term_matches_float64_to_1e_5():
    model = MLP(2, [16, 16, 1], seed=1)
    check_float32(l2_loss(model, 0.01, True), model.parameters(), moons(60), "MLP + L2")


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs_match_float64_to_1e_5(seed):
    rg = RandomGraph(seed, n_steps=30)
    check_float32(rg.loss_fn, rg.params, rg.batch(9, seed), f"random graph {seed}")


def test_training_in_float32_follows_float64_training():
    X = moons(40)
    runs = []
    for dtype in (np.float64, np.float32):
        model = MLP(2, [8, 1], seed=3)
        step = compile(l2_loss(model, 0.001, True), model.parameters(), 3, dtype=dtype)
        opt = SGD(step.flat, lr=0.05, momentum=0.5)
        with step.flat.held():
            for _ in range(20):
                step(X)
                opt.step()
        runs.append(np.array([p.data for p in model.parameters()]))
    assert_close(runs[1], runs[0], "parameters after 20 steps", rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128", "nonsense"])
def test_other_dtypes_are_refused_by_name(dtype):
    w = autonn.Value(1.0)
    with pytest.raises(ValueError, match="compile: dtype must be numpy.float64 or numpy.float32"):
        compile(lambda v: w * v[0], [w], 1, dtype=dtype)
