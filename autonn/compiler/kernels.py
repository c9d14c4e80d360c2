"""The compiled program's steps: each runs a whole group of nodes as a few numpy calls.

Layout at run time: ``V`` (values) and ``G`` (gradients) have one row per
node that needs one and one column per sample; ``pvec`` holds the current
parameter numbers and ``gp`` their gradients (summed over the batch).

* :class:`ParamRows` copies parameters that are used as ordinary operands
  into their rows (broadcast across the batch).
* :class:`Elementwise` runs every node of one op at one depth: gather the
  input rows, one numpy call, write the output rows (a contiguous block).
* :class:`Linear` runs a group of ``sum`` nodes as ``Y = W @ X + b``.  A
  neuron's ``sum(w_1 * x_1, ..., w_n * x_n, b)`` is a row of ``W`` whose
  entries are parameters read straight from ``pvec`` (the ``mul`` nodes are
  never materialised); backward is ``dW = G @ X.T``, ``dX = W.T @ G``,
  ``db = sum(G)``.  This is how layers come back out of a scalar graph.
* :class:`SparseLinear` is the same linear map for groups too sparse for a
  dense ``W``: gather the terms, scale, and sum them with ``np.add.reduceat``.

Every step is built at compile time with all its index arrays; at run time
it only calls numpy.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ..ops import ARRAY_MATH, FLOAT_MATH
from .scatter import FirstWrites, Scatter, rows_ref, strided_view

__all__ = ["ParamRows", "Elementwise", "Linear", "SparseLinear", "BatchDomainError"]


def _raise_domain(op: Any, args: List[Any], bad: np.ndarray[Any, Any], labels: Any) -> None:
    """Raise the op's own domain error for the first bad sample, as the eager
    engine would, adding the sample and the node."""
    sample, row = (int(i[0]) for i in np.nonzero(bad.T))  # lowest sample first
    numbers = [float(np.broadcast_to(x, bad.shape)[row, sample]) for x in args]
    node = f" (node {labels[row]!r})" if labels[row] else ""
    try:
        op.check(numbers)
    except (ArithmeticError, ValueError) as err:
        raise type(err)(f"{err}, at sample {sample} of the batch{node}") from None
    raise BatchDomainError(f"{op.name}: undefined for {numbers} at sample {sample} of the batch{node}")


class BatchDomainError(ValueError):
    """An op was undefined for one sample and its scalar check did not say why (should not happen)."""


class ParamRows:
    """Parameters used as ordinary operands get a row each, equal across samples."""

    def __init__(self, rows: Sequence[int], pidx: Sequence[int]) -> None:
        self.ref = rows_ref(rows)
        self.pidx: np.ndarray[Any, Any] = np.asarray(pidx, dtype=np.intp)
        self.scatter: Scatter = None  # type: ignore[assignment]  # set by plan_backward, before any backward

    def forward(self, V: Any, pvec: Any) -> None:
        V[self.ref] = pvec[self.pidx][:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        self.scatter = params.scatter(self.pidx)

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        self.scatter(gp, G[self.ref].sum(axis=1))

    def describe(self) -> str:
        return f"{self.pidx.size} parameter(s) used as operands, broadcast over the batch"


def _array_forward(op: Any) -> Any:
    """The op's forward on arrays: its own definition with the array namespace,
    or, for a float-only forward, the float one sample by sample."""
    if op.vectorized:
        if op.arity is None:
            return lambda *args: op.forward(*args, m=ARRAY_MATH)
        return lambda *args: op.forward(*args, ARRAY_MATH)
    return np.vectorize(op.value, otypes=[float])


def _array_vjp(op: Any, n_inputs: int) -> Any:
    """The op's rule on arrays: the same function with the array namespace, or
    the float rule sample by sample for a float-only op."""
    if op.vectorized:
        if op.arity is None:
            return lambda g, y, args: op.pullback(g, y, args, ARRAY_MATH)

        def run_rule(g: Any, y: Any, args: Any) -> Any:
            # the rule itself; pullback only to name the op if it returns something else
            local = op.vjp(g, y, *args, ARRAY_MATH)
            if type(local) is tuple and len(local) == n_inputs:
                return local
            return op.pullback(g, y, args, ARRAY_MATH)

        return run_rule
    if n_inputs == 1:  # np.vectorize wants a bare number from a one-output function
        per_sample = np.vectorize(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH)[0], otypes=[float])
    else:
        per_sample = np.vectorize(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH),
                                  otypes=[float] * n_inputs)

    def run(g: Any, y: Any, args: Any) -> Any:
        out = per_sample(g, y, *args)
        return out if isinstance(out, tuple) else (out,)

    return run


class Elementwise:
    """Every node of one op at one depth, as one numpy call forward and one per input backward.

    Both directions evaluate the op's own definition (forward and vjp) with
    the array math namespace: the same text the eager engine runs on floats.
    """

    def __init__(self, op: Any, out: slice, inputs: List[List[int]], input_needs_grad: List[List[bool]],
                 consts: Tuple[Any, ...], labels: List[str]) -> None:
        self.op = op
        self.out = out
        self.consts = list(consts)
        self.labels = labels
        self.refs = [rows_ref(r) for r in inputs]
        self._rows = [np.asarray(r, dtype=np.intp) for r in inputs]
        self._needs = [np.asarray(n, dtype=bool) for n in input_needs_grad]
        self._forward = _array_forward(op)
        self._vjp = _array_vjp(op, len(inputs))
        self.grads: List[Tuple[int, Optional[np.ndarray[Any, Any]], Scatter]] = []  # (input position, local rows or None, Scatter)

    def _args(self, V: Any) -> List[Any]:
        return [V[ref] for ref in self.refs] + self.consts

    def forward(self, V: Any, pvec: Any) -> None:
        args = self._args(V)
        op = self.op
        if op.domain:
            bad: Any = None
            for d in op.domain:
                mask = d.undefined(*args, ARRAY_MATH)
                bad = mask if bad is None else bad | mask
            bad = np.broadcast_to(bad, V[self.out].shape)
            if bad.any():
                _raise_domain(op, args, bad, self.labels)
        V[self.out] = self._forward(*args)

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        for i, (r, needs) in enumerate(zip(self._rows, self._needs)):
            if not needs.any():
                continue  # an input with no parameter behind it needs no gradient
            local = None if needs.all() else np.flatnonzero(needs)
            self.grads.append((i, local, rows.scatter(r if local is None else r[local])))

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        g = G[self.out]
        local_grads = self._vjp(g, V[self.out], self._args(V))
        for i, local, scatter in self.grads:
            c = local_grads[i]
            if type(c) is not np.ndarray or c.shape != g.shape:  # a rule may give a number or a row
                c = np.broadcast_to(c, g.shape)
            scatter(G, c if local is None else c[local])

    def describe(self) -> str:
        k = f" (constants {tuple(self.consts)!r})" if self.consts else ""
        n = self.out.stop - self.out.start
        return f"{n} x {self.op.name}{k}"


class _Weights:
    """The entries of a linear group that are parameters: where they sit in ``W``,
    which parameter each is, and the fastest way to read and write them."""

    def __init__(self, n: int, m: int, row: List[int], col: List[int], pidx: List[int], pvec: np.ndarray[Any, Any]) -> None:
        self.row: np.ndarray[Any, Any] = np.asarray(row, dtype=np.intp)
        self.col: np.ndarray[Any, Any] = np.asarray(col, dtype=np.intp)
        self.pidx: np.ndarray[Any, Any] = np.asarray(pidx, dtype=np.intp)
        self.full: bool = self.pidx.size == n * m and np.unique(self.row * m + self.col).size == n * m
        self.view: Optional[np.ndarray[Any, Any]] = None
        if self.full:  # every entry of W is a parameter: maybe W is just a view of pvec
            grid = np.empty((n, m), dtype=np.intp)
            grid[self.row, self.col] = self.pidx
            self.grid = grid
            self.view = strided_view(pvec, grid)
        self.scatter: Scatter = None  # type: ignore[assignment]  # set by plan_backward, before any backward
        self.gview: Optional[np.ndarray[Any, Any]] = None


def repair_nonfinite(out: np.ndarray[Any, Any], A: np.ndarray[Any, Any], terms: Optional[np.ndarray[Any, Any]], B: np.ndarray[Any, Any]) -> None:
    """Make ``out = A @ B`` (already computed) exact where ``A`` has structural zeros and ``B`` is not finite.

    A matrix product multiplies every entry, so an entry of ``A`` that is 0
    only because the sum does not read that row still gives ``0 * inf = nan``
    and spoils a sample (or a parameter) that never saw the inf.  ``terms``
    marks the entries that are real terms (None: all are).  The columns of
    ``B`` holding a non-finite number are recomputed with those numbers
    taken out, then each one is added back through the real terms only.
    """
    if terms is None:
        return
    bad = ~np.isfinite(B)
    if not bad.any():
        return  # the common case costs one pass over B
    rows, samples = np.nonzero(bad)
    cols = np.unique(samples)
    finite = np.where(bad[:, cols], 0.0, B[:, cols])
    out[:, cols] = A @ finite
    with np.errstate(all="ignore"):
        added = np.where(terms[:, rows], A[:, rows] * B[rows, samples], 0.0)
    np.add.at(out.T, samples, added.T)


class Linear:
    """A group of ``sum`` nodes as one matrix product: ``Y = W @ X + b``.

    ``W[i, j]`` is the coefficient of input row ``cols[j]`` in sum ``i``: a
    parameter, a constant, or 0 where the sum does not read that row.  Such
    structural zeros are kept out of non-finite inputs (see
    :func:`repair_nonfinite`), so one sample's inf never reaches another
    sum's result.
    """

    def __init__(self, out: slice, cols: List[int], cols_need_grad: List[bool], n: int,
                 const_w: List[Tuple[int, int, float]], param_w: Tuple[List[int], List[int], List[int]], const_b: np.ndarray[Any, Any],
                 bias_params: Tuple[List[int], List[int]], pvec: np.ndarray[Any, Any], gp: np.ndarray[Any, Any]) -> None:
        m = len(cols)
        self.out = out
        self.n, self.m = n, m
        self.xref = rows_ref(cols)
        self._cols = np.asarray(cols, dtype=np.intp)
        self._cols_need = np.asarray(cols_need_grad, dtype=bool)
        self.W = np.zeros((n, m), dtype=pvec.dtype)
        terms = np.zeros((n, m), dtype=bool)
        for i, j, c in const_w:
            self.W[i, j] += c
            terms[i, j] = True
        terms[param_w[0], param_w[1]] = True
        self.terms = None if terms.all() else terms  # which entries of W are real terms
        self.w = _Weights(n, m, *param_w, pvec) if param_w[0] else None
        if self.w is not None and self.w.view is not None and not const_w:
            self.W = self.w.view  # W *is* the parameters: nothing to copy per call
            self.wmode = "view"
        elif self.w is not None:
            self.wmode = "gather"
        else:
            self.wmode = "const"
        self.const_b = const_b.astype(pvec.dtype) if np.any(const_b != 0.0) else None
        brow, bp = bias_params
        self.brow: np.ndarray[Any, Any] = np.asarray(brow, dtype=np.intp)
        self.bp: np.ndarray[Any, Any] = np.asarray(bp, dtype=np.intp)
        self.bview: Optional[np.ndarray[Any, Any]] = None
        if self.bp.size == n and np.array_equal(np.sort(self.brow), np.arange(n)):
            grid = np.empty(n, dtype=np.intp)
            grid[self.brow] = self.bp
            self.bview = strided_view(pvec, grid)
            self.bgrid = grid
        self._gp = gp
        self.dx: Optional[Scatter] = None
        self.dx_local: Optional[np.ndarray[Any, Any]] = None
        self.dx_terms: Optional[np.ndarray[Any, Any]] = None
        self.bscatter: Scatter = None  # type: ignore[assignment]  # set by plan_backward when there are bias parameters
        self.bgview: Optional[np.ndarray[Any, Any]] = None

    def _bias(self, pvec: Any) -> Optional[np.ndarray[Any, Any]]:
        if self.bview is not None:
            b = self.bview if self.const_b is None else self.bview + self.const_b
        elif self.bp.size:
            b = np.zeros(self.n, dtype=pvec.dtype) if self.const_b is None else self.const_b.copy()
            np.add.at(b, self.brow, pvec[self.bp])
        else:
            b = self.const_b
        return b

    def forward(self, V: Any, pvec: Any) -> None:
        if self.wmode == "gather":
            w = self.w
            self.W[w.row, w.col] = pvec[w.pidx]  # type: ignore[union-attr]  # "gather" means there are weights
        out = V[self.out]
        X = V[self.xref]
        np.matmul(self.W, X, out=out)
        repair_nonfinite(out, self.W, self.terms, X)
        b = self._bias(pvec)
        if b is not None:
            out += b[:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        w = self.w
        if w is not None:
            if w.full and w.view is not None:
                w.scatter = params.scatter(w.grid.ravel())
                if w.scatter.assign:  # dW can be written straight into the gradient vector
                    w.gview = strided_view(self._gp, w.grid)
            else:
                w.scatter = params.scatter(w.pidx)
        if self.bp.size:
            if self.bview is not None:
                self.bscatter = params.scatter(self.bgrid)
                if self.bscatter.assign:
                    self.bgview = strided_view(self._gp, self.bgrid)
            else:
                self.bscatter = params.scatter(self.bp)
        if self._cols_need.any():
            if self._cols_need.all():
                self.dx = rows.scatter(self._cols)
                self.dx_terms = None if self.terms is None else self.terms.T
            else:
                self.dx_local = np.flatnonzero(self._cols_need)
                self.dx = rows.scatter(self._cols[self.dx_local])
                self.dx_terms = None if self.terms is None else self.terms[:, self.dx_local].T

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        g = G[self.out]
        w = self.w
        if w is not None:
            x = V[self.xref]
            if w.gview is not None:
                np.matmul(g, x.T, out=w.gview)
            else:
                dw = g @ x.T
                w.scatter(gp, dw.ravel() if w.full and w.view is not None else dw[w.row, w.col])
        if self.bscatter is not None:
            if self.bgview is not None:
                np.add.reduce(g, axis=1, out=self.bgview)
            elif self.bview is not None:
                self.bscatter(gp, g.sum(axis=1))
            else:
                self.bscatter(gp, g.sum(axis=1)[self.brow])
        if self.dx is not None:
            W = self.W if self.dx_local is None else self.W[:, self.dx_local]
            # one sum: an outer product, which broadcasting does faster than matmul
            dx = W.T * g if self.n == 1 else W.T @ g
            repair_nonfinite(dx, W.T, self.dx_terms, g)
            self.dx(G, dx)

    def describe(self) -> str:
        kind = "weights from parameters" if self.w is not None else "constant weights"
        return f"{self.n} x sum as one {self.n} x {self.m} matrix product ({kind})"


class SparseLinear:
    """A group of ``sum`` nodes with few terms each: gather, scale, ``np.add.reduceat``.

    Entries are listed sum by sum; every sum has at least one (a sum with no
    row term reads the all-zero row 0 with coefficient 0).
    """

    def __init__(self, out: slice, entry_sum: List[int], entry_row: List[int], entry_need: List[bool],
                 const_coef: np.ndarray[Any, Any], coef_params: Any, const_b: np.ndarray[Any, Any], bias_params: Any, dtype: Any = np.float64) -> None:
        self.out = out
        self.esum: np.ndarray[Any, Any] = np.asarray(entry_sum, dtype=np.intp)
        self.erow: np.ndarray[Any, Any] = np.asarray(entry_row, dtype=np.intp)
        self.eneed: np.ndarray[Any, Any] = np.asarray(entry_need, dtype=bool)
        self.starts: np.ndarray[Any, Any] = np.flatnonzero(np.r_[True, self.esum[1:] != self.esum[:-1]])
        self.coef: np.ndarray[Any, Any] = np.array(const_coef, dtype=dtype)
        pos, pidx = coef_params
        self.cpos: np.ndarray[Any, Any] = np.asarray(pos, dtype=np.intp)
        self.cpidx: np.ndarray[Any, Any] = np.asarray(pidx, dtype=np.intp)
        self.const_b = const_b.astype(dtype) if np.any(const_b != 0.0) else None
        brow, bp = bias_params
        self.brow: np.ndarray[Any, Any] = np.asarray(brow, dtype=np.intp)
        self.bp: np.ndarray[Any, Any] = np.asarray(bp, dtype=np.intp)
        self.cscatter: Optional[Scatter] = None
        self.bscatter: Optional[Scatter] = None
        self.dx: Optional[Scatter] = None
        self.dx_local: Optional[np.ndarray[Any, Any]] = None

    def forward(self, V: Any, pvec: Any) -> None:
        coef = self.coef
        if self.cpos.size:
            coef[self.cpos] = pvec[self.cpidx]
        terms = V[self.erow] * coef[:, None]
        out = V[self.out]
        out[...] = np.add.reduceat(terms, self.starts, axis=0)
        if self.bp.size or self.const_b is not None:
            b = np.zeros(out.shape[0], dtype=out.dtype) if self.const_b is None else self.const_b.copy()
            if self.bp.size:
                np.add.at(b, self.brow, pvec[self.bp])
            out += b[:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        if self.cpos.size:
            self.cscatter = params.scatter(self.cpidx)
        if self.bp.size:
            self.bscatter = params.scatter(self.bp)
        if self.eneed.any():
            if self.eneed.all():
                self.dx = rows.scatter(self.erow)
            else:
                self.dx_local = np.flatnonzero(self.eneed)
                self.dx = rows.scatter(self.erow[self.dx_local])

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        g = G[self.out][self.esum]  # the gradient arriving at each entry's sum
        if self.cscatter is not None:
            x = V[self.erow[self.cpos]]
            self.cscatter(gp, np.einsum("ij,ij->i", g[self.cpos], x))
        if self.bscatter is not None:
            self.bscatter(gp, G[self.out].sum(axis=1)[self.brow])
        if self.dx is not None:
            c = g * self.coef[:, None]
            self.dx(G, c if self.dx_local is None else c[self.dx_local])

    def describe(self) -> str:
        n = self.out.stop - self.out.start
        return f"{n} x sum as gather + reduceat over {self.erow.size} terms"
