"""Every op through every path, on grids with kinks, domain edges, ±0.0, ±inf and nan.

The paths (eager forward and backward, grad, grad with create_graph, the
local derivatives of diagrams and the ledger, the compiled forward and
backward) must give one answer; second derivatives must match finite
differences of the first; the conventions at kinks are pinned to PyTorch's;
and changing an op's definition at run time changes every path.
"""

import itertools
import math

import numpy as np
import pytest

import autonn
from autonn import OPS, Value
from autonn.value import apply
from autonn.viz.local import local_derivatives
from conformance import INF, NAN, check_point, first_derivatives, paths_of, second_derivatives

G1 = [-INF, -3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0, INF, NAN]
G2 = [-INF, -1.5, -0.0, 0.0, 0.5, 2.0, INF, NAN]
SMOOTH = [-1.7, -0.6, 0.4, 1.3, 2.2]


def grid(name):
    """The points (inputs, then constants) at which ``name`` is checked."""
    op = OPS[name]
    if name == "powc":
        return [(a, k) for a in G1 for k in (-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0)]
    if name == "pow":
        return list(itertools.product(G2, G2)) + [(0.0, 0.0), (0.0, 1.0), (-2.0, 2.0), (-2.0, 0.5), (3.0, -1.0)]
    if name in ("leaky_relu", "elu"):
        return [(a, s) for a in G1 for s in (0.01, 1.5)]
    if name == "clamp":
        return [(a, lo, hi) for a in G1 for lo, hi in ((-1.0, 1.0), (0.0, 0.0), (-INF, 0.5), (1.0, -1.0))]
    if name == "label_class":  # every number of the grid against 2 and 3 classes (the trace runs on 1.0)
        return [(a, k) for a in G1 for k in (2.0, 3.0)]
    if op.arity is None:
        return [(0.5,), (-0.0, 0.0), (1.0, INF, -1.5), (NAN, 2.0, 0.5, -1.5), (INF, -INF)]
    if op.arity == 2:
        return list(itertools.product(G2, G2))
    if op.arity == 3:
        return [(c, a, b) for c in (0.0, -0.0, 1.0, -2.0, NAN) for a, b in ((1.5, -2.0), (INF, NAN), (0.0, -0.0))]
    return [(a,) for a in G1]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_path_gives_one_answer(name):
    for point in grid(name):
        check_point(name, point)


def smooth_points(name):
    op = OPS[name]
    if name == "powc":
        return [(a, k) for a in SMOOTH for k in (-1.0, 0.5, 2.0, 3.0)]
    if name in ("leaky_relu", "elu"):
        return [(a, s) for a in SMOOTH for s in (0.01, 1.5)]
    if name == "label_pm1":  # defined at -1 and +1 only
        return [(-1.0,), (1.0,)]
    if name == "label_class":  # defined at whole numbers only
        return [(0.0, 3.0), (2.0, 3.0)]
    if name == "clamp":
        return [(a, -1.0, 1.0) for a in SMOOTH] + [(0.3, lo, hi) for lo, hi in ((-0.6, 0.9), (-0.2, 0.1))]
    if op.arity is None:
        return [tuple(SMOOTH[:k]) for k in (1, 3, 5)]
    if op.arity == 2:
        return [(a, b) for a in SMOOTH for b in SMOOTH[::2] if a != b]
    if op.arity == 3:
        return [(c, a, b) for c in (1.0, -0.5) for a, b in ((0.4, -1.7), (2.2, 1.3))]
    return [(a,) for a in SMOOTH]


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_derivatives_match_finite_differences_of_the_first(name):
    checked = 0
    for point in smooth_points(name):
        hessian = second_derivatives(name, point)
        if hessian is None:
            continue  # outside the op's domain
        n = len(hessian)
        if name in ("label_pm1", "label_class"):  # no neighbour inside the domain to difference: y'' = 0
            assert all(v == 0.0 for row in hessian for v in row), (name, point, hessian)
            checked += 1
            continue
        for j in range(n):
            h = 1e-5 * max(1.0, abs(point[j]))
            up, down = list(point), list(point)
            up[j] += h
            down[j] -= h
            numeric = (np.array(first_derivatives(name, up)) - np.array(first_derivatives(name, down))) / (2 * h)
            for i in range(n):
                assert hessian[i][j] == pytest.approx(numeric[i], rel=1e-4, abs=1e-6), (name, point, i, j)
        checked += 1
    assert checked, f"{name}: no smooth point inside its domain"


# (op, point, derivatives): PyTorch's conventions where the derivative is not defined.
KINKS = [
    ("relu", (0.0,), [0.0]),
    ("relu", (-0.0,), [0.0]),
    ("abs", (0.0,), [0.0]),
    ("sign", (0.0,), [0.0]),
    ("leaky_relu", (0.0, 0.1), [0.1, 0.0]),
    ("elu", (0.0, 2.0), [2.0, 0.0]),
    ("maximum", (1.0, 1.0), [0.5, 0.5]),
    ("minimum", (-2.0, -2.0), [0.5, 0.5]),
    ("clamp", (1.0, -1.0, 1.0), [1.0, 0.0, 0.0]),
    ("clamp", (-1.0, -1.0, 1.0), [1.0, 0.0, 0.0]),
    ("clamp", (2.0, -1.0, 1.0), [0.0, 0.0, 1.0]),
    ("sqrt", (0.0,), [INF]),
    ("asin", (1.0,), [INF]),
    ("acos", (-1.0,), [-INF]),
    ("powc", (0.0, 0.0), [0.0]),
    ("pow", (0.0, 0.0), [0.0, 0.0]),
    ("pow", (0.0, 2.0), [0.0, 0.0]),
    ("pow", (-2.0, 2.0), [-4.0, NAN]),
    ("where", (0.0, 1.0, 2.0), [0.0, 0.0, 1.0]),
    ("gt", (1.0, 1.0), [0.0, 0.0]),
]


@pytest.mark.parametrize("name, point, want", KINKS)
def test_conventions_at_kinks_and_edges(name, point, want):
    results = paths_of(name, point)
    kind, (value, derivs) = results["eager"]
    assert len(derivs) == len(want)
    for got, w in zip(derivs, want):
        assert (math.isnan(got) and math.isnan(w)) or got == w, (name, point, derivs, want)
    check_point(name, point)


def test_nan_propagates_through_relu_and_friends():
    for name in ("relu", "abs", "sigmoid", "softplus", "gelu", "silu", "maximum", "clamp"):
        op = OPS[name]
        point = (NAN,) + (0.0,) * (len(grid(name)[0]) - 1)
        assert math.isnan(apply(op, *point).data), name


def test_sin_and_cos_of_infinity_are_nan_on_every_path():
    for name in ("sin", "cos", "tan"):
        for x in (INF, -INF):
            kind, (value, derivs) = paths_of(name, (x,))["eager"]
            assert math.isnan(value) and math.isnan(derivs[0])
            check_point(name, (x,))


def _every_path_at_zero():
    x = Value(0.0, "x")
    y = x.relu()
    y.label = "y"
    y.backward()
    ledger_text = autonn.ledger(y, x)
    dot = autonn.to_dot(y, derivatives=True).source
    return {
        "backward": x.grad,
        "grad": autonn.grad(y, [x])[0],
        "create_graph": autonn.grad(y, [x], create_graph=True)[0].data,
        "local": local_derivatives(y)[0],
        "compiled": paths_of("relu", (0.0,))["compiled"][1][1][0],
        "ledger": float(ledger_text.strip().splitlines()[-1].rsplit("=", 1)[1]),
        "dot": float(dot.split('label="\u2202=')[1].split('"')[0]),
    }


def test_changing_one_rule_changes_every_path(monkeypatch):
    before = _every_path_at_zero()
    assert before == {"backward": 0.0, "grad": 0.0, "create_graph": 0.0, "local": 0.0, "compiled": 0.0,
                      "ledger": 0.0, "dot": 0.0}
    # relu's slope at 0 taken as 1 instead of 0: edit the one definition...
    monkeypatch.setattr(OPS["relu"], "vjp", lambda g, out, a, m: (g * m.where(m.ge(a, 0.0), 1.0, 0.0),))
    after = _every_path_at_zero()
    # ...and every path follows.
    assert after == {"backward": 1.0, "grad": 1.0, "create_graph": 1.0, "local": 1.0, "compiled": 1.0,
                     "ledger": 1.0, "dot": 1.0}


def test_changing_a_forward_changes_every_path(monkeypatch):
    a, b = Value(2.0), Value(3.0)
    assert (a + b).data == 5.0
    monkeypatch.setattr(OPS["add"], "forward", lambda x, y, m: x + y + 1.0)
    assert (a + b).data == 6.0 and (a + 1).data == 4.0 and (1 + a).data == 4.0
    assert paths_of("add", (2.0, 3.0))["compiled"][1][0] == 6.0
    assert autonn.sum([a, b]).data == 5.0  # sum is its own op
    monkeypatch.setattr(OPS["relu"], "domain", (autonn.Domain(lambda x, m: m.lt(x, 0.0), "no negatives, got {0}"),))
    with pytest.raises(autonn.DomainError, match="relu: no negatives, got -1.0"):
        Value(-1.0).relu()
    assert paths_of("relu", (-1.0,))["compiled"] == ("error", autonn.DomainError)


@pytest.mark.parametrize("name", [n for n in sorted(OPS) if any(d.signalled for d in OPS[n].domain)])
def test_signalled_domains_are_signalled_by_the_float_forward(name):
    """A domain marked signalled is checked only when the float forward raises or gives a
    non-finite or non-float result: hold every such op to that claim on its grid."""
    op = OPS[name]
    for point in grid(name):
        if any(d.signalled and d.undefined(*point, autonn.ops.FLOAT_MATH) for d in op.domain):
            try:
                out = op.forward(*point, autonn.ops.FLOAT_MATH)
            except (ArithmeticError, ValueError):
                continue
            assert not (type(out) is float and math.isfinite(out)), (name, point, out)
