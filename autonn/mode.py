"""Whether new ops record a graph: the switch behind :func:`no_grad`."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator, List, Optional, Tuple

__all__ = ["GRAD_MODE", "WATCHERS", "watching", "no_grad", "enable_grad", "is_grad_enabled", "collector_paused"]


class _ThreadSwitch(threading.local):
    def __init__(self) -> None:
        self.enabled = True


class _GradMode:
    """Whether ops record a graph: one switch per thread, on by default.

    Every op reads this when it builds a node, so the common case is made
    cheap: ``special`` counts what needs the slow path (threads whose switch
    is off, and watchers while any is active); while it is 0 a node is
    recorded without touching thread-local storage or anything else.
    """

    __slots__ = ("special", "_lock")

    def __init__(self) -> None:
        self.special = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.special == 0 or _THREAD.enabled

    def _set(self, on: bool) -> bool:
        """Set this thread's switch; return what it was."""
        with self._lock:
            was = _THREAD.enabled
            if was != on:
                _THREAD.enabled = on
                self.special += -1 if on else 1
        return was


class _Watchers:
    """What watches the engine at work: ``new_node`` functions ``(node, op, inputs)`` run
    after each new node, ``gradients`` functions ``(order, grads)`` after each reverse
    pass.  Used by :func:`autonn.detect_anomaly` and by the compiler's trace; empty
    (and never looked at, see :attr:`_GradMode.special`) otherwise."""

    __slots__ = ("new_node", "gradients")

    def __init__(self) -> None:
        self.new_node: List[Callable[[Any, Any, Any], None]] = []
        self.gradients: List[Callable[[Any, Any], None]] = []


WATCHERS = _Watchers()


@contextmanager
def watching(new_node: Optional[Callable[[Any, Any, Any], None]] = None,
             gradients: Optional[Callable[[Any, Any], None]] = None) -> Iterator[None]:
    """Run ``new_node`` / ``gradients`` as watchers inside the block (every thread sees them)."""
    added: List[Tuple[List[Any], Any]] = [(WATCHERS.new_node, new_node), (WATCHERS.gradients, gradients)]
    with GRAD_MODE._lock:
        for watchers, fn in added:
            if fn is not None:
                watchers.append(fn)
        GRAD_MODE.special += 1
    try:
        yield
    finally:
        with GRAD_MODE._lock:
            GRAD_MODE.special -= 1
            for watchers, fn in added:
                if fn is not None:
                    watchers.remove(fn)


_THREAD = _ThreadSwitch()
GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True unless this thread is inside a :func:`no_grad` block."""
    return GRAD_MODE.enabled


@contextmanager
def _grad_switch(on: bool) -> Iterator[None]:
    previous = GRAD_MODE._set(on)
    try:
        yield
    finally:
        GRAD_MODE._set(previous)


def no_grad() -> ContextManager[None]:
    """Inside this block ops compute values but record no graph.

    The results are leaves: nothing flows back through them.  Use it for
    evaluation, and for updating parameters by hand.  Blocks nest; the switch
    is per thread (a block in one thread never stops another from recording),
    and leaving the block by any path (an exception, Ctrl-C) restores what
    was there before.
    """
    return _grad_switch(False)


def enable_grad() -> ContextManager[None]:
    """The opposite of :func:`no_grad`: ops record a graph inside the block, even within ``no_grad``."""
    return _grad_switch(True)


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
