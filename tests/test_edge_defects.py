"""Edge cases where separate copies of a rule used to disagree; each pinned to the exact value."""

import math

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
    # asked for, it is infinite: inf on floats, an error when the rule runs as ops
    assert autonn.grad(f, [x]) == [math.inf]
    with pytest.raises(ZeroDivisionError):
        autonn.grad(f, [x], create_graph=True)


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
