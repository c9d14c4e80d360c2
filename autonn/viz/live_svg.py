"""The live view's three pictures, as SVG text: the loss curve, the decision boundary, the network.

Each is drawn from numbers alone (a list of losses, a grid of scores, the
weights and gradients of the neurons), small enough to redraw several times
a second: the curve keeps at most :data:`CURVE_POINTS` points, the boundary
is a coarse grid of cells.  Colours: blue for positive, red for negative, the
stronger the larger the magnitude (relative to the largest in the picture).
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from .live_model import Unit, depths
from .style import format_number

__all__ = ["curve_svg", "boundary_svg", "boundary_image", "points_svg", "network_svg", "NetworkLayout",
           "signed_colour", "CURVE_POINTS"]

#: The most points the loss curve is drawn with (evenly spaced steps, the last always included).
CURVE_POINTS = 300

_BLUE = (31, 119, 180)
_RED = (214, 39, 40)
_LEVELS = 24  # shades of each colour: a frame picks from a table, not a new string per edge


def _shades(rgb: Tuple[int, int, int]) -> List[str]:
    r, g, b = rgb
    return [f"rgba({r},{g},{b},{0.08 + 0.92 * i / (_LEVELS - 1):.2f})" for i in range(_LEVELS)]


_SHADES = (_shades(_BLUE), _shades(_RED))


def _strengths(values: np.ndarray[Any, Any], scale: float) -> np.ndarray[Any, Any]:
    """``|values| / scale`` in [0, 1] (a non-finite value counts as the strongest)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.abs(values) / scale if scale > 0 else np.zeros_like(values)
    return np.where(np.isfinite(s), np.minimum(s, 1.0), 1.0)


def signed_colour(x: float, scale: float) -> str:
    """Blue (positive) or red (negative), as opaque as ``|x| / scale`` (at least a trace)."""
    level = int(round(float(_strengths(np.array([x]), scale)[0]) * (_LEVELS - 1)))
    return _SHADES[0 if x >= 0 or math.isnan(x) else 1][level]


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-family="sans-serif">{html.escape(text)}</text>')


def curve_svg(steps: Sequence[int], losses: Sequence[float], width: int = 340, height: int = 200) -> str:
    """The loss against the step (log scale when every loss is positive and they span over 10x)."""
    n = len(losses)
    keep = sorted(set(np.linspace(0, n - 1, min(n, CURVE_POINTS)).astype(int).tolist())) if n else []
    xs = [float(steps[i]) for i in keep]
    ys = [float(losses[i]) for i in keep]
    finite = [y for y in ys if math.isfinite(y)]
    log = bool(finite) and min(finite) > 0 and max(finite) > 10 * min(finite)
    tys = [math.log10(y) if log and y > 0 else y for y in ys]
    left, right, top, bottom = 46, 10, 10, 28
    body = [f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
            'fill="#fbfbfb" stroke="#ccc"/>']
    if finite:
        lo_t = min(t for t, y in zip(tys, ys) if math.isfinite(y))
        hi_t = max(t for t, y in zip(tys, ys) if math.isfinite(y))
        span_t = hi_t - lo_t or 1.0
        x0, x1 = xs[0], xs[-1]
        span_x = (x1 - x0) or 1.0

        def px(x: float) -> float:
            return left + (x - x0) / span_x * (width - left - right)

        def py(t: float) -> float:
            return top + (hi_t - t) / span_t * (height - top - bottom)

        points = " ".join(f"{px(x):.1f},{py(t):.1f}" for x, t, y in zip(xs, tys, ys) if math.isfinite(y))
        body.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>')
        body.append(_text(left - 4, top + 10, format_number(max(finite), 4, compact=True), "end", 10))
        body.append(_text(left - 4, height - bottom, format_number(min(finite), 4, compact=True), "end", 10))
        body.append(_text(left, height - 10, f"step {steps[0]}", "start", 10))
        body.append(_text(width - right, height - 10, f"step {steps[-1]}", "end", 10))
    scale = " (log scale)" if log else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="curve" width="{width}" height="{height}" '
            f'data-points="{len(keep)}" data-last-step="{steps[-1] if n else 0}">'
            f'<title>loss{scale}</title>{"".join(body)}</svg>')


def _png(rgba: np.ndarray[Any, Any]) -> bytes:
    """A PNG file of an ``(h, w, 4)`` uint8 image (rows top first)."""
    h, w, _ = rgba.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgba.reshape(h, w * 4)], axis=1).tobytes()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def boundary_image(scores: np.ndarray[Any, Any], size: int = 240) -> str:
    """The sign of the score on a ``(k, k)`` grid (row 0 at the bottom) as an SVG ``<image>``: blue above 0, red below."""
    scale = float(np.max(np.abs(scores[np.isfinite(scores)]), initial=0.0)) or 1.0
    alpha = (0.08 + 0.42 * _strengths(scores, scale)) * 255  # pale: the points must stand out
    rgba = np.empty(scores.shape + (4,), np.uint8)
    rgba[..., :3] = np.where((scores >= 0)[..., None], np.array(_BLUE, np.uint8), np.array(_RED, np.uint8))
    rgba[..., 3] = alpha.astype(np.uint8)
    data = base64.b64encode(_png(rgba[::-1])).decode("ascii")
    return (f'<image width="{size}" height="{size}" preserveAspectRatio="none" '
            f'href="data:image/png;base64,{data}"/>')


def points_svg(X: np.ndarray[Any, Any], y: np.ndarray[Any, Any], bounds: Sequence[float], size: int = 240) -> str:
    """The labelled points over ``bounds = (x0, x1, y0, y1)``: blue for a positive label, red otherwise."""
    x0, x1, y0, y1 = bounds
    dots = []
    for (px, py), label in zip(X.tolist(), y.tolist()):
        cx = (px - x0) / ((x1 - x0) or 1.0) * size
        cy = size - (py - y0) / ((y1 - y0) or 1.0) * size
        fill = "#1f77b4" if label > 0 else "#d62728"
        dots.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.6" fill="{fill}" stroke="white" stroke-width="0.6"/>')
    return "".join(dots)


def boundary_svg(scores: np.ndarray[Any, Any], points: str, size: int = 240) -> str:
    """The boundary picture: the score's sign under the points (from :func:`points_svg`)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="boundary" width="{size}" height="{size}">'
            f'<title>decision boundary: blue where the score is positive</title>'
            f'{boundary_image(scores, size)}{points}</svg>')


class NetworkLayout:
    """Where every input and neuron of a network sits, and the fixed part of every edge, worked out once."""

    def __init__(self, inputs: Sequence[str], units: Sequence[Unit], width: int = 300) -> None:
        depth = depths(inputs, units)
        columns: Dict[int, List[str]] = {}
        for name in list(inputs) + [u.name for u in units]:
            columns.setdefault(depth[name], []).append(name)
        tallest = max(len(c) for c in columns.values())
        self.width = width
        self.height = max(120, min(400, 22 * tallest + 30))
        pos = {}
        for d, names in columns.items():
            x = 24 + d * (width - 48) / max(1, len(columns) - 1)
            for r, name in enumerate(names):
                pos[name] = (x, 20 + (r + 0.5) * (self.height - 40) / len(names))
        self.weights = [w for u in units for w in u.neuron.w]
        self.biases = [u.neuron.b for u in units]
        # each edge as a piece of a path: a frame joins the edges of one shade into one <path>
        self.edges = [f"M{pos[s][0]:.0f} {pos[s][1]:.0f}L{pos[u.name][0]:.0f} {pos[u.name][1]:.0f}"
                      for u in units for s in u.sources]
        radius = max(3.0, min(8.0, (self.height - 40) / (2.4 * tallest)))
        self.inputs = "".join(f'<circle cx="{pos[n][0]:.1f}" cy="{pos[n][1]:.1f}" r="{radius:.1f}" fill="#cfe3ff" '
                              f'stroke="#555"><title>input {html.escape(n)}</title></circle>' for n in inputs)
        self.neurons = [f'<circle cx="{pos[u.name][0]:.1f}" cy="{pos[u.name][1]:.1f}" r="{radius:.1f}" stroke="#555" '
                        f'data-name="{html.escape(u.name)}"' for u in units]


def network_svg(layout: NetworkLayout, show: str) -> str:
    """The network, one circle per input and neuron, each weight an edge coloured by ``show``.

    ``show`` is ``"data"`` (the weights) or ``"grad"`` (their gradients); a
    neuron's circle is coloured by its bias (or the bias's gradient).  Blue is
    positive, red negative; the stronger and (for an edge) the wider, the
    larger the magnitude, relative to the largest in the picture.
    """
    w = np.array([getattr(p, show) for p in layout.weights], dtype=float)
    b = np.array([getattr(p, show) for p in layout.biases], dtype=float)
    both = np.concatenate([w, b])
    finite = np.abs(both[np.isfinite(both)])
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    w_levels = np.rint(_strengths(w, scale) * (_LEVELS - 1)).astype(int).tolist()
    b_levels = np.rint(_strengths(b, scale) * (_LEVELS - 1)).astype(int).tolist()
    shades: Dict[Tuple[bool, int], List[str]] = {}
    for e, n, k in zip(layout.edges, (w < 0).tolist(), w_levels):
        shades.setdefault((n, k), []).append(e)
    # one path per shade, its width growing with the strength, the strongest drawn last (on top)
    edges = "".join(f'<path d="{"".join(pieces)}" fill="none" stroke="{_SHADES[n][k]}" '
                    f'stroke-width="{0.4 + 2.6 * k / (_LEVELS - 1):.2f}"/>'
                    for (n, k), pieces in sorted(shades.items(), key=lambda item: item[0][1]))
    nodes = "".join(f'{c} fill="{_SHADES[n][k]}"><title>bias {show} {v:.4g}</title></circle>'
                    for c, n, k, v in zip(layout.neurons, (b < 0).tolist(), b_levels, b.tolist()))
    title = "weights" if show == "data" else "gradients"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="network" width="{layout.width}" '
            f'height="{layout.height}"><title>{title}</title>{edges}{layout.inputs}{nodes}</svg>')
