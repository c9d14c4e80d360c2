"""``to_dot``: a computation graph of Values as a Graphviz diagram.

The DOT text depends only on the graph, never on memory addresses: node ``i``
is the i-th node of :func:`autonn.graph.topological_order`, so the same graph
gives the same text every time (the gallery and a golden-file test rely on it).
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ..arguments import whole_number
from ..graph import parents, topological_order
from ..nn import Module
from ..value import Value
from .clusters import Cluster, module_clusters, neuron_of_nodes
from .fonts import FONT as _FONT  # fixed pitch: the boxes fit the text in any browser
from .local import local_derivatives
from .renderers import Diagram
from .roles import node_roles
from .style import OP_FILL, ROLE_COLOURS, ROLE_MEANING, ROLES, format_number, html_text, op_symbol
from .summary import summary_dot

__all__ = ["to_dot", "GraphTooLargeError", "as_roots", "DEFAULT_MAX_NODES"]

#: Graphs with more value nodes than this are summarised (or refused) by default.
DEFAULT_MAX_NODES = 500


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes`` and ``large="error"`` was asked for."""


def as_roots(root_or_roots: Any, who: str = "to_dot") -> List[Value]:
    """One Value, or a sequence / numpy array of Values, as a list of distinct roots."""
    if isinstance(root_or_roots, Value):
        return [root_or_roots]
    items = root_or_roots
    if hasattr(items, "ravel") and hasattr(items, "dtype"):  # numpy object array
        items = list(items.ravel())
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{who}: expected a Value or a list of Values, got {type(root_or_roots).__name__}")
    roots: List[Value] = []
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(f"{who}: root {i} is a {type(item).__name__}, expected a Value")
        if id(item) not in seen:
            seen.add(id(item))
            roots.append(item)
    if not roots:
        raise ValueError(f"{who}: no root given (an empty list)")
    return roots


def _value_label(node: Any, role: str, show_grad: bool, show_op: bool, precision: int) -> str:
    cells = []
    if node.label:
        cells.append(f"<TD><B>{html_text(node.label)}</B></TD>")
    if show_op:
        cells.append(f"<TD><I>{html_text(op_symbol(node.op, node.param, precision))}</I></TD>")
    cells.append(f"<TD>data {format_number(node.data, precision)}</TD>")
    if show_grad:
        cells.append(f"<TD>grad {format_number(node.grad, precision)}</TD>")
    colour = ROLE_COLOURS[role]
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{colour}">'
        f"<TR>{''.join(cells)}</TR></TABLE>>"
    )


def _cluster_graph(box: Cluster) -> Diagram:
    style = {"model": "rounded", "layer": "rounded,dashed", "neuron": "rounded,filled"}[box.kind]
    sub = Diagram(name=box.key)
    sub.attr(label=f"<{html_text(box.label)}>", style=style, color="#7a7a7a", fontname=_FONT)
    if box.kind == "neuron":
        sub.attr(fillcolor="#f7f7fb")
    return sub


def _legend(graph: Diagram, show_ops: bool, derivatives: bool) -> None:
    """One small table naming each colour (and the edge labels, when shown)."""
    rows = ['<TR><TD BORDER="0"><B>legend</B></TD></TR>']
    for role in ROLES:
        rows.append(f'<TR><TD BGCOLOR="{ROLE_COLOURS[role]}">{html_text(ROLE_MEANING[role])}</TD></TR>')
    if show_ops:
        rows.append(f'<TR><TD BGCOLOR="{OP_FILL}" STYLE="rounded">op (the rule that made the value)</TD></TR>')
    if derivatives:
        rows.append(f'<TR><TD BORDER="0">{html_text("∂ on an edge = d(op output) / d(input)")}</TD></TR>')
    graph.node(
        "legend",
        label=f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3">{"".join(rows)}</TABLE>>',
        shape="none",
        margin="0",
        fontsize="10",
        **{"class": "legend"},
    )


def to_dot(
    root_or_roots: Union[Value, Sequence[Value]],
    *,
    module: Optional[Module[Any]] = None,
    parameters: Optional[Iterable[Value]] = None,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_ops: bool = True,
    derivatives: bool = False,
    precision: int = 4,
    legend: bool = False,
    clusters: bool = True,
    title: Optional[str] = None,
    max_nodes: Optional[int] = DEFAULT_MAX_NODES,
    large: str = "summary",
    summary_by: str = "auto",
) -> Diagram:
    """Draw the graph that ``root_or_roots`` (a Value or a list of Values) depend on.

    Returns a :class:`graphviz.Digraph` (a :class:`~autonn.viz.renderers.Diagram`):
    ``.source`` is the DOT text, Jupyter shows it inline, and
    :func:`autonn.render` writes it to a file.

    Each value is a box ``label | data | grad``; each op is its own small
    oval (``show_ops=False`` folds the op into the box of its result).

    Colour legend (``legend=True`` also draws it on the diagram):

    * pale blue - input: a leaf that is not a parameter;
    * pale orange - parameter: a weight or bias (from ``module`` or
      ``parameters`` when given, else recognised by label: ``w``, ``w1``,
      ``b``, ``L0.N1.w2`` ...);
    * light grey - constant: a number lifted inside an expression (the 2 of ``2*x``);
    * white - intermediate value;
    * pale green - output: the root(s);
    * pale yellow ovals - ops.

    Options:

    ``module``
        An ``autonn.nn`` model: its parameters are coloured as such and the
        nodes of each neuron are boxed in a cluster with its name, inside a
        box per layer and one for the model (``clusters=False`` turns that off).
    ``rankdir``
        ``"LR"`` (left to right, default) or ``"TB"`` (top to bottom).
    ``show_grad``
        Show each node's ``.grad`` (as left by the last ``backward()``).
    ``derivatives``
        Label every edge input -> op with the local derivative
        ``d(op output)/d(input)`` at the current values, from the op's rule
        (``∂=...``); then ``grad(input)`` is the sum over its edges of
        ``grad(consumer) × ∂``, which a learner can check by eye.
    ``precision``
        Digits after the decimal point.
    ``max_nodes``, ``large``
        A graph with more than ``max_nodes`` value nodes is not drawn node
        by node: ``large="summary"`` (default) warns and draws a summary
        (one box per neuron with ``module``), ``"error"`` raises
        :class:`GraphTooLargeError`, ``"draw"`` draws it anyway.
        ``max_nodes=None`` never summarises.  ``summary_by`` is ``"neuron"``,
        ``"layer"`` or ``"auto"`` (by layer when a layer is wider than 6
        neurons); see :func:`autonn.viz.summary.summary_dot`.
    """
    roots = as_roots(root_or_roots)
    if not isinstance(rankdir, str) or rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"to_dot: rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {rankdir!r}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 17:
        raise ValueError(f"to_dot: precision must be an int from 0 to 17, got {precision!r}")
    if max_nodes is not None:
        max_nodes = whole_number(max_nodes, "max_nodes", "to_dot", least=1)
    if not isinstance(large, str) or large not in ("summary", "error", "draw"):
        raise ValueError(f"to_dot: large must be 'summary', 'error' or 'draw', got {large!r}")
    if not isinstance(summary_by, str) or summary_by not in ("auto", "neuron", "layer"):
        raise ValueError(f"to_dot: summary_by must be 'auto', 'neuron' or 'layer', got {summary_by!r}")
    if summary_by == "layer" and not getattr(module, "layers", None):
        raise ValueError("to_dot: summary_by='layer' needs a model with layers (module=an MLP)")
    if module is not None and not hasattr(module, "neurons"):
        raise TypeError(f"to_dot: module must be an autonn.nn model (with neurons()), got {type(module).__name__}")

    order = topological_order(roots)
    if max_nodes is not None and len(order) > max_nodes and large != "draw":
        message = (
            f"to_dot: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "drawing every node would be slow and unreadable. "
        )
        if large == "error":
            raise GraphTooLargeError(
                message + "Pass large='summary' for a summary (one box per neuron when module= is given), "
                "or max_nodes=None to draw every node."
            )
        warnings.warn(
            message + "Drawing a summary instead (one box per neuron or layer when module= is given); "
            "pass max_nodes=None to draw every node.",
            stacklevel=2,
        )
        return summary_dot(
            order, roots, module=module, by=summary_by, rankdir=rankdir, precision=precision, title=title
        )

    if module is not None and parameters is None:
        parameters = module.parameters()
    roles = node_roles(order, roots, parameters)
    index: Dict[Value, int] = {node: i for i, node in enumerate(order)}

    graph = Diagram(name="autonn")
    graph.attr(rankdir=rankdir, fontname=_FONT, nodesep="0.25", ranksep="0.35")
    if title:
        graph.attr(label=f"<{html_text(title)}>", labelloc="t", fontsize="16")
    graph.attr("node", fontname=_FONT, fontsize="11")
    graph.attr("edge", fontname=_FONT, fontsize="9", color="#555555", arrowsize="0.6")

    # Where each node is declared: the cluster of its neuron, or the top level.
    boxes: List[Cluster] = []
    home: Dict[Optional[str], Diagram] = {}  # get(None) gives the default: the top level
    owner_box: Dict[int, str] = {}
    if module is not None and clusters:
        boxes, box_of_neuron = module_clusters(module)
        owner = neuron_of_nodes(order, module.neurons())
        owner_box = {node_id: box_of_neuron[id(n)] for node_id, n in owner.items()}
        home = {box.key: _cluster_graph(box) for box in boxes}

    for i, node in enumerate(order):
        target = home.get(owner_box.get(id(node)), graph) if owner_box else graph
        role = roles[node]
        folded = (not show_ops) and not node.is_leaf
        target.node(
            f"n{i}",
            label=_value_label(node, role, show_grad, folded, precision),
            shape="none",
            margin="0",
            **{"class": f"value {role}"},
        )
        if show_ops and not node.is_leaf:
            target.node(
                f"n{i}op",
                label=f"<{html_text(op_symbol(node.op, node.param, precision))}>",
                shape="ellipse",
                style="filled",
                fillcolor=OP_FILL,
                width="0.3",
                height="0.3",
                margin="0.04,0.02",
                fontsize="14",
                **{"class": f"op {node.op}"},
            )

    # Nest the clusters, deepest first (each must be complete when it is
    # copied into its parent), keeping their order within each level.
    depth: Dict[str, int] = {}
    for box in boxes:  # parents come before their children in ``boxes``
        depth[box.key] = 0 if box.parent is None else depth[box.parent] + 1
    for box in sorted(boxes, key=lambda b: -depth[b.key]):
        parent = home[box.parent] if box.parent is not None else graph
        parent.subgraph(home[box.key])

    for i, node in enumerate(order):
        if node.is_leaf:
            continue
        head = f"n{i}op" if show_ops else f"n{i}"
        if show_ops:
            graph.edge(head, f"n{i}")
        slopes = local_derivatives(node) if derivatives else ()
        for k, p in enumerate(parents(node)):
            if derivatives:
                graph.edge(f"n{index[p]}", head, label=f"∂={format_number(slopes[k], precision)}")
            else:
                graph.edge(f"n{index[p]}", head)

    if legend:
        _legend(graph, show_ops, derivatives)
    return graph
