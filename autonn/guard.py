"""Compiling refuses, rather than freezes, a number read from a traced value.

While :func:`tracing` is active (the compiler's trace), ``.data`` of the node
class is a guarded property: a read or a write from outside autonn of a node
that depends on the traced sources raises :class:`TraceError` naming the line
of the user's code.  ``float()``, ``bool()``, ``format()`` and ``.item()`` call
:func:`refuse_if_traced` themselves; ``repr()`` and ``str()`` are guarded for
the trace as ``.data`` is.  Outside a trace ``.data`` is the plain slot and
``repr`` the class's own again, at no cost.

A refusal can be caught, and so can an op's error (``log`` of 0): a
``try``/``except`` around either would take its branch once, at the trace,
for every sample.  So every such error raised inside a trace is recorded, and
a trace that ends normally after one raises :class:`TraceError` naming the
line where it was raised.  (``id()`` and ``hash()`` of a Value come from its
identity, never from its number, so they freeze nothing and are left alone.)
"""

from __future__ import annotations

import linecache
import sys
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Any, Callable, Iterable, Iterator, List, Optional, Set, Tuple, Type

from .mode import watching
from .node import Node
from .ops import Op

__all__ = ["TraceError", "TRACES", "tracing", "refuse_if_traced", "refuse_assignment", "from_user", "user_line"]


class TraceError(RuntimeError):
    """A function being compiled read the number of a traced value (``.data``, ``float()``, ``bool()``...)."""


class _Trace:
    """One running trace: the nodes that depend on its sources, and the errors raised while
    it ran (each with the user's line), which the function may have caught."""

    __slots__ = ("nodes", "raised")

    def __init__(self, sources: Iterable[Node]) -> None:
        self.nodes: Set[Any] = set(sources)
        self.raised: List[Tuple[BaseException, str]] = []


class _Traces:
    """The compilations running now: ``active`` counts them (while it is not 0, ``Value.data``
    is guarded); each thread's own traces are in ``mine`` (a trace in one thread never
    refuses another thread's reads)."""

    __slots__ = ("active", "lock", "_local")

    def __init__(self) -> None:
        self.active: int = 0
        self.lock = threading.Lock()
        self._local = threading.local()

    @property
    def mine(self) -> List[_Trace]:
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


_WHAT_INSTEAD = (
    "Write the choice with ops instead (autonn.where(cond, a, b), autonn.gt, relu, maximum, clamp, ...), "
    "or compute it outside the function."
)


def refuse_if_traced(node: Node, what: str, instead: str = _WHAT_INSTEAD, does: str = "reads the number of") -> None:
    """Raise :class:`TraceError` if ``node`` is traced by this thread's trace, naming the user's line."""
    for trace in TRACES.mine:
        if node in trace.nodes:
            err = TraceError(
                f"compile: the function {does} a traced value ({what}) at {user_line(3)}. "
                "A compiled function runs once, on placeholders, so a number or a branch taken from a value "
                "that depends on the inputs or parameters would be frozen for every sample. " + instead
            )
            trace.raised.append((err, ""))  # if the function catches it, the trace's end raises it again
            raise err


def from_user(depth: int) -> bool:
    """True if the caller ``depth`` frames up is outside autonn (the engine reads freely)."""
    return not sys._getframe(depth + 1).f_globals.get("__name__", "").startswith("autonn.")


def _guarded_data(self: Node) -> float:
    if TRACES.active and from_user(1):
        refuse_if_traced(self, ".data")
    number: float = _DATA_SLOT.__get__(self, Node)
    return number


def _set_data(self: Node, number: float) -> None:
    if TRACES.active and from_user(1):
        refuse_assignment(self)
    _DATA_SLOT.__set__(self, number)


def refuse_assignment(node: Node) -> None:
    """Refuse ``node.data = x`` from a traced function: the compiled step would never see it."""
    refuse_if_traced(node, "x.data = ...", does="assigns the number of", instead=(
        "Assigning a traced value's .data changes this one trace only: the compiled step computes the "
        "node from its inputs for every sample. Write the new number as an op instead "
        "(x = autonn.where(cond, new, x), or x = x * 0 + number for a constant).")
    )


def _guarded_repr(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def guarded(self: Node) -> str:
        if TRACES.active and from_user(1):
            refuse_if_traced(self, "repr() or str()")
        return original(self)

    return guarded


def _recording_value(original: Callable[..., float]) -> Callable[..., float]:
    """``Op.value`` that notes, for this thread's trace, an error it raises and the user's line."""

    def value(self: Op, *args: float) -> float:
        try:
            return original(self, *args)
        except Exception as err:
            mine = TRACES.mine
            if mine:
                mine[-1].raised.append((err, user_line(2)))
            raise

    return value


def _refuse_caught(trace: _Trace) -> None:
    """The trace ended normally: an error raised inside it was caught by the function."""
    if not trace.raised:
        return
    err, line = trace.raised[0]
    if isinstance(err, TraceError):
        raise TraceError(f"{err} (The function caught this error and went on; it is raised again here.)")
    raise TraceError(
        f"compile: an op raised {type(err).__name__} ({err}) at {line}, and the function caught it and went "
        "on. A compiled function runs once, on placeholders, so the branch its except clause took there "
        "would be taken for every sample. Write the choice with ops instead: autonn.where(cond, a, b) with "
        "the op's input kept inside its domain (where(gt(x, 0), x, 1).log()), or an op whose domain "
        "covers every sample; a sample outside an op's domain then raises, naming the sample."
    )


@contextmanager
def tracing(cls: Type[Node], sources: Iterable[Node]) -> Iterator[Set[Any]]:
    """Inside the block, the nodes that depend on ``sources`` are traced: reading their
    number from your code (through the node class ``cls``) raises :class:`TraceError`
    naming your line.  (The engine itself still reads them.)  Yields the traced set.
    Leaving the block normally after an error raised inside it (one the function
    caught) raises :class:`TraceError`."""
    trace = _Trace(sources)
    traced = trace.nodes

    def follow(out: Node, op: object, ins: Iterable[Node]) -> None:
        for x in ins:
            if x in traced:
                traced.add(out)
                return

    mine = TRACES.mine
    with TRACES.lock:
        TRACES.active += 1
        if TRACES.active == 1:  # the first trace guards ``.data`` and ``repr`` for every Value
            cls.data = property(_guarded_data, _set_data, doc="The number this node holds.")  # type: ignore[assignment]  # the slot becomes a guarded property while tracing
            _SWAPPED[:] = [cls.__repr__, Op.value]
            cls.__repr__ = _guarded_repr(_SWAPPED[0])  # type: ignore[method-assign]  # restored when the last trace ends
            Op.value = _recording_value(_SWAPPED[1])  # type: ignore[method-assign]
    mine.append(trace)
    try:
        with watching(follow):
            yield traced
    finally:
        mine.remove(trace)
        with TRACES.lock:
            TRACES.active -= 1
            if not TRACES.active:
                del cls.data  # back to the plain slot: no cost outside a trace
                cls.__repr__, Op.value = _SWAPPED  # type: ignore[method-assign]
    _refuse_caught(trace)


# The methods a trace replaces while it runs, put back when the last one ends.
_SWAPPED: List[Any] = []
