"""Whether new ops record a graph: the switch behind :func:`no_grad`."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["GRAD_MODE", "no_grad", "is_grad_enabled", "collector_paused"]


class _GradMode(threading.local):
    """The flag every op reads when it builds a node: one per thread, on by default."""

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
    evaluation, and for updating parameters by hand.  Blocks nest; the switch
    is per thread (a block in one thread never stops another from recording),
    and leaving the block by any path restores what was there before.
    """
    previous = GRAD_MODE.enabled
    GRAD_MODE.enabled = False
    try:
        yield
    finally:
        GRAD_MODE.enabled = previous


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector inside the block; restore it on the way out.

    autonn graphs hold no reference cycles (they are freed by reference
    counting), so while a large graph is being built the collector's sweeps
    over it find nothing - yet each full sweep walks every object the process
    holds, which in a busy process (a notebook, PyTorch imported) can take
    more than half of an eager training step.  :func:`autonn.train.fit` runs
    each step inside this block.  Cycles made elsewhere are still collected
    after the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
