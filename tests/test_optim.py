"""SGD and Adam updates by hand; parameter checks; the fit loop."""

import math
import re

import numpy as np
import pytest

from autonn import Value
from autonn.nn import MLP
from autonn.flatparams import FlatParameters
from autonn.optim import SGD, Adam
from autonn.train import accuracy, eager_step, fit


def params_with_grads(data, grads):
    ps = [Value(d) for d in data]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def test_sgd_step():
    ps = params_with_grads([1.0, -2.0], [0.5, -4.0])
    SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == pytest.approx([0.95, -1.6], rel=1e-15)


def test_sgd_momentum_two_steps_by_hand():
    (p,) = params_with_grads([1.0], [2.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # v = 2, p = 1 - 0.2 = 0.8
    p.grad = 1.0
    opt.step()  # v = 0.9*2 + 1 = 2.8, p = 0.8 - 0.28 = 0.52
    assert math.isclose(p.data, 0.52, rel_tol=1e-12)


def test_adam_two_steps_by_hand():
    (p,) = params_with_grads([1.0], [0.5])
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # step 1: m_hat = g, v_hat = g^2 -> update lr * g / (|g| + eps)
    x1 = 1.0 - 0.01 * 0.5 / (0.5 + 1e-8)
    assert math.isclose(p.data, x1, rel_tol=1e-12)
    p.grad = -1.5
    opt.step()
    m = 0.9 * (0.1 * 0.5) + 0.1 * -1.5
    v = 0.999 * (0.001 * 0.25) + 0.001 * 2.25
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert math.isclose(p.data, x1 - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), rel_tol=1e-12)


def test_zero_grad_and_module_as_params():
    m = MLP(2, [2, 1], seed=0)
    opt = SGD(m, lr=0.1)
    assert opt.params == m.parameters()
    for p in m.parameters():
        p.grad = 1.0
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


def test_parameter_checks():
    a = Value(1.0)
    with pytest.raises(ValueError, match="computed by an op"):
        SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="listed twice"):
        SGD([a, a], lr=0.1)
    with pytest.raises(ValueError, match="no parameters"):
        Adam([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 0 is a float"):
        SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="single Value"):
        SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        SGD([a], lr=0.0)
    with pytest.raises(ValueError, match="momentum must be < 1"):
        SGD([a], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="betas"):
        Adam([a], betas=(0.9, 1.0))


def test_non_finite_gradient_stops_the_step():
    ps = params_with_grads([1.0, 2.0], [0.1, float("nan")])
    ps[1].label = "w1"
    with pytest.raises(FloatingPointError, match=r"parameter 1 \(w1\) is nan"):
        SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == [1.0, 2.0]


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_any_non_finite_gradient_stops_a_flat_step_and_huge_finite_ones_do_not(bad, dtype):
    flat = FlatParameters([Value(1.0), Value(2.0), Value(3.0)], np.array([1.0, 2.0, 3.0], dtype=dtype),
                          np.zeros(3, dtype=dtype))
    huge = 1e200 if dtype == np.float64 else 1e30  # finite, though their squares overflow
    opt = SGD(flat, lr=1.0 / huge)
    flat.grad[:] = [huge, -huge, huge]
    opt.step()
    assert flat.data.tolist() == pytest.approx([0.0, 3.0, 2.0])
    flat.grad[1] = bad
    with pytest.raises(FloatingPointError, match=f"parameter 1 .* is {bad}"):
        opt.step()
    assert flat.data.tolist() == pytest.approx([0.0, 3.0, 2.0])


def test_fit_minimises_a_quadratic_and_logs():
    w = Value(5.0)
    lines = []
    history = fit(eager_step(lambda: (w - 3.0) ** 2), SGD([w], lr=0.1), 50, log_every=10, log=lines.append)
    assert len(history) == 50
    assert history[0] == 4.0
    # each step multiplies (w - 3) by 0.8
    assert math.isclose(w.data, 3.0 + 2.0 * 0.8**50, rel_tol=1e-12)
    assert re.fullmatch(r"epoch  1 of 50  loss 4  \([0-9,.]+(?:e[+-]\d+)? epochs/s, 0\.\d s left\)", lines[0]), lines[0]
    assert len(lines) == 6  # epochs 1, 10, 20, 30, 40, 50


def test_eager_step_rejects_non_values_and_accuracy():
    with pytest.raises(TypeError, match="returned a float"):
        eager_step(lambda: 1.0)()
    assert accuracy([Value(0.5), Value(-2.0), 3.0], [1, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy(np.array([[1.0], [-1.0]]), [-1, -1]) == 0.5


def test_fit_logs_about_ten_lines_by_default_and_checks_arguments():
    w = Value(1.0)
    lines = []
    fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 100, log=lines.append)
    assert [int(line.split()[1]) for line in lines] == [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    with pytest.raises(ValueError, match="log_every must be an int >= 0"):
        fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 3, log_every=-1)
    with pytest.raises(ValueError, match="epochs must be an int >= 0"):
        fit(eager_step(lambda: w * w), SGD([w], lr=0.01), 2.5)
