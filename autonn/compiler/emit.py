"""Pass 5, emit: make the kernels that run the groups, and plan their backward.

* A layer (a group of fused sums) becomes a :class:`.kernels.Linear` (one
  dense matrix product, :mod:`autonn.ops.fused`) or, if too sparse for a
  dense matrix, a :class:`.kernels.SparseLinear` (a ragged sum).  Any other
  group becomes an :class:`.elementwise.Elementwise`, running its op's own
  rule on whole arrays.  Parameters that an elementwise step reads as rows
  are copied there by a :class:`.kernels.ParamRows` first.
* **Chains.**  A step whose outputs are read by the next step alone joins
  it in a :class:`.elementwise.Chain`, whose links hand gradients back as
  arrays; an MLP from its first layer to its loss is one chain.
* **Backward plan.**  Walking the steps in reverse, each gradient write is
  planned as assign-or-add (see :class:`.scatter.FirstWrites`), and writes
  into nodes that no parameter feeds are dropped.

Every kernel follows :class:`.interfaces.Kernel`; a new kind of step is made here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .elementwise import Chain, Elementwise
from .interfaces import Backend, Kernel
from .kernels import Linear, ParamRows, SparseLinear
from .layout import ZERO_ROW
from .records import Coefficient, Fusion, Group, Layout, LinearSum, Plan, Term
from .scatter import FirstWrites
from .trace import TracedGraph

__all__ = ["emit"]


def emit(g: TracedGraph, fusion: Fusion, groups: List[Group], lay: Layout, pvec: Any, gp: Any, xp: Backend,
         keep: Sequence[int] = (), add_to_gp: bool = False, dense_ratio: float = 16.0) -> Plan:
    """Take the graph, its fusion, groups and layout; give the :class:`~.records.Plan`: the
    kernels in the order they run forward, those with gradient work in backward order,
    and the rows and parameter gradients to zero before each backward pass.

    ``keep`` lists nodes whose rows the caller reads after the forward steps and seeds
    with gradients before the backward ones (``Plan.kept_rows``).  Every parameter
    gradient that no step writes is zeroed at each call, so the gradient vector never
    keeps a number from an earlier call; with ``add_to_gp`` every step adds to ``gp``
    instead (it already holds another plan's gradients, and nothing is zeroed).
    """
    row = lay.row
    forward: List[Kernel] = []
    if lay.param_leaves:
        forward.append(ParamRows([row[i] for i in lay.param_leaves],
                                 [int(g.leaf[i][1]) for i in lay.param_leaves], xp))  # type: ignore[index]  # leaves
    outside = set(keep) | {g.root}  # nodes whose gradients are seeded from outside
    prev: Optional[Tuple[Any, List[int]]] = None  # the last step and its nodes, if the next step may chain to it
    for grp, out in zip(groups, lay.outputs):
        members = grp.members
        step: Any
        through: Any = None
        if grp.layer:
            step = _linear_kernel(g, members, fusion.sums, row, out, pvec, gp, dense_ratio, xp)
            if prev is not None and _only_terms_read(g, members, prev[1], fusion):
                through = Chain.joint(prev[0], step)
        else:
            first = members[0]
            inputs = [[int(g.leaf[g.args[i][p]][1]) if p in grp.from_params else row[g.args[i][p]]  # type: ignore[index]
                       for i in members] for p in range(len(g.args[first]))]
            needs = [[g.needs_grad[g.args[i][p]] for i in members] for p in range(len(inputs))]
            step = Elementwise(grp.op, out, inputs, needs, g.k[first], [g.label[i] for i in members], xp,
                               grp.from_params, pvec)
            if prev is not None and all(fusion.uses[i] == 1 for i in prev[1]):  # each read once, here
                through = Chain.joint(prev[0], step)
        if through is None:
            forward.append(step)
        else:  # the previous step's outputs are read here alone: one chain
            last = forward[-1]
            links, joints = (last.links, last.through) if isinstance(last, Chain) else ([last], [])
            forward[-1] = Chain(links + [step], joints + [through])
        # the next step may take over its outputs' gradients unless the caller seeds them
        prev = None if outside.intersection(members) else (step, members)

    rows_written = FirstWrites(lay.n_rows, xp)
    root_row = row[g.root]
    rows_written.written[root_row] = True  # the seed gradient is assigned first
    for i in keep:
        rows_written.written[row[i]] = True
    params_written = FirstWrites(len(pvec), xp)
    params_written.written[:] = add_to_gp  # "already written": every write then adds
    backward = []
    for kernel in reversed(forward):
        kernel.plan_backward(rows_written, params_written)
        backward.append(kernel)
    backward = [k for k in backward if k.has_backward]
    const_rows = xp.index(np.array([row[i] for i in lay.consts], dtype=np.intp))
    const_values = xp.asarray(np.array([g.leaf[i][1] for i in lay.consts], dtype=float)[:, None])  # type: ignore[index, type-var]
    params_written.zero_first.extend(np.flatnonzero(~params_written.written).tolist())
    zero_rows, zero_params = rows_written.zero_ref(), params_written.zero_ref()
    return Plan(lay.n_rows, root_row, lay.input_rows, const_rows, const_values, forward, backward,
                None if zero_rows is None else xp.index(zero_rows),
                None if zero_params is None else xp.index(zero_params), len(g), len(fusion.absorbed),
                xp.index(np.array([row[i] for i in keep], dtype=np.intp)), xp)


def _only_terms_read(g: TracedGraph, members: List[int], before_members: List[int], fusion: Fusion) -> bool:
    """True if every use of ``before_members`` is a term of the sums ``members`` (directly or
    through an absorbed product), so a chain may hand their layer's ``W.T @ G`` to the step
    before instead of writing it into ``G`` (:meth:`.elementwise.Chain.joint` checks the order)."""
    inside: Dict[int, int] = defaultdict(int)
    absorbed = fusion.absorbed
    for s in members:
        for t in g.args[s]:
            term = absorbed.get(t)
            inside[t if term is None else term.node] += 1  # type: ignore[index]  # an absorbed term reads a node
    return all(inside[i] == fusion.uses[i] for i in before_members)


def _linear_kernel(g: TracedGraph, members: List[int], sums: Dict[int, LinearSum], row: Dict[int, int], out: slice,
                   pvec: Any, gp: Any, dense_ratio: float, xp: Backend) -> Kernel:
    """One group of sums: a dense matrix product, or gather + reduceat if too sparse."""
    PARAMETER = Coefficient.PARAMETER
    cols = sorted({row[t.node] for i in members for t in sums[i].terms if t.node is not None})
    col_of = {r: j for j, r in enumerate(cols)}
    node_of_row = {row[t.node]: t.node for i in members for t in sums[i].terms if t.node is not None}
    n, m = len(members), len(cols)
    nnz = sum(len(sums[i].terms) for i in members)
    const_b = np.array([sums[i].bias_const for i in members])
    bias_rows, bias_p = [], []
    for local, i in enumerate(members):
        for p in sums[i].bias_params:
            bias_rows.append(local)
            bias_p.append(p)

    at = [(local, col_of[row[t.node]], t) for local, i in enumerate(members) for t in sums[i].terms
          if t.node is not None]
    param_pos = [(local, j) for local, j, t in at if t.coefficient is PARAMETER]
    const_pos = {(local, j) for local, j, t in at if t.coefficient is not PARAMETER}
    clean = len(set(param_pos)) == len(param_pos) and not (set(param_pos) & const_pos)
    if m and clean and n * m <= dense_ratio * nnz:
        const_w, prow, pcol, pidx = [], [], [], []
        for local, j, t in at:
            if t.coefficient is PARAMETER:
                prow.append(local)
                pcol.append(j)
                pidx.append(int(t.value))
            else:
                const_w.append((local, j, t.value))
        cols_need = [g.needs_grad[node_of_row[r]] for r in cols]
        return Linear(out, cols, cols_need, n, const_w, (prow, pcol, pidx), const_b, (bias_rows, bias_p), pvec, gp,
                      xp)

    esum: List[int] = []
    erow: List[int] = []
    eneed: List[bool] = []
    coef: List[float] = []
    cpos: List[int] = []
    cpidx: List[int] = []
    for local, i in enumerate(members):
        terms = sums[i].terms or [Term(None, Coefficient.CONSTANT, 0.0)]
        for t in terms:
            if t.coefficient is PARAMETER:
                cpos.append(len(coef))
                cpidx.append(int(t.value))
                coef.append(0.0)
            else:
                coef.append(t.value)
            esum.append(local)
            erow.append(ZERO_ROW if t.node is None else row[t.node])
            eneed.append(False if t.node is None else g.needs_grad[t.node])
    return SparseLinear(out, esum, erow, eneed, np.array(coef), (cpos, cpidx), const_b, (bias_rows, bias_p), xp)
