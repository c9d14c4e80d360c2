"""Walks over a graph of nodes, all without recursion.

A node is anything with the layout of :class:`autonn.Value`: ``_op`` (an
:class:`~autonn.ops.Op`, or ``None`` for a leaf) and its inputs in ``_a`` and
``_b`` as the op's ``kind`` says.  Graphs of millions of nodes are normal, so
every walk here keeps its own explicit stack instead of Python's call stack.
"""

from __future__ import annotations

from typing import Iterable, List, Sequence, Tuple

from .ops import BINARY, NARY

__all__ = ["parents", "topological_order", "ops_in_order", "check_topological_order", "consumers"]


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


def ops_in_order(root) -> List:
    """The non-leaf nodes ``root`` depends on, inputs first: what ``backward`` visits.

    The same search as :func:`topological_order`, tuned for the hot path:
    leaves are never pushed (they have nothing to visit), and progress is kept
    in each node's ``_mark`` slot, tagged with objects unique to this call, so
    no dict of a million entries is built.  Not for use from several threads
    on one graph at once.
    """
    if root._op is None:
        return []
    expanded = object()
    emitted = object()
    order: List = []
    emit = order.append
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = stack[-1]
        mark = node._mark
        if mark is expanded:  # second visit: its inputs are all out
            pop()
            node._mark = emitted
            emit(node)
            continue
        if mark is emitted:  # pushed twice before being reached
            pop()
            continue
        depth = len(stack)
        kind = node._op.kind
        if kind == BINARY:
            b = node._b
            if b._op is not None and b._mark is not emitted:
                push(b)
            a = node._a
            if a._op is not None and a._mark is not emitted:
                push(a)
        elif kind == NARY:
            for a in node._a:
                if a._op is not None and a._mark is not emitted:
                    push(a)
        else:
            a = node._a
            if a._op is not None and a._mark is not emitted:
                push(a)
        if len(stack) == depth:  # nothing left to visit first: out it goes
            pop()
            node._mark = emitted
            emit(node)
        else:
            node._mark = expanded
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


