"""One helper that runs an op through every path of autonn and demands one answer.

:func:`paths_of` evaluates one op at one point through

* the eager forward (``apply`` on Values) and ``backward()``,
* ``autonn.grad`` (float), ``autonn.grad(create_graph=True)`` (the rule run on Values),
* the local derivatives diagrams and the ledger show (``local_derivatives``),
* the ledger's text (``autonn.ledger``),
* the compiled forward and backward (``autonn.compile``, one row),

and :func:`check_point` asserts that they agree: the same value, the same
derivatives, or the same error type.  Used for every op, on grids that
include kinks, domain edges, ±0.0, ±inf and nan.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import numpy as np

import autonn
from autonn import OPS, Value
from autonn.value import apply
from autonn.viz.local import local_derivatives

INF = math.inf
NAN = math.nan


def same(a: float, b: float, rtol: float = 1e-12) -> bool:
    """Equal numbers (nan equals nan, infinities must match in sign)."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-300


def _outcome(fn):
    """``("ok", result)`` or ``("error", exception type)``."""
    try:
        return "ok", fn()
    except (ArithmeticError, ValueError) as err:
        return "error", type(err)


def eager(name: str, point: Sequence[float]):
    """The op at ``point`` on Values: ``(value, [d/dx_i by backward])``."""
    op = OPS[name]
    n = len(point) - op.consts
    leaves = [Value(x) for x in point[:n]]
    out = apply(op, *leaves, *point[n:])
    out.backward()
    return out, leaves


def compiled(name: str, point: Sequence[float]):
    """The op at ``point`` through ``autonn.compile`` (one sample, inputs ``x_i - w_i`` with ``w_i = 0``)."""
    op = OPS[name]
    n = len(point) - op.consts
    consts = list(point[n:])
    ws = [Value(0.0, f"w{i}") for i in range(n)]
    step = autonn.compile(lambda v: apply(op, *[v[i] - ws[i] for i in range(n)], *consts), ws, n,
                          reduction="sum", example=[1.0] * n, allow_unused=True)
    X = np.array([point[:n]], dtype=float)
    loss, grads = step(X)
    return loss, [-g for g in grads]  # d/dw_i = -d/dx_i


def paths_of(name: str, point: Sequence[float]) -> Dict[str, tuple]:
    """Every path's outcome at ``point``: ``("ok", (value, derivatives))`` or ``("error", type)``."""
    results: Dict[str, tuple] = {}
    kind, got = _outcome(lambda: eager(name, point))
    if kind == "error":
        results["eager"] = (kind, got)
    else:
        out, leaves = got
        results["eager"] = ("ok", (out.data, [x.grad for x in leaves]))
        results["grad"] = ("ok", (out.data, autonn.grad(out, leaves)))
        results["local"] = ("ok", (out.data, list(local_derivatives(out))))

        def symbolic():
            gs = autonn.grad(out, leaves, create_graph=True)
            return out.data, [g.data for g in gs]

        results["grad create_graph"] = _outcome(symbolic)
    results["compiled"] = _outcome(lambda: compiled(name, point))
    return results


def check_point(name: str, point: Sequence[float]) -> None:
    """All paths agree at ``point``; a message names the op, the point and the paths that differ."""
    results = paths_of(name, point)
    kind, ref = results["eager"]
    where = f"{name}{tuple(point)}"
    if kind == "error":
        assert results["compiled"] == ("error", ref), f"{where}: eager raised {ref.__name__}, compiled gave {results['compiled']}"
        return
    value, derivs = ref
    for path, (k, got) in results.items():
        if path == "grad create_graph" and k == "error":
            # Rules run as ops: an infinite or undefined slope raises there (documented).
            assert not all(map(math.isfinite, derivs)), f"{where}: create_graph raised {got.__name__} at finite slopes {derivs}"
            continue
        assert k == "ok", f"{where}: {path} raised {got.__name__}, eager gave {value}"
        v, d = got
        assert same(v, value), f"{where}: {path} value {v} != eager {value}"
        assert len(d) == len(derivs) and all(same(a, b) for a, b in zip(d, derivs)), \
            f"{where}: {path} derivatives {list(d)} != backward() {derivs}"


def second_derivatives(name: str, point: Sequence[float]) -> Optional[List[List[float]]]:
    """The Hessian of the op at ``point`` from ``grad(create_graph=True)`` twice, or None if it raises."""
    op = OPS[name]
    n = len(point) - op.consts
    leaves = [Value(x) for x in point[:n]]
    try:
        out = apply(op, *leaves, *point[n:])
        first = autonn.grad(out, leaves, create_graph=True)
        return [autonn.grad(f, leaves) for f in first]
    except (ArithmeticError, ValueError):
        return None


def first_derivatives(name: str, point: Sequence[float]) -> List[float]:
    op = OPS[name]
    n = len(point) - op.consts
    leaves = [Value(x) for x in point[:n]]
    return autonn.grad(apply(op, *leaves, *point[n:]), leaves)
