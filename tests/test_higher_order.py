"""grad(create_graph=True): derivatives of derivatives against closed forms."""

import math

import pytest

from autonn import Value, grad


def test_second_derivative_of_cube():
    x = Value(2.0)
    (d1,) = grad(x ** 3, [x], create_graph=True)
    assert isinstance(d1, Value) and d1.data == 12.0  # 3x^2
    (d2,) = grad(d1, [x], create_graph=True)
    assert d2.data == 12.0  # 6x
    (d3,) = grad(d2, [x])
    assert d3 == 6.0


@pytest.mark.parametrize("x0", [-1.3, -0.2, 0.0, 0.7, 2.1])
def test_second_derivative_of_tanh(x0):
    x = Value(x0)
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    t = math.tanh(x0)
    assert math.isclose(d1.data, 1 - t * t, rel_tol=1e-14)
    assert math.isclose(d2, -2 * t * (1 - t * t), rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(
    "method, d2",
    [
        ("sin", lambda x: -math.sin(x)),
        ("cos", lambda x: -math.cos(x)),
        ("exp", math.exp),
        ("log", lambda x: -1 / x ** 2),
        ("sqrt", lambda x: -0.25 * x ** -1.5),
        ("sigmoid", lambda x: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + math.exp(-x)))),
        ("softplus", lambda x: (lambda s: s * (1 - s))(1 / (1 + math.exp(-x)))),
        ("log1p", lambda x: -1 / (1 + x) ** 2),
    ],
)
def test_second_derivatives_of_elementary_functions(method, d2):
    x0 = 0.8
    x = Value(x0)
    (d1,) = grad(getattr(x, method)(), [x], create_graph=True)
    (got,) = grad(d1, [x])
    assert math.isclose(got, d2(x0), rel_tol=1e-10)


def test_hessian_of_two_variable_function():
    # f(x, y) = x^2 y + sin(x y) + y^3 / x
    x0, y0 = 1.5, -0.7
    x, y = Value(x0), Value(y0)
    f = x * x * y + (x * y).sin() + y ** 3 / x
    gx, gy = grad(f, [x, y], create_graph=True)
    hxx, hxy = grad(gx, [x, y])
    hyx, hyy = grad(gy, [x, y])
    s, c = math.sin(x0 * y0), math.cos(x0 * y0)
    want_gx = 2 * x0 * y0 + y0 * c - y0 ** 3 / x0 ** 2
    want_gy = x0 ** 2 + x0 * c + 3 * y0 ** 2 / x0
    want_hxx = 2 * y0 - y0 ** 2 * s + 2 * y0 ** 3 / x0 ** 3
    want_hxy = 2 * x0 + c - x0 * y0 * s - 3 * y0 ** 2 / x0 ** 2
    want_hyy = -(x0 ** 2) * s + 6 * y0 / x0
    assert math.isclose(gx.data, want_gx, rel_tol=1e-12)
    assert math.isclose(gy.data, want_gy, rel_tol=1e-12)
    assert math.isclose(hxx, want_hxx, rel_tol=1e-12)
    assert math.isclose(hxy, want_hxy, rel_tol=1e-12)
    assert math.isclose(hyx, want_hxy, rel_tol=1e-12)
    assert math.isclose(hyy, want_hyy, rel_tol=1e-12)


def test_value_exponent_second_derivative():
    # d^2/dy^2 of 2^y = 2^y ln(2)^2
    y = Value(1.5)
    (d1,) = grad(2 ** y, [y], create_graph=True)
    (d2,) = grad(d1, [y])
    assert math.isclose(d2, 2 ** 1.5 * math.log(2) ** 2, rel_tol=1e-12)


def test_created_graph_can_be_backpropagated_with_backward():
    x = Value(0.5)
    (d1,) = grad((x * 3).sin(), [x], create_graph=True)  # 3 cos(3x)
    d1.backward()
    assert math.isclose(x.grad, -9 * math.sin(1.5), rel_tol=1e-12)


def test_relu_and_abs_second_derivatives_are_zero_away_from_kinks():
    x = Value(1.3)
    (d1,) = grad(x.relu() + abs(x) * 2, [x], create_graph=True)
    assert d1.data == 3.0
    assert grad(d1, [x]) == [0.0]
