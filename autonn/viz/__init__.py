"""Diagrams of computation graphs: ``to_dot`` (a graphviz.Digraph) and ``render`` (a file).

One job per module: :mod:`~autonn.viz.style` (colours, numbers, escaping),
:mod:`~autonn.viz.roles` (who is an input, a parameter ...),
:mod:`~autonn.viz.local` (local derivatives from the rule table),
:mod:`~autonn.viz.clusters` (neurons and layers), :mod:`~autonn.viz.summary`
(large graphs), :mod:`~autonn.viz.fonts` (a font whose text fits its boxes in any
browser), :mod:`~autonn.viz.renderers` (the dot program or the graphviz-pure package), :mod:`~autonn.viz.dot` and :mod:`~autonn.viz.render`.
The backprop player, :func:`autonn.animate`, is :mod:`~autonn.viz.player` (its
steps, picture, summary and page in the ``player_*`` modules beside it).
"""

from .dot import DEFAULT_MAX_NODES, GraphTooLargeError, to_dot
from .local import local_derivatives
from .render import render
from .renderers import Diagram, RenderError, RendererNotFoundError, available_renderers, render_source
from .style import ROLE_COLOURS

__all__ = [
    "to_dot",
    "render",
    "render_source",
    "available_renderers",
    "local_derivatives",
    "Diagram",
    "GraphTooLargeError",
    "RenderError",
    "RendererNotFoundError",
    "ROLE_COLOURS",
    "DEFAULT_MAX_NODES",
]
