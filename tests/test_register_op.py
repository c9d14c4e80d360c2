"""A user's op, registered once, works through every path; a bad definition is named."""

import math

import numpy as np
import pytest

import autonn
from autonn import OPS, Value
from autonn.cli import main
from autonn.expr import ExprError, evaluate
from conformance import check_point


@pytest.fixture
def softsign():
    """softsign(x) = x / (1 + |x|), written for floats and arrays alike (its forward takes m)."""
    f = autonn.register_op(
        "softsign",
        lambda a, m: a / (1.0 + m.abs(a)),
        lambda g, out, a, m: (g / ((1.0 + m.abs(a)) * (1.0 + m.abs(a))),),
        "d softsign(a)/da = 1/(1 + |a|)^2",
        doc="a / (1 + |a|)",
    )
    yield f
    del OPS["softsign"]


@pytest.fixture
def cube():
    """A float-only forward (no m): the compiler runs it sample by sample."""
    f = autonn.register_op("cube", lambda a: a * a * a, lambda g, out, a, m: (g * 3.0 * a * a,), "d a^3/da = 3 a^2")
    yield f
    del OPS["cube"]


def hand_slope(x):
    return 1.0 / (1.0 + abs(x)) ** 2


def test_applies_to_values_and_numbers(softsign):
    y = softsign(Value(3.0))
    assert y.op == "softsign" and y.data == 0.75
    assert softsign(-1.0).data == -0.5  # a number becomes a constant
    assert "softsign" in softsign.__doc__ and softsign.__name__ == "softsign"


def test_backward_grad_and_second_order(softsign):
    x = Value(1.5)
    y = softsign(x) * x
    y.backward()
    want = hand_slope(1.5) * 1.5 + 1.5 / 2.5
    assert x.grad == pytest.approx(want, rel=1e-15)
    assert autonn.grad(y, [x]) == pytest.approx([want], rel=1e-15)
    (first,) = autonn.grad(softsign(x), [x], create_graph=True)
    assert first.data == pytest.approx(hand_slope(1.5), rel=1e-15)
    assert autonn.grad(first, [x])[0] == pytest.approx(-2.0 / 2.5 ** 3, rel=1e-12)  # d/dx (1+x)^-2


def test_every_path_agrees_on_a_grid(softsign, cube):
    for x in (-math.inf, -2.0, -0.0, 0.0, 0.5, 3.0, math.inf, math.nan):
        check_point("softsign", (x,))
    for x in (-2.0, 0.0, 1.5, math.nan):
        check_point("cube", (x,))


def test_compiles_vectorised_and_float_only(softsign, cube):
    w = Value(0.7)
    X = np.array([[-2.0], [0.0], [0.5], [3.0]])
    for f in (softsign, cube):
        step = autonn.compile(lambda v: f(v[0] * w), [w], 1)
        loss, (gw,) = step(X)
        losses, grads = [], []
        for (x,) in X:
            out = f(x * w)
            losses.append(out.data)
            grads.append(autonn.grad(out, [w])[0])
        assert loss == pytest.approx(np.mean(losses), rel=1e-12)
        assert gw == pytest.approx(np.mean(grads), rel=1e-12)


@pytest.fixture
def math_sine():
    """A forward and a rule that take m but call math.sin and math.cos (floats only)."""
    f = autonn.register_op("math_sine", lambda a, m: math.sin(a), lambda g, out, a, m: (g * math.cos(a),),
                           "d sin(a)/da = cos(a)")
    yield f
    del OPS["math_sine"]


def test_an_op_taking_m_but_calling_math_compiles_sample_by_sample(math_sine):
    w = Value(0.7)
    X = np.array([[-2.0], [0.0], [0.5], [3.0]])
    step = autonn.compile(lambda v: math_sine(v[0] * w) * v[0], [w], 1)
    assert "math_sine (sample by sample" in step.summary()
    loss, (gw,) = step(X)
    # by hand: d/dw mean(sin(w x) x) = mean(cos(w x) x^2)
    assert loss == pytest.approx(np.mean(np.sin(0.7 * X[:, 0]) * X[:, 0]), rel=1e-12)
    assert gw == pytest.approx(np.mean(np.cos(0.7 * X[:, 0]) * X[:, 0] ** 2), rel=1e-12)


def test_diagrams_ledger_and_gradcheck(softsign):
    x = Value(2.0, "x")
    y = softsign(x)
    y.label = "y"
    y.backward()
    dot = autonn.to_dot(y, derivatives=True).source
    assert "softsign" in dot and f"{hand_slope(2.0):.4f}" in dot
    text = autonn.ledger(y, x)
    assert "softsign: d softsign(a)/da = 1/(1 + |a|)^2" in text
    assert autonn.gradcheck(lambda a, b: softsign(a) * b, [0.3, -1.2])


def test_parser_and_the_draw_command(softsign, capsys):
    x = Value(2.0, "x")
    y = evaluate("softsign(x) * 3", {"x": x})
    assert y.data == pytest.approx(2.0)
    with pytest.raises(ExprError, match=r"softsign\(\) takes one argument"):
        evaluate("softsign(x, x)", {"x": x})
    assert main(["draw", "softsign(x)", "--x", "2", "--dot", "--derivatives"]) == 0
    assert "softsign" in capsys.readouterr().out
    assert main(["draw", "softsign(x)", "--x", "2", "--no-diagram"]) == 0
    out = capsys.readouterr().out
    assert f"grad {hand_slope(2.0):.4f}" in out


def test_ops_with_constants_and_domains():
    root = autonn.register_op(
        "root_n", lambda a, n, m: m.pow(a, 1.0 / n), lambda g, out, a, n, m: (g * out / (n * a),),
        "d a^(1/n)/da = a^(1/n) / (n a)", consts=1,
        domain=[autonn.Domain(lambda a, n, m: m.le(a, 0.0), "expected a positive number, got {0}")],
    )
    try:
        x = Value(8.0)
        y = root(x, 3)
        assert y.data == pytest.approx(2.0) and y.constants == (3.0,) and y.parents == (x,)
        y.backward()
        assert x.grad == pytest.approx(1.0 / 12.0)
        with pytest.raises(autonn.DomainError, match=r"root_n: expected a positive number, got -8.0"):
            root(Value(-8.0), 3)
        w = Value(1.0)
        step = autonn.compile(lambda v: root(v[0] * w, 3), [w], 1, example=[1.0])
        with pytest.raises(autonn.DomainError, match="root_n: .* at sample 1 of the batch"):
            step(np.array([[8.0], [-1.0]]))
    finally:
        del OPS["root_n"]


def test_bad_definitions_name_the_op():
    with pytest.raises(ValueError, match="'exp' already exists"):
        autonn.register_op("exp", lambda a, m: a, lambda g, out, a, m: (g,), "d/da = 1")
    with pytest.raises(ValueError, match="identifier"):
        autonn.register_op("my op", lambda a, m: a, lambda g, out, a, m: (g,), "d/da = 1")
    with pytest.raises(TypeError, match=r"register_op\('twice'\): vjp must be callable"):
        autonn.register_op("twice", lambda a: 2 * a, "not a function", "d/da = 2")
    with pytest.raises(ValueError, match=r"register_op\('twice'\): vjp must take"):
        autonn.register_op("twice", lambda a: 2 * a, lambda g, m: (g,), "d/da = 2")
    with pytest.raises(ValueError, match=r"register_op\('twice'\): 2 formulas for 1 inputs"):
        autonn.register_op("twice", lambda a: 2 * a, lambda g, out, a, m: (g,), ["d/da = 2", "extra"])
    assert "twice" not in OPS

    wrong_count = autonn.register_op("wrong_count", lambda a, m: a, lambda g, out, a, m: (g, g), "d/da = 1")
    broken = autonn.register_op("broken", lambda a: 1.0 / (a - a), lambda g, out, a, m: (g,), "d/da = ?")
    try:
        y = wrong_count(Value(1.0))
        with pytest.raises(autonn.OpError, match=r"wrong_count: its vjp must return a tuple of 1 gradient"):
            y.backward()
        with pytest.raises(autonn.OpError, match=r"wrong_count: its vjp must return"):
            autonn.grad(y, [y.parents[0]])
        with pytest.raises(autonn.OpError, match=r"broken: forward raised ZeroDivisionError"):
            broken(Value(2.0))
    finally:
        del OPS["wrong_count"], OPS["broken"]
