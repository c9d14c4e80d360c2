"""Ragged sums: many sums of a few rows each, with a layout fixed at compile time.

A group of sparse sums (each sum reads a handful of rows) and a scatter
into repeated rows (a row that several entries add into) are the same
problem: segment ``s`` is the sum of ``w[i] * src[rows[i]]`` over its items
``i``.  ``np.add.reduceat`` does it with one inner loop per segment, which
for hundreds of short segments costs far more than the additions.

:class:`RaggedSum` instead sorts the segments by their number of items
(most first) and lays the items out column by column: column ``j`` holds
the ``j``-th item of every segment that has more than ``j``, and those
segments are a prefix of the order.  At run time every item is gathered and
scaled at once (``terms = src[rows] * w``, two calls), after which column
``j`` is a contiguous slice of ``terms`` and costs one add over whole rows
(``acc[:n_j] += terms[lo_j:hi_j]``): a group costs one step per column, not
per segment.  When only a few long segments are left, their remaining items
are summed with ``reduceat`` (few segments: cheap).  Every segment only
ever adds its own items, in their own order, so an inf or nan in one item
stays in its own segment.

On a backend that scatters natively (PyTorch's ``index_add_``) the same
layout runs as one scatter-add.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from .interfaces import Backend

__all__ = ["RaggedSum"]

TAIL = 8  # at most this many segments left: their remaining items go to one reduceat


class RaggedSum:
    """``acc[k] = sum over the items i of segment order[k] of w[i] * src[rows[i]]`` (see the module docstring).

    Built from each item's segment (``seg``, every one of ``n`` segments
    having at least one item) and source row (``rows``).  ``layout`` is the
    items' order inside the plan: weights are passed in that order (see
    :meth:`bind`); ``order[k]`` is the segment that row ``k`` of the result holds.
    """

    def __init__(self, seg: np.ndarray, n: int, rows: np.ndarray, xp: Backend) -> None:
        seg = np.asarray(seg, dtype=np.intp)
        rows = np.asarray(rows, dtype=np.intp)
        counts = np.bincount(seg, minlength=n)
        if n and counts.min() < 1:
            raise ValueError("RaggedSum: every segment needs at least one item")
        self.xp = xp
        self.n = n
        order = np.argsort(-counts, kind="stable")  # segments, most items first
        rank = np.empty(n, dtype=np.intp)
        rank[order] = np.arange(n)
        by_segment = np.argsort(seg, kind="stable")  # items grouped by segment, each in its own order
        first = np.r_[0, np.cumsum(counts)[:-1]]
        pos = np.empty(seg.size, dtype=np.intp)
        pos[by_segment] = np.arange(seg.size) - np.repeat(first, counts)
        ranked = np.sort(counts)[::-1]
        active = [int(np.count_nonzero(ranked > j)) for j in range(int(ranked[0]) if n else 0)]
        n_cols = next((j for j, a in enumerate(active) if a <= TAIL and len(active) - j > 2), len(active))
        self.order = order
        self.identity = bool(np.array_equal(order, np.arange(n)))
        # column-major for the first n_cols columns (each in segment rank order), then the tail
        # segment by segment; lexsort's last key is its primary one
        column = np.where(pos < n_cols, pos, n_cols)
        self.layout = np.lexsort((pos, rank[seg], column))
        self.position = np.empty(seg.size, dtype=np.intp)
        self.position[self.layout] = np.arange(seg.size)
        bounds = np.r_[0, np.cumsum(active[:n_cols])].astype(np.intp)
        self.columns: List[Tuple[int, int]] = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
        self.tail: Optional[Tuple[int, int, Any]] = None
        if n_cols < len(active):
            lo = int(bounds[-1])
            tail_seg = rank[seg[self.layout[lo:]]]
            starts = np.flatnonzero(np.r_[True, tail_seg[1:] != tail_seg[:-1]])
            self.tail = (lo, int(active[n_cols]), xp.index(starts))
        # for a backend that scatters natively: every item at once
        self.all_rows = xp.index(rows[self.layout])
        self.all_ranks = xp.index(rank[seg[self.layout]])
        self.order_ref = xp.index(order)
        self._w: Optional[Any] = None

    def bind(self, w: Optional[Any]) -> None:
        """Use ``w`` (one weight per item, in ``layout`` order; None: all 1) at every call.
        ``w`` is read at each call, so it may be updated in place between calls."""
        self._w = None if w is None else w[:, None]

    def __call__(self, src: Any, out: Any) -> Any:
        """Write the sums into ``out`` (rows in ``order``; its rows are overwritten) and return it."""
        xp = self.xp
        terms = src[self.all_rows]  # every item, column after column: each column is a slice
        if self._w is not None:
            terms *= self._w
        if not xp.column_loops:
            out[...] = 0.0
            xp.add_at(out, self.all_ranks, terms)
            return out
        for k, (lo, hi) in enumerate(self.columns):
            if k == 0:
                out[...] = terms[lo:hi]
            else:
                out[:hi - lo] += terms[lo:hi]
        if self.tail is not None:
            lo, n_tail, starts = self.tail
            summed = xp.segment_sum(terms[lo:], starts, None, n_tail)
            if self.columns:
                out[:n_tail] += summed
            else:
                out[...] = summed
        return out
