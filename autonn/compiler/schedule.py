"""The passes after the trace, in order: fuse -> group -> layout -> emit.

:func:`schedule` runs them on a traced graph and returns the
:class:`~.records.Plan` the compiled step runs, with one line per pass saying
what it gave (shown by ``step.summary()``).  Each pass is a function of its
own module, taking and giving the typed records of :mod:`.records`.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from .backend import NumpyBackend
from .emit import emit
from .fuse import fuse
from .group import group
from .interfaces import Backend
from .layout import layout
from .records import Plan
from .trace import LeafKind, TracedGraph

__all__ = ["Plan", "schedule"]


def schedule(g: TracedGraph, n_inputs: int, pvec: Any, gp: Any,
             dense_ratio: float = 16.0, keep: Sequence[int] = (), xp: Optional[Backend] = None,
             add_to_gp: bool = False) -> Plan:
    """The plan for ``g``: fuse, group, layout and emit (see :func:`.emit.emit` for ``keep``
    and ``add_to_gp``; a group of sums denser than 1 in ``dense_ratio`` is one dense matrix)."""
    if xp is None:
        xp = NumpyBackend(pvec.dtype)
    fusion = fuse(g, keep)
    groups = group(g, fusion)
    lay = layout(g, fusion, groups, n_inputs)
    plan = emit(g, fusion, groups, lay, pvec, gp, xp, keep, add_to_gp, dense_ratio)
    leaves = [leaf[0] for leaf in g.leaf if leaf is not None]
    layers = sum(grp.layer for grp in groups)
    plan.passes = [
        f"trace:  {len(g)} nodes ({leaves.count(LeafKind.INPUT)} inputs, {leaves.count(LeafKind.PARAMETER)} "
        f"parameter leaves, {leaves.count(LeafKind.CONSTANT)} constant(s))",
        f"fuse:   {len(fusion.sums)} sums as linear maps, {len(fusion.absorbed)} products folded into them",
        f"group:  {len(groups)} groups ({layers} of sums, {len(groups) - layers} elementwise)",
        f"layout: {lay.n_rows} rows ({len(lay.consts)} constant(s), {n_inputs} inputs, "
        f"{len(lay.param_leaves)} parameters as rows)",
        f"emit:   {len(plan.forward)} kernel(s) forward, {len(plan.backward)} backward",
    ]
    return plan
