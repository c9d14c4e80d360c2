"""Tracing: run a scalar function once on placeholder inputs and read back its graph.

The compiler never looks at Python code, only at the graph of Values the
function builds.  :func:`trace` calls the function on one placeholder leaf per
input column, walks the resulting graph (iteratively) and numbers its nodes
into a :class:`TracedGraph` - plain lists indexed by node number, inputs
before the nodes that use them.

This is the compiler's first pass (see :mod:`autonn.compiler`).  Every leaf is
one of three kinds (:class:`LeafKind`):

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
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..graph import numbered_graph
from ..node import constants
from ..mode import collector_paused, enable_grad
from ..ops import DomainError, Op
from ..value import Value, tracing

__all__ = ["TracedGraph", "trace", "LeafKind"]

# each input is one placeholder Value traced by hand; far beyond this the trace only exhausts memory
MAX_INPUTS = 1_000_000


class LeafKind(Enum):
    """What a leaf of the traced graph is (see the module docstring)."""

    INPUT = "input"  # a column of the batch; its number is the column
    PARAMETER = "parameter"  # read from the parameter vector; its number is the position there
    CONSTANT = "constant"  # frozen; its number is the value


@dataclass
class TracedGraph:
    """A traced graph as lists indexed by node number (inputs before users).

    ``op[i]``      op name, or ``""`` for a leaf (including folded constants)
    ``ops[i]``     the node's :class:`~autonn.ops.Op` itself (``None`` for a leaf): what runs
    ``args[i]``    the input node numbers, in order (``()`` for a leaf)
    ``k[i]``       the node's constants (the exponent of a ``powc``), ``()`` for most ops
    ``leaf[i]``    for leaves: ``(LeafKind.INPUT, column)``, ``(LeafKind.PARAMETER, index)``
                   or ``(LeafKind.CONSTANT, number)``
    ``label[i]``   the node's label
    ``batch[i]``   True if the node depends on an input column
    ``needs_grad[i]`` True if the node depends on a parameter
    ``root``       the node number of the function's output
    """

    op: List[str]
    ops: List[Optional[Op]]
    args: List[Tuple[int, ...]]
    k: List[Tuple[float, ...]]
    leaf: List[Optional[Tuple[LeafKind, Any]]]  # (kind, number) for a leaf, None for other nodes
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


def _call_once(fn: Callable[..., Any], example: List[float], params: List[Value]) -> Tuple[Value, List[Value]]:
    """``fn``'s output on placeholder inputs holding ``example``, and those placeholders."""
    placeholders = [Value(x, f"x{j}") for j, x in enumerate(example)]
    # the graph must be recorded even inside no_grad(); reading a traced number is refused
    with enable_grad(), collector_paused(), tracing(placeholders + params):
        return fn(placeholders), placeholders


def _call_on_placeholders(fn: Callable[..., Any], examples: List[List[float]], params: List[Value],
                          who: str) -> Tuple[Value, List[Value]]:
    """``fn``'s output on the first of ``examples`` inside the function's domain, and its placeholders."""
    failure: Exception = ValueError("no example")  # examples is never empty
    for example in examples:
        try:
            out, placeholders = _call_once(fn, example, params)
            break
        except (DomainError, ZeroDivisionError) as err:
            failure = err  # outside the domain here: the next example, if any
    else:
        tried = " and ".join(str(e) for e in examples)
        raise type(failure)(
            f"{who}: tracing the function on the example inputs {tried} failed: {failure}. "
            "Pass example= with one sample inside the function's domain."
        ) from failure
    if not isinstance(out, Value):
        raise TypeError(f"{who}: the function must return one Value (the loss of one sample), got {type(out).__name__}")
    return out, placeholders


def trace(fn: Callable[..., Any], params: Sequence[Any], n_inputs: int, example: Optional[Sequence[float]] = None,
          allow_unused: bool = False, who: str = "compile") -> TracedGraph:
    """Call ``fn`` once on ``n_inputs`` placeholder Values and number the graph it returns.

    ``example`` gives the placeholders' numbers during the trace.  Only the
    graph's shape is kept, and it cannot depend on the numbers (reading one
    raises :class:`~autonn.TraceError`), so any sample inside the function's
    domain gives the same graph: by default zeros, and if the function hits a
    domain error on zeros (``log(0)``, a hinge label of 0), ones.  A
    parameter the output does not depend on is an error unless ``allow_unused``.
    """
    if isinstance(n_inputs, (bool, np.bool_)) or not isinstance(n_inputs, numbers.Integral):
        raise TypeError(f"{who}: n_inputs must be a non-negative int, got {type(n_inputs).__name__}: {n_inputs!r}")
    if n_inputs < 0 or n_inputs > MAX_INPUTS:
        raise ValueError(f"{who}: n_inputs must be from 0 to {MAX_INPUTS}, got {n_inputs!r}")
    n_inputs = int(n_inputs)
    params = check_params(params, who)
    if example is None:
        examples = [[0.0] * n_inputs, [1.0] * n_inputs]
    else:
        examples = [[float(x) for x in example]]
        if len(examples[0]) != n_inputs:
            raise ValueError(f"{who}: example has {len(examples[0])} numbers, expected n_inputs = {n_inputs}")
    # The graph holds no cycles, and the collector's sweeps over millions of new
    # nodes and tuples would find nothing, and cost more the larger the graph.
    with collector_paused():
        out, placeholders = _call_on_placeholders(fn, examples, params, who)
        return _number(out, placeholders, params, allow_unused, who)


def _number(out: Value, placeholders: List[Value], params: List[Value], allow_unused: bool, who: str) -> TracedGraph:
    """The traced graph of ``out``: every node numbered, each leaf sorted into input, parameter or constant."""
    order, ops, positions = numbered_graph(out)
    column = {id(p): j for j, p in enumerate(placeholders)}
    param_index = {id(p): i for i, p in enumerate(params)}

    n = len(order)
    g = TracedGraph([""] * n, ops, positions, [()] * n, [None] * n, [""] * n, [False] * n, [False] * n, n - 1)
    names, k, leaf, labels, batch, needs_grad = g.op, g.k, g.leaf, g.label, g.batch, g.needs_grad
    seen = [False] * len(params)
    for i, node in enumerate(order):
        label = node.label
        if label:
            labels[i] = label
        op = ops[i]
        if op is None:  # a leaf
            key = id(node)
            if key in column:
                leaf[i] = (LeafKind.INPUT, column[key])
                batch[i] = True
            elif key in param_index:
                index = param_index[key]
                leaf[i] = (LeafKind.PARAMETER, index)
                needs_grad[i] = seen[index] = True
            else:
                leaf[i] = (LeafKind.CONSTANT, node.data)
            continue
        in_batch = in_grad = False
        for a in positions[i]:
            if batch[a]:
                in_batch = True
            if needs_grad[a]:
                in_grad = True
        if not in_batch and not in_grad:
            leaf[i] = (LeafKind.CONSTANT, node.data)  # folded: its number can never change
            ops[i] = None
            positions[i] = ()
            continue
        names[i] = op.name
        if op.consts:
            k[i] = constants(node)
        batch[i] = in_batch
        needs_grad[i] = in_grad
    del order  # the graph may be freed as soon as the caller drops its output

    missing = [i for i, used in enumerate(seen) if not used]
    if missing and not allow_unused:
        listed = ", ".join(_describe(params[i], i) for i in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ValueError(f"{who}: the function's output does not depend on {listed}{more}; "
                         "pass only the parameters the function uses (or allow_unused=True)")
    return g
