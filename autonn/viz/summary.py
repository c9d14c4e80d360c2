"""A summary drawing of a graph too large to draw node by node.

Nodes are collapsed into groups - one box per neuron when the model is
known, and one box per role (inputs, parameters, constants, other
intermediate values, the output) for everything else.  An arrow between two
boxes says how many edges of the full graph run between them.  The work is one
pass over the topological order, so it stays fast for millions of nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..graph import parents
from .clusters import neuron_of_nodes
from .fonts import FONT as _FONT
from .renderers import Diagram
from .roles import node_roles
from .style import ROLE_COLOURS, format_number, html_text

if TYPE_CHECKING:
    from ..nn import Layer, Neuron

__all__ = ["summary_dot", "summary_groups", "Groups"]

_ROLE_TITLES = {
    "input": "inputs",
    "parameter": "parameters",
    "constant": "constants",
    "intermediate": "other intermediate values",
    "output": "output",
}


#: Layers wider than this are summarised as one box each by ``by="auto"``.
AUTO_LAYER_WIDTH = 6


def _layer_of_neurons(module: Any) -> Dict[int, Layer]:
    return {id(n): layer for layer in getattr(module, "layers", None) or () for n in layer.neurons}


class Groups:
    """The groups of a summary: ``keys`` in order of first appearance (a topological order
    of the groups), ``of`` (``id(node) -> key``), ``members`` (key -> node count),
    ``edges`` ((tail key, head key) -> edge count) and ``texts`` (key -> (text, colour, css class))."""

    def __init__(self, keys: Any, of: Any, members: Any, edges: Any, texts: Any) -> None:
        self.keys, self.of, self.members, self.edges, self.texts = keys, of, members, edges, texts


def summary_groups(order: Sequence[Any], roots: Sequence[Any], *, module: Any = None, by: str = "auto", precision: int = 4) -> Groups:
    """Collapse ``order`` into groups: one per neuron or per layer (with ``module``), else per role.

    ``by`` is ``"neuron"``, ``"layer"`` (models with layers, such as an MLP)
    or ``"auto"``: by layer when some layer has more than
    :data:`AUTO_LAYER_WIDTH` neurons (one box per neuron would draw a
    tangle of width x width arrows), else by neuron.
    """
    if by not in ("auto", "neuron", "layer"):
        raise ValueError(f"summary: by must be 'auto', 'neuron' or 'layer', got {by!r}")
    parameters = module.parameters() if module is not None else None
    roles = node_roles(order, roots, parameters)
    owner = neuron_of_nodes(order, module.neurons()) if module is not None else {}
    layer_of = _layer_of_neurons(module) if module is not None else {}
    if by == "auto":
        widths = [len(layer.neurons) for layer in getattr(module, "layers", None) or ()]
        by = "layer" if widths and max(widths) > AUTO_LAYER_WIDTH else "neuron"
    if by == "layer" and not layer_of:
        raise ValueError("summary: by='layer' needs a model with layers (such as an MLP)")

    group_of: Dict[int, str] = {}
    groups: List[str] = []  # in order of first appearance: deterministic
    members: Dict[str, int] = {}
    neuron_by_group: Dict[str, Neuron] = {}
    layer_by_group: Dict[str, Layer] = {}
    root_ids = set(map(id, roots))
    for node in order:
        neuron = owner.get(id(node))
        if id(node) in root_ids:
            key = "output"
        elif neuron is not None and by == "layer":
            layer = layer_of[id(neuron)]
            key = f"layer:{layer.name}"
            layer_by_group[key] = layer
        elif neuron is not None:
            key = f"neuron:{neuron.name}"
            neuron_by_group[key] = neuron
        else:
            key = roles[node]
        group_of[id(node)] = key
        if key not in members:
            members[key] = 0
            groups.append(key)
        members[key] += 1

    edges: Dict[Tuple[str, str], int] = {}
    for node in order:
        head = group_of[id(node)]
        for p in parents(node):
            tail = group_of[id(p)]
            if tail != head:
                edges[(tail, head)] = edges.get((tail, head), 0) + 1

    texts: Dict[str, Tuple[str, str, str]] = {}
    for key in groups:
        count = members[key]
        if key.startswith("neuron:"):
            neuron = neuron_by_group[key]
            text = f"Neuron {neuron.name} ({neuron.activation})\n{len(neuron.w)} weights + bias, {count} nodes"
            texts[key] = (text, "#f7f7fb", "summary neuron")
        elif key.startswith("layer:"):
            layer = layer_by_group[key]
            weights = sum(len(n.w) + 1 for n in layer.neurons)
            text = (
                f"Layer {layer.name}: {len(layer.neurons)} neuron{'s' if len(layer.neurons) != 1 else ''} "
                f"({layer.neurons[0].activation})\n"
                f"{weights} parameters, {count} nodes"
            )
            texts[key] = (text, "#f7f7fb", "summary layer")
        elif key == "output":
            values = ", ".join(format_number(r.data, precision) for r in roots[:3])
            more = ", ..." if len(roots) > 3 else ""
            text = f"output ({len(roots)} node{'s' if len(roots) != 1 else ''})\ndata {values}{more}"
            texts[key] = (text, ROLE_COLOURS["output"], "summary output")
        else:
            text = f"{_ROLE_TITLES[key]}\n{count} node{'s' if count != 1 else ''}"
            texts[key] = (text, ROLE_COLOURS[key], f"summary {key}")
    return Groups(groups, group_of, members, edges, texts)


def summary_dot(
    order: Sequence[Any],
    roots: Sequence[Any],
    *,
    module: Any = None,
    by: str = "auto",
    rankdir: str = "LR",
    precision: int = 4,
    title: Optional[str] = None,
) -> Diagram:
    """One box per neuron or per layer (with ``module``), else per role; arrows count edges
    (the groups of :func:`summary_groups`)."""
    found = summary_groups(order, roots, module=module, by=by, precision=precision)
    graph = Diagram(name="autonn_summary")
    heading = f"summary of a graph of {len(order)} nodes"
    graph.attr(rankdir=rankdir, fontname=_FONT, label=f"<{html_text(title + ': ' + heading if title else heading)}>",
               labelloc="t")
    graph.attr("node", fontname=_FONT, fontsize="11", shape="box", style="rounded,filled")
    graph.attr("edge", fontname=_FONT, fontsize="9", color="#555555")
    ids = {key: f"g{i}" for i, key in enumerate(found.keys)}
    for key in found.keys:
        text, colour, css = found.texts[key]
        graph.node(ids[key], label=f"<{html_text(text)}>", fillcolor=colour, **{"class": css})
    for (tail, head), count in found.edges.items():
        graph.edge(ids[tail], ids[head], label=f"{count} edge{'s' if count != 1 else ''}")
    return graph
