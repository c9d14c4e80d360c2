"""Taylor mode: every derivative along a direction in one pass, equal to nested grad, from each op's one forward."""

import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import autonn
from autonn import OPS, Value, grad, taylor
from autonn.ops import remove_op
from autonn.testing import Expression, Step, expressions
from autonn.gradcheck import _rounding as rounding_bound
from autonn.value import apply

# Where an op is not smooth, Taylor mode gives the one-sided series for t > 0 and grad the kink's convention;
# equality is asked for everywhere else.
KINK_AT_ZERO = {"abs", "relu", "step", "sign", "leaky_relu", "elu", "where", "powc", "pow", "sqrt"}
TIE = {"maximum", "minimum", "gt", "ge", "lt", "le", "eq", "ne"}
# Every op there is when this module is imported: the built-in ones (an op another test registers and leaves
# behind has kinks this file does not know of).
BUILT_IN = list(OPS)


def at_a_kink(op, args):
    if op in KINK_AT_ZERO and args[0] == 0.0:
        return True
    if op in TIE and args[0] == args[1]:
        return True
    if op == "clamp" and (args[0] in (args[1], args[2]) or args[1] == args[2]):  # lo == hi: a tie inside min
        return True
    return op in ("asin", "acos") and abs(args[0]) == 1.0


class TooLarge(Exception):
    """Nested grad's graph outgrew the bound: the example is skipped (its size, not its time, decides)."""


def nested(f, primals, direction, order):
    """The derivatives of t -> f(primals + t direction) at 0 by grad of grad of ... (create_graph=True)."""
    t = Value(0.0)
    d = f(*[p + t * v for p, v in zip(primals, direction)])
    found = [d.data]
    for _ in range(order):
        d = grad(d, t, create_graph=True)
        found.append(d.data)
    return found


def assert_equal_to_nested(got, want, order, noise=None):
    """Equal to 1e-9 relative, beyond ``noise`` (what nested grad's own rounding leaves uncertain, per order)."""
    assert len(got) == len(want) == order + 1
    noise = noise or [0.0] * (order + 1)
    for k, (a, b) in enumerate(zip(got, want)):
        if math.isnan(b):
            assert math.isnan(a), (k, got, want)
            continue
        # the floor is for a derivative that is 0 by cancellation (1e-17 against 0.0)
        tolerance = 1e-9 * max(abs(a), abs(b)) + 1e-12 * math.factorial(k) + 4.0 * noise[k]
        assert abs(a - b) <= tolerance, (k, got, want, noise)


def nested_with_rounding(f, primals, direction, order, most_nodes=None):
    """Nested grad's derivatives, and how far rounding can move each: every node of the derivative's graph
    rounds, times how much the derivative depends on it (large where nested grad cancels big terms:
    x / x at 0.003 has its 5th derivative come out -0.04 instead of 0)."""
    t = Value(0.0)
    d = f(*[p + t * v for p, v in zip(primals, direction)])
    found, bounds = [d.data], [0.0]
    for _ in range(order):
        d = grad(d, t, create_graph=True)
        nodes = autonn.graph.topological_order(d)
        if most_nodes is not None and len(nodes) > most_nodes:
            raise TooLarge
        found.append(d.data)
        bounds.append(rounding_bound(d, nodes))
    return found, bounds


def points_for(op):
    """A few points inside the op's domain, away from its kinks, for each input (then its constants)."""
    n = op.arity or 3
    base = [0.3, -0.45, 0.7, 1.3, -1.6]
    for shift in range(len(base)):
        args = [base[(shift + i) % len(base)] for i in range(n)]
        if op.name in ("log", "log2", "log10", "sqrt", "pow", "powc"):
            args[0] = abs(args[0]) + 0.2
        if op.name == "clamp":
            args = [args[0], -1.0, 1.0]
        if op.name == "label_pm1":
            args = [1.0 if shift % 2 else -1.0]
        if op.name == "label_01":
            args = [abs(args[0])]
        consts = [2.5 if shift % 2 else 3.0][: op.consts]
        if op.name == "label_class":  # a class index: a whole number below the count of classes
            args, consts = [float(shift % 3)], [3.0]
        try:
            op.value(*args, *consts)
        except (ArithmeticError, ValueError):  # outside the domain (asin at 1.3): not a point for this op
            continue
        yield args, consts


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_alone_matches_nested_grad_to_order_6(name):
    op = OPS[name]
    points = list(points_for(op))
    assert len(points) >= 2
    for args, consts in points:
        direction = [0.7, -1.1, 0.4][: len(args)]
        f = lambda *xs: apply(op, *xs, *consts)  # noqa: E731
        assert_equal_to_nested(taylor(f, args, direction, 6), nested(f, args, direction, 6), 6)


@example(Expression([0.003], [Step("div", (0, 0))]), [1.0, 1.0, 1.0])  # nested grad's rounding: 5th derivative -0.04
# relu(sin(x ** x)) at -1: the slope in the exponent is nan, and the branch relu does not take drops it
@example(Expression([-1.0], [Step("pow", (0, 0)), Step("sin", (1,)), Step("relu", (2,))]), [1.0, 1.0, 1.0])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions(ops=BUILT_IN, max_steps=5),
       st.lists(st.sampled_from([1.0, -1.0, 0.5, -0.7, 2.0]), min_size=3, max_size=3))
def test_random_expressions_over_every_op_match_nested_grad_to_order_6(expr, direction):
    data = list(expr.values)
    for step in expr.steps:
        args = [data[a] for a in step.args] + list(step.consts)
        assume(not at_a_kink(step.op, args))
        data.append(OPS[step.op].value(*args))
    v = direction[: len(expr.values)]
    try:
        want, noise = nested_with_rounding(expr, list(expr.values), v, 6, most_nodes=5_000)
    except (ArithmeticError, ValueError):  # an infinite slope on the way: grad of a graph raises there
        assume(False)
    except TooLarge:  # nested grad's graph grows with every order; a few huge ones would take minutes
        assume(False)
    assert_equal_to_nested(taylor(expr, list(expr.values), v, 6), want, 6, noise)


def test_the_derivatives_of_a_function_of_one_number():
    # tanh' = 1 - tanh^2, tanh'' = -2 tanh (1 - tanh^2); and e^x gives e^x at every order.
    x = 0.5
    t = math.tanh(x)
    got = taylor(lambda a: a.tanh(), [x], [1.0], 2)
    assert got[0] == t
    assert math.isclose(got[1], 1 - t * t, rel_tol=1e-15) and math.isclose(got[2], -2 * t * (1 - t * t), rel_tol=1e-14)
    assert all(math.isclose(d, math.exp(0.3), rel_tol=1e-14) for d in taylor(lambda a: a.exp(), [0.3], [1.0], 8))


def test_a_direction_scales_the_k_th_derivative_by_its_k_th_power():
    f = lambda a, b: (a * b).sin() + a.log()  # noqa: E731
    one = taylor(f, [1.5, 0.2], [1.0, 0.0], 5)
    two = taylor(f, [1.5, 0.2], [2.0, 0.0], 5)
    assert all(math.isclose(b, a * 2.0 ** k, rel_tol=1e-12, abs_tol=1e-300) for k, (a, b) in enumerate(zip(one, two)))


def test_a_smooth_op_written_with_branches_has_its_series_at_the_switch():
    # sigmoid and softplus pick a branch by the sign of a; at a = 0 the series follows the direction of motion.
    for v in (1.0, -1.0):
        got = taylor(lambda a: a.sigmoid(), [0.0], [v], 3)
        assert got[:3] == [0.5, 0.25 * v, 0.0] and math.isclose(got[3], -0.125 * v ** 3)
        got = taylor(lambda a: a.softplus(), [0.0], [v], 2)
        assert got[0] == math.log(2.0) and got[1] == 0.5 * v and got[2] == 0.25


def test_at_a_kink_the_series_is_the_one_for_t_above_0():
    assert taylor(lambda a: a.relu(), [0.0], [1.0], 2) == [0.0, 1.0, 0.0]
    assert taylor(lambda a: a.relu(), [0.0], [-1.0], 2) == [0.0, 0.0, 0.0]
    assert taylor(lambda a: abs(a) * a, [0.0], [-1.0], 3) == [0.0, 0.0, -2.0, 0.0]


def test_a_registered_op_written_with_m_follows_from_its_forward():
    softsign = autonn.register_op("softsign_t", lambda a, m: a / (1.0 + m.abs(a)),
                                  lambda g, out, a, m: (g / ((1.0 + m.abs(a)) * (1.0 + m.abs(a))),),
                                  "d softsign(a)/da = 1/(1 + |a|)^2")
    try:
        f = lambda a: softsign(a * a)  # noqa: E731
        assert_equal_to_nested(taylor(f, [0.8], [1.0], 6), nested(f, [0.8], [1.0], 6), 6)
    finally:
        remove_op("softsign_t")


def test_a_float_only_forward_is_refused_naming_the_op():
    cube = autonn.register_op("cube_t", lambda a: a * a * a, lambda g, out, a, m: (g * 3.0 * a * a,),
                              "d a^3/da = 3 a^2")
    try:
        with pytest.raises(TypeError, match=r"taylor: op 'cube_t' has a float-only forward \(no m parameter\)"):
            taylor(lambda a: cube(a) + 1.0, [2.0], [1.0], 3)
    finally:
        remove_op("cube_t")


def test_domain_errors_and_bad_arguments_are_named():
    with pytest.raises(autonn.DomainError, match="log: expected a positive number"):
        taylor(lambda a: a.log(), [-1.0], [1.0], 2)
    with pytest.raises(ValueError, match="taylor: order must be at least 0"):
        taylor(lambda a: a, [1.0], [1.0], -1)
    with pytest.raises(TypeError, match="taylor: order must be an int"):
        taylor(lambda a: a, [1.0], [1.0], 2.0)
    with pytest.raises(ValueError, match="taylor: 2 primals but 1 direction"):
        taylor(lambda a, b: a * b, [1.0, 2.0], [1.0], 2)
    with pytest.raises(TypeError, match=r"taylor: primals\[0\] must be a real number"):
        taylor(lambda a: a, ["x"], [1.0], 2)
    with pytest.raises(TypeError, match="taylor: f must return a Value"):
        taylor(lambda a: "no", [1.0], [1.0], 2)
    assert taylor(lambda a: 3.0, [1.0], [1.0], 2) == [3.0, 0.0, 0.0]
    assert taylor(lambda a: a * 2.0, [1.0], [1.0], 0) == [2.0]


def test_x_to_the_x_matches_mpmath():
    mp = pytest.importorskip("mpmath", reason="mpmath gives the independent reference")
    mp.mp.dps = 30
    for x in (1.0, 2.0, 0.7):
        want = [float(mp.diff(lambda u: u ** u, x, k)) for k in range(7)]
        got = taylor(lambda a: a ** a, [x], [1.0], 6)
        assert all(math.isclose(g, w, rel_tol=1e-12) for g, w in zip(got, want)), (x, got, want)
