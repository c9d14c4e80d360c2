"""Reverse-mode differentiation: ``backward`` (fills ``.grad``) and ``grad`` (returns gradients).

Both walk the graph once in reverse topological order and apply each node's
derivative rule from :mod:`autonn.ops` - no recursion, no closures stored on
nodes.  Gradient semantics follow PyTorch:

* leaves (inputs and parameters) *accumulate*: two ``backward()`` calls leave
  twice the gradient, until ``zero_grad()``;
* intermediate nodes hold the gradient of the *latest* pass, so a diagram drawn
  after ``backward()`` shows true values;
* a node used twice (``a + a``) receives the sum over all of its uses.

Overflow in a rule follows IEEE 754 (e.g. the slope of ``sqrt`` at 0 is
``inf``), the same rule as the forward pass.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

from .graph import ops_in_order, parents, topological_order
from .ops import BINARY, FLOAT_MATH, NARY, OPS, PARAM, UNARY

_ADD = OPS["add"]
_MUL = OPS["mul"]
_SUB = OPS["sub"]
_NEG = OPS["neg"]
_RELU = OPS["relu"]

__all__ = ["backward", "grad", "local_gradients"]


def _rule_arguments(node, symbolic: bool) -> tuple:
    """What the node's rule takes after ``g``: ``(out, *inputs)``, as numbers or as nodes."""
    kind = node._op.kind
    if symbolic:
        if kind == BINARY or kind == PARAM:
            return (node, node._a, node._b)
        return (node, node._a)  # UNARY, and NARY (the tuple of terms)
    if kind == BINARY:
        return (node.data, node._a.data, node._b.data)
    if kind == PARAM:
        return (node.data, node._a.data, node._b)
    if kind == NARY:
        return (node.data, tuple(t.data for t in node._a))
    return (node.data, node._a.data)


def local_gradients(node, g: float = 1.0) -> Tuple[float, ...]:
    """``g * d node / d input_i`` for every input of ``node``, in order, from its op's rule.

    With ``g = 1`` these are the local derivatives a diagram or the ledger
    shows.  Where the float rule raises (an infinite slope, e.g. ``sqrt`` at
    0 divides by zero), it is re-run with IEEE 754 arithmetic, giving ``inf``
    or ``nan`` exactly as the forward pass would.  ``()`` for a leaf.
    """
    op = node._op
    if op is None:
        return ()
    args = _rule_arguments(node, False)
    try:
        return tuple(op.vjp(g, *args, FLOAT_MATH))
    except ArithmeticError:
        ieee = [x if isinstance(x, tuple) else np.float64(x) for x in args]
        with np.errstate(all="ignore"):
            return tuple(float(d) for d in op.vjp(np.float64(g), *ieee, FLOAT_MATH))


def backward(root, gradient: float = 1.0) -> None:
    """Add ``gradient * d root / d leaf`` to every leaf's ``.grad``; set every
    intermediate node's ``.grad`` to ``gradient * d root / d node`` for this pass.

    Like ``.grad`` itself, the walk's bookkeeping lives on the nodes, so two
    threads must not backpropagate through the same graph at once.
    """
    if root._op is None:
        root.grad += gradient
        return
    order = ops_in_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = float(gradient)
    m = FLOAT_MATH
    # The hot loop: one rule call per node, gradients accumulated in place.
    # The commonest ops with one-line rules (add, mul, sub, neg, relu) are
    # applied inline: the same math as add_vjp, mul_vjp, sub_vjp, neg_vjp and
    # relu_vjp, without a call (tests check every op against finite differences).
    for node in reversed(order):
        op = node._op
        g = node.grad
        if op is _ADD:
            node._a.grad += g
            node._b.grad += g
            continue
        if op is _MUL:
            a = node._a
            b = node._b
            a.grad += g * b.data
            b.grad += g * a.data
            continue
        if op is _SUB:
            node._a.grad += g
            node._b.grad -= g
            continue
        if op is _RELU:
            a = node._a
            a.grad += g if a.data > 0.0 else g * 0.0
            continue
        if op is _NEG:
            node._a.grad -= g
            continue
        kind = op.kind
        try:
            if kind == BINARY:
                a = node._a
                b = node._b
                ga, gb = op.vjp(g, node.data, a.data, b.data, m)
                a.grad += ga
                b.grad += gb
            elif kind == UNARY:
                a = node._a
                (ga,) = op.vjp(g, node.data, a.data, m)
                a.grad += ga
            elif kind == NARY:
                # Every term of a sum receives g unchanged (sum_vjp).
                for t in node._a:
                    t.grad += g
            else:  # PARAM
                a = node._a
                (ga,) = op.vjp(g, node.data, a.data, node._b, m)
                a.grad += ga
        except ArithmeticError:
            for p, gp in zip(parents(node), local_gradients(node, g)):
                p.grad += gp


class _ValueMath:
    """The rules' math namespace on graph nodes: each call records new nodes."""

    @staticmethod
    def cos(x):
        return x.cos()

    @staticmethod
    def sin(x):
        return x.sin()

    @staticmethod
    def log(x):
        return x.log()

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def sigmoid(x):
        return x.sigmoid()

    @staticmethod
    def step(x):
        return 1.0 if x.data > 0.0 else 0.0

    @staticmethod
    def sign(x):
        d = x.data
        return 1.0 if d > 0.0 else (-1.0 if d < 0.0 else 0.0)

    @staticmethod
    def real(x):
        return x.data


VALUE_MATH = _ValueMath()


def _is_node(x) -> bool:
    return hasattr(type(x), "_op")


def grad(output, inputs, create_graph: bool = False):
    """Return ``[d output / d x for x in inputs]`` without touching any ``.grad``.

    ``inputs`` is a list or tuple of nodes (a single node gives a single
    gradient; a numpy object array of Values gives an array of the same
    shape).  An input that ``output`` does not depend on gets 0.  With
    ``create_graph=True`` the gradients are themselves graph nodes, built from
    the same derivative rules, so they can be differentiated again (second
    derivatives, Hessians).  Those rules then run as ops on Values, so a slope
    that is infinite (``sqrt`` at 0) raises the op's ZeroDivisionError instead
    of giving ``inf``.
    """
    if not _is_node(output):
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
        if not _is_node(x):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    order = topological_order(output)
    grads = {output: output.__class__(1.0) if create_graph else 1.0}
    for node in reversed(order):
        g = grads.get(node)
        if g is None or node._op is None:
            continue
        if create_graph:
            local = node._op.vjp(g, *_rule_arguments(node, True), VALUE_MATH)
        else:
            local = local_gradients(node, g)
        for p, gp in zip(parents(node), local):
            prev = grads.get(p)
            grads[p] = gp if prev is None else prev + gp
    zero = output.__class__(0.0) if create_graph else 0.0
    result = [grads.get(x, zero) for x in wanted]
    if not create_graph:
        result = [float(r) for r in result]
    if shape is not None:
        return np.array(result, dtype=object if create_graph else float).reshape(shape)
    return result if isinstance(inputs, (list, tuple)) else result[0]
