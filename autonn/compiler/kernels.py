"""The compiled program's steps: each runs a whole group of nodes as a few numpy calls.

Layout at run time: ``V`` (values) and ``G`` (gradients) have one row per
node that needs one and one column per sample; ``pvec`` holds the current
parameter numbers and ``gp`` their gradients (summed over the batch).

* :class:`ParamRows` copies parameters that are used as ordinary operands
  into their rows (broadcast across the batch), where an elementwise input
  mixes parameters and other nodes (elsewhere a group reads parameters from
  ``pvec`` as a column, see :mod:`.elementwise`).
* elementwise groups (one op, every node of it ready at once) are in
  :mod:`.elementwise`.
* :class:`Linear` runs a group of ``sum`` nodes as ``Y = W @ X + b``.  A
  neuron's ``sum(w_1 * x_1, ..., w_n * x_n, b)`` is a row of ``W`` whose
  entries are parameters read straight from ``pvec`` (the ``mul`` nodes are
  never materialised); backward is ``dW = G @ X.T``, ``dX = W.T @ G``,
  ``db = sum(G)``.  The matrix algebra is :mod:`autonn.ops.fused`, derived
  from the rules of ``mul`` and ``sum``; here are the layer's data and
  index plumbing.  This is how layers come back out of a scalar graph.
* :class:`SparseLinear` is the same linear map for groups too sparse for a
  dense ``W``: gather the terms, scale, and sum each node's terms as one
  ragged sum (:mod:`.ragged`).

Every step is built at compile time with all its index arrays (worked out
in numpy, then handed to the backend ``xp`` once); at run time it only calls
the backend (:mod:`.backend`: numpy or PyTorch) and the ops' rules on the
backend's math namespace.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ..ops.fused import input_gradient, layer_forward, weight_gradient

from .interfaces import Backend
from .ragged import RaggedSum
from .scatter import FirstWrites, Scatter, rows_ref, strided_view

__all__ = ["ParamRows", "Linear", "SparseLinear", "Weights"]


class Weights(Enum):
    """Where a layer's matrix ``W`` comes from at each call."""

    VIEW = "a view of the parameter vector"  # W is the parameters themselves: nothing to copy
    GATHERED = "gathered from the parameter vector"  # some entries are parameters: copied in at each call
    CONSTANT = "constant"  # no parameter in W


class ParamRows:
    """Parameters used as ordinary operands get a row each, equal across samples."""

    def __init__(self, rows: Sequence[int], pidx: Sequence[int], xp: Backend) -> None:
        self.xp = xp
        self.ref = xp.index(rows_ref(rows))
        self.pidx = np.asarray(pidx, dtype=np.intp)
        self._pidx = xp.index(self.pidx)
        self.scatter: Scatter = None  # type: ignore[assignment]  # set by plan_backward, before any backward

    def forward(self, V: Any, pvec: Any) -> None:
        V[self.ref] = pvec[self._pidx][:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        self.scatter = params.scatter(self.pidx)

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        self.scatter(gp, self.xp.row_sum(G[self.ref]))

    has_backward = True

    def describe(self) -> str:
        return f"{self.pidx.size} parameter(s) used as operands, broadcast over the batch"


class _Weights:
    """The entries of a linear group that are parameters: where they sit in ``W``,
    which parameter each is, and the fastest way to read and write them."""

    def __init__(self, n: int, m: int, row: List[int], col: List[int], pidx: List[int], pvec: Any,
                 xp: Backend) -> None:
        self.row = np.asarray(row, dtype=np.intp)
        self.col = np.asarray(col, dtype=np.intp)
        self.pidx = np.asarray(pidx, dtype=np.intp)
        self.at = (xp.index(self.row), xp.index(self.col))
        self._pidx = xp.index(self.pidx)
        self.full = self.pidx.size == n * m and np.unique(self.row * m + self.col).size == n * m
        self.view: Optional[Any] = None
        if self.full:  # every entry of W is a parameter: maybe W is just a view of pvec
            grid = np.empty((n, m), dtype=np.intp)
            grid[self.row, self.col] = self.pidx
            self.grid = grid
            self.view = strided_view(pvec, grid, xp)
        self.scatter: Scatter = None  # type: ignore[assignment]  # set by plan_backward, before any backward
        self.gview: Optional[Any] = None


def repair_nonfinite(out: Any, A: Any, terms: Optional[np.ndarray], B: Any, xp: Backend) -> None:
    """Make ``out = A @ B`` (already computed) exact where ``A`` has structural zeros and ``B`` is not finite.

    A matrix product multiplies every entry, so an entry of ``A`` that is 0
    only because the sum does not read that row still gives ``0 * inf = nan``
    and spoils a sample (or a parameter) that never saw the inf.  ``terms``
    marks the entries that are real terms (None: all are).  The columns of
    ``B`` holding a non-finite number are recomputed with those numbers
    taken out, then each one is added back through the real terms only.
    The repair runs in numpy whatever the backend: it is the rare case.
    """
    if terms is None or xp.all_finite(B):
        return  # the common case costs one pass over B (and nothing when every entry is a term)
    result, A, B = xp.to_numpy(out), xp.to_numpy(A), xp.to_numpy(B)
    bad = ~np.isfinite(B)
    rows, samples = np.nonzero(bad)
    cols = np.unique(samples)
    finite = np.where(bad[:, cols], 0.0, B[:, cols])
    result[:, cols] = A @ finite
    with np.errstate(all="ignore"):
        added = np.where(terms[:, rows], A[:, rows] * B[rows, samples], 0.0)
    np.add.at(result.T, samples, added.T)
    xp.write_back(out, result)


class Linear:
    """A group of ``sum`` nodes as one matrix product: ``Y = W @ X + b``.

    ``W[i, j]`` is the coefficient of input row ``cols[j]`` in sum ``i``: a
    parameter, a constant, or 0 where the sum does not read that row.  Such
    structural zeros are kept out of non-finite inputs (see
    :func:`repair_nonfinite`), so one sample's inf never reaches another
    sum's result.
    """

    def __init__(self, out: slice, cols: List[int], cols_need_grad: List[bool], n: int,
                 const_w: List[Tuple[int, int, float]], param_w: Tuple[List[int], List[int], List[int]], const_b: Any, bias_params: Any, pvec: Any, gp: Any,
                 xp: Backend) -> None:
        m = len(cols)
        self.xp = xp
        self.out = out
        self.n, self.m = n, m
        self.xref = xp.index(rows_ref(cols))
        self.cols = np.asarray(cols, dtype=np.intp)  # the rows of V it reads, in column order
        self.cols_need = np.asarray(cols_need_grad, dtype=bool)
        W = np.zeros((n, m), dtype=xp.dtype)
        terms = np.zeros((n, m), dtype=bool)
        for i, j, c in const_w:
            W[i, j] += c
            terms[i, j] = True
        terms[param_w[0], param_w[1]] = True
        self.W = xp.asarray(W)
        self.terms = None if terms.all() else terms  # which entries of W are real terms
        self.w = _Weights(n, m, *param_w, pvec, xp) if param_w[0] else None
        if self.w is not None and self.w.view is not None and not const_w:
            self.W = self.w.view  # W *is* the parameters: nothing to copy per call
            self.weights = Weights.VIEW
        elif self.w is not None:
            self.weights = Weights.GATHERED
        else:
            self.weights = Weights.CONSTANT
        self.const_b = xp.asarray(const_b) if np.any(const_b != 0.0) else None
        brow, bp = bias_params
        self.brow = np.asarray(brow, dtype=np.intp)
        self.bp = np.asarray(bp, dtype=np.intp)
        self._brow, self._bp = xp.index(self.brow), xp.index(self.bp)
        self.bview: Optional[Any] = None
        if self.bp.size == n and np.array_equal(np.sort(self.brow), np.arange(n)):
            grid = np.empty(n, dtype=np.intp)
            grid[self.brow] = self.bp
            self.bview = strided_view(pvec, grid, xp)
            self.bgrid = grid
        # the bias column to add, when it is a view of the parameters and no constant joins it
        self.bcol = None if self.bview is None or self.const_b is not None else self.bview[:, None]
        self._gp = gp
        self.dx: Optional[Scatter] = None
        self.dx_local: Optional[Any] = None
        self.dx_terms: Optional[Any] = None
        self.hands_on = False  # in a chain: the columns' gradient goes to the step before, not into G
        self.bscatter: Optional[Scatter] = None
        self.bgview: Optional[Any] = None

    def _bias(self, pvec: Any) -> Any:
        if self.bview is not None:
            b = self.bview if self.const_b is None else self.bview + self.const_b
        elif self.bp.size:
            b = self.xp.zeros(self.n) if self.const_b is None else self.const_b + 0.0
            self.xp.add_at(b, self._brow, pvec[self._bp])
        else:
            b = self.const_b
        return b

    def forward(self, V: Any, pvec: Any) -> None:
        xp = self.xp
        if self.weights is Weights.GATHERED:
            w = self.w
            if w is not None:  # always, when gathered
                self.W[w.at] = pvec[w._pidx]
        out = V[self.out]
        X = V[self.xref]
        layer_forward(self.W, X, out, xp)
        if self.terms is not None:
            repair_nonfinite(out, self.W, self.terms, X, xp)
        if self.bcol is not None:  # the biases are a view of the parameters: nothing to gather
            out += self.bcol
            return
        b = self._bias(pvec)
        if b is not None:
            out += b[:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites, passed_on: Any = None) -> None:
        """Plan the gradient writes; with ``passed_on`` (in a chain, see
        :class:`.elementwise.Chain`) the columns' gradient is handed on, not written."""
        xp = self.xp
        w = self.w
        if w is not None:
            if w.full and w.view is not None:
                w.scatter = params.scatter(w.grid.ravel())
                if w.scatter.assign:  # dW can be written straight into the gradient vector
                    w.gview = strided_view(self._gp, w.grid, xp)
            else:
                w.scatter = params.scatter(w.pidx)
        if self.bp.size:
            if self.bview is not None:
                self.bscatter = params.scatter(self.bgrid)
                if self.bscatter.assign:
                    self.bgview = strided_view(self._gp, self.bgrid, xp)
            else:
                self.bscatter = params.scatter(self.bp)
        if self.cols_need.all():
            self.dx_terms = None if self.terms is None else self.terms.T
            if passed_on is not None:
                self.hands_on = True
            else:
                self.dx = rows.scatter(self.cols)
        elif self.cols_need.any():
            local = np.flatnonzero(self.cols_need)
            self.dx_local = xp.index(local)
            self.dx = rows.scatter(self.cols[local])
            self.dx_terms = None if self.terms is None else self.terms[:, local].T

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        self.backward_from(V, G, gp, G[self.out])

    def backward_from(self, V: Any, G: Any, gp: Any, g: Any) -> Any:
        """Backward, given the gradient ``g`` arriving at the sums; returns the
        columns' gradient if it is handed on (in a chain), else None."""
        xp = self.xp
        w = self.w
        if w is not None:
            x = V[self.xref]
            if w.gview is not None:
                weight_gradient(g, x, xp, w.gview)
            else:
                dw = weight_gradient(g, x, xp)
                w.scatter(gp, dw.ravel() if w.full and w.view is not None else dw[w.at])
        if self.bscatter is not None:
            if self.bgview is not None:
                xp.row_sum_into(g, self.bgview)
            elif self.bview is not None:
                self.bscatter(gp, xp.row_sum(g))
            else:
                self.bscatter(gp, xp.row_sum(g)[self._brow])
        if self.dx is not None or self.hands_on:
            W = self.W if self.dx_local is None else self.W[:, self.dx_local]
            dx = input_gradient(W, g)
            if self.dx_terms is not None:
                repair_nonfinite(dx, W.T, self.dx_terms, g, xp)
            if self.hands_on:
                return dx
            self.dx(G, dx)  # type: ignore[misc]  # (dx is set: hands_on is not)
        return None

    @property
    def has_backward(self) -> bool:
        return self.w is not None or self.bscatter is not None or self.dx is not None or self.hands_on

    def describe(self) -> str:
        kind = "weights from parameters" if self.w is not None else "constant weights"
        return f"{self.n} x sum as one {self.n} x {self.m} matrix product ({kind})"


class SparseLinear:
    """A group of ``sum`` nodes with few terms each: a ragged sum of scaled rows (see :mod:`.ragged`).

    Entries are listed sum by sum; every sum has at least one (a sum with no
    row term reads the all-zero row 0 with coefficient 0).  Inside, entries
    sit in the ragged sum's layout; when the sums come most terms first (as
    the scheduler orders them) the result is written straight into the rows.
    """

    def __init__(self, out: slice, entry_sum: List[int], entry_row: List[int], entry_need: List[bool],
                 const_coef: Any, coef_params: Any, const_b: Any, bias_params: Any, xp: Backend) -> None:
        self.xp = xp
        self.out = out
        self.n = out.stop - out.start
        esum = np.asarray(entry_sum, dtype=np.intp)
        self.plan = RaggedSum(esum, self.n, np.asarray(entry_row, dtype=np.intp), xp)
        layout = self.plan.layout
        self.erow = np.asarray(entry_row, dtype=np.intp)[layout]
        self.eneed = np.asarray(entry_need, dtype=bool)[layout]
        self.esum_rows = esum[layout]  # each entry's sum, as a row of the group's output
        self.coef = xp.asarray(np.array(const_coef, dtype=xp.dtype)[layout])
        self.plan.bind(self.coef)
        pos, pidx = coef_params
        self.cpos = self.plan.position[np.asarray(pos, dtype=np.intp)]
        self.cpidx = np.asarray(pidx, dtype=np.intp)
        self._cpos, self._cpidx = xp.index(self.cpos), xp.index(self.cpidx)
        self._xrows = xp.index(rows_ref(self.erow[self.cpos]))
        self._csum = xp.index(self.esum_rows[self.cpos])
        self.const_b = xp.asarray(const_b) if np.any(const_b != 0.0) else None
        brow, bp = bias_params
        self.brow = np.asarray(brow, dtype=np.intp)
        self.bp = np.asarray(bp, dtype=np.intp)
        self._brow, self._bp = xp.index(self.brow), xp.index(self.bp)
        self.cscatter: Optional[Scatter] = None
        self.bscatter: Optional[Scatter] = None
        self.dx: Optional[Scatter] = None

    def forward(self, V: Any, pvec: Any) -> None:
        xp = self.xp
        if self.cpos.size:
            self.coef[self._cpos] = pvec[self._cpidx]
        out = V[self.out]
        if self.plan.identity:
            self.plan(V, out)
        else:
            out[self.plan.order_ref] = self.plan(V, xp.empty_rows(self.n, out))
        if self.bp.size or self.const_b is not None:
            b = xp.zeros(self.n) if self.const_b is None else self.const_b + 0.0
            if self.bp.size:
                xp.add_at(b, self._brow, pvec[self._bp])
            out += b[:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        if self.cpos.size:
            self.cscatter = params.scatter(self.cpidx)
        if self.bp.size:
            self.bscatter = params.scatter(self.bp)
        if self.eneed.any():
            # entry i sends G[out][its sum] * coef[i] to its row, gathered on the way
            local = np.flatnonzero(self.eneed)
            self.dx = rows.scatter(self.erow[local], (self.esum_rows[local], local))

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        self.backward_from(V, G, gp, G[self.out])

    def backward_from(self, V: Any, G: Any, gp: Any, g_out: Any) -> None:
        """Backward, given the gradient ``g_out`` arriving at the sums (the first link of a chain)."""
        xp = self.xp
        if self.cscatter is not None:
            g = g_out[self._csum]  # the gradient arriving at each parameter entry's sum
            self.cscatter(gp, xp.row_dot(g, V[self._xrows]))
        if self.bscatter is not None:
            self.bscatter(gp, xp.row_sum(g_out)[self._brow])
        if self.dx is not None:
            self.dx(G, g_out, self.coef)

    @property
    def has_backward(self) -> bool:
        return self.cscatter is not None or self.bscatter is not None or self.dx is not None

    def describe(self) -> str:
        return f"{self.n} x sum as a ragged sum of {self.erow.size} scaled rows"
