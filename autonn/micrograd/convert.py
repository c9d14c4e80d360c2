"""``to_autonn``: a micrograd-style graph as autonn Values, for autonn's diagrams, ledger and player."""

from __future__ import annotations

from typing import Dict, List

from ..ops import OPS, Op
from ..value import Value as AutonnValue
from ..value import apply
from .engine import Value, _topological_order

__all__ = ["to_autonn"]

# micrograd's op strings that are not autonn op names.
_BY_SYMBOL = {"+": OPS["add"], "*": OPS["mul"], "ReLU": OPS["relu"]}


def _op_for(node: Value) -> Op:
    """The autonn op that a node's ``_op`` string names, checked against its number of inputs."""
    name, n = node._op, len(node._children)
    op = node._rule or _BY_SYMBOL.get(name) or OPS.get(name)
    if op is None and name.startswith("**") and n == 1:
        op = OPS["powc"]
    if op is None or (op.arity is not None and op.arity != n):
        raise ValueError(f"to_autonn: no autonn op for a node with _op {name!r} and {n} input(s); "
                         f"name it after an op of autonn.OPS, or add one with autonn.register_op({name!r}, ...)")
    return op


def _constants(node: Value, op: Op) -> List[float]:
    """The node's constants: kept by a built-in node, read from ``'**k'`` for a power made by hand."""
    if node._rule is not None or not op.consts:
        return list(node._consts)
    try:
        k = float(node._op[2:])
    except ValueError:
        raise ValueError(f"to_autonn: cannot read the exponent of a node with _op {node._op!r}") from None
    return [k]


def to_autonn(root: Value) -> AutonnValue:
    """The graph of ``root`` rebuilt from autonn Values: the same leaves (numbers and labels), each
    node computed by the autonn op its ``_op`` names (``'+'``, ``'*'``, ``'**k'``, ``'ReLU'``, or an
    op's name such as ``'tanh'``).  Its gradients are 0 until you call ``backward()`` on the result.

    A node made by hand whose ``_op`` names no autonn op is a ValueError naming that string.
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_autonn: root must be an autonn.micrograd Value, got {type(root).__name__}")
    made: Dict[int, AutonnValue] = {}
    for node in _topological_order(root):
        if not node._children:
            out = AutonnValue(node.data, node.label)
        else:
            op = _op_for(node)
            out = apply(op, *(made[id(c)] for c in node._children), *_constants(node, op))
            out.label = node.label
        made[id(node)] = out
    return made[id(root)]
