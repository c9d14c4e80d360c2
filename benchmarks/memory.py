"""Workload (c): bytes per node (tracemalloc) and a very long chain.

The chain ``x = x + a`` makes exactly one new node per op (``a`` is one
leaf), so the memory traced while building it, divided by the number of
ops, is the cost of one node: the object, its float and anything else it
keeps alive.
"""

from __future__ import annotations

import gc
import time
import tracemalloc


def chain(value_cls, n_ops: int):
    a = value_cls(1e-7)
    x = value_cls(0.0)
    for _ in range(n_ops):
        x = x + a
    return x


def bytes_per_node(value_cls, n_ops: int = 100_000) -> float:
    """Memory held by a chain of ``n_ops`` nodes, per node (the graph kept alive)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        x = chain(value_cls, n_ops)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del x
    gc.collect()
    return (after - before) / n_ops


def long_chain(value_cls, n_ops: int = 1_000_000) -> float:
    """Seconds to build a chain of ``n_ops`` ops and backpropagate through it.

    Raises if the engine cannot (e.g. a recursive topological sort hits
    Python's recursion limit); the caller reports that.
    """
    start = time.perf_counter()
    x = chain(value_cls, n_ops)
    x.backward()
    seconds = time.perf_counter() - start
    del x
    gc.collect()
    return seconds
