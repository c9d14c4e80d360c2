"""Pass 4, layout: give every node the compiled step reads or computes a row.

At run time the values ``V`` and gradients ``G`` hold one row per node and
one column per sample.  Row 0 is all zeros (read by a sum with no row term);
then come the constants, the input columns (in column order, so the batch is
written with one slice), the parameters that an elementwise step reads as
ordinary rows, and each group's outputs in consecutive rows, ordered like
their inputs so that most gathers are plain slices.
"""

from __future__ import annotations

from typing import Dict, List, Set

from .records import Fusion, Group, Layout
from .trace import LeafKind, TracedGraph

__all__ = ["layout", "ZERO_ROW"]

ZERO_ROW = 0  # an all-zero row, read by sums that have no row term


def layout(g: TracedGraph, fusion: Fusion, groups: List[Group], n_inputs: int) -> Layout:
    """Take the graph, its fusion and its groups; give every node's row (:class:`~.records.Layout`).

    Sorts each group's members in place: a layer's sums most terms first (a
    sparse layer's ragged sum then writes in place), a group reading
    parameters by parameter (evenly spaced ones are then read as a view of
    the parameter vector), any other group by the row of its first input.
    """
    reads = fusion.reads
    needed: Set[int] = {a for grp in groups for i in grp.members for p, a in enumerate(reads[i])
                        if g.leaf[a] is not None and p not in grp.from_params}
    if g.leaf[g.root] is not None:
        needed.add(g.root)
    kinds: Dict[LeafKind, List[int]] = {kind: [] for kind in LeafKind}
    for i in needed:
        leaf = g.leaf[i]
        assert leaf is not None  # only leaves were collected
        kinds[leaf[0]].append(i)
    row: Dict[int, int] = {}
    next_row = ZERO_ROW + 1
    consts = sorted(kinds[LeafKind.CONSTANT])
    for i in consts:
        row[i] = next_row
        next_row += 1
    input_rows = slice(next_row, next_row + n_inputs)
    for i in kinds[LeafKind.INPUT]:
        row[i] = next_row + int(g.leaf[i][1])  # type: ignore[index]  # an input leaf
    next_row += n_inputs
    params = sorted(kinds[LeafKind.PARAMETER], key=lambda i: g.leaf[i][1])  # type: ignore[index]  # parameter leaves
    for i in params:
        row[i] = next_row
        next_row += 1

    outputs = []
    for grp in groups:
        members = grp.members
        if grp.layer:  # most terms first: a sparse group's ragged sum then writes in place
            members.sort(key=lambda i: (-len(reads[i]), row[reads[i][0]] if reads[i] else ZERO_ROW))
        elif 0 in grp.from_params:  # by parameter: evenly spaced ones are read as a view
            # (rows may then come out of order, and the next step not chain to this one)
            members.sort(key=lambda i: int(g.leaf[reads[i][0]][1]))  # type: ignore[index]  # parameter leaves
        else:
            members.sort(key=lambda i: row[reads[i][0]] if reads[i] else ZERO_ROW)
        start = next_row
        for i in members:
            row[i] = next_row
            next_row += 1
        outputs.append(slice(start, next_row))
    return Layout(row, next_row, consts, input_rows, params, outputs)
