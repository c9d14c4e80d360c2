"""The gradient a branch not taken hands back: nothing at all, not ``0 * rule``.

A piecewise op's rule *selects* its gradient: ``m.select(mask, value)`` is
``value`` where ``mask`` is not 0 and :data:`ABSENT` elsewhere.  The reverse
walk never runs the rule of a node whose gradient is absent, so an infinite
slope on a branch that was not taken never meets a zero and makes nan
(``where(x > 0, sqrt(x), 0)`` at ``x = 0`` has gradient 0, not nan).

:data:`ABSENT` is a float equal to 0.0, so anything that reads it as a number
(``.grad``, a diagram, a sum) sees 0.  Added to a gradient it gives that
gradient; only the engine's loops look at its identity.  On arrays (a
compiled batch) a row cannot be absent, so ``select`` gives 0 there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ABSENT", "Absent", "is_absent"]


class Absent(float):
    """The type of :data:`ABSENT`: 0.0 that, added to anything, leaves it as it was."""

    __slots__ = ()

    def __new__(cls) -> "Absent":
        return super().__new__(cls, 0.0)

    # ``x + ABSENT`` calls __radd__ first (a subclass's reflected method wins), so the
    # sum is ``x`` itself - a float, or a node when gradients are built as a graph.
    def __add__(self, other: Any) -> Any:  # absent + x is x, whatever x is
        return other

    def __radd__(self, other: Any) -> Any:
        return other

    def __reduce__(self) -> str:
        return "ABSENT"  # a copy or a pickle is the one marker, so identity checks hold


#: The one absent gradient (compare with ``is``).
ABSENT = Absent()


def is_absent(g: object) -> bool:
    """True for the gradient of a branch not taken (:data:`ABSENT`)."""
    return g is ABSENT
