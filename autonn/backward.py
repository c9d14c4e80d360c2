"""Reverse mode: the one reverse walk, and ``backward`` (which fills ``.grad``) on top of it.

:func:`reverse_pass` visits a graph in reverse topological order and hands
each node's gradient to its inputs through the op's own rule
(:meth:`autonn.ops.Op.pullback`) - no recursion, no closures stored on
nodes, and its bookkeeping in a dict of its own.  ``backward()``,
``autonn.grad`` at every order, the ledger and diagrams all use it.

Gradient semantics follow PyTorch:

* leaves (inputs and parameters) *accumulate*: two ``backward()`` calls leave
  twice the gradient, until ``zero_grad()``;
* intermediate nodes hold the gradient of the *latest* pass, so a diagram drawn
  after ``backward()`` shows true values;
* a node used twice (``a + a``) receives the sum over all of its uses.

On floats a rule follows IEEE 754 (the slope of ``sqrt`` at 0 is ``inf``),
the same rule as the forward pass.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterable, Optional, Sequence, Set, Tuple

from .graph import topological_order
from .mode import WATCHERS, collector_paused
from .fastpath import float_backward
from .node import HOOKS, Node, inputs, op_of, reverse_accumulate, rule_args, store_gradients
from .ops import FLOAT_MATH
from .ops.absent import ABSENT

__all__ = ["backward", "reverse_pass", "local_gradients", "depends_on"]

# Writing a pass's gradients into ``.grad`` is a read-add-write per leaf; the
# lock makes two threads backpropagating through one graph add up exactly.
_WRITE_BACK = threading.Lock()


def depends_on(order: Iterable[Any], targets: Iterable[Any]) -> Set[Any]:
    """The nodes of ``order`` that depend on one of ``targets`` (``targets`` included)."""
    found = set(targets)
    add = found.add
    for node in order:
        if node not in found:
            for x in inputs(node):
                if x in found:
                    add(node)
                    break
    return found


def reverse_pass(order: Sequence[Any], root: Any, seed: Any, m: Any = FLOAT_MATH,
                 relevant: Optional[Set[Any]] = None) -> Dict[Any, Any]:
    """``{node: d root / d node * seed}`` for the nodes of ``order`` (which ends with ``root``).

    ``m`` is the rules' math namespace: :data:`~autonn.ops.FLOAT_MATH` for
    numbers, or a graph-building one (then ``seed`` and the gradients are
    nodes).  With ``relevant``, only nodes in it are visited and receive
    gradients: a slope towards an input nobody asked for is never computed.
    """
    grads = reverse_accumulate(order, {root: seed}, m, relevant)
    for watch in WATCHERS.gradients:  # detect_anomaly(); an empty list when off
        watch(order, grads)
    return grads


def local_gradients(node: Node, g: float = 1.0) -> Tuple[float, ...]:
    """``g * d node / d input_i`` for every input of ``node``, in order, from its op's rule.

    With ``g = 1`` these are the local derivatives a diagram or the ledger
    shows; an infinite slope (``sqrt`` at 0) is ``inf`` as in ``backward``.
    ``()`` for a leaf.
    """
    op = op_of(node)
    if op is None:
        return ()
    local = op.pullback(g, node.data, rule_args(node), FLOAT_MATH)
    return tuple(0.0 if d is ABSENT else d for d in local)  # an input not selected: slope 0


def backward(root: Node, gradient: float = 1.0) -> None:
    """Add ``gradient * d root / d leaf`` to every leaf's ``.grad``; set every
    intermediate node's ``.grad`` to ``gradient * d root / d node`` for this pass."""
    if op_of(root) is None:
        g = reverse_pass([root], root, float(gradient))[root]  # its hooks run
        with _WRITE_BACK:
            root.grad += g
        return
    # The pass allocates a float per node and frees none of them; a graph holds
    # no cycles, so the cycle collector is paused meanwhile.
    with collector_paused():
        order = topological_order(root)
        if HOOKS.live or WATCHERS.gradients:  # hooks and watchers see each node's gradient on its own
            grads = reverse_pass(order, root, float(gradient))
            with _WRITE_BACK:
                store_gradients(grads)
        else:  # the generated loop, writing gradients straight into the nodes
            float_backward(order, float(gradient))
