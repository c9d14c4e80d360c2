"""Every built-in op, each defined once: forward, derivative rule, domain.

Each op is one call of :func:`~autonn.ops.op.define`, the same call that
``autonn.register_op`` makes for a user's op.  ``forward(*xs, m)`` gives the
value and ``vjp(g, out, *xs, m)`` gives ``g * d out / d x_i`` for each input;
``m`` is the math namespace (floats, numpy arrays, or graph nodes), so this
one text is what ``backward()``, ``grad()`` at any order, diagrams, the
ledger and the compiler all evaluate, or run as code generated from it.
No formula is written here: the text diagrams, the ledger and the README
show is printed from each rule (:mod:`.text`).

Conventions at kinks and domain edges are PyTorch's; each is stated beside
its rule.

A piecewise op (``piecewise=True``: relu, step, sign, abs, clamp, maximum,
minimum, where, leaky_relu, elu, the comparisons) writes its rule as
``g * slope`` and is made to *select*: an input whose slope is 0 gets
nothing, not ``0 * g``, so an infinite gradient meeting an inactive side
gives 0, and a branch not taken never runs its rule (see
:func:`~autonn.ops.op.selecting` and :mod:`autonn.ops.absent`).
"""

from __future__ import annotations

import math
from typing import Any, Callable, List, Optional, Tuple

from .op import OPS, Domain, Op, define
from .symbolic import SYMBOLIC_MATH, Expr, NotSymbolic, var
from .text import NAMED_NUMBERS, simplify

__all__: List[str] = []

# A rule's numbers are floats, numpy arrays or Values, and ``m`` the namespace for them:
# one rule serves all three, so their types here are Any.

NAN = math.nan
INF = math.inf
SQRT1_2 = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
LN2 = math.log(2.0)
LN10 = math.log(10.0)
# How the formulas print these numbers (the rules use the numbers themselves).
NAMED_NUMBERS.update({
    repr(SQRT1_2): ("sqrt(1/2)", "\\sqrt{1/2}"),
    repr(INV_SQRT_2PI): ("1/sqrt(2 pi)", "\\frac{1}{\\sqrt{2\\pi}}"),
    repr(TWO_OVER_SQRT_PI): ("2/sqrt(pi)", "\\frac{2}{\\sqrt{\\pi}}"),
    repr(LN2): ("ln 2", "\\ln 2"),
    repr(LN10): ("ln 10", "\\ln 10"),
})


# ----------------------------------------------------------------------------
# Arithmetic: the operators + - * / and unary minus
# ----------------------------------------------------------------------------

define("add", lambda a, b, m: a + b,
       lambda g, out, a, b, m: (g, g), symbol="+", doc="a + b")

define("sub", lambda a, b, m: a - b,
       lambda g, out, a, b, m: (g, -g), symbol="-", doc="a - b")

def mul_forward(a: Any, b: Any, m: Any) -> Any:
    return a * b


def mul_vjp(g: Any, out: Any, a: Any, b: Any, m: Any) -> Any:
    return g * b, g * a


define("mul", mul_forward, mul_vjp, symbol="*", doc="a * b")

define("div", lambda a, b, m: a / b,
       lambda g, out, a, b, m: (g / b, -g * out / b),
       domain=[Domain(lambda a, b, m: m.eq(b, 0.0), "division by zero ({0} / {1})", ZeroDivisionError,
                      signalled=True)],
       symbol="/", doc="a / b")

define("neg", lambda a, m: -a,
       lambda g, out, a, m: (-g,), symbol="-", doc="-a")


# ----------------------------------------------------------------------------
# Powers: x ** k with a constant k (the common case), and x ** y of two Values
# ----------------------------------------------------------------------------

def _pow_domain(text: str) -> List[Domain]:
    return [
        Domain(lambda a, b, m: m.eq(a, 0.0) & m.lt(b, 0.0),
               "0 raised to a negative power ({0} ** {1})", ZeroDivisionError, signalled=True),
        # A negative base to a finite fraction has no real value, -inf as much
        # as -1e300 ((-inf) ** 0.5); IEEE 754's limits where the size vanishes
        # stay ((-inf) ** -0.5 = 0, (-2) ** -inf = 0), as does any infinite exponent.
        Domain(lambda a, b, m: m.lt(a, 0.0) & m.fractional(b) & (m.gt(a, -INF) | m.gt(b, 0.0)),
               "negative base to a non-integer power ({0} ** {1}) has no real value", signalled=True),
    ]


def powc_vjp(g: Any, out: Any, a: Any, k: Any, m: Any) -> Any:
    # a ** 0 = 1 is flat in a, even at a = 0, where a ** -1 is not defined: the
    # exponent k - 1 is replaced by a safe 1 there, in the branch not taken.
    k_is_0 = m.eq(k, 0.0)
    return (g * m.where(k_is_0, 0.0, k * m.pow(a, m.where(k_is_0, 1.0, k - 1.0))),)


define("powc", lambda a, k, m: m.pow(a, k), powc_vjp, consts=1, domain=_pow_domain("powc"),
       symbol="**", doc="a ** k, k a number (slope 0 for k = 0)")


def pow_vjp(g: Any, out: Any, a: Any, b: Any, m: Any) -> Any:
    # d/da = b a^(b-1).  At b = 0 (a^0 = 1 is flat in a) the formula itself gives
    # 0 for a finite, nonzero a - and keeps its derivatives, in b too (x ** x at 1);
    # at a = 0, +-inf or nan it would give nan, so there the slope is set to 0, with
    # a safe exponent so no 0^-1 is ever formed.  The local slope is formed before
    # it meets g, so a huge b with a vanishing a^(b-1) is 0 at every order, not inf * 0.
    finite = m.eq(a - a, 0.0)  # inf - inf and nan - nan are nan
    flat = m.where(m.eq(b, 0.0), m.where(finite, m.eq(a, 0.0), 1.0), 0.0)
    da = m.where(flat, 0.0, b * m.pow(a, m.where(flat, 1.0, b - 1.0)))
    # d/db = a^b ln a for a > 0; its limit 0 at a = 0; undefined (nan) for a < 0,
    # kept as a product with a^b so a second derivative is nan there too.  No
    # branch holds a nan unless it is the one taken.
    positive = m.gt(a, 0.0)
    ln_a = m.where(positive, m.log(m.where(positive, a, 1.0)), m.where(m.lt(a, 0.0), NAN, 0.0))
    return g * da, g * (out * ln_a)


define("pow", lambda a, b, m: m.pow(a, b), pow_vjp, domain=_pow_domain("pow"),
       symbol="**", doc="a ** b")


# ----------------------------------------------------------------------------
# Elementary functions
# ----------------------------------------------------------------------------

def _positive(name: str) -> List[Domain]:
    return [Domain(lambda a, m: m.le(a, 0.0), "expected a positive number, got {0}", signalled=True)]


define("abs", lambda a, m: m.abs(a), lambda g, out, a, m: (g * m.sign(a),),
       doc="|a|; slope 0 at a = 0", piecewise=True)

define("exp", lambda a, m: m.exp(a), lambda g, out, a, m: (g * out,), doc="e ** a")

define("expm1", lambda a, m: m.expm1(a), lambda g, out, a, m: (g * (out + 1.0),),
       doc="e ** a - 1, accurate for tiny a")

define("log", lambda a, m: m.log(a), lambda g, out, a, m: (g / a,), domain=_positive("log"), doc="natural logarithm")

define("log2", lambda a, m: m.log2(a), lambda g, out, a, m: (g / (a * LN2),), domain=_positive("log2"),
       doc="base-2 logarithm")

define("log10", lambda a, m: m.log10(a), lambda g, out, a, m: (g / (a * LN10),), domain=_positive("log10"),
       doc="base-10 logarithm")

define("log1p", lambda a, m: m.log1p(a), lambda g, out, a, m: (g / (1.0 + a),),
       domain=[Domain(lambda a, m: m.le(a, -1.0), "expected a number greater than -1, got {0}",
                      signalled=True)],
       doc="ln(1 + a), accurate for tiny a")

define("sqrt", lambda a, m: m.sqrt(a), lambda g, out, a, m: (g * 0.5 / out,),
       domain=[Domain(lambda a, m: m.lt(a, 0.0), "expected a non-negative number, got {0}", signalled=True)],
       doc="square root; slope inf at 0")

define("sin", lambda a, m: m.sin(a), lambda g, out, a, m: (g * m.cos(a),), doc="sine (radians); sin(±inf) is nan")

define("cos", lambda a, m: m.cos(a), lambda g, out, a, m: (-g * m.sin(a),), doc="cosine (radians); cos(±inf) is nan")

define("tan", lambda a, m: m.tan(a), lambda g, out, a, m: (g * (1.0 + out * out),), doc="tangent (radians)")


def _unit_interval(name: str) -> List[Domain]:
    return [Domain(lambda a, m: m.gt(m.abs(a), 1.0), "expected a number in [-1, 1], got {0}", signalled=True)]


define("asin", lambda a, m: m.asin(a), lambda g, out, a, m: (g / m.sqrt(1.0 - a * a),), domain=_unit_interval("asin"),
       doc="arcsine; slope inf at ±1")

define("acos", lambda a, m: m.acos(a), lambda g, out, a, m: (-g / m.sqrt(1.0 - a * a),),
       domain=_unit_interval("acos"),
       doc="arccosine; slope -inf at ±1")

define("atan", lambda a, m: m.atan(a), lambda g, out, a, m: (g / (1.0 + a * a),), doc="arctangent")

define("sinh", lambda a, m: m.sinh(a), lambda g, out, a, m: (g * m.cosh(a),), doc="hyperbolic sine")

define("cosh", lambda a, m: m.cosh(a), lambda g, out, a, m: (g * m.sinh(a),), doc="hyperbolic cosine")

define("tanh", lambda a, m: m.tanh(a), lambda g, out, a, m: (g * (1.0 - out * out),), doc="hyperbolic tangent")

define("erf", lambda a, m: m.erf(a), lambda g, out, a, m: (g * TWO_OVER_SQRT_PI * m.exp(-(a * a)),),
       doc="error function")


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------

def sigmoid_forward(a: Any, m: Any) -> Any:
    # 1 / (1 + e^-a) and e^a / (1 + e^a) are equal; each is used where its
    # exponential cannot overflow, so both come from one e^-|a|.
    e = m.exp(-m.abs(a))
    return m.where(m.ge(a, 0.0), 1.0, e) / (1.0 + e)


define("sigmoid", sigmoid_forward,
       # 1 - sigmoid(a) is taken as sigmoid(-a): the same number, without the
       # cancellation 1 - out suffers for large a (where out is nearly 1).
       lambda g, out, a, m: (g * out * m.sigmoid(-a),), doc="1 / (1 + e ** -a), never overflows")

define("softplus",
       # ln(1 + e^a) = max(a, 0) + ln(1 + e^-|a|): never overflows.
       lambda a, m: m.maximum(a, 0.0) + m.log1p(m.exp(-m.abs(a))),
       # sigmoid(a) itself: the equal 1 - e^-out cancels to 0 for a << 0.
       lambda g, out, a, m: (g * m.sigmoid(a),), doc="ln(1 + e ** a), never overflows")

define("relu", lambda a, m: m.maximum(a, 0.0), lambda g, out, a, m: (g * m.step(a),),
       doc="max(a, 0); slope 0 at a = 0; nan stays nan", piecewise=True)

define("step", lambda a, m: m.step(a), lambda g, out, a, m: (g * 0.0,),
       doc="1 for a > 0, else 0 (the slope of relu)", piecewise=True)

define("sign", lambda a, m: m.sign(a), lambda g, out, a, m: (g * 0.0,),
       doc="1, 0 or -1 (the slope of abs)", piecewise=True)


def leaky_relu_vjp(g: Any, out: Any, a: Any, slope: Any, m: Any) -> Any:
    positive = m.gt(a, 0.0)
    return g * m.where(positive, 1.0, slope), g * m.where(positive, 0.0, a)


define("leaky_relu", lambda a, slope, m: m.where(m.gt(a, 0.0), a, a * slope), leaky_relu_vjp,
       doc="a if a > 0 else s * a; s is the slope (0.01 by default); slope s at a = 0", piecewise=True)


def elu_vjp(g: Any, out: Any, a: Any, alpha: Any, m: Any) -> Any:
    positive = m.gt(a, 0.0)
    below = m.minimum(a, 0.0)
    # e^a - 1 as expm1: the difference loses all its digits for a near 0.
    return g * m.where(positive, 1.0, alpha * m.exp(below)), g * m.where(positive, 0.0, m.expm1(below))


define("elu", lambda a, alpha, m: m.where(m.gt(a, 0.0), a, alpha * m.expm1(m.minimum(a, 0.0))), elu_vjp,
       doc="a if a > 0 else alpha (e ** a - 1); alpha 1 by default; slope alpha at a = 0", piecewise=True)


def gelu_vjp(g: Any, out: Any, a: Any, m: Any) -> Any:
    cdf = 0.5 * (1.0 + m.erf(a * SQRT1_2))
    return (g * (cdf + a * INV_SQRT_2PI * m.exp(-0.5 * (a * a))),)


define("gelu", lambda a, m: 0.5 * a * (1.0 + m.erf(a * SQRT1_2)), gelu_vjp,
       doc="a Phi(a), Phi the normal CDF (the exact form)")


def silu_vjp(g: Any, out: Any, a: Any, m: Any) -> Any:
    s = m.sigmoid(a)
    return (g * (s * (1.0 + a * (1.0 - s))),)


define("silu", lambda a, m: a * m.sigmoid(a), silu_vjp, doc="a * sigmoid(a) (swish)")


# ----------------------------------------------------------------------------
# Piecewise: larger, smaller, clamped
# ----------------------------------------------------------------------------

def _winner_takes_the_slope(wins: str) -> Callable[..., Any]:
    """The rule of max (``wins="gt"``) or min (``"lt"``): the chosen side gets the
    gradient, and at a tie each side gets half of it (PyTorch's rule)."""

    def vjp(g: Any, out: Any, a: Any, b: Any, m: Any) -> Any:
        beats = getattr(m, wins)
        tie = m.eq(a, b)
        return (g * m.where(beats(a, b), 1.0, m.where(tie, 0.5, 0.0)),
                g * m.where(beats(b, a), 1.0, m.where(tie, 0.5, 0.0)))

    return vjp


define("maximum", lambda a, b, m: m.maximum(a, b), _winner_takes_the_slope("gt"),
       doc="the larger of a and b; at a tie each gets slope 1/2; nan if either is nan", piecewise=True)

define("minimum", lambda a, b, m: m.minimum(a, b), _winner_takes_the_slope("lt"),
       doc="the smaller of a and b; at a tie each gets slope 1/2; nan if either is nan", piecewise=True)


def clamp_vjp(g: Any, out: Any, a: Any, lo: Any, hi: Any, m: Any) -> Any:
    inside = m.where(m.ge(a, lo), m.where(m.le(a, hi), 1.0, 0.0), 0.0)
    return g * inside, g * m.where(m.lt(a, lo), 1.0, 0.0), g * m.where(m.gt(a, hi), 1.0, 0.0)


define("clamp", lambda a, lo, hi, m: m.minimum(m.maximum(a, lo), hi), clamp_vjp,
       domain=[Domain(lambda a, lo, hi, m: m.gt(lo, hi), "lo must not exceed hi (lo = {1}, hi = {2})")],
       doc="a limited to [lo, hi] (needs lo <= hi); slope 1 at the edges", piecewise=True)


# ----------------------------------------------------------------------------
# Comparisons and selection: what derivative rules branch with.  As ops, a
# branch in a rule is part of the graph when the rule itself is recorded
# (grad with create_graph=True), so a compiled loss that contains a gradient
# takes each sample's own branch.
# ----------------------------------------------------------------------------

def _compare(name: str, test: Callable[[Any, Any, Any], Any], text: str, symbol: str) -> None:
    define(name, lambda a, b, m: m.where(test(m, a, b), 1.0, 0.0),
           lambda g, out, a, b, m: (g * 0.0, g * 0.0), doc=f"1 if {text} else 0", piecewise=True)


_compare("gt", lambda m, a, b: m.gt(a, b), "a > b", ">")
_compare("ge", lambda m, a, b: m.ge(a, b), "a >= b", ">=")
_compare("lt", lambda m, a, b: m.lt(a, b), "a < b", "<")
_compare("le", lambda m, a, b: m.le(a, b), "a <= b", "<=")
_compare("eq", lambda m, a, b: m.eq(a, b), "a = b", "=")
_compare("ne", lambda m, a, b: m.ne(a, b), "a != b", "!=")


def where_vjp(g: Any, out: Any, c: Any, a: Any, b: Any, m: Any) -> Any:
    chosen = m.ne(c, 0.0)
    return g * 0.0, g * m.where(chosen, 1.0, 0.0), g * m.where(chosen, 0.0, 1.0)


define("where", lambda c, a, b, m: m.where(m.ne(c, 0.0), a, b), where_vjp,
       doc="a where c is not 0, else b", piecewise=True)


# ----------------------------------------------------------------------------
# Label checks: the label itself, defined only where a loss accepts it.  As ops,
# the check runs wherever the label is a Value - eagerly, and on every row of a
# compiled batch - so a bad label is an error on every path, never a number.
# ----------------------------------------------------------------------------

def label_forward(y: Any, m: Any) -> Any:
    return y * 1.0


def label_vjp(g: Any, out: Any, y: Any, m: Any) -> Tuple[Any]:
    return (g * 1.0,)


define("label_pm1", label_forward, label_vjp,
       domain=[Domain(lambda y, m: m.ne(m.abs(y), 1.0), "expected a label of -1 or +1, got {0}")],
       doc="y itself, for y = -1 or +1 (the labels of hinge)")

define("label_01", label_forward, label_vjp,
       domain=[Domain(lambda y, m: m.lt(y, 0.0) | m.gt(y, 1.0) | m.ne(y, y),
                      "expected a label in [0, 1], got {0}")],
       doc="y itself, for 0 <= y <= 1 (the labels of binary cross-entropy)")


# ----------------------------------------------------------------------------
# Sum of many terms: one node (the compiler runs groups of them as matrix products)
# ----------------------------------------------------------------------------

def sum_forward(*xs: Any, m: Any) -> Any:
    return sum(xs)


def sum_vjp(g: Any, out: Any, *xs: Any, m: Any) -> Any:
    return (g,) * len(xs)


SUM = define("sum", sum_forward, sum_vjp, doc="a_1 + a_2 + ... + a_n, one node")


def _is_product(op: Optional[Op]) -> bool:
    """True if ``op``'s forward is ``a * b`` and its rule ``(g * b, g * a)``, read from the rule itself."""
    form = None if op is None else op.form
    if form is None or form.forward is None or len(form.inputs) != 2:
        return False
    a, b, g = var(form.inputs[0]), var(form.inputs[1]), var("g")
    return form.forward.key == (a * b).key and [e.key for e in form.vjp] == [(g * b).key, (g * a).key]


def _is_sum(op: Optional[Op]) -> bool:
    """True if ``op`` adds its inputs and hands each one the gradient unchanged, read from the rule itself."""
    form = None if op is None else op.form
    if form is None or not form.uniform or form.vjp[0].key != var("g").key or op.consts:  # type: ignore[union-attr]
        return False
    xs = [var(f"x{i}") for i in range(3)]
    try:
        total = op.forward(*xs, m=SYMBOLIC_MATH)  # type: ignore[union-attr]
    except NotSymbolic:
        return False
    return isinstance(total, Expr) and simplify(total).key == (xs[0] + xs[1] + xs[2]).key


def linear_ops() -> Tuple[Optional[Op], Optional[Op]]:
    """``(sum, mul)`` while their rules are the linear ones the fused layers assume, else ``(None, None)``.

    The compiler runs a group of sums of products with weights as matrix
    products (``W @ X``, ``G @ X.T``, ``W.T @ G``); that is exactly what these
    two rules compute, and only while they do: the check evaluates the
    current definitions on symbols, so an edited ``mul`` or ``sum`` - in the
    source or at run time - compiles through its own rule instead.
    """
    sum_op, mul_op = OPS.get("sum"), OPS.get("mul")
    if _is_sum(sum_op) and _is_product(mul_op):
        return sum_op, mul_op
    return None, None
