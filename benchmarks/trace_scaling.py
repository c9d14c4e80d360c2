"""Workload (h), behind ``--trace-scaling``: tracing cost per traced node as graphs grow to 2 million nodes.

The graph is the hinge loss of MLP(2, [w, w, 1]) for growing widths.  Time is
taken without tracemalloc (which slows allocation); memory is the peak that
tracemalloc sees while tracing (the model's Values exist before and are not
counted), in a second run.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from autonn.compiler.schedule import schedule
from autonn.compiler.trace import trace
from autonn.nn import MLP

import numpy as np


def measure(width: int):
    """``(nodes, trace s, schedule s, traced bytes)`` for the width-``width`` MLP's loss."""
    model = MLP(2, [width, width, 1], seed=0)
    params = model.parameters()

    def loss_fn(v):
        return (1.0 - v[2] * model(v[:2])[0]).relu()

    gc.collect()
    start = time.perf_counter()
    g = trace(loss_fn, params, 3)
    traced = time.perf_counter() - start
    start = time.perf_counter()
    schedule(g, 3, np.zeros(len(params)), np.zeros(len(params)))
    scheduled = time.perf_counter() - start
    n = len(g)
    del g
    gc.collect()
    tracemalloc.start()
    g = trace(loss_fn, params, 3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del g
    return n, traced, scheduled, peak
