"""``render``: draw a graph straight to an SVG, PNG or PDF file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import graphviz

from .dot import to_dot
from .renderers import FORMATS, render_source

__all__ = ["render"]

PathLike = Union[str, "os.PathLike[str]"]


def render(
    root_or_graph,
    path: PathLike,
    format: Optional[str] = None,
    *,
    renderer: str = "auto",
    timeout: Optional[float] = 120.0,
    **options,
) -> Path:
    """Write the diagram of ``root_or_graph`` to ``path`` and return the path.

    ``root_or_graph`` is a Value, a list of Values, or a Digraph made by
    :func:`autonn.to_dot`; ``options`` go to ``to_dot`` (``module=``,
    ``derivatives=True``, ``rankdir="TB"`` ...).  ``format`` is ``"svg"``,
    ``"png"`` or ``"pdf"``; by default it is taken from the file name's
    suffix, else svg.  The ``dot`` program is used when installed, otherwise
    the ``graphviz-pure`` pip package (see :mod:`autonn.viz.renderers`).
    """
    target = Path(path)
    if format is None:
        suffix = target.suffix.lower().lstrip(".")
        format = suffix if suffix in FORMATS else "svg"
    if isinstance(root_or_graph, graphviz.Digraph):
        if options:
            raise TypeError(
                f"render: options {sorted(options)} apply when drawing a Value; this is an already drawn Digraph"
            )
        source = root_or_graph.source
    else:
        source = to_dot(root_or_graph, **options).source
    picture = render_source(source, format, renderer=renderer, timeout=timeout)
    if target.parent and not target.parent.exists():
        raise FileNotFoundError(f"render: the folder {str(target.parent)!r} does not exist")
    target.write_bytes(picture)
    return target
