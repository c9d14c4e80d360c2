"""The usual slips of backpropagation by hand, each as a wrong rule the reverse walk can follow.

:func:`walk` computes every node's gradient the right way (``slip=None``) or
the way a learner holding one misconception would, so a grader can recompute
a learner's numbers under each wrong rule and see which one they followed.
The walk keeps its own loop over a given order: no recursion over the graph.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..backward import local_gradients
from ..graph import parents
from ..node import op_of

__all__ = ["MISCONCEPTIONS", "walk", "edge_share", "flips_sign", "breadth_first"]

#: Every misconception the grader can name, with what the learner did.  ``"other"``
#: is named when none of the wrong rules gives the learner's number.
MISCONCEPTIONS: Dict[str, str] = {
    "accumulation": "a value used several times kept only one use's share instead of the sum of all of them",
    "sign": "dropped the minus sign of a negative local derivative (sub and div send -grad to their second input)",
    "local-derivative": "multiplied by the local derivative that belongs to the op's other input",
    "chain": "gave the local derivative alone, forgetting to multiply it by the gradient arriving from above",
    "order": "handed a node's gradient on before every use of the node had added its share "
             "(not in reverse topological order)",
    "other": "none of the slips above gives this number: an arithmetic mistake, or a rule misremembered",
}


def flips_sign(node: Any, k: int) -> bool:
    """Whether the edge into input ``k`` of ``node`` carries a minus sign a learner may drop."""
    op = op_of(node)
    name = op.name if op is not None else ""
    return name == "neg" or (name in ("sub", "div") and k == 1)


def edge_share(slip: Optional[str], node: Any, k: int, g: float, slopes: Tuple[float, ...]) -> float:
    """What the use ``node`` sends back to its input ``k`` under ``slip``, ``node``'s gradient being ``g``."""
    slope = slopes[k]
    if slip == "sign" and flips_sign(node, k):
        slope = -slope
    elif slip == "local-derivative" and len(slopes) == 2:
        slope = slopes[1 - k]
    if slip == "chain":
        return slope
    return g * slope


def breadth_first(root: Any) -> List[Any]:
    """The nodes in the order a breadth-first search from ``root`` first reaches them."""
    seen = {id(root)}
    queue = deque([root])
    result = []
    while queue:
        node = queue.popleft()
        result.append(node)
        for p in parents(node):
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    return result


def walk(order: Sequence[Any], root: Any, slip: Optional[str] = None) -> Dict[int, float]:
    """``{id(node): d root / d node}`` for every node of ``order`` (a topological order ending at ``root``).

    With a ``slip`` from :data:`MISCONCEPTIONS` the walk follows that slip's
    wrong rule everywhere: ``"accumulation"`` overwrites instead of adding (the
    use handled last wins), ``"order"`` visits the nodes breadth-first from the
    output, each once, instead of in reverse topological order.
    """
    visit = breadth_first(root) if slip == "order" else list(reversed(order))
    grads: Dict[int, float] = {id(node): 0.0 for node in order}
    grads[id(root)] = 1.0
    for node in visit:
        ins = parents(node)
        if not ins:
            continue
        g = grads[id(node)]
        slopes = local_gradients(node, 1.0)
        for k, p in enumerate(ins):
            share = edge_share(slip, node, k, g, slopes)
            grads[id(p)] = share if slip == "accumulation" else grads[id(p)] + share
    return grads
