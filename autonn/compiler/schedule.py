"""Scheduling: turn a traced graph into a short list of vectorised steps.

1. **Linear sums.**  Every ``sum`` node is read as a linear combination of
   rows, ``sum_j c_j * x_j + b``.  A term ``w * x`` whose ``w`` is a
   parameter or constant leaf, whose ``x`` is not, and which feeds only this
   sum is *absorbed*: it becomes the coefficient ``w`` of row ``x`` and is
   never computed on its own.  Parameter and constant terms form the bias.
   This is exactly a neuron, ``sum(w_1 * x_1, ..., w_n * x_n, b)``.
2. **Groups.**  The remaining nodes are split into groups of one op (and
   the same constants, for ``powc``) whose members never depend on each other:
   nodes become *ready* once everything they read is computed, and all ready
   nodes of one op run together (see :func:`_group`).  A group of sums
   becomes one matrix product (a layer), other groups one elementwise numpy
   call.
3. **Rows.**  Each group's outputs get consecutive rows, ordered like their
   inputs, so most gathers are plain slices.
4. **Chains.**  A step whose outputs are read by the next step alone joins
   it in a :class:`.elementwise.Chain`, whose links hand gradients back as
   arrays; an MLP from its first layer to its loss is one chain.  An
   elementwise input where every node reads a parameter reads it from the
   parameter vector as a column (no rows of copies).
5. **Backward plan.**  Walking the steps in reverse, each gradient write is
   planned as assign-or-add (see :class:`.scatter.FirstWrites`), and writes
   into nodes that no parameter feeds are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..ops import linear_ops
from .backend import NumpyBackend
from .elementwise import Chain, Elementwise
from .kernels import Linear, ParamRows, SparseLinear
from .scatter import FirstWrites
from .trace import CONST, INPUT, PARAM, TracedGraph

__all__ = ["Plan", "schedule"]

ZERO_ROW = 0  # an all-zero row, read by sums that have no row term


@dataclass
class Plan:
    """Everything the compiled step needs at run time."""

    n_rows: int
    root_row: int
    input_rows: slice  # one row per input column, in column order
    const_rows: Any  # (backend index)
    const_values: Any  # (backend array, one column)
    forward: List[Any]  # kernels, in the order they run
    backward: List[Any]  # kernels with gradient work, in the order they run
    zero_rows: Optional[Any]  # gradient rows to zero before backward (backend index)
    zero_params: Optional[Any]  # parameter gradients to zero before backward (backend index)
    n_nodes: int  # nodes in the traced graph
    n_absorbed: int  # products folded into matrix entries
    kept_rows: Any  # the rows of the nodes asked for with keep= (backend index)
    xp: NumpyBackend  # the array backend every kernel runs on


@dataclass
class _Sum:
    """A sum node as a linear combination: ``sum_j coef_j * row_j + bias``."""

    terms: List[Tuple[int, str, float]]  # (input node, "p" or "c", param index or number)
    bias_params: List[int]
    bias_const: float


def _leaf_kind(g: TracedGraph, i: int) -> Optional[str]:
    leaf = g.leaf[i]
    return None if leaf is None else leaf[0]


def _absorbable(g: TracedGraph, uses: List[int], user_op: List[Any], sum_op: Any, mul_op: Any) -> Dict[int, Tuple[int, str, float]]:
    """Products ``w * x`` that can live inside their sum's matrix: node -> (x, kind, w)."""
    found = {}
    for i, op in enumerate(g.ops):
        if mul_op is None or op is not mul_op or uses[i] != 1 or user_op[i] is not sum_op:
            continue
        a, b = g.args[i]
        for coef, x in ((a, b), (b, a)):  # the weight is usually on the left
            kind = _leaf_kind(g, coef)
            if kind in (PARAM, CONST) and _leaf_kind(g, x) not in (PARAM, CONST):
                leaf = g.leaf[coef]
                found[i] = (x, "p" if kind == PARAM else "c", leaf[1])
                break
    return found


def _as_linear(g: TracedGraph, i: int, absorbed: Any) -> _Sum:
    s = _Sum([], [], 0.0)
    for t in g.args[i]:
        if t in absorbed:
            s.terms.append(absorbed[t])
            continue
        kind = _leaf_kind(g, t)
        if kind == PARAM:
            s.bias_params.append(int(g.leaf[t][1]))
        elif kind == CONST:
            s.bias_const += g.leaf[t][1]
        else:
            s.terms.append((t, "c", 1.0))
    return s


def schedule(g: TracedGraph, n_inputs: int, pvec: Any, gp: Any,
             dense_ratio: float = 16.0, keep: Any = (), xp: Optional[NumpyBackend] = None,
             add_to_gp: bool = False) -> Plan:
    """Plan the forward and backward steps for ``g`` (see the module docstring).

    ``keep`` lists nodes whose rows the caller reads after the forward steps and
    seeds with gradients before the backward ones (``Plan.kept_rows``).  Every
    parameter gradient that no step writes is zeroed at each call, so the
    gradient vector never keeps a number from an earlier call; with
    ``add_to_gp`` every step adds to ``gp`` instead (it already holds another
    plan's gradients, and nothing is zeroed).
    """
    if xp is None:
        xp = NumpyBackend(pvec.dtype)
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
        reads[i] = [t[0] for t in sums[i].terms] if i in sums else list(g.args[i])

    groups = _group(g, reads, sums)
    # An elementwise input position where every member reads a parameter reads them
    # straight from the parameter vector, as a column broadcast over the batch.
    from_params = [() if members[0] in sums else
                   tuple(p for p in range(len(reads[members[0]]))
                         if all(_leaf_kind(g, reads[i][p]) == PARAM for i in members))
                   for _, members in groups]

    # Rows: zero row, constants, input columns, parameters used as other operands, then groups.
    needed_leaves = {a for (_, members), positions in zip(groups, from_params) for i in members
                     for p, a in enumerate(reads[i]) if g.leaf[a] is not None and p not in positions}
    if g.leaf[g.root] is not None:
        needed_leaves.add(g.root)
    row: Dict[int, int] = {}
    next_row = 1
    consts = sorted(i for i in needed_leaves if g.leaf[i][0] == CONST)
    for i in consts:
        row[i] = next_row
        next_row += 1
    input_rows = slice(next_row, next_row + n_inputs)
    for i in needed_leaves:
        if g.leaf[i][0] == INPUT:
            row[i] = next_row + int(g.leaf[i][1])
    next_row += n_inputs
    param_leaves = sorted((i for i in needed_leaves if g.leaf[i][0] == PARAM), key=lambda i: g.leaf[i][1])
    forward: List[Any] = []
    if param_leaves:
        prows = list(range(next_row, next_row + len(param_leaves)))
        for i, r in zip(param_leaves, prows):
            row[i] = r
        next_row += len(param_leaves)
        forward.append(ParamRows(prows, [int(g.leaf[i][1]) for i in param_leaves], xp))

    outside = set(keep) | {g.root}  # nodes whose gradients are seeded from outside
    prev: Optional[Tuple[Any, List[int]]] = None  # the last step and its nodes, if the next step may chain to it
    for (key, members), param_positions in zip(groups, from_params):
        if members[0] in sums:  # most terms first: a sparse group's ragged sum then writes in place
            members.sort(key=lambda i: (-len(reads[i]), row[reads[i][0]] if reads[i] else ZERO_ROW))
        elif 0 in param_positions:  # by parameter: evenly spaced ones are read as a view
            # (rows may then come out of order, and the next step not chain to this one)
            members.sort(key=lambda i: int(g.leaf[reads[i][0]][1]))
        else:
            members.sort(key=lambda i: row[reads[i][0]] if reads[i] else ZERO_ROW)
        start = next_row
        for i in members:
            row[i] = next_row
            next_row += 1
        out = slice(start, next_row)
        labels = [g.label[i] for i in members]
        step: Any
        through: Any = None
        if members[0] in sums:
            step = _linear_kernel(g, members, sums, row, out, pvec, gp, dense_ratio, xp)
            if prev is not None and _only_terms_read(g, members, prev[1], absorbed, uses):
                through = Chain.joint(prev[0], step)
        else:
            inputs = [[int(g.leaf[g.args[i][p]][1]) if p in param_positions else row[g.args[i][p]] for i in members]
                      for p in range(len(g.args[members[0]]))]
            needs = [[g.needs_grad[g.args[i][p]] for i in members] for p in range(len(inputs))]
            step = Elementwise(g.ops[members[0]], out, inputs, needs, g.k[members[0]], labels, xp, param_positions, pvec)
            if prev is not None and all(uses[i] == 1 for i in prev[1]):  # each read once, here
                through = Chain.joint(prev[0], step)
        if through is None:
            forward.append(step)
        else:  # the previous step's outputs are read here alone: one chain
            last = forward[-1]
            links, joints = (last.links, last.through) if isinstance(last, Chain) else ([last], [])
            forward[-1] = Chain(links + [step], joints + [through])
        # the next step may take over its outputs' gradients unless the caller seeds them
        prev = None if outside.intersection(members) else (step, members)

    rows_written = FirstWrites(next_row, xp)
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
    const_rows = xp.index(np.array([row[i] for i in consts], dtype=np.intp))
    const_values = xp.asarray(np.array([g.leaf[i][1] for i in consts], dtype=float)[:, None])
    params_written.zero_first.extend(np.flatnonzero(~params_written.written).tolist())
    zero_rows, zero_params = rows_written.zero_ref(), params_written.zero_ref()
    return Plan(next_row, root_row, input_rows, const_rows, const_values, forward, backward,
                None if zero_rows is None else xp.index(zero_rows),
                None if zero_params is None else xp.index(zero_params), n, len(absorbed),
                xp.index(np.array([row[i] for i in keep], dtype=np.intp)), xp)


def _key(g: TracedGraph, i: int, linear: Dict[int, _Sum]) -> Tuple[Any, ...]:
    """Nodes with equal keys can run as one vectorised step.

    An elementwise op stacks its inputs, so its nodes must agree on their
    count; sums become rows of one linear map whatever their number of terms.
    """
    return (g.op[i], id(g.ops[i]), g.k[i], -1 if i in linear else len(g.args[i]))


def _group(g: TracedGraph, reads: Dict[int, List[int]], linear: Dict[int, _Sum]) -> List[Tuple[Tuple[Any, ...], List[int]]]:
    """Split the nodes into groups of one op that can each run as one step, in a runnable order.

    Agenda scheduling: keep the set of *ready* nodes (every node they read is
    computed) sorted by op; repeatedly run all ready nodes of one op as one
    group.  The op chosen is the one whose ready nodes sit lowest in the graph
    (their smallest depth), ties going to the op with more ready nodes; an op
    whose nodes are not needed yet waits and gathers more of its kind, so a
    graph whose equal ops sit at uneven depths still forms large groups.
    """
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
            ready[_key(g, i, linear)].append(i)
    groups = []
    while ready:
        key = min(ready, key=lambda k: (min(depth[i] for i in ready[k]), -len(ready[k]), k))
        members = ready.pop(key)
        groups.append((key, members))
        for i in members:
            for u in users[i]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready[_key(g, u, linear)].append(u)
    return groups


def _only_terms_read(g: TracedGraph, members: List[int], before_members: List[int],
                     absorbed: Dict[int, Tuple[int, str, float]], uses: List[int]) -> bool:
    """True if every use of ``before_members`` is a term of the sums ``members`` (directly or
    through an absorbed product), so a chain may hand their layer's ``W.T @ G`` to the step
    before instead of writing it into ``G`` (:meth:`.elementwise.Chain.joint` checks the order)."""
    inside: Dict[int, int] = defaultdict(int)
    for s in members:
        for t in g.args[s]:
            inside[absorbed[t][0] if t in absorbed else t] += 1
    return all(inside[i] == uses[i] for i in before_members)


def _linear_kernel(g: TracedGraph, members: List[int], sums: Any, row: Any, out: slice, pvec: Any, gp: Any,
                   dense_ratio: float, xp: NumpyBackend) -> Any:
    """One group of sums: a dense matrix product, or gather + reduceat if too sparse."""
    cols = sorted({row[t[0]] for i in members for t in sums[i].terms})
    col_of = {r: j for j, r in enumerate(cols)}
    node_of_row = {row[t[0]]: t[0] for i in members for t in sums[i].terms}
    n, m = len(members), len(cols)
    nnz = sum(len(sums[i].terms) for i in members)
    const_b = np.array([sums[i].bias_const for i in members])
    bias_rows, bias_p = [], []
    for local, i in enumerate(members):
        for p in sums[i].bias_params:
            bias_rows.append(local)
            bias_p.append(p)

    param_pos = [(local, col_of[row[x]]) for local, i in enumerate(members) for x, kind, _ in sums[i].terms if kind == "p"]
    const_pos = {(local, col_of[row[x]]) for local, i in enumerate(members) for x, kind, _ in sums[i].terms if kind == "c"}
    clean = len(set(param_pos)) == len(param_pos) and not (set(param_pos) & const_pos)
    if m and clean and n * m <= dense_ratio * nnz:
        const_w, prow, pcol, pidx = [], [], [], []
        for local, i in enumerate(members):
            for x, kind, c in sums[i].terms:
                j = col_of[row[x]]
                if kind == "p":
                    prow.append(local)
                    pcol.append(j)
                    pidx.append(int(c))
                else:
                    const_w.append((local, j, c))
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
        terms = sums[i].terms or [(None, "c", 0.0)]
        for x, kind, c in terms:
            if kind == "p":
                cpos.append(len(coef))
                cpidx.append(int(c))
                coef.append(0.0)
            else:
                coef.append(c)
            esum.append(local)
            erow.append(ZERO_ROW if x is None else row[x])
            eneed.append(False if x is None else g.needs_grad[x])
    return SparseLinear(out, esum, erow, eneed, np.array(coef), (cpos, cpidx), const_b, (bias_rows, bias_p), xp)
