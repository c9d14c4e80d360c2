"""The diagrams' font, and SVG text held to the width the layout gave it.

Graphviz sizes every box from the metrics of the font the DOT text names, on
the machine that lays it out; the browser that shows the SVG later draws the
text in whatever font *it* finds under that name.  With a proportional font
the two rarely agree: boxes laid out for Helvetica's narrow letters are too
small for DejaVu Sans, the sans-serif of many Linux systems, and the text
spills out of its box.

So diagrams use a fixed-pitch font.  In Courier every character is 0.6 em
wide, and so it is in its metric twins (Liberation Mono, Cousine, Courier New,
Nimbus Mono) and, within a few percent, in every monospace font (DejaVu Sans
Mono is 0.602 em): the layout's width of a text is its length times 0.6 em,
whichever renderer measured it.  :func:`fit_svg_text` then writes that width
on every SVG text as ``textLength`` with ``lengthAdjust="spacingAndGlyphs"``,
so a browser whose fallback font is wider or narrower still draws each text
exactly as wide as the layout assumed: inside its box.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["FONT", "ADVANCE", "text_width", "fit_svg_text"]

#: The font every diagram names (Graphviz writes it as ``font-family="Courier,monospace"``).
FONT = "Courier"

#: Width of one character of :data:`FONT`, in em.
ADVANCE = 0.6

_TEXT = re.compile(rb"<text\b([^>]*)>(.*?)</text>", re.S)
_SIZE = re.compile(rb'\bfont-size="([0-9.]+)"')


def _columns(ch: str) -> int:
    """Character cells a character takes in a fixed-pitch font: none for combining marks, two for wide ones."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in :data:`FONT` at ``size`` points: its character cells times :data:`ADVANCE` em."""
    return sum(_columns(ch) for ch in text) * ADVANCE * size


def _fit(match: "re.Match[bytes]") -> bytes:
    attributes, content = match.group(1), match.group(2)
    size = _SIZE.search(attributes)
    if b"textLength=" in attributes or size is None or b"<" in content:
        return match.group(0)  # already fitted, no size to go by, or nested markup: leave it as drawn
    text = html.unescape(content.decode("utf-8"))
    width = text_width(text, float(size.group(1)))
    if width <= 0:
        return match.group(0)
    fitted = f' textLength="{width:.2f}" lengthAdjust="spacingAndGlyphs"'.encode("ascii")
    return b"<text" + attributes + fitted + b">" + content + b"</text>"


def fit_svg_text(svg: bytes) -> bytes:
    """The SVG with every ``<text>`` held to the width :func:`text_width` gives it (see the module's note)."""
    return _TEXT.sub(_fit, svg)
