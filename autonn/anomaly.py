"""NaN hunting: ``with autonn.detect_anomaly():`` stops at the first op that makes inf or nan.

Inside the block every new node remembers the line of *your* code that built
it, and

* the moment an op's value is inf or nan, :class:`AnomalyError` names the op,
  its inputs and that line;
* after a backward pass (``backward()``, ``autonn.grad``), the first node whose
  rule turned a finite gradient into inf or nan for one of its inputs is
  named the same way, with the gradient that arrived - before any ``.grad``
  is written.

Off by default and free when off: the engine's fast path checks one counter
it checks anyway (see :mod:`autonn.mode`).  While on, the checks apply to
every thread (they are process-wide), and cost a stack walk per node.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Dict, Iterator

from .mode import watching
from .node import inputs, op_of, rule_args
from .ops import FLOAT_MATH
from .guard import user_line

__all__ = ["detect_anomaly", "AnomalyError"]


class AnomalyError(FloatingPointError):
    """An op or a derivative rule produced inf or nan inside :func:`detect_anomaly`."""


def _finite(x: Any) -> bool:
    x = float(getattr(x, "data", x))
    return bool(x - x == 0.0)


def _describe_inputs(node: Any) -> str:
    parts = [f"{x.label or type(x).__name__}={x.data!r}" for x in inputs(node)]
    parts += [f"constant {c!r}" for c in node.constants]
    return ", ".join(parts)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first inf or nan, naming the op, its inputs and your line."""
    sites: Dict[Any, Any] = {}

    def on_node(out: Any, op: Any, ins: Any) -> None:
        site = user_line(3)
        sites[out] = site
        if not _finite(out.data):
            values = ", ".join(repr(x.data) for x in ins)
            raise AnomalyError(f"{op.name} gave {out.data!r} from ({values}), at {site}")

    def on_gradients(order: Any, grads: Any) -> None:
        for i in range(len(order) - 1, -1, -1):
            node = order[i]
            op = op_of(node)
            g = grads.get(node)
            if op is None or g is None:
                continue
            g = float(getattr(g, "data", g))
            if not _finite(g):  # not made by a rule (checked below, from the output down): the seed or a hook
                where = "the output" if i == len(order) - 1 else f"{op.name}({_describe_inputs(node)})"
                raise AnomalyError(f"backward: the gradient at {where} is {g!r} (the gradient passed to "
                                   f"backward(), or what a hook returned); the node was built at "
                                   f"{sites.get(node, 'a line outside detect_anomaly()')}")
            local = op.pullback(g, node.data, rule_args(node), FLOAT_MATH)
            bad = [(k, x, d) for k, (x, d) in enumerate(zip(inputs(node), local)) if not _finite(d)]
            if bad:
                k, x, d = bad[0]
                site = sites.get(node, "a line outside detect_anomaly()")
                raise AnomalyError(
                    f"backward: {op.name}({_describe_inputs(node)}) = {node.data!r} received gradient {g!r} "
                    f"and its rule ({op.formula_for(k)}) gave {d!r} for input {k} "
                    f"({x.label or type(x).__name__}={x.data!r}); the node was built at {site}")

    try:
        with watching(on_node, on_gradients):
            yield
    finally:
        sites.clear()
