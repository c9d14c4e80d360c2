"""Index plumbing decided once at compile time: gathers, scatters and parameter views.

A group of nodes reads its inputs as rows of the value array ``V`` and adds
its gradients into rows of the gradient array ``G``.  Which numpy idiom does
that fastest depends only on the row numbers, which are known when the graph
is compiled:

* rows that are consecutive become a slice (a view: no copy at all);
* distinct rows use fancy indexing (``G[rows] += c`` is exact when no row repeats);
* repeated rows are summed first by a :class:`.ragged.RaggedSum` laid out
  at compile time (``np.add.at`` would be exact too, but an order of
  magnitude slower).

The first write into a row can *assign* instead of add, which spares zeroing
the whole gradient array at every call: :class:`FirstWrites` decides that,
walking the backward program in the order it will run.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .interfaces import Backend
from .ragged import RaggedSum

__all__ = ["rows_ref", "Scatter", "FirstWrites", "strided_view"]

Ref = Union[slice, np.ndarray]


def rows_ref(rows: Union[Sequence[int], np.ndarray[Any, Any]]) -> Ref:
    """A slice if ``rows`` are consecutive and ascending, else an int array."""
    rows = np.asarray(rows, dtype=np.intp)
    if rows.size and np.array_equal(rows, np.arange(rows[0], rows[0] + rows.size)):
        return slice(int(rows[0]), int(rows[0]) + rows.size)
    return rows


class FirstWrites:
    """Tracks which target rows have been written so far, in backward order.

    ``zero_first`` collects rows that some scatter adds into before any
    scatter assigned them; they are zeroed once at the start of each call.
    """

    def __init__(self, n: int, xp: Backend) -> None:
        self.xp = xp
        self.written = np.zeros(n, dtype=bool)
        self.zero_first: List[int] = []

    def scatter(self, rows: Any, gather: Optional[Tuple[Any, Any]] = None) -> "Scatter":
        """The scatter of one kernel into ``rows`` (see :class:`Scatter` for ``gather``)."""
        rows = np.asarray(rows, dtype=np.intp)
        unique = np.unique(rows).size == rows.size
        fresh = ~self.written[rows]
        assign = unique and bool(fresh.all())
        if not assign:
            self.zero_first.extend(int(r) for r in np.unique(rows[fresh]))
        self.written[rows] = True
        return Scatter(rows, assign, self.xp, gather)

    def zero_ref(self) -> Optional[np.ndarray[Any, Any]]:
        return np.array(sorted(set(self.zero_first)), dtype=np.intp) if self.zero_first else None


class Scatter:
    """``target[rows] += c`` (or ``=`` for a first write), correct for repeated rows.

    With ``gather=(src_rows, w_items)`` the entries are not given as an array
    but made on the way: entry ``i`` is ``src[src_rows[i]] * w[w_items[i]]``
    for the ``src`` and weight vector ``w`` passed at each call, so no array
    of entries is ever materialised (a sparse group's gradients flow to its
    inputs this way).
    """

    __slots__ = ("xp", "ref", "assign", "ragged", "unique_ref", "src_ref", "take", "wbuf")

    def __init__(self, rows: np.ndarray, assign: bool, xp: Backend,
                 gather: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> None:
        self.xp = xp
        self.assign = assign
        self.ragged: Optional[RaggedSum] = None
        self.src_ref = self.take = self.wbuf = None
        unique, seg = np.unique(rows, return_inverse=True)
        src_rows, w_items = gather if gather is not None else (np.arange(rows.size), None)
        if unique.size == rows.size:
            self.ref = xp.index(rows_ref(rows))
            if gather is not None:
                self.src_ref, self.take = xp.index(rows_ref(src_rows)), xp.index(np.asarray(w_items))
            return
        # repeated rows: each distinct row is a segment summing its entries
        self.ragged = RaggedSum(seg.ravel(), unique.size, np.asarray(src_rows), xp)
        self.unique_ref = xp.index(rows_ref(unique[self.ragged.order]))
        self.ref = None
        if gather is not None:
            self.take = xp.index(np.asarray(w_items)[self.ragged.layout])
            self.wbuf = xp.zeros(rows.size)  # the weights in the ragged sum's order, refreshed per call
            self.ragged.bind(self.wbuf)

    def __call__(self, target: Any, c: Any, w: Any = None) -> None:
        if self.ragged is not None:
            if self.wbuf is not None:
                self.wbuf[...] = w[self.take]
            summed = self.ragged(c, self.xp.empty_rows(self.ragged.n, c))
            target[self.unique_ref] += summed  # repeated rows never assign (see FirstWrites)
            return
        if self.take is not None:
            c = c[self.src_ref] * w[self.take][:, None]
        if self.assign:
            self.xp.assign(target, self.ref, c)
        else:
            target[self.ref] += c


def strided_view(base: Any, index: np.ndarray, xp: Backend) -> Any:
    """A view of the 1-D ``base`` equal to ``base[index]``, if ``index`` is an
    evenly spaced grid (as the weights of a layer are in a parameter list); else None."""
    index = np.asarray(index, dtype=np.intp)
    if index.size == 0:
        return None
    origin = int(index.flat[0])
    strides = []
    for axis in range(index.ndim):
        n = index.shape[axis]
        if n == 1:
            strides.append(0)
            continue
        step = np.diff(index, axis=axis)
        first = int(step.flat[0])
        if first < 0 or not np.all(step == first):
            return None
        strides.append(first)
    expected = origin + sum(np.arange(n).reshape([-1 if a == ax else 1 for a in range(index.ndim)]) * s
                            for ax, (n, s) in enumerate(zip(index.shape, strides)))
    if not np.array_equal(expected, index):
        return None
    # An axis of length 1 gets the stride a C-ordered array would have (never
    # 0): matrix products then recognise the layout and take the fast path.
    inner = 1
    for axis in reversed(range(index.ndim)):
        if index.shape[axis] == 1:
            strides[axis] = inner
        inner = strides[axis] * index.shape[axis] if strides[axis] else inner
    return xp.strided(base, origin, index.shape, strides)
