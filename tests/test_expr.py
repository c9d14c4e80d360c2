"""The expression parser: precedence, errors with positions, and no execution of the text."""

import math

import numpy as np
import pytest

from autonn import Constant, Value
from autonn.expr import ExprError, evaluate, names_in, parse, tokenize
from autonn.gradcheck import numeric_grad
from autonn.graph import topological_order

ENV = {"x": 3.0, "y": -2.0, "z": 0.5}


@pytest.mark.parametrize(
    "text, expected",
    [
        # expected values written as Python arithmetic on plain floats
        ("x + y * z", 3.0 + (-2.0) * 0.5),
        ("(x + y) * z", (3.0 - 2.0) * 0.5),
        ("x - y - z", (3.0 + 2.0) - 0.5),
        ("x / y / z", (3.0 / -2.0) / 0.5),
        ("-x**2", -(3.0**2)),
        ("(-x)**2", 9.0),
        ("2**3**2", 2.0 ** (3.0**2)),
        ("x^2 + 1", 10.0),
        ("2*-x", -6.0),
        ("--x", 3.0),
        ("+x", 3.0),
        ("x**-1", 1.0 / 3.0),
        ("1e-3 * x", 0.003),
        (".5 * x", 1.5),
        ("tanh(x*z) + exp(y)", math.tanh(1.5) + math.exp(-2.0)),
        ("sum(x, y, z, 1)", 3.0 - 2.0 + 0.5 + 1.0),
        ("abs(y) + sqrt(x) + log(z) + log1p(z)", 2.0 + math.sqrt(3) + math.log(0.5) + math.log1p(0.5)),
        ("sigmoid(y) + softplus(y) + relu(y) + sin(x) + cos(x)",
         1 / (1 + math.exp(2.0)) + math.log1p(math.exp(-2.0)) + 0.0 + math.sin(3) + math.cos(3)),
        ("7", 7.0),
    ],
)
def test_values_follow_python_precedence(text, expected):
    assert evaluate(text, ENV).data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("", 0, "empty"),
        ("x +", 3, "ends"),
        ("(x + y", 0, "never closed"),
        ("x + y)", 5, "without a matching"),
        ("2x", 1, "write * to multiply"),
        ("foo(x)", 0, "unknown function 'foo'"),
        ("tanh x", 0, "parentheses"),
        ("x $ y", 2, "unexpected character '$'"),
        ("sum()", 4, "needs an argument"),
        ("tanh(x, y)", 6, "takes one argument"),
        ("(x, y)", 2, "plain parentheses"),
        ("x y", 2, "expected an operator"),
        ("x * * y", 4, "expected a number"),
        ("w + q", 4, "no value given for 'q'"),
    ],
)
def test_errors_name_the_position(text, position, words):
    with pytest.raises(ExprError) as info:
        evaluate(text, {"x": 1.0, "y": 2.0, "w": 3.0})
    assert info.value.position == position
    message = str(info.value)
    assert words in message
    assert f"position {position}" in message
    caret_line = message.splitlines()[-1]
    assert caret_line.index("^") - 2 == position  # the caret sits under the culprit


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "x.__class__", "open('f')", "[x]", "x; y", "lambda: 1"])
def test_python_code_is_rejected_not_run(text):
    with pytest.raises(ExprError):
        evaluate(text, {"x": 1.0, "y": 1.0})


def test_deep_nesting_needs_no_recursion():
    depth = 20000
    text = "(" * depth + "x" + ")" * depth + "-" * depth + "x"
    assert evaluate(text, {"x": 2.0}).data == pytest.approx(4.0)  # an even number of minus signs


def test_numbers_become_constants_and_names_become_labelled_leaves():
    out = evaluate("2*x + y", {"x": 1.5, "y": Value(4.0, "given")})
    leaves = [n for n in topological_order(out) if n.is_leaf]
    assert [type(n) for n in leaves].count(Constant) == 1
    assert sorted(n.label for n in leaves if type(n) is Value) == ["given", "x"]


def test_given_values_are_used_as_they_are():
    x = Value(2.0, "x")
    out = evaluate("x*x*x", {"x": x})
    out.backward()
    assert x.grad == pytest.approx(12.0)  # d x^3 / dx = 3 x^2


def test_gradients_match_finite_differences():
    text = "tanh(w1*x1 + w2*x2 + b) * sigmoid(x1 / (1 + x2**2))"
    names = ["w1", "x1", "w2", "x2", "b"]
    point = [-0.7, 1.3, 0.4, -0.9, 0.2]
    leaves = {n: Value(v, n) for n, v in zip(names, point)}
    out = evaluate(text, leaves)
    out.backward()

    def f(*vals):
        return evaluate(text, dict(zip(names, vals)))

    expected = numeric_grad(f, point)
    for n, e in zip(names, expected):
        assert leaves[n].grad == pytest.approx(e, rel=1e-6, abs=1e-8)


def test_names_in_order_of_appearance():
    assert names_in("tanh(w1*x1 + w2*x2 + b) * w1") == ["w1", "x1", "w2", "x2", "b"]


def test_caret_is_read_as_power_and_tokens_keep_positions():
    tokens = tokenize(" x ^ 2")
    assert [(t.text, t.position) for t in tokens] == [("x", 1), ("**", 3), ("2", 5)]
    assert parse("x^2") == parse("x**2")


def test_bad_value_types():
    with pytest.raises(TypeError, match="'x'"):
        evaluate("x", {"x": "3"})
    with pytest.raises(TypeError, match="str"):
        evaluate(3, {})
    for bad in (True, np.bool_(False), float("nan"), np.float64("inf"), None):
        with pytest.raises(TypeError, match="value of 'x' must be a finite real number"):
            evaluate("x", {"x": bad})


def test_numpy_numbers_are_values():
    out = evaluate("x * y + z", {"x": np.int64(3), "y": np.float32(0.5), "z": np.int8(-2)})
    assert out.data == pytest.approx(-0.5)
    leaves = {n.label: n for n in topological_order(out) if n.is_leaf}
    assert set(leaves) == {"x", "y", "z"}
    assert all(type(n.data) is float for n in leaves.values())


@pytest.mark.parametrize(
    "text, folded",
    [
        ("x**(1+1)", 2.0),
        ("x**-(3-1)", -2.0),
        ("x * (2*3)", 6.0),
        ("x + log(exp(2)) * 3", 6.0),
        ("sum(1, 2, 3) / x", 6.0),
        ("x - 2**3**2", 512.0),
    ],
)
def test_number_only_parts_become_one_constant(text, folded):
    x = Value(-2.0, "x")
    out = evaluate(text, {"x": x})
    order = topological_order(out)
    consts = [n for n in order if n.is_leaf and n is not x]
    params = [n.param for n in order if n.param is not None]
    assert [c.data for c in consts] + params == [pytest.approx(folded)]
    assert all(type(c) is Constant for c in consts)
    assert len(order) - 1 - len(consts) == 1  # one op node on x and the number


def test_a_folded_power_is_a_constant_power():
    x = Value(-2.0, "x")
    out = evaluate("x**(1+1)", {"x": x})
    assert out.op == "powc" and out.param == 2.0
    out.backward()
    assert x.grad == pytest.approx(-4.0)  # d x^2 / dx at -2, not nan
    assert evaluate("2*3", {}).data == 6.0 and type(evaluate("2*3", {})) is Constant


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("x * log(0)", 4, "log: expected a positive number"),
        ("x + 1/0", 5, "division by zero"),
        ("x + (-8)**0.5", 8, "negative base"),
        ("x + 0**-1", 5, "negative power"),
        ("x + exp(1000)", 4, "no finite value (it gives inf)"),
        ("sqrt(-1)", 0, "sqrt"),
    ],
)
def test_math_errors_of_number_only_parts_name_the_position(text, position, words):
    with pytest.raises(ExprError) as info:
        evaluate(text, {"x": 1.0})
    assert info.value.position == position
    assert words in str(info.value)
    assert str(info.value).splitlines()[-1].index("^") - 2 == position


def test_an_ops_constant_written_as_a_number_is_its_constant_and_a_name_there_is_refused():
    out = evaluate("label_class(x, 1 + 2)", {"x": 2.0})
    assert out.op == "label_class" and out.constants == (3.0,) and out.data == 2.0
    with pytest.raises(TypeError, match=r"label_class \(constant 0\): expected a real number"):
        evaluate("label_class(x, y)", {"x": 1.0, "y": 3.0})
