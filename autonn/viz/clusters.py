"""Which nodes of a graph belong to which neuron, layer and model.

Nodes carry no record of the module that made them; the grouping is derived
from the module and the fixed shape a neuron builds for each sample (see
:mod:`autonn.nn.neuron`): one ``mul`` node per weight, one n-ary ``sum``
whose last term is the bias, then at most one unary activation node on that
sum, labelled with the neuron's name.  A neuron's cluster is its weights and bias plus exactly those nodes,
for every sample the graph holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..graph import parents

if TYPE_CHECKING:
    from ..nn import Neuron

__all__ = ["Cluster", "module_clusters", "neuron_of_nodes"]


@dataclass(frozen=True)
class Cluster:
    """One box of the diagram: a model, a layer or a neuron."""

    key: str  # DOT subgraph name; starts with "cluster" as Graphviz requires
    label: str  # text shown on the box (escaped when drawn)
    parent: Optional[str]  # key of the enclosing box, None at the top
    kind: str  # "model", "layer" or "neuron"


def _neuron_label(neuron: Any) -> str:
    return f"Neuron {neuron.name} ({neuron.activation})"


def module_clusters(module: Any) -> Tuple[List[Cluster], Dict[int, str]]:
    """The boxes for ``module`` and a map ``id(neuron) -> key of its box``.

    A lone Neuron is one box.  A model with ``layers`` (an MLP) is a box with
    one box per layer, each holding its neurons' boxes; any other model (a
    Layer, a Network) is a box holding its neurons directly.
    """
    neurons = module.neurons()
    kind = type(module).__name__
    if len(neurons) == 1 and neurons[0] is module:
        return [Cluster("cluster_n0", _neuron_label(module), None, "neuron")], {id(module): "cluster_n0"}
    name = getattr(module, "name", "")
    top = Cluster("cluster_m", f"{kind} {name}".strip(), None, "model")
    boxes = [top]
    owner: Dict[int, str] = {}
    layers = getattr(module, "layers", None)
    groups: List[Tuple[Optional[Cluster], Sequence[Any]]] = []
    box: Optional[Cluster]
    if layers:
        for i, layer in enumerate(layers):
            box = Cluster(f"cluster_l{i}", f"Layer {getattr(layer, 'name', i)}", top.key, "layer")
            groups.append((box, list(layer.neurons)))
    else:
        groups.append((None, neurons))
    count = 0
    for box, members in groups:
        parent = top.key
        if box is not None:
            boxes.append(box)
            parent = box.key
        for neuron in members:
            key = f"cluster_n{count}"
            count += 1
            boxes.append(Cluster(key, _neuron_label(neuron), parent, "neuron"))
            owner[id(neuron)] = key
    return boxes, owner


def neuron_of_nodes(order: Sequence[Any], neurons: Sequence[Any]) -> Dict[int, Neuron]:
    """Map ``id(node) -> neuron`` for every node of ``order`` that a neuron made.

    The neuron's weights and bias, the ``mul`` nodes using a weight, the
    ``sum`` whose last term is the bias, and (unless the neuron is linear) its
    activation: the unary node on that sum labelled with the neuron's name.
    """
    weight_of: Dict[int, Neuron] = {}
    bias_of: Dict[int, Neuron] = {}
    for neuron in neurons:
        for w in neuron.w:
            weight_of[id(w)] = neuron
        bias_of[id(neuron.b)] = neuron
    owner: Dict[int, Neuron] = {}
    sums: Dict[int, Neuron] = {}
    for node in order:
        key = id(node)
        if node.is_leaf:
            found = weight_of.get(key, bias_of.get(key))
            if found is not None:
                owner[key] = found
            continue
        ins = parents(node)
        if node.op == "mul":
            found = weight_of.get(id(ins[0]), weight_of.get(id(ins[1])))
            if found is not None:
                owner[key] = found
        elif node.op == "sum":
            found = bias_of.get(id(ins[-1]))
            if found is not None:
                owner[key] = found
                sums[key] = found
        elif len(ins) == 1 and not node.constants:
            # only the neuron's own activation: other unary nodes on the sum
            # (a user's ``-out``, or anything on a linear neuron's output) are not its
            found = sums.get(id(ins[0]))
            if found is not None and found.activation != "linear" and node.label == found.name:
                owner[key] = found
    return owner
