"""Bad input to compile and to the compiled step is reported clearly."""

import math

import numpy as np
import pytest

from autonn import DomainError, Value
from autonn.compiler import compile


def simple():
    w = Value(0.5, "w")
    return w, compile(lambda v: (w * v[0] - v[1]) ** 2, [w], 2)


@pytest.mark.parametrize("X, shape", [
    (np.zeros((4, 3)), "(4, 3)"),
    (np.zeros(2), "(2,)"),
    (np.zeros((2, 2, 1)), "(2, 2, 1)"),
])
def test_wrong_batch_shape_names_expected_and_got(X, shape):
    _, step = simple()
    with pytest.raises(ValueError) as err:
        step(X)
    assert "(batch, 2)" in str(err.value) and shape in str(err.value)


def test_empty_batch_is_an_error():
    _, step = simple()
    with pytest.raises(ValueError, match="empty"):
        step(np.zeros((0, 2)))


def test_non_numeric_batch_is_a_type_error():
    _, step = simple()
    with pytest.raises(TypeError, match=r"\(batch, 2\)"):
        step([["a", "b"]])


def test_parameter_not_in_the_graph_is_named():
    w, unused = Value(1.0, "w"), Value(2.0, "forgotten")
    with pytest.raises(ValueError, match=r"params\[1\].*'forgotten'"):
        compile(lambda v: w * v[0], [w, unused], 1)


def test_parameters_must_be_distinct_leaf_values():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"params\[1\] is the same Value as params\[0\]"):
        compile(lambda v: w * v[0], [w, w], 1)
    with pytest.raises(ValueError, match="result of op 'mul'"):
        compile(lambda v: w * v[0], [w * 2.0], 1)
    with pytest.raises(TypeError, match=r"params\[0\] is a float"):
        compile(lambda v: w * v[0], [1.0], 1)
    with pytest.raises(TypeError, match="list of Values"):
        compile(lambda v: w * v[0], w, 1)


def test_function_must_return_a_value():
    w = Value(1.0)
    with pytest.raises(TypeError, match="return one Value.*list"):
        compile(lambda v: [w * v[0]], [w], 1)


def test_bad_reduction_and_input_count():
    w = Value(1.0)
    with pytest.raises(ValueError, match="reduction.*'median'"):
        compile(lambda v: w * v[0], [w], 1, reduction="median")
    with pytest.raises(TypeError, match="n_inputs"):
        compile(lambda v: w * v[0], [w], 1.5)
    with pytest.raises(ValueError, match="example has 1 numbers, expected n_inputs = 2"):
        compile(lambda v: w * v[0], [w], 2, example=[1.0])


@pytest.mark.parametrize("op, build, bad_value, exc", [
    ("log", lambda w, x: (w * x).log(), -2.0, DomainError),
    ("sqrt", lambda w, x: (w * x).sqrt(), -2.0, DomainError),
    ("log1p", lambda w, x: (w * x).log1p(), -3.0, DomainError),
    ("div", lambda w, x: w / x, 0.0, ZeroDivisionError),
    ("powc", lambda w, x: (w * x) ** 0.5, -1.0, DomainError),
    ("powc", lambda w, x: x ** -1.0 * w, 0.0, ZeroDivisionError),
    ("pow", lambda w, x: (w * x) ** (w * 0.5), -1.0, DomainError),
    ("asin", lambda w, x: (w * x * 0.4).asin(), -5.0, DomainError),
    ("log2", lambda w, x: (w * x).log2(), 0.0, DomainError),
    ("clamp", lambda w, x: w.clamp(x - 3.0, 0.5), 4.0, DomainError),
])
def test_domain_error_names_the_op_and_the_sample(op, build, bad_value, exc):
    w = Value(1.0, "w")
    step = compile(lambda v: build(w, v[0]), [w], 1, example=[1.0])
    X = np.array([[1.0], [2.0], [bad_value], [bad_value]])
    with pytest.raises(exc) as err:
        step(X)
    message = str(err.value)
    assert message.startswith(f"{op}:") and "sample 2 of the batch" in message


def test_domain_error_while_tracing_suggests_an_example():
    w = Value(1.0)
    # outside the domain on zeros (log(-1)) and on ones (log(0)): an example is needed
    with pytest.raises(DomainError, match=r"\[0\.0\] and \[1\.0\] failed.*example="):
        compile(lambda v: (w * v[0] - 1.0).log(), [w], 1)
    step = compile(lambda v: (w * v[0] - 1.0).log(), [w], 1, example=[2.0])
    assert step(np.array([[np.e + 1.0]]))[0] == pytest.approx(1.0)


def test_a_function_outside_its_domain_on_zeros_is_traced_on_ones():
    w = Value(1.0)
    step = compile(lambda v: (w * v[0]).log(), [w], 1)
    loss, grads = step(np.array([[np.e], [2.0]]))
    assert loss == pytest.approx((1.0 + math.log(2.0)) / 2)
    assert grads[0] == pytest.approx(1.0)  # d log(w x)/dw = 1/w, at w = 1


def test_domain_error_reports_the_first_bad_sample_of_a_group():
    # both logs run as one vectorised step; the second fails first in the batch
    w = Value(1.0)
    step = compile(lambda v: (w * v[0]).log() + (w * v[1]).log(), [w], 2, example=[1.0, 1.0])
    with pytest.raises(DomainError, match=r"got -3.0, at sample 1 of the batch"):
        step(np.array([[1.0, 1.0], [1.0, -3.0], [-2.0, 1.0]]))


def test_params_may_be_any_iterable_read_once():
    # an iterator is consumed by the first pass over it; compile must read it only once
    X = np.array([[1.0], [2.0]])
    for make in (iter, tuple, lambda ps: (p for p in ps)):
        w, b = Value(0.5), Value(0.1)
        step = compile(lambda v: (w * v[0] + b) ** 2, make([w, b]), 1)
        assert step.params == [w, b]
        loss, grads = step(X)
        # mean((w x + b)^2) and its gradient 2 mean((w x + b) x), 2 mean(w x + b), by hand
        r = 0.5 * X[:, 0] + 0.1
        assert loss == pytest.approx(np.mean(r ** 2), rel=1e-12)
        assert grads == pytest.approx([2 * np.mean(r * X[:, 0]), 2 * np.mean(r)], rel=1e-12)
    with pytest.raises(TypeError, match=r"params\[1\] is a float"):
        compile(lambda v: w * v[0], iter([w, 1.0]), 1)
