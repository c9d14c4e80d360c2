"""Compiling refuses, rather than freezes, a number read from a traced value.

While :func:`tracing` is active (the compiler's trace), ``.data`` of the node
class is a guarded property: a read from outside autonn of a node that
depends on the traced sources raises :class:`TraceError` naming the line of
the user's code.  ``float()``, ``bool()``, ``format()`` and ``.item()`` call
:func:`refuse_if_traced` themselves.  Outside a trace ``.data`` is the plain
slot again, at no cost.
"""

from __future__ import annotations

import linecache
import sys
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Iterable, Iterator, List, Optional, Set, Type

from .mode import watching
from .node import Node

__all__ = ["TraceError", "TRACES", "tracing", "refuse_if_traced", "user_line"]


class TraceError(RuntimeError):
    """A function being compiled read the number of a traced value (``.data``, ``float()``, ``bool()``...)."""


class _Traces:
    """The compilations running now: ``active`` counts them (while it is not 0, ``Value.data``
    is guarded); each thread's own traced sets are in ``mine`` (a trace in one thread never
    refuses another thread's reads)."""

    __slots__ = ("active", "lock", "_local")

    def __init__(self) -> None:
        self.active: int = 0
        self.lock = threading.Lock()
        self._local = threading.local()

    @property
    def mine(self) -> List[Set[Any]]:
        sets = getattr(self._local, "sets", None)
        if sets is None:
            sets = self._local.sets = []
        return sets


TRACES = _Traces()
_DATA_SLOT = Node.__dict__["data"]  # the storage behind ``.data``, read directly by the guard


def user_line(depth: int = 2) -> str:
    """``file:line (function): source`` of the innermost caller outside autonn, starting
    ``depth`` frames up: the line of *your* code that an error should point to."""
    frame: Optional[FrameType] = sys._getframe(depth)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autonn."):
        frame = frame.f_back
    if frame is None:
        return "(unknown line)"
    code = frame.f_code
    source = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{code.co_filename}:{frame.f_lineno} ({code.co_name}): {source}"


def refuse_if_traced(node: Node, what: str) -> None:
    if any(node in traced for traced in TRACES.mine):
        raise TraceError(
            f"compile: the function reads the number of a traced value ({what}) at {user_line(3)}. "
            "A compiled function runs once, on placeholders, so a number or a branch taken from a value "
            "that depends on the inputs or parameters would be frozen for every sample. Write the choice "
            "with ops instead (autonn.where(cond, a, b), autonn.gt, relu, maximum, clamp, ...), or compute "
            "it outside the function."
        )


def _guarded_data(self: Node) -> float:
    if TRACES.active and not sys._getframe(1).f_globals.get("__name__", "").startswith("autonn."):
        refuse_if_traced(self, ".data")
    number: float = _DATA_SLOT.__get__(self, Node)
    return number


def _set_data(self: Node, number: float) -> None:
    _DATA_SLOT.__set__(self, number)


@contextmanager
def tracing(cls: Type[Node], sources: Iterable[Node]) -> Iterator[Set[Any]]:
    """Inside the block, the nodes that depend on ``sources`` are traced: reading their
    number from your code (through the node class ``cls``) raises :class:`TraceError`
    naming your line.  (The engine itself still reads them.)  Yields the traced set."""
    traced = set(sources)

    def follow(out: Node, op: object, ins: Iterable[Node]) -> None:
        for x in ins:
            if x in traced:
                traced.add(out)
                return

    mine = TRACES.mine
    with TRACES.lock:
        TRACES.active += 1
        if TRACES.active == 1:  # the first trace guards ``.data`` for every Value
            cls.data = property(_guarded_data, _set_data, doc="The number this node holds.")  # type: ignore[assignment]  # the slot becomes a guarded property while tracing
    mine.append(traced)
    try:
        with watching(follow):
            yield traced
    finally:
        mine.remove(traced)
        with TRACES.lock:
            TRACES.active -= 1
            if not TRACES.active:
                del cls.data  # back to the plain slot: no cost outside a trace
