"""Hoisting: nodes that depend on parameters only are computed once per step, not once per sample.

A regulariser such as ``alpha * sum(p * p)`` added to every sample's loss
reads no input, so computing it for each of 1,000 samples repeats the same
numbers 1,000 times.  :func:`hoist` cuts the traced graph in two:

* the **per-step graph**: every parameter-only node that the rest of the graph
  reads (a *boundary* node) and everything it depends on, run on a batch of
  one column;
* the **per-sample graph**: the rest, in which each boundary node becomes a
  parameter leaf numbered after the real parameters (``n_params + k``).

The per-sample step then yields the gradient of the loss with respect to each
boundary node (summed over the batch).  The per-step graph's backward starts
from those gradients, written into the boundary nodes' gradient rows (its
output node is the last boundary node, the others are seeded beside it), and
gives, by the chain rule, each parameter's gradient through the hoisted nodes.
Both halves are ordinary traced graphs, scheduled and run by the same kernels.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .trace import LeafKind, TracedGraph

__all__ = ["hoist"]


def _subgraph(g: TracedGraph, keep: List[bool], leaf_of: Dict[Any, Any]) -> Tuple[TracedGraph, List[int]]:
    """The nodes marked in ``keep``, renumbered in their order; ``leaf_of`` turns some into leaves."""
    old = [i for i in range(len(g)) if keep[i]]
    new = {o: j for j, o in enumerate(old)}
    n = len(old)
    s = TracedGraph([""] * n, [None] * n, [()] * n, [()] * n, [None] * n, [""] * n, [False] * n, [False] * n, n - 1)
    for j, o in enumerate(old):
        s.label[j] = g.label[o]
        s.batch[j] = g.batch[o]
        s.needs_grad[j] = g.needs_grad[o]
        if o in leaf_of:
            s.leaf[j] = leaf_of[o]
            continue
        s.leaf[j] = g.leaf[o]
        s.op[j] = g.op[o]
        s.ops[j] = g.ops[o]
        s.k[j] = g.k[o]
        s.args[j] = tuple(new[a] for a in g.args[o])
    return s, old


def _reaching(g: TracedGraph, starts: Any, stop: Any) -> List[bool]:
    """Nodes that ``starts`` depend on (themselves included), not looking past ``stop``."""
    mark = [False] * len(g)
    for i in starts:
        mark[i] = True
    for i in range(len(g) - 1, -1, -1):  # users come after their inputs
        if mark[i] and not stop[i]:
            for a in g.args[i]:
                mark[a] = True
    return mark


def hoist(g: TracedGraph, n_params: int) -> Optional[Tuple[TracedGraph, TracedGraph, List[int]]]:
    """``(per_sample, per_step, boundary)`` for ``g`` (``boundary``: the boundary nodes' numbers in
    ``per_step``, in the order of their parameter numbers), or None if no node depends on parameters
    only (or the whole output does: then there is nothing per sample to spare)."""
    param_only = [bool(op) and not b for op, b in zip(g.op, g.batch)]
    if param_only[g.root] or not g.batch[g.root]:
        return None
    boundary = sorted({a for i in range(len(g)) if g.op[i] and g.batch[i] for a in g.args[i] if param_only[a]})
    if not boundary:
        return None

    is_boundary = [False] * len(g)
    for i in boundary:
        is_boundary[i] = True
    per_sample, _ = _subgraph(g, _reaching(g, [g.root], is_boundary),
                              {b: (LeafKind.PARAMETER, n_params + k) for k, b in enumerate(boundary)})

    step_graph, old = _subgraph(g, _reaching(g, boundary, [False] * len(g)), {})
    new = {o: j for j, o in enumerate(old)}
    return per_sample, step_graph, [new[b] for b in boundary]
