"""The math namespace on truncated Taylor series: what Taylor mode runs each op's forward on.

A :class:`Series` holds the normalised coefficients ``c[0], c[1], ..., c[n]``
of ``x(t) = c[0] + c[1] t + ... + c[n] t**n`` (``c[k]`` is the k-th
derivative over ``k!``).  Its arithmetic is series arithmetic, truncated at
``t**n``, and :data:`TAYLOR_MATH` has the elementary functions, each by the
standard recurrence (about ``n**2 / 2`` multiplications), so an op's one
``forward(*xs, m)`` evaluated with ``m = TAYLOR_MATH`` propagates a whole
series: ``sigmoid``, ``softplus``, ``gelu`` and a registered op written with
``m`` follow from the functions they call.

The recurrences come from ``f(x)' = f'(x) x'``: written for coefficients,
``k c_k = sum_{j=1..k} j x_j d_{k-j}`` where ``d`` is the series of ``f'(x)``.
``exp`` (``d`` is the result itself), ``sin``/``cos`` (each other's),
``tan``/``tanh`` (``1 +- result**2``), ``sqrt`` and ``x ** k`` use their own
result as they go; the others (``log``, ``atan``, ``asin``, ``erf``...) build
``d`` from ``x`` alone with series arithmetic.

Comparisons look at the whole series, not only ``c[0]``: at a tie the series
that is larger for small ``t > 0`` wins, so ``maximum``, ``abs`` and the
branches of ``where`` follow the direction of motion, and a smooth op written
with branches (``sigmoid``, ``softplus``) has the right series even at its
switch point.  At a kink (``relu`` at 0) the result is the one-sided series
for ``t > 0``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Union

import numpy as np

if TYPE_CHECKING:
    from .op import Op

__all__ = ["Series", "TaylorMath", "TAYLOR_MATH", "lift"]

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
LN2 = math.log(2.0)
LN10 = math.log(10.0)

Number = Union[float, "Series"]


def _scalar(fn: Callable[[float], float], npfn: Callable[[Any], Any], x: float) -> float:
    """``fn(x)`` from ``math``; where ``math`` raises instead of following IEEE 754, numpy's value."""
    try:
        return fn(x)
    except (ArithmeticError, ValueError):
        with np.errstate(all="ignore"):
            return float(npfn(np.float64(x)))


class Series:
    """A truncated Taylor series: ``c[k]`` is the coefficient of ``t**k``, for k = 0..n."""

    __slots__ = ("c",)

    def __init__(self, c: List[float]) -> None:
        self.c = c

    def __repr__(self) -> str:
        return f"Series({self.c!r})"

    # -- arithmetic -------------------------------------------------------------
    def __add__(self, other: Number) -> "Series":
        if isinstance(other, Series):
            return Series([a + b for a, b in zip(self.c, other.c)])
        c = list(self.c)
        c[0] += other
        return Series(c)

    __radd__ = __add__

    def __neg__(self) -> "Series":
        return Series([-a for a in self.c])

    def __sub__(self, other: Number) -> "Series":
        if isinstance(other, Series):
            return Series([a - b for a, b in zip(self.c, other.c)])
        c = list(self.c)
        c[0] -= other
        return Series(c)

    def __rsub__(self, other: float) -> "Series":
        c = [-a for a in self.c]
        c[0] += other
        return Series(c)

    def __mul__(self, other: Number) -> "Series":
        if isinstance(other, Series):
            a, b = self.c, other.c
            return Series([sum(a[j] * b[k - j] for j in range(k + 1)) for k in range(len(a))])
        return Series([x * other for x in self.c])

    __rmul__ = __mul__

    def __truediv__(self, other: Number) -> "Series":
        if isinstance(other, Series):
            return _divide(self.c, other.c)
        return Series([x / other for x in self.c])

    def __rtruediv__(self, other: float) -> "Series":
        return _divide([other] + [0.0] * (len(self.c) - 1), self.c)

    def __pow__(self, other: Number) -> Number:
        return TAYLOR_MATH.pow(self, other)

    def __rpow__(self, other: float) -> Number:
        return TAYLOR_MATH.pow(other, self)


def lift(x: Number, n: int) -> Series:
    """``x`` as a series with ``n + 1`` coefficients (a number is a constant)."""
    return x if isinstance(x, Series) else Series([float(x)] + [0.0] * n)


def _divide(a: List[float], b: List[float]) -> Series:
    # a = q b, so q_k = (a_k - sum_{j=1..k} b_j q_{k-j}) / b_0
    q: List[float] = []
    b0 = b[0]
    for k in range(len(a)):
        q.append(_divided(a[k] - sum(b[j] * q[k - j] for j in range(1, k + 1)), b0))
    return Series(q)


def _chain(x: List[float], c0: float, d: List[float]) -> Series:
    """The series of ``f(x)`` from ``f(x_0)`` and the series ``d`` of ``f'(x)``: ``k c_k = sum j x_j d_{k-j}``."""
    c = [c0]
    for k in range(1, len(x)):
        c.append(sum(j * x[j] * d[k - j] for j in range(1, k + 1)) / k)
    return Series(c)


def _self_chain(x: List[float], c0: float, slope: Callable[[List[float], int], float]) -> Series:
    """Like :func:`_chain`, where ``f'(x)``'s coefficient ``i`` is ``slope(c, i)`` from the result so far."""
    c = [c0]
    for k in range(1, len(x)):
        c.append(sum(j * x[j] * slope(c, k - j) for j in range(1, k + 1)) / k)
    return Series(c)


def _square(c: List[float], i: int) -> float:
    """Coefficient ``i`` of the square of the series ``c`` (needs ``c[0..i]``)."""
    return sum(c[j] * c[i - j] for j in range(i + 1))


def _sign(x: Series) -> float:
    """The sign of ``x(t)`` for small ``t > 0``: of its first non-zero coefficient (0 if all are 0)."""
    for a in x.c:
        if a != 0.0:
            return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else math.nan)
    return 0.0


def _compare(a: Number, b: Number) -> float:
    """The sign of ``a(t) - b(t)`` for small ``t > 0`` (nan if either is nan at 0)."""
    if isinstance(a, Series) or isinstance(b, Series):
        n = len(a.c) if isinstance(a, Series) else len(b.c)  # type: ignore[union-attr]  # one is a Series
        return _sign(lift(a, n - 1) - lift(b, n - 1))
    d = float(a) - float(b)
    return 1.0 if d > 0.0 else (-1.0 if d < 0.0 else (0.0 if d == 0.0 else math.nan))


def _first(x: Number) -> float:
    return x.c[0] if isinstance(x, Series) else float(x)


def _function(fn: Callable[[float], float], npfn: Callable[[Any], Any],
              on_series: Callable[[Series, float], Series]) -> "staticmethod[[Number], Number]":
    """An elementary function of the namespace: ``fn`` on a number, ``on_series(x, fn(x_0))`` on a series."""
    def apply(x: Number) -> Number:
        value = _scalar(fn, npfn, _first(x))
        return on_series(x, value) if isinstance(x, Series) else value

    return staticmethod(apply)


def _exp(x: Series, e0: float) -> Series:
    return _self_chain(x.c, e0, lambda c, i: c[i])  # exp' = exp


def _sqrt(x: Series, s0: float) -> Series:
    # s * s = x, so s_k = (x_k - sum_{j=1..k-1} s_j s_{k-j}) / (2 s_0)
    s = [s0]
    for k in range(1, len(x.c)):
        s.append(_divided(x.c[k] - sum(s[j] * s[k - j] for j in range(1, k)), 2.0 * s0))
    return Series(s)


def _sin_cos(x: Series, sign: float, sin0: float, cos0: float) -> List[List[float]]:
    """The series of sin and cos of ``x`` (``sign`` -1), or of sinh and cosh (``sign`` +1), from their values."""
    # s' = c x', c' = sign * s x'
    s, c = [sin0], [cos0]
    for k in range(1, len(x.c)):
        s.append(sum(j * x.c[j] * c[k - j] for j in range(1, k + 1)) / k)
        c.append(sign * sum(j * x.c[j] * s[k - j] for j in range(1, k + 1)) / k)
    return [s, c]


def _of_slope(slope: Callable[[Series], Number]) -> Callable[[Series, float], Series]:
    """``f``'s series from the series of its derivative ``slope(x)``, which needs ``x`` alone."""
    return lambda x, value: _chain(x.c, value, lift(slope(x), len(x.c) - 1).c)


def _inverse_sqrt_of_one_minus_square(x: Series) -> Number:
    return 1.0 / TaylorMath.sqrt(1.0 - x * x)


class TaylorMath:
    """Elementary functions, comparisons and selection on :class:`Series` (and plain numbers)."""

    name = "taylor"
    ops: Mapping[str, "Op"] = {}  # the op registry, installed by autonn.ops

    exp = _function(math.exp, np.exp, lambda x, v: _exp(x, v))
    expm1 = _function(math.expm1, np.expm1, lambda x, v: Series([v] + _exp(x, _scalar(math.exp, np.exp, x.c[0])).c[1:]))
    log = _function(math.log, np.log, _of_slope(lambda x: 1.0 / x))
    log1p = _function(math.log1p, np.log1p, _of_slope(lambda x: 1.0 / (1.0 + x)))
    log2 = _function(math.log2, np.log2, _of_slope(lambda x: 1.0 / (x * LN2)))
    log10 = _function(math.log10, np.log10, _of_slope(lambda x: 1.0 / (x * LN10)))
    sqrt = _function(math.sqrt, np.sqrt, _sqrt)
    sin = _function(math.sin, np.sin, lambda x, v: Series(_sin_cos(x, -1.0, v, _scalar(math.cos, np.cos, x.c[0]))[0]))
    cos = _function(math.cos, np.cos, lambda x, v: Series(_sin_cos(x, -1.0, _scalar(math.sin, np.sin, x.c[0]), v)[1]))
    sinh = _function(math.sinh, np.sinh,
                     lambda x, v: Series(_sin_cos(x, 1.0, v, _scalar(math.cosh, np.cosh, x.c[0]))[0]))
    cosh = _function(math.cosh, np.cosh,
                     lambda x, v: Series(_sin_cos(x, 1.0, _scalar(math.sinh, np.sinh, x.c[0]), v)[1]))
    # tan' = 1 + tan^2 and tanh' = 1 - tanh^2: each from its own result so far
    tan = _function(math.tan, np.tan, lambda x, v: _self_chain(x.c, v, lambda c, i: (i == 0) + _square(c, i)))
    tanh = _function(math.tanh, np.tanh, lambda x, v: _self_chain(x.c, v, lambda c, i: (i == 0) - _square(c, i)))
    asin = _function(math.asin, np.arcsin, _of_slope(_inverse_sqrt_of_one_minus_square))
    acos = _function(math.acos, np.arccos, _of_slope(lambda x: -_inverse_sqrt_of_one_minus_square(x)))
    atan = _function(math.atan, np.arctan, _of_slope(lambda x: 1.0 / (1.0 + x * x)))
    erf = _function(math.erf, math.erf, _of_slope(lambda x: TWO_OVER_SQRT_PI * TaylorMath.exp(-(x * x))))

    @staticmethod
    def pow(a: Number, b: Number) -> Number:
        if isinstance(b, Series) and any(v != 0.0 for v in b.c[1:]):
            a0, b0 = _first(a), b.c[0]
            if a0 > 0.0:
                return TaylorMath.exp(b * TaylorMath.log(a))
            if a0 < 0.0:  # a negative base to a moving power has no real derivative in the power
                return Series([_scalar(lambda _: math.pow(a0, b0), lambda _: np.power(a0, b0), 0.0)]
                              + [math.nan] * (len(b.c) - 1))
            b = b.c[0]  # 0 ** b is 0 for every b > 0 near b_0: flat in b
        k = _first(b)
        if not isinstance(a, Series):
            return _scalar(lambda _: math.pow(a, k), lambda _: np.power(np.float64(a), k), 0.0)
        return _power(a.c, k)

    @staticmethod
    def abs(x: Number) -> Number:
        if not isinstance(x, Series):
            return abs(x)
        return x * _sign(x) if _sign(x) == _sign(x) else Series([math.nan] * len(x.c))

    # -- comparisons and selection: by the series, for small t > 0 ----------------
    @staticmethod
    def gt(a: Number, b: Number) -> bool:
        return _compare(a, b) > 0.0

    @staticmethod
    def ge(a: Number, b: Number) -> bool:
        return _compare(a, b) >= 0.0

    @staticmethod
    def lt(a: Number, b: Number) -> bool:
        return _compare(a, b) < 0.0

    @staticmethod
    def le(a: Number, b: Number) -> bool:
        return _compare(a, b) <= 0.0

    @staticmethod
    def eq(a: Number, b: Number) -> bool:
        return _compare(a, b) == 0.0

    @staticmethod
    def ne(a: Number, b: Number) -> bool:
        return not _compare(a, b) == 0.0

    @staticmethod
    def isnan(a: Number) -> bool:
        return _first(a) != _first(a)

    @staticmethod
    def fractional(a: Number) -> bool:
        a0 = _first(a)
        return a0 - a0 == 0.0 and not a0.is_integer()

    @staticmethod
    def where(condition: object, a: Number, b: Number) -> Number:
        return a if condition else b

    @staticmethod
    def maximum(a: Number, b: Number) -> Number:
        order = _compare(a, b)
        return a if order > 0.0 or order != order else b

    @staticmethod
    def minimum(a: Number, b: Number) -> Number:
        order = _compare(a, b)
        return a if order < 0.0 or order != order else b

    @staticmethod
    def step(a: Number) -> float:
        s = _sign(a) if isinstance(a, Series) else _compare(a, 0.0)
        return 1.0 if s > 0.0 else (0.0 if s <= 0.0 else math.nan)

    @staticmethod
    def sign(a: Number) -> float:
        return _sign(a) if isinstance(a, Series) else _compare(a, 0.0)

    def __getattr__(self, name: str) -> Callable[..., Number]:
        op = self.ops.get(name)
        if op is None:
            raise AttributeError(f"the Taylor series math namespace has no function or op {name!r}")
        if not op.vectorized:
            raise TypeError(f"taylor: op {name!r} has a float-only forward (no m parameter), so it cannot be "
                            "evaluated on Taylor series; write its forward as forward(*xs, m) with m's functions")
        forward = op.forward

        def on_series(*args: Number) -> Number:
            return forward(*args, m=self)  # type: ignore[no-any-return]  # an op's forward returns a number

        return on_series


def _divided(a: float, b: float) -> float:
    """``a / b`` with IEEE 754's inf or nan for ``b = 0`` (a square root's series at 0)."""
    if b != 0.0:
        return a / b
    with np.errstate(all="ignore"):
        return float(np.float64(a) / np.float64(b))


def _power(a: List[float], k: float) -> Series:
    """The series of ``a ** k`` for a constant ``k``."""
    n = len(a) - 1
    a0 = a[0]
    p0 = _scalar(lambda _: math.pow(a0, k), lambda _: np.power(np.float64(a0), k), 0.0)
    if k == 0.0:
        return Series([1.0] + [0.0] * n)  # a ** 0 = 1 is flat, as the rule says
    if a0 == 0.0 and float(k).is_integer() and 0.0 < k <= 64.0:
        # a ** k by repeated multiplication: the recurrence below divides by a_0
        result = lift(1.0, n)
        base = Series(list(a))
        for _ in range(int(k)):
            result = result * base
        return result
    # a p' = k a' p, so p_m = sum_{j=1..m} (k j - (m - j)) a_j p_{m-j} / (m a_0)
    p = [p0]
    for m in range(1, n + 1):
        p.append(_divided(sum((k * j - (m - j)) * a[j] * p[m - j] for j in range(1, m + 1)), m * a0))
    return Series(p)


TAYLOR_MATH = TaylorMath()

