"""The steps of the backprop player: the forward pass node by node, then the backward pass.

Each step says which node is at work, which edges carry its numbers, which
numbers appear on the picture, and the lines of the chain rule for it, in the
ledger's words (:func:`autonn.explain.value_line`, :func:`autonn.explain.use_line`).

The backward steps follow what ``backward`` does: nodes in reverse
topological order, each handing ``grad(node) x d node / d input`` to every
input, where it is added to what that input already received.  The handed
amounts come from the op's own rule (:func:`autonn.backward.local_gradients`
with the node's gradient) and the slopes on the edges from
:func:`autonn.viz.local.local_derivatives`; nothing here differentiates.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..backward import local_gradients
from ..explain import _Names, use_line, value_line
from ..graph import parents
from ..value import Constant
from .local import local_derivatives

__all__ = ["Step", "graph_steps", "edge_id", "MAX_LISTED"]

#: A step lists at most this many lines of leaves or results; the rest are counted.
MAX_LISTED = 12


def edge_id(node_index: int, k: int) -> str:
    """The picture's id of the edge from input ``k`` of node ``node_index`` into it."""
    return f"e{node_index}_{k}"


class Step(Dict[Any, Any]):
    """One frame: ``phase``, ``title``, ``lines`` (the text), ``node`` (the id at work or None),
    ``edges`` (lit edge ids), ``receivers`` (ids whose gradient grows), and the numbers that
    appear: ``data`` / ``grad`` (id -> text) and ``slopes`` (edge id -> text).

    A dict, so the page reads it as JSON directly.
    """

    def __init__(self, phase: str, title: str, lines: List[str], node: Optional[str] = None, **numbers: Any) -> None:
        super().__init__(
            phase=phase,
            title=title,
            lines=lines,
            node=node,
            edges=numbers.get("edges", []),
            receivers=numbers.get("receivers", []),
            data=numbers.get("data", {}),
            grad=numbers.get("grad", {}),
            slopes=numbers.get("slopes", {}),
        )


def _listed(lines: List[str]) -> List[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return lines[: MAX_LISTED - 1] + [f"... and {len(lines) - MAX_LISTED + 1} more"]


def graph_steps(order: Sequence[Any], root: Any, precision: int = 4) -> List[Step]:
    """Every step of the player for the graph ``order`` (topological, ending with ``root``)."""
    name = _Names(order, precision)
    index = {id(node): i for i, node in enumerate(order)}
    ids = [f"n{i}" for i in range(len(order))]
    leaves = [i for i, node in enumerate(order) if node.is_leaf]

    steps = [
        Step(
            "forward",
            "The leaves hold their numbers: inputs, parameters and constants",
            _listed([value_line(order[i], name) for i in leaves]),
            data={ids[i]: name.number(order[i].data) for i in leaves},
        )
    ]
    for i, node in enumerate(order):
        if node.is_leaf:
            continue
        steps.append(
            Step(
                "forward",
                f"Forward: compute {name(node)}",
                [value_line(node, name)],
                ids[i],
                edges=[edge_id(i, k) for k in range(len(parents(node)))],
                data={ids[i]: name.number(node.data)},
            )
        )

    me = name(root)
    r = index[id(root)]
    steps.append(
        Step(
            "backward",
            f"Backward starts at the output: grad({me}) = 1",
            [f"grad({me}) = 1  (the output: d {me} / d {me})"],
            ids[r],
            grad={ids[r]: name.number(1.0)},
            receivers=[ids[r]],
        )
    )

    # How many times each node is used, to say "use 2 of 3" as its gradient accumulates.
    uses: Dict[int, int] = {}
    for node in order:
        for p in parents(node):
            uses[id(p)] = uses.get(id(p), 0) + 1
    received: Dict[int, int] = {}
    grads: Dict[int, float] = {id(root): 1.0}
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if node.is_leaf:
            continue
        g = grads.get(id(node), 0.0)
        slopes = local_derivatives(node)
        handed = local_gradients(node, g)
        u = name(node)
        lines = [f"{u} hands grad({u}) = {name.number(g)} to its inputs, times each local derivative:"]
        shown_grads: Dict[str, str] = {}
        receivers: List[str] = []
        for k, p in enumerate(parents(node)):
            if isinstance(p, Constant):
                continue  # a constant needs no gradient
            before = grads.get(id(p), 0.0)
            total = before + handed[k]
            grads[id(p)] = total
            received[id(p)] = received.get(id(p), 0) + 1
            j = index[id(p)]
            lines.append(use_line(p, node, k, name, "+=" if uses[id(p)] > 1 else "="))
            sum_text = f"{name.number(g)} x {name.number(slopes[k])} = {name.number(handed[k])}"
            if uses[id(p)] > 1:
                sum_text += (
                    f";  use {received[id(p)]} of {uses[id(p)]}: grad({name(p)}) = "
                    f"{name.number(before)} + {name.number(handed[k])} = {name.number(total)}"
                )
            lines.append("    = " + sum_text)
            shown_grads[ids[j]] = name.number(total)
            receivers.append(ids[j])
        steps.append(
            Step(
                "backward",
                f"Backward: {u} passes its gradient to its inputs",
                _listed(lines),
                ids[i],
                edges=[edge_id(i, k) for k in range(len(parents(node)))],
                slopes={edge_id(i, k): name.number(s) for k, s in enumerate(slopes)},
                grad=shown_grads,
                receivers=receivers,
            )
        )

    wanted = [i for i in leaves if not isinstance(order[i], Constant)]
    steps.append(
        Step(
            "done",
            "Done: every leaf has its gradient",
            _listed([f"grad({name(order[i])}) = {name.number(grads.get(id(order[i]), 0.0))}" for i in wanted]),
            receivers=[ids[i] for i in wanted],
        )
    )
    return steps
