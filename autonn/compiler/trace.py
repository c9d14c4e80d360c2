"""Tracing: run a scalar function once on placeholder inputs and read back its graph.

The compiler never looks at Python code, only at the graph of Values the
function builds.  :func:`trace` calls the function on one placeholder leaf per
input column, walks the resulting graph (iteratively) and numbers its nodes
into a :class:`TracedGraph` - plain lists indexed by node number, inputs
before the nodes that use them.

Every leaf is one of three kinds:

* an **input** (one of the placeholders): column ``j`` of the batch;
* a **parameter** (a leaf listed in ``params``): read from ``p.data`` at
  every call, and differentiated;
* a **constant**: any other leaf (the ``2`` of ``2 * x``, or a Value the
  function holds but that is not listed as a parameter).  Its number is
  frozen at trace time.

A node that depends on neither inputs nor parameters is folded into a
constant with the number the trace computed for it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..graph import parents, topological_order
from ..node import op_of
from ..mode import collector_paused, enable_grad
from ..ops import DomainError, Op
from ..value import Value, tracing

__all__ = ["TracedGraph", "trace", "INPUT", "PARAM", "CONST"]

INPUT = "input"
# each input is one placeholder Value traced by hand; far beyond this the trace only exhausts memory
MAX_INPUTS = 1_000_000
PARAM = "param"
CONST = "const"


@dataclass
class TracedGraph:
    """A traced graph as lists indexed by node number (inputs before users).

    ``op[i]``      op name, or ``""`` for a leaf (including folded constants)
    ``ops[i]``     the node's :class:`~autonn.ops.Op` itself (``None`` for a leaf): what runs
    ``args[i]``    the input node numbers, in order (``()`` for a leaf)
    ``k[i]``       the node's constants (the exponent of a ``powc``), ``()`` for most ops
    ``leaf[i]``    for leaves: ``(INPUT, column)``, ``(PARAM, index)`` or ``(CONST, number)``
    ``label[i]``   the node's label
    ``batch[i]``   True if the node depends on an input column
    ``needs_grad[i]`` True if the node depends on a parameter
    ``root``       the node number of the function's output
    """

    op: List[str]
    ops: List[Optional[Op]]
    args: List[Tuple[int, ...]]
    k: List[Tuple[float, ...]]
    leaf: List[Any]  # (kind, number) for a leaf, None for other nodes
    label: List[str]
    batch: List[bool]
    needs_grad: List[bool]
    root: int

    def __len__(self) -> int:
        return len(self.op)


def _describe(p: Value, i: int) -> str:
    return f"params[{i}] (label {p.label!r}, data {p.data!r})" if p.label else f"params[{i}] (data {p.data!r})"


def check_params(params: Sequence[Any], who: str) -> List[Value]:
    """``params`` as a list of distinct leaf Values, or a TypeError/ValueError naming the bad one."""
    if isinstance(params, Value) or not hasattr(params, "__iter__"):
        raise TypeError(f"{who}: params must be a list of Values, got {type(params).__name__}")
    params = list(params)
    seen: Dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: params[{i}] is a {type(p).__name__}, expected a Value")
        if not p.is_leaf:
            raise ValueError(
                f"{who}: {_describe(p, i)} is the result of op {p.op!r}, expected a leaf Value "
                "(parameters are the numbers an optimiser changes)"
            )
        j = seen.setdefault(id(p), i)
        if j != i:
            raise ValueError(f"{who}: params[{i}] is the same Value as params[{j}]; list each parameter once")
    return params


def _call_on_placeholders(fn: Callable[..., Any], placeholders: List[Value], params: List[Value], who: str) -> Value:
    try:
        # the graph must be recorded even inside no_grad(); reading a traced number is refused
        with enable_grad(), collector_paused(), tracing(placeholders + params):
            out = fn(placeholders)
    except (DomainError, ZeroDivisionError) as err:
        values = [p.data for p in placeholders]
        raise type(err)(
            f"{who}: tracing the function on the example inputs {values} failed: {err}. "
            "Pass example= with one sample inside the function's domain."
        ) from err
    if not isinstance(out, Value):
        raise TypeError(f"{who}: the function must return one Value (the loss of one sample), got {type(out).__name__}")
    return out


def trace(fn: Callable[..., Any], params: Sequence[Any], n_inputs: int, example: Optional[Sequence[float]] = None,
          allow_unused: bool = False, who: str = "compile") -> TracedGraph:
    """Call ``fn`` once on ``n_inputs`` placeholder Values and number the graph it returns.

    ``example`` gives the placeholders' numbers during the trace (default 0.0
    each); only the graph's shape is kept, so it matters only when the
    function would hit a domain error (``log(0)``) on zeros.  A parameter
    the output does not depend on is an error unless ``allow_unused``.
    """
    if isinstance(n_inputs, (bool, np.bool_)) or not isinstance(n_inputs, numbers.Integral):
        raise TypeError(f"{who}: n_inputs must be a non-negative int, got {type(n_inputs).__name__}: {n_inputs!r}")
    if n_inputs < 0 or n_inputs > MAX_INPUTS:
        raise ValueError(f"{who}: n_inputs must be from 0 to {MAX_INPUTS}, got {n_inputs!r}")
    n_inputs = int(n_inputs)
    params = check_params(params, who)
    if example is None:
        example = [0.0] * n_inputs
    else:
        example = [float(x) for x in example]
        if len(example) != n_inputs:
            raise ValueError(f"{who}: example has {len(example)} numbers, expected n_inputs = {n_inputs}")
    placeholders = [Value(x, f"x{j}") for j, x in enumerate(example)]
    out = _call_on_placeholders(fn, placeholders, params, who)

    order = topological_order(out)
    number = {id(node): i for i, node in enumerate(order)}
    column = {id(p): j for j, p in enumerate(placeholders)}
    param_index = {id(p): i for i, p in enumerate(params)}

    missing = [i for i, p in enumerate(params) if id(p) not in number]
    if missing and not allow_unused:
        listed = ", ".join(_describe(params[i], i) for i in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ValueError(f"{who}: the function's output does not depend on {listed}{more}; "
                         "pass only the parameters the function uses (or allow_unused=True)")

    n = len(order)
    g = TracedGraph([""] * n, [None] * n, [()] * n, [()] * n, [None] * n, [""] * n, [False] * n, [False] * n, n - 1)
    for i, node in enumerate(order):
        g.label[i] = node.label
        if node.is_leaf:
            key = id(node)
            if key in column:
                g.leaf[i] = (INPUT, column[key])
                g.batch[i] = True
            elif key in param_index:
                g.leaf[i] = (PARAM, param_index[key])
                g.needs_grad[i] = True
            else:
                g.leaf[i] = (CONST, node.data)
            continue
        args = tuple(number[id(p)] for p in parents(node))
        batch = any(g.batch[a] for a in args)
        needs_grad = any(g.needs_grad[a] for a in args)
        if not batch and not needs_grad:
            g.leaf[i] = (CONST, node.data)  # folded: its number can never change
            continue
        g.ops[i] = op_of(node)
        g.op[i] = g.ops[i].name  # pyright: ignore[reportOptionalMemberAccess]  # an op made this node
        g.args[i] = args
        g.k[i] = node.constants
        g.batch[i] = batch
        g.needs_grad[i] = needs_grad
    return g
