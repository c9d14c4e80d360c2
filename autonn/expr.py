"""A safe parser for arithmetic expressions over named values: ``"tanh(w1*x1 + w2*x2 + b)"``.

Nothing of the text is ever executed: it is split into tokens and arranged by
the shunting-yard algorithm (precedence climbing with explicit stacks, so any
nesting depth is fine) into postfix order, which :func:`evaluate` runs with a
stack of Values.

Grammar, loosest binding first::

    + -           left to right
    * /           left to right
    unary - +     (-x**2 is -(x**2), as in Python)
    ** (or ^)     right to left: 2**3**2 = 2**(3**2)
    atoms         numbers (2, 0.5, 1e-3), names, name(args), ( ... )

Functions: every op of :data:`autonn.OPS` that is not an operator, with its
own number of arguments (``exp(x)``, ``maximum(a, b)``, ``clamp(x, 0, 1)``,
``sum(a, b, c)`` for any number), including ops added with
``autonn.register_op``.  A part made of numbers
only (``1+1``, ``log(2)``) is computed once into one number, so ``x**(1+1)``
is ``x ** 2.0``.  Every error is an :class:`ExprError` naming the position in
the text.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Tuple, Union

from .ops import OPS, Op
from .value import Constant, Value, apply

__all__ = ["ExprError", "parse", "evaluate", "names_in", "FUNCTIONS"]

Number = Union[int, float]

class _Functions(Mapping[str, Any]):
    """The functions an expression may call: every op of the registry written as a call
    (not an operator), with its number of arguments (None: one or more).  Read live, so
    an op added with ``autonn.register_op`` can be called at once."""

    def _ops(self) -> Dict[str, Op]:
        return {name: op for name, op in OPS.items() if not op.symbol}

    def __getitem__(self, name: str) -> Union[int, None]:
        op = self._ops()[name]
        return None if op.arity is None else op.arity + op.consts

    def __iter__(self) -> Iterator[str]:
        return iter(self._ops())

    def __len__(self) -> int:
        return len(self._ops())


#: Functions an expression may call, with their number of arguments (None: one or more).
FUNCTIONS: Mapping[str, Union[int, None]] = _Functions()

_BINARY = {"+": (1, "left"), "-": (1, "left"), "*": (2, "left"), "/": (2, "left"), "**": (4, "right")}
_UNARY_PRECEDENCE = 3

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|\^|[-+*/(),])"
    r")"
)


class ExprError(ValueError):
    """A malformed expression; ``position`` is the 0-based index of the offending character."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = position
        pointer = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {text}\n  {pointer}")


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op"
    text: str
    position: int


def tokenize(text: str) -> List[Token]:
    """Split ``text`` into numbers, names and operators (``^`` is read as ``**``)."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}")
    tokens = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = len(text) - len(text[pos:].lstrip()) if text[pos:].strip() else pos
            raise ExprError(f"unexpected character {text[bad]!r}", text, bad)
        kind: str = match.lastgroup  # type: ignore[assignment]  # every alternative of the pattern is a named group
        start = match.start(kind)
        value = match.group(kind)
        if kind == "op" and value == "^":
            value = "**"
        tokens.append(Token(kind, value, start))
        pos = match.end()
    return tokens


# Postfix instructions (pos: where the name, operator or function stands in the text):
# ("num", float), ("name", str, pos), ("neg", pos), ("bin", op, pos), ("call", name, argc, pos)
Instruction = Tuple[Any, ...]


def parse(text: str) -> List[Instruction]:
    """The expression as postfix instructions, checked for syntax.

    Shunting-yard with an explicit "expecting an operand" state, so every
    misplaced token is reported where it stands.
    """
    tokens = tokenize(text)
    if not tokens:
        raise ExprError("empty expression", text, 0)
    output: List[Instruction] = []
    # operator stack entries: ("bin", op, pos) | ("neg", pos) | ("pos", pos) | ("(", pos, call_name, argc_box)
    stack: List[Tuple[Any, ...]] = []
    expect_operand = True

    def pop_operators(min_precedence: int, right_assoc_prec: int = -1) -> None:
        while stack:
            top = stack[-1]
            if top[0] == "bin":
                prec = _BINARY[top[1]][0]
            elif top[0] in ("neg", "pos"):
                prec = _UNARY_PRECEDENCE
            else:
                return
            if prec < min_precedence or prec == right_assoc_prec:
                return
            stack.pop()
            if top[0] == "bin":
                output.append(("bin", top[1], top[2]))
            elif top[0] == "neg":
                output.append(("neg", top[1]))

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if expect_operand:
            if tok.kind == "number":
                number = float(tok.text)
                if not math.isfinite(number):  # 1e999 reads as inf: say so here, not as a nan far away
                    raise ExprError(f"the number {tok.text} is too large for a float", text, tok.position)
                output.append(("num", number))
                expect_operand = False
            elif tok.kind == "name":
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.text == "(":
                    if tok.text not in FUNCTIONS:
                        known = ", ".join(sorted(FUNCTIONS))
                        raise ExprError(f"unknown function {tok.text!r} (known: {known})", text, tok.position)
                    stack.append(("(", nxt.position, tok.text, [0], tok.position))
                    i += 2
                    if i < len(tokens) and tokens[i].text == ")":
                        raise ExprError(f"{tok.text}() needs an argument", text, tokens[i].position)
                    continue
                if tok.text in FUNCTIONS:
                    raise ExprError(f"function {tok.text!r} must be called with parentheses", text, tok.position)
                output.append(("name", tok.text, tok.position))
                expect_operand = False
            elif tok.text == "(":
                stack.append(("(", tok.position, None, [0], tok.position))
            elif tok.text == "-":
                stack.append(("neg", tok.position))
            elif tok.text == "+":
                stack.append(("pos", tok.position))
            else:
                raise ExprError(f"expected a number, a name or '(' but found {tok.text!r}", text, tok.position)
        else:
            if tok.kind != "op" or tok.text == "(":
                hint = " (write * to multiply)" if tok.kind == "name" or tok.text == "(" else ""
                raise ExprError(f"expected an operator or ')' but found {tok.text!r}{hint}", text, tok.position)
            if tok.text in _BINARY:
                prec, assoc = _BINARY[tok.text]
                # Pop everything binding at least as tightly; a right-associative
                # operator leaves an equal one on the stack.
                pop_operators(prec, prec if assoc == "right" else -1)
                stack.append(("bin", tok.text, tok.position))
                expect_operand = True
            elif tok.text in (")", ","):
                pop_operators(0)
                if not stack:
                    what = "')' without a matching '('" if tok.text == ")" else "',' outside a function call"
                    raise ExprError(what, text, tok.position)
                _, _, func, argc, func_position = stack[-1]
                if tok.text == ",":
                    if func is None or FUNCTIONS[func] == 1:
                        where = "inside plain parentheses" if func is None else f"{func}() takes one argument"
                        raise ExprError(f"unexpected ',' ({where})", text, tok.position)
                    argc[0] += 1
                    expect_operand = True
                else:
                    stack.pop()
                    if func is not None:
                        expected = FUNCTIONS[func]
                        if expected is not None and argc[0] + 1 != expected:
                            raise ExprError(f"{func}() takes {expected} argument(s), got {argc[0] + 1}",
                                            text, func_position)
                        output.append(("call", func, argc[0] + 1, func_position))
        i += 1
    if expect_operand:
        raise ExprError("the expression ends where a number, a name or '(' was expected", text, len(text.rstrip()))
    pop_operators(0)
    if stack:
        opening = stack[-1]
        raise ExprError("'(' is never closed", text, opening[1])
    return output


def names_in(text: str) -> List[str]:
    """The names an expression uses, in order of first appearance."""
    seen: List[str] = []
    for ins in parse(text):
        if ins[0] == "name" and ins[1] not in seen:
            seen.append(ins[1])
    return seen


def _apply(func: str, args: List[Value]) -> Value:
    op = OPS[func]
    if op.consts:  # an op's constants (label_class's number of classes) are numbers, not nodes
        k = len(args) - op.consts
        return apply(op, *args[:k], *[a.data if type(a) is Constant else a for a in args[k:]])
    return apply(op, *args)


def evaluate(text: str, values: Mapping[str, Union[Value, Number]]) -> Value:
    """Build the graph of ``text`` with ``values`` for its names and return the result.

    Names map to Values (used as they are) or real numbers (int, float, numpy
    real scalars; wrapped in a new Value labelled with the name).  A part of
    the text made of numbers only (``1+1``, ``log(2)``) is computed once into
    a single number; numbers then become constants (``x**(1+1)`` is
    ``x ** 2.0``).  A name without a value, or a math error in such a part
    (``log(0)``, ``1/0``), is an :class:`ExprError` naming the position; a
    math error on values (``log(x)`` at x = 0) is the op's own error naming the
    value.
    """
    program = parse(text)
    leaves: Dict[str, Value] = {}
    for name, v in values.items():
        if isinstance(v, Value):
            leaves[name] = v
        elif isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v):
            leaves[name] = Value(float(v), name)
        else:
            raise TypeError(
                f"evaluate: value of {name!r} must be a finite real number (int, float or numpy scalar) "
                f"or a Value, got {type(v).__name__}: {v!r}"
            )
    stack: List[Any] = []
    for ins in program:
        kind = ins[0]
        if kind == "num":
            stack.append(ins[1])
        elif kind == "name":
            leaf = leaves.get(ins[1])
            if leaf is None:
                raise ExprError(f"no value given for {ins[1]!r}", text, ins[2])
            stack.append(leaf)
        elif kind == "neg":
            stack.append(-stack.pop())
        elif kind == "bin":
            b = stack.pop()
            a = stack.pop()
            if isinstance(a, Value) or isinstance(b, Value):
                stack.append(_binary(ins[1], a, b))
            else:
                stack.append(_fold(_binary, (ins[1], _constant(a), b), text, ins[2]))
        else:  # call
            argc = ins[2]
            args = stack[len(stack) - argc:]
            del stack[len(stack) - argc:]
            if any(isinstance(a, Value) for a in args):
                stack.append(_apply(ins[1], [a if isinstance(a, Value) else _constant(a) for a in args]))
            else:
                stack.append(_fold(_apply, (ins[1], [_constant(a) for a in args]), text, ins[3]))
    result = stack.pop()
    if not isinstance(result, Value):
        result = _constant(result)
    return result


def _fold(build: Any, args: Tuple[Any, ...], text: str, position: int) -> float:
    """The number ``build(*args)`` computes on constants (by the ops' own rules), for
    a part of the text made of numbers only; an :class:`ExprError` at ``position``
    if it has no finite value."""
    try:
        number: float = build(*args).data
    except (ArithmeticError, ValueError) as exc:
        raise ExprError(str(exc), text, position) from None
    if not math.isfinite(number):
        raise ExprError(f"this part, made of numbers only, has no finite value (it gives {number})", text, position)
    return number


def _constant(x: float) -> Value:
    """A number written in the text, as a constant node (the ``2`` of ``2*x``)."""
    return Constant(x)


def _binary(op: str, a: Any, b: Any) -> Any:
    """``a op b`` where one side may be a plain number."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b
