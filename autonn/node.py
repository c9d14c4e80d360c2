"""How a node stores its number, its op and its inputs: the one module that knows.

Every other module reads a node through the views here (:func:`inputs`,
:func:`constants`, :func:`rule_args`) or through the public properties of
:class:`autonn.Value` built on them.

Layout (``__slots__``, no ``__dict__``; about 110 bytes a node with its float):

``data``   the value, a Python float
``grad``   d(root)/d(this node) after ``backward()``; 0.0 before
``label``  an optional name, shown in diagrams
``_op``    the :class:`~autonn.ops.Op`, or ``None`` for a leaf
``_a``     the first input node; for ops of any other shape, the tuple of input nodes
``_b``     the second input node, or the constant of a one-constant op (the ``3`` of
           ``x ** 3``), or for other shapes the tuple of constants (or ``None``)

Two fields for the inputs, not one tuple, because nearly every node has one
or two inputs and a tuple would cost 40-56 more bytes each.  A node holds
no function objects and is in no reference cycle, so dropping the output of
a graph frees the whole graph by reference counting alone.
"""

from __future__ import annotations

from typing import Sequence, Tuple

from .mode import GRAD_MODE
from .ops import BINARY, NARY, PARAM, UNARY

__all__ = ["Node", "SLOTS", "fill", "inputs", "constants", "rule_args", "op_of"]

SLOTS = ("data", "grad", "label", "_op", "_a", "_b")


class Node:
    """The storage of one graph node; :class:`autonn.Value` adds the arithmetic."""

    __slots__ = SLOTS


def fill(out, data: float, op, ins: Sequence, consts: Sequence = ()) -> None:
    """Make the fresh ``out`` a node of ``op`` on ``ins`` (a leaf inside ``no_grad``)."""
    out.data = data
    out.grad = 0.0
    out.label = ""
    if op is None or not GRAD_MODE.enabled:
        out._op = out._a = out._b = None
        return
    out._op = op
    kind = op.kind
    if kind == UNARY:
        out._a = ins[0]
        out._b = None
    elif kind == BINARY:
        out._a = ins[0]
        out._b = ins[1]
    elif kind == PARAM:
        out._a = ins[0]
        out._b = consts[0]
    else:
        out._a = tuple(ins)
        out._b = tuple(consts) if consts else None


def op_of(node):
    """The node's :class:`~autonn.ops.Op`, or ``None`` for a leaf."""
    return node._op


def inputs(node) -> Tuple:
    """The input nodes of ``node`` in the order given (``()`` for a leaf; ``a + a`` lists ``a`` twice)."""
    op = node._op
    if op is None:
        return ()
    kind = op.kind
    if kind == BINARY:
        return (node._a, node._b)
    if kind == NARY:
        return node._a
    return (node._a,)


def constants(node) -> Tuple[float, ...]:
    """The constant numbers of ``node``'s op (the ``3`` of ``x ** 3``); ``()`` for most ops."""
    op = node._op
    if op is None or not op.consts:
        return ()
    if op.kind == PARAM:
        return (node._b,)
    return node._b


def rule_args(node) -> tuple:
    """What ``node``'s forward and rule take: its inputs' numbers, then its constants."""
    kind = node._op.kind
    if kind == UNARY:
        return (node._a.data,)
    if kind == BINARY:
        return (node._a.data, node._b.data)
    if kind == PARAM:
        return (node._a.data, node._b)
    xs = tuple(x.data for x in node._a)
    return xs + node._b if node._b else xs


def rule_nodes(node) -> tuple:
    """The same as :func:`rule_args` with the input nodes themselves (for rules that build graphs)."""
    return inputs(node) + constants(node)
