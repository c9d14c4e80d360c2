"""A user's op, registered once, works through every path; a bad definition is named."""

import math

import numpy as np
import pytest

import autonn
from autonn import OPS, Domain, Value
from autonn.cli import main
from autonn.ops import remove_op
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
    remove_op("softsign")


@pytest.fixture
def cube():
    """A float-only forward (no m): the compiler runs it sample by sample."""
    f = autonn.register_op("cube", lambda a: a * a * a, lambda g, out, a, m: (g * 3.0 * a * a,), "d a^3/da = 3 a^2")
    yield f
    remove_op("cube")


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
        remove_op("root_n")


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
        remove_op("wrong_count")
        remove_op("broken")


def test_the_registry_is_read_only():
    with pytest.raises(TypeError):
        OPS["relu"] = None
    with pytest.raises(TypeError):
        del OPS["add"]
    with pytest.raises(AttributeError):
        OPS.pop("add")  # a read-only mapping has no pop
    assert OPS["relu"].name == "relu" and "add" in OPS
    with pytest.raises(ValueError, match="remove_op: 'add' is a built-in op"):
        remove_op("add")
    with pytest.raises(KeyError, match="remove_op: no op named 'nothing_here'"):
        remove_op("nothing_here")


@pytest.mark.parametrize("name, why", [
    ("\ufb01", "ASCII"),  # the ligature fi: Python reads it as "fi" (NFKC), the parser cannot read it at all
    ("t\u00e9", "ASCII"),
    ("x", "a letter, optionally followed by digits, is a variable in expressions"),
    ("w1", "variable in expressions"),
    ("for", "keyword"),
])
def test_a_name_the_parser_cannot_call_or_a_variables_name_is_refused(name, why):
    with pytest.raises(ValueError, match=why):
        autonn.register_op(name, lambda a, m: a, lambda g, out, a, m: (g,), "d/da = 1")
    assert name not in OPS


def test_replace_redefines_a_users_op_and_old_graphs_keep_theirs():
    first = autonn.register_op("scaled", lambda a, m: 2.0 * a, lambda g, out, a, m: (2.0 * g,), "2")
    try:
        x = Value(3.0)
        old = first(x)
        with pytest.raises(ValueError, match=r"'scaled' already exists.*pass replace=True"):
            autonn.register_op("scaled", lambda a, m: 5.0 * a, lambda g, out, a, m: (5.0 * g,), "5")
        again = autonn.register_op("scaled", lambda a, m: 5.0 * a, lambda g, out, a, m: (5.0 * g,), "5", replace=True)
        new = again(x)
        assert (old.data, new.data) == (6.0, 15.0)
        assert autonn.grad(old, [x]) == [2.0] and autonn.grad(new, [x]) == [5.0]
        assert evaluate("scaled(x)", {"x": 1.0}).data == 5.0
        with pytest.raises(ValueError, match="'exp' already exists, built in"):
            autonn.register_op("exp", lambda a, m: a, lambda g, out, a, m: (g,), "1", replace=True)
    finally:
        remove_op("scaled")


@pytest.mark.parametrize("bad, error, message", [
    ({"consts": -1}, TypeError, r"register_op\('sq'\): consts must be an int >= 0"),
    ({"consts": True}, TypeError, "consts must be an int >= 0"),
    ({"formula": 5}, TypeError, r"register_op\('sq'\): formula must be a non-empty str, or one str per input"),
    ({"doc": 5}, TypeError, r"register_op\('sq'\): doc must be a str, got int"),
    ({"domain": [Domain(lambda a, m: m.lt(a, 0.0), "expected {5}")]}, ValueError,
     r"register_op\('sq'\): domain\[0\]: message 'expected \{5\}' has the field \{5\}; it may name only the op's "
     r"numbers, \{0\} to \{0\}"),
])
def test_a_broken_definition_is_refused_when_registered(bad, error, message):
    args = dict(name="sq", forward=lambda a, m: a * a, vjp=lambda g, out, a, m: (2.0 * a * g,), formula="2a")
    args.update(bad)
    with pytest.raises(error, match=message):
        autonn.register_op(**args)
    assert "sq" not in OPS


def test_a_domain_message_may_use_every_number_of_the_op():
    f = autonn.register_op("shifted_log", lambda a, c: math.log(a - c), lambda g, out, a, c, m: (g / (a - c),),
                           "1/(a - c)", consts=1,
                           domain=[Domain(lambda a, c, m: m.le(a, c), "{0} must exceed {1}")])
    try:
        with pytest.raises(autonn.DomainError, match="shifted_log: 1.0 must exceed 2.0"):
            f(Value(1.0), 2.0)
    finally:
        remove_op("shifted_log")


@pytest.fixture
def faulty_rules():
    """Rules that fail at use: one raises, one returns a str, one branches in Python on its input."""
    ops = {
        "raises_rule": autonn.register_op("raises_rule", lambda a, m: 2.0 * a, lambda g, out, a, m: (g * (1 // 0),), "2"),
        "str_rule": autonn.register_op("str_rule", lambda a, m: 2.0 * a, lambda g, out, a, m: ("2",), "2"),
        "branchy": autonn.register_op("branchy", lambda a, m: m.abs(a),
                                      lambda g, out, a, m: (g if a > 0 else -g,), "sign(a)"),
    }
    yield ops
    for name in ops:
        remove_op(name)


@pytest.mark.parametrize("path", ["backward", "grad", "grad(f)", "create_graph"])
def test_a_rule_that_raises_or_returns_a_str_is_named_on_every_path(faulty_rules, path):
    for name, error, message in (("raises_rule", ZeroDivisionError, "raises_rule: its vjp raised ZeroDivisionError"),
                                 ("str_rule", autonn.OpError, "str_rule: its vjp returned str '2' as the gradient "
                                                              "of input 0")):
        f = faulty_rules[name]
        x = Value(1.5)
        with pytest.raises(error, match=message):
            if path == "backward":
                (f(x) * 3.0).backward()
            elif path == "grad":
                autonn.grad(f(x) * 3.0, [x])
            elif path == "grad(f)":
                autonn.grad(lambda v: f(v) * 3.0)(1.5)
            else:
                autonn.grad(f(x), [x], create_graph=True)


def test_a_python_branch_in_a_rule_is_named_when_gradients_are_graphs(faulty_rules):
    f = faulty_rules["branchy"]
    x = Value(-1.5)
    assert autonn.grad(f(x), [x]) == [-1.0]  # on floats the branch works
    with pytest.raises(autonn.OpError, match=r"branchy: its vjp raised TypeError: .*write a branch as "
                                             r"m.where\(m.gt\(x, 0\), a, b\), not a Python if"):
        autonn.grad(f(x), [x], create_graph=True)
    with pytest.raises(autonn.OpError, match="branchy: its vjp raised TypeError"):
        autonn.hessian(lambda v: f(v))(-1.5)


def test_a_bad_gradient_is_named_by_the_op_whose_rule_gave_it(faulty_rules):
    x = Value(0.5)
    # backward() checks a user's rule as it returns, so the op that made the str is the one named
    with pytest.raises(autonn.OpError, match=r"str_rule: its vjp returned str '2' as the gradient of input 0"):
        (faulty_rules["str_rule"](x.exp()) * 2.0 + x).backward()
