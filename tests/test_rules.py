"""Every derivative rule in the table against central finite differences (float64)."""

import math

import numpy as np
import pytest

import autonn
from autonn.ops import BINARY, FLOAT_MATH, NARY, OPS, PARAM, UNARY

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
}

EPS = 1e-6


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
    """Call the pure rule directly on floats: vjp with g = 1 is the local derivative."""
    op = OPS[name]
    for args in POINTS[name]:
        if op.kind == PARAM:
            a, k = args
            out = op.forward(a, k)
            (got,) = op.vjp(1.0, out, a, k, FLOAT_MATH)
            want = central_difference(lambda x: op.forward(x, k), [a], 0)
            assert close(got, want), (name, args, got, want)
            continue
        out = op.forward(*args)
        if op.kind == NARY:
            got = op.vjp(1.0, out, args, FLOAT_MATH)
        else:
            got = op.vjp(1.0, out, *args, FLOAT_MATH)
        assert len(got) == len(args)
        for i in range(len(args)):
            want = central_difference(op.forward, args, i)
            assert close(got[i], want), (name, args, i, got[i], want)


def _build(name, leaves, args):
    """The op applied through the public Value API."""
    if name == "powc":
        return leaves[0] ** args[1]
    if name == "sum":
        return autonn.sum(leaves)
    if name == "neg":
        return -leaves[0]
    if name == "abs":
        return abs(leaves[0])
    binary = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__", "pow": "__pow__"}
    if name in binary:
        return getattr(leaves[0], binary[name])(leaves[1])
    return getattr(leaves[0], name)()


@pytest.mark.parametrize("name", sorted(OPS))
def test_value_backward_matches_finite_differences(name):
    """The same through Value, backward() and .grad: the op is recorded and its rule used."""
    op = OPS[name]
    for args in POINTS[name]:
        n = 1 if op.kind == PARAM else len(args)
        leaves = [autonn.Value(x) for x in args[:n]]
        out = _build(name, leaves, args)
        assert out.op == name
        assert math.isclose(out.data, op.forward(*args), rel_tol=1e-15, abs_tol=1e-300)
        out.backward()
        fwd = (lambda x: op.forward(x, args[1])) if op.kind == PARAM else op.forward
        for i, leaf in enumerate(leaves):
            want = central_difference(fwd, list(args[:n]), i)
            assert close(leaf.grad, want), (name, args, i, leaf.grad, want)


def test_kinds_are_consistent_with_arity():
    for op in OPS.values():
        assert op.kind in (UNARY, BINARY, PARAM, NARY)
        assert op.formula and op.vjp.__doc__, f"{op.name} needs its formula in the docstring"


def test_rules_work_on_numpy_float64():
    """The rules are plain arithmetic: numpy scalars in, same numbers out."""
    for name in ("mul", "div", "tanh", "sin", "pow"):
        op = OPS[name]
        args = POINTS[name][3]
        out = op.forward(*args)
        plain = op.vjp(1.0, out, *args, FLOAT_MATH)
        wrapped = op.vjp(np.float64(1.0), np.float64(out), *map(np.float64, args), FLOAT_MATH)
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
