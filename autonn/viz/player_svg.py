"""The player's picture: a layered layout of the graph drawn as SVG, every part with an id.

Columns follow the data: a node sits one column right of its latest input,
and a leaf one column left of its first user, so every edge runs left to right.
Within a column nodes are ordered by where their neighbours are (two sweeps),
which keeps most edges short.  Boxes are sized for a monospace font, so the
text fits them whatever fonts the reader has.

Ids: node ``i`` of the topological order is ``n<i>`` (as in :func:`autonn.to_dot`)
with its texts ``n<i>-data`` and ``n<i>-grad``; the edge from input ``k`` of
node ``i`` is :func:`~autonn.viz.player_steps.edge_id` with its label ``<id>-slope``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple
from xml.sax.saxutils import escape

from ..graph import parents
from .player_steps import edge_id
from .roles import node_roles
from .style import ROLE_COLOURS, op_symbol, visible_text

__all__ = ["graph_svg", "boxes_svg", "layered_boxes", "CHAR_WIDTH"]

CHAR_WIDTH = 7.2  # px per character of the 12px monospace font the page uses
_LINE = 15
_ROW_GAP = 18
_COL_GAP = 70


def _columns(ins: List[List[int]]) -> List[int]:
    """Column of each item, given the indices of its inputs (inputs come first)."""
    col = [0] * len(ins)
    for i, sources in enumerate(ins):
        if sources:
            col[i] = 1 + max(col[j] for j in sources)
    first_use: Dict[int, int] = {}
    for i, sources in enumerate(ins):
        for j in sources:
            first_use[j] = min(first_use.get(j, col[i]), col[i])
    for i, sources in enumerate(ins):
        if not sources and i in first_use:
            col[i] = first_use[i] - 1
    return col


def _rows(ins: List[List[int]], col: List[int]) -> Dict[int, float]:
    """Position of each item within its column (0, 1, 2 ...)."""
    users: Dict[int, List[int]] = {}
    for i, sources in enumerate(ins):
        for j in sources:
            users.setdefault(j, []).append(i)
    by_col: Dict[int, List[int]] = {}
    for i in range(len(ins)):
        by_col.setdefault(col[i], []).append(i)
    row = {i: float(r) for members in by_col.values() for r, i in enumerate(members)}

    def mean(values: List[float], default: float) -> float:
        return sum(values) / len(values) if values else default

    for c in sorted(by_col, reverse=True):  # right to left: follow the users
        by_col[c].sort(key=lambda i: mean([row[u] for u in users.get(i, [])], row[i]))
        row.update({i: float(r) for r, i in enumerate(by_col[c])})
    for c in sorted(by_col):  # left to right: follow the inputs
        by_col[c].sort(key=lambda i: mean([row[j] for j in ins[i]], row[i]))
        row.update({i: float(r) for r, i in enumerate(by_col[c])})
    return row


def layered_boxes(ins: List[List[int]], ids: List[str], fills: List[str], lines: List[List[str]],
                  chars: List[int]) -> List[Box]:
    """Boxes placed in columns (see the module's doc); ``chars`` is each box's widest line."""
    col = _columns(ins)
    row = _rows(ins, col)
    width_of: Dict[int, int] = {}
    for i, c in enumerate(col):
        width_of[c] = max(width_of.get(c, 0), chars[i])
    x_of, x = {}, 0.0
    for c in sorted(width_of):
        x_of[c] = x
        x += width_of[c] * CHAR_WIDTH + 16 + _COL_GAP
    height = max(len(t) for t in lines) * _LINE + 10 + _ROW_GAP
    count = {k: col.count(k) for k in width_of}
    tallest = max(count.values())
    return [
        (ids[i], fills[i], lines[i], x_of[col[i]], (tallest - count[col[i]]) * height / 2 + row[i] * height,
         width_of[col[i]])
        for i in range(len(ins))
    ]


def _text(x: float, y: float, text: str, css: str, ident: str = "") -> str:
    attr = f' id="{ident}"' if ident else ""
    return f'<text{attr} class="{css}" x="{x:.1f}" y="{y:.1f}">{escape(visible_text(text))}</text>'


Box = Tuple[str, str, List[str], float, float, int]


def boxes_svg(boxes: List[Box], edges: List[Tuple[str, str, str, str]], numbered: bool = True) -> str:
    """An SVG of boxes ``(id, fill, lines, x, y, characters)`` and edges ``(id, from, to, label)``.

    ``x, y`` is a box's top-left corner and ``characters`` the longest line it
    must hold (the page may write longer numbers than the first lines).

    A box shows its lines; with ``numbered`` the second and third get the ids
    ``<id>-data`` and ``<id>-grad`` so the page can change them.  Each edge
    has a hidden label ``<id>-slope`` the page fills in.
    """
    size = {}
    parts = []
    for ident, _fill, lines, x, y, chars in boxes:
        size[ident] = (x, y, chars * CHAR_WIDTH + 16, len(lines) * _LINE + 10)
    for ident, tail, head, label in edges:
        x0, y0, w0, h0 = size[tail]
        x1, y1, _w1, h1 = size[head]
        ax, ay, bx, by = x0 + w0, y0 + h0 / 2, x1, y1 + h1 / 2
        mid = (ax + bx) / 2
        parts.append(
            f'<g class="edge" id="{ident}"><path d="M{ax:.1f},{ay:.1f} C{mid:.1f},{ay:.1f} {mid:.1f},{by:.1f} '
            f'{bx - 4:.1f},{by:.1f}" marker-end="url(#arrow)"/>'
            + _text(mid - 20, (ay + by) / 2 - 3, label, "slope", f"{ident}-slope")
            + "</g>"
        )
    for ident, fill, lines, x, y, _chars in boxes:
        _x, _y, width, height = size[ident]
        parts.append(f'<g class="node" id="{ident}"><rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                     f'height="{height:.1f}" rx="5" fill="{fill}"/>')
        for n, line in enumerate(lines):
            suffix = {1: "-data", 2: "-grad"}.get(n, "") if numbered else ""
            css = "name" if n == 0 else "number"
            parts.append(_text(x + 8, y + 5 + _LINE * (n + 1) - 3, line, css, ident + suffix if suffix else ""))
        parts.append("</g>")
    right = max(x + w for x, _y, w, _h in size.values()) + 10
    bottom = max(y + h for _x, y, _w, h in size.values()) + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="graph" viewBox="-10 -10 {right + 10:.0f} {bottom + 10:.0f}" '
        f'width="{right + 10:.0f}" height="{bottom + 10:.0f}">'
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" markerHeight="8" '
        'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L8,4 L0,8 z"/></marker></defs>' + "".join(parts) + "</svg>"
    )


def graph_svg(order: Sequence[Any], root: Any, names: Any, parameters: Any = None, precision: int = 4) -> str:
    """The whole graph: one box per node (name and op, data, grad), one arrow per input."""
    roles = node_roles(order, [root], parameters)
    index = {id(node): i for i, node in enumerate(order)}
    ins = [[index[id(p)] for p in parents(node)] for node in order]
    lines = []
    for node in order:
        head = names(node) if node.is_leaf else f"{names(node)}  {op_symbol(node.op, node.param, precision)}"
        lines.append([head, "data ?", "grad ?"])
    # "grad " and a number of up to 8 + precision characters ("-1234567.1234", "-1.234e+07")
    chars = [max(len(t[0]), 13 + precision) for t in lines]
    boxes = layered_boxes(ins, [f"n{i}" for i in range(len(order))], [ROLE_COLOURS[roles[n]] for n in order],
                          lines, chars)
    edges = [(edge_id(i, k), f"n{j}", f"n{i}", "") for i, sources in enumerate(ins) for k, j in enumerate(sources)]
    return boxes_svg(boxes, edges)
