"""Gradients as functions: ``autonn.grad`` (first and higher order), on the one reverse walk."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .backward import depends_on, reverse_pass
from .graph import topological_order
from .ops import FLOAT_MATH
from .value import VALUE_MATH, Constant, Value

__all__ = ["grad"]


def grad(output, inputs, create_graph: bool = False):
    """Return ``[d output / d x for x in inputs]`` without touching any ``.grad``.

    ``inputs`` is a list or tuple of nodes (a single node gives a single
    gradient; a numpy object array of Values gives an array of the same
    shape).  An input that ``output`` does not depend on gets 0.  Only the
    part of the graph between ``inputs`` and ``output`` is visited, so a
    slope towards anything else is never computed.

    With ``create_graph=True`` the gradients are themselves graph nodes,
    built by running the same derivative rules on Values, so they can be
    differentiated again (second derivatives, Hessians).  The rules then run
    as ops, so an infinite slope on the way (``sqrt`` at 0) raises the op's
    ZeroDivisionError instead of giving ``inf``.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    shape = None
    if isinstance(inputs, np.ndarray):
        shape = inputs.shape
        wanted: Sequence = inputs.ravel().tolist()
    elif isinstance(inputs, (list, tuple)):
        wanted = inputs
    else:
        wanted = (inputs,)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    order = topological_order(output)
    relevant = depends_on(order, wanted)
    if create_graph:
        grads = reverse_pass(order, output, Constant(1.0), VALUE_MATH, relevant)
        zero = Constant(0.0)
        result = [grads.get(x, zero) for x in wanted]
        result = [g if isinstance(g, Value) else Constant(g) for g in result]
    else:
        grads = reverse_pass(order, output, 1.0, FLOAT_MATH, relevant)
        result = [float(grads.get(x, 0.0)) for x in wanted]
    if shape is not None:
        return np.array(result, dtype=object if create_graph else float).reshape(shape)
    return result if isinstance(inputs, (list, tuple)) else result[0]
