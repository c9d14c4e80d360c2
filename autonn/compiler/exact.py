"""A traced graph run sample by sample on the eager engine: what a compiled step
falls back to when its gradient comes out inf or nan.

A batch cannot leave one row of a gradient out, so where a piecewise rule
does not select a branch the compiled step hands it 0, and an infinite slope
behind that branch still makes ``0 * inf = nan``.  The eager engine hands such
a branch nothing (:mod:`autonn.ops.absent`).  A non-finite gradient is rare
and already the slow road, so the step then recomputes every sample here,
with the engine's own ``apply`` and reverse pass: the numbers are the eager
ones by construction.  :func:`sample_gradients` also names the first sample
whose loss or gradient is not finite, for :func:`autonn.detect_anomaly`
(:func:`first_anomaly`).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ..anomaly import paused
from ..backward import reverse_pass
from ..diagnose import diagnose
from ..ops.absent import ABSENT
from ..value import Constant, Value, apply
from .trace import LeafKind, TracedGraph

__all__ = ["sample_gradients", "batch_gradients", "first_anomaly"]


def _build(graph: TracedGraph, row: Sequence[float], pvec: Any) -> Tuple[List[Any], List[Value]]:
    """The graph's nodes as Values for one sample, and one fresh leaf per parameter."""
    params = [Value(float(p)) for p in pvec]
    nodes: List[Any] = []
    for i, op in enumerate(graph.ops):
        leaf = graph.leaf[i]
        if op is None:
            assert leaf is not None  # a node no op made is a leaf of the trace (its kind and number)
            kind, number = leaf
            if kind is LeafKind.INPUT:
                nodes.append(Value(float(row[number])))
            elif kind is LeafKind.CONSTANT:
                nodes.append(Constant(float(number)))
            else:
                nodes.append(params[number])
            continue
        nodes.append(apply(op, *[nodes[a] for a in graph.args[i]], *graph.k[i]))
    return nodes, params


def sample_gradients(graph: TracedGraph, row: Sequence[float], pvec: Any,
                     seed: float = 1.0) -> Tuple[float, List[float], List[Any], List[Value]]:
    """``(loss, d loss / d params, nodes, parameter leaves)`` of one sample, computed eagerly."""
    with paused():  # (detect_anomaly names the row itself: first_anomaly)
        nodes, params = _build(graph, row, pvec)
        root = nodes[graph.root]
        grads = reverse_pass(nodes, root, seed)
    out = [grads.get(p, 0.0) for p in params]
    return root.data, [0.0 if g is ABSENT else float(g) for g in out], nodes, params


def batch_gradients(graph: TracedGraph, X: Any, pvec: Any, scale: float
                    ) -> Tuple[np.ndarray, Optional[int]]:
    """The batch's parameter gradients (each sample's, times ``scale``, summed), and
    the first sample whose own gradient is not finite (None if every one is)."""
    total = np.zeros(len(pvec))
    first_bad: Optional[int] = None
    pvec = [float(p) for p in pvec]
    with np.errstate(all="ignore"):
        for s, row in enumerate(X.tolist()):
            grads = sample_gradients(graph, row, pvec, scale)[1]
            g = np.asarray(grads)
            if first_bad is None and not np.isfinite(g).all():
                first_bad = s
            total += g
    return total, first_bad


def _first_non_finite_value(graph: TracedGraph, nodes: List[Any]) -> str:
    for i, node in enumerate(nodes):
        x = node.data
        if x - x == 0.0:
            continue
        op = graph.ops[i]
        leaf = graph.leaf[i]
        if op is None and leaf is not None:
            return f"its input {leaf[1]} is {x!r}"
        assert op is not None
        ins = ", ".join(repr(nodes[a].data) for a in graph.args[i])
        label = f" ({graph.label[i]!r})" if graph.label[i] else ""
        return f"{op.name}({ins}) gave {x!r} at node {i} of the traced graph{label}"
    return "no node"  # (not reached: the output itself is not finite)


def first_anomaly(graph: TracedGraph, X: Any, pvec: Any, scale: float) -> Optional[str]:
    """What :func:`autonn.detect_anomaly` says of a compiled step whose loss or gradient is not
    finite: the first such sample (its row of ``X``) and where it arose; None if every one is finite."""
    pvec = [float(p) for p in pvec]
    with np.errstate(all="ignore"):
        for s, row in enumerate(X.tolist()):
            loss, grads, nodes, params = sample_gradients(graph, row, pvec, scale)
            if loss - loss != 0.0:
                return f"compiled step: the loss of sample {s} (row {s} of the batch) is {loss!r}: " + \
                    _first_non_finite_value(graph, nodes)
            if all(g - g == 0.0 for g in grads):
                continue
            for i, p in enumerate(params):
                p.label = p.label or f"params[{i}]"
            bad = [f for f in diagnose(nodes[graph.root], params) if f.kind == "non-finite"]
            return f"compiled step: sample {s} (row {s} of the batch): " + "; ".join(f.message for f in bad)
    return None
