"""How a Value shows itself in a notebook: its number, gradient and op, and its graph when small."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..graph import topological_order
from .dot import to_dot
from .renderers import RenderError, render_source

if TYPE_CHECKING:
    from ..value import Value

__all__ = ["value_html", "MAX_DRAWN_NODES"]

#: A graph with at most this many nodes is drawn under the numbers; larger ones are only counted.
MAX_DRAWN_NODES = 40


def value_html(value: Value) -> str:
    """The rich display of a Value (Jupyter calls it through ``Value._repr_html_``)."""
    op = value.op or ("constant" if type(value).__name__ == "Constant" else "leaf")
    rows = [("data", f"{value.data:.6g}"), ("grad", f"{value.grad:.6g}"), ("op", op)]
    if value.label:
        rows.insert(0, ("label", value.label))
    cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                    for k, v in rows)
    table = f"<table>{cells}</table>"
    n = len(topological_order(value))
    if n > MAX_DRAWN_NODES:
        note = (f"<p>its graph has {n:,} nodes: draw it with <code>autonn.to_dot(v)</code> "
                "(large graphs are summarised)</p>")
        return table + note
    try:
        svg = render_source(to_dot(value).source, "svg").decode("utf-8")
    except RenderError:
        return table  # no renderer here: the numbers alone
    svg = svg[svg.find("<svg"):]  # inline: without the XML prolog
    return f"<div style='display:flex;gap:1em;align-items:flex-start'>{table}<div>{svg}</div></div>"
