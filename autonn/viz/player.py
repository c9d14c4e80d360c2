"""``animate``: a page that plays a graph's forward pass, then its backward pass, step by step.

The page is one self-contained HTML file (style, script and picture inline;
nothing is fetched), so it opens anywhere, offline.  The steps come from
:mod:`~autonn.viz.player_steps` (or :mod:`~autonn.viz.player_summary` for a
large graph), the picture from :mod:`~autonn.viz.player_svg`, the page from
:mod:`~autonn.viz.player_page`.
"""

from __future__ import annotations

import html as html_module
import os
from typing import Any, Optional, Sequence, Union

import numpy as np

from ..explain import _Names
from ..graph import topological_order
from ..nn import Module
from ..nn.files import file_name, refuse_unless_replaceable, write_atomically
from ..value import Value
from .player_page import page_html
from .player_steps import graph_steps
from .player_summary import summary_player
from .player_svg import graph_svg

__all__ = ["animate", "player_html", "PlayerPage", "PLAYER_MAX_NODES", "IFRAME_HEIGHT"]

#: Graphs with more nodes than this are played as their summary by default (a step per node
#: would be hundreds of steps, and the picture unreadable).
PLAYER_MAX_NODES = 120

_OPTIONS = frozenset({"module", "parameters", "title", "precision", "max_nodes", "summary_by", "autoplay"})


def player_html(
    root: Value,
    *,
    module: Optional[Module[Any]] = None,
    parameters: Optional[Sequence[Value]] = None,
    title: Optional[str] = None,
    precision: int = 4,
    max_nodes: Optional[int] = PLAYER_MAX_NODES,
    summary_by: str = "auto",
    autoplay: bool = False,
) -> str:
    """The text of the player page for the graph of ``root`` (see :func:`animate`)."""
    who = "animate"
    if not isinstance(root, Value):
        raise TypeError(f"{who}: root must be a Value (the output backward starts from), got {type(root).__name__}")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 17:
        raise ValueError(f"{who}: precision must be an int from 0 to 17, got {precision!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1):
        raise ValueError(f"{who}: max_nodes must be a positive int or None, got {max_nodes!r}")
    if not isinstance(summary_by, str) or summary_by not in ("auto", "neuron", "layer"):
        raise ValueError(f"{who}: summary_by must be 'auto', 'neuron' or 'layer', got {summary_by!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"{who}: title must be a str or None, got {type(title).__name__}")
    if not isinstance(autoplay, (bool, np.bool_)):
        raise TypeError(f"{who}: autoplay must be True or False, got {autoplay!r}")
    if module is not None and not hasattr(module, "neurons"):
        raise TypeError(f"{who}: module must be an autonn.nn model (with neurons()), got {type(module).__name__}")
    if parameters is not None:
        if isinstance(parameters, Value) or not isinstance(parameters, (list, tuple)) or not all(
            isinstance(p, Value) for p in parameters
        ):
            raise TypeError(f"{who}: parameters must be a list of Values (or None), got {parameters!r:.80}")
    order = topological_order(root)
    title = title or f"Backpropagation through the graph of {root.label or 'the output'}"
    if max_nodes is not None and len(order) > max_nodes:
        svg, steps = summary_player(order, root, module=module, by=summary_by, precision=precision)
        note = (f"{len(order)} nodes, more than max_nodes={max_nodes}: played as a summary "
                "(pass max_nodes=None to play every node).")
    else:
        if module is not None and parameters is None:
            parameters = module.parameters()
        svg = graph_svg(order, root, _Names(order, precision), parameters, precision)
        steps = graph_steps(order, root, precision)
        note = ""
    return page_html(title, svg, steps, autoplay=bool(autoplay), note=note)


class PlayerPage(str):
    """What :func:`animate` returns: the path it wrote (a ``str``, as before), and a page that shows itself.

    In Jupyter the page plays inline, in an ``<iframe srcdoc>`` (so its
    script and style stay apart from the notebook's), with nothing to serve
    and no file needed.  As a ``str`` it is the path of the file written
    (``""`` when no path was given), so ``open(page)``, ``os.fspath(page)``
    and code that took the path before keep working.

    ``page.html`` is the page's text; ``page.path`` the file written, or None.
    """

    html: str
    path: Optional[str]

    def __new__(cls, html_text: str, path: Optional[str]) -> "PlayerPage":
        page = super().__new__(cls, "" if path is None else path)
        page.html = html_text
        page.path = path
        return page

    def __repr__(self) -> str:
        return f"PlayerPage(path={self.path!r}, {len(self.html):,} characters of HTML)"

    def _repr_html_(self) -> str:
        """The page inline, for Jupyter: the whole page in the ``srcdoc`` of an iframe."""
        return (f'<iframe srcdoc="{html_module.escape(self.html, quote=True)}" '
                f'style="width: 100%; height: {IFRAME_HEIGHT}px; border: 1px solid #ddd"></iframe>')


#: Height of the inline player in a notebook, in pixels (the page scrolls inside it).
IFRAME_HEIGHT = 640


def animate(root: Value, path: Union[str, "os.PathLike[str]", None] = None, **options: Any) -> PlayerPage:
    """A page that plays backpropagation through the graph of ``root``: shown inline in Jupyter, and
    written to ``path`` when one is given.

    The page shows the graph (one box per value: name and op, data, grad)
    and plays, one step at a time, the forward pass (each node lights up as
    it is computed from its inputs) and then the backward pass (each node
    hands ``grad(node) x ∂`` to its inputs, the local derivative ``∂`` of
    its op written on the edge; a value used several times adds up what it
    receives).  Beside the picture each step's chain rule is written with
    its numbers, in the words of :func:`autonn.explain`.  Play, pause, step
    forward and back, a slider; ``page.html#step=5`` opens at step 5.

    Options: ``module`` (an ``autonn.nn`` model: its parameters are
    coloured as such and a large graph is summarised per neuron or layer),
    ``parameters``, ``title``, ``precision`` (digits), ``max_nodes``
    (larger graphs play their summary, as :func:`autonn.to_dot` draws it;
    None: never), ``summary_by`` and ``autoplay``.

    The gradients shown are computed from the graph as it is: ``root`` need
    not have been through ``backward()``, and nothing in the graph changes.
    The file is written whole or not at all, and only ever replaces a regular
    file: a named pipe, a device or a folder at ``path`` is refused with
    :class:`~autonn.nn.files.NotRegularFile` (an OSError), without opening it.

    Returns a :class:`PlayerPage`: the path written (a ``str``; ``""``
    without a path), which a notebook shows as the playing page.
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise TypeError(f"animate: unknown option {', '.join(map(repr, unknown))}; the options are {', '.join(sorted(_OPTIONS))}")
    name = None if path is None else file_name(path, "animate")
    if name is not None:
        refuse_unless_replaceable(name, "animate")  # before the work of drawing: a pipe or a folder is refused at once
    text = player_html(root, **options)
    if name is None:
        return PlayerPage(text, None)
    data = text.encode("utf-8")
    write_atomically(name, lambda f: f.write(data), "animate")  # never a half-written page
    return PlayerPage(text, name)
