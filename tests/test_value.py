"""Value: construction, accepted types, read-only graph views, operators with numbers."""

import math

import numpy as np
import pytest

import autonn
from autonn import Constant, Value


@pytest.mark.parametrize("x", [3, -2.5, np.float64(1.5), np.float32(0.25), np.int64(7), np.int8(-3)])
def test_accepts_real_numbers(x):
    v = Value(x)
    assert type(v.data) is float and v.data == float(x)
    assert type(v.grad) is float and v.grad == 0.0
    assert float(v) == float(x)


@pytest.mark.parametrize(
    "bad, typename",
    [(True, "bool"), ("1.0", "str"), (None, "NoneType"), ([1.0], "list"), (1 + 2j, "complex"),
     (np.array([1.0]), "ndarray"), (np.bool_(True), "bool")],
)
def test_rejects_non_numbers_naming_the_type(bad, typename):
    with pytest.raises(TypeError, match=typename):
        Value(bad)


def test_label_must_be_text():
    assert Value(1.0, label="w").label == "w"
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_graph_views():
    a = Value(2.0, label="a")
    b = Value(3.0)
    c = a * b
    assert a.op == "" and a.parents == () and a.is_leaf
    assert c.op == "mul" and c.parents == (a, b) and not c.is_leaf
    d = a + a
    assert d.parents == (a, a), "a + a keeps both edges"
    p = a ** 3
    assert p.op == "powc" and p.parents == (a,) and p.param == 3.0
    s = autonn.sum([a, b, c, 1.5])
    assert s.op == "sum" and s.parents[:3] == (a, b, c) and isinstance(s.parents[3], Constant)
    with pytest.raises(AttributeError):
        c.op = "add"
    with pytest.raises(AttributeError):
        c.parents = ()


def test_numbers_on_either_side():
    x = Value(3.0)
    cases = [
        (x + 2, 5.0), (2 + x, 5.0), (x - 2, 1.0), (2 - x, -1.0), (x * 2, 6.0), (2 * x, 6.0),
        (x / 2, 1.5), (6 / x, 2.0), (x ** 2, 9.0), (2 ** x, 8.0), (-x, -3.0), (abs(-x), 3.0),
        (x * np.float64(2.0), 6.0), (x + np.int32(1), 4.0),
    ]
    for v, want in cases:
        assert isinstance(v, Value) and math.isclose(v.data, want)


def test_numpy_scalar_on_the_left_gives_a_value():
    x = Value(3.0)
    y = np.float64(2.0) * x
    assert isinstance(y, Value) and y.data == 6.0


def test_value_exponent_and_number_base():
    x = Value(2.0)
    y = Value(3.0)
    z = x ** y
    assert z.op == "pow" and z.data == 8.0
    z.backward()
    assert math.isclose(x.grad, 3.0 * 2.0 ** 2)  # y x^(y-1)
    assert math.isclose(y.grad, 8.0 * math.log(2.0))  # x^y ln x
    t = Value(3.0)
    u = 2 ** t
    u.backward()
    assert u.data == 8.0 and math.isclose(t.grad, 8.0 * math.log(2.0))


@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j, True])
def test_operator_with_non_number_is_a_type_error(bad):
    x = Value(1.0)
    for op in (lambda: x + bad, lambda: bad * x, lambda: x - bad, lambda: x / bad, lambda: x ** bad):
        with pytest.raises(TypeError):
            op()


def test_sum_rejects_bad_terms_naming_position():
    with pytest.raises(TypeError, match="term 1 is a str"):
        autonn.sum([Value(1.0), "x"])
    assert autonn.sum([]).data == 0.0


def test_no_grad_builds_no_graph():
    x = Value(2.0)
    with autonn.no_grad():
        y = x * 3 + x.exp()
        assert not autonn.is_grad_enabled()
    assert autonn.is_grad_enabled()
    assert y.is_leaf and y.parents == () and math.isclose(y.data, 6 + math.exp(2))
    z = x * 3
    assert z.parents[0] is x


def test_no_grad_restores_on_error():
    with pytest.raises(RuntimeError):
        with autonn.no_grad():
            raise RuntimeError("boom")
    assert autonn.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Value(2.0, label="x")
    y = (x * x).detach()
    assert y.is_leaf and y.data == 4.0
    z = y * x
    z.backward()
    assert x.grad == 4.0  # only through the direct edge, not through y


def test_repr_is_compact_and_shows_the_op():
    assert repr(Value(1.5, label="w")) == "Value(1.5, label='w')"
    x = Value(0.5)
    y = x.tanh()
    y.backward()
    assert repr(y) == "Value(0.462117, grad=1, op='tanh')"
    assert repr(x) == f"Value(0.5, grad={1 - math.tanh(0.5) ** 2:.6g})"
    assert repr(autonn.Constant(2.0)) == "Constant(2)"


def test_notebook_manners_format_item_and_truth():
    v = Value(2.0 / 3.0)
    assert f"{v:.4f}" == "0.6667" and f"{v:>8.2f}" == "    0.67" and f"{v}" == repr(v)
    assert v.item() == 2.0 / 3.0 and type(v.item()) is float
    assert bool(Value(0.0)) is False and bool(Value(-0.0)) is False and bool(Value(0.1)) is True
    assert bool(Value(float("nan"))) is True  # as bool(float("nan"))


def test_an_int_beyond_float_range_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Value: an int of 401 digits is too large for a float"):
        Value(10 ** 400)
    with pytest.raises(ValueError, match="a number in an expression: an int of 401 digits"):
        Value(1.0) + 10 ** 400
    with pytest.raises(ValueError, match=r"pow \(exponent\): an int of 401 digits"):
        Value(1.0) ** (10 ** 400)


@pytest.mark.parametrize("bad", ["x", None, 1 + 2j, [1.0]])
def test_a_data_that_is_no_number_is_named_at_its_first_use(bad):
    w = Value(2.0)
    y = w * 3.0
    w.data = bad
    for use in (lambda: w + 1.0, lambda: w * 2, lambda: w.tanh(), lambda: w ** 2, lambda: autonn.sum([w, 1.0]),
                lambda: y.backward()):
        with pytest.raises(TypeError, match=r"((add|mul|tanh|powc|sum): argument 0 is|backward: a leaf holds)"):
            use()
