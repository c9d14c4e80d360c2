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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name loads its module on first use (PEP 562): the ledger (autonn.explain) reads
# local derivatives and number formats from here without loading graphviz and the renderers.
_LAZY = {
    "to_dot": "dot",
    "DEFAULT_MAX_NODES": "dot",
    "GraphTooLargeError": "dot",
    "local_derivatives": "local",
    "render": "render",
    "Diagram": "renderers",
    "RenderError": "renderers",
    "RendererNotFoundError": "renderers",
    "available_renderers": "renderers",
    "render_source": "renderers",
    "ROLE_COLOURS": "style",
}

if TYPE_CHECKING:  # what the type checkers see; at run time these load in __getattr__
    from .dot import DEFAULT_MAX_NODES, GraphTooLargeError, to_dot
    from .local import local_derivatives
    from .render import render
    from .renderers import Diagram, RenderError, RendererNotFoundError, available_renderers, render_source
    from .style import ROLE_COLOURS


def __getattr__(name: str) -> Any:
    """Load the module that defines ``name`` on first use and keep the name here."""
    if name not in _LAZY:
        raise AttributeError(f"module 'autonn.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
