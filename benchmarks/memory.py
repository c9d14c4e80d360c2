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


def _traced_bytes(value_cls, n_ops: int) -> int:
    """Memory held by a chain of ``n_ops`` nodes (the graph kept alive while it is measured)."""
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
    return after - before


def bytes_per_node(value_cls, n_ops: int = 100_000) -> float:
    """Memory a chain holds per node: the growth from ``n_ops`` to ``2 * n_ops`` nodes, divided by
    ``n_ops``, so the few fixed allocations of a run (its two leaves, the frame) do not count.
    A short chain first makes whatever an engine makes on first use (autonn's generated operators)."""
    chain(value_cls, 10).backward()
    return (_traced_bytes(value_cls, 2 * n_ops) - _traced_bytes(value_cls, n_ops)) / n_ops


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
