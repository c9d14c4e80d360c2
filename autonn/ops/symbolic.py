"""Rules as expressions: each op's forward and vjp evaluated once, on symbols.

An op's forward and rule are written against a math namespace ``m``
(:mod:`.op`).  Run once with :data:`SYMBOLIC_MATH` as ``m`` and with
:class:`Expr` symbols for ``g``, ``out`` and the inputs, they return
expression trees instead of numbers: the op's definition as data.  Every
generated path reads those trees - the Python code of the eager fast paths
(:mod:`.pycode`), the formula text (:mod:`.text`) and the derivative code of
``autonn.formula`` and ``autonn.export`` - so nothing is written twice.

A rule that cannot be evaluated this way (a Python ``if`` on an input, a
call of ``math.sin`` on it, a function ``m`` does not have) raises
:class:`NotSymbolic` inside, and :func:`rule_form` says why; that op's paths
then call its definition instead.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

__all__ = ["Expr", "NotSymbolic", "RuleForm", "SYMBOLIC_MATH", "rule_form", "var", "num", "MATH_FUNCTIONS",
           "substitute", "fold", "rebuild"]


class NotSymbolic(Exception):
    """A rule did something an expression cannot record (a Python branch on an input, a float() of it...)."""


#: The functions of the math namespaces a rule may call, with how many arguments each takes.
MATH_FUNCTIONS: Dict[str, int] = {
    "exp": 1, "log": 1, "log1p": 1, "expm1": 1, "log2": 1, "log10": 1, "sqrt": 1, "sin": 1, "cos": 1, "tan": 1,
    "asin": 1, "acos": 1, "atan": 1, "sinh": 1, "cosh": 1, "tanh": 1, "erf": 1, "abs": 1, "step": 1, "sign": 1,
    "isnan": 1, "pow": 2, "maximum": 2, "minimum": 2, "where": 3,
    "gt": 2, "ge": 2, "lt": 2, "le": 2, "eq": 2, "ne": 2, "select": 2,
}

Operand = Union["Expr", float, int]


class Expr:
    """One node of an expression: ``head`` says what it is, ``args`` its parts.

    ``var`` (args: the name), ``num`` (args: the float), the arithmetic
    ``add sub mul div pow neg``, ``call`` (args: a function of
    :data:`MATH_FUNCTIONS`, then its operands) and ``op`` (args: an op's
    name, then its operands: a rule calling another op, as ``m.sigmoid``).
    ``key`` is a hashable form: two expressions with equal keys compute the
    same number, so generated code computes them once.
    """

    __slots__ = ("head", "args", "key")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression; dicts use .key

    def __init__(self, head: str, args: Tuple[Any, ...]) -> None:
        self.head = head
        self.args = args
        if head == "num":
            # repr keeps -0.0 apart from 0.0 and nan equal to itself
            self.key: Tuple[Any, ...] = ("num", repr(args[0]))
        elif head in ("var", "call", "op"):
            self.key = (head, args[0]) + tuple(a.key for a in args[1:])
        else:
            self.key = (head,) + tuple(a.key for a in args)

    def operands(self) -> Tuple["Expr", ...]:
        """The sub-expressions (for ``call`` and ``op``, without the name)."""
        if self.head in ("var", "num"):
            return ()
        if self.head in ("call", "op"):
            return self.args[1:]
        return self.args

    # -- arithmetic records itself --------------------------------------------
    def __add__(self, other: Operand) -> "Expr":
        return Expr("add", (self, lift(other)))

    def __radd__(self, other: Operand) -> "Expr":
        return Expr("add", (lift(other), self))

    def __sub__(self, other: Operand) -> "Expr":
        return Expr("sub", (self, lift(other)))

    def __rsub__(self, other: Operand) -> "Expr":
        return Expr("sub", (lift(other), self))

    def __mul__(self, other: Operand) -> "Expr":
        return Expr("mul", (self, lift(other)))

    def __rmul__(self, other: Operand) -> "Expr":
        return Expr("mul", (lift(other), self))

    def __truediv__(self, other: Operand) -> "Expr":
        return Expr("div", (self, lift(other)))

    def __rtruediv__(self, other: Operand) -> "Expr":
        return Expr("div", (lift(other), self))

    def __pow__(self, other: Operand) -> "Expr":
        return Expr("pow", (self, lift(other)))

    def __rpow__(self, other: Operand) -> "Expr":
        return Expr("pow", (lift(other), self))

    def __neg__(self) -> "Expr":
        return Expr("neg", (self,))

    def __pos__(self) -> "Expr":
        return self

    def __abs__(self) -> "Expr":
        return Expr("call", ("abs", self))

    # -- what an expression cannot do: the rule needs a number here -----------
    def _refuse(self, what: str) -> Any:
        raise NotSymbolic(f"the rule {what} (a Python decision on a number); write it with m.where/m.gt/...")

    def __bool__(self) -> bool:
        return self._refuse("branches on an input with if/and/or")  # type: ignore[no-any-return]

    def __float__(self) -> float:
        return self._refuse("converts an input with float() or a math function")  # type: ignore[no-any-return]

    def __int__(self) -> int:
        return self._refuse("converts an input with int()")  # type: ignore[no-any-return]

    def __index__(self) -> int:
        return self._refuse("uses an input as an index")  # type: ignore[no-any-return]

    def __complex__(self) -> complex:
        return self._refuse("converts an input with complex()")  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> "Expr":  # type: ignore[override]
        return Expr("call", ("eq", self, lift(other)))  # its truth value refuses, as for if

    def __ne__(self, other: object) -> "Expr":  # type: ignore[override]
        return Expr("call", ("ne", self, lift(other)))

    def __lt__(self, other: Operand) -> "Expr":
        return Expr("call", ("lt", self, lift(other)))

    def __le__(self, other: Operand) -> "Expr":
        return Expr("call", ("le", self, lift(other)))

    def __gt__(self, other: Operand) -> "Expr":
        return Expr("call", ("gt", self, lift(other)))

    def __ge__(self, other: Operand) -> "Expr":
        return Expr("call", ("ge", self, lift(other)))

    def __repr__(self) -> str:
        from .text import python_text  # the one printer

        return f"Expr({python_text(self)})"


def var(name: str) -> Expr:
    """A symbol: an input, ``g`` or ``out``."""
    return Expr("var", (name,))


def num(x: float) -> Expr:
    """A number in an expression."""
    return Expr("num", (float(x),))


def lift(x: object) -> Expr:
    """``x`` as an expression: expressions pass, real numbers become ``num``; else NotSymbolic."""
    if type(x) is Expr:
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return num(x)
    if isinstance(x, bool):
        return num(1.0 if x else 0.0)
    raise NotSymbolic(f"the rule mixes an input with a {type(x).__name__} ({x!r})")


class SymbolicMath:
    """The math namespace on expressions: every function records itself."""

    name = "symbolic"
    ops: Mapping[str, Any] = {}  # the op registry, installed by autonn.ops
    defining = ""  # the op whose rule is being evaluated (not in the registry yet when first defined)

    def fractional(self, a: Operand) -> Expr:
        # Only domain checks call it; they run on numbers, never on expressions.
        raise NotSymbolic("m.fractional is for domain checks")

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        if name in MATH_FUNCTIONS:
            n = MATH_FUNCTIONS[name]

            def call(*xs: Operand) -> Expr:
                if len(xs) != n:
                    raise NotSymbolic(f"m.{name} takes {n} argument(s), the rule gives {len(xs)}")
                return Expr("call", (name,) + tuple(lift(x) for x in xs))

            return call
        if name in self.ops or name == self.defining:  # an op's rule may apply the op itself (sigmoid)
            return lambda *xs: Expr("op", (name,) + tuple(lift(x) for x in xs))
        raise NotSymbolic(f"the math namespace has no function or op {name!r}")


SYMBOLIC_MATH = SymbolicMath()


class RuleForm:
    """An op's definition as expressions.

    ``inputs``: the names of the forward's parameters (inputs, then
    constants); ``forward``: its value in those names; ``vjp``: one
    expression per input in ``g``, ``out`` and those names.  For an op of any
    number of inputs, ``uniform`` says every input's gradient is the one
    expression ``vjp[0]`` in ``g`` and ``out`` alone (``sum``), and
    ``forward`` is None (its value is not one fixed expression).
    """

    __slots__ = ("inputs", "forward", "vjp", "uniform")

    def __init__(self, inputs: Tuple[str, ...], forward: Optional[Expr], vjp: Tuple[Expr, ...],
                 uniform: bool = False) -> None:
        self.inputs = inputs
        self.forward = forward
        self.vjp = vjp
        self.uniform = uniform


def _names(fn: Callable[..., Any]) -> List[str]:
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.name != "m" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _as_exprs(result: Any, n: int, who: str) -> Tuple[Expr, ...]:
    if type(result) is list:
        result = tuple(result)
    if type(result) is not tuple or len(result) != n:
        raise NotSymbolic(f"{who} does not return a tuple of {n} gradient(s)")
    return tuple(lift(x) for x in result)


def rule_form(op: Any) -> Tuple[Optional[RuleForm], str]:
    """``(form, "")`` for an op whose forward and rule evaluate on symbols, else ``(None, why)``."""
    SYMBOLIC_MATH.defining = op.name
    try:
        if op.arity is None:
            return _nary_form(op), ""
        names = _names(op.forward)
        xs = [var(n) for n in names]
        if op.vectorized:
            forward = lift(op.forward(*xs, m=SYMBOLIC_MATH))
        else:
            forward = lift(op.forward(*xs))
        vjp = _as_exprs(op.vjp(var("g"), var("out"), *xs, SYMBOLIC_MATH), op.arity, "the vjp")
        return RuleForm(tuple(names), forward, vjp), ""
    except NotSymbolic as err:
        return None, str(err)
    except Exception as err:  # noqa: BLE001 - any other failure: the definition is run as it is
        return None, f"evaluating it on symbols raised {type(err).__name__}: {err}"
    finally:
        SYMBOLIC_MATH.defining = ""


def _nary_form(op: Any) -> RuleForm:
    """An op of any number of inputs is symbolic when every input gets the same gradient in g and out."""
    found = []
    for n in (1, 2, 3):
        xs = [var(f"x{i}") for i in range(n)]
        args = [var("g"), var("out")] + xs + [var(f"k{j}") for j in range(op.consts)]
        found.append(_as_exprs(op.vjp(*args, m=SYMBOLIC_MATH), n, "the vjp"))
    first = found[0][0]
    if any(e.key != first.key for grads in found for e in grads):
        raise NotSymbolic("its inputs' gradients differ from one another")
    if any(_mentions(first, f"x{i}") for i in range(3)):
        raise NotSymbolic("an input's gradient reads the inputs themselves")
    return RuleForm(("*xs",), None, (first,), uniform=True)


def _mentions(expr: Expr, name: str) -> bool:
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.head == "var" and e.args[0] == name:
            return True
        stack.extend(e.operands())
    return False


def fold(expr: Expr, fn: Callable[[Expr, Tuple[Any, ...]], Any]) -> Any:
    """``fn(node, results of its operands)`` for every node of ``expr``, operands first, each
    distinct sub-expression once (an explicit stack: no recursion); the result for ``expr``."""
    done: Dict[Any, Any] = {}
    stack: List[Tuple[Expr, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e.key in done:
            continue
        parts = e.operands()
        if not ready and parts:
            stack.append((e, True))
            stack.extend((p, False) for p in parts if p.key not in done)
            continue
        done[e.key] = fn(e, tuple(done[p.key] for p in parts))
    return done[expr.key]


def rebuild(e: Expr, parts: Tuple[Expr, ...]) -> Expr:
    """``e`` with new operands ``parts``."""
    if e.head in ("var", "num"):
        return e
    if e.head in ("call", "op"):
        return Expr(e.head, (e.args[0],) + parts)
    return Expr(e.head, parts)


def substitute(expr: Expr, values: Dict[str, Expr]) -> Expr:
    """``expr`` with each ``var`` named in ``values`` replaced."""
    return fold(expr, lambda e, parts: values.get(e.args[0], e) if e.head == "var" else rebuild(e, parts))  # type: ignore[no-any-return]
