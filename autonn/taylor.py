"""Taylor mode: every derivative of ``t -> f(primals + t * direction)`` at 0, up to an order, in one pass.

::

    autonn.taylor(lambda x: x.tanh(), [0.5], [1.0], 4)   # tanh and its first 4 derivatives at 0.5

``f`` is run once on Values to record its graph; then each node's op runs its
one ``forward(*xs, m)`` on truncated Taylor series (:mod:`autonn.ops.taylormath`),
inputs before the nodes that use them.  A node costs about ``order**2 / 2``
multiplications, so the whole pass grows quadratically with the order, where
nested ``grad`` builds a graph of every derivative's graph (``tanh``'s seventh
derivative is 935 nodes).  The k-th derivative is the k-th coefficient times k!.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Sequence

from .arguments import real_number, whole_number
from .graph import topological_order
from .node import constants, inputs, op_of
from .ops import TAYLOR_MATH
from .ops.taylormath import Series, lift
from .value import Value

__all__ = ["taylor"]


def _numbers(xs: Any, what: str, who: str) -> List[float]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{who}: {what} must be a list or tuple of numbers (one per argument of f), "
                        f"got {type(xs).__name__}")
    return [real_number(x.data if isinstance(x, Value) else x, f"{what}[{i}]", who) for i, x in enumerate(xs)]


def taylor(f: Callable[..., Any], primals: Sequence[Any], direction: Sequence[Any], order: int) -> List[float]:
    """``[g(0), g'(0), ..., g^(order)(0)]`` for ``g(t) = f(primals + t * direction)``.

    ``f`` takes one Value per number of ``primals`` and returns one Value;
    ``direction`` has one number per primal (``[1.0]`` for a function of one
    number: then the list is f, f', ..., f^(order) at the primal).  Every op
    of the graph must have a forward written with ``m`` (all the built-in
    ops are); at a kink the derivatives are those for ``t > 0``.
    """
    who = "taylor"
    if not callable(f):
        raise TypeError(f"{who}: f must be callable (Values -> Value), got {type(f).__name__}")
    xs = _numbers(primals, "primals", who)
    vs = _numbers(direction, "direction", who)
    if len(xs) != len(vs):
        raise ValueError(f"{who}: {len(xs)} primals but {len(vs)} direction numbers; give one per primal")
    n = whole_number(order, "order", who)
    leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    out = f(*leaves)
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        return [float(out)] + [0.0] * n
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    series: Dict[Any, Series] = {leaf: Series([x, v] + [0.0] * (n - 1) if n else [x])
                                 for leaf, x, v in zip(leaves, xs, vs)}
    for node in topological_order(out):
        op = op_of(node)
        if op is None:
            if node not in series:
                series[node] = lift(node.data, n)  # a constant of f, or a Value f closed over
            continue
        if not op.vectorized:
            raise TypeError(f"{who}: op {op.name!r} has a float-only forward (no m parameter), so it cannot be "
                            "evaluated on Taylor series; write its forward as forward(*xs, m) with m's functions")
        result = lift(op.forward(*[series[x] for x in inputs(node)], *constants(node), m=TAYLOR_MATH), n)
        # The value itself is the engine's: at a jump (a comparison exactly at its switch) the series is
        # the one for t > 0, but f at t = 0 is what f gives.
        result.c[0] = node.data
        series[node] = result
    return [c * math.factorial(k) for k, c in enumerate(series[out].c)]
