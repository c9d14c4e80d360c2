"""How a diagram looks: role colours, number format, op symbols and safe label text.

Everything a user can put into a label (``Value.label``, names in a module)
goes through :func:`html_text` before it reaches the DOT source, so quotes,
``<``, ``>``, braces, bars, newlines and unicode show as themselves and can
never end a label early or inject DOT attributes.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Tuple

__all__ = [
    "ROLES",
    "ROLE_COLOURS",
    "ROLE_MEANING",
    "OP_FILL",
    "format_number",
    "html_text",
    "op_symbol",
]

#: Node roles, in the order the legend lists them.
ROLES: Tuple[str, ...] = ("input", "parameter", "constant", "intermediate", "output")

#: Fill colour of a value node, by role (pale tones, distinct for colour-blind readers).
ROLE_COLOURS: Dict[str, str] = {
    "input": "#cfe3ff",  # pale blue
    "parameter": "#ffd9a8",  # pale orange
    "constant": "#e6e6e6",  # light grey
    "intermediate": "#ffffff",  # white
    "output": "#c8efc4",  # pale green
}

#: What each role means, as the legend explains it.
ROLE_MEANING: Dict[str, str] = {
    "input": "input (a leaf that is not a parameter)",
    "parameter": "parameter (weight or bias)",
    "constant": "constant (a number inside an expression)",
    "intermediate": "intermediate value",
    "output": "output (the node backward starts from)",
}

#: Fill colour of the small op nodes.
OP_FILL = "#fff6c9"

_SYMBOLS = {
    "add": "+",
    "sub": "\u2212",  # minus sign
    "mul": "\u00d7",  # multiplication sign
    "div": "\u00f7",  # division sign
    "neg": "\u2212a",
    "pow": "a^b",
    "abs": "|a|",
    "sum": "\u03a3",  # capital sigma
}


def op_symbol(op_name: str, param: Any = None, precision: int = 4) -> str:
    """The short text shown in an op node: ``+``, ``×``, ``tanh``, ``^2`` ..."""
    if op_name == "powc":
        return "^" + format_number(param, precision, compact=True)
    return _SYMBOLS.get(op_name, op_name)


def format_number(x: float, precision: int = 4, compact: bool = False) -> str:
    """``x`` with ``precision`` digits after the point; scientific when very large or small.

    ``compact`` drops trailing zeros (``2`` rather than ``2.0000``), for
    constants such as the exponent of ``x ** 2``.
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        x = 0.0  # no "-0.0000"
    ax = abs(x)
    if ax != 0.0 and (ax >= 1e7 or ax < 10.0 ** (-precision)):
        text = f"{x:.{max(precision - 1, 1)}e}"
        if compact:
            mantissa, _, exponent = text.partition("e")
            text = _strip_zeros(mantissa) + "e" + exponent
        return text
    text = f"{x:.{precision}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]  # -0.00001 at 4 digits shows as 0.0000
    return _strip_zeros(text) if compact else text


def _strip_zeros(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_HTML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "\n": "<BR/>",
    # Graphviz expands escapes such as \N (the node's name) even in HTML-like
    # labels, and decodes &#92; before doing so: only a doubled backslash
    # stands for a backslash.
    "\\": "\\\\",
    # Graphviz 2.x rejects a label whose text starts with "]"; as entities,
    # brackets are always read as text.
    "[": "&#91;",
    "]": "&#93;",
}


def _noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def visible_char(ch: str) -> str:
    """``ch`` as it can be shown in XML text: a control character or a noncharacter
    as ``\\xNN``/``\\uNNNN`` (no glyph, and not allowed in XML), a lone surrogate as
    U+FFFD (it cannot be encoded as UTF-8), anything else unchanged."""
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0 or ch in "\u2028\u2029" or _noncharacter(ch):
        # noncharacters (U+FFFE, U+FFFF, U+FDD0...) are not allowed in XML: Graphviz and SVG readers reject them
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return ch


def visible_text(text: str) -> str:
    """``text`` with every character passed through :func:`visible_char` (markup characters are left as they are)."""
    return "".join(visible_char(ch) for ch in str(text))


def html_text(text: str) -> str:
    """``text`` ready to sit inside a Graphviz HTML-like label, shown literally.

    Markup characters become entities, a newline becomes a line break, a tab
    a space, other control characters are shown as ``\\xNN`` (they have no
    glyph and some would corrupt the SVG; see :func:`visible_char`), and every
    other character - unicode included - stays as it is.
    """
    out = []
    for ch in str(text):
        rep = _HTML_ESCAPES.get(ch)
        if rep is not None:
            out.append(rep)
        elif ch == "\r":
            continue
        elif ch == "\t":
            out.append(" ")
        else:
            out.append(visible_char(ch))
    return "".join(out)
