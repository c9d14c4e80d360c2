"""Graph walks: the one topological order, and views built on it.

Graphs of millions of nodes are normal, so the walk keeps its own explicit
stack instead of Python's call stack.  Every path that visits a graph
(backward, grad, the ledger, diagrams, the compiler's trace) takes its order
from :func:`topological_order`, which :mod:`autonn.node` implements because
it reads the node layout directly; threads walking one graph take turns.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Sequence

from .node import inputs, numbered_graph, topological_order

__all__ = ["parents", "topological_order", "numbered_graph", "check_topological_order", "consumers"]

#: The input nodes of a node, in order (``()`` for a leaf): :func:`autonn.node.inputs`.
parents = inputs


def check_topological_order(order: Sequence[Any]) -> None:
    """Raise ``AssertionError`` unless every node comes after all of its inputs."""
    position = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        for p in inputs(node):
            j = position.get(p)
            if j is None:
                raise AssertionError(f"input {p!r} of node {i} is missing from the order")
            if j >= i:
                raise AssertionError(f"input {p!r} of node {i} comes at {j}, after its consumer")


def consumers(order: Iterable[Any]) -> Dict[Any, List[Any]]:
    """Map each node to the list of nodes that use it (one entry per edge)."""
    users: Dict[Any, List[Any]] = {}
    for node in order:
        users.setdefault(node, [])
        for p in inputs(node):
            users.setdefault(p, []).append(node)
    return users
