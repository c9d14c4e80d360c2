"""Rule expressions as text a person reads: the formulas of diagrams, the ledger and the README.

:func:`simplify` rewrites an expression for reading (``1 * x`` is ``x``,
``x * x`` is ``x^2``, a ``where`` inside a ``where`` on the same condition
is decided), and three printers write it: :func:`math_text` in the notation
of the op table (``1 - tanh(a)^2``, ``[a > 0]`` for a 0/1 selector),
:func:`python_text` as a Python expression using ``math.`` functions, and
:func:`latex_text`.  Simplifying is for reading only: generated code always
runs the rule exactly as written (:mod:`.pycode`).
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Dict, List, Optional, Tuple

from .symbolic import Expr, fold, num, rebuild, substitute

__all__ = ["simplify", "math_text", "python_text", "latex_text", "NAMED_NUMBERS", "expand_ops"]

#: Numbers shown by name in formulas (filled by :mod:`.builtin` beside the constants it defines).
NAMED_NUMBERS: Dict[str, Tuple[str, str]] = {}  # repr(x) -> (math text, latex)


def _is_num(e: Expr, value: Optional[float] = None) -> bool:
    return e.head == "num" and (value is None or e.args[0] == value)


_ARITHMETIC: Dict[str, Callable[[float, float], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv, "pow": operator.pow}


def _fold(head: str, a: float, b: float) -> Optional[float]:
    """``a head b`` as a float, or None where Python raises or leaves the reals (it stays written out)."""
    try:
        out = _ARITHMETIC[head](a, b)
    except (ArithmeticError, ValueError):
        return None
    return out if isinstance(out, float) else None


_COMPARE: Dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}


def _rewrite(e: Expr, parts: Tuple[Expr, ...]) -> Expr:
    """One step of simplification of ``e`` whose operands are already simplified."""
    head = e.head
    if head in ("add", "sub", "mul", "div", "pow"):
        a, b = parts
        if _is_num(a) and _is_num(b):
            folded = _fold(head, a.args[0], b.args[0])
            if folded is not None:
                return num(folded)
        if head == "add":
            if _is_num(a, 0.0):
                return b
            if _is_num(b, 0.0):
                return a
            if b.head == "neg":
                return Expr("sub", (a, b.args[0]))
        elif head == "sub":
            if _is_num(b, 0.0):
                return a
            if _is_num(a, 0.0):
                return _rewrite(Expr("neg", (b,)), (b,))
        elif head == "mul":
            if _is_num(a, 0.0) or _is_num(b, 0.0):
                return num(0.0)
            if _is_num(a, 1.0):
                return b
            if _is_num(b, 1.0):
                return a
            if _is_num(a, -1.0):
                return _rewrite(Expr("neg", (b,)), (b,))
            if _is_num(b, -1.0):
                return _rewrite(Expr("neg", (a,)), (a,))
            if a.head == "neg":
                inner = _rewrite(Expr("mul", (a.args[0], b)), (a.args[0], b))
                return _rewrite(Expr("neg", (inner,)), (inner,))
            if a.key == b.key:
                return Expr("pow", (a, num(2.0)))
        elif head == "div":
            if _is_num(b, 1.0):
                return a
            if _is_num(a, 0.0):
                return num(0.0)
            if a.head == "neg":
                inner = _rewrite(Expr("div", (a.args[0], b)), (a.args[0], b))
                return _rewrite(Expr("neg", (inner,)), (inner,))
        elif head == "pow":
            if _is_num(b, 1.0):
                return a
        return Expr(head, parts)
    if head == "neg":
        (a,) = parts
        if a.head == "neg":
            negated: Expr = a.args[0]
            return negated
        if _is_num(a):
            return num(-a.args[0])
        return Expr("neg", parts)
    name = e.args[0]
    if head == "call" and name == "pow":  # m.pow(a, b) reads as a ** b
        return _rewrite(Expr("pow", parts), parts)
    if head == "call" and name in _COMPARE and all(_is_num(p) for p in parts):
        return num(1.0 if _COMPARE[name](parts[0].args[0], parts[1].args[0]) else 0.0)
    if head == "call" and name == "select":  # (the gradient a piecewise rule selects; 0 where it does not)
        c, x = parts
        if _is_num(c):
            return x if c.args[0] != 0.0 else num(0.0)
        if x.key == c.key or (x.head == "mul" and c.key in (x.args[0].key, x.args[1].key)):
            return x  # where c is 0, x is 0 too
        return _rewrite(Expr("call", ("where", c, x, num(0.0))), (c, x, num(0.0)))
    if head == "call" and name == "where":
        c, x, y = parts
        if _is_num(c):
            return x if c.args[0] != 0.0 else y
        if x.key == y.key:
            return x
        # Inside each branch, the condition is known: decide the same test there.
        x = simplify(_decide(x, c, 1.0))
        y = simplify(_decide(y, c, 0.0))
        if x.key == y.key:
            return x
        return Expr("call", ("where", c, x, y))
    return Expr(head, (name,) + parts)


def _decide(e: Expr, condition: Expr, value: float) -> Expr:
    """``e`` with every occurrence of ``condition`` replaced by the number ``value``."""
    if condition.head != "call":
        return e
    marker = "\x00condition"
    replaced = _replace(e, condition.key, Expr("var", (marker,)))
    return substitute(replaced, {marker: num(value)})


def _replace(e: Expr, key: Any, by: Expr) -> Expr:
    return fold(e, lambda x, parts: by if x.key == key else rebuild(x, parts))  # type: ignore[no-any-return]


def simplify(expr: Expr) -> Expr:
    """``expr`` rewritten for reading (see the module's docstring); the same function of its symbols."""
    return fold(expr, _rewrite)  # type: ignore[no-any-return]


def expand_ops(expr: Expr, forms: Callable[[str], Optional[Any]]) -> Expr:
    """``expr`` with every call of an op (``m.sigmoid``) replaced by that op's own forward expression,
    so the text needs nothing but ``math``.  ``forms(name)`` gives an op's :class:`RuleForm` or None."""
    def expand(e: Expr, parts: Tuple[Expr, ...]) -> Expr:
        form = forms(e.args[0]) if e.head == "op" else None
        if form is None or form.forward is None:
            return rebuild(e, parts)
        return expand_ops(substitute(form.forward, dict(zip(form.inputs, parts))), forms)
    return fold(expr, expand)  # type: ignore[no-any-return]


# -- printing ----------------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_MATH_SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "^"}
_PY_SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}
_MATH_COMPARE = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "=", "ne": "!="}
_PY_COMPARE = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "==", "ne": "!="}
_MATH_NAMES = {"log": "ln"}


def _number(x: float, style: str) -> str:
    named = NAMED_NUMBERS.get(repr(x))
    if named is not None and style != "python":
        return named[0] if style == "math" else named[1]
    if x != x:
        return "math.nan" if style == "python" else "nan"
    if x in (math.inf, -math.inf):
        text = "math.inf" if style == "python" else ("\\infty" if style == "latex" else "inf")
        return text if x > 0 else "-" + text
    if x == int(x) and abs(x) < 1e15 and not (x == 0 and math.copysign(1.0, x) < 0):
        return str(int(x))  # exact in every style: Python turns the int into the same float
    return repr(x)


def _printer(style: str) -> Callable[[Expr], str]:
    """A function writing an expression in ``style`` ("math", "python", "latex")."""

    def render(expr: Expr) -> str:
        text: str = fold(expr, lambda e, parts: _node_text(e, list(parts), style))[0]
        return text

    return render


def _wrap(part: Tuple[str, int], level: int, style: str) -> str:
    text, prec = part
    if prec < level:
        return f"\\left({text}\\right)" if style == "latex" else f"({text})"
    return text


def _node_text(e: Expr, parts: List[Tuple[str, int]], style: str) -> Tuple[str, int]:
    head = e.head
    if head == "var":
        name = e.args[0]
        return (name if style != "latex" or len(name) == 1 else f"\\mathrm{{{name}}}"), 5
    if head == "num":
        x = e.args[0]
        text = _number(x, style)
        # a named number such as 1/sqrt(2 pi) is a quotient: parenthesised where a quotient would be
        return text, (3 if text.startswith("-") else 2 if "/" in text else 5)
    if head in _PRECEDENCE:
        level = _PRECEDENCE[head]
        if head == "neg":  # -a/b and -a^2 read as -(a/b) and -(a^2), as they compute
            return "-" + _wrap(parts[0], 2, style), 3
        if style == "latex":
            if head == "div":
                return f"\\frac{{{parts[0][0]}}}{{{parts[1][0]}}}", 5
            if head == "pow":
                return f"{_wrap(parts[0], 5, style)}^{{{parts[1][0]}}}", 4
            symbol = {"add": " + ", "sub": " - ", "mul": " \\cdot "}[head]
        else:
            symbol = (_PY_SYMBOL if style == "python" else _MATH_SYMBOL)[head]
        left = _wrap(parts[0], level + (1 if head == "pow" else 0), style)
        right = _wrap(parts[1], level + (0 if head in ("add", "mul", "pow") else 1), style)
        if head == "pow" and style == "math" and parts[1][1] < 5:
            right = f"({parts[1][0]})"
        return f"{left}{symbol}{right}", level
    name = e.args[0]
    args = [p[0] for p in parts]
    if head == "call" and name in _MATH_COMPARE:
        if style == "python":
            return f"({_wrap(parts[0], 2, style)} {_PY_COMPARE[name]} {_wrap(parts[1], 2, style)})", 5
        symbol = {"le": "\\le", "ge": "\\ge", "ne": "\\ne"}.get(name, _MATH_COMPARE[name]) if style == "latex" \
            else _MATH_COMPARE[name]
        return f"{args[0]} {symbol} {args[1]}", 0
    if head == "call" and name == "where":
        c, x, y = e.operands()
        if style != "python" and _is_num(x, 1.0) and _is_num(y, 0.0):
            return f"[{args[0]}]", 5
        if style != "python" and _is_num(x, 0.0) and _is_num(y, 1.0) and c.head == "call" and c.args[0] in _NEGATED:
            negated = Expr("call", (_NEGATED[c.args[0]],) + c.operands())
            return f"[{_node_text(negated, _operand_texts(c, style), style)[0]}]", 5
        if style == "latex":
            return f"\\begin{{cases}} {args[1]} & {args[0]} \\\\ {args[2]} & \\text{{otherwise}} \\end{{cases}}", 5
        return f"({args[1]} if {args[0]} else {args[2]})", 5
    if style == "python":
        return _python_call(name, args), 5
    if style == "latex":
        known = {"exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh"}
        if name == "sqrt":
            return f"\\sqrt{{{args[0]}}}", 5
        if name == "abs":
            return f"\\left|{args[0]}\\right|", 5
        fn = ("\\ln" if name == "log" else f"\\{name}") if name in known else f"\\operatorname{{{name}}}"
        return f"{fn}\\left({', '.join(args)}\\right)", 5
    if name == "pow":
        return f"{_wrap(parts[0], 5, style)}^{_wrap(parts[1], 5, style)}", 4
    if name == "abs":
        return f"|{args[0]}|", 5
    return f"{_MATH_NAMES.get(name, name)}({', '.join(args)})", 5


_NEGATED = {"gt": "le", "le": "gt", "lt": "ge", "ge": "lt", "eq": "ne", "ne": "eq"}


def _operand_texts(e: Expr, style: str) -> List[Tuple[str, int]]:
    render = _printer(style)
    return [(render(p), 5) for p in e.operands()]


#: Python for the math namespace's functions, with ``{0}``, ``{1}`` for the arguments.
_PY_CALL = {
    "maximum": "max({0}, {1})", "minimum": "min({0}, {1})", "step": "(1.0 if {0} > 0 else 0.0)",
    "sign": "math.copysign(1.0, {0}) * ({0} != 0)", "isnan": "math.isnan({0})", "pow": "({0})**({1})",
    "abs": "abs({0})", "select": "({1} if {0} else 0.0)",
}


def _python_call(name: str, args: List[str]) -> str:
    template = _PY_CALL.get(name)
    return template.format(*args) if template else f"math.{name}({', '.join(args)})"


math_text = _printer("math")
python_text = _printer("python")
latex_text = _printer("latex")
