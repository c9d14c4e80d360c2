"""Local derivatives: d(node)/d(each input) at the current values, from the rule table.

The derivative rules live in :mod:`autonn.ops`; this module only calls them
with an upstream gradient of 1, so a diagram or a ledger can never disagree
with what ``backward`` computes.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from ..ops import BINARY, FLOAT_MATH, NARY, PARAM

__all__ = ["local_derivatives", "rule_formula"]


def _rule_arguments(node) -> tuple:
    """The arguments the node's vjp rule takes after ``g``: (out, *inputs)."""
    kind = node._op.kind
    if kind == BINARY:
        return (node.data, node._a.data, node._b.data)
    if kind == PARAM:
        return (node.data, node._a.data, node._b)
    if kind == NARY:
        return (node.data, tuple(t.data for t in node._a))
    return (node.data, node._a.data)


def local_derivatives(node) -> Tuple[float, ...]:
    """``d node / d input_i`` for each input of ``node`` in order (``()`` for a leaf).

    Computed as the op's vjp rule with ``g = 1``.  Where the float rule raises
    (a slope that is infinite, e.g. ``sqrt`` at 0), it is re-evaluated with
    IEEE 754 arithmetic, giving ``inf``/``nan`` as ``backward`` does.
    """
    op = node._op
    if op is None:
        return ()
    args = _rule_arguments(node)
    try:
        result = op.vjp(1.0, *args, FLOAT_MATH)
    except ArithmeticError:
        ieee = [x if isinstance(x, tuple) else np.float64(x) for x in args]
        with np.errstate(all="ignore"):
            result = op.vjp(np.float64(1.0), *ieee, FLOAT_MATH)
    return tuple(float(d) for d in result)


def rule_formula(node, position: int) -> str:
    """The derivative formula of ``node``'s op for input number ``position``.

    Binary ops list one formula per input (``d(a*b)/da = b, d(a*b)/db = a``);
    this picks the one for that input.
    """
    op = node._op
    formula = op.formula
    if op.kind == BINARY:
        parts = [p.strip() for p in formula.split(", d")]
        if len(parts) == 2:
            part = parts[position]
            return part if position == 0 else "d" + part
    return formula
