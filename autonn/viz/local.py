"""Local derivatives: d(node)/d(each input) at the current values, from the rule table.

The derivative rules live in :mod:`autonn.ops`; this module only calls them
with an upstream gradient of 1, so a diagram or a ledger can never disagree
with what ``backward`` computes.
"""

from __future__ import annotations

from typing import Tuple

from ..backward import local_gradients
from ..ops import BINARY

__all__ = ["local_derivatives", "rule_formula"]


def local_derivatives(node) -> Tuple[float, ...]:
    """``d node / d input_i`` for each input of ``node`` in order (``()`` for a leaf).

    The op's vjp rule with ``g = 1`` (see :func:`autonn.backward.local_gradients`);
    an infinite slope, e.g. ``sqrt`` at 0, is ``inf`` as in ``backward``.
    """
    return local_gradients(node, 1.0)


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
