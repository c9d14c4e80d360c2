"""The rule table again, on numpy arrays: one row per node, one column per sample.

For each op of :data:`autonn.ops.OPS` (except ``sum``, which the compiler runs
as a matrix product, see :mod:`.kernels`) this module gives

* ``forward(a, b, k, out)``: the op on whole arrays, written into ``out``;
* ``grads``: one function per input, ``(g, y, a, b, k) -> g * d y / d input``,
  the same formula as the op's scalar derivative rule (its docstring is
  quoted in :attr:`ArrayRule.formula`);
* ``bad(a, b, k)``: where the op is undefined (``log`` of a non-positive
  number, ...), or ``None`` for ops defined everywhere.

``a`` and ``b`` are the gathered input rows, ``y`` the output rows, ``g``
the gradient arriving at the output and ``k`` the constant of a ``powc``.
Arrays are computed under ``np.errstate(all="ignore")`` so overflow gives
``inf``/``nan`` exactly as IEEE 754 (and the scalar engine) says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from ..ops import OPS

__all__ = ["ArrayRule", "ARRAY_RULES", "array_rule"]


@dataclass(frozen=True)
class ArrayRule:
    name: str
    arity: int
    forward: Callable
    grads: Tuple[Callable, ...]
    bad: Optional[Callable] = None

    @property
    def formula(self) -> str:
        return OPS[self.name].formula


def _non_integer(k):
    return ~np.isfinite(k) | (k != np.floor(k))


def _pow_bad(a, k):
    return ((a == 0.0) & (k < 0.0)) | ((a < 0.0) & _non_integer(k))


def _relu_forward(a, b, k, out):
    # fmax ignores nan, so relu(nan) = 0.0 as in the scalar rule ("a if a > 0 else 0").
    np.fmax(a, 0.0, out=out)


def _sigmoid_forward(a, b, k, out):
    # The two overflow-free forms of the scalar rule, picked per element.
    e = np.exp(-np.abs(a))
    np.divide(np.where(a >= 0.0, 1.0, e), 1.0 + e, out=out)


def _softplus_forward(a, b, k, out):
    np.add(np.maximum(a, 0.0), np.log1p(np.exp(-np.abs(a))), out=out)


def _sigmoid_grad(g, y, a, b, k):
    # sigmoid' = y * sigmoid(-a): 1 - y would cancel for large a.
    s = np.empty_like(a)
    _sigmoid_forward(-a, b, k, s)
    return g * y * s


def _softplus_grad(g, y, a, b, k):
    # softplus' = sigmoid(a), computed without cancellation (1 - e^-y loses it for a << 0).
    s = np.empty_like(a)
    _sigmoid_forward(a, b, k, s)
    return g * s


def _powc_grad(g, y, a, b, k):
    if k == 0.0:
        return g * 0.0
    return g * k * a ** (k - 1.0)


def _pow_grad_b(g, y, a, b, k):
    # a > 0: g a^b ln a;  a = 0: the limit 0;  a < 0: undefined (nan).
    return np.where(a > 0.0, g * y * np.log(np.where(a > 0.0, a, 1.0)), np.where(a == 0.0, g * 0.0, np.nan))


def _rule(name, arity, forward, *grads, bad=None) -> ArrayRule:
    return ArrayRule(name, arity, forward, grads, bad)


ARRAY_RULES: Dict[str, ArrayRule] = {
    r.name: r
    for r in (
        _rule("add", 2, lambda a, b, k, out: np.add(a, b, out=out),
              lambda g, y, a, b, k: g, lambda g, y, a, b, k: g),
        _rule("sub", 2, lambda a, b, k, out: np.subtract(a, b, out=out),
              lambda g, y, a, b, k: g, lambda g, y, a, b, k: -g),
        _rule("mul", 2, lambda a, b, k, out: np.multiply(a, b, out=out),
              lambda g, y, a, b, k: g * b, lambda g, y, a, b, k: g * a),
        _rule("div", 2, lambda a, b, k, out: np.divide(a, b, out=out),
              lambda g, y, a, b, k: g / b, lambda g, y, a, b, k: -g * y / b,
              bad=lambda a, b, k: b == 0.0),
        _rule("neg", 1, lambda a, b, k, out: np.negative(a, out=out), lambda g, y, a, b, k: -g),
        _rule("powc", 1, lambda a, b, k, out: np.power(a, k, out=out), _powc_grad,
              bad=lambda a, b, k: _pow_bad(a, k)),
        _rule("pow", 2, lambda a, b, k, out: np.power(a, b, out=out),
              lambda g, y, a, b, k: g * b * a ** (b - 1.0), _pow_grad_b,
              bad=lambda a, b, k: _pow_bad(a, b)),
        _rule("abs", 1, lambda a, b, k, out: np.abs(a, out=out), lambda g, y, a, b, k: g * np.sign(a)),
        _rule("exp", 1, lambda a, b, k, out: np.exp(a, out=out), lambda g, y, a, b, k: g * y),
        _rule("log", 1, lambda a, b, k, out: np.log(a, out=out), lambda g, y, a, b, k: g / a,
              bad=lambda a, b, k: a <= 0.0),
        _rule("log1p", 1, lambda a, b, k, out: np.log1p(a, out=out), lambda g, y, a, b, k: g / (1.0 + a),
              bad=lambda a, b, k: a <= -1.0),
        _rule("sqrt", 1, lambda a, b, k, out: np.sqrt(a, out=out), lambda g, y, a, b, k: g * 0.5 / y,
              bad=lambda a, b, k: a < 0.0),
        _rule("tanh", 1, lambda a, b, k, out: np.tanh(a, out=out), lambda g, y, a, b, k: g * (1.0 - y * y)),
        _rule("sigmoid", 1, _sigmoid_forward, _sigmoid_grad),
        _rule("softplus", 1, _softplus_forward, _softplus_grad),
        _rule("relu", 1, _relu_forward, lambda g, y, a, b, k: g * (a > 0.0)),
        _rule("sin", 1, lambda a, b, k, out: np.sin(a, out=out), lambda g, y, a, b, k: g * np.cos(a)),
        _rule("cos", 1, lambda a, b, k, out: np.cos(a, out=out), lambda g, y, a, b, k: -g * np.sin(a)),
    )
}


def array_rule(op: str) -> ArrayRule:
    """The array rule of ``op``, or an error naming it (a new scalar op needs its twin here)."""
    rule = ARRAY_RULES.get(op)
    if rule is None:
        raise NotImplementedError(f"compile: op {op!r} has no array rule yet (autonn.compiler.rules)")
    return rule
