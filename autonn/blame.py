"""When a gradient check fails, which node is wrong?  Each node's own rule against its own differences.

A graph's gradient is the chain rule over its nodes' local rules, so if the
whole gradient is wrong, some node's rule disagrees with its own op's
forward.  :func:`first_wrong_node` checks the nodes that depend on the
failing input, inputs first, each with the remainder ladder of
:mod:`autonn.remainder` on its own op (``op.value`` moved along one
argument against ``op.pullback``'s slope for it), and returns the first
whose rule fails: the op is named (a registered op like any other) and so is
the line of the user's code that built the node.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, NamedTuple, Optional

from .backward import depends_on
from .node import inputs, op_of, rule_args
from .ops import FLOAT_MATH, Op
from .remainder import Verdict, check_slope

__all__ = ["Blame", "first_wrong_node", "rule_verdicts"]

_EPS = sys.float_info.epsilon


class Blame(NamedTuple):
    """The first node whose own rule disagrees with its own finite differences."""

    node: Any
    op: Op
    position: int  # which input of the node
    rule: float  # the rule's slope for that input
    verdict: Verdict
    site: str  # file:line (function): source, of the user's code that built it

    def __str__(self) -> str:
        args = ", ".join(repr(a) for a in rule_args(self.node))
        return (f"the first node whose own rule disagrees with its own differences is {self.op.name}({args}) = "
                f"{self.node.data!r}, built at {self.site}: for input {self.position} its rule "
                f"({self.op.formula_for(self.position)}) gives {self.rule!r}, its differences "
                f"{self.verdict.numeric!r} ({self.verdict.note})")


def rule_verdicts(node: Any) -> List[Verdict]:
    """For each input of ``node``, whether its op's rule matches the op's own differences there."""
    op = op_of(node)
    if op is None:
        return []
    args = list(rule_args(node))
    slopes = op.pullback(1.0, node.data, args, FLOAT_MATH)
    out = float(node.data)
    # One evaluation of an op rounds its result and its arguments: the noise of a probe.
    noise = 4.0 * _EPS * (abs(out) + sum(abs(float(s) * a) for s, a in zip(slopes, args) if s - s == 0.0))
    verdicts = []
    for j, slope in enumerate(slopes):
        def along(h: float, j: int = j) -> float:
            moved = list(args)
            moved[j] = args[j] + h
            return op.value(*moved)

        verdicts.append(check_slope(along, args[j], float(slope), noise))
    return verdicts


def first_wrong_node(order: List[Any], leaf: Any, sites: Dict[Any, str]) -> Optional[Blame]:
    """The first node of ``order`` depending on ``leaf`` whose own rule fails its own check, or None."""
    affected = depends_on(order, [leaf])
    for node in order:
        op = op_of(node)
        if op is None or node not in affected:
            continue
        args = rule_args(node)
        slopes = op.pullback(1.0, node.data, list(args), FLOAT_MATH)
        for j, verdict in enumerate(rule_verdicts(node)):
            if not verdict.ok and inputs(node)[j] in affected:
                return Blame(node, op, j, float(slopes[j]), verdict, sites.get(node, "(a line not recorded)"))
    return None
