"""``render``: draw a graph straight to an SVG, PNG or PDF file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Union

import graphviz

from ..nn.files import file_name, refuse_unless_replaceable, write_atomically
from .dot import to_dot
from .renderers import FORMATS, _check_format, render_source

__all__ = ["render"]

PathLike = Union[str, "os.PathLike[str]"]


def render(
    root_or_graph: Any,
    path: PathLike,
    format: Optional[str] = None,
    *,
    renderer: str = "auto",
    timeout: Optional[float] = 120.0,
    **options: Any,
) -> Path:
    """Write the diagram of ``root_or_graph`` to ``path`` and return the path.

    ``root_or_graph`` is a Value, a list of Values, or a Digraph made by
    :func:`autonn.to_dot`; ``options`` go to ``to_dot`` (``module=``,
    ``derivatives=True``, ``rankdir="TB"`` ...).  ``format`` is ``"svg"``,
    ``"png"`` or ``"pdf"``; by default it is taken from the file name's
    suffix (svg for a name without one).  A suffix that is not one of these
    formats, or that disagrees with ``format``, is a ValueError: the file
    would hold another format than its name says.  The ``dot`` program is
    used when installed, otherwise the ``graphviz-pure`` pip package (see
    :mod:`autonn.viz.renderers`).  The file is written whole or not at all
    and only ever replaces a regular file: a named pipe, a device or a folder
    at ``path`` is refused with :class:`~autonn.nn.files.NotRegularFile` (an
    OSError), without opening it.
    """
    target = Path(file_name(path, "render"))
    refuse_unless_replaceable(str(target), "render")  # before the work of drawing: a pipe or a folder is refused at once
    format = _format_for(target, format)
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
    write_atomically(str(target), lambda f: f.write(picture), "render")
    return target


def _format_for(target: Path, format: Optional[str]) -> str:
    """The format to write ``target`` in: ``format`` (checked) or the file name's suffix."""
    suffix = target.suffix.lower().lstrip(".")
    if format is not None:
        format = _check_format(format)
        if suffix and suffix != format:
            other = f" or give format={suffix!r}" if suffix in FORMATS else ""
            raise ValueError(
                f"render: the file name {target.name!r} ends in .{suffix} but format is {format!r}; "
                f"name the file .{format}{other}"
            )
        return format
    if not suffix:
        return "svg"
    if suffix not in FORMATS:
        raise ValueError(
            f"render: cannot write a {target.suffix} file ({target.name!r}); the formats are "
            f"{', '.join(FORMATS)}: name the file with one of these suffixes"
        )
    return suffix
