"""Walks over a graph of nodes, all without recursion.

A node is anything with the layout of :class:`autonn.Value`: ``_op`` (an
:class:`~autonn.ops.Op`, or ``None`` for a leaf) and its inputs in ``_a`` and
``_b`` as the op's ``kind`` says.  Graphs of millions of nodes are normal, so
every walk here keeps its own explicit stack instead of Python's call stack.
"""

from __future__ import annotations

from typing import Iterable, List, Sequence, Tuple

from .ops import BINARY, NARY

__all__ = ["parents", "topological_order", "check_topological_order", "consumers"]


def parents(node) -> Tuple:
    """The input nodes of ``node`` in the order they were given (``()`` for a leaf)."""
    op = node._op
    if op is None:
        return ()
    kind = op.kind
    if kind == BINARY:
        return (node._a, node._b)
    if kind == NARY:
        return node._a
    return (node._a,)  # UNARY and PARAM: the PARAM constant is not a node


def topological_order(roots) -> List:
    """Every node that ``roots`` depend on, each once, inputs before the nodes using them.

    ``roots`` is one node or a sequence of nodes.  Iterative depth-first
    search: a node is emitted once all of its inputs have been.
    """
    if not isinstance(roots, (list, tuple)):
        roots = (roots,)
    order: List = []
    emit = order.append
    # state: absent = unseen, False = expanded (inputs pushed), True = emitted
    state = {}
    stack = list(roots)
    push = stack.append
    pop = stack.pop
    while stack:
        node = stack[-1]
        seen = state.get(node)
        if seen is None:
            state[node] = False
            op = node._op
            if op is not None:
                kind = op.kind
                if kind == BINARY:
                    b = node._b
                    if b not in state:
                        push(b)
                    a = node._a
                    if a not in state:
                        push(a)
                elif kind == NARY:
                    for a in reversed(node._a):
                        if a not in state:
                            push(a)
                else:
                    a = node._a
                    if a not in state:
                        push(a)
        else:
            pop()
            if seen is False:
                state[node] = True
                emit(node)
    return order


def check_topological_order(order: Sequence) -> None:
    """Raise ``AssertionError`` unless every node comes after all of its inputs."""
    position = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        for p in parents(node):
            j = position.get(p)
            if j is None:
                raise AssertionError(f"input {p!r} of node {i} is missing from the order")
            if j >= i:
                raise AssertionError(f"input {p!r} of node {i} comes at {j}, after its consumer")


def consumers(order: Iterable) -> dict:
    """Map each node to the list of nodes that use it (one entry per edge)."""
    users: dict = {}
    for node in order:
        users.setdefault(node, [])
        for p in parents(node):
            users.setdefault(p, []).append(node)
    return users


