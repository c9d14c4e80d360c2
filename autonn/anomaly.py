"""NaN hunting: ``with autonn.detect_anomaly():`` stops at the first op that makes inf or nan.

Inside the block every new node remembers the line of *your* code that built
it (:mod:`autonn.lines`), and

* the moment an op's value is inf or nan, :class:`AnomalyError` names the op,
  its inputs and that line;
* after a backward pass (``backward()``, ``autonn.grad``), the first node whose
  rule turned a finite gradient into inf or nan for one of its inputs is
  named the same way, with the gradient that arrived - before any ``.grad``
  is written.  It is the text :func:`autonn.diagnose` gives for that gradient;
* a compiled step (``autonn.compile``) whose loss or gradient comes out inf or
  nan names the first such sample (its row of the batch) and, recomputed
  eagerly, the op where it arose.

The block watches its own thread only: another thread's work goes on
unchecked (it may open a block of its own).  Off by default and free when
off: the engine's fast path checks one counter it checks anyway (see
:mod:`autonn.mode`); while on, each new node costs a stack walk.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

from .diagnose import rule_turned_non_finite
from .guard import user_line
from .lines import open_book, recorded_site, write
from .mode import watching
from .node import inputs, op_of, rule_args
from .ops import FLOAT_MATH
from .ops.absent import ABSENT

__all__ = ["detect_anomaly", "AnomalyError", "is_watching", "paused"]


class AnomalyError(FloatingPointError):
    """An op or a derivative rule produced inf or nan inside :func:`detect_anomaly`."""


class _Here(threading.local):
    """This thread's open blocks, and how many :func:`paused` blocks it is inside."""

    def __init__(self) -> None:
        self.blocks = 0
        self.paused = 0


_HERE = _Here()


def is_watching() -> bool:
    """True inside a :func:`detect_anomaly` block of this thread (and not :func:`paused`)."""
    return _HERE.blocks > 0 and not _HERE.paused


@contextmanager
def paused() -> Iterator[None]:
    """Inside the block this thread's checks are off (the compiled step's eager recomputation
    runs here, so that it can name the row itself)."""
    _HERE.paused += 1
    try:
        yield
    finally:
        _HERE.paused -= 1


def _finite(x: Any) -> bool:
    x = float(getattr(x, "data", x))
    return bool(x - x == 0.0)


def _site(node: Any) -> str:
    return recorded_site(node) or "a line outside detect_anomaly()"


def _on_node(out: Any, op: Any, ins: Any) -> None:
    if not is_watching():
        return
    site = user_line(3)
    write(out, site)
    if not _finite(out.data):
        values = ", ".join(repr(x.data) for x in ins)
        raise AnomalyError(f"{op.name} gave {out.data!r} from ({values}), at {site}")


def _on_gradients(order: Any, grads: Any) -> None:
    if not is_watching():
        return
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        op = op_of(node)
        g = grads.get(node)
        if op is None or g is None or g is ABSENT:  # (a branch not taken: its rule never ran)
            continue
        g = float(getattr(g, "data", g))
        if not _finite(g):  # not made by a rule (checked below, from the output down): the seed or a hook
            where = "the output" if i == len(order) - 1 else f"{op.name}(...)"
            raise AnomalyError(f"backward: the gradient at {where} is {g!r} (the gradient passed to "
                               f"backward(), or what a hook returned); the node was built at {_site(node)}")
        local = op.pullback(g, node.data, rule_args(node), FLOAT_MATH)
        for k, (x, d) in enumerate(zip(inputs(node), local)):
            if d is not ABSENT and not _finite(d):
                raise AnomalyError("backward: " + rule_turned_non_finite(node, k, g, float(d), _site(node)))


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first inf or nan in this thread, naming the op, its inputs and your line."""
    _HERE.blocks += 1
    try:
        with open_book(), watching(_on_node, _on_gradients):
            yield
    finally:
        _HERE.blocks -= 1
