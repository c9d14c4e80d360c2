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
  dense ``W``: gather the terms, scale, and sum each node's terms as one
  ragged sum (:mod:`.ragged`).

Every step is built at compile time with all its index arrays (worked out
in numpy, then handed to the backend ``xp`` once); at run time it only calls
the backend (:mod:`.backend`: numpy or PyTorch) and the ops' rules on the
backend's math namespace.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..ops import FLOAT_MATH
from .backend import NumpyBackend
from .ragged import RaggedSum
from .scatter import FirstWrites, Scatter, rows_ref, strided_view

__all__ = ["ParamRows", "Elementwise", "Linear", "SparseLinear", "BatchDomainError"]


def _raise_domain(op: Any, args: List[Any], bad: Any, shape: Tuple[int, ...], labels: List[str], xp: NumpyBackend) -> None:
    """Raise the op's own domain error for the first bad sample, as the eager
    engine would, adding the sample and the node."""
    bad = np.broadcast_to(xp.to_numpy(bad), shape)
    args = [xp.to_numpy(x) for x in args]
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

    def __init__(self, rows: Sequence[int], pidx: Sequence[int], xp: NumpyBackend) -> None:
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

    def describe(self) -> str:
        return f"{self.pidx.size} parameter(s) used as operands, broadcast over the batch"


def _array_forward(op: Any, xp: NumpyBackend) -> Callable[..., Any]:
    """The op's forward on arrays: its own definition with the backend's math
    namespace, or, for a float-only forward, the float one sample by sample."""
    m = xp.math
    if op.vectorized:
        if op.arity is None:
            return lambda *args: op.forward(*args, m=m)
        return lambda *args: op.forward(*args, m)
    return xp.elementwise(op.value, 1)


def _array_vjp(op: Any, n_inputs: int, xp: NumpyBackend) -> Callable[..., Any]:
    """The op's rule on arrays: the same function with the backend's math
    namespace, or the float rule sample by sample for a float-only op."""
    m = xp.math
    if op.vectorized:
        if op.arity is None:
            return lambda g, y, args: op.pullback(g, y, args, m)

        def run_rule(g: Any, y: Any, args: Any) -> Any:
            # the rule itself; pullback only to name the op if it returns something else
            local = op.vjp(g, y, *args, m)
            if type(local) is tuple and len(local) == n_inputs:
                return local
            return op.pullback(g, y, args, m)

        return run_rule
    if n_inputs == 1:  # np.vectorize wants a bare number from a one-output function
        per_sample = xp.elementwise(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH)[0], 1)
    else:
        per_sample = xp.elementwise(lambda g, y, *args: op.pullback(g, y, args, FLOAT_MATH), n_inputs)

    def run(g: Any, y: Any, args: Any) -> Any:
        out = per_sample(g, y, *args)
        return out if isinstance(out, tuple) else (out,)

    return run


class Elementwise:
    """Every node of one op at one depth, as one array call forward and one per input backward.

    Both directions evaluate the op's own definition (forward and vjp) with
    the backend's math namespace: the same text the eager engine runs on floats.
    """

    def __init__(self, op: Any, out: slice, inputs: List[List[int]], input_needs_grad: List[List[bool]],
                 consts: Tuple[float, ...], labels: List[str], xp: NumpyBackend) -> None:
        self.op = op
        self.xp = xp
        self.out = out
        self.consts = list(consts)
        self.labels = labels
        self.refs = [xp.index(rows_ref(r)) for r in inputs]
        self._rows = [np.asarray(r, dtype=np.intp) for r in inputs]
        self._needs = [np.asarray(n, dtype=bool) for n in input_needs_grad]
        self._forward = _array_forward(op, xp)
        self._vjp = _array_vjp(op, len(inputs), xp)
        self.grads: List[Tuple[int, Any, Scatter]] = []  # (input position, local rows or None, Scatter)

    def _args(self, V: Any) -> List[Any]:
        return [V[ref] for ref in self.refs] + self.consts

    def forward(self, V: Any, pvec: Any) -> None:
        args = self._args(V)
        op, xp = self.op, self.xp
        if op.domain:
            bad = None
            for d in op.domain:
                mask = d.undefined(*args, xp.math)
                bad = mask if bad is None else bad | mask
            if xp.any(bad):
                _raise_domain(op, args, bad, V[self.out].shape, self.labels, xp)
        V[self.out] = self._forward(*args)

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
        for i, (r, needs) in enumerate(zip(self._rows, self._needs)):
            if not needs.any():
                continue  # an input with no parameter behind it needs no gradient
            local = None if needs.all() else np.flatnonzero(needs)
            self.grads.append((i, None if local is None else self.xp.index(local),
                               rows.scatter(r if local is None else r[local])))

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        g = G[self.out]
        xp = self.xp
        local_grads = self._vjp(g, V[self.out], self._args(V))
        for i, local, scatter in self.grads:
            c = local_grads[i]
            if not xp.is_array(c) or c.shape != g.shape:  # a rule may give a number or a row
                c = xp.broadcast(c, g.shape)
            scatter(G, c if local is None else c[local])

    def describe(self) -> str:
        k = f" (constants {tuple(self.consts)!r})" if self.consts else ""
        n = self.out.stop - self.out.start
        return f"{n} x {self.op.name}{k}"


class _Weights:
    """The entries of a linear group that are parameters: where they sit in ``W``,
    which parameter each is, and the fastest way to read and write them."""

    def __init__(self, n: int, m: int, row: List[int], col: List[int], pidx: List[int], pvec: Any,
                 xp: NumpyBackend) -> None:
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


def repair_nonfinite(out: Any, A: Any, terms: Optional[np.ndarray], B: Any, xp: NumpyBackend) -> None:
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
        return  # the common case costs one pass over B
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
                 xp: NumpyBackend) -> None:
        m = len(cols)
        self.xp = xp
        self.out = out
        self.n, self.m = n, m
        self.xref = xp.index(rows_ref(cols))
        self._cols = np.asarray(cols, dtype=np.intp)
        self._cols_need = np.asarray(cols_need_grad, dtype=bool)
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
            self.wmode = "view"
        elif self.w is not None:
            self.wmode = "gather"
        else:
            self.wmode = "const"
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
        self._gp = gp
        self.dx: Optional[Scatter] = None
        self.dx_local: Optional[Any] = None
        self.dx_terms: Optional[Any] = None
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
        if self.wmode == "gather":
            w = self.w
            if w is not None:  # always, in "gather" mode
                self.W[w.at] = pvec[w._pidx]
        out = V[self.out]
        X = V[self.xref]
        xp.matmul_into(self.W, X, out)
        repair_nonfinite(out, self.W, self.terms, X, xp)
        b = self._bias(pvec)
        if b is not None:
            out += b[:, None]

    def plan_backward(self, rows: FirstWrites, params: FirstWrites) -> None:
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
        if self._cols_need.any():
            if self._cols_need.all():
                self.dx = rows.scatter(self._cols)
                self.dx_terms = None if self.terms is None else self.terms.T
            else:
                local = np.flatnonzero(self._cols_need)
                self.dx_local = xp.index(local)
                self.dx = rows.scatter(self._cols[local])
                self.dx_terms = None if self.terms is None else self.terms[:, local].T

    def backward(self, V: Any, G: Any, gp: Any) -> None:
        xp = self.xp
        g = G[self.out]
        w = self.w
        if w is not None:
            x = V[self.xref]
            if w.gview is not None:
                xp.matmul_into(g, x.T, w.gview)
            else:
                dw = g @ x.T
                w.scatter(gp, dw.ravel() if w.full and w.view is not None else dw[w.at])
        if self.bscatter is not None:
            if self.bgview is not None:
                xp.row_sum_into(g, self.bgview)
            elif self.bview is not None:
                self.bscatter(gp, xp.row_sum(g))
            else:
                self.bscatter(gp, xp.row_sum(g)[self._brow])
        if self.dx is not None:
            W = self.W if self.dx_local is None else self.W[:, self.dx_local]
            # one sum: an outer product, which broadcasting does faster than matmul
            dx = W.T * g if self.n == 1 else W.T @ g
            repair_nonfinite(dx, W.T, self.dx_terms, g, xp)
            self.dx(G, dx)

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
                 const_coef: Any, coef_params: Any, const_b: Any, bias_params: Any, xp: NumpyBackend) -> None:
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
        xp = self.xp
        g_out = G[self.out]
        if self.cscatter is not None:
            g = g_out[self._csum]  # the gradient arriving at each parameter entry's sum
            self.cscatter(gp, xp.row_dot(g, V[self._xrows]))
        if self.bscatter is not None:
            self.bscatter(gp, xp.row_sum(g_out)[self._brow])
        if self.dx is not None:
            self.dx(G, g_out, self.coef)

    def describe(self) -> str:
        return f"{self.n} x sum as a ragged sum of {self.erow.size} scaled rows"
