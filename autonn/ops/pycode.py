"""Python source from rule expressions: the code the eager fast paths run.

:func:`emit` turns expressions (:mod:`.symbolic`) into Python statements
over plain floats that compute exactly what the rule computes on
:data:`~autonn.ops.FLOAT_MATH`: the same operations in the same order, each
math function the namespace's own (bound as a global of the generated code),
and the namespace's small helpers (comparisons, ``where``, ``maximum``,
``step``...) written out inline from :data:`~autonn.ops.floatmath.INLINE`,
which a test holds equal to those helpers.  A sub-expression used twice is
computed once, into a local.

:func:`compile_function` makes a function from such statements; every op's
``float_forward`` and ``float_vjp`` are made this way (:mod:`.op`), and so
are the operators of ``Value`` and the reverse loop (:mod:`autonn.node`),
which paste the same statements into their own bodies.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .absent import ABSENT
from .floatmath import FLOAT_MATH, INLINE
from .symbolic import Expr

__all__ = ["Emitter", "Dialect", "FLOAT", "emit", "compile_function", "GLOBALS", "number_text"]

#: What generated code may name: the float namespace's math functions (``_exp``...), inf and nan,
#: and ``_ops`` (the registry, for a rule that applies another op: ``_ops['sigmoid'].value(x)``).
GLOBALS: Dict[str, Any] = {"_INF": math.inf, "_NAN": math.nan, "_ABSENT": ABSENT}
for _name in ("exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "sin", "cos", "tan", "asin", "acos",
              "atan", "sinh", "cosh", "tanh", "erf", "abs", "pow", "step", "sign", "maximum", "minimum"):
    GLOBALS["_" + _name] = getattr(FLOAT_MATH, _name)
del _name

_BINARY_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def number_text(x: float) -> str:
    """A float as Python source that reads back as exactly that float."""
    if x != x:
        return "_NAN"
    if x in (math.inf, -math.inf):
        return "_INF" if x > 0 else "(-_INF)"
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


class Dialect:
    """How generated code writes numbers, math functions and calls of other ops.

    ``functions`` maps each function of :data:`~autonn.ops.symbolic.MATH_FUNCTIONS`
    to a template with ``{0}``, ``{1}``... for its arguments; ``op_call`` is the
    template for a rule that applies another op (``{name}``, ``{args}``).
    """

    def __init__(self, functions: Dict[str, str], number: Callable[[float], str], op_call: str) -> None:
        self.functions = functions
        self.number = number
        self.op_call = op_call

    def repeats(self, name: str) -> bool:
        """True if the template reads an argument more than once (so it must be a local)."""
        template = self.functions[name]
        return any(template.count("{%d}" % i) > 1 for i in range(3))


def _calls(prefix: str, names: Sequence[str], arity: Dict[str, int]) -> Dict[str, str]:
    return {n: f"{prefix}{n}(" + ", ".join("{%d}" % i for i in range(arity.get(n, 1))) + ")" for n in names}


#: The eager engine's dialect: the float namespace's own functions, its helpers written inline.
FLOAT = Dialect(dict(_calls("_", ["exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "sin", "cos", "tan",
                                  "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf", "abs", "pow"],
                            {"pow": 2}), **INLINE),
                number_text, "_ops[{name!r}].value({args})")


class Emitter:
    """Statements for expressions, sharing what they share.

    ``names`` maps each ``var`` to the source that reads it (a local name).
    :meth:`value` returns source text for an expression, after appending to
    :attr:`lines` the assignments of the sub-expressions it reuses.
    """

    def __init__(self, names: Dict[str, str], prefix: str = "_t", indent: str = "", dialect: Optional[Dialect] = None
                 ) -> None:
        self.names = names
        self.dialect = dialect or FLOAT
        self.prefix = prefix
        self.indent = indent
        self.lines: List[str] = []
        self._done: Dict[Any, str] = {}  # key -> a local name or a literal
        self._uses: Dict[Any, int] = {}
        self._count = 0

    def count_uses(self, exprs: Sequence[Expr]) -> None:
        """Count how often each sub-expression is read, so one read once is written in place."""
        stack = list(exprs)
        uses = self._uses
        while stack:
            e = stack.pop()
            uses[e.key] = uses.get(e.key, 0) + 1
            if uses[e.key] == 1:
                stack.extend(e.operands())

    def value(self, expr: Expr) -> str:
        # post-order over the expression, without recursion
        stack: List[Tuple[Expr, bool]] = [(expr, False)]
        texts: Dict[Any, str] = {}
        while stack:
            e, ready = stack.pop()
            if e.key in self._done or e.key in texts:
                continue
            if e.head == "var":
                texts[e.key] = self.names[e.args[0]]
                continue
            if e.head == "num":
                texts[e.key] = self.dialect.number(e.args[0])
                continue
            if not ready:
                stack.append((e, True))
                stack.extend((p, False) for p in e.operands())
                continue
            parts = [self._done.get(p.key) or texts[p.key] for p in e.operands()]
            text = self._text(e, parts)
            if self._uses.get(e.key, 1) > 1:
                texts[e.key] = self._assign(e.key, text)
            else:
                texts[e.key] = text
        return self._done.get(expr.key) or texts[expr.key]

    def _assign(self, key: Any, text: str) -> str:
        self._count += 1
        name = f"{self.prefix}{self._count}"
        self.lines.append(f"{self.indent}{name} = {text}")
        self._done[key] = name
        return name

    def _text(self, e: Expr, parts: List[str]) -> str:
        head = e.head
        if head in _BINARY_SYMBOL:
            return f"({parts[0]} {_BINARY_SYMBOL[head]} {parts[1]})"
        if head == "neg":
            return f"(-{parts[0]})"
        name = e.args[0]
        if head == "op":
            return self.dialect.op_call.format(name=name, args=", ".join(parts))
        if self.dialect.repeats(name):  # an operand appears more than once: read it from a local
            parts = [p if _is_atom(p) else self._assign(("atom", p), p) for p in parts]
        return self.dialect.functions[name].format(*parts)


def _is_atom(text: str) -> bool:
    """A name or a literal: reading it twice costs nothing and computes nothing twice."""
    plain = text.replace("np.", "").replace("math.", "")
    return plain.isidentifier() or plain.replace(".", "", 1).replace("e-", "", 1).replace("e+", "", 1).isdigit()


def emit(exprs: Sequence[Expr], names: Dict[str, str], prefix: str = "_t", indent: str = "",
         dialect: Optional[Dialect] = None) -> Tuple[List[str], List[str]]:
    """``(statements, values)``: the statements to run first, then one source text per expression."""
    em = Emitter(names, prefix, indent, dialect)
    em.count_uses(exprs)
    values = [em.value(e) for e in exprs]
    return em.lines, values


def compile_function(name: str, source: str, extra: Optional[Dict[str, Any]] = None) -> Callable[..., Any]:
    """The function ``name`` defined by ``source``, with :data:`GLOBALS` (and ``extra``) as its globals."""
    # __name__ marks the code as autonn's own, so errors point past it to the user's line.
    scope: Dict[str, Any] = dict(GLOBALS, __name__="autonn.generated")
    if extra:
        scope.update(extra)
    code = compile(source, f"<autonn generated: {name}>", "exec")
    exec(code, scope)  # noqa: S102 - the source is made here, from the op's own rule
    fn: Callable[..., Any] = scope[name]
    fn.__autonn_source__ = source  # type: ignore[attr-defined]
    return fn
