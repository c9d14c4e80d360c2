"""Whether new ops record a graph: the switch behind :func:`no_grad`."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

__all__ = ["GRAD_MODE", "no_grad", "is_grad_enabled"]


class _GradMode:
    """One shared flag, read by every op when it builds a node."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside a :func:`no_grad` block."""
    return GRAD_MODE.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute values but record no graph.

    The results are leaves: nothing flows back through them.  Use it for
    evaluation, and for updating parameters by hand.  Blocks nest; the flag is
    process-wide (not per thread).
    """
    previous = GRAD_MODE.enabled
    GRAD_MODE.enabled = False
    try:
        yield
    finally:
        GRAD_MODE.enabled = previous
