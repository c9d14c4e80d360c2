"""The math namespace on plain Python floats: what the eager engine's rules call as ``m``.

Each function is the ``math`` module's, so an eager step pays one C call.
Where ``math`` raises instead of following IEEE 754 (``exp(1000)``,
``sin(inf)``), :meth:`autonn.ops.Op.value` and :meth:`~autonn.ops.Op.pullback`
re-run the rule in numpy float64, which gives ``inf`` or ``nan``.

Any other name is an op of the registry, applied to floats: ``m.sigmoid(a)``
is the sigmoid op's own forward.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from .absent import ABSENT

if TYPE_CHECKING:
    from .op import Op

__all__ = ["FLOAT_MATH", "FloatMath", "INLINE"]

_NAN = math.nan
_T = TypeVar("_T")


class FloatMath:
    """Elementary functions, comparisons and selection on floats."""

    name = "float"
    builds_graph = False  # its rules give numbers (see Op.pullback)
    ops: Mapping[str, Op] = {}  # the op registry, installed by autonn.ops

    exp: staticmethod[..., float] = staticmethod(math.exp)
    log: staticmethod[..., float] = staticmethod(math.log)
    log1p: staticmethod[..., float] = staticmethod(math.log1p)
    expm1: staticmethod[..., float] = staticmethod(math.expm1)
    log2: staticmethod[..., float] = staticmethod(math.log2)
    log10: staticmethod[..., float] = staticmethod(math.log10)
    sqrt: staticmethod[..., float] = staticmethod(math.sqrt)
    sin: staticmethod[..., float] = staticmethod(math.sin)
    cos: staticmethod[..., float] = staticmethod(math.cos)
    tan: staticmethod[..., float] = staticmethod(math.tan)
    asin: staticmethod[..., float] = staticmethod(math.asin)
    acos: staticmethod[..., float] = staticmethod(math.acos)
    atan: staticmethod[..., float] = staticmethod(math.atan)
    sinh: staticmethod[..., float] = staticmethod(math.sinh)
    cosh: staticmethod[..., float] = staticmethod(math.cosh)
    tanh: staticmethod[..., float] = staticmethod(math.tanh)
    erf: staticmethod[..., float] = staticmethod(math.erf)
    abs: staticmethod[..., Any] = staticmethod(abs)
    pow: staticmethod[..., Any] = staticmethod(pow)

    @staticmethod
    def gt(a: float, b: float) -> bool:
        return a > b

    @staticmethod
    def ge(a: float, b: float) -> bool:
        return a >= b

    @staticmethod
    def lt(a: float, b: float) -> bool:
        return a < b

    @staticmethod
    def le(a: float, b: float) -> bool:
        return a <= b

    @staticmethod
    def eq(a: float, b: float) -> bool:
        return a == b

    @staticmethod
    def ne(a: float, b: float) -> bool:
        return a != b

    @staticmethod
    def isnan(a: float) -> bool:
        return a != a

    @staticmethod
    def fractional(a: float) -> bool:
        """True if ``a`` is finite and not a whole number (2.5, not 2.0, inf or nan)."""
        a = float(a)
        return a - a == 0.0 and not a.is_integer()

    @staticmethod
    def where(condition: object, a: _T, b: _T) -> _T:
        """``a`` where ``condition`` holds, else ``b`` (both already computed)."""
        return a if condition else b

    @staticmethod
    def select(mask: object, value: object) -> Any:
        """``value`` where ``mask`` is not 0 (nan counts as not 0), else nothing (:data:`ABSENT`):
        the gradient a piecewise rule hands to a branch, never ``0 * value``."""
        return value if mask else ABSENT

    @staticmethod
    def maximum(a: float, b: float) -> float:
        """The larger of ``a`` and ``b``; nan if either is nan (numpy's ``maximum``)."""
        return a if a > b or a != a else b

    @staticmethod
    def minimum(a: float, b: float) -> float:
        """The smaller of ``a`` and ``b``; nan if either is nan (numpy's ``minimum``)."""
        return a if a < b or a != a else b

    @staticmethod
    def step(a: float) -> float:
        """Heaviside step: 1 for a > 0, 0 for a <= 0, nan for nan."""
        return 1.0 if a > 0.0 else (0.0 if a <= 0.0 else _NAN)

    @staticmethod
    def sign(a: float) -> float:
        """sign(a): 1, -1, 0 at 0 (either zero), nan for nan."""
        return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (0.0 if a == 0.0 else _NAN))

    def __getattr__(self, name: str) -> Callable[..., float]:
        op = self.ops.get(name)
        if op is None:
            raise AttributeError(f"the float math namespace has no function or op {name!r}")
        return op.value


FLOAT_MATH = FloatMath()

#: The helpers above as Python expressions, for code generated from rules (:mod:`.pycode`):
#: ``{0}``, ``{1}``, ``{2}`` stand for the arguments.  The same numbers as the helpers, nan and
#: signed zeros included (a test compares them on every kind of float).
INLINE = {
    "gt": "({0} > {1})", "ge": "({0} >= {1})", "lt": "({0} < {1})", "le": "({0} <= {1})",
    "eq": "({0} == {1})", "ne": "({0} != {1})", "isnan": "({0} != {0})",
    "where": "({1} if {0} else {2})",
    "select": "({1} if {0} else _ABSENT)",
    "maximum": "({0} if {0} > {1} or {0} != {0} else {1})",
    "minimum": "({0} if {0} < {1} or {0} != {0} else {1})",
    "step": "(1.0 if {0} > 0.0 else (0.0 if {0} <= 0.0 else _NAN))",
    "sign": "(1.0 if {0} > 0.0 else (-1.0 if {0} < 0.0 else (0.0 if {0} == 0.0 else _NAN)))",
}
