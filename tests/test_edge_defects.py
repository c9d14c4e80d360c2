"""Edge cases where separate copies of a rule used to disagree; each pinned to the exact value."""

import math
import sys

import numpy as np
import pytest

import autonn
from autonn.ops import remove_op
from autonn import Value


def test_base_slope_of_zero_to_the_zero_is_zero():
    x, y = Value(0.0), Value(0.0)
    assert autonn.grad(x ** y, [x]) == [0.0]  # as x ** 0.0 gives, and PyTorch
    assert autonn.grad(x ** 0.0, [x]) == [0.0]
    dx, dy = autonn.grad(x ** y, [x, y])
    assert dx == 0.0 and dy == 0.0


def test_second_derivative_of_x_to_a_value_one_at_zero_is_zero():
    x = Value(0.0)
    (first,) = autonn.grad(x ** Value(1.0), [x], create_graph=True)
    assert first.data == 1.0
    assert autonn.grad(first, [x]) == [0.0]
    (second,) = autonn.grad(first, [x], create_graph=True)  # also as a graph
    assert second.data == 0.0


def test_a_slope_towards_an_input_nobody_asked_for_is_never_formed():
    w, x = Value(0.5), Value(0.0)
    f = w * x.sqrt() + w * w
    (dw,) = autonn.grad(f, [w], create_graph=True)  # sqrt's infinite slope at 0 is not on the way
    assert dw.data == 1.0
    assert autonn.grad(f, [w]) == [1.0]
    # asked for, it is infinite: inf on floats, and inf when the rule runs as ops too
    assert autonn.grad(f, [x]) == [math.inf]
    (dx,) = autonn.grad(f, [x], create_graph=True)
    assert dx.data == math.inf


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sine_and_cosine_of_infinity_are_nan_on_every_path(name):
    x = Value(math.inf)
    y = getattr(x, name)()
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)
    w = Value(1.0)
    step = autonn.compile(lambda v: getattr(v[0] * w, name)(), [w], 1)
    loss, grads = step(np.array([[math.inf]]))
    assert math.isnan(loss) and math.isnan(grads[0])


def test_relu_of_nan_is_nan_eager_and_compiled():
    x = Value(math.nan)
    assert math.isnan(x.relu().data)
    w = Value(1.0)
    step = autonn.compile(lambda v: (v[0] * w).relu(), [w], 1)
    assert math.isnan(step.evaluate(np.array([[math.nan]]))[0])
    assert step.evaluate(np.array([[-2.0]]))[0] == 0.0


def test_second_derivative_in_the_exponent_at_a_negative_base_is_nan_like_the_first():
    a, b = Value(-2.0), Value(2.0)
    (db,) = autonn.grad(a ** b, [b], create_graph=True)
    assert math.isnan(db.data)
    assert math.isnan(autonn.grad(db, [b])[0])


def test_second_derivative_in_the_base_with_a_huge_exponent_is_zero_not_nan():
    a, b = Value(0.5), Value(1e300)
    (da,) = autonn.grad(a ** b, [a], create_graph=True)
    assert da.data == 0.0
    assert autonn.grad(da, [a]) == [0.0]


def test_n_ary_ops_get_their_own_rule_in_backward():
    prod = autonn.register_op(
        "prod_of_terms",
        lambda *xs, m: math.prod(xs),
        lambda g, out, *xs, m: tuple(g * math.prod(xs[:i] + xs[i + 1:]) for i in range(len(xs))),
        "d(a_1 ... a_n)/da_i = product of the other terms",
    )
    try:
        xs = [Value(2.0), Value(3.0), Value(4.0)]
        y = prod(*xs)
        y.backward()
        assert [x.grad for x in xs] == [12.0, 8.0, 6.0]
        assert autonn.grad(y, xs) == [12.0, 8.0, 6.0]
    finally:
        remove_op("prod_of_terms")


# Mixed second derivatives of a ** b where the exact value overflows: d2(a^b)/(da db) = a^(b-1) (1 + b ln a),
# in either order.  The reference is that formula in log space (or its limit for an infinite exponent):
# ln|value| beyond ln(max float) is inf, with the sign of 1 + b ln a.
POW_OVERFLOWS = [(0.5, -1e300), (2.0, 1e300), (3.0, 1e300), (1e300, 1e300), (1e300, 3.0), (1e-300, -1e300),
                 (1e-300, -2.0), (1e-300, -0.5), (2.0, math.inf), (3.0, math.inf), (0.5, -math.inf),
                 (1e-300, -math.inf)]


def exact_mixed_pow_derivative(a, b):
    factor = 1.0 + b * math.log(a)
    if math.isinf(b):  # the limit: |a^(b-1)| and |b ln a| both grow without bound
        return math.copysign(math.inf, factor)
    log_size = (b - 1.0) * math.log(a) + math.log(abs(factor))
    assert log_size > math.log(sys.float_info.max)  # (the grid holds overflowing cases only)
    return math.copysign(math.inf, factor)


@pytest.mark.parametrize("a0, b0", POW_OVERFLOWS)
@pytest.mark.parametrize("first", ["a", "b"])
def test_mixed_derivatives_of_pow_that_overflow_are_inf_not_nan(a0, b0, first):
    a, b = Value(a0), Value(b0)
    one, other = (a, b) if first == "a" else (b, a)
    (d,) = autonn.grad(a ** b, [one], create_graph=True)
    assert autonn.grad(d, [other]) == [exact_mixed_pow_derivative(a0, b0)]


@pytest.mark.parametrize("a0, b0", POW_OVERFLOWS)
def test_mixed_derivatives_of_pow_that_overflow_match_pytorch(a0, b0):
    torch = pytest.importorskip("torch")
    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    (tda,) = torch.autograd.grad(ta ** tb, [ta], create_graph=True)
    (want,) = torch.autograd.grad(tda, [tb])
    a, b = Value(a0), Value(b0)
    (da,) = autonn.grad(a ** b, [a], create_graph=True)
    assert autonn.grad(da, [b]) == [want.item()]


def test_zero_to_a_value_power_with_create_graph_is_zero_as_on_floats():
    y = Value(0.5)
    (dy,) = autonn.grad(0.0 ** y, [y], create_graph=True)
    assert dy.data == 0.0 and autonn.grad(0.0 ** Value(0.5), [y]) == [0.0]
    assert autonn.grad(0.0 ** y, [y]) == [0.0]  # the float path's answer, which it now shares
    assert autonn.grad(dy, [y]) == [0.0]


@pytest.mark.parametrize("base", [-math.inf, -1e300, -2.0])
def test_a_negative_base_to_a_fraction_is_a_domain_error_even_at_minus_infinity(base):
    with pytest.raises(autonn.DomainError, match="negative base to a non-integer power"):
        Value(base) ** 0.5
    with pytest.raises(autonn.DomainError, match="negative base to a non-integer power"):
        Value(base) ** Value(0.5)
    w = Value(1.0)
    step = autonn.compile(lambda v: (v[0] * w) ** 0.5, [w], 1, example=[1.0])
    with pytest.raises(autonn.DomainError, match="negative base to a non-integer power"):
        step(np.array([[base]]))
    assert (Value(base) ** 2.0).data == base * base  # a whole power is still defined
    assert (Value(-math.inf) ** 3.0).data == -math.inf
    # where the size vanishes, IEEE 754's limit stays: (-inf) ** -0.5 is 0 on every path
    assert (Value(-math.inf) ** -0.5).data == 0.0
    assert step.evaluate(np.array([[4.0]]))[0] == 2.0


def test_higher_derivatives_of_x_to_the_x_at_1_keep_the_exponent_s_part():
    # d^n/dx^n x^x at x = 1 are 1, 1, 2, 3, 8 (the series of e^(x ln x)); pow's slope at an exponent of 0 is the
    # formula b a^(b-1) itself, so its derivative in b survives (a hand-set 0 there lost it: 2 for the third)
    f = lambda x: x ** x  # noqa: E731
    derivatives = [f]
    for _ in range(4):
        derivatives.append(autonn.grad(derivatives[-1]))
    assert [d(1.0) if i else f(Value(1.0)).data for i, d in enumerate(derivatives)] == [1.0, 1.0, 2.0, 3.0, 8.0]
