"""Pass 3, group: split the nodes into groups of one op that each run as one step.

The nodes that remain after :mod:`.fuse` (absorbed products are gone) are
split into groups of one op (and the same constants, for ``powc``) whose
members never depend on each other: nodes become *ready* once everything
they read is computed, and all ready nodes of one op run together.  A group
of fused sums becomes one layer (a matrix product), any other group one
elementwise call of its op's rule.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Tuple

from .fuse import leaf_kind
from .records import Fusion, Group
from .trace import LeafKind, TracedGraph

__all__ = ["group"]


def _key(g: TracedGraph, i: int, fusion: Fusion) -> Tuple[Any, ...]:
    """Nodes with equal keys can run as one vectorised step.

    An elementwise op stacks its inputs, so its nodes must agree on their
    count; sums become rows of one linear map whatever their number of terms.
    """
    return (g.op[i], id(g.ops[i]), g.k[i], -1 if i in fusion.sums else len(g.args[i]))


def group(g: TracedGraph, fusion: Fusion) -> List[Group]:
    """Take the graph and its fusion; give the groups in a runnable order.

    Agenda scheduling: keep the set of *ready* nodes (every node they read is
    computed) sorted by op; repeatedly run all ready nodes of one op as one
    group.  The op chosen is the one whose ready nodes sit lowest in the graph
    (their smallest depth), ties going to the op with more ready nodes; an op
    whose nodes are not needed yet waits and gathers more of its kind, so a
    graph whose equal ops sit at uneven depths still forms large groups.
    An elementwise input position where every member reads a parameter is
    marked to be read straight from the parameter vector (``from_params``).
    """
    reads = fusion.reads
    depth: Dict[int, int] = {}
    waiting: Dict[int, int] = {}
    users: Dict[int, List[int]] = defaultdict(list)
    ready: Dict[Tuple[Any, ...], List[int]] = defaultdict(list)
    for i, r in reads.items():  # node numbers are in topological order
        inner = {a for a in r if a in reads}
        depth[i] = 1 + max((depth[a] for a in inner), default=0)
        waiting[i] = len(inner)
        for a in inner:
            users[a].append(i)
        if not inner:
            ready[_key(g, i, fusion)].append(i)
    groups = []
    while ready:
        key = min(ready, key=lambda k: (min(depth[i] for i in ready[k]), -len(ready[k]), k))
        members = ready.pop(key)
        op = g.ops[members[0]]
        assert op is not None  # only computed nodes are read by others
        layer = members[0] in fusion.sums
        from_params = () if layer else tuple(
            p for p in range(len(reads[members[0]]))
            if all(leaf_kind(g, reads[i][p]) is LeafKind.PARAMETER for i in members))
        groups.append(Group(op, members, layer, from_params))
        for i in members:
            for u in users[i]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready[_key(g, u, fusion)].append(u)
    return groups
