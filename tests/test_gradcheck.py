"""gradcheck: passes correct gradients, reports wrong ones as a readable table."""

import math

import pytest

import autonn
from autonn import GradcheckError, Value, gradcheck
from autonn.gradcheck import numeric_grad


def test_passes_on_smooth_functions():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (1 + b * b), [0.3, -1.2])
    assert gradcheck(lambda a: a ** 3 - 2 * a, [Value(1.7)])


def test_numeric_grad_matches_closed_form():
    (g,) = numeric_grad(lambda a: a.sin(), [0.4])
    assert math.isclose(g, math.cos(0.4), rel_tol=1e-8)


def test_reports_a_mismatch_at_a_kink():
    # relu at exactly 0: autograd says 0, the central difference sees 0.5.
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a.relu() + b * 2, [0.0, 1.0])
    message = str(info.value)
    assert "analytic" in message and "numeric" in message and "difference" in message
    lines = message.splitlines()
    x0 = next(line for line in lines if line.strip().startswith("x0"))
    x1 = next(line for line in lines if line.strip().startswith("x1"))
    assert "mismatch" in x0 and "0.5" in x0
    assert "mismatch" not in x1


def test_uses_labels_of_value_inputs():
    with pytest.raises(GradcheckError, match="bias"):
        gradcheck(lambda a: a.relu(), [Value(0.0, label="bias")])


def test_leaves_input_grads_alone():
    w = Value(0.5)
    gradcheck(lambda a: a * a, [w])
    assert w.grad == 0.0


def test_bad_arguments():
    assert gradcheck(lambda a, b: a * b, (v for v in [1.0, 2.0]))
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: 3.0, [1.0])
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda a: a, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda a: a, ["x"])


def test_is_exported():
    assert autonn.gradcheck is gradcheck
