"""The graph walk: one topological order, without recursion.

Graphs of millions of nodes are normal, so the walk keeps its own explicit
stack instead of Python's call stack, and its bookkeeping in a dict of its
own, never on the nodes (so several threads may walk one graph at once).
Every path that visits a graph (backward, grad, the ledger, diagrams, the
compiler's trace) takes its order from :func:`topological_order`.
"""

from __future__ import annotations

from typing import Iterable, List, Sequence

from .node import inputs

__all__ = ["parents", "topological_order", "check_topological_order", "consumers"]

#: The input nodes of a node, in order (``()`` for a leaf): :func:`autonn.node.inputs`.
parents = inputs


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
    state: dict = {}
    stack = list(roots)
    push = stack.append
    pop = stack.pop
    while stack:
        node = stack[-1]
        seen = state.get(node)
        if seen is None:
            state[node] = False
            ins = inputs(node)
            for i in range(len(ins) - 1, -1, -1):  # reversed, so the first input is visited first
                x = ins[i]
                if x not in state:
                    push(x)
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
        for p in inputs(node):
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
        for p in inputs(node):
            users.setdefault(p, []).append(node)
    return users
