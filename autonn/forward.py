"""Forward mode: push tangents from the inputs to the outputs through each op's own rule.

For a scalar op ``out = f(x_1, ..., x_n)`` the tangent of the output is

    dout = sum_i  d out / d x_i * dx_i,

and ``d out / d x_i`` is exactly what the op's reverse rule gives for an
upstream gradient of 1 (its vector-Jacobian product of a 1 x n Jacobian).
So forward mode is *derived* from the reverse rules, not written again: the
two modes cannot drift apart.  The pass visits a recorded graph once, inputs
first, in the one topological order - one pass per direction, never a
reverse pass.

On floats the tangents are numbers; with the graph-building namespace they
are Values, so a forward pass can itself be differentiated (forward over
reverse gives Hessian-vector products).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable

from .graph import topological_order
from .node import inputs, op_of, rule_args, rule_nodes
from .ops import FLOAT_MATH
from .ops.absent import ABSENT

__all__ = ["forward_pass"]


def forward_pass(outputs: Iterable[Any], tangents: Dict[Any, Any], m: Any = FLOAT_MATH, one: Any = 1.0) -> Dict[Any, Any]:
    """``{node: tangent}`` for every node ``outputs`` depend on, given the tangents of some leaves.

    ``tangents`` maps input nodes to their tangents (a leaf without one has
    tangent 0).  ``m`` is the rules' math namespace; ``one`` the unit upstream
    gradient in it (``1.0``, or a constant node when ``m`` builds graphs).
    """
    symbolic = m is not FLOAT_MATH
    result: Dict[Any, Any] = dict(tangents)
    get = result.get
    for node in topological_order(list(outputs)):
        op = op_of(node)
        if op is None:
            continue
        ins = inputs(node)
        dins = [get(x) for x in ins]
        if all(d is None for d in dins):
            continue  # depends on no input with a tangent
        if symbolic:
            partials = op.pullback(one, node, rule_nodes(node), m)
        else:
            partials = op.pullback(one, node.data, rule_args(node), m)
        total = None
        for partial, dx in zip(partials, dins):
            # An exact zero tangent contributes nothing, even against an infinite
            # partial (the limit, as reverse mode has it), never 0 * inf = nan.
            # A branch a rule does not select contributes nothing, even an infinite tangent.
            if dx is not None and not (type(dx) is float and dx == 0.0) and partial is not ABSENT:
                term = partial * dx
                total = term if total is None else total + term
        if total is not None:
            result[node] = total
    return result
