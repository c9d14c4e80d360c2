"""Every derivative rule in the table against central finite differences (float64)."""

import math

import numpy as np
import pytest

import autonn
from autonn.ops import FLOAT_MATH, OPS
from autonn.value import apply

# Points inside each op's domain (away from kinks, where a derivative is not defined).
GRID = [-2.3, -1.1, -0.4, 0.3, 0.9, 1.7, 2.8]
POSITIVE = [0.2, 0.7, 1.3, 2.9, 5.5]
SAFE_SECOND = [-1.9, -0.6, 0.8, 1.4, 3.1]

POINTS = {
    "add": [(a, b) for a in GRID for b in SAFE_SECOND],
    "sub": [(a, b) for a in GRID for b in SAFE_SECOND],
    "mul": [(a, b) for a in GRID for b in SAFE_SECOND],
    "div": [(a, b) for a in GRID for b in SAFE_SECOND],
    "neg": [(a,) for a in GRID],
    "powc": [(a, k) for a in POSITIVE for k in (-2.0, -0.5, 0.5, 1.0, 2.0, 3.0)]
    + [(a, k) for a in GRID for k in (2.0, 3.0, -1.0)],
    "pow": [(a, b) for a in POSITIVE for b in SAFE_SECOND],
    "abs": [(a,) for a in GRID],
    "exp": [(a,) for a in GRID],
    "log": [(a,) for a in POSITIVE],
    "log1p": [(a,) for a in [-0.9, -0.5, 0.0, 0.3, 4.0]],
    "sqrt": [(a,) for a in POSITIVE],
    "tanh": [(a,) for a in GRID],
    "sigmoid": [(a,) for a in GRID + [-30.0, 30.0]],
    "softplus": [(a,) for a in GRID + [-30.0, 30.0]],
    "relu": [(a,) for a in GRID],
    "sin": [(a,) for a in GRID],
    "cos": [(a,) for a in GRID],
    "sum": [tuple(GRID[:k]) for k in (1, 2, 5, 7)],
    "expm1": [(a,) for a in GRID],
    "log2": [(a,) for a in POSITIVE],
    "log10": [(a,) for a in POSITIVE],
    "tan": [(a,) for a in [-1.2, -0.4, 0.3, 0.9, 1.4]],
    "asin": [(a,) for a in [-0.95, -0.4, 0.0, 0.3, 0.9]],
    "acos": [(a,) for a in [-0.95, -0.4, 0.0, 0.3, 0.9]],
    "atan": [(a,) for a in GRID],
    "sinh": [(a,) for a in GRID],
    "cosh": [(a,) for a in GRID],
    "erf": [(a,) for a in GRID],
    "gelu": [(a,) for a in GRID],
    "silu": [(a,) for a in GRID + [-30.0, 30.0]],
    "step": [(a,) for a in GRID],
    "sign": [(a,) for a in GRID],
    "leaky_relu": [(a, s) for a in GRID for s in (0.01, 0.2)],
    "elu": [(a, s) for a in GRID for s in (1.0, 0.5)],
    "maximum": [(a, b) for a in GRID for b in SAFE_SECOND],
    "minimum": [(a, b) for a in GRID for b in SAFE_SECOND],
    "gt": [(a, b) for a in GRID for b in SAFE_SECOND],
    "ge": [(a, b) for a in GRID for b in SAFE_SECOND],
    "lt": [(a, b) for a in GRID for b in SAFE_SECOND],
    "le": [(a, b) for a in GRID for b in SAFE_SECOND],
    "eq": [(a, b) for a in GRID for b in SAFE_SECOND],
    "ne": [(a, b) for a in GRID for b in SAFE_SECOND],
    "where": [(c, a, b) for c in (0.0, 1.0, -2.0) for a in GRID[:3] for b in SAFE_SECOND[:2]],
    "clamp": [(a, -1.0, 1.2) for a in GRID] + [(0.5, lo, hi) for lo, hi in ((-0.3, 0.2), (0.6, 0.9), (0.1, 1.0))],
    "label_pm1": [(-1.0,), (1.0,)],
    "label_01": [(0.1,), (0.5,), (0.8,)],
    "label_class": [(0.0, 3.0), (2.0, 3.0), (1.0, 2.0)],
}

EPS = 1e-6


def differentiable(op):
    """What finite differences are taken of: the op with its domain checks, except for an op
    defined only at isolated points (label_pm1: -1 and +1; label_class: whole numbers), whose
    neighbours are outside its domain; there the formula itself (y * 1.0, slope 1) is differenced."""
    if op.name in ("label_pm1", "label_class"):
        return lambda *xs: op.forward(*xs, FLOAT_MATH)
    return op.value


def central_difference(f, args, i):
    up = list(args)
    down = list(args)
    h = EPS * max(1.0, abs(args[i]))
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_every_op_has_grid_points():
    assert set(POINTS) == set(OPS), "add grid points for new ops"


@pytest.mark.parametrize("name", sorted(OPS))
def test_rule_matches_finite_differences(name):
    """The op's own rule on floats: pullback with g = 1 is the local derivative."""
    op = OPS[name]
    for args in POINTS[name]:
        n = len(args) - op.consts
        out = op.value(*args)
        got = op.pullback(1.0, out, args, FLOAT_MATH)
        assert len(got) == n
        for i in range(n):
            want = central_difference(differentiable(op), args, i)
            assert close(got[i], want), (name, args, i, got[i], want)


@pytest.mark.parametrize("name", sorted(OPS))
def test_value_backward_matches_finite_differences(name):
    """The same through Value, backward() and .grad: the op is recorded and its rule used."""
    op = OPS[name]
    for args in POINTS[name]:
        n = len(args) - op.consts
        leaves = [autonn.Value(x) for x in args[:n]]
        out = apply(op, *leaves, *args[n:])
        assert out.op == name and out.parents == tuple(leaves) and out.constants == tuple(args[n:])
        assert out.data == op.value(*args)
        out.backward()
        for i, leaf in enumerate(leaves):
            want = central_difference(differentiable(op), list(args), i)
            assert close(leaf.grad, want), (name, args, i, leaf.grad, want)


OPERATORS = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
]


@pytest.mark.parametrize("name, operator", OPERATORS)
def test_operators_record_their_op_with_numbers_on_either_side(name, operator):
    a = autonn.Value(1.5)
    for out in (operator(a, autonn.Value(2.0)), operator(a, 2.0), operator(2.0, a)):
        numbers = [p.data for p in out.parents] + list(out.constants)
        assert out.op == ("powc" if out.constants else name) and out.data == operator(*numbers)
    assert (-a).op == "neg" and (a ** 2).op == "powc" and (a ** 2).param == 2.0 and abs(a).op == "abs"


def test_every_op_has_a_formula_for_each_input_and_a_description():
    for op in OPS.values():
        assert op.doc and op.formulas and all(op.formulas)
        assert len(op.formulas) in (1, op.arity or 1), op.name


def test_rules_work_on_numpy_float64():
    """The rules are plain arithmetic: numpy scalars in, same numbers out."""
    for name in ("mul", "div", "tanh", "sin", "pow", "gelu", "clamp"):
        op = OPS[name]
        args = POINTS[name][3]
        out = op.value(*args)
        plain = op.pullback(1.0, out, args, FLOAT_MATH)
        wrapped = op.pullback(np.float64(1.0), np.float64(out), tuple(map(np.float64, args)), FLOAT_MATH)
        assert all(math.isclose(p, w, rel_tol=1e-15) for p, w in zip(plain, wrapped))


@pytest.mark.parametrize("a", [-700.0, -300.0, -36.0, -30.0, -5.0, 0.0, 5.0, 30.0, 36.0, 300.0])
def test_saturating_slopes_keep_their_relative_accuracy(a):
    """Far out, finite differences see nothing; the closed forms still give the tiny slopes."""
    e = math.exp(-abs(a))  # never overflows
    sigmoid = 1 / (1 + e) if a >= 0 else e / (1 + e)
    want_sigmoid_slope = e / (1 + e) ** 2  # s (1 - s), symmetric in a
    x = autonn.Value(a)
    x.sigmoid().backward()
    assert math.isclose(x.grad, want_sigmoid_slope, rel_tol=1e-12)
    y = autonn.Value(a)
    y.softplus().backward()
    assert math.isclose(y.grad, sigmoid, rel_tol=1e-12)


def test_the_array_step_gives_heavisides_numbers_on_small_and_large_arrays():
    # The array namespace's step takes one path up to a size and another beyond it; both are
    # held to np.heaviside(a, 0) on every kind of number, in float64 and float32.
    from autonn.ops.arraymath import ARRAY_MATH

    special = [-np.inf, -2.5, -1e-300, -0.0, 0.0, 1e-300, 3.0, np.inf, np.nan]
    for dtype in (np.float64, np.float32):
        for size in (len(special), 5000):
            a = np.resize(np.array(special, dtype=dtype), size).reshape(-1, 1)
            got, want = ARRAY_MATH.step(a), np.heaviside(a, 0.0)
            assert got.dtype == dtype and got.shape == a.shape
            assert np.array_equal(got, want, equal_nan=True), (dtype, size)
