"""Bad inputs raise errors naming the op and the value; overflow follows IEEE 754."""

import math

import pytest

from autonn import DomainError, Value


@pytest.mark.parametrize(
    "build, exc, pattern",
    [
        (lambda: Value(0.0).log(), DomainError, r"log: .*positive.* 0\.0"),
        (lambda: Value(-2.0).log(), DomainError, r"log: .*-2\.0"),
        (lambda: Value(-1.0).log1p(), DomainError, r"log1p: .*-1\.0"),
        (lambda: Value(-4.0).sqrt(), DomainError, r"sqrt: .*non-negative.*-4\.0"),
        (lambda: Value(3.0) / 0, ZeroDivisionError, r"div: division by zero \(3\.0 / 0\.0\)"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"div: division by zero \(1\.0 / 0\.0\)"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"powc: 0 raised to a negative power"),
        (lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, r"pow: 0 raised"),
        (lambda: Value(-8.0) ** (1 / 3), DomainError, r"powc: negative base to a non-integer power \(-8\.0 \*\*"),
        (lambda: (-2) ** Value(0.5), DomainError, r"pow: negative base"),
    ],
)
def test_domain_errors_name_op_and_value(build, exc, pattern):
    with pytest.raises(exc, match=pattern):
        build()


def test_domain_error_is_a_value_error():
    assert issubclass(DomainError, ValueError)


def test_negative_base_integer_power_is_fine():
    x = Value(-2.0)
    y = x ** 3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0
    z = Value(-2.0) ** Value(2.0)
    assert z.data == 4.0


def test_overflow_gives_ieee_infinities():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(1e200) * 1e200).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(10.0) ** Value(400.0)).data == math.inf


def test_saturating_functions_never_overflow():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(-800.0).tanh().data == -1.0
    x = Value(-1000.0)
    x.sigmoid().backward()
    assert x.grad == 0.0


def test_infinite_slope_is_inf_not_an_exception():
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf
    y = Value(0.0)
    (y ** 0.5).backward()
    assert y.grad == math.inf


def test_nan_propagates():
    assert math.isnan(Value(math.nan).log().data)
    assert math.isnan((Value(math.nan) + 1).data)
