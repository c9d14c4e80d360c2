"""The typed records the compiler's passes hand each other (see :mod:`autonn.compiler`).

=============  ==============================  =====================================
pass           takes                           gives
=============  ==============================  =====================================
trace          the function                    :class:`.trace.TracedGraph`
fuse           the traced graph                :class:`Fusion` (sums as linear maps)
group          graph, fusion                   a list of :class:`Group`
layout         graph, fusion, groups           :class:`Layout` (a row per node)
emit           all of the above                :class:`Plan` (kernels, backward plan)
=============  ==============================  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple

from ..ops import Op
from .interfaces import Backend, Kernel

__all__ = ["Coefficient", "Term", "LinearSum", "Fusion", "Group", "Layout", "Plan"]


class Coefficient(Enum):
    """Where a term's coefficient in a linear sum comes from."""

    PARAMETER = "parameter"  # a parameter: Term.value is its position in the parameter vector
    CONSTANT = "constant"  # a number: Term.value is the number


@dataclass(frozen=True)
class Term:
    """One term ``coefficient * row`` of a linear sum; ``node`` is the node whose row is read
    (None: the all-zero row, for a sum with no row term)."""

    node: Optional[int]
    coefficient: Coefficient
    value: float


@dataclass
class LinearSum:
    """A ``sum`` node as a linear combination: ``sum_j coef_j * row_j + bias``."""

    terms: List[Term]
    bias_params: List[int]
    bias_const: float


@dataclass
class Fusion:
    """What the fuse pass found: each sum as a :class:`LinearSum`, the products ``w * x``
    folded into them (``absorbed``: product node -> its term), the rows each remaining
    node reads (``reads``) and how many nodes read each node (``uses``)."""

    sums: Dict[int, LinearSum]
    absorbed: Dict[int, Term]
    reads: Dict[int, List[int]]
    uses: List[int]


@dataclass
class Group:
    """Nodes of one op that run as one step: a layer if they are fused sums (``layer``),
    else elementwise.  ``from_params``: the input positions at which every member reads
    a parameter (read as a column of the parameter vector, not as rows)."""

    op: Op
    members: List[int]
    layer: bool
    from_params: Tuple[int, ...] = ()


@dataclass
class Layout:
    """Every node's row in the value and gradient arrays: row 0 is all zeros, then the
    constants, the input columns, the parameters read as rows, then each group's outputs
    (consecutive, the members sorted as :func:`.layout.layout` says)."""

    row: Dict[int, int]
    n_rows: int
    consts: List[int]  # constant leaves, in row order
    input_rows: slice
    param_leaves: List[int]  # parameter leaves read as rows, in row order
    outputs: List[slice] = field(default_factory=list)  # each group's rows


@dataclass
class Plan:
    """Everything the compiled step needs at run time."""

    n_rows: int
    root_row: int
    input_rows: slice  # one row per input column, in column order
    const_rows: Any  # (backend index)
    const_values: Any  # (backend array, one column)
    forward: List[Kernel]  # in the order they run
    backward: List[Kernel]  # those with gradient work, in the order they run
    zero_rows: Optional[Any]  # gradient rows to zero before backward (backend index)
    zero_params: Optional[Any]  # parameter gradients to zero before backward (backend index)
    n_nodes: int  # nodes in the traced graph
    n_absorbed: int  # products folded into matrix entries
    kept_rows: Any  # the rows of the nodes asked for with keep= (backend index)
    xp: Backend  # the array backend every kernel runs on
    passes: List[str] = field(default_factory=list)  # one line per pass: what it gave
