"""The player for a graph too large to show node by node: it plays the summary's groups.

The groups are those of :func:`autonn.viz.summary.summary_groups` (a box per
neuron or layer when the model is known, else per role).  A group is computed
when its last node is, so the forward pass lights the groups in that order and
the backward pass in the reverse one; the numbers shown are the gradients
``backward`` gives the parameters of each neuron as the pass leaves it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from ..backward import reverse_pass
from ..explain import _Names, value_line
from .player_steps import MAX_LISTED, Step
from .player_svg import boxes_svg, layered_boxes
from .summary import summary_groups

__all__ = ["summary_player"]


def _params_of_group(key: str, module: Any) -> List[Any]:
    """The weights and biases inside a neuron or layer group (none for a role group)."""
    if module is None or ":" not in key:
        return []
    kind, name = key.split(":", 1)
    if kind == "neuron":
        neurons = [n for n in module.neurons() if n.name == name]
    else:
        neurons = [n for layer in module.layers if layer.name == name for n in layer.neurons]
    return [p for n in neurons for p in list(n.w) + [n.b]]


def summary_player(order: Sequence[Any], root: Any, *, module: Any = None, by: str = "auto", precision: int = 4) -> Tuple[str, List[Step]]:
    """The picture (SVG) and the steps of the summary player."""
    found = summary_groups(order, [root], module=module, by=by, precision=precision)
    name = _Names(order, precision)
    done_at: Dict[str, int] = {}
    leaf_only: Dict[str, bool] = {}
    for i, node in enumerate(order):
        key = found.of[id(node)]
        done_at[key] = i
        leaf_only[key] = leaf_only.get(key, True) and node.is_leaf
    keys = sorted(found.keys, key=lambda k: done_at[k])
    pos = {key: i for i, key in enumerate(keys)}
    ids = [f"g{i}" for i in range(len(keys))]
    # Edges that run against the completion order (a group feeding one that fed it) are left out of the layout.
    forward_edges = [(t, h, c) for (t, h), c in found.edges.items() if pos[t] < pos[h]]
    ins: List[List[int]] = [[] for _ in keys]
    for t, h, _c in forward_edges:
        ins[pos[h]].append(pos[t])
    lines = [found.texts[k][0].split("\n") for k in keys]
    boxes = layered_boxes(ins, ids, [found.texts[k][1] for k in keys], lines, [max(map(len, t)) for t in lines])
    edge_ids = {(t, h): f"{ids[pos[t]]}_{ids[pos[h]]}" for t, h, _c in forward_edges}
    svg = boxes_svg(
        boxes,
        [(edge_ids[(t, h)], ids[pos[t]], ids[pos[h]], f"{c} edge{'s' if c != 1 else ''}") for t, h, c in forward_edges],
        numbered=False,
    )

    grads = reverse_pass(order, root, 1.0)
    heading = f"A graph of {len(order)} nodes, played as its summary: one box per "
    heading += "neuron or layer" if module is not None else "kind of node"
    steps = [
        Step(
            "forward",
            "The leaves hold their numbers",
            [heading] + [found.texts[k][0].replace("\n", ": ") for k in keys if leaf_only[k]],
            data={},
        )
    ]
    into = {k: [e for e in forward_edges if e[1] == k] for k in keys}
    for k in keys:
        if leaf_only[k]:
            continue
        i = pos[k]
        text = found.texts[k][0].replace("\n", ": ")
        lines_k = [f"{text}: its {found.members[k]} nodes are computed, in order"]
        if k == "output":
            lines_k.append(value_line(root, name))
        steps.append(Step("forward", f"Forward: {text.split(':')[0]}", lines_k, ids[i],
                          edges=[edge_ids[(t, h)] for t, h, _c in into[k]]))
    me = name(root)
    steps.append(Step("backward", f"Backward starts at the output: grad({me}) = 1",
                      [f"grad({me}) = 1  (the output: d {me} / d {me})"], ids[pos["output"]],
                      receivers=[ids[pos["output"]]]))
    for k in reversed(keys):
        if leaf_only[k]:
            continue
        sources = [t for t, h, _c in into[k]]
        text = found.texts[k][0].split("\n")[0]
        lines_k = [f"{text} passes gradients back along {sum(c for _t, _h, c in into[k])} edges "
                   f"to: {', '.join(found.texts[t][0].split(chr(10))[0] for t in sources) or 'nothing'}"]
        params = _params_of_group(k, module)
        if params:
            lines_k.append("its parameters now hold their whole gradient (every use added up):")
            listed = [f"grad({name(p)}) = {name.number(grads.get(p, 0.0))}" for p in params]
            more = len(listed) - (MAX_LISTED - 2)
            lines_k += listed[: MAX_LISTED - 2] + ([f"... and {more} more"] if more > 0 else [])
        steps.append(Step("backward", f"Backward: {text}", lines_k, ids[pos[k]],
                          edges=[edge_ids[(t, k)] for t in sources],
                          receivers=[ids[pos[t]] for t in sources]))
    steps.append(Step("done", "Done: every parameter has its gradient",
                      [f"{len(order)} nodes, gradients from the one backward pass"],
                      receivers=[ids[pos[k]] for k in keys if leaf_only[k]]))
    return svg, steps
