"""The rule table: every primitive op, its forward formula and its derivative rule.

Each op is an :class:`Op` holding two pure functions:

``forward(*inputs) -> float``
    The value of the op on plain floats.  Domain errors (``log`` of a
    non-positive number, ``sqrt`` of a negative, division by zero, ...) raise
    :class:`DomainError` or :class:`ZeroDivisionError` with a message that names
    the op and the offending value.  Overflow follows IEEE 754: the result is
    ``inf`` (or ``nan``), exactly as numpy would give, never an exception.

``vjp(g, out, *inputs, m) -> tuple``
    The vector-Jacobian product: given ``g = dL/d(out)``, return
    ``dL/d(input_i) = g * d(out)/d(input_i)`` for every input, in order.  The
    formula is written out in each rule's docstring.  ``m`` is a small math
    namespace (``m.cos``, ``m.log``, ...): :data:`FLOAT_MATH` for plain floats,
    or one that builds graph nodes, which is how ``grad(..., create_graph=True)``
    differentiates the rules themselves.  Rules only use ``+ - * /``, unary
    minus and ``m``, so the same code serves both.

Nothing here imports the rest of autonn: the rules can be read, called and
tested on plain floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

__all__ = ["Op", "OPS", "DomainError", "FLOAT_MATH", "UNARY", "BINARY", "PARAM", "NARY"]


class DomainError(ValueError):
    """An op was applied outside the domain where it is defined (e.g. ``log(-1)``)."""


# How an op's inputs are stored on a node (see value.Value):
UNARY = 1  # one input node in ``_a``
BINARY = 2  # input nodes in ``_a`` and ``_b``
PARAM = 3  # one input node in ``_a``, a constant float parameter in ``_b`` (``a ** 3``)
NARY = 4  # a tuple of input nodes in ``_a`` (``sum`` of many terms)


@dataclass(frozen=True)
class Op:
    """One primitive: its name, how its inputs are stored, and its two rules."""

    name: str
    kind: int
    forward: Callable[..., float]
    vjp: Callable[..., Tuple]
    formula: str  # the derivative, as a learner would write it

    def __repr__(self) -> str:
        return f"Op({self.name!r}: {self.formula})"


INF = math.inf
NAN = math.nan


def _fmt(x: float) -> str:
    return repr(float(x))




# ----------------------------------------------------------------------------
# Arithmetic
# ----------------------------------------------------------------------------


def add_forward(a: float, b: float) -> float:
    return a + b


def add_vjp(g, out, a, b, m):
    """out = a + b;  d out/da = 1,  d out/db = 1."""
    return g, g


def sub_forward(a: float, b: float) -> float:
    return a - b


def sub_vjp(g, out, a, b, m):
    """out = a - b;  d out/da = 1,  d out/db = -1."""
    return g, -g


def mul_forward(a: float, b: float) -> float:
    return a * b


def mul_vjp(g, out, a, b, m):
    """out = a * b;  d out/da = b,  d out/db = a."""
    return g * b, g * a


def div_forward(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero ({_fmt(a)} / {_fmt(b)})")
    return a / b


def div_vjp(g, out, a, b, m):
    """out = a / b;  d out/da = 1/b,  d out/db = -a/b**2 = -out/b."""
    return g / b, -g * out / b


def neg_forward(a: float) -> float:
    return -a


def neg_vjp(g, out, a, m):
    """out = -a;  d out/da = -1."""
    return (-g,)


def _pow_float(a: float, k: float, opname: str) -> float:
    """a ** k on floats with autonn's domain rules and IEEE overflow."""
    if a == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"{opname}: 0 raised to a negative power ({_fmt(a)} ** {_fmt(k)})")
    if a < 0.0 and not float(k).is_integer():
        raise DomainError(
            f"{opname}: negative base to a non-integer power ({_fmt(a)} ** {_fmt(k)}) has no real value"
        )
    try:
        return a**k
    except OverflowError:
        # |a| > 1 and k large: the true value is beyond float range.
        if a < 0.0 and float(k) % 2.0 == 1.0:
            return -INF
        return INF


def powc_forward(a: float, k: float) -> float:
    return _pow_float(a, k, "pow")


def powc_vjp(g, out, a, k, m):
    """out = a ** k, k a constant;  d out/da = k * a**(k-1)."""
    if k == 0.0:
        return (g * 0.0,)
    return (g * k * a ** (k - 1.0),)


def pow_forward(a: float, b: float) -> float:
    return _pow_float(a, b, "pow")


def pow_vjp(g, out, a, b, m):
    """out = a ** b;  d out/da = b * a**(b-1),  d out/db = a**b * log(a).

    For a = 0 the exponent's derivative is taken as its limit 0 (as a -> 0+,
    a**b log a -> 0 for b > 0); for a < 0 it is undefined, given as nan.
    """
    ar = m.real(a)
    if ar > 0.0:
        gb = g * out * m.log(a)
    elif ar == 0.0:
        gb = g * 0.0
    else:
        gb = g * NAN
    return g * b * a ** (b - 1.0), gb


def abs_forward(a: float) -> float:
    return abs(a)


def abs_vjp(g, out, a, m):
    """out = |a|;  d out/da = sign(a), taken as 0 at a = 0."""
    return (g * m.sign(a),)


# ----------------------------------------------------------------------------
# Elementary functions
# ----------------------------------------------------------------------------


def exp_forward(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def exp_vjp(g, out, a, m):
    """out = e**a;  d out/da = e**a = out."""
    return (g * out,)


def log_forward(a: float) -> float:
    if not a > 0.0:
        if a != a:  # nan in, nan out
            return NAN
        raise DomainError(f"log: expected a positive number, got {_fmt(a)}")
    return math.log(a)


def log_vjp(g, out, a, m):
    """out = ln(a);  d out/da = 1/a."""
    return (g / a,)


def log1p_forward(a: float) -> float:
    if not a > -1.0:
        if a != a:
            return NAN
        raise DomainError(f"log1p: expected a number greater than -1, got {_fmt(a)}")
    return math.log1p(a)


def log1p_vjp(g, out, a, m):
    """out = ln(1 + a), accurate for tiny a;  d out/da = 1/(1 + a)."""
    return (g / (1.0 + a),)


def sqrt_forward(a: float) -> float:
    if a < 0.0:
        raise DomainError(f"sqrt: expected a non-negative number, got {_fmt(a)}")
    return math.sqrt(a)


def sqrt_vjp(g, out, a, m):
    """out = sqrt(a);  d out/da = 1 / (2 sqrt(a)) = 0.5 / out (inf at a = 0)."""
    return (g * 0.5 / out,)


def tanh_forward(a: float) -> float:
    return math.tanh(a)


def tanh_vjp(g, out, a, m):
    """out = tanh(a);  d out/da = 1 - tanh(a)**2 = 1 - out**2."""
    return (g * (1.0 - out * out),)


def sigmoid_forward(a: float) -> float:
    # Two algebraically equal forms, each used where exp() cannot overflow.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_vjp(g, out, a, m):
    """out = 1 / (1 + e**-a);  d out/da = sigmoid(a) (1 - sigmoid(a)) = out * sigmoid(-a).

    1 - sigmoid(a) is taken as sigmoid(-a), the same number without the
    cancellation that 1 - out suffers for large a (where out is nearly 1).
    """
    return (g * out * m.sigmoid(-a),)


def softplus_forward(a: float) -> float:
    # ln(1 + e**a) = max(a, 0) + ln(1 + e**-|a|): never overflows.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def softplus_vjp(g, out, a, m):
    """out = ln(1 + e**a);  d out/da = e**a / (1 + e**a) = sigmoid(a).

    Taken as sigmoid(a) itself: the equal form 1 - e**-out cancels to 0 for
    a << 0, where the true slope is tiny but not zero.
    """
    return (g * m.sigmoid(a),)


def relu_forward(a: float) -> float:
    return a if a > 0.0 else 0.0


def relu_vjp(g, out, a, m):
    """out = max(a, 0);  d out/da = 1 if a > 0 else 0 (0 at a = 0, as in PyTorch)."""
    return (g * m.step(a),)


def sin_forward(a: float) -> float:
    return math.sin(a)


def sin_vjp(g, out, a, m):
    """out = sin(a);  d out/da = cos(a)."""
    return (g * m.cos(a),)


def cos_forward(a: float) -> float:
    return math.cos(a)


def cos_vjp(g, out, a, m):
    """out = cos(a);  d out/da = -sin(a)."""
    return (-g * m.sin(a),)


def sum_forward(*terms: float) -> float:
    return sum(terms)


def sum_vjp(g, out, terms, m):
    """out = a_1 + a_2 + ... + a_n;  d out/da_i = 1 for every term."""
    return (g,) * len(terms)


class _FloatMath:
    """Elementary functions on plain floats, as the rules use them."""

    cos = staticmethod(math.cos)
    exp = staticmethod(exp_forward)
    sigmoid = staticmethod(sigmoid_forward)
    sin = staticmethod(math.sin)

    @staticmethod
    def log(x: float) -> float:
        # Only reached for x > 0 from the rules below.
        return math.log(x)

    @staticmethod
    def step(x: float) -> float:
        """Heaviside step: 1 for x > 0, else 0 (the derivative of relu)."""
        return 1.0 if x > 0.0 else 0.0

    @staticmethod
    def sign(x: float) -> float:
        """sign(x), with sign(0) = 0 (the derivative of abs)."""
        return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)

    @staticmethod
    def real(x: float) -> float:
        """The plain number behind ``x`` (here ``x`` already is one)."""
        return x


FLOAT_MATH = _FloatMath()


def _op(name: str, kind: int, formula: str) -> Op:
    scope = globals()
    return Op(name, kind, scope[f"{name}_forward"], scope[f"{name}_vjp"], formula)


#: Every primitive, by name.  A node's ``op`` is one of these names.
OPS: Dict[str, Op] = {
    op.name: op
    for op in (
        _op("add", BINARY, "d(a+b)/da = 1, d(a+b)/db = 1"),
        _op("sub", BINARY, "d(a-b)/da = 1, d(a-b)/db = -1"),
        _op("mul", BINARY, "d(a*b)/da = b, d(a*b)/db = a"),
        _op("div", BINARY, "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"),
        _op("neg", UNARY, "d(-a)/da = -1"),
        _op("powc", PARAM, "d(a^k)/da = k a^(k-1)"),
        _op("pow", BINARY, "d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a"),
        _op("abs", UNARY, "d|a|/da = sign(a)"),
        _op("exp", UNARY, "d(e^a)/da = e^a"),
        _op("log", UNARY, "d(ln a)/da = 1/a"),
        _op("log1p", UNARY, "d ln(1+a)/da = 1/(1+a)"),
        _op("sqrt", UNARY, "d sqrt(a)/da = 1/(2 sqrt(a))"),
        _op("tanh", UNARY, "d tanh(a)/da = 1 - tanh(a)^2"),
        _op("sigmoid", UNARY, "d s(a)/da = s(a)(1 - s(a))"),
        _op("softplus", UNARY, "d ln(1+e^a)/da = sigmoid(a)"),
        _op("relu", UNARY, "d max(a,0)/da = [a > 0]"),
        _op("sin", UNARY, "d sin(a)/da = cos(a)"),
        _op("cos", UNARY, "d cos(a)/da = -sin(a)"),
        _op("sum", NARY, "d(a_1+...+a_n)/da_i = 1"),
    )
}
