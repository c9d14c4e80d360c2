"""Local derivatives: d(node)/d(each input) at the current values, from the op's own rule.

The derivative rules live in :mod:`autonn.ops`; this module only calls them
with an upstream gradient of 1, so a diagram or a ledger can never disagree
with what ``backward`` computes.
"""

from __future__ import annotations

from typing import Any, Tuple

from ..backward import local_gradients
from ..node import constants, op_of

__all__ = ["local_derivatives", "rule_formula"]


def local_derivatives(node: Any) -> Tuple[float, ...]:
    """``d node / d input_i`` for each input of ``node`` in order (``()`` for a leaf).

    The op's vjp rule with ``g = 1`` (see :func:`autonn.backward.local_gradients`);
    an infinite slope, e.g. ``sqrt`` at 0, is ``inf`` as in ``backward``.
    """
    return local_gradients(node, 1.0)


def rule_formula(node: Any, position: int) -> str:
    """The derivative formula of ``node``'s op for input number ``position``, with the node's
    constants in it (``d(a^2)/da = 2*a`` for ``x ** 2``)."""
    return op_of(node).formula_for(position, constants(node))  # type: ignore[union-attr]  # an op made every node drawn with a rule
