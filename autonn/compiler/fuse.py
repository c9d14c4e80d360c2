"""Pass 2, fuse: every ``sum`` node read as a linear map, with its products folded in.

Every ``sum`` node becomes a :class:`~.records.LinearSum`, ``sum_j c_j * x_j + b``.
A term ``w * x`` whose ``w`` is a parameter or constant leaf, whose ``x`` is
not, and which feeds only this sum is *absorbed*: it becomes the coefficient
``w`` of row ``x`` and is never computed on its own.  Parameter and constant
terms form the bias.  This is exactly a neuron, ``sum(w_1 * x_1, ..., w_n *
x_n, b)``, and a group of them is a layer (:mod:`autonn.ops.fused`).

The fusion holds only while ``mul`` and ``sum`` are the linear rules it
assumes: :func:`autonn.ops.linear_ops` says so, and otherwise nothing is
absorbed (every node then runs as its own rule says).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..ops import linear_ops
from .records import Coefficient, Fusion, LinearSum, Term
from .trace import LeafKind, TracedGraph

__all__ = ["fuse"]

_FROZEN = (LeafKind.PARAMETER, LeafKind.CONSTANT)


def leaf_kind(g: TracedGraph, i: int) -> Optional[LeafKind]:
    """The kind of node ``i`` if it is a leaf, else None."""
    leaf = g.leaf[i]
    return None if leaf is None else leaf[0]


def _coefficient(kind: LeafKind) -> Coefficient:
    return Coefficient.PARAMETER if kind is LeafKind.PARAMETER else Coefficient.CONSTANT


def _absorbable(g: TracedGraph, uses: List[int], user_op: List[Any], sum_op: Any, mul_op: Any) -> Dict[int, Term]:
    """Products ``w * x`` that can live inside their sum's matrix: node -> the term ``w x``."""
    found = {}
    for i, op in enumerate(g.ops):
        if mul_op is None or op is not mul_op or uses[i] != 1 or user_op[i] is not sum_op:
            continue
        a, b = g.args[i]
        for coef, x in ((a, b), (b, a)):  # the weight is usually on the left
            kind = leaf_kind(g, coef)
            if kind in _FROZEN and leaf_kind(g, x) not in _FROZEN:
                leaf = g.leaf[coef]
                assert kind is not None and leaf is not None  # a frozen leaf, just checked
                found[i] = Term(x, _coefficient(kind), leaf[1])
                break
    return found


def _as_linear(g: TracedGraph, i: int, absorbed: Dict[int, Term]) -> LinearSum:
    s = LinearSum([], [], 0.0)
    for t in g.args[i]:
        if t in absorbed:
            s.terms.append(absorbed[t])
            continue
        leaf = g.leaf[t]
        if leaf is not None and leaf[0] is LeafKind.PARAMETER:
            s.bias_params.append(int(leaf[1]))
        elif leaf is not None and leaf[0] is LeafKind.CONSTANT:
            s.bias_const += leaf[1]
        else:
            s.terms.append(Term(t, Coefficient.CONSTANT, 1.0))
    return s


def fuse(g: TracedGraph, keep: Sequence[int] = ()) -> Fusion:
    """Take the traced graph; give every sum as a linear map with its products folded in
    (:class:`~.records.Fusion`).  The nodes in ``keep`` are read by the caller, so they keep
    their own rows (are never absorbed)."""
    n = len(g)
    sum_op, mul_op = linear_ops()  # the one fusion, while sum and mul are the built-in rules
    uses = [0] * n
    user_op: List[Any] = [None] * n
    for i in range(n):
        for a in g.args[i]:
            uses[a] += 1
            user_op[a] = g.ops[i]
    absorbed = _absorbable(g, uses, user_op, sum_op, mul_op)
    for i in keep:  # the caller reads and seeds these rows: they must exist
        absorbed.pop(i, None)
    sums = {i: _as_linear(g, i, absorbed) for i in range(n) if sum_op is not None and g.ops[i] is sum_op}
    # Which nodes read which rows (absorbed products read nothing themselves).
    reads: Dict[int, List[int]] = {}
    for i in range(n):
        if not g.op[i] or i in absorbed:
            continue
        reads[i] = [t.node for t in sums[i].terms if t.node is not None] if i in sums else list(g.args[i])
    return Fusion(sums, absorbed, reads, uses)
