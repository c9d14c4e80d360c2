"""Training steps over a data set: eager (train.mean_loss_step) and compiled (step_on) agree."""

import math

import numpy as np
import pytest

import autonn
from autonn.nn import MLP
from autonn.train import mean_loss_step


def _setup():
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.normal(size=(7, 2)), rng.choice([-1.0, 1.0], size=7)])

    def sample_loss(row):
        (score,) = model(row[:2])
        return (score - row[2]) ** 2

    return model, data, sample_loss


def test_mean_loss_step_fills_grads_with_the_mean_loss_gradient():
    model, data, sample_loss = _setup()
    params = model.parameters()
    step = mean_loss_step(sample_loss, data)
    loss = step()
    # reference: each sample's loss gradient from grad(), averaged by hand
    per_sample = [autonn.grad(sample_loss(list(row)), params) for row in data]
    want = np.mean(per_sample, axis=0)
    want_loss = np.mean([sample_loss(list(row)).data for row in data])
    assert math.isclose(loss, want_loss, rel_tol=1e-12)
    np.testing.assert_allclose([p.grad for p in params], want, rtol=1e-12, atol=1e-15)


def test_compiled_step_on_matches_the_eager_step_and_accumulates():
    model, data, sample_loss = _setup()
    params = model.parameters()
    eager_loss = mean_loss_step(sample_loss, data)()
    eager = [p.grad for p in params]
    model.zero_grad()
    step = autonn.compile(sample_loss, params, n_inputs=3).step_on(data)
    assert math.isclose(step(), eager_loss, rel_tol=1e-12)
    np.testing.assert_allclose([p.grad for p in params], eager, rtol=1e-12, atol=1e-15)
    step()  # like backward(): gradients add up until zero_grad()
    np.testing.assert_allclose([p.grad for p in params], 2 * np.array(eager), rtol=1e-12, atol=1e-15)


def test_bad_data_is_named():
    model, _, sample_loss = _setup()
    with pytest.raises(ValueError, match=r"mean_loss_step: .*2-D.*\(3,\)"):
        mean_loss_step(sample_loss, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        autonn.compile(sample_loss, model.parameters(), n_inputs=3).step_on(np.zeros((4, 2)))


def test_collector_paused_restores_the_collector():
    import gc

    from autonn.mode import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "a collector the user turned off stays off"
    finally:
        gc.enable()


def test_fit_runs_each_step_with_the_collector_paused():
    import gc

    from autonn.optim import SGD
    from autonn.train import fit

    w = autonn.Value(1.0)
    seen = []

    def step():
        seen.append(gc.isenabled())
        loss = (w - 3.0) ** 2
        loss.backward()
        return loss.data

    history = fit(step, SGD([w], lr=0.25), 3, log_every=0)
    assert seen == [False, False, False] and gc.isenabled()
    assert history[0] == 4.0 and math.isclose(w.data, 3.0 - 2.0 * 0.5 ** 3)


def test_batch_step_is_the_eager_or_the_compiled_step():
    from autonn.compiler import batch_step

    model, data, sample_loss = _setup()
    params = model.parameters()
    losses, grads = [], []
    for compiled in (False, True):
        model.zero_grad()
        losses.append(batch_step(sample_loss, params, data, compiled=compiled)())
        grads.append([p.grad for p in params])
    assert math.isclose(losses[0], losses[1], rel_tol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="batch_step: data must be a 2-D array"):
        batch_step(sample_loss, params, [1.0, 2.0], compiled=True)
