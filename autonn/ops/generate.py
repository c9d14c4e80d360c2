"""What is made from one op's definition: its float functions and its formula text.

:func:`generated_forward` and :func:`generated_vjp` give the functions an
op runs on floats: Python generated from the rule's expressions
(:mod:`.pycode`) when it has a symbolic form, else the definition itself
called with :data:`~autonn.ops.FLOAT_MATH`.  :func:`derived_formulas`
prints the rule's derivative for each input (:mod:`.text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

from .floatmath import FLOAT_MATH
from .pycode import compile_function, emit
from .symbolic import Expr, substitute, var
from .text import math_text, simplify

if TYPE_CHECKING:
    from .op import Op

__all__ = ["generated_forward", "generated_vjp", "derived_formulas", "local_names", "applied"]


def local_names(op: "Op") -> Dict[str, str]:
    """The locals generated code reads for each symbol of ``op``'s rule (never a user's own name)."""
    names = {"g": "_g", "out": "_out"}
    if op.form is not None:
        for i, name in enumerate(op.form.inputs):
            names[name] = f"_x{i}"
    return names


def generated_forward(op: "Op") -> Callable[..., Any]:
    """``forward(*xs)`` on floats: generated from the form, else the definition itself."""
    form = op.form
    if form is None or form.forward is None:
        forward = op.forward
        if op.vectorized:
            def interpreted(*xs: Any) -> Any:
                return forward(*xs, m=FLOAT_MATH)
        else:
            def interpreted(*xs: Any) -> Any:
                return forward(*xs)
        interpreted.__doc__ = "runs the definition itself (no symbolic form: " + (op.not_symbolic or "n-ary") + ")"
        return interpreted
    names = local_names(op)
    lines, (value,) = emit([form.forward], names, indent="    ")
    params = ", ".join(names[n] for n in form.inputs)
    fname = f"{op.name}_forward"
    source = "\n".join([f"def {fname}({params}):", f"    # {op.name}: generated from its forward"] + lines
                       + [f"    return {value}", ""])
    return compile_function(fname, source)


def generated_vjp(op: "Op") -> Callable[..., Any]:
    """``vjp(g, out, *xs)`` on floats: generated from the form, else the definition itself."""
    form = op.form
    if form is None:
        vjp = op.vjp
        if op.arity is None:
            def interpreted(g: Any, out: Any, *xs: Any) -> Any:
                return vjp(g, out, *xs, m=FLOAT_MATH)
        else:
            def interpreted(g: Any, out: Any, *xs: Any) -> Any:
                return vjp(g, out, *xs, FLOAT_MATH)
        interpreted.__doc__ = "runs the rule itself (no symbolic form: " + op.not_symbolic + ")"
        return interpreted
    names = local_names(op)
    fname = f"{op.name}_vjp"
    lines, values = emit(list(form.vjp), names, indent="    ")
    if form.uniform:
        head = f"def {fname}(_g, _out, *_xs):"
        result = f"({values[0]},) * (len(_xs) - {op.consts})"
    else:
        head = f"def {fname}(_g, _out, {', '.join(names[n] for n in form.inputs)}):"
        result = "(" + "".join(v + ", " for v in values) + ")"
    source = "\n".join([head, f"    # {op.name}: generated from its rule"] + lines + [f"    return {result}", ""])
    return compile_function(fname, source)


def applied(op: "Op", inputs: List[Expr]) -> Expr:
    """``op`` applied to ``inputs`` as a reader sees it: ``a*b`` for an op with an operator, else ``tanh(a)``."""
    form = op.form
    if op.symbol and form is not None and form.forward is not None:
        return substitute(form.forward, dict(zip(form.inputs, inputs)))
    return Expr("op", (op.name,) + tuple(inputs))


def derived_formulas(op: "Op", consts: Tuple[float, ...] = ()) -> Tuple[str, ...]:
    """``d out/d x = ...`` for each input, printed from the rule; the given text where there is no form.

    With ``consts`` (a node's constants: the 2 of ``x ** 2``) the formula is the one of that node:
    ``d(a^2)/da = 2*a`` rather than the general ``k*a^(k - 1)``."""
    form = op.form
    if form is None:
        if op.hand_formulas:
            return op.hand_formulas
        return (f"d {op.name}/dx: no formula ({op.not_symbolic})",)
    one = Expr("num", (1.0,))
    if form.uniform:
        names = [var(f"k{j}") for j in range(op.consts)]
        xs = [var("a_1"), var("..."), var("a_n")]
        out = applied(op, xs + _constants(names, consts))
        rhs = simplify(substitute(form.vjp[0], {"g": one, "out": out}))
        return (f"{_lhs(op, out)}/da_i = {math_text(rhs)}",)
    n = len(form.inputs) - op.consts
    symbols = [var(name) for name in form.inputs[:n]] + _constants([var(c) for c in form.inputs[n:]], consts)
    out = applied(op, symbols)
    bound = dict(zip(form.inputs, symbols), g=one, out=out)
    return tuple(f"{_lhs(op, out)}/d{name} = {math_text(simplify(substitute(grad, bound)))}"
                 for name, grad in zip(form.inputs, form.vjp))


def _constants(symbols: List[Expr], values: Tuple[float, ...]) -> List[Expr]:
    """The constants' numbers where given, else their letters."""
    return [Expr("num", (float(v),)) for v in values] if values else symbols


def _lhs(op: "Op", out: Expr) -> str:
    """``d(a*b)`` for an op written with an operator, ``d tanh(a)`` for a function."""
    text = math_text(out)
    return f"d({text})" if op.symbol and out.head != "op" else f"d {text}"


